#include "rendezvous.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

void rendezvous_name(const char *user, char out[RENDEZVOUS_NAME_MAX])
{
	size_t n = strlen(user);
	int safe = n > 0 && n <= 64 && user[0] != '.' && user[0] != '-';
	for (size_t i = 0; safe && i < n; i++) {
		unsigned char c = (unsigned char)user[i];
		safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
	}
	if (safe) {
		memcpy(out, user, n + 1);
		return;
	}
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)user, n, md);
	out[0] = '%';
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int lock_wait(int fd, long deadline)
{
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 1;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return 0;
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return 0;
		}
		struct timespec ts = {0, 5 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static int sock_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path) {
		errno = ENAMETOOLONG;
		return 0;
	}
	strcpy(sa->sun_path, path);
	return 1;
}

static int try_connect(const char *path)
{
	struct sockaddr_un sa;
	if (!sock_addr(&sa, path))
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int make_listener(const char *path, const struct rendezvous_spawn *sp)
{
	struct sockaddr_un sa;
	if (!sock_addr(&sa, path))
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	mode_t old = umask(077);
	int ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	umask(old);
	if (ok && sp->drop)
		ok = chown(path, sp->uid, sp->gid) == 0;
	if (ok)
		ok = listen(fd, 128) == 0;
	if (!ok) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int rendezvous_drop(uid_t uid, gid_t gid, const char *owner)
{
	if (uid == 0 || gid == 0) {
		errno = EPERM;
		return 0;
	}
	if ((owner ? initgroups(owner, gid) : setgroups(1, &gid)) < 0 || setgid(gid) < 0 ||
	    setuid(uid) < 0)
		return 0;
	gid_t groups[256];
	int n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			n = -1;
	if (n < 0 || setuid(0) == 0 || getuid() != uid || geteuid() != uid || getegid() != gid ||
	    getgid() != gid) {
		errno = EPERM;
		return 0;
	}
	return 1;
}

static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0) == 0;
	return dup2(from, to) == to;
}

/* In the grandchild: arrange fds, drop, exec.  Never returns. */
static void exec_supervisor(const struct rendezvous_spawn *sp, const char *lockpath, int lfd,
                            int ready)
{
	int lk = open(lockpath, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (lk < 0 || nul < 0)
		_exit(111);
	/* Park the three above fd 5 first so the dup2s below cannot clobber. */
	int a = fcntl(lfd, F_DUPFD_CLOEXEC, 10), b = fcntl(lk, F_DUPFD_CLOEXEC, 10),
	    c = fcntl(ready, F_DUPFD_CLOEXEC, 10);
	if (a < 0 || b < 0 || c < 0 || !move_fd(nul, 0) || !move_fd(nul, 1) ||
	    !move_fd(a, RENDEZVOUS_LISTEN_FD) || !move_fd(b, RENDEZVOUS_LOCK_FD) ||
	    !move_fd(c, RENDEZVOUS_READY_FD))
		_exit(111);
	if (sp->drop && !rendezvous_drop(sp->uid, sp->gid, sp->owner))
		_exit(111);
	/* The supervisor never learns where the secrets are. */
	static const char *const drop_env[] = {
	    "SSL_KEY",      "SSL_CERT",      "PWFILE",      "TCPREMOTEIP", "TCPREMOTEPORT",
	    "TCPLOCALIP",   "TCPLOCALPORT",  "REMOTE_ADDR", "REMOTE_PORT", "TCPREMOTEHOST",
	    "TCPLOCALHOST", "TCPREMOTEINFO", NULL};
	for (int i = 0; drop_env[i]; i++)
		unsetenv(drop_env[i]);
	signal(SIGPIPE, SIG_DFL);
	char *argv[] = {(char *)"asimap-user", (char *)(uintptr_t)sp->user,
	                (char *)(uintptr_t)sp->mailroot, NULL};
	execv(sp->user_bin, argv);
	_exit(111);
}

/* Fork twice so the supervisor is nobody's child here. */
static int spawn(const struct rendezvous_spawn *sp, const char *lockpath, int lfd, int ready)
{
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		if (setsid() < 0)
			_exit(111);
		pid_t p2 = fork();
		if (p2 != 0)
			_exit(p2 < 0 ? 111 : 0);
		exec_supervisor(sp, lockpath, lfd, ready);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = ECHILD;
		return 0;
	}
	return 1;
}

static int wait_ready(int fd, long deadline)
{
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r <= 0)
			continue;
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n == 1)
			return 1;
		if (n == 0) {
			errno = ECONNREFUSED; /* the supervisor died before serving */
			return 0;
		}
		if (errno != EINTR)
			return 0;
	}
}

static int start_and_connect(const char *sockpath, const char *lockpath,
                             const struct rendezvous_spawn *sp, long deadline)
{
	int lfd = make_listener(sockpath, sp);
	if (lfd < 0)
		return -1;
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0) {
		close(lfd);
		return -1;
	}
	int ok = spawn(sp, lockpath, lfd, pp[1]);
	int e = errno;
	close(lfd);
	close(pp[1]);
	if (ok)
		ok = wait_ready(pp[0], deadline);
	e = ok ? 0 : errno;
	close(pp[0]);
	if (!ok) {
		errno = e;
		return -1;
	}
	return try_connect(sockpath);
}

int rendezvous_connect(const char *rundir, const struct rendezvous_spawn *sp, int timeout_ms)
{
	char name[RENDEZVOUS_NAME_MAX], lockpath[4096], sockpath[4096];
	rendezvous_name(sp->user, name);
	if (snprintf(lockpath, sizeof lockpath, "%s/%s.lock", rundir, name) >=
	        (int)sizeof lockpath ||
	    snprintf(sockpath, sizeof sockpath, "%s/%s.sock", rundir, name) >=
	        (int)sizeof sockpath) {
		errno = ENAMETOOLONG;
		return -1;
	}
	long deadline = now_ms() + timeout_ms;
	int lk = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lk < 0)
		return -1;
	if (sp->drop && fchown(lk, sp->uid, sp->gid) < 0) {
		int e = errno;
		close(lk);
		errno = e;
		return -1;
	}
	if (!lock_wait(lk, deadline)) {
		int e = errno;
		close(lk);
		errno = e;
		return -1;
	}
	int fd = try_connect(sockpath);
	if (fd < 0 && (errno == ENOENT || errno == ECONNREFUSED))
		fd = start_and_connect(sockpath, lockpath, sp, deadline);
	int e = errno;
	close(lk); /* releases the lock */
	errno = e;
	return fd;
}
