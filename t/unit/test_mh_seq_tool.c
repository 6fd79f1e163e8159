/* test_mh_seq_tool: mh_seq from the command line, for t/mh_seq.bats (which
 * runs it against the real nmh).  With no arguments it is a unit test of
 * itself, as every build/t/test_* is.  Locking follows
 * ENABLE_MH_FILE_LOCKING, as the supervisor's does.
 *
 *	test_mh_seq_tool add|remove DIR NAME LO [HI]
 *	test_mh_seq_tool show DIR [NAME]     the file's text, or NAME's numbers
 *	test_mh_seq_tool poison              MH_SEQ_POISON, the text nmh must refuse
 *	test_mh_seq_tool loop DIR ADD REMOVE FROM TO SLEEP_MS SECONDS LOG
 *	    for each number FROM..TO, one update that adds it to ADD and
 *	    removes it from REMOVE, then appends it to LOG; SLEEP_MS between
 *	    updates, for at most SECONDS ("-" for no ADD or REMOVE).  Exit 0
 *	    even when the time ran out.
 */
#include "check.h"
#include "mh_seq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct change {
	const char *add, *remove;
	uint32_t lo, hi;
};

static int apply(struct mh_seqs *s, void *ctx)
{
	const struct change *c = ctx;
	return (!c->add || mh_seq_add(s, c->add, c->lo, c->hi)) &&
	       (!c->remove || mh_seq_remove(s, c->remove, c->lo, c->hi));
}

static int locking(void)
{
	const char *v = getenv("ENABLE_MH_FILE_LOCKING");
	return !(v && (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")));
}

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "test_mh_seq_tool: fatal: unable to open %s: %s\n", path,
		        strerror(errno));
	return fd;
}

static uint32_t num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	return *end || v > MH_SEQ_NUM_MAX ? 0 : (uint32_t)v;
}

static int print_nums(void *ctx, const char *name, const struct mh_seq_range *r, size_t n)
{
	FILE *out = ctx;
	(void)name;
	for (size_t i = 0; i < n; i++)
		for (uint64_t v = r[i].lo; v <= r[i].hi; v++)
			fprintf(out, "%u\n", (unsigned)v);
	return 1;
}

static int show(int d, const char *name, FILE *out)
{
	struct mh_seqs s;
	mh_seq_init(&s);
	if (!mh_seq_load(d, locking(), &s))
		return 0;
	if (name) {
		const struct mh_seq_range *r;
		size_t n;
		if (mh_seq_get(&s, name, &r, &n))
			print_nums(out, name, r, n);
	} else {
		fwrite(s.buf, 1, s.len, out);
	}
	mh_seq_free(&s);
	return 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The loop command; returns the number of updates done, -1 on error. */
static long loop(int d, char **a)
{
	uint32_t from = num(a[2]), to = num(a[3]);
	long sleep_ms = atol(a[4]), done = 0;
	double end = now_s() + atof(a[5]);
	FILE *log = fopen(a[6], "a");
	if (!log || !from || !to)
		return -1;
	for (uint32_t v = from; v <= to && now_s() < end; v++) {
		struct change c = {strcmp(a[0], "-") ? a[0] : NULL, strcmp(a[1], "-") ? a[1] : NULL,
		                   v, v};
		if (!mh_seq_update(d, locking(), apply, &c)) {
			fprintf(stderr, "test_mh_seq_tool: update %u: %s\n", (unsigned)v,
			        strerror(errno));
			if (errno == EAGAIN)
				continue;
			fclose(log);
			return -1;
		}
		fprintf(log, "%u\n", (unsigned)v);
		fflush(log);
		done++;
		struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
	fclose(log);
	return done;
}

static int cli(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "poison"))
		return fputs(MH_SEQ_POISON, stdout) == EOF;
	int d = argc > 2 ? open_dir(argv[2]) : -1;
	if (argc > 2 && d < 0)
		return 111;
	if ((!strcmp(argv[1], "add") || !strcmp(argv[1], "remove")) && (argc == 5 || argc == 6)) {
		int add = !strcmp(argv[1], "add");
		struct change c = {add ? argv[3] : NULL, add ? NULL : argv[3], num(argv[4]),
		                   num(argv[argc - 1])};
		if (mh_seq_update(d, locking(), apply, &c))
			return 0;
	} else if (!strcmp(argv[1], "show") && (argc == 3 || argc == 4)) {
		if (show(d, argc == 4 ? argv[3] : NULL, stdout))
			return 0;
	} else if (!strcmp(argv[1], "loop") && argc == 10) {
		long n = loop(d, argv + 3);
		if (n >= 0) {
			fprintf(stderr, "test_mh_seq_tool: %ld updates\n", n);
			return 0;
		}
	} else {
		fprintf(stderr,
		        "usage: test_mh_seq_tool add|remove DIR NAME LO [HI] | show DIR "
		        "[NAME] | poison | loop DIR ADD REMOVE FROM TO SLEEP_MS SECONDS LOG\n");
		return 100;
	}
	fprintf(stderr, "test_mh_seq_tool: fatal: unable to %s: %s\n", argv[1], strerror(errno));
	return 111;
}

/* ---- with no arguments: test the commands above ---- */

static const char *out_of(int d, const char *name)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");
	memset(buf, 0, sizeof buf);
	if (!f || !show(d, name, f))
		return "<failed>";
	fclose(f);
	return buf;
}

static void self_test(void)
{
	char dir[] = "/tmp/test_mh_seq_tool.XXXXXX", log[64], cmd[128];
	CHECK(mkdtemp(dir) != NULL);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(log, sizeof log, "%s/log", dir);
	struct change fill = {"b", NULL, 1, 40};
	CHECK(mh_seq_update(d, 1, apply, &fill));

	/* two loops at once, in two processes: both complete, nothing lost */
	pid_t pid = fork();
	if (pid == 0) {
		char *a[] = {"a", "b", "21", "40", "0", "20", log};
		_exit(loop(d, a) == 20 ? 0 : 1);
	}
	char *a[] = {"a", "b", "1", "20", "0", "20", log};
	CHECK(loop(d, a) == 20);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));
	CHECK_STR(out_of(d, "b"), "");
	const char *nums = out_of(d, "a");
	CHECK(strlen(nums) == 9 * 2 + 31 * 3 && !strncmp(nums, "1\n2\n", 4));
	CHECK_STR(out_of(d, NULL), "a: 1-40\n");

	/* the time limit stops a loop */
	char *slow[] = {"c", "-", "1", "1000", "50", "0.2", log};
	long n = loop(d, slow);
	CHECK(n >= 1 && n < 10);

	struct change bad = {"no name", NULL, 1, 1};
	CHECK(!mh_seq_update(d, 1, apply, &bad) && errno == EINVAL);
	close(d);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return cli(argc, argv);
	self_test();
	return check_done("test_mh_seq_tool");
}
