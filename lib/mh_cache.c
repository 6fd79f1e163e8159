#include "mh_cache.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "asimapC2"
#define TMP_FILE ".asimap-cache.tmp"
#define FIXED 64 /* bytes of an entry before its strings */

struct mh_cache_map {
	struct mh_cache_map *next;
	unsigned char *buf; /* NULL when not owned */
};

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void mh_cache_init(struct mh_cache *c)
{
	memset(c, 0, sizeof *c);
}

void mh_cache_free(struct mh_cache *c)
{
	free(c->idx);
	for (size_t i = 0; i < c->nfresh; i++)
		free(c->fresh[i]);
	free(c->fresh);
	while (c->maps) {
		struct mh_cache_map *m = c->maps;
		c->maps = m->next;
		free(m->buf);
		free(m);
	}
	memset(c, 0, sizeof *c);
}

void mh_meta_get(const unsigned char *e, struct mh_meta *m)
{
	m->id.ino = get64(e + 8);
	m->id.size = (int64_t)get64(e + 16);
	m->id.mtime_ns = (int64_t)get64(e + 24);
	m->crlf_size = (int64_t)get64(e + 32);
	m->hdr_len = (int64_t)get64(e + 40);
	m->env_len = get32(e + 48);
	m->body_len = get32(e + 52);
	m->bs_len = get32(e + 56);
	m->env = (const char *)e + FIXED;
	m->body = m->env + m->env_len;
	m->bs = m->body + m->body_len;
}

static int cmp_id(const unsigned char *e, const struct mh_ident *id)
{
	uint64_t ino = get64(e + 8);
	int64_t size = (int64_t)get64(e + 16), mt = (int64_t)get64(e + 24);
	if (ino != id->ino)
		return ino < id->ino ? -1 : 1;
	if (size != id->size)
		return size < id->size ? -1 : 1;
	if (mt != id->mtime_ns)
		return mt < id->mtime_ns ? -1 : 1;
	return 0;
}

/* By identity, then by place in the file (a later entry wins). */
static int cmp_entry(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a,
	                    *y = *(const unsigned char *const *)b;
	struct mh_meta m;
	mh_meta_get(y, &m);
	int c = cmp_id(x, &m.id);
	return c ? c : (x > y) - (x < y);
}

/* The length of the valid entry at p (n bytes left), or 0. */
static size_t entry_ok(const unsigned char *p, size_t n)
{
	if (n < FIXED + 8)
		return 0;
	size_t len = get32(p);
	if (len < FIXED + 8 || len % 8 || len > n || get32(p + 4) || get32(p + 60))
		return 0;
	uint64_t strings = (uint64_t)get32(p + 48) + get32(p + 52) + get32(p + 56);
	if (strings > len - FIXED - 8 || (int64_t)get64(p + 32) < 0 || (int64_t)get64(p + 40) < 0)
		return 0;
	return get64(p + len - 8) == mh_state_checksum(p, len - 8) ? len : 0;
}

int mh_cache_decode(struct mh_cache *c, unsigned char *buf, size_t len, int own)
{
	struct mh_cache_map *map = calloc(1, sizeof *map);
	if (!map || len < 8 || memcmp(buf, MAGIC, 8)) {
		free(map);
		if (own)
			free(buf);
		return 0;
	}
	map->buf = own ? buf : NULL;
	map->next = c->maps;
	c->maps = map;
	size_t off = 8, cap = 0, n = 0;
	const unsigned char **idx = NULL;
	for (size_t el; off < len && (el = entry_ok(buf + off, len - off)); off += el) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			const unsigned char **x = realloc(idx, cap * sizeof *x);
			if (!x)
				break;
			idx = x;
		}
		idx[n++] = buf + off;
	}
	if (n)
		qsort(idx, n, sizeof *idx, cmp_entry);
	size_t k = 0; /* keep the last of equal identities */
	for (size_t i = 0; i < n; i++) {
		struct mh_meta m;
		mh_meta_get(idx[i], &m);
		if (i + 1 < n && !cmp_id(idx[i + 1], &m.id))
			continue;
		idx[k++] = idx[i];
	}
	free(c->idx);
	c->idx = idx;
	c->nidx = k;
	c->file_len = off == len ? len : 0; /* damaged: rewrite at the next save */
	return 1;
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

int mh_cache_load(struct mh_cache *c, int dirfd)
{
	int fd = openat(dirfd, MH_CACHE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0)
		return 0;
	int ok = 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 8 &&
	    (uint64_t)sb.st_size <= MH_CACHE_FILE_MAX) {
		size_t len = (size_t)sb.st_size;
		unsigned char *buf = malloc(len);
		if (buf && read_all(fd, buf, len))
			ok = mh_cache_decode(c, buf, len, 1);
		else
			free(buf);
	}
	close(fd);
	return ok;
}

