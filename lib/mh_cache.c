#include "mh_cache.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "asimapC3"
#define TMP_FILE ".asimap-cache.tmp"
#define FIXED 64    /* bytes of an entry before its strings */
#define LEN_BITS 23 /* a file ref: offset / 8 << 24 | length / 8 << 1 */
#define ENTRY_MAX (((size_t)1 << LEN_BITS) * 8 - 8)

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

static mh_cache_ref file_ref(uint64_t off, size_t len)
{
	return (off / 8) << (LEN_BITS + 1) | (uint64_t)(len / 8) << 1;
}

static uint64_t ref_off(mh_cache_ref r)
{
	return (r >> (LEN_BITS + 1)) * 8;
}

static size_t ref_len(mh_cache_ref r)
{
	return (size_t)(r >> 1 & (((uint64_t)1 << LEN_BITS) - 1)) * 8;
}

void mh_cache_init(struct mh_cache *c)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

static void drop_fresh(struct mh_cache *c)
{
	size_t bytes = 0;
	for (size_t i = 0; i < c->nfresh; i++) {
		bytes += get32(c->fresh[i]);
		free(c->fresh[i]);
	}
	c->nfresh = 0;
	/* A folder's first open makes an entry per message, small blocks
	 * that free() keeps: give them back, as the file now holds them. */
	if (bytes > ((size_t)1 << 20))
		malloc_trim(0);
}

void mh_cache_free(struct mh_cache *c)
{
	free(c->idx);
	drop_fresh(c);
	free(c->fresh);
	free(c->win);
	if (c->fd >= 0)
		close(c->fd);
	mh_cache_init(c);
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
	m->fields_len = get32(e + 60);
	m->env = (const char *)e + FIXED;
	m->body = m->env + m->env_len;
	m->bs = m->body + m->body_len;
	m->fields = m->bs + m->bs_len;
}

static int cmp_id(const struct mh_ident *a, const struct mh_ident *b)
{
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->mtime_ns != b->mtime_ns)
		return a->mtime_ns < b->mtime_ns ? -1 : 1;
	return 0;
}

/* By identity, then by place in the file (a later entry wins). */
static int cmp_slot(const void *a, const void *b)
{
	const struct mh_cache_slot *x = a, *y = b;
	int c = cmp_id(&x->id, &y->id);
	return c ? c : (x->ref > y->ref) - (x->ref < y->ref);
}

/* Is the fixed part at p of an entry that may be L = its length bytes
 * long?  (Its checksum is checked when it is read.) */
static int head_ok(const unsigned char *p)
{
	size_t len = get32(p);
	if (len < FIXED + 8 || len % 8 || len > ENTRY_MAX || get32(p + 4))
		return 0;
	uint64_t strings = (uint64_t)get32(p + 48) + get32(p + 52) + get32(p + 56) + get32(p + 60);
	return strings <= len - FIXED - 8 && (int64_t)get64(p + 32) >= -1 &&
	       (int64_t)get64(p + 40) >= 0;
}

static int entry_ok(const unsigned char *p, size_t len)
{
	return get32(p) == len && head_ok(p) && get64(p + len - 8) == mh_state_checksum(p, len - 8);
}

/* Bytes off..off+len of the file, through the window; NULL when the file
 * is shorter or unreadable. */
static const unsigned char *window(struct mh_cache *c, uint64_t off, size_t len)
{
	if (off >= c->win_off && off + len <= c->win_off + c->win_len)
		return c->win + (off - c->win_off);
	size_t want = len > MH_CACHE_WINDOW ? len : MH_CACHE_WINDOW;
	if (want > c->win_cap) {
		unsigned char *w = realloc(c->win, want);
		if (!w)
			return NULL;
		c->win = w;
		c->win_cap = want;
	}
	c->win_off = off;
	c->win_len = 0;
	while (c->win_len < want) {
		ssize_t r =
		    pread(c->fd, c->win + c->win_len, want - c->win_len, (off_t)(off + c->win_len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		c->win_len += (size_t)r;
	}
	return c->win_len >= len ? c->win : NULL;
}

int mh_cache_load_fd(struct mh_cache *c, int fd)
{
	struct stat sb;
	unsigned char magic[8];
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || pread(fd, magic, 8, 0) != 8 ||
	    memcmp(magic, MAGIC, 8)) {
		close(fd);
		return 0;
	}
	c->fd = fd;
	uint64_t size = (uint64_t)sb.st_size, off = 8, cap = 0, n = 0;
	if (size > MH_CACHE_FILE_MAX)
		size = MH_CACHE_FILE_MAX;
	struct mh_cache_slot *idx = NULL;
	for (;;) {
		const unsigned char *p = off + FIXED <= size ? window(c, off, FIXED) : NULL;
		if (!p || !head_ok(p) || off + get32(p) > size)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct mh_cache_slot *x = realloc(idx, cap * sizeof *x);
			if (!x)
				break;
			idx = x;
		}
		struct mh_cache_slot *s = &idx[n++];
		s->id.ino = get64(p + 8);
		s->id.size = (int64_t)get64(p + 16);
		s->id.mtime_ns = (int64_t)get64(p + 24);
		s->crlf_size = (int64_t)get64(p + 32);
		s->ref = file_ref(off, get32(p));
		off += get32(p);
	}
	if (n)
		qsort(idx, n, sizeof *idx, cmp_slot);
	free(c->idx); /* (none: c is empty) */
	size_t k = 0; /* keep the last of equal identities */
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || cmp_id(&idx[i + 1].id, &idx[i].id))
			idx[k++] = idx[i];
	c->idx = idx;
	c->nidx = k;
	c->file_len = off == (uint64_t)sb.st_size ? off : 0; /* damaged: rewrite at the next save */
	return 1;
}

