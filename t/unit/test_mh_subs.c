/* Unit tests for mh_subs: names it accepts, the file's text (canonical
 * form, CRLF, junk lines, limits), editing (INBOX in any case, renames
 * with children), LSUB with RFC 3501's \Noselect parents, and the file on
 * disk (atomic rewrite, the lock, links refused). */
#include "check.h"
#include "mh_folder.h"
#include "mh_subs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_mh_subs.XXXXXX";

/* The canonical text of s, for comparisons ("" when empty). */
static char text_buf[4096];
static const char *text(const struct mh_subs *s)
{
	char *out;
	size_t len;
	text_buf[0] = 0;
	if (mh_subs_format(s, &out, &len) && len && len < sizeof text_buf) {
		memcpy(text_buf, out, len);
		text_buf[len] = 0;
	}
	free(out);
	return text_buf;
}

static int parse(struct mh_subs *s, const char *t)
{
	mh_subs_init(s);
	return mh_subs_parse(s, t, strlen(t));
}

static void test_valid(void)
{
	CHECK(mh_subs_valid("INBOX", 5));
	CHECK(mh_subs_valid("a/b c/d", 7));
	CHECK(mh_subs_valid("caf&AOk-", 8)); /* modified UTF-7 */
	CHECK(mh_subs_valid("2025", 4));     /* a name, whatever folders may be made */
	static const char *bad[] = {"",     "..",    "../x",        "/x",    "a//b",
	                            ".x",   "a/.b",  "a/",          "a\nb",  "a\rb",
	                            "a\tb", "a\x7f", "caf\xc3\xa9", "a&Jjo", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(!mh_subs_valid(bad[i], strlen(bad[i])));
	CHECK(!mh_subs_valid("a\0b", 3));
	static char lng[MH_NAME_MAX_BYTES + 2];
	memset(lng, 'x', sizeof lng - 1);
	CHECK(mh_subs_valid(lng, MH_NAME_MAX_BYTES));
	CHECK(!mh_subs_valid(lng, MH_NAME_MAX_BYTES + 1));
}

static void test_parse(void)
{
	struct mh_subs s;
	CHECK(parse(&s, "") && s.n == 0 && !strcmp(text(&s), ""));
	mh_subs_free(&s);
	CHECK(parse(&s, "b\na\nc/d\n") && s.n == 3);
	CHECK_STR(text(&s), "a\nb\nc/d\n");
	mh_subs_free(&s);
	/* CRLF, blank lines, duplicates, junk, no final LF, INBOX in any case */
	CHECK(parse(&s, "x\r\n\n\ninbox\nx\n../etc\n/abs\n.hidden\nInBoX/sub\nINBOXES\nlast"));
	CHECK_STR(text(&s), "INBOX\nINBOX/sub\nINBOXES\nlast\nx\n");
	CHECK(mh_subs_has(&s, "INBOX") && mh_subs_has(&s, "INBOX/sub") &&
	      !mh_subs_has(&s, "inbox"));
	/* the canonical text parses to itself */
	struct mh_subs t;
	char copy[256];
	snprintf(copy, sizeof copy, "%s", text(&s));
	CHECK(parse(&t, copy) && !strcmp(text(&t), copy));
	mh_subs_free(&t);
	mh_subs_free(&s);
	/* a name cut by a NUL is not a name */
	mh_subs_init(&s);
	CHECK(mh_subs_parse(&s, "a\0b\nc\n", 6) && !strcmp(text(&s), "c\n"));
	mh_subs_free(&s);

	/* limits */
	size_t big = MH_SUBS_FILE_MAX_BYTES + 1;
	char *buf = malloc(big);
	memset(buf, '\n', big);
	mh_subs_init(&s);
	errno = 0;
	CHECK(!mh_subs_parse(&s, buf, big) && errno == EFBIG && s.n == 0);
	size_t n = 0;
	for (int i = 0; i <= MH_SUBS_NAMES_MAX; i++)
		n += (size_t)sprintf(buf + n, "n%d\n", i);
	errno = 0;
	CHECK(!mh_subs_parse(&s, buf, n) && errno == E2BIG && s.n == 0 && s.name == NULL);
	n -= strlen("n65536\n");
	CHECK(mh_subs_parse(&s, buf, n) && s.n == MH_SUBS_NAMES_MAX);
	errno = 0;
	CHECK(!mh_subs_add(&s, "one-more") && errno == E2BIG && s.n == MH_SUBS_NAMES_MAX);
	CHECK(mh_subs_add(&s, "n7")); /* already there: fine */
	mh_subs_free(&s);
	free(buf);
}

static void test_edit(void)
{
	struct mh_subs s;
	mh_subs_init(&s);
	CHECK(mh_subs_add(&s, "b") && mh_subs_add(&s, "inbox") && mh_subs_add(&s, "a/x"));
	CHECK(mh_subs_add(&s, "b"));
	CHECK_STR(text(&s), "INBOX\na/x\nb\n");
	errno = 0;
	CHECK(!mh_subs_add(&s, "../b") && errno == EINVAL);
	CHECK(!mh_subs_add(&s, "a\nb") && errno == EINVAL);
	CHECK_STR(text(&s), "INBOX\na/x\nb\n");
	/* one folder, one name: modified UTF-7 as LIST writes it */
	CHECK(mh_subs_add(&s, "caf&AOk-&AOk-") && mh_subs_has(&s, "caf&AOkA6Q-"));
	CHECK(mh_subs_remove(&s, "caf&AOkA6Q-") && !mh_subs_has(&s, "caf&AOkA6Q-"));
	CHECK(mh_subs_remove(&s, "Inbox") && mh_subs_remove(&s, "nosuch") &&
	      mh_subs_remove(&s, "../x"));
	CHECK_STR(text(&s), "a/x\nb\n");
	mh_subs_free(&s);

	/* rename: the name and its children, not its look-alikes */
	CHECK(parse(&s, "a\na/x\na/x/y\nab\nb/x\nc\n"));
	CHECK(mh_subs_rename(&s, "a", "b"));
	CHECK_STR(text(&s), "ab\nb\nb/x\nb/x/y\nc\n");
	CHECK(mh_subs_rename(&s, "b/x", "deep/er/x"));
	CHECK_STR(text(&s), "ab\nb\nc\ndeep/er/x\ndeep/er/x/y\n");
	CHECK(mh_subs_rename(&s, "nosuch", "z"));
	CHECK_STR(text(&s), "ab\nb\nc\ndeep/er/x\ndeep/er/x/y\n");
	errno = 0;
	CHECK(!mh_subs_rename(&s, "c", "../c") && errno == EINVAL);
	CHECK_STR(text(&s), "ab\nb\nc\ndeep/er/x\ndeep/er/x/y\n");
	CHECK(mh_subs_rename(&s, "c", "inbox/c"));
	CHECK_STR(text(&s), "INBOX/c\nab\nb\ndeep/er/x\ndeep/er/x/y\n");
	mh_subs_free(&s);
	/* a name that would grow too long is dropped */
	static char lng[MH_NAME_MAX_BYTES + 1];
	memset(lng, 'x', MH_NAME_MAX_BYTES - 1);
	memcpy(lng, "a/", 2);
	mh_subs_init(&s);
	CHECK(mh_subs_add(&s, lng) && mh_subs_add(&s, "a"));
	CHECK(mh_subs_rename(&s, "a", "abc"));
	CHECK_STR(text(&s), "abc\n");
	mh_subs_free(&s);
}

/* The LIST matcher's rules: "*" anything, "%" anything but "/". */
static int glob(const char *p, const char *n)
{
	if (!*p)
		return !*n;
	if (*p == '*' || *p == '%') {
		for (const char *k = n;; k++) {
			if (glob(p + 1, k))
				return 1;
			if (!*k || (*p == '%' && *k == '/'))
				return 0;
		}
	}
	return *n == *p && glob(p + 1, n + 1);
}

static int test_match(void *ctx, const char *name)
{
	return glob(ctx, name);
}

static char lsub_out[1024];
static int collect(void *ctx, const char *name, int noselect)
{
	(void)ctx;
	size_t n = strlen(lsub_out);
	snprintf(lsub_out + n, sizeof lsub_out - n, "%s%s;", noselect ? "!" : "", name);
	return 1;
}

static const char *lsub(const struct mh_subs *s, const char *pat)
{
	lsub_out[0] = 0;
	if (!mh_subs_lsub(s, strchr(pat, '%') != NULL, test_match, (void *)(size_t)pat, collect,
	                  NULL))
		return "failed";
	return lsub_out;
}

static void test_lsub(void)
{
	struct mh_subs s;
	CHECK(parse(&s, "INBOX\na/b\na/c\nx\nx/y\ndeep/1/2/3\nINBOX/sub\n"));
	CHECK_STR(lsub(&s, "*"), "INBOX;INBOX/sub;a/b;a/c;deep/1/2/3;x;x/y;");
	/* "%": a parent of subscribed names, not subscribed itself, comes once
	 * with \Noselect; a subscribed one comes as it is */
	CHECK_STR(lsub(&s, "%"), "INBOX;!a;!deep;x;");
	CHECK_STR(lsub(&s, "a/%"), "a/b;a/c;");
	CHECK_STR(lsub(&s, "deep/%"), "!deep/1;");
	CHECK_STR(lsub(&s, "deep/%/%"), "!deep/1/2;");
	CHECK_STR(lsub(&s, "%/%"), "INBOX/sub;a/b;a/c;!deep/1;x/y;");
	CHECK_STR(lsub(&s, "x%"), "x;");
	CHECK_STR(lsub(&s, "nomatch%"), "");
	CHECK_STR(lsub(&s, "a"), ""); /* no wildcard: no parent rule */
	CHECK_STR(lsub(&s, "a*"), "a/b;a/c;");
	mh_subs_free(&s);
	mh_subs_init(&s);
	CHECK_STR(lsub(&s, "*"), "");
	mh_subs_free(&s);
}

static int stop_after_one(void *ctx, const char *name, int noselect)
{
	(void)name;
	(void)noselect;
	return ++*(int *)ctx < 1;
}

static void test_lsub_stop(void)
{
	struct mh_subs s;
	int calls = 0;
	CHECK(parse(&s, "a\nb\nc\n"));
	CHECK(!mh_subs_lsub(&s, 0, test_match, (void *)(size_t) "*", stop_after_one, &calls));
	CHECK(calls == 1);
	mh_subs_free(&s);
}

static const char *file_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	else
		strcpy(buf, "(missing)");
	return buf;
}

