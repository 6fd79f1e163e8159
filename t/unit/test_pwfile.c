/* Unit tests for pwfile: line parsing, whole and byte by byte, and look-ups
 * in real files under a temporary directory. */
#include "check.h"
#include "pwfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct pwfile_entry e;

static int parse(const char *line)
{
	return pwfile_parse_line(line, strlen(line), &e);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void test_parse_entries(void)
{
	CHECK(parse("alice:pbkdf2_sha256$1$s$k=:/var/mail/alice") == 1);
	CHECK_STR(e.user, "alice");
	CHECK_STR(e.hash, "pbkdf2_sha256$1$s$k=");
	CHECK_STR(e.maildir, "/var/mail/alice");

	CHECK(parse("bob:h:Mail/bob\r") == 1);
	CHECK_STR(e.maildir, "Mail/bob");
	CHECK(parse("  carol\t: h x :  rel dir \t\r") == 1);
	CHECK_STR(e.user, "carol");
	CHECK_STR(e.hash, "h x");
	CHECK_STR(e.maildir, "rel dir");
	/* An empty hash is a disabled account, not a malformed line. */
	CHECK(parse("dave::d") == 1);
	CHECK_STR(e.hash, "");
	CHECK(parse("us\xc3\xa9r@example.org:!:d") == 1);
	CHECK_STR(e.user, "us\xc3\xa9r@example.org");
	CHECK(parse("a#b:h:d") == 1);
	CHECK_STR(e.user, "a#b");

	/* The length, not a NUL, ends the line. */
	CHECK(pwfile_parse_line("erin:h:dirXYZ", 10, &e) == 1);
	CHECK_STR(e.maildir, "dir");
}

static void test_parse_skipped(void)
{
	static const char *const ignored[] = {
	    "", " ", "\t \t", "\r", " \r", "#", "# x:y:z", "  # indented comment", "#alice:h:/m"};
	static const char *const bad[] = {
	    "alice",        "alice:h",       "alice:h:",      "alice:h: \t",   ":h:d",
	    " :h:d",        "alice:h:d:e",   "alice:h:d:",    "al\x01ice:h:d", "alice\x7f:h:d",
	    "al\tice:h:d",  "\x1b[31m:h:d",  "alice:h:d\r\r", "alice:h:d\rx",  "alice\r:h:d\r\r",
	    "alice:h\tx:d", "alice:h:d\x7f", "alice:\x1b:d",
	};

	memset(&e, 0x5a, sizeof e);
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		CHECK(parse(ignored[i]) == 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i]) != -1)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(parse(bad[i]) == -1);
	}
	CHECK(pwfile_parse_line("alice:h\0x:d", 11, &e) == -1);
	CHECK(pwfile_parse_line("alice:h:d\0", 10, &e) == -1);
	/* e is written only for an entry. */
	CHECK(e.user[0] == 0x5a && e.hash[0] == 0x5a && e.maildir[0] == 0x5a);
}

/* A line of exactly len bytes: "<user>:h:" then 'd's. */
static char *make_line(size_t userlen, size_t len)
{
	char *s = malloc(len);

	if (!s)
		return NULL;
	memset(s, 'u', userlen);
	memcpy(s + userlen, ":h:", 3);
	memset(s + userlen + 3, 'd', len - userlen - 3);
	return s;
}

static void test_parse_limits(void)
{
	char *s;

	s = make_line(PWFILE_USER_MAX, PWFILE_USER_MAX + 4);
	CHECK(s && pwfile_parse_line(s, PWFILE_USER_MAX + 4, &e) == 1 &&
	      strlen(e.user) == PWFILE_USER_MAX);
	free(s);
	s = make_line(PWFILE_USER_MAX + 1, PWFILE_USER_MAX + 5);
	CHECK(s && pwfile_parse_line(s, PWFILE_USER_MAX + 5, &e) == -1);
	free(s);

	s = make_line(1, PWFILE_LINE_MAX);
	CHECK(s && pwfile_parse_line(s, PWFILE_LINE_MAX, &e) == 1 &&
	      strlen(e.maildir) == PWFILE_LINE_MAX - 4);
	free(s);
	/* The "\r" counts towards the limit. */
	s = make_line(1, PWFILE_LINE_MAX + 1);
	CHECK(s && pwfile_parse_line(s, PWFILE_LINE_MAX + 1, &e) == -1);
	if (s)
		s[PWFILE_LINE_MAX] = '\r';
	CHECK(s && pwfile_parse_line(s, PWFILE_LINE_MAX + 1, &e) == -1);
	free(s);
	/* A hash as long as a line can make it. */
	s = make_line(1, PWFILE_LINE_MAX);
	if (s) {
		memset(s + 2, 'h', PWFILE_LINE_MAX - 4);
		s[PWFILE_LINE_MAX - 2] = ':';
	}
	CHECK(s && pwfile_parse_line(s, PWFILE_LINE_MAX, &e) == 1 &&
	      strlen(e.hash) == PWFILE_LINE_MAX - 4 && strcmp(e.maildir, "d") == 0);
	free(s);
}