int mh_cache_load(struct mh_cache *c, int dirfd)
{
	int fd = openat(dirfd, MH_CACHE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 && mh_cache_load_fd(c, fd);
}

mh_cache_ref mh_cache_find(const struct mh_cache *c, const struct mh_ident *id, int64_t *crlf_size)
{
	size_t lo = 0, hi = c->nidx;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_id(&c->idx[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->nidx || cmp_id(&c->idx[lo].id, id))
		return 0;
	if (crlf_size)
		*crlf_size = c->idx[lo].crlf_size;
	return c->idx[lo].ref;
}

mh_cache_ref mh_cache_add(struct mh_cache *c, const struct mh_meta *m)
{
	if (m->env_len > MH_CACHE_STRING_MAX || m->body_len > MH_CACHE_STRING_MAX ||
	    m->bs_len > MH_CACHE_STRING_MAX || m->fields_len > MH_CACHE_STRING_MAX ||
	    m->crlf_size < -1 || m->hdr_len < 0)
		return 0;
	size_t strings = (size_t)m->env_len + m->body_len + m->bs_len + m->fields_len;
	size_t len = (FIXED + strings + 7) / 8 * 8 + 8;
	if (c->nfresh == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		unsigned char **x = realloc(c->fresh, cap * sizeof *x);
		if (!x)
			return 0;
		c->fresh = x;
		c->cap = cap;
	}
	unsigned char *e = calloc(1, len);
	if (!e)
		return 0;
	put32(e, (uint32_t)len);
	put64(e + 8, m->id.ino);
	put64(e + 16, (uint64_t)m->id.size);
	put64(e + 24, (uint64_t)m->id.mtime_ns);
	put64(e + 32, (uint64_t)m->crlf_size);
	put64(e + 40, (uint64_t)m->hdr_len);
	put32(e + 48, m->env_len);
	put32(e + 52, m->body_len);
	put32(e + 56, m->bs_len);
	put32(e + 60, m->fields_len);
	unsigned char *p = e + FIXED;
	memcpy(p, m->env, m->env_len);
	memcpy(p += m->env_len, m->body, m->body_len);
	memcpy(p += m->body_len, m->bs, m->bs_len);
	memcpy(p += m->bs_len, m->fields, m->fields_len);
	put64(e + len - 8, mh_state_checksum(e, len - 8));
	c->fresh[c->nfresh++] = e;
	return (mh_cache_ref)c->nfresh << 1 | 1;
}

const unsigned char *mh_cache_get(struct mh_cache *c, mh_cache_ref r)
{
	if (r & 1) {
		size_t i = (size_t)(r >> 1);
		if (i == 0 || i > c->nfresh) {
			errno = EINVAL;
			return NULL;
		}
		return c->fresh[i - 1];
	}
	if (!r) {
		errno = EINVAL;
		return NULL;
	}
	size_t len = ref_len(r);
	const unsigned char *p = c->fd >= 0 ? window(c, ref_off(r), len) : NULL;
	if (!p || !entry_ok(p, len)) {
		c->file_len = 0; /* changed under us, or damaged: rewrite it */
		errno = EIO;
		return NULL;
	}
	return p;
}

/* Buffered writing of whole entries. */
struct out {
	int fd, ok;
	size_t n;
	uint64_t total;
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

static size_t entry_len(mh_cache_ref r, const struct mh_cache *c)
{
	if (!(r & 1))
		return ref_len(r);
	size_t i = (size_t)(r >> 1);
	return i && i <= c->nfresh ? get32(c->fresh[i - 1]) : 0;
}

static void slot_of(struct mh_cache_slot *s, const unsigned char *e, mh_cache_ref r)
{
	struct mh_meta m;
	mh_meta_get(e, &m);
	s->id = m.id;
	s->crlf_size = m.crlf_size;
	s->ref = r;
}

/* Write entries live[from..n) that pass `which` to o, starting at file
 * offset base, with their new refs in nref and index slots in slots
 * (*ns of them). */
static void write_live(struct mh_cache *c, struct out *o, const mh_cache_ref *live, size_t n,
                       int fresh_only, mh_cache_ref *nref, struct mh_cache_slot *slots, size_t *ns)
{
	for (size_t i = 0; i < n && o->ok; i++) {
		nref[i] = live[i];
		if (!live[i] || (fresh_only && !(live[i] & 1)))
			continue;
		const unsigned char *e = mh_cache_get(c, live[i]);
		if (!e) {
			nref[i] = 0;
			continue;
		}
		size_t len = get32(e);
		nref[i] = file_ref(o->total, len);
		slot_of(&slots[(*ns)++], e, nref[i]);
		put(o, e, len);
	}
}

/* Merge the sorted slots add[0..k) into c->idx (equal identities: the
 * new one), then drop the duplicates. */
static int merge_idx(struct mh_cache *c, struct mh_cache_slot *add, size_t k, int replace)
{
	qsort(add, k, sizeof *add, cmp_slot);
	size_t base = replace ? 0 : c->nidx;
	struct mh_cache_slot *x = malloc((base + k ? base + k : 1) * sizeof *x);
	if (!x)
		return 0;
	size_t i = 0, j = 0, n = 0;
	while (i < base || j < k) {
		struct mh_cache_slot s;
		if (j == k || (i < base && cmp_id(&c->idx[i].id, &add[j].id) < 0))
			s = c->idx[i++];
		else if (i < base && !cmp_id(&c->idx[i].id, &add[j].id))
			i++, s = add[j++]; /* the new entry wins */
		else
			s = add[j++];
		if (n && !cmp_id(&x[n - 1].id, &s.id))
			x[n - 1] = s;
		else
			x[n++] = s;
	}
	free(c->idx);
	c->idx = x;
	c->nidx = n;
	return 1;
}

static int save(struct mh_cache *c, int dirfd, mh_cache_ref *live, size_t n, int rewrite)
{
	static struct out o;
	int fd;
	struct stat sb, mine;
	if (rewrite) {
		fd = openat(dirfd, TMP_FILE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		            0600);
	} else {
		fd = openat(dirfd, MH_CACHE_FILE, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && (fstat(fd, &sb) < 0 || c->fd < 0 || fstat(c->fd, &mine) < 0 ||
		                sb.st_ino != mine.st_ino || sb.st_dev != mine.st_dev ||
		                (uint64_t)sb.st_size != c->file_len)) {
			close(fd); /* not the file this process wrote */
			return save(c, dirfd, live, n, 1);
		}
	}
	if (fd < 0)
		return rewrite ? 0 : save(c, dirfd, live, n, 1);
	mh_cache_ref *nref = malloc((n ? n : 1) * sizeof *nref);
	struct mh_cache_slot *slots = malloc((n ? n : 1) * sizeof *slots);
	size_t ns = 0;
	o.fd = fd;
	o.ok = nref && slots;
	o.n = 0;
	o.total = rewrite ? 0 : c->file_len;
	if (rewrite)
		put(&o, MAGIC, 8);
	write_live(c, &o, live, n, !rewrite, nref, slots, &ns);
	flush(&o);
	/* No fsync: losing the cache in a crash costs only time. */
	int ok = o.ok && (!rewrite || renameat(dirfd, TMP_FILE, dirfd, MH_CACHE_FILE) == 0);
	int e = errno;
	if (ok)
		ok = merge_idx(c, slots, ns, rewrite);
	if (!ok) {
		close(fd);
		if (rewrite)
			unlinkat(dirfd, TMP_FILE, 0);
		else
			c->file_len = 0; /* a torn append: rewrite next time */
		free(nref);
		free(slots);
		errno = e;
		return 0;
	}
	memcpy(live, nref, n * sizeof *live);
	free(nref);
	free(slots);
	if (rewrite) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = fd;
		c->win_len = 0;
	} else {
		close(fd);
	}
	c->file_len = o.total;
	drop_fresh(c);
	return 1;
}

int mh_cache_save(struct mh_cache *c, int dirfd, mh_cache_ref *live, size_t n)
{
	uint64_t live_bytes = 0, unsaved = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = entry_len(live[i], c);
		live_bytes += len;
		unsaved += live[i] & 1 ? len : 0;
	}
	if (!unsaved && c->file_len && c->file_len <= 2 * live_bytes + MH_CACHE_SLACK) {
		drop_fresh(c);
		return 1;
	}
	return save(c, dirfd, live, n,
	            !c->file_len || c->file_len + unsaved > 2 * live_bytes + MH_CACHE_SLACK);
}
