#include "throttle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rendezvous.h"

static int key_path(const char *dir, const char *key, char *out, size_t outlen)
{
	char name[RENDEZVOUS_NAME_MAX];
	rendezvous_name(key, name);
	if (snprintf(out, outlen, "%s/%s", dir, name) >= (int)outlen) {
		errno = ENAMETOOLONG;
		return 0;
	}
	return 1;
}

/* Open and lock key's file; read its count and window start. */
static int open_state(const char *dir, const char *key, int create, long *count, long *start)
{
	char path[4096];
	if (!key_path(dir, key, path, sizeof path))
		return -1;
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	*count = *start = 0;
	if (n > 0) {
		buf[n] = 0;
		if (sscanf(buf, "%ld %ld", count, start) != 2)
			*count = *start = 0;
	}
	return fd;
}

int throttle_blocked(const char *dir, const char *key, int max, int window_s)
{
	long count, start;
	int fd = open_state(dir, key, 0, &count, &start);
	if (fd < 0)
		return 0;
	close(fd);
	return count >= max && time(NULL) - start < window_s;
}

int throttle_fail(const char *dir, const char *key, int window_s)
{
	long count, start, now = (long)time(NULL);
	int fd = open_state(dir, key, 1, &count, &start);
	if (fd < 0)
		return 0;
	if (now - start >= window_s || now < start) {
		count = 0;
		start = now;
	}
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%ld %ld\n", count + 1, start);
	int ok = ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) == n;
	close(fd);
	return ok;
}

void throttle_clear(const char *dir, const char *key)
{
	char path[4096];
	if (key_path(dir, key, path, sizeof path))
		unlink(path);
}
