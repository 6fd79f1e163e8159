/* The supervisor's event loop: the rendezvous socket, hand-offs in
 * progress, sessions, signals, and stopping after an idle grace. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "trace.h"
#include "user.h"
#include "write.h"

#define CONTROL_MAX 64
#define CONTROL_TIMEOUT_S 15
#define DEAD_LINGER_S 60
#define LINGER_S 2
#define POLL_MAX (4 + CONTROL_MAX + 2 * 1024)

struct control {
	int fd;
	time_t start;
	struct dbuf buf;
	int fds[2], nfds;
};

static struct control ctl[CONTROL_MAX];
static size_t nctl;
static struct session *sessions;
static size_t nsessions;
static int sigpipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t w = write(sigpipe[1], &c, 1);
	(void)w;
	errno = e;
}

static void control_drop(size_t i)
{
	close(ctl[i].fd);
	for (int k = 0; k < ctl[i].nfds; k++)
		close(ctl[i].fds[k]);
	dbuf_free(&ctl[i].buf, 1);
	ctl[i] = ctl[--nctl];
}

/* Only the front ends (root or the service user, which is us) may hand
 * connections over. */
static void accept_controls(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct ucred cr;
		socklen_t len = sizeof cr;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    (cr.uid != 0 && cr.uid != getuid()) || nctl == CONTROL_MAX) {
			log_warn("refused a hand-off from uid %d", (int)cr.uid);
			close(fd);
			continue;
		}
		memset(&ctl[nctl], 0, sizeof ctl[nctl]);
		ctl[nctl].fd = fd;
		ctl[nctl].start = time(NULL);
		nctl++;
	}
}

