/* rendezvous: finding, or starting, the supervisor of one user
 * (DESIGN.md, "Connection hand-off").
 *
 * Under the rundir each user has NAME.lock and NAME.sock, where NAME is the
 * user name when it is a safe file name and "%" plus the SHA-256 of the
 * name otherwise.  The supervisor started here gets:
 *   fd 3  the listening socket (NAME.sock)
 *   fd 4  its own descriptor of NAME.lock (a separate open file, so its
 *         flock is its own)
 *   fd 5  the write end of the readiness pipe: it writes one byte and
 *         closes it when it serves
 *   argv  asimap-user USER MAILROOT
 * and runs in its own session, with stdin and stdout on /dev/null. */
#ifndef ASIMAP_RENDEZVOUS_H
#define ASIMAP_RENDEZVOUS_H
#include <sys/types.h>

#define RENDEZVOUS_NAME_MAX 80
#define RENDEZVOUS_LISTEN_FD 3
#define RENDEZVOUS_LOCK_FD 4
#define RENDEZVOUS_READY_FD 5

struct rendezvous_spawn {
	const char *user_bin; /* path of asimap-user */
	const char *user;     /* login name (NUL-terminated, no NUL inside) */
	const char *mailroot; /* absolute path of the user's mail root */
	int drop;             /* become uid/gid before exec (front end runs as root) */
	uid_t uid;
	gid_t gid;
	const char *owner; /* account name of uid for its groups, or NULL: gid only */
};

/* Write the file-name stem for user into out.  Always succeeds. */
void rendezvous_name(const char *user, char out[RENDEZVOUS_NAME_MAX]);
/* Connect to the user's supervisor, starting it if none listens; the
 * user's lock is held while checking and starting, so racing logins start
 * one supervisor.  Waits at most timeout_ms for the lock and the
 * supervisor's readiness.  Returns a connected, close-on-exec socket, or
 * -1 with errno set. */
int rendezvous_connect(const char *rundir, const struct rendezvous_spawn *sp, int timeout_ms);
/* Drop to uid/gid and owner's supplementary groups (just gid when owner
 * is NULL): setgroups, setgid, setuid, then verify that neither root's uid
 * nor its group can be had.  Returns 1, or 0 with errno set. */
int rendezvous_drop(uid_t uid, gid_t gid, const char *owner);

#endif
