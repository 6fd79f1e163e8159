/* Unit tests for mh_seq: the text (round trips, nmh's reading rules,
 * edits, limits), files written by the real nmh (when installed: Debian's
 * /usr/bin/mh), and the locked read-modify-write. */
#include "check.h"
#include "mh_seq.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NMH_MARK "/usr/bin/mh/mark"

static char tmpdir[] = "/tmp/test_mh_seq.XXXXXX";

static int parse(struct mh_seqs *s, const char *text)
{
	mh_seq_init(s);
	return mh_seq_parse(s, text, strlen(text));
}

/* The text of s, NUL-terminated in a static buffer. */
static const char *fmt(const struct mh_seqs *s)
{
	static char out[1 << 16];
	char *p;
	size_t n;
	if (!mh_seq_format(s, &p, &n) || n >= sizeof out)
		return "<format failed>";
	if (n)
		memcpy(out, p, n);
	out[n] = 0;
	free(p);
	return out;
}

/* "lo-hi lo-hi ..." for sequence name, "" when none. */
static const char *ranges(const struct mh_seqs *s, const char *name)
{
	static char out[4096];
	const struct mh_seq_range *r;
	size_t n, len = 0;
	out[0] = 0;
	if (!mh_seq_get(s, name, &r, &n))
		return out;
	for (size_t i = 0; i < n && len < sizeof out - 32; i++)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%u-%u", i ? " " : "",
		                        (unsigned)r[i].lo, (unsigned)r[i].hi);
	return out;
}

static void round_trip(const char *text)
{
	struct mh_seqs s;
	CHECK(parse(&s, text));
	CHECK_STR(fmt(&s), text);
	mh_seq_free(&s);
	/* every prefix too: a file cut anywhere still parses and round-trips */
	size_t len = strlen(text);
	for (size_t i = 0; i < len; i++) {
		char *p;
		size_t n;
		mh_seq_init(&s);
		CHECK(mh_seq_parse(&s, text, i));
		CHECK(mh_seq_format(&s, &p, &n));
		CHECK(n == i && (n == 0 || memcmp(p, text, n) == 0));
		free(p);
		mh_seq_free(&s);
	}
}

static void test_round_trips(void)
{
	round_trip("");
	round_trip("cur: 3\nunseen: 1-5 7 9-12\nflagged: 2\n");
	round_trip("a: 1 2\n 3 4\n\tjunk 6-4\nb: 5"); /* continuations, no final LF */
	round_trip("x: 1 2\r\ny: 3\r\n");             /* CRLF */
	round_trip("no colon here\n\nblank above\n  indented first\n");   /* not fields */
	round_trip("$Forwarded: 1\nfoo bar : 2\nSeen: 1-3\nRecent: 4\n"); /* Python asimap */
	round_trip("dup: 1\nother: 2\ndup: 3-4\n");
	round_trip("zz:\n:\n: 5\n");
}

/* What nmh reads (checked against nmh 1.8 in the header comment). */
static void test_reading_rules(void)
{
	struct mh_seqs s;
	CHECK(parse(&s, "a: 1 2\n 3 4\nb: 1\t2 junk 6-4 3- 0 00009 +5 1-2-3\nc: 1 2\r\n"));
	CHECK_STR(ranges(&s, "a"), "1-4");
	CHECK_STR(ranges(&s, "b"), "1-2 9-9");
	CHECK_STR(ranges(&s, "c"), "1-2");
	mh_seq_free(&s);

	CHECK(parse(&s, "foo : 7\nfoo bar: 3\ndup: 1\ndup: 5-6\nzz:\n"));
	CHECK_STR(ranges(&s, "foo"), "7-7");     /* the name is trimmed */
	CHECK_STR(ranges(&s, "foo bar"), "3-3"); /* spaces inside are nmh's too */
	CHECK_STR(ranges(&s, "dup"), "5-6");     /* the last line wins */
	CHECK(!mh_seq_has(&s, "dup", 1) && mh_seq_has(&s, "dup", 6));
	CHECK_STR(ranges(&s, "zz"), "");  /* empty */
	CHECK(!mh_seq_has(&s, "Dup", 5)); /* case-sensitive */
	mh_seq_free(&s);

	/* out of order and overlapping tokens are sorted and merged */
	CHECK(parse(&s, "u: 9 3-5 4 1 2 10-12 6\n"));
	CHECK_STR(ranges(&s, "u"), "1-6 9-12");
	CHECK(mh_seq_has(&s, "u", 12) && !mh_seq_has(&s, "u", 7) && !mh_seq_has(&s, "u", 13));
	CHECK(!mh_seq_has(&s, "u", 0) && !mh_seq_has(&s, "nope", 1));
	mh_seq_free(&s);

	/* numbers past MH_SEQ_NUM_MAX are ignored, as junk */
	CHECK(parse(&s, "big: 2147483647 2147483648 99999999999999999999 1-4294967295\n"));
	CHECK_STR(ranges(&s, "big"), "2147483647-2147483647");
	mh_seq_free(&s);
}

