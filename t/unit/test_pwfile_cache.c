/* Unit tests for pwfile_cache: the index answers every look-up exactly as
 * pwfile_lookup() does; it is read (not the file) while the file keeps its
 * identity and rebuilt when that changes; damaged, foreign or unreadable
 * indexes are never trusted; problems are reported once per rebuild. */
#include "check.h"
#include "pwfile.h"
#include "pwfile_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_pwfile_cache.XXXXXX";
static char pwpath[PATH_MAX], cachedir[PATH_MAX], other[PATH_MAX];
static struct pwfile_entry e, want;

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return 0;
	size_t n = fwrite(data, 1, len, f);
	return (fclose(f) == 0) & (n == len);
}

/* The password file of the tests: entries, duplicates, malformed lines, a
 * relative maildir too long to resolve, a NUL, no final newline. */
static size_t make_pwfile(char *buf)
{
	char *p = buf;

	p += sprintf(p, "# asimap users\n\nalice:pbkdf2_sha256$1$s$k=:/srv/mail/alice\n");
	p += sprintf(p, "bob:!disabled:Mail/bob\r\n  \r\n");
	memset(p, 'x', 5000);
	memcpy(p, "carol:hc0:", 10);
	p += 5000;
	p += sprintf(p, "\ncarol::/c\r\n");
	p += sprintf(p, "alice:XXX:/other\nerin:he:\nerin:md5$s$00:/e\n");
	p += sprintf(p, "long:hl:");
	memset(p, 'l', PWFILE_LINE_MAX - 8);
	p += PWFILE_LINE_MAX - 8;
	p += sprintf(p, "\nlong:hl2:/l\n");
	memcpy(p, "nul:h\0n:/n\n", 11);
	p += 11;
	p += sprintf(p, "ctl:h\tx:/t\nzed:hz:z");
	return (size_t)(p - buf);
}

static const char *const users[] = {
    "alice",
    "bob",
    "carol",
    "erin",
    "long",
    "zed",
    "nul",
    "ctl",
    "mallory",
    "Alice",
    "alic",
    "",
    "alice ",
    "alice:pbkdf2_sha256$1$s$k=",
    "# asimap users",
};

static int same(const struct pwfile_entry *a, const struct pwfile_entry *b)
{
	return strcmp(a->user, b->user) == 0 && strcmp(a->hash, b->hash) == 0 &&
	       strcmp(a->maildir, b->maildir) == 0;
}

/* Every user of the list (and a few odd names) gives the same answer
 * through lookup as through pwfile_lookup(). */
static void check_all(int (*lookup)(const char *user, size_t len))
{
	char big[PWFILE_USER_MAX + 2];

	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		int w = pwfile_lookup(pwpath, users[i], strlen(users[i]), &want);
		int r = lookup(users[i], strlen(users[i]));
		if (r != w || (r == 1 && !same(&e, &want)))
			fprintf(stderr, "differs for %s: %d %d\n", users[i], r, w);
		CHECK(r == w);
		CHECK(r != 1 || same(&e, &want));
	}
	memset(big, 'a', sizeof big);
	CHECK(lookup(big, sizeof big) == 0);
	CHECK(lookup("alice\0", 6) == 0);
	CHECK(lookup("alicex", 5) == 1);
}

static struct pwfile_cache_id fake_id = {1, 2, 3, 4, 5, 6, 7};
static unsigned char *image;
static size_t image_len;

static int mem_lookup(const char *user, size_t len)
{
	return pwfile_cache_find_mem(image, image_len, &fake_id, pwpath, user, len, &e);
}

static int cached_lookup(const char *user, size_t len)
{
	return pwfile_lookup_cached(pwpath, cachedir, user, len, &e);
}

struct reports {
	int n, malformed, hashes, index;
	unsigned long lines[16];
};

static void record(void *arg, unsigned long lineno, const char *user, const char *what)
{
	struct reports *r = arg;

	if (r->n < 16)
		r->lines[r->n] = lineno;
	r->n++;
	if (lineno == 0)
		r->index++;
	else if (user)
		r->hashes++;
	else
		r->malformed++;
	CHECK(what && *what);
	CHECK(!user || !strstr(what, "$"));
}