static int is_socket(int fd)
{
	struct stat sb;
	return fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/* A complete hand-off: check it, acknowledge it, start the session. */
static int control_finish(struct control *c)
{
	static struct handoff h;
	int r = handoff_decode(dbuf_data(&c->buf), dbuf_live(&c->buf), &h);
	if (r == 0)
		return 0;
	if (r < 0 || c->nfds != 2 || !is_socket(c->fds[0]) || !is_socket(c->fds[1]) ||
	    strcmp(h.field[HF_USER], cfg.user) != 0 || strcmp(h.field[HF_PROTO], "imap") != 0) {
		log_warn("refused a malformed hand-off (user %s)", h.field[HF_USER]);
		return -1;
	}
	h.fd_in = c->fds[0];
	h.fd_out = c->fds[1];
	char ack = HANDOFF_ACK;
	if (write(c->fd, &ack, 1) != 1)
		return -1;
	struct session *s = session_new(&h);
	if (!s)
		return -1;
	c->nfds = 0; /* the session owns them now */
	s->next = sessions;
	sessions = s;
	nsessions++;
	session_pump(s);
	return 1;
}

static void control_read(size_t i)
{
	struct control *c = &ctl[i];
	int r = handoff_recv(c->fd, &c->buf, c->fds, &c->nfds);
	if (r < 0 && errno == EAGAIN)
		return;
	int done = r > 0 ? control_finish(c) : -1;
	if (done != 0)
		control_drop(i);
}

static void session_io(struct session *s, short rev)
{
	if (s->lingering) {
		char sink[16384];
		ssize_t n = read(s->fd_in, sink, sizeof sink);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			s->eof = 1;
		return;
	}
	if ((rev & POLLRDHUP) && session_busy(s)) {
		/* The client is gone (or sends no more, which is the same to an
		 * IMAP session): drop its job now, not when it would end. */
		s->eof = s->dead = 1;
		return;
	}
	if ((rev & POLLIN) && s->in_off == s->in_len) {
		ssize_t n = read(s->fd_in, s->in, sizeof s->in);
		if (n > 0) {
			s->in_off = 0;
			s->in_len = (size_t)n;
			s->last = time(NULL);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			s->eof = s->dead = 1;
		}
	} else if (rev & (POLLHUP | POLLERR | POLLNVAL) && !(rev & POLLOUT)) {
		s->eof = s->dead = 1;
	}
	if ((rev & POLLOUT) && dbuf_live(&s->out)) {
		ssize_t n = write(s->fd_out, dbuf_data(&s->out), dbuf_live(&s->out));
		if (n > 0) {
			s->last_out = time(NULL);
			trace_event(s->id, s->remote, "SEND", dbuf_data(&s->out), (size_t)n);
			dbuf_consume(&s->out, (size_t)n);
		} else if (n < 0 && errno != EAGAIN && errno != EINTR)
			s->eof = s->dead = 1;
	}
}

/* Close finished sessions and the ones idle past the autologout. */
static void reap_sessions(time_t now)
{
	for (struct session **pp = &sessions; *pp;) {
		struct session *s = *pp;
		if (!s->dead && now - s->last > SESSION_AUTOLOGOUT_S) {
			session_reply(s, "* BYE Autologout; idle for too long");
			s->dead = 1;
		}
		/* A dead session goes once its last words are out and the client
		 * has closed or had LINGER_S to do so, or when the client has not
		 * read them for a while.  Shutting down writing and reading what
		 * the client still sends keeps closing from resetting them away. */
		if (s->dead && !s->eof && !s->lingering && dbuf_live(&s->out) == 0) {
			shutdown(s->fd_out, SHUT_WR);
			s->lingering = 1;
			s->linger_start = now;
		}
		if (s->dead && (s->eof || now - s->last_out > DEAD_LINGER_S ||
		                (s->lingering && now - s->linger_start >= LINGER_S))) {
			*pp = s->next;
			session_free(s);
			nsessions--;
		} else {
			pp = &s->next;
		}
	}
}

static void shutdown_all(const char *why)
{
	for (struct session *s = sessions; s; s = s->next) {
		append_abort(s); /* no temporary file left behind */
		session_reply(s, "* BYE %s", why);
		int fl = fcntl(s->fd_out, F_GETFL);
		fcntl(s->fd_out, F_SETFL, fl & ~O_NONBLOCK);
		ssize_t w = write(s->fd_out, dbuf_data(&s->out), dbuf_live(&s->out));
		(void)w;
		/* Closed as a session's end closes it: state, cache and the stamp
		 * that lets the next supervisor open it without listing it. */
		if (s->sel) {
			folder_close(s->sel);
			s->sel = NULL;
		}
	}
}

/* No sessions for the grace period: stop, unless a front end is on its
 * way (it holds the lock, or its connection waits in the backlog). */
static int try_idle_out(int lfd, int lock_fd)
{
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return 0;
	struct pollfd p = {lfd, POLLIN, 0};
	if (poll(&p, 1, 0) > 0) {
		flock(lock_fd, LOCK_UN);
		return 0;
	}
	close(lfd); /* from here a front end gets ECONNREFUSED and starts a new one */
	flock(lock_fd, LOCK_UN);
	return 1;
}

static int setup_signals(void)
{
	if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 1;
}

/* What a session waits for: output to drain, or input when it can use it. */
static short session_events(const struct session *s, int for_in)
{
	short ev = 0;
	int want_in = !s->dead && !session_busy(s) && s->in_off == s->in_len &&
	              dbuf_live(&s->out) < SESSION_OUT_HIGH;
	if (for_in && (want_in || s->lingering))
		ev |= POLLIN;
	/* A job's input waits unread: a client gone meanwhile shows as this. */
	if (for_in && !s->dead && session_busy(s))
		ev |= POLLRDHUP;
	if (dbuf_live(&s->out))
		ev |= POLLOUT;
	return ev;
}

int server_run(int lfd, int lock_fd)
{
	static struct pollfd pf[POLL_MAX];
	static struct session *owner[POLL_MAX];
	time_t idle_since = time(NULL);
	int ino_fd = folder_init();
	if (!setup_signals())
		log_fatal(EXIT_TEMP, "unable to set up signals: %s", strerror(errno));
	for (;;) {
		size_t n = 0;
		pf[n++] = (struct pollfd){sigpipe[0], POLLIN, 0};
		pf[n++] = (struct pollfd){lfd, POLLIN, 0};
		pf[n++] = (struct pollfd){ino_fd, POLLIN, 0}; /* ignored when -1 */
		pf[n++] = (struct pollfd){folder_watcher_fd(), POLLIN, 0};
		for (size_t i = 0; i < nctl; i++)
			pf[n++] = (struct pollfd){ctl[i].fd, POLLIN, 0};
		size_t first_session = n;
		for (struct session *s = sessions; s && n + 2 <= POLL_MAX; s = s->next) {
			int same = s->fd_in == s->fd_out;
			owner[n] = s;
			pf[n++] = (struct pollfd){s->fd_in, session_events(s, 1), 0};
			if (!same) {
				owner[n] = s;
				pf[n++] =
				    (struct pollfd){s->fd_out, session_events(s, 0) & POLLOUT, 0};
				pf[n - 2].events &= (short)~POLLOUT;
			}
		}
		int timeout = 1000;
		for (struct session *s = sessions; s; s = s->next)
			if (session_runnable(s))
				timeout = 0; /* a job's next slice is due */
		/* Work put off until the supervisor is idle (or late enough):
		 * folders answered before their message list was built, watches
		 * without their file events. */
		int opening = 0;
		for (struct session *s = sessions; s; s = s->next)
			opening |= s->opening != NULL;
		int due = opening || folder_watch_due();
		if (due && timeout > WATCH_IDLE_MS)
			timeout = WATCH_IDLE_MS;
		int ready = poll(pf, n, timeout);
		if (ready < 0 && errno != EINTR)
			log_fatal(EXIT_TEMP, "unable to poll: %s", strerror(errno));
		int idle = ready == 0 && timeout == WATCH_IDLE_MS;
		for (struct session *s = sessions; idle && s; s = s->next)
			if (s->opening)
				select_finish(s);
		if (due)
			folder_watch_post(idle);
		time_t now = time(NULL);
		if (pf[0].revents & POLLIN) {
			unsigned char sig = 0;
			while (read(sigpipe[0], &sig, 1) == 1)
				;
			log_info("stopping on signal %d with %zu sessions", sig, nsessions);
			shutdown_all("Server shutting down");
			return 0;
		}
		/* Hand-offs polled this round first: accepting adds entries. */
		if (pf[2].revents & POLLIN)
			folder_inotify();
		if (pf[3].revents & POLLIN)
			folder_watched();
		for (size_t i = first_session - 4; i-- > 0;) {
			if (pf[4 + i].revents)
				control_read(i);
			else if (now - ctl[i].start > CONTROL_TIMEOUT_S)
				control_drop(i);
		}
		if (pf[1].revents & POLLIN)
			accept_controls(lfd);
		for (size_t i = first_session; i < n; i++)
			if (pf[i].revents)
				session_io(owner[i], pf[i].revents);
		for (struct session *s = sessions; s; s = s->next)
			session_pump(s);
		/* After every command of this round: one may have changed a folder. */
		for (struct session *s = sessions; s; s = s->next)
			session_idle_push(s, now);
		reap_sessions(now);
		if (nsessions || nctl)
			idle_since = now;
		else if (now - idle_since >= cfg.idle_s && try_idle_out(lfd, lock_fd)) {
			log_info("no sessions for %d s: exiting", cfg.idle_s);
			return 0;
		}
	}
}
