/* Unit tests for pwfile_edit: the new content keeps every other byte; the
 * file update keeps owner and mode, follows links, is atomic (checked from
 * the pause hook) and cleans up after crashed updates. */
#include "check.h"
#include "pwfile.h"
#include "pwfile_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *out;
static size_t outlen;
static int created;

/* apply() on a string; the result is in out (NUL-terminated copy). */
static int apply(const char *old, const char *user, const char *hash, const char *maildir)
{
	char *p = NULL;
	size_t n = 0;

	free(out);
	out = NULL;
	if (!pwfile_edit_apply(old, strlen(old), user, hash, maildir, &p, &n, &created))
		return 0;
	out = malloc(n + 1);
	if (out) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
	outlen = n;
	free(p);
	return out != NULL;
}

static void test_apply(void)
{
	static const char file[] = "# users: alice:x:y\n"
	                           "\n"
	                           "  alice : old : Mail/alice \r\n"
	                           "bad line\n"
	                           "alice:dup:/dup\n"
	                           "alice2:h2:/a2\n"
	                           "bob:hb:/b";

	CHECK(apply(file, "alice", "NEW", NULL) && !created);
	CHECK_STR(out, "# users: alice:x:y\n\nalice:NEW:Mail/alice\r\nbad line\n"
	               "alice:dup:/dup\nalice2:h2:/a2\nbob:hb:/b");
	CHECK(apply(file, "alice", "NEW", "/srv/alice") && !created);
	CHECK_STR(out, "# users: alice:x:y\n\nalice:NEW:/srv/alice\r\nbad line\n"
	               "alice:dup:/dup\nalice2:h2:/a2\nbob:hb:/b");
	CHECK(apply(file, "bob", "B", NULL) && !created);
	CHECK(outlen == strlen(file) - 1 && strncmp(out, file, outlen - 8) == 0 &&
	      strcmp(out + outlen - 9, "\nbob:B:/b") == 0);
	/* A new account goes at the end, after a newline if one is missing. */
	CHECK(apply(file, "carol", "C", "mail/c") && created);
	CHECK(strncmp(out, file, strlen(file)) == 0);
	CHECK_STR(out + strlen(file), "\ncarol:C:mail/c\n");
	CHECK(apply("a:h:/a\n", "b", "H", "/b") && created);
	CHECK_STR(out, "a:h:/a\nb:H:/b\n");
	CHECK(apply("", "b", "H", "/b") && created);
	CHECK_STR(out, "b:H:/b\n");
	/* No account and no maildir to create it with. */
	errno = 0;
	CHECK(!apply(file, "carol", "C", NULL) && errno == ENOENT);
	errno = 0;
	CHECK(!apply(file, "users", "C", NULL) && errno == ENOENT);
	/* Fields that cannot be written. */
	errno = 0;
	CHECK(!apply(file, "a:b", "C", "/m") && errno == EINVAL);
	CHECK(!apply(file, "alice", "C:D", NULL) && errno == EINVAL);
	CHECK(!apply(file, "alice", "C", "/m\n") && errno == EINVAL);
	CHECK(!apply(file, "alice", "", NULL) && errno == EINVAL);
	char *big = malloc(PWFILE_LINE_MAX);
	if (big) {
		memset(big, 'h', PWFILE_LINE_MAX - 1);
		big[PWFILE_LINE_MAX - 1] = '\0';
		errno = 0;
		CHECK(!apply(file, "alice", big, NULL) && errno == EINVAL);
		big[PWFILE_LINE_MAX - 20] = '\0';
		CHECK(apply(file, "alice", big, NULL));
		free(big);
	}
}