static int collect(void *ctx, const char *name, const struct mh_seq_range *r, size_t n)
{
	char *out = ctx;
	size_t len = strlen(out);
	snprintf(out + len, 256 - len, "%s:%zu:%u;", name, n, (unsigned)r[0].lo);
	return strcmp(name, "stop") != 0;
}

static void test_edits(void)
{
	struct mh_seqs s;
	char seen[256] = "";
	CHECK(parse(&s, "# not a field\nunseen: 1-3 junk\nflagged: 5\n"));
	CHECK(mh_seq_add(&s, "flagged", 5, 5));
	CHECK_STR(fmt(&s), "# not a field\nunseen: 1-3 junk\nflagged: 5\n"); /* no change */
	CHECK(mh_seq_add(&s, "flagged", 6, 7));
	CHECK_STR(fmt(&s), "# not a field\nunseen: 1-3 junk\nflagged: 5-7\n");
	CHECK(mh_seq_remove(&s, "unseen", 2, 2));
	CHECK_STR(fmt(&s), "# not a field\nunseen: 1 3\nflagged: 5-7\n");
	CHECK(mh_seq_add(&s, "replied", 9, 9));
	CHECK(mh_seq_add(&s, "cur", 3, 3)); /* nmh puts cur first */
	CHECK_STR(fmt(&s), "cur: 3\n# not a field\nunseen: 1 3\nflagged: 5-7\nreplied: 9\n");
	CHECK(mh_seq_remove(&s, "unseen", 1, 3)); /* empty: the line goes */
	CHECK(mh_seq_remove(&s, "nothere", 1, 3));
	CHECK_STR(fmt(&s), "cur: 3\n# not a field\nflagged: 5-7\nreplied: 9\n");
	CHECK(mh_seq_add(&s, "unseen", 4, 4)); /* back where it was */
	CHECK_STR(fmt(&s), "cur: 3\n# not a field\nunseen: 4\nflagged: 5-7\nreplied: 9\n");
	CHECK(mh_seq_each(&s, collect, seen));
	CHECK_STR(seen, "cur:1:3;unseen:1:4;flagged:1:5;replied:1:9;");
	mh_seq_free(&s);

	/* merging and splitting */
	CHECK(parse(&s, "a: 1-3 7-9 20\n"));
	CHECK(mh_seq_add(&s, "a", 4, 6));
	CHECK_STR(ranges(&s, "a"), "1-9 20-20");
	CHECK(mh_seq_add(&s, "a", 15, 25));
	CHECK(mh_seq_add(&s, "a", 11, 11));
	CHECK_STR(ranges(&s, "a"), "1-9 11-11 15-25");
	CHECK(mh_seq_add(&s, "a", 10, 14));
	CHECK_STR(ranges(&s, "a"), "1-25");
	CHECK(mh_seq_remove(&s, "a", 5, 5));
	CHECK(mh_seq_remove(&s, "a", 1, 1));
	CHECK(mh_seq_remove(&s, "a", 25, 30));
	CHECK_STR(ranges(&s, "a"), "2-4 6-24");
	CHECK(mh_seq_remove(&s, "a", 3, 23));
	CHECK_STR(fmt(&s), "a: 2 24\n");
	CHECK(mh_seq_add(&s, "a", MH_SEQ_NUM_MAX, MH_SEQ_NUM_MAX));
	CHECK(mh_seq_add(&s, "a", 1, 1));
	CHECK_STR(fmt(&s), "a: 1-2 24 2147483647\n");
	mh_seq_free(&s);

	/* duplicates collapse into the first line's place when changed */
	CHECK(parse(&s, "dup: 1\nother: 2\ndup: 3-4\n"));
	CHECK(mh_seq_add(&s, "dup", 5, 5));
	CHECK_STR(fmt(&s), "dup: 3-5\nother: 2\n");
	mh_seq_free(&s);

	/* after a final line without newline */
	CHECK(parse(&s, "a: 1"));
	CHECK(mh_seq_add(&s, "b", 2, 2));
	CHECK_STR(fmt(&s), "a: 1\nb: 2\n");
	mh_seq_free(&s);

	/* stop early */
	CHECK(parse(&s, "x: 1\nstop: 2\ny: 3\n"));
	seen[0] = 0;
	CHECK(!mh_seq_each(&s, collect, seen));
	CHECK_STR(seen, "x:1:1;stop:1:2;");
	mh_seq_free(&s);
}