static void test_file(void)
{
	char root[128], path[256], cmd[2048];
	snprintf(root, sizeof root, "%s/root", tmpdir);
	mkdir(root, 0700);
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof path, "%s/" MH_SUBS_FILE, root);
	struct mh_subs s;
	mh_subs_init(&s);
	CHECK(mh_subs_load(rootfd, &s) && s.n == 0); /* no file: none */
	CHECK(mh_subs_set(rootfd, "b", 1) && mh_subs_set(rootfd, "inbox", 1) &&
	      mh_subs_set(rootfd, "a/x", 1) && mh_subs_set(rootfd, "b", 1));
	CHECK_STR(file_text(path), "INBOX\na/x\nb\n");
	CHECK(mh_subs_set(rootfd, "b", 0) && mh_subs_set(rootfd, "never", 0));
	CHECK_STR(file_text(path), "INBOX\na/x\n");
	CHECK(mh_subs_move(rootfd, "a", "z"));
	CHECK_STR(file_text(path), "INBOX\nz/x\n");
	errno = 0;
	CHECK(!mh_subs_set(rootfd, "../x", 1) && errno == EINVAL);
	CHECK_STR(file_text(path), "INBOX\nz/x\n");
	CHECK(mh_subs_load(rootfd, &s) && s.n == 2 && mh_subs_has(&s, "z/x"));
	mh_subs_free(&s);
	/* written by rename of a temporary file, which is gone afterwards */
	struct stat sb;
	CHECK(fstatat(rootfd, MH_SUBS_TMP_FILE, &sb, 0) < 0 && errno == ENOENT);
	CHECK(fstatat(rootfd, MH_SUBS_LOCK_FILE, &sb, 0) == 0);
	ino_t before = 0;
	if (stat(path, &sb) == 0)
		before = sb.st_ino;
	CHECK(mh_subs_set(rootfd, "new", 1));
	CHECK(stat(path, &sb) == 0 && sb.st_ino != before);
	/* nothing to change: the file is left alone */
	before = sb.st_ino;
	CHECK(mh_subs_set(rootfd, "new", 1));
	CHECK(stat(path, &sb) == 0 && sb.st_ino == before);

	/* the lock: someone holding it makes a writer wait, then give up */
	int lk = openat(rootfd, MH_SUBS_LOCK_FILE, O_RDWR | O_CLOEXEC);
	CHECK(lk >= 0 && flock(lk, LOCK_EX) == 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	CHECK(!mh_subs_set(rootfd, "blocked", 1) && errno == EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec >= 1);
	close(lk);
	CHECK(!strstr(file_text(path), "blocked"));
	CHECK(mh_subs_set(rootfd, "blocked", 1) && strstr(file_text(path), "blocked\n"));

	/* a link in place of the file is never followed, for reading or writing */
	snprintf(cmd, sizeof cmd,
	         "echo outside > %s/victim && rm %s && ln -s %s/victim %s && chmod 644 %s/victim",
	         tmpdir, path, tmpdir, path, tmpdir);
	CHECK(system(cmd) == 0);
	mh_subs_init(&s);
	errno = 0;
	CHECK(!mh_subs_load(rootfd, &s) && errno == ELOOP);
	CHECK(!mh_subs_set(rootfd, "x", 1) && errno == ELOOP);
	snprintf(cmd, sizeof cmd, "%s/victim", tmpdir);
	CHECK_STR(file_text(cmd), "outside\n");
	/* nor is a directory read */
	snprintf(cmd, sizeof cmd, "rm %s && mkdir %s", path, path);
	CHECK(system(cmd) == 0);
	errno = 0;
	CHECK(!mh_subs_load(rootfd, &s) && errno == EINVAL);
	close(rootfd);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 2;
	test_valid();
	test_parse();
	test_edit();
	test_lsub();
	test_lsub_stop();
	test_file();
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "unable to remove %s\n", tmpdir);
	return check_done("test_mh_subs");
}
