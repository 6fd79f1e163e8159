/* Unit tests for mh_tree: creating (nested, existing, names nmh would
 * misread, files in the way), deleting (leaf, with subfolders, with files
 * that are not ours), renaming and moving INBOX's messages, and that no
 * path ("..", absolute, a symbolic link to outside) makes anything happen
 * outside the mail root. */
#include "check.h"
#include "mh_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_mh_tree.XXXXXX";
static char root[256], outside[256];
static int rootfd;

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, fmt, arg, arg, arg);
	if (system(cmd) != 0)
		fprintf(stderr, "command failed: %s\n", cmd);
}

/* A fresh, empty mail root and an empty directory beside it. */
static void fresh(void)
{
	sh("rm -rf %s/root %s/outside && mkdir %s/root", tmpdir);
	sh("mkdir %s/outside", tmpdir);
}

static int exists(const char *dir, const char *rel)
{
	char p[1024];
	struct stat sb;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return lstat(p, &sb) == 0;
}

static int is_dir(const char *rel)
{
	char p[1024];
	struct stat sb;
	snprintf(p, sizeof p, "%s/%s", root, rel);
	return lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void put(const char *rel, const char *text)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.' || (de->d_name[1] && strcmp(de->d_name, ".."));
	if (d)
		closedir(d);
	return n;
}

static int fails(int rc, int e)
{
	int got = errno;
	if (rc == 0 && got == e)
		return 1;
	fprintf(stderr, "  rc %d errno %d (%s), wanted errno %d\n", rc, got, strerror(got), e);
	return 0;
}

static void test_create(void)
{
	CHECK(mh_tree_create(rootfd, "a"));
	CHECK(is_dir("a"));
	CHECK(fails(mh_tree_create(rootfd, "a"), EEXIST));
	/* parents made as needed */
	CHECK(mh_tree_create(rootfd, "b/c/d"));
	CHECK(is_dir("b") && is_dir("b/c") && is_dir("b/c/d"));
	CHECK(mh_tree_create(rootfd, "b/c/e"));
	CHECK(fails(mh_tree_create(rootfd, "b/c"), EEXIST));
	/* mode: 0700 (nmh's Folder-Protect) under the umask */
	mode_t um = umask(0);
	umask(um);
	struct stat sb;
	char p[600];
	snprintf(p, sizeof p, "%s/a", root);
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 07777) == (0700 & ~um));

	/* names nmh would take for messages, and control characters */
	CHECK(fails(mh_tree_create(rootfd, "123"), EINVAL));
	CHECK(fails(mh_tree_create(rootfd, "x/2025"), EINVAL));
	CHECK(!exists(root, "x")); /* refused before anything was made */
	CHECK(fails(mh_tree_create(rootfd, "bad\nname"), EINVAL));
	CHECK(mh_tree_create(rootfd, "2025x"));
	/* an existing numbered folder may hold new ones */
	sh("mkdir %s/root/2024", tmpdir);
	CHECK(mh_tree_create(rootfd, "2024/q1"));
	CHECK(is_dir("2024/q1"));

	/* a message file in the way */
	sh("mkdir %s/root/inbox && echo hi > %s/root/inbox/5", tmpdir);
	CHECK(fails(mh_tree_create(rootfd, "inbox/5"), ENOTDIR));
	CHECK(fails(mh_tree_create(rootfd, "inbox/5/x"), ENOTDIR));
	put("file", "x");
	CHECK(fails(mh_tree_create(rootfd, "file/sub"), ENOTDIR));
}

static void test_create_escapes(void)
{
	static const char *bad[] = {"../x", "..",   "/etc/x", "/x", "a/../../x", "a//b",
	                            ".x",   "a/.b", "a/",     "",   "./x",       NULL};
	for (int i = 0; bad[i]; i++) {
		errno = 0;
		int rc = mh_tree_create(rootfd, bad[i]);
		if (!fails(rc, EINVAL))
			fprintf(stderr, "  for path \"%s\"\n", bad[i]);
		CHECK(rc == 0 && errno == EINVAL);
	}
	CHECK(entries(root) == 0);
	CHECK(entries(tmpdir) == 2); /* root and outside, nothing else */

	/* a symbolic link to outside, anywhere in the path */
	char target[600];
	snprintf(target, sizeof target, "%s/outside", tmpdir);
	sh("ln -s %s/outside %s/root/link", tmpdir);
	CHECK(fails(mh_tree_create(rootfd, "link/x"), ELOOP));
	CHECK(fails(mh_tree_create(rootfd, "link/x/y"), ELOOP));
	CHECK(fails(mh_tree_create(rootfd, "link"), ELOOP));
	sh("mkdir %s/root/real && ln -s %s/outside %s/root/real/in", tmpdir);
	CHECK(fails(mh_tree_create(rootfd, "real/in/deep"), ELOOP));
	CHECK(entries(target) == 0);
	/* a link to a folder inside the root is no better */
	sh("ln -s real %s/root/alias", tmpdir);
	CHECK(fails(mh_tree_create(rootfd, "alias/x"), ELOOP));
	CHECK(!exists(root, "real/x"));
}