static void test_bad_arguments(void)
{
	struct mh_seqs s;
	char longname[MH_SEQ_NAME_MAX_BYTES + 2];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CHECK(parse(&s, "a: 1\n"));
	const char *bad[] = {"", "a b", "a:b", "a\tb", "a\nb", "\x7f", longname};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		errno = 0;
		CHECK(!mh_seq_add(&s, bad[i], 1, 1) && errno == EINVAL);
		CHECK(!mh_seq_remove(&s, bad[i], 1, 1) && errno == EINVAL);
	}
	longname[MH_SEQ_NAME_MAX_BYTES] = 0; /* exactly the limit: fine */
	CHECK(mh_seq_add(&s, longname, 1, 1));
	CHECK(!mh_seq_add(&s, "a", 0, 1) && errno == EINVAL);
	CHECK(!mh_seq_add(&s, "a", 3, 2) && errno == EINVAL);
	CHECK(!mh_seq_add(&s, "a", 1, MH_SEQ_NUM_MAX + 1u) && errno == EINVAL);
	CHECK(mh_seq_add(&s, "$Forwarded", 1, 1) && mh_seq_add(&s, "\xc3\xa9t\xc3\xa9", 2, 2));
	mh_seq_free(&s);

	/* a name over the limit in a file is kept, as an opaque line */
	char text[MH_SEQ_NAME_MAX_BYTES + 16];
	memset(text, 'n', MH_SEQ_NAME_MAX_BYTES + 1);
	memcpy(text + MH_SEQ_NAME_MAX_BYTES + 1, ": 1\n", 5);
	round_trip(text);
}

