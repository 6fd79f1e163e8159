/* asimap-accept: IMAP pre-auth for one connection on fds 0 and 1, as
 * tcpserver, s6-tcpserver, inetd or systemd (Accept=yes) start it. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "accept.h"
#include "log.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

static int env_int(const char *name, int dflt, int lo, int hi)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long x = strtol(v, &end, 10);
	if (*end || x < lo || x > hi)
		log_fatal(EXIT_USAGE, "unable to read %s: not a number from %d to %d", name, lo,
		          hi);
	return (int)x;
}

static int is_loopback(const char *ip)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") || !strncmp(ip, "::ffff:127.", 11);
}

static void usage(void)
{
	fputs("usage: asimap-accept [--tls] [--cert=FILE] [--key=FILE] [--pwfile=FILE] "
	      "[--rundir=DIR] [--debug]\n",
	      stderr);
	exit(EXIT_USAGE);
}

/* The programs sit side by side; asimap-user is found next to us. */
static const char *sibling(const char *name)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0)
		return name;
	path[n] = 0;
	char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + 1 + strlen(name) >= sizeof path)
		return name;
	strcpy(slash + 1, name);
	return path;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tls", no_argument, 0, 't'},          {"cert", required_argument, 0, 'c'},
	    {"key", required_argument, 0, 'k'},    {"pwfile", required_argument, 0, 'p'},
	    {"rundir", required_argument, 0, 'r'}, {"debug", no_argument, 0, 'd'},
	    {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
	struct accept_cfg cfg = {0};
	log_init("asimap-accept");
	cfg.cert = getenv("SSL_CERT");
	cfg.key = getenv("SSL_KEY");
	cfg.pwfile = getenv("PWFILE");
	cfg.rundir = env_or("ASIMAP_RUNDIR", "/run/asimap");
	int c;
	while ((c = getopt_long(argc, argv, "th", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			cfg.implicit_tls = 1;
			break;
		case 'c':
			cfg.cert = optarg;
			break;
		case 'k':
			cfg.key = optarg;
			break;
		case 'p':
			cfg.pwfile = optarg;
			break;
		case 'r':
			cfg.rundir = optarg;
			break;
		case 'd':
			log_debug_on = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!cfg.pwfile || !*cfg.pwfile)
		log_fatal(EXIT_USAGE, "unable to find the password file: set PWFILE or --pwfile");
	cfg.user_bin = env_or("ASIMAP_USER_BIN", sibling("asimap-user"));
	cfg.timeout_ms =
	    env_int("ASIMAP_PREAUTH_TIMEOUT", PREAUTH_TIMEOUT_MS / 1000, 1, 3600) * 1000;
	cfg.fails_user = env_int("ASIMAP_AUTH_FAILS_USER", 5, 1, 1000000);
	cfg.fails_addr = env_int("ASIMAP_AUTH_FAILS_ADDR", 20, 1, 1000000);
	cfg.fail_window_s = env_int("ASIMAP_AUTH_FAIL_WINDOW", 300, 1, 86400);
	cfg.fail_delay_ms = env_int("ASIMAP_AUTH_FAIL_DELAY_MS", 1000, 0, 60000);
	cfg.remote_ip = env_or("TCPREMOTEIP", env_or("REMOTE_ADDR", "unknown"));
	cfg.remote_port = env_or("TCPREMOTEPORT", env_or("REMOTE_PORT", ""));
	cfg.local_ip = env_or("TCPLOCALIP", "");
	cfg.local_port = env_or("TCPLOCALPORT", "");
	cfg.loopback = is_loopback(cfg.remote_ip);
	signal(SIGPIPE, SIG_IGN);
	/* Replies go out as written, not held back by Nagle (fd 1 may not be TCP). */
	int one = 1;
	setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return preauth_serve(&cfg);
}