/* Builds the index of pwpath in memory (a memfd), with fake_id. */
static int build_image(struct reports *rep)
{
	unsigned char key[16] = "0123456789abcdef";
	int pwfd = open(pwpath, O_RDONLY), out = memfd_create("index", 0), written = 0;
	struct stat st;

	if (pwfd < 0 || out < 0)
		return 0;
	int r = pwfile_cache_build(pwfd, out, key, &fake_id, pwpath, "erin", 4, &e, &written,
	                           record, rep);
	CHECK(r == 1 && strcmp(e.hash, "md5$s$00") == 0);
	CHECK(written == 1);
	free(image);
	image = NULL;
	if (fstat(out, &st) == 0 && st.st_size > 0 && (image = malloc((size_t)st.st_size)))
		image_len = (size_t)pread(out, image, (size_t)st.st_size, 0);
	close(pwfd);
	close(out);
	return image && image_len == (size_t)st.st_size;
}

static void test_image(void)
{
	struct reports rep = {0};

	CHECK(build_image(&rep));
	/* Malformed lines: 6 (overlong), 9 (no maildir), 13 (NUL), 14
	 * (tab).  Bad hashes: 3 (short pbkdf2 key), 10 (md5), 11, 12, 15
	 * (unknown); the unusable ones ("!...", "", "XXX") are fine. */
	static const unsigned long lines[] = {3, 6, 9, 10, 11, 12, 13, 14, 15};
	CHECK(rep.index == 0);
	CHECK(rep.malformed == 4);
	CHECK(rep.hashes == 5);
	CHECK(rep.n == 9);
	for (int i = 0; i < 9 && i < rep.n; i++)
		CHECK(rep.lines[i] == lines[i]);
	check_all(mem_lookup);
	/* Another identity: not this file's index. */
	struct pwfile_cache_id other_id = fake_id;
	other_id.ctime_ns++;
	CHECK(pwfile_cache_find_mem(image, image_len, &other_id, pwpath, "alice", 5, &e) == -1);
	/* Every prefix of the image is invalid, and never read past. */
	for (size_t n = 0; n < image_len; n += (n < 256 ? 1 : 97)) {
		unsigned char *cut = malloc(n ? n : 1);
		if (!cut)
			break;
		memcpy(cut, image, n);
		CHECK(pwfile_cache_find_mem(cut, n, &fake_id, pwpath, "zed", 3, &e) == -1);
		free(cut);
	}
	/* Any one byte changed: no crash, no read outside; the header and
	 * table are checked, records are re-parsed. */
	for (size_t i = 0; i < image_len; i += (i < 256 ? 1 : 13)) {
		image[i] ^= 0x41;
		(void)pwfile_cache_find_mem(image, image_len, &fake_id, pwpath, "zed", 3, &e);
		(void)pwfile_cache_find_mem(image, image_len, &fake_id, pwpath, "alice", 5, &e);
		image[i] ^= 0x41;
	}
	CHECK(mem_lookup("zed", 3) == 1);
}