static void test_limits(void)
{
	struct mh_seqs s;
	char *big;
	mh_seq_init(&s);
	errno = 0;
	CHECK(!mh_seq_parse(&s, "", (size_t)MH_SEQ_FILE_MAX_BYTES + 1) && errno == EFBIG);

	/* records */
	size_t n = MH_SEQ_RECORDS_MAX + 1, len = 0;
	big = malloc(n * 16);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(big + len, "s%zu: 1\n", i);
	mh_seq_init(&s);
	CHECK(!mh_seq_parse(&s, big, len) && errno == E2BIG);
	CHECK(s.nrec == 0 && s.buf == NULL);
	len -= strlen("s4096: 1\n");
	mh_seq_init(&s);
	CHECK(mh_seq_parse(&s, big, len) && s.nrec == MH_SEQ_RECORDS_MAX);
	CHECK(!mh_seq_add(&s, "onemore", 1, 1) && errno == E2BIG);
	CHECK(!mh_seq_has(&s, "onemore", 1));
	CHECK(mh_seq_add(&s, "s7", 3, 3)); /* existing ones still change */
	mh_seq_free(&s);
	free(big);

	/* ranges: every other number */
	mh_seq_init(&s);
	for (uint32_t i = 0; i < MH_SEQ_RANGES_MAX; i++)
		if (!mh_seq_add(&s, "odd", 2 * i + 1, 2 * i + 1))
			break;
	CHECK(s.nranges == MH_SEQ_RANGES_MAX);
	CHECK(!mh_seq_add(&s, "odd", 2 * MH_SEQ_RANGES_MAX + 1, 2 * MH_SEQ_RANGES_MAX + 1) &&
	      errno == E2BIG);
	CHECK(!mh_seq_add(&s, "new", 1, 1) && errno == E2BIG);
	CHECK(mh_seq_remove(&s, "odd", 3, 3)); /* dropping ranges is fine */
	CHECK(mh_seq_remove(&s, "odd", 5, 5));
	CHECK(mh_seq_add(&s, "odd", 2, 2));   /* 1-2: merging is fine */
	CHECK(mh_seq_add(&s, "odd", 20, 20)); /* 19-21 */
	CHECK(mh_seq_has(&s, "odd", 20) && mh_seq_has(&s, "odd", 1) && !mh_seq_has(&s, "odd", 4));
	char *text;
	CHECK(mh_seq_format(&s, &text, &len));
	mh_seq_free(&s);
	/* and the same as a file: more than the limit of ranges is refused */
	mh_seq_init(&s);
	CHECK(mh_seq_parse(&s, text, len) && s.nranges == MH_SEQ_RANGES_MAX - 3);
	mh_seq_free(&s);
	free(text);

	/* unsorted tokens that merge down stay within the limit */
	size_t reps = MH_SEQ_RANGES_MAX + 10;
	big = malloc(reps * 4 + 16);
	len = (size_t)sprintf(big, "r:");
	for (size_t i = 0; i < reps; i++)
		len += (size_t)sprintf(big + len, " %zu", (i % 2) ? (size_t)1 : (size_t)3);
	mh_seq_init(&s);
	CHECK(mh_seq_parse(&s, big, len));
	CHECK_STR(ranges(&s, "r"), "1-1 3-3");
	mh_seq_free(&s);
	free(big);
}

/* ---- with the real nmh ---- */

static char mailroot[256], folder[300];

static int nmh_setup(void)
{
	char path[512];
	if (access(NMH_MARK, X_OK) != 0)
		return 0;
	snprintf(mailroot, sizeof mailroot, "%s/Mail", tmpdir);
	snprintf(folder, sizeof folder, "%s/f", mailroot);
	if (mkdir(mailroot, 0700) < 0 || mkdir(folder, 0700) < 0)
		return 0;
	snprintf(path, sizeof path, "%s/profile", tmpdir);
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fprintf(f, "Path: %s\n", mailroot);
	fclose(f);
	setenv("MH", path, 1);
	snprintf(path, sizeof path, "%s/context", tmpdir);
	setenv("MHCONTEXT", path, 1);
	for (int i = 1; i <= 30; i++) {
		snprintf(path, sizeof path, "%s/%d", folder, i);
		if (!(f = fopen(path, "w")))
			return 0;
		fprintf(f, "Subject: %d\n\nbody\n", i);
		fclose(f);
	}
	return 1;
}

static int mark(const char *args)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, NMH_MARK " +f %s >/dev/null 2>&1", args);
	return system(cmd) == 0;
}

static char *slurp(const char *path, size_t *len)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
	if (fd >= 0)
		close(fd);
	*len = n > 0 ? (size_t)n : 0;
	buf[*len] = 0;
	return buf;
}

struct op {
	const char *name;
	int add;
	uint32_t lo, hi;
};

