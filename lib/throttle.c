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

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int throttle_hold(struct throttle *t, const char *dir, const char *key, int timeout_ms)
{
	char name[RENDEZVOUS_NAME_MAX], path[4096];
	t->fd = -1;
	t->count = t->start = 0;
	rendezvous_name(key, name);
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return 0;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return 0;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_CREAT, 0600);
	if (fd < 0)
		return 0;
	long end = now_ms() + timeout_ms;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || now_ms() >= end) {
			int e = errno == EWOULDBLOCK ? ETIMEDOUT : errno;
			close(fd);
			errno = e;
			return 0;
		}
		struct timespec ts = {0, 5 * 1000000L};
		nanosleep(&ts, NULL);
	}
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n > 0) {
		buf[n] = 0;
		if (sscanf(buf, "%ld %ld", &t->count, &t->start) != 2)
			t->count = t->start = 0;
	}
	t->fd = fd;
	return 1;
}

int throttle_over(const struct throttle *t, int max, int window_s)
{
	long now = (long)time(NULL);
	return t->fd >= 0 && t->count >= max && now - t->start < window_s && now >= t->start;
}

static int store(struct throttle *t)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%ld %ld\n", t->count, t->start);
	return ftruncate(t->fd, 0) == 0 && pwrite(t->fd, buf, (size_t)n, 0) == n;
}

int throttle_fail(struct throttle *t, int window_s)
{
	long now = (long)time(NULL);
	if (t->fd < 0) {
		errno = EBADF;
		return 0;
	}
	if (now - t->start >= window_s || now < t->start) {
		t->count = 0;
		t->start = now;
	}
	t->count++;
	return store(t);
}

void throttle_reset(struct throttle *t)
{
	if (t->fd >= 0 && t->count) {
		t->count = t->start = 0;
		store(t);
	}
}

void throttle_release(struct throttle *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

int throttle_take(const char *dir, const char *key, int max, int window_s)
{
	struct throttle t;
	if (!throttle_hold(&t, dir, key, 5000))
		return 1;
	int ok = !throttle_over(&t, max, window_s);
	if (ok)
		throttle_fail(&t, window_s);
	throttle_release(&t);
	return ok;
}

void throttle_refund(const char *dir, const char *key)
{
	struct throttle t;
	if (!throttle_hold(&t, dir, key, 5000))
		return;
	if (t.count > 0) {
		t.count--;
		store(&t);
	}
	throttle_release(&t);
}