static void make_folder(const char *rel, int n)
{
	char p[600];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	mkdir(p, 0777);
	for (int i = 1; i <= n; i++) {
		char m[700], text[64];
		snprintf(m, sizeof m, "%s/%d", rel, i);
		snprintf(text, sizeof text, "Subject: %d\n\nbody %s\n", i, rel);
		put(m, text);
	}
}

static void test_delete(void)
{
	int kept;
	size_t unknown;
	/* a leaf: messages, nmh's and asimap's files, and the directory */
	make_folder("leaf", 3);
	put("leaf/.mh_sequences", "unseen: 1-2\n");
	put("leaf/.asimap-state", "x");
	put("leaf/,2", "backup");
	put("leaf/#3", "backup");
	CHECK(mh_tree_delete(rootfd, "leaf", &kept, &unknown));
	CHECK(kept == 0 && unknown == 0);
	CHECK(!exists(root, "leaf"));
	CHECK(fails(mh_tree_delete(rootfd, "leaf", &kept, &unknown), ENOENT));

	/* with subfolders: the messages go, the folder and its children stay */
	make_folder("top", 2);
	make_folder("top/child", 2);
	make_folder("top/2025", 1); /* a numbered folder is a folder */
	put("top/.mh_sequences", "cur: 1\n");
	put("top/.asimap-state", "x");
	put("top/notes.txt", "someone's");
	CHECK(mh_tree_delete(rootfd, "top", &kept, &unknown));
	CHECK(kept == 1);
	CHECK(is_dir("top") && !exists(root, "top/1") && !exists(root, "top/2"));
	CHECK(!exists(root, "top/.mh_sequences") && !exists(root, "top/.asimap-state"));
	CHECK(exists(root, "top/child/1") && exists(root, "top/2025/1"));
	CHECK(exists(root, "top/notes.txt"));

	/* a file that is neither mail nor ours: nothing at all is removed */
	make_folder("mixed", 2);
	put("mixed/.mh_sequences", "unseen: 1\n");
	put("mixed/notes.txt", "keep me");
	sh("mkdir %s/root/mixed/.hidden", tmpdir);
	sh("ln -s /etc/passwd %s/root/mixed/7", tmpdir);
	CHECK(fails(mh_tree_delete(rootfd, "mixed", &kept, &unknown), ENOTEMPTY));
	CHECK(unknown == 3);
	CHECK(exists(root, "mixed/1") && exists(root, "mixed/2") &&
	      exists(root, "mixed/notes.txt"));
	CHECK(exists(root, "mixed/.mh_sequences") && exists(root, "mixed/7"));
	CHECK(exists("/etc", "passwd"));

	/* a message in a nested folder */
	make_folder("top/child/leaf", 1);
	CHECK(mh_tree_delete(rootfd, "top/child/leaf", &kept, &unknown));
	CHECK(!kept && !exists(root, "top/child/leaf") && exists(root, "top/child/1"));

	/* escapes */
	sh("echo precious > %s/outside/1", tmpdir);
	sh("ln -s %s/outside %s/root/link", tmpdir);
	CHECK(fails(mh_tree_delete(rootfd, "link", &kept, &unknown), ELOOP));
	CHECK(fails(mh_tree_delete(rootfd, "link/sub", &kept, &unknown), ELOOP));
	CHECK(fails(mh_tree_delete(rootfd, "../outside", &kept, &unknown), EINVAL));
	CHECK(fails(mh_tree_delete(rootfd, "/tmp", &kept, &unknown), EINVAL));
	char target[600];
	snprintf(target, sizeof target, "%s/outside", tmpdir);
	CHECK(exists(target, "1") && exists(root, "link"));
	/* a message file is not a folder */
	CHECK(fails(mh_tree_delete(rootfd, "mixed/1", &kept, &unknown), ENOTDIR));
	CHECK(exists(root, "mixed/1"));
}