/* Each edit applied by nmh's mark and by mh_seq gives the same bytes. */
static void test_nmh_differential(void)
{
	static const struct op ops[] = {
	    {"unseen", 1, 1, 30},   {"unseen", 0, 4, 4},  {"unseen", 0, 10, 12},
	    {"flagged", 1, 7, 7},   {"flagged", 1, 9, 9}, {"flagged", 1, 8, 8},
	    {"replied", 1, 30, 30}, {"unseen", 0, 1, 3},  {"flagged", 0, 7, 9},
	    {"Deleted", 1, 2, 2},   {"unseen", 1, 4, 4},  {"unseen", 0, 1, 30},
	    {"k2", 1, 1, 1},        {"k1", 1, 5, 6},      {"k2", 1, 3, 3},
	};
	char path[400], args[128];
	size_t len;
	struct mh_seqs s;
	snprintf(path, sizeof path, "%s/.mh_sequences", folder);
	CHECK(mark("1-5 7 9-12 -sequence one -add"));
	const char *text = slurp(path, &len);
	CHECK_STR(text, "one: 1-5 7 9-12\n");
	CHECK(parse(&s, text));
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		const struct op *o = &ops[i];
		if (o->lo == o->hi)
			snprintf(args, sizeof args, "%u -sequence %s -%s", (unsigned)o->lo, o->name,
			         o->add ? "add" : "delete");
		else
			snprintf(args, sizeof args, "%u-%u -sequence %s -%s", (unsigned)o->lo,
			         (unsigned)o->hi, o->name, o->add ? "add" : "delete");
		CHECK(mark(args));
		CHECK(o->add ? mh_seq_add(&s, o->name, o->lo, o->hi)
		             : mh_seq_remove(&s, o->name, o->lo, o->hi));
		text = slurp(path, &len);
		if (strcmp(fmt(&s), text) != 0)
			fprintf(stderr, "after mark %s:\nnmh:\n%sours:\n%s", args, text, fmt(&s));
		CHECK_STR(fmt(&s), text);
		/* and what nmh wrote reads back as what we hold */
		struct mh_seqs back;
		CHECK(parse(&back, text));
		CHECK_STR(fmt(&back), text);
		CHECK_STR(ranges(&back, o->name), ranges(&s, o->name));
		mh_seq_free(&back);
	}
	mh_seq_free(&s);

	/* nmh reads what we write: our file, then nmh edits it */
	int dirfd = open(folder, O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0);
	CHECK(mark("all -sequence k1 -delete") && mark("all -sequence k2 -delete"));
	CHECK(parse(&s, "flagged: 2 4-6\n"));
	char *p;
	CHECK(mh_seq_format(&s, &p, &len));
	int fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, p, len) == (ssize_t)len);
	close(fd);
	free(p);
	mh_seq_free(&s);
	CHECK(mark("3 -sequence flagged -add"));
	text = slurp(path, &len);
	CHECK_STR(text, "flagged: 2-6\n");
	close(dirfd);
}

/* ---- the file ---- */