/* Every prefix of a line, in a buffer of exactly its size (so that ASan sees
 * any read past it), parses as expected. */
static void test_parse_prefixes(void)
{
	static const char line[] = " bob:h$1:M/b\r";
	/* Result for each prefix length 0 .. sizeof line - 1. */
	static const int want[] = {0, 0, -1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1};

	CHECK(sizeof want / sizeof want[0] == sizeof line);
	for (size_t n = 0; n < sizeof line; n++) {
		char *p = malloc(n ? n : 1);
		if (!p) {
			CHECK(p != NULL);
			return;
		}
		memcpy(p, line, n);
		int r = pwfile_parse_line(p, n, &e);
		if (r != want[n])
			fprintf(stderr, "prefix %zu: %d\n", n, r);
		CHECK(r == want[n]);
		free(p);
	}
	CHECK(pwfile_parse_line(line, sizeof line - 1, &e) == 1);
	CHECK_STR(e.maildir, "M/b");
}

static char tmpdir[] = "/tmp/test_pwfile.XXXXXX";
static char pwpath[PATH_MAX];

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return 0;
	size_t n = fwrite(data, 1, len, f);
	return (fclose(f) == 0) & (n == len);
}

static int lookup(const char *path, const char *user)
{
	return pwfile_lookup(path, user, strlen(user), &e);
}

/* The file the look-up tests read.  The last line has no newline. */
static int write_pwfile(void)
{
	char *buf = malloc(16384), *p;

	if (!buf)
		return 0;
	p = buf;
	p += sprintf(p, "# asimap users\n\nalice:ha:/srv/mail/alice\n");
	p += sprintf(p, "bob:hb:Mail/bob\r\n  \r\n");
	/* An overlong line naming carol, then carol: only the second counts. */
	memset(p, 'x', 5000);
	memcpy(p, "carol:hc0:", 10);
	p += 5000;
	p += sprintf(p, "\ncarol:hc:/c\r\n");
	p += sprintf(p, "alice:ha2:/other\nerin:he:\nerin:he2:/e\n");
	/* A relative maildir that cannot be made absolute within PATH_MAX. */
	p += sprintf(p, "long:hl:");
	memset(p, 'l', PWFILE_LINE_MAX - 8);
	p += PWFILE_LINE_MAX - 8;
	p += sprintf(p, "\nlong:hl2:/l\n");
	memcpy(p, "nul:h\0n:/n\n", 11);
	p += 11;
	p += sprintf(p, "ctl:h\tx:/t\nzed:hz:z");
	int ok = write_file(pwpath, buf, (size_t)(p - buf));
	free(buf);
	return ok;
}

static void test_lookup(void)
{
	char want[PATH_MAX];

	CHECK(lookup(pwpath, "alice") == 1);
	CHECK_STR(e.hash, "ha");
	CHECK_STR(e.maildir, "/srv/mail/alice");
	CHECK(lookup(pwpath, "bob") == 1);
	CHECK_STR(e.hash, "hb");
	snprintf(want, sizeof want, "%s/Mail/bob", tmpdir);
	CHECK_STR(e.maildir, want);
	CHECK(lookup(pwpath, "carol") == 1);
	CHECK_STR(e.hash, "hc");
	CHECK_STR(e.maildir, "/c");
	CHECK(lookup(pwpath, "erin") == 1);
	CHECK_STR(e.hash, "he2");
	CHECK(lookup(pwpath, "long") == 1);
	CHECK_STR(e.maildir, "/l");
	CHECK(lookup(pwpath, "zed") == 1);
	snprintf(want, sizeof want, "%s/z", tmpdir);
	CHECK_STR(e.maildir, want);

	CHECK(lookup(pwpath, "nul") == 0);
	CHECK(lookup(pwpath, "ctl") == 0);
	CHECK(lookup(pwpath, "mallory") == 0);
	CHECK(all_zero(&e, sizeof e));
	CHECK(lookup(pwpath, "Alice") == 0);
	CHECK(lookup(pwpath, "alic") == 0);
	CHECK(lookup(pwpath, "alice ") == 0);
	CHECK(lookup(pwpath, "alice:ha") == 0);
	CHECK(lookup(pwpath, "") == 0);
	CHECK(lookup(pwpath, "# asimap users") == 0);
	CHECK(pwfile_lookup(pwpath, "alice\0", 6, &e) == 0);
	CHECK(pwfile_lookup(pwpath, "alicex", 5, &e) == 1);
	pwfile_entry_wipe(&e);
	CHECK(all_zero(&e, sizeof e));
}

/* Relative paths to the password file resolve against the working
 * directory. */