static void test_bad_fields(void)
{
	static const char *const bad_users[] = {"",      "a:b", "a\nb", "a\rb", "a\tb",
	                                        "a\x7f", " a",  "a ",   "#a",   "\x1b[1m"};
	static const char *const good_users[] = {"a", "a b", "a#b", "us\xc3\xa9r@example.org", "!"};

	for (size_t i = 0; i < sizeof bad_users / sizeof bad_users[0]; i++)
		CHECK(pwfile_edit_bad_user(bad_users[i]) != NULL);
	for (size_t i = 0; i < sizeof good_users / sizeof good_users[0]; i++)
		CHECK(pwfile_edit_bad_user(good_users[i]) == NULL);
	CHECK(strcmp(pwfile_edit_bad_user("a:b"), "contains ':'") == 0);
	CHECK(pwfile_edit_bad_maildir("#mail") == NULL);
	CHECK(pwfile_edit_bad_maildir("/m:x") != NULL);
	CHECK(pwfile_edit_bad_maildir(" /m") != NULL);
	CHECK(pwfile_edit_bad_maildir("") != NULL);
	char user[PWFILE_USER_MAX + 2];
	memset(user, 'u', sizeof user - 1);
	user[sizeof user - 1] = '\0';
	CHECK(pwfile_edit_bad_user(user) != NULL);
	user[PWFILE_USER_MAX] = '\0';
	CHECK(pwfile_edit_bad_user(user) == NULL);
}

static char tmpdir[] = "/tmp/test_pwfile_edit.XXXXXX";
static char pwpath[PATH_MAX];

static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int put_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t n = strlen(s);
	int ok = fd >= 0 && write(fd, s, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Counts the temp files beside the password file. */
static int temps(void)
{
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "ls -a %s | grep -c '^\\.passwords\\.tmp\\.'", tmpdir);
	FILE *p = popen(cmd, "r");
	int n = -1;

	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static int paused;

/* In the pause: the new file is written beside, the old one untouched. */
static void at_pause(void)
{
	paused++;
	CHECK_STR(slurp(pwpath), "# keep\nalice:old:/a\n");
	CHECK(temps() == 1);
}

static void test_update(void)
{
	struct pwfile_edit_error err;
	struct stat st;
	char link[PATH_MAX + 8], stale[PATH_MAX + 32];

	/* A new file: mode 0600. */
	CHECK(pwfile_edit_update(pwpath, "alice", "old", "/a", &created, NULL, &err) && created);
	CHECK_STR(slurp(pwpath), "alice:old:/a\n");
	CHECK(stat(pwpath, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* Mode and (as root) owner kept; the pause sees the old file. */
	CHECK(put_file(pwpath, "# keep\nalice:old:/a\n"));
	CHECK(chmod(pwpath, 0640) == 0);
	if (geteuid() == 0)
		CHECK(chown(pwpath, 65534, 65534) == 0);
	CHECK(pwfile_edit_update(pwpath, "alice", "new", NULL, &created, at_pause, &err) &&
	      !created);
	CHECK(paused == 1);
	CHECK_STR(slurp(pwpath), "# keep\nalice:new:/a\n");
	CHECK(stat(pwpath, &st) == 0 && (st.st_mode & 07777) == 0640);
	if (geteuid() == 0)
		CHECK(st.st_uid == 65534 && st.st_gid == 65534);
	CHECK(temps() == 0);
	/* A temp file left by a crashed update goes; a link stays a link. */
	snprintf(stale, sizeof stale, "%s/.passwords.tmp.AbC123", tmpdir);
	CHECK(put_file(stale, "half"));
	snprintf(link, sizeof link, "%s/link", tmpdir);
	CHECK(symlink("passwords", link) == 0);
	CHECK(pwfile_edit_update(link, "bob", "hb", "/b", &created, NULL, &err) && created);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_STR(slurp(pwpath), "# keep\nalice:new:/a\nbob:hb:/b\n");
	CHECK(temps() == 0);
	/* Failures say what failed. */
	CHECK(!pwfile_edit_update(pwpath, "carol", "hc", NULL, &created, NULL, &err));
	CHECK(err.err == ENOENT && strcmp(err.what, "find the account in") == 0);
	CHECK(!pwfile_edit_update("/nonexistent/dir/pw", "a", "h", "/m", &created, NULL, &err));
	CHECK(err.err == ENOENT && errno == ENOENT);
	CHECK(!pwfile_edit_update(tmpdir, "a", "h", "/m", &created, NULL, &err));
	CHECK(err.err == EINVAL || err.err == EISDIR);
	CHECK(temps() == 0);
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	test_apply();
	test_bad_fields();
	if (!mkdtemp(tmpdir)) {
		perror("test_pwfile_edit: mkdtemp");
		return 1;
	}
	snprintf(pwpath, sizeof pwpath, "%s/passwords", tmpdir);
	test_update();
	free(out);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_pwfile_edit: unable to remove %s\n", tmpdir);
	return check_done("test_pwfile_edit");
}