static int dirfd_of(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	mkdir(path, 0700);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

struct edit {
	const char *name;
	int add;
	uint32_t lo, hi;
	int calls;
	void (*hook)(struct edit *e, struct mh_seqs *s);
	int dirfd;
	int ret;
};

static int do_edit(struct mh_seqs *s, void *ctx)
{
	struct edit *e = ctx;
	e->calls++;
	if (e->hook)
		e->hook(e, s);
	if (!e->ret) {
		errno = ECANCELED;
		return 0;
	}
	return e->add ? mh_seq_add(s, e->name, e->lo, e->hi)
	              : mh_seq_remove(s, e->name, e->lo, e->hi);
}

static void put_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static const char *get_file(int dirfd, const char *name)
{
	static char buf[4096];
	int fd = openat(dirfd, name, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n < 0 ? "<missing>" : buf;
}

/* A lock-ignoring writer that replaces the file while we hold it. */
static void replace_once(struct edit *e, struct mh_seqs *s)
{
	(void)s;
	if (e->calls == 1) {
		put_file(e->dirfd, "other", "theirs: 8\n");
		renameat(e->dirfd, "other", e->dirfd, MH_SEQ_FILE);
	}
}

/* ... and one that rewrites it in place (nmh's unlocked O_TRUNC path). */
static void rewrite_once(struct edit *e, struct mh_seqs *s)
{
	(void)s;
	if (e->calls == 1) {
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL); /* a visibly different mtime */
		put_file(e->dirfd, MH_SEQ_FILE, "theirs: 9\n");
	}
}

static void test_file(int lock)
{
	int d = dirfd_of(lock ? "file-lock" : "file-nolock");
	struct mh_seqs s;
	struct stat a, b;
	struct edit e = {"unseen", 1, 1, 3, 0, NULL, d, 1};

	mh_seq_init(&s);
	CHECK(mh_seq_load(d, lock, &s) && s.nrec == 0 && s.ino == 0); /* missing */
	mh_seq_free(&s);
	/* (created empty first, then edited under its lock: fn ran twice) */
	CHECK(mh_seq_update(d, lock, do_edit, &e) && e.calls == 2);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "unseen: 1-3\n");
	CHECK(fstatat(d, MH_SEQ_FILE, &a, 0) == 0 && (a.st_mode & 0777) == 0600);
	CHECK(faccessat(d, MH_SEQ_TMP_FILE, F_OK, 0) < 0);

	/* no change: not rewritten */
	e.calls = 0;
	CHECK(mh_seq_update(d, lock, do_edit, &e) && e.calls == 1);
	CHECK(fstatat(d, MH_SEQ_FILE, &b, 0) == 0 && a.st_ino == b.st_ino);

	/* a change replaces the file; the mode is kept; the old inode, if
	 * someone still has it open, is poisoned when locking */
	CHECK(fchmodat(d, MH_SEQ_FILE, 0640, 0) == 0);
	int root = geteuid() == 0; /* then the owner is kept too */
	if (root)
		CHECK(fchownat(d, MH_SEQ_FILE, 1234, 5678, 0) == 0);
	int old = openat(d, MH_SEQ_FILE, O_RDONLY);
	e = (struct edit){"flagged", 1, 7, 7, 0, NULL, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e));
	CHECK_STR(get_file(d, MH_SEQ_FILE), "unseen: 1-3\nflagged: 7\n");
	CHECK(fstatat(d, MH_SEQ_FILE, &b, 0) == 0 && a.st_ino != b.st_ino &&
	      (b.st_mode & 0777) == 0640);
	CHECK(!root || (b.st_uid == 1234 && b.st_gid == 5678));
	char buf[512] = "";
	ssize_t n = pread(old, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR(buf, lock ? MH_SEQ_POISON : "unseen: 1-3\n");
	close(old);

	mh_seq_init(&s);
	CHECK(mh_seq_load(d, lock, &s) && mh_seq_has(&s, "flagged", 7) && s.ino == b.st_ino);
	CHECK(s.size == (int64_t)strlen("unseen: 1-3\nflagged: 7\n"));
	mh_seq_free(&s);

	/* the edit is abandoned */
	e = (struct edit){"flagged", 1, 8, 8, 0, NULL, d, 0};
	errno = 0;
	CHECK(!mh_seq_update(d, lock, do_edit, &e) && errno == ECANCELED);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "unseen: 1-3\nflagged: 7\n");

	/* empty: the file stays, empty */
	e = (struct edit){"unseen", 0, 1, 3, 0, NULL, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e));
	e = (struct edit){"flagged", 0, 1, 30, 0, NULL, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e));
	CHECK_STR(get_file(d, MH_SEQ_FILE), "");

	/* replaced, or rewritten, by someone else while we edit: start again
	 * on their text */
	e = (struct edit){"mine", 1, 1, 1, 0, replace_once, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e) && e.calls == 2);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "theirs: 8\nmine: 1\n");
	e = (struct edit){"mine", 1, 2, 2, 0, rewrite_once, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e) && e.calls == 2);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "theirs: 9\nmine: 2\n");

	/* removed while we edit a missing file: created by someone first */
	unlinkat(d, MH_SEQ_FILE, 0);
	e = (struct edit){"mine", 1, 3, 3, 0, replace_once, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e) && e.calls == 2);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "theirs: 8\nmine: 3\n");

	/* a missing file and nothing to write: still missing */
	unlinkat(d, MH_SEQ_FILE, 0);
	e = (struct edit){"mine", 0, 3, 3, 0, NULL, d, 1};
	CHECK(mh_seq_update(d, lock, do_edit, &e));
	CHECK(faccessat(d, MH_SEQ_FILE, F_OK, 0) < 0);

	/* not ours to follow or read */
	CHECK(symlinkat("/etc/passwd", d, MH_SEQ_FILE) == 0);
	mh_seq_init(&s);
	CHECK(!mh_seq_load(d, lock, &s) && errno == ELOOP);
	CHECK(!mh_seq_update(d, lock, do_edit, &e) && errno == ELOOP);
	unlinkat(d, MH_SEQ_FILE, 0);
	close(d);
}

/* A child holding an nmh-style lock (fcntl F_SETLK, as lkopen_fcntl takes
 * it) for ms milliseconds; returns its pid once the lock is held. */
