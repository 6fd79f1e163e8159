#include "mh_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh_state.h"

#define MAGIC "asimapC1"
#define TMP_FILE ".asimap-cache.tmp"

static int cmp_rec(const void *a, const void *b)
{
	const struct mh_cache_rec *x = a, *y = b;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int read_all(int fd, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int mh_cache_decode(const unsigned char *buf, size_t len, struct mh_cache_rec **recs, size_t *n)
{
	*recs = NULL;
	*n = 0;
	if (len < 24 || len > 24 + 32ull * MH_CACHE_RECS_MAX || memcmp(buf, MAGIC, 8))
		return 0;
	uint64_t count = get64(buf + 8);
	if (count > MH_CACHE_RECS_MAX || len != 24 + 32 * count ||
	    get64(buf + len - 8) != mh_state_checksum(buf, len - 8))
		return 0;
	struct mh_cache_rec *r = malloc((count ? count : 1) * sizeof *r);
	if (!r)
		return 0;
	for (size_t i = 0; i < count; i++) {
		const unsigned char *p = buf + 16 + 32 * i;
		r[i].ino = get64(p);
		r[i].size = (int64_t)get64(p + 8);
		r[i].mtime_ns = (int64_t)get64(p + 16);
		r[i].crlf_size = (int64_t)get64(p + 24);
		if ((i && r[i].ino < r[i - 1].ino) || r[i].crlf_size < 0) {
			free(r);
			return 0;
		}
	}
	*recs = r;
	*n = count;
	return 1;
}

int mh_cache_load(int dirfd, struct mh_cache_rec **recs, size_t *n)
{
	*recs = NULL;
	*n = 0;
	int fd = openat(dirfd, MH_CACHE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0)
		return 0;
	int ok = 0;
	if (fstat(fd, &sb) == 0 && sb.st_size >= 24 &&
	    (uint64_t)sb.st_size <= 24 + 32ull * MH_CACHE_RECS_MAX) {
		size_t len = (size_t)sb.st_size;
		unsigned char *buf = malloc(len);
		if (buf && read_all(fd, buf, len))
			ok = mh_cache_decode(buf, len, recs, n);
		free(buf);
	}
	close(fd);
	return ok;
}

const struct mh_cache_rec *mh_cache_find(const struct mh_cache_rec *recs, size_t n, uint64_t ino,
                                         int64_t size, int64_t mtime_ns)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (recs[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && recs[lo].ino == ino && recs[lo].size == size && recs[lo].mtime_ns == mtime_ns)
		return &recs[lo];
	return NULL;
}

int mh_cache_save(int dirfd, struct mh_cache_rec *recs, size_t n)
{
	if (n > MH_CACHE_RECS_MAX) {
		errno = E2BIG;
		return 0;
	}
	qsort(recs, n, sizeof *recs, cmp_rec);
	size_t len = 24 + 32 * n;
	unsigned char *buf = malloc(len);
	if (!buf)
		return 0;
	memcpy(buf, MAGIC, 8);
	put64(buf + 8, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char *r = buf + 16 + 32 * i;
		put64(r, recs[i].ino);
		put64(r + 8, (uint64_t)recs[i].size);
		put64(r + 16, (uint64_t)recs[i].mtime_ns);
		put64(r + 24, (uint64_t)recs[i].crlf_size);
	}
	put64(buf + len - 8, mh_state_checksum(buf, len - 8));
	int fd =
	    openat(dirfd, TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int ok = fd >= 0;
	for (size_t off = 0; ok && off < len;) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		off += ok ? (size_t)w : 0;
	}
	/* No fsync: losing the cache in a crash costs only time. */
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (ok)
		ok = renameat(dirfd, TMP_FILE, dirfd, MH_CACHE_FILE) == 0;
	else
		unlinkat(dirfd, TMP_FILE, 0);
	free(buf);
	if (!ok)
		errno = e ? e : errno;
	return ok;
}
