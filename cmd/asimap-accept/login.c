/* A login attempt: throttling, the password file, the mail root, and the
 * hand-off to the user's supervisor. */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "accept.h"
#include "handoff.h"
#include "hash_django.h"
#include "log.h"
#include "pwfile.h"
#include "pwfile_cache.h"
#include "rendezvous.h"
#include "throttle.h"

#define HANDOFF_ACK_TIMEOUT_MS 15000
#define SUPERVISOR_START_TIMEOUT_MS 15000
#define THROTTLE_WAIT_MS 30000
#define LOGIN_NICE 10 /* niceness while hashing */
#define TLS_RELAY_IDLE_MS (35 * 60 * 1000)

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void throttle_dir(const struct accept_cfg *cfg, char *out, size_t n)
{
	snprintf(out, n, "%s/throttle", cfg->rundir);
}

/* Problems in the password file, reported when its index is rebuilt, so
 * each is logged once per change of the file, not once per login. */
static void report_pwfile(void *arg, unsigned long lineno, const char *user, const char *what)
{
	if (lineno == 0)
		log_warn("password file %s: %s", (const char *)arg, what);
	else if (user)
		log_warn("%s line %lu: user %s: %s", (const char *)arg, lineno, user, what);
	else
		log_warn("%s line %lu: %s", (const char *)arg, lineno, what);
}

/* Returns 1 when the password is right.  Unknown users cost the same. */
static int check_password(const struct accept_cfg *cfg, const char *user, size_t ulen,
                          const char *pw, size_t pwlen, struct pwfile_entry *e)
{
	int found = pwfile_lookup_cached_report(cfg->pwfile, cfg->rundir, user, ulen, e,
	                                        report_pwfile, (void *)(uintptr_t)cfg->pwfile);
	if (found < 0) {
		log_warn("unable to read password file %s: %s", cfg->pwfile, strerror(errno));
		found = 0;
	}
	/* A storm of logins yields the CPU to sessions already being served:
	 * the hash is computed by a child at LOGIN_NICE, so that this process,
	 * which may go on to start the user's supervisor, keeps its own
	 * priority (an unprivileged process cannot take it back). */
	pid_t pid = fork();
	if (pid == 0) {
		setpriority(PRIO_PROCESS, 0, LOGIN_NICE);
		if (!found) {
			hash_django_dummy(pw, pwlen);
			_exit(1);
		}
		_exit(hash_django_verify(e->hash, pw, pwlen) ? 0 : 1);
	}
	if (pid < 0) { /* no child: hash here, at our own priority */
		if (!found) {
			hash_django_dummy(pw, pwlen);
			return 0;
		}
		return hash_django_verify(e->hash, pw, pwlen);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	return found && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* 1: acknowledged; 0: no answer in time or a wrong one; -1: the
 * supervisor is gone (closed or reset: it took nothing). */
static int wait_ack(int sock)
{
	struct pollfd p = {sock, POLLIN, 0};
	char c;
	if (poll(&p, 1, HANDOFF_ACK_TIMEOUT_MS) != 1)
		return 0;
	ssize_t n = read(sock, &c, 1);
	if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE))) {
		errno = ECONNRESET;
		return -1;
	}
	return n == 1 && c == HANDOFF_ACK;
}

#define HAND_OVER_AGAIN (-2) /* the supervisor died before taking it: try a new one */

/* Pass the connection to the supervisor on sock.  Returns the exit code,
 * or HAND_OVER_AGAIN when again is set and the supervisor went away
 * before it took the connection (nothing was said to the client). */
static int hand_over(struct accept_state *st, int sock, const char *tag, const char *user,
                     int again)
{
	const struct accept_cfg *cfg = st->cfg;
	static struct handoff h;
	int sp[2] = {-1, -1};
	handoff_set(&h, HF_PROTO, "imap");
	handoff_set(&h, HF_USER, user);
	handoff_set(&h, HF_REMOTE_IP, cfg->remote_ip);
	handoff_set(&h, HF_REMOTE_PORT, cfg->remote_port);
	handoff_set(&h, HF_LOCAL_IP, cfg->local_ip);
	handoff_set(&h, HF_LOCAL_PORT, cfg->local_port);
	conn_tls_desc(&st->conn, h.field[HF_TLS], sizeof h.field[HF_TLS]);
	handoff_set(&h, HF_TAG, tag);
	h.pending = st->in + st->in_off;
	h.pending_len = st->in_len - st->in_off;
	h.fd_in = st->conn.rfd;
	h.fd_out = st->conn.wfd;
	if (st->conn.ssl) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
			goto fail;
		h.fd_in = h.fd_out = sp[1];
	}
	int ok = handoff_send(sock, &h);
	if (sp[1] >= 0)
		close(sp[1]);
	int ack = ok ? wait_ack(sock) : -1;
	if (ack < 0 && again && (!ok ? errno == ECONNRESET || errno == EPIPE : 1)) {
		close(sock);
		if (sp[0] >= 0)
			close(sp[0]);
		return HAND_OVER_AGAIN;
	}
	if (ack != 1)
		goto fail;
	close(sock);
	st->handed_over = 1;
	log_info("login user=%s remote=%s tls=%s", user, cfg->remote_ip,
	         st->conn.ssl ? "yes" : "no");
	st->conn.deadline_ms = 0;
	if (st->conn.ssl)
		tls_pump(&st->conn, sp[0], TLS_RELAY_IDLE_MS);
	return 0;