static void test_lookup_relative(void)
{
	char cwd[PATH_MAX], want[PATH_MAX], sub[PATH_MAX];

	snprintf(sub, sizeof sub, "%s/sub", tmpdir);
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(want, sizeof want, "%s/sub/pw", tmpdir);
	CHECK(write_file(want, "bob:h:Mail/bob\n", 15));
	if (!getcwd(cwd, sizeof cwd) || chdir(tmpdir) != 0) {
		CHECK(0);
		return;
	}
	CHECK(lookup("passwords", "bob") == 1);
	snprintf(want, sizeof want, "%s/Mail/bob", tmpdir);
	CHECK_STR(e.maildir, want);
	CHECK(lookup("sub/pw", "bob") == 1);
	snprintf(want, sizeof want, "%s/sub/Mail/bob", tmpdir);
	CHECK_STR(e.maildir, want);
	CHECK(lookup("./sub//pw", "bob") == 1);
	snprintf(want, sizeof want, "%s/./sub/Mail/bob", tmpdir);
	CHECK_STR(e.maildir, want);
	CHECK(chdir(cwd) == 0);
	snprintf(want, sizeof want, "%s/sub/pw", tmpdir);
	unlink(want);
	rmdir(sub);
}

static void test_lookup_errors(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/missing", tmpdir);
	errno = 0;
	CHECK(lookup(path, "alice") == -1 && errno == ENOENT);
	CHECK(all_zero(&e, sizeof e));
	errno = 0;
	CHECK(lookup(tmpdir, "alice") == -1 && errno == EISDIR);
	/* Permissions do not stop root, so this one only runs as a user. */
	if (geteuid() != 0) {
		snprintf(path, sizeof path, "%s/locked", tmpdir);
		CHECK(write_file(path, "alice:h:/m\n", 11));
		CHECK(chmod(path, 0) == 0);
		errno = 0;
		CHECK(lookup(path, "alice") == -1 && errno == EACCES);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/empty", tmpdir);
	CHECK(write_file(path, "", 0));
	CHECK(lookup(path, "alice") == 0);
	unlink(path);
}

struct seen {
	int n;
	unsigned long lineno[8];
	int r[8];
	size_t len[8];
	int stop_at;
};

static int see(void *arg, unsigned long lineno, const char *line, size_t len, int r,
               struct pwfile_entry *pe)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->lineno[s->n] = lineno;
		s->r[s->n] = r;
		s->len[s->n] = r == 1 ? len : 0;
	}
	if (r == 1)
		CHECK(len <= PWFILE_LINE_MAX && memchr(line, ':', len) && pe->user[0]);
	s->n++;
	return s->n == s->stop_at ? 7 : 0;
}

/* pwfile_scan_fd: entries and malformed lines with their numbers, comments
 * and blanks skipped, the raw line given, stopping on request. */
static void test_scan(void)
{
	char path[PATH_MAX];
	static const char data[] = "# c\n\nbad\n a:h:/m \r\nb:h:/n";
	struct seen s = {0};
	int fd;

	snprintf(path, sizeof path, "%s/scan", tmpdir);
	CHECK(write_file(path, data, sizeof data - 1));
	fd = open(path, O_RDONLY);
	CHECK(pwfile_scan_fd(fd, see, &s, &e) == 0);
	CHECK(s.n == 3);
	CHECK(s.lineno[0] == 3 && s.r[0] == -1);
	CHECK(s.lineno[1] == 4 && s.r[1] == 1 && s.len[1] == 9);
	CHECK(s.lineno[2] == 5 && s.r[2] == 1 && s.len[2] == 6);
	CHECK(all_zero(&e, sizeof e));
	close(fd);
	fd = open(path, O_RDONLY);
	memset(&s, 0, sizeof s);
	s.stop_at = 2;
	CHECK(pwfile_scan_fd(fd, see, &s, &e) == 7 && s.n == 2);
	close(fd);
	errno = 0;
	CHECK(pwfile_scan_fd(-1, see, &s, &e) == -1 && errno == EBADF);
	unlink(path);

	/* Relative maildirs against the file's directory; absolute ones and
	 * ones that would not fit stay as they are. */
	strcpy(e.maildir, "m");
	CHECK(pwfile_resolve_maildir("/etc/pw", &e) == 1);
	CHECK_STR(e.maildir, "/etc/m");
	strcpy(e.maildir, "/abs");
	CHECK(pwfile_resolve_maildir("/etc/pw", &e) == 1);
	CHECK_STR(e.maildir, "/abs");
	strcpy(e.maildir, "m");
	CHECK(pwfile_resolve_maildir("/pw", &e) == 1);
	CHECK_STR(e.maildir, "/m");
	memset(e.maildir, 'x', PATH_MAX - 2);
	e.maildir[PATH_MAX - 2] = '\0';
	CHECK(pwfile_resolve_maildir("/etc/pw", &e) == 0);
	CHECK(e.maildir[0] == 'x');
	pwfile_entry_wipe(&e);
}

int main(void)
{
	test_parse_entries();
	test_parse_skipped();
	test_parse_limits();
	test_parse_prefixes();
	if (!mkdtemp(tmpdir)) {
		perror("test_pwfile: mkdtemp");
		return 1;
	}
	snprintf(pwpath, sizeof pwpath, "%s/passwords", tmpdir);
	CHECK(write_pwfile());
	test_lookup();
	test_lookup_relative();
	test_lookup_errors();
	test_scan();
	unlink(pwpath);
	rmdir(tmpdir);
	return check_done("test_pwfile");
}
