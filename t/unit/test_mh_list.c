/* Unit tests for mh_list, the walk of the folder tree under LIST and LSUB:
 * names (INBOX, nesting, numbered folders, modified UTF-7), whether a
 * folder has subfolders, what is never listed (dot names, messages,
 * symbolic links, names that are not UTF-8), and the answers of the
 * callback: stop, go on, or go on without the folder's subfolders. */
#include "check.h"
#include "mh_folder.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_mh_list.XXXXXX";

static void sh(const char *fmt)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "cd %s && %s", tmpdir, fmt);
	if (system(cmd) != 0)
		fprintf(stderr, "command failed: %s\n", cmd);
}

struct seen {
	char text[4096];  /* "name:kids " for each folder, in the walk's order */
	const char *skip; /* do not descend into this one */
	const char *stop; /* stop at this one */
	int calls;
};

static int collect(void *ctx, const char *name, int kids)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s:%d ", name, kids);
	s->calls++;
	if (s->stop && !strcmp(name, s->stop))
		return MH_LIST_STOP;
	if (s->skip && !strcmp(name, s->skip))
		return MH_LIST_SKIP;
	return MH_LIST_DESCEND;
}

/* The walk's lines, sorted, so that readdir's order does not matter. */
static void sorted(const char *text, char *out, size_t cap)
{
	char copy[4096], *v[256];
	size_t n = 0;
	snprintf(copy, sizeof copy, "%s", text);
	for (char *t = strtok(copy, " "); t && n < 256; t = strtok(NULL, " "))
		v[n++] = t;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		strncat(out, v[i], cap - strlen(out) - 2);
		strcat(out, " ");
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	sh("mkdir -p inbox a/b/c a/d 2025/x caf\xc3\xa9 .hidden/sub && touch a/1 a/b/2 && "
	   "mkdir -p bad\xff/kid && ln -s a link && ln -s /tmp a/outlink && mkdir a/.dot");
	int rootfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char got[4096];

	struct seen all = {0};
	CHECK(mh_list(rootfd, collect, &all) == 1);
	sorted(all.text, got, sizeof got);
	CHECK_STR(got, "2025/x:0 2025:1 INBOX:0 a/b/c:0 a/b:1 a/d:0 a:1 caf&AOk-:0 ");

	/* Skipping a folder's subfolders still tells whether it has some. */
	struct seen skip = {.skip = "a"};
	CHECK(mh_list(rootfd, collect, &skip) == 1);
	sorted(skip.text, got, sizeof got);
	CHECK_STR(got, "2025/x:0 2025:1 INBOX:0 a:1 caf&AOk-:0 ");
	struct seen skipb = {.skip = "a/b"};
	CHECK(mh_list(rootfd, collect, &skipb) == 1);
	sorted(skipb.text, got, sizeof got);
	CHECK_STR(got, "2025/x:0 2025:1 INBOX:0 a/b:1 a/d:0 a:1 caf&AOk-:0 ");

	/* Stopping stops everything. */
	struct seen stop = {.stop = "a/b"};
	CHECK(mh_list(rootfd, collect, &stop) == 0);
	CHECK(strstr(stop.text, "a/b:1 ") != NULL && strstr(stop.text, "a/b/c") == NULL);
	CHECK(stop.calls < all.calls);

	close(rootfd);
	char rm[256];
	snprintf(rm, sizeof rm, "rm -rf %s", tmpdir);
	CHECK(system(rm) == 0);
	return check_done("test_mh_list");
}