static pid_t hold_lock(int d, long ms)
{
	int pfd[2];
	char c;
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = openat(d, MH_SEQ_FILE, O_RDWR);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
			_exit(1);
		(void)!write(pfd[1], "x", 1);
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		pid = -1;
	close(pfd[0]);
	return pid;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_locking(void)
{
	int d = dirfd_of("locking");
	struct mh_seqs s;
	struct edit e = {"x", 1, 1, 1, 0, NULL, d, 1};
	int status;
	put_file(d, MH_SEQ_FILE, "a: 1\n");

	/* we wait for nmh's lock ... */
	pid_t pid = hold_lock(d, 300);
	double t = now_s();
	CHECK(pid > 0 && mh_seq_update(d, MH_SEQ_LOCK, do_edit, &e));
	CHECK(now_s() - t > 0.2);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "a: 1\nx: 1\n");

	/* ... loads too ... */
	pid = hold_lock(d, 300);
	t = now_s();
	mh_seq_init(&s);
	CHECK(pid > 0 && mh_seq_load(d, MH_SEQ_LOCK, &s) && mh_seq_has(&s, "x", 1));
	CHECK(now_s() - t > 0.2);
	mh_seq_free(&s);
	waitpid(pid, &status, 0);

	/* ... not for ever ... */
	pid = hold_lock(d, MH_SEQ_LOCK_WAIT_MS + 1500);
	t = now_s();
	e = (struct edit){"y", 1, 1, 1, 0, NULL, d, 1};
	errno = 0;
	CHECK(pid > 0 && !mh_seq_update(d, MH_SEQ_LOCK, do_edit, &e) && errno == EAGAIN);
	CHECK(e.calls == 0 && now_s() - t >= MH_SEQ_LOCK_WAIT_MS / 1000.0 - 0.01);
	/* ... and not at all without locking */
	CHECK(mh_seq_update(d, MH_SEQ_NOLOCK, do_edit, &e));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK_STR(get_file(d, MH_SEQ_FILE), "a: 1\nx: 1\ny: 1\n");
	close(d);
}

/* Several processes updating at once lose nothing. */
static void test_concurrent_updates(void)
{
	enum { PROCS = 4, EACH = 60 };
	int d = dirfd_of("concurrent");
	pid_t pids[PROCS];
	struct edit fill = {"gone", 1, 1, PROCS * EACH, 0, NULL, d, 1};
	CHECK(mh_seq_update(d, MH_SEQ_LOCK, do_edit, &fill));
	for (int p = 0; p < PROCS; p++) {
		if ((pids[p] = fork()) == 0) {
			for (uint32_t i = 0; i < EACH; i++) {
				uint32_t v = 1 + (uint32_t)p + PROCS * i;
				struct edit a = {"shared", 1, v, v, 0, NULL, d, 1};
				struct edit r = {"gone", 0, v, v, 0, NULL, d, 1};
				if (!mh_seq_update(d, MH_SEQ_LOCK, do_edit, &a) ||
				    !mh_seq_update(d, MH_SEQ_LOCK, do_edit, &r)) {
					perror("test_mh_seq: concurrent update");
					_exit(1);
				}
			}
			_exit(0);
		}
	}
	int status, ok = 1;
	for (int p = 0; p < PROCS; p++) {
		waitpid(pids[p], &status, 0);
		ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	CHECK(ok);
	struct mh_seqs s;
	mh_seq_init(&s);
	CHECK(mh_seq_load(d, MH_SEQ_LOCK, &s));
	CHECK_STR(ranges(&s, "shared"), "1-240");
	CHECK_STR(ranges(&s, "gone"), "");
	CHECK_STR(fmt(&s), "shared: 1-240\n");
	mh_seq_free(&s);
	close(d);
}

static void cleanup(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	(void)!system(cmd);
}

int main(void)
{
	test_round_trips();
	test_reading_rules();
	test_edits();
	test_bad_arguments();
	test_limits();
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (nmh_setup())
		test_nmh_differential();
	else
		fprintf(stderr,
		        "test_mh_seq: nmh (" NMH_MARK ") not installed: skipped its tests\n");
	test_file(MH_SEQ_LOCK);
	test_file(MH_SEQ_NOLOCK);
	test_locking();
	test_concurrent_updates();
	cleanup();
	return check_done("test_mh_seq");
}