static int index_path(char *out, size_t n)
{
	char cmd[PATH_MAX + 64];
	FILE *p;

	snprintf(cmd, sizeof cmd, "ls %s/.pwfile-*.index 2>/dev/null", cachedir);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	int ok = fgets(out, (int)n, p) != NULL;
	pclose(p);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

/* Replaces the index with one built from a different file (but recording
 * the real file's identity): what look-ups answer then comes from the
 * index alone. */
static void test_index_is_used(void)
{
	char idx[PATH_MAX];
	struct stat st;
	struct pwfile_cache_id id;
	unsigned char key[16] = {0};
	int written = 0;

	CHECK(index_path(idx, sizeof idx));
	CHECK(stat(pwpath, &st) == 0);
	id.dev = (uint64_t)st.st_dev;
	id.ino = (uint64_t)st.st_ino;
	id.size = (uint64_t)st.st_size;
	id.mtime_s = (uint64_t)st.st_mtim.tv_sec;
	id.mtime_ns = (uint64_t)st.st_mtim.tv_nsec;
	id.ctime_s = (uint64_t)st.st_ctim.tv_sec;
	id.ctime_ns = (uint64_t)st.st_ctim.tv_nsec;
	CHECK(write_file(other, "alice:from-the-index:/idx\n", 26));
	int pwfd = open(other, O_RDONLY);
	int out = open(idx, O_WRONLY | O_TRUNC);
	CHECK(pwfd >= 0 && out >= 0);
	CHECK(pwfile_cache_build(pwfd, out, key, &id, pwpath, NULL, 0, &e, &written, NULL, NULL) ==
	      0);
	CHECK(written == 1);
	close(pwfd);
	close(out);
	CHECK(cached_lookup("alice", 5) == 1);
	CHECK_STR(e.hash, "from-the-index");
	CHECK(cached_lookup("zed", 3) == 0);
	/* Group- or world-writable, or a symbolic link: not trusted, rebuilt. */
	CHECK(chmod(idx, 0660) == 0);
	CHECK(cached_lookup("alice", 5) == 1);
	CHECK_STR(e.hash, "pbkdf2_sha256$1$s$k=");
	CHECK(stat(idx, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(cached_lookup("zed", 3) == 1);
}

static void test_cached(void)
{
	struct reports rep = {0};
	char idx[PATH_MAX];
	struct stat st;

	/* The first look-up builds the index and reports; the next ones do
	 * neither. */
	CHECK(pwfile_lookup_cached_report(pwpath, cachedir, "bob", 3, &e, record, &rep) == 1);
	CHECK(rep.malformed == 4 && rep.hashes == 5 && rep.index == 0);
	CHECK(index_path(idx, sizeof idx));
	CHECK(stat(idx, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_uid == geteuid());
	rep.n = rep.malformed = rep.hashes = 0;
	CHECK(pwfile_lookup_cached_report(pwpath, cachedir, "bob", 3, &e, record, &rep) == 1);
	CHECK(rep.n == 0);
	check_all(cached_lookup);
	test_index_is_used();
}

/* While another process holds the lock (rebuilding), the file is read and
 * no index written; once it is free, the next look-up writes it. */
static void test_locked(void)
{
	char lock[PATH_MAX], idx[PATH_MAX], cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof cmd, "rm -f %s/.pwfile-*.index", cachedir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "ls %s/.pwfile-*.lock", cachedir);
	FILE *p = popen(cmd, "r");
	CHECK(p && fgets(lock, sizeof lock, p));
	if (p)
		pclose(p);
	lock[strcspn(lock, "\n")] = '\0';
	int fd = open(lock, O_RDONLY);
	CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
	CHECK(cached_lookup("alice", 5) == 1);
	CHECK_STR(e.hash, "pbkdf2_sha256$1$s$k=");
	CHECK(!index_path(idx, sizeof idx));
	close(fd);
	CHECK(cached_lookup("alice", 5) == 1);
	CHECK(index_path(idx, sizeof idx));
}

/* A new file (a new identity) is read at once, even before its index can
 * be written; then the index follows. */
static void test_change(void)
{
	char idx[PATH_MAX];

	CHECK(write_file(other, "alice:changed:/new\n", 19));
	CHECK(rename(other, pwpath) == 0);
	CHECK(cached_lookup("alice", 5) == 1);
	CHECK_STR(e.hash, "changed");
	CHECK(cached_lookup("zed", 3) == 0);
	CHECK(index_path(idx, sizeof idx));
}

static void test_fallbacks(void)
{
	struct reports rep = {0};

	/* No such directory: the file is read, and that is reported. */
	CHECK(pwfile_lookup_cached_report(pwpath, "/nonexistent/dir", "alice", 5, &e, record,
	                                  &rep) == 1);
	CHECK_STR(e.hash, "changed");
	CHECK(rep.index == 1);
	CHECK(pwfile_lookup_cached(pwpath, NULL, "alice", 5, &e) == 1);
	/* Errors as pwfile_lookup's. */
	char missing[PATH_MAX];
	snprintf(missing, sizeof missing, "%s/missing", tmpdir);
	errno = 0;
	CHECK(pwfile_lookup_cached(missing, cachedir, "alice", 5, &e) == -1 && errno == ENOENT);
	errno = 0;
	CHECK(pwfile_lookup_cached(tmpdir, cachedir, "alice", 5, &e) == -1 && errno == EISDIR);
}

int main(void)
{
	static char buf[16384];
	char cmd[PATH_MAX + 16];

	if (!mkdtemp(tmpdir)) {
		perror("test_pwfile_cache: mkdtemp");
		return 1;
	}
	snprintf(pwpath, sizeof pwpath, "%s/passwords", tmpdir);
	snprintf(other, sizeof other, "%s/other", tmpdir);
	snprintf(cachedir, sizeof cachedir, "%s/run", tmpdir);
	CHECK(mkdir(cachedir, 0700) == 0);
	CHECK(write_file(pwpath, buf, make_pwfile(buf)));
	test_image();
	/* A file is indexed once it has not changed for a while. */
	sleep(PWFILE_CACHE_SETTLE_S + 1);
	test_cached();
	test_locked();
	test_change();
	test_fallbacks();
	free(image);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_pwfile_cache: unable to remove %s\n", tmpdir);
	return check_done("test_pwfile_cache");
}
