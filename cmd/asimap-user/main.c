/* asimap-user: the supervisor of one user's mail root.  Started by a
 * front end through the rendezvous (see lib/rendezvous.h for its fds):
 *   asimap-user USER MAILROOT
 * It serves every session of USER in one event loop and exits after
 * ASIMAP_USER_IDLE seconds (default 1800) without sessions. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rendezvous.h"
#include "trace.h"
#include "user.h"

struct user_cfg cfg;

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long x = strtol(v, &end, 10);
	if (*end || x < 1 || x > 86400 * 7)
		log_fatal(EXIT_USAGE, "unable to read %s: not a number of seconds", name);
	return (int)x;
}

static void check_fd(int fd, int want_sock, const char *what)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0 || (want_sock && !S_ISSOCK(sb.st_mode)))
		log_fatal(EXIT_USAGE, "unable to use fd %d: it is not %s", fd, what);
}

/* TRACE turns tracing on, into TRACE_DIR (default $ASIMAP_RUNDIR/traces). */
static void start_trace(void)
{
	const char *on = getenv("TRACE"), *dir = getenv("TRACE_DIR");
	char def[4096];
	if (!on || !*on || !strcmp(on, "0") || !strcasecmp(on, "false"))
		return;
	if (!dir || !*dir) {
		const char *rundir = getenv("ASIMAP_RUNDIR");
		snprintf(def, sizeof def, "%s/traces", rundir && *rundir ? rundir : "/run/asimap");
		dir = def;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		log_warn("unable to create trace directory %s: %s", dir, strerror(errno));
	if (!trace_open(dir, cfg.user))
		log_warn("unable to trace into %s: %s", dir, strerror(errno));
}

int main(int argc, char **argv)
{
	log_init("asimap-user");
	if (argc != 3)
		log_fatal(EXIT_USAGE,
		          "usage: asimap-user USER MAILROOT (started by asimap-accept)");
	if (getuid() == 0 || geteuid() == 0)
		log_fatal(EXIT_USAGE, "refusing to run as root");
	cfg.user = argv[1];
	cfg.mailroot = argv[2];
	cfg.unseen = "unseen";
	cfg.idle_s = env_int("ASIMAP_USER_IDLE", 1800);
	check_fd(RENDEZVOUS_LISTEN_FD, 1, "the listening socket");
	check_fd(RENDEZVOUS_LOCK_FD, 0, "the lock file");
	cfg.rootfd = open(cfg.mailroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfg.rootfd < 0)
		log_fatal(EXIT_TEMP, "unable to open mail root %s: %s", cfg.mailroot,
		          strerror(errno));
	fcntl(RENDEZVOUS_LISTEN_FD, F_SETFL, O_NONBLOCK);
	fcntl(RENDEZVOUS_LISTEN_FD, F_SETFD, FD_CLOEXEC);
	fcntl(RENDEZVOUS_LOCK_FD, F_SETFD, FD_CLOEXEC);
	start_trace();
	/* Serving: tell the front end that started us. */
	if (write(RENDEZVOUS_READY_FD, "\n", 1) != 1)
		log_fatal(EXIT_TEMP, "unable to signal readiness: %s", strerror(errno));
	close(RENDEZVOUS_READY_FD);
	log_info("started for user %s on %s", cfg.user, cfg.mailroot);
	return server_run(RENDEZVOUS_LISTEN_FD, RENDEZVOUS_LOCK_FD);
}