fail:
	log_warn("unable to hand the connection of user %s to its supervisor: %s", user,
	         strerror(errno));
	reply(st, "%s NO [UNAVAILABLE] Server temporarily unavailable", tag);
	return EXIT_TEMP;
}

/* The account is good: find its mail root and its supervisor. */
static int open_account(struct accept_state *st, const char *tag, struct pwfile_entry *e)
{
	struct stat sb;
	struct rendezvous_spawn sp = {st->cfg->user_bin, e->user, e->maildir, 0, 0, 0, NULL};
	if (stat(e->maildir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		log_warn("mail root %s of user %s is missing", e->maildir, e->user);
		reply(st, "%s NO [UNAVAILABLE] The mail root of this account is missing", tag);
		return -1;
	}
	if (geteuid() == 0) {
		if (sb.st_uid == 0) {
			log_warn("refusing root-owned mail root %s of user %s", e->maildir,
			         e->user);
			reply(st, "%s NO [UNAVAILABLE] This account cannot be served", tag);
			return -1;
		}
		/* The owner's own group and groups, never the directory's. */
		struct passwd *pw = getpwuid(sb.st_uid);
		sp.drop = 1;
		sp.uid = sb.st_uid;
		sp.gid = pw ? pw->pw_gid : sb.st_gid;
		sp.owner = pw ? pw->pw_name : NULL;
		if (sp.gid == 0) {
			log_warn("refusing mail root %s of user %s: its owner's group is root",
			         e->maildir, e->user);
			reply(st, "%s NO [UNAVAILABLE] This account cannot be served", tag);
			return -1;
		}
	}
	/* A supervisor that dies (killed, crashed) while a connection waits
	 * in its backlog resets it: one more try starts a new one. */
	for (int again = 1;; again = 0) {
		int sock = rendezvous_connect(st->cfg->rundir, &sp, SUPERVISOR_START_TIMEOUT_MS);
		if (sock < 0) {
			log_warn("unable to reach the supervisor of user %s: %s", e->user,
			         strerror(errno));
			reply(st, "%s NO [UNAVAILABLE] Server temporarily unavailable", tag);
			return EXIT_TEMP;
		}
		int rc = hand_over(st, sock, tag, e->user, again);
		if (rc != HAND_OVER_AGAIN)
			return rc;
		log_warn("the supervisor of user %s went away during a hand-off: trying again",
		         e->user);
	}
}

int login_attempt(struct accept_state *st, const char *tag, const char *user, size_t ulen,
                  const char *pw, size_t pwlen)
{
	const struct accept_cfg *cfg = st->cfg;
	static struct pwfile_entry e;
	char dir[4096], ukey[PWFILE_USER_MAX + 3], akey[300];
	throttle_dir(cfg, dir, sizeof dir);
	snprintf(ukey, sizeof ukey, "u:%.*s",
	         (int)(ulen > PWFILE_USER_MAX ? PWFILE_USER_MAX : ulen), user);
	snprintf(akey, sizeof akey, "a:%s", cfg->remote_ip);
	if (memchr(user, 0, ulen))
		ukey[2] = 0; /* the name cannot be an account: count it with the address only */
	/* Checks for one user run one at a time, holding the user's counter,
	 * so parallel guesses cannot all pass the limit; the address is
	 * counted in advance and refunded on success. */
	struct throttle ut;
	if (!throttle_hold(&ut, dir, ukey, THROTTLE_WAIT_MS))
		log_warn("unable to keep failed-login count for %s: %s", ukey + 2, strerror(errno));
	if (throttle_over(&ut, cfg->fails_user, cfg->fail_window_s) ||
	    !throttle_take(dir, akey, cfg->fails_addr, cfg->fail_window_s)) {
		throttle_release(&ut);
		log_warn("refused login user=%s remote=%s: too many failures", ukey + 2,
		         cfg->remote_ip);
		reply(st, "%s NO [UNAVAILABLE] Too many failed logins; try again later", tag);
		return -1;
	}
	int ok = check_password(cfg, user, ulen, pw, pwlen, &e);
	if (!ok) {
		if (ut.fd >= 0 && !throttle_fail(&ut, cfg->fail_window_s))
			log_warn("unable to record a failed login in %s: %s", dir, strerror(errno));
		throttle_release(&ut);
		log_info("failed login user=%s remote=%s", ukey + 2, cfg->remote_ip);
		pause_ms(cfg->fail_delay_ms);
		reply(st, "%s NO [AUTHENTICATIONFAILED] Authentication failed", tag);
		pwfile_entry_wipe(&e);
		return -1;
	}
	throttle_reset(&ut);
	throttle_release(&ut);
	throttle_refund(dir, akey);
	sodium_memzero(e.hash, sizeof e.hash); /* user and maildir are still needed */
	ok = open_account(st, tag, &e);
	pwfile_entry_wipe(&e);
	return ok;
}