const unsigned char *mh_cache_find(const struct mh_cache *c, const struct mh_ident *id)
{
	size_t lo = 0, hi = c->nidx;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_id(c->idx[mid], id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nidx && !cmp_id(c->idx[lo], id) ? c->idx[lo] : NULL;
}

const unsigned char *mh_cache_add(struct mh_cache *c, const struct mh_meta *m)
{
	if (m->env_len > MH_CACHE_STRING_MAX || m->body_len > MH_CACHE_STRING_MAX ||
	    m->bs_len > MH_CACHE_STRING_MAX || m->crlf_size < 0 || m->hdr_len < 0)
		return NULL;
	size_t strings = (size_t)m->env_len + m->body_len + m->bs_len;
	size_t len = (FIXED + strings + 7) / 8 * 8 + 8;
	if (c->nfresh == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		unsigned char **x = realloc(c->fresh, cap * sizeof *x);
		if (!x)
			return NULL;
		c->fresh = x;
		c->cap = cap;
	}
	unsigned char *e = calloc(1, len);
	if (!e)
		return NULL;
	put32(e, (uint32_t)len);
	put64(e + 8, m->id.ino);
	put64(e + 16, (uint64_t)m->id.size);
	put64(e + 24, (uint64_t)m->id.mtime_ns);
	put64(e + 32, (uint64_t)m->crlf_size);
	put64(e + 40, (uint64_t)m->hdr_len);
	put32(e + 48, m->env_len);
	put32(e + 52, m->body_len);
	put32(e + 56, m->bs_len);
	unsigned char *p = e + FIXED;
	memcpy(p, m->env, m->env_len);
	memcpy(p += m->env_len, m->body, m->body_len);
	memcpy(p += m->body_len, m->bs, m->bs_len);
	put64(e + len - 8, mh_state_checksum(e, len - 8));
	c->fresh[c->nfresh++] = e;
	return e;
}

/* Buffered writing of whole entries. */
struct out {
	int fd, ok;
	size_t n, total;
	unsigned char buf[1 << 16];
};

static void flush(struct out *o)
{
	o->ok = o->ok && fileio_write_all(o->fd, o->buf, o->n);
	o->n = 0;
}

static void put(struct out *o, const void *p, size_t len)
{
	o->total += len;
	while (len && o->ok) {
		size_t k = sizeof o->buf - o->n < len ? sizeof o->buf - o->n : len;
		memcpy(o->buf + o->n, p, k);
		o->n += k;
		p = (const unsigned char *)p + k;
		len -= k;
		if (o->n == sizeof o->buf)
			flush(o);
	}
}

static int rewrite(struct mh_cache *c, int dirfd, const unsigned char *const *live, size_t n)
{
	static struct out o;
	o.fd = openat(dirfd, TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	o.ok = o.fd >= 0;
	o.n = o.total = 0;
	put(&o, MAGIC, 8);
	for (size_t i = 0; i < n; i++)
		if (live[i])
			put(&o, live[i], get32(live[i]));
	flush(&o);
	/* No fsync: losing the cache in a crash costs only time. */
	int e = errno;
	if (o.fd >= 0)
		close(o.fd);
	int ok = o.ok && renameat(dirfd, TMP_FILE, dirfd, MH_CACHE_FILE) == 0;
	if (!ok) {
		e = o.ok ? errno : e;
		unlinkat(dirfd, TMP_FILE, 0);
		errno = e;
		return 0;
	}
	c->file_len = o.total;
	c->saved = c->nfresh;
	return 1;
}

int mh_cache_save(struct mh_cache *c, int dirfd, const unsigned char *const *live, size_t n)
{
	size_t live_bytes = 0, unsaved = 0;
	for (size_t i = 0; i < n; i++)
		live_bytes += live[i] ? get32(live[i]) : 0;
	for (size_t i = c->saved; i < c->nfresh; i++)
		unsaved += get32(c->fresh[i]);
	if (!c->file_len || c->file_len + unsaved > 2 * live_bytes + MH_CACHE_SLACK)
		return rewrite(c, dirfd, live, n);
	if (!unsaved)
		return 1;
	static struct out o;
	struct stat sb;
	o.fd = openat(dirfd, MH_CACHE_FILE, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (o.fd < 0 || fstat(o.fd, &sb) < 0 || (uint64_t)sb.st_size != c->file_len) {
		if (o.fd >= 0)
			close(o.fd);
		return rewrite(c, dirfd, live, n); /* not the file this process wrote */
	}
	o.ok = 1;
	o.n = o.total = 0;
	for (size_t i = c->saved; i < c->nfresh; i++)
		put(&o, c->fresh[i], get32(c->fresh[i]));
	flush(&o);
	int e = errno;
	close(o.fd);
	if (!o.ok) {
		c->file_len = 0; /* a torn append: rewrite next time */
		errno = e;
		return 0;
	}
	c->file_len += o.total;
	c->saved = c->nfresh;
	return 1;
}