static void test_rename(void)
{
	make_folder("a", 2);
	make_folder("a/kid", 1);
	CHECK(mh_tree_rename(rootfd, "a", "b"));
	CHECK(!exists(root, "a") && exists(root, "b/1") && exists(root, "b/kid/1"));
	/* parents of the new name are made */
	CHECK(mh_tree_rename(rootfd, "b/kid", "x/y/z"));
	CHECK(exists(root, "x/y/z/1") && !exists(root, "b/kid"));
	/* errors, and nothing made on the way */
	CHECK(fails(mh_tree_rename(rootfd, "nosuch", "p/q"), ENOENT));
	CHECK(!exists(root, "p"));
	make_folder("c", 0);
	CHECK(fails(mh_tree_rename(rootfd, "b", "c"), EEXIST));
	CHECK(fails(mh_tree_rename(rootfd, "b", "b/inner"), EINVAL));
	CHECK(fails(mh_tree_rename(rootfd, "b", "b"), EINVAL));
	CHECK(fails(mh_tree_rename(rootfd, "b", "42"), EINVAL));
	CHECK(fails(mh_tree_rename(rootfd, "b", "new/42"), EINVAL));
	CHECK(!exists(root, "new"));
	CHECK(fails(mh_tree_rename(rootfd, "b/1", "m"), ENOENT)); /* a message */
	CHECK(fails(mh_tree_rename(rootfd, "b", "b/1/x"), EINVAL));
	CHECK(fails(mh_tree_rename(rootfd, "b", "c/1/x"), EINVAL)); /* "1" would be made */
	CHECK(!exists(root, "c/1"));
	put("c/1", "msg");
	CHECK(fails(mh_tree_rename(rootfd, "b", "c/1/x"), ENOTDIR));
	CHECK(exists(root, "b/1"));
	/* escapes */
	sh("ln -s %s/outside %s/root/link", tmpdir);
	char target[600];
	snprintf(target, sizeof target, "%s/outside", tmpdir);
	CHECK(fails(mh_tree_rename(rootfd, "b", "link/b"), ELOOP));
	CHECK(fails(mh_tree_rename(rootfd, "b", "link"), EEXIST));
	CHECK(fails(mh_tree_rename(rootfd, "link", "moved"), ELOOP));
	CHECK(fails(mh_tree_rename(rootfd, "b", "../b"), EINVAL));
	CHECK(fails(mh_tree_rename(rootfd, "../outside", "stolen"), EINVAL));
	CHECK(entries(target) == 0 && exists(root, "b/1") && !exists(root, "stolen"));
}

static void test_move_messages(void)
{
	size_t moved;
	make_folder("inbox", 3);
	put("inbox/10", "ten");
	put("inbox/.mh_sequences", "unseen: 2-3\nflagged: 10\n");
	put("inbox/.asimap-state", "state");
	put("inbox/notes", "n");
	make_folder("inbox/sub", 1);
	make_folder("old", 0);
	CHECK(mh_tree_move_messages(rootfd, "inbox", "old", &moved));
	CHECK(moved == 4);
	CHECK(exists(root, "old/1") && exists(root, "old/3") && exists(root, "old/10"));
	CHECK(exists(root, "old/.mh_sequences") && !exists(root, "inbox/.mh_sequences"));
	CHECK(!exists(root, "inbox/1") && !exists(root, "inbox/10"));
	CHECK(exists(root, "inbox/sub/1") && exists(root, "inbox/notes"));
	CHECK(exists(root, "inbox/.asimap-state") && !exists(root, "old/.asimap-state"));
	/* a number already taken there is never replaced */
	put("inbox/1", "new one");
	make_folder("full", 1);
	CHECK(fails(mh_tree_move_messages(rootfd, "inbox", "full", &moved), EEXIST));
	CHECK(moved == 0 && exists(root, "inbox/1"));
	CHECK(fails(mh_tree_move_messages(rootfd, "inbox", "nosuch", &moved), ENOENT));
	CHECK(fails(mh_tree_move_messages(rootfd, "inbox", "../outside", &moved), EINVAL));
	sh("ln -s %s/outside %s/root/link", tmpdir);
	CHECK(fails(mh_tree_move_messages(rootfd, "inbox", "link", &moved), ELOOP));
	char target[600];
	snprintf(target, sizeof target, "%s/outside", tmpdir);
	CHECK(entries(target) == 0 && exists(root, "inbox/1"));
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 2;
	snprintf(root, sizeof root, "%s/root", tmpdir);
	snprintf(outside, sizeof outside, "%s/outside", tmpdir);
	fresh();
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	test_create();
	/* fresh() replaces the directory: open the new one each time */
#define AGAIN(fn)                                                                                  \
	do {                                                                                       \
		close(rootfd);                                                                     \
		fresh();                                                                           \
		rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);                           \
		fn();                                                                              \
	} while (0)
	AGAIN(test_create_escapes);
	AGAIN(test_delete);
	AGAIN(test_rename);
	AGAIN(test_move_messages);
	close(rootfd);
	sh("rm -rf %s", tmpdir);
	return check_done("test_mh_tree");
}
