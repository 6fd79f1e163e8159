#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"

static const char *content(int dfd, const char *name)
{
	static char buf[64];
	int fd = openat(dfd, name, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n >= 0 ? buf : NULL;
}

int main(void)
{
	char dir[] = "/tmp/test_fileio.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fileio_replace(dfd, "f.tmp", "f", "one", 3, 0600));
	CHECK(!strcmp(content(dfd, "f"), "one") && !content(dfd, "f.tmp"));
	struct stat sb;
	CHECK(fstatat(dfd, "f", &sb, 0) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK(fileio_replace(dfd, "f.tmp", "f", "two!", 4, 0600));
	CHECK(!strcmp(content(dfd, "f"), "two!"));
	/* A failure leaves the old file as it was and no temporary file. */
	CHECK(mkdirat(dfd, "d", 0700) == 0);
	CHECK(!fileio_replace(dfd, "f.tmp", "d", "three", 5, 0600)); /* rename onto a directory */
	CHECK(!content(dfd, "f.tmp") && !strcmp(content(dfd, "f"), "two!"));
	CHECK(!fileio_replace(dfd, "no/such.tmp", "f", "x", 1, 0600));
	CHECK(!strcmp(content(dfd, "f"), "two!"));
	int fd = openat(dfd, "w", O_WRONLY | O_CREAT, 0600);
	CHECK(fileio_write_all(fd, "abc", 3) && fileio_write_all(fd, "", 0));
	close(fd);
	CHECK(!strcmp(content(dfd, "w"), "abc"));
	CHECK(!fileio_write_all(-1, "x", 1));
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_fileio");
}
