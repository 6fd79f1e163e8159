/* mh_state: the per-folder UID state file and its reconciliation with the
 * folder (format and rules in mh_state.h). */
#include "mh_state.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_BYTES 64
#define RECORD_BYTES 32
#define TRAILER_BYTES 8
#define UID_MAX 0xfffffffeu /* so that UIDNEXT fits in 32 bits */

static const char magic[8] = {'a', 's', 'i', 'm', 'a', 'p', 'S', '\n'};

_Static_assert(sizeof(struct mh_state_msg) == RECORD_BYTES, "record layout");

void mh_state_free(struct mh_state *st)
{
	free(st->m);
	memset(st, 0, sizeof *st);
}

void mh_state_diff_free(struct mh_state_diff *d)
{
	free(d->expunged);
	free(d->changed);
	memset(d, 0, sizeof *d);
}

/* ---- little-endian helpers and the checksum ---- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LE 1
#else
#define HOST_LE 0
#endif

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return HOST_LE ? v : __builtin_bswap64(v);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return HOST_LE ? v : __builtin_bswap32(v);
}

static void put64(unsigned char *p, uint64_t v)
{
	v = HOST_LE ? v : __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	v = HOST_LE ? v : __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

#define K1 0x9e3779b185ebca87ull
#define K2 0xc2b2ae3d27d4eb4full
#define K3 0x165667b19e3779f9ull

static uint64_t rotl(uint64_t v, int r)
{
	return (v << r) | (v >> (64 - r));
}

static uint64_t mix(uint64_t acc, uint64_t w)
{
	return rotl(acc + w * K2, 31) * K1;
}

static void ck_init(uint64_t v[4])
{
	v[0] = K1 + K2;
	v[1] = K2;
	v[2] = 0;
	v[3] = 0 - K1;
}

/* Whole 32-byte blocks of p[0..len); returns the bytes left over. */
static size_t ck_blocks(uint64_t v[4], const unsigned char *p, size_t len)
{
	for (; len >= 32; len -= 32, p += 32)
		for (int i = 0; i < 4; i++)
			v[i] = mix(v[i], get64(p + 8 * i));
	return len;
}

/* The rest (under 32 bytes) and the total length. */
static uint64_t ck_final(const uint64_t v[4], const unsigned char *p, size_t rest, size_t total)
{
	const unsigned char *end = p + rest;
	uint64_t h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18) + total;
	for (; end - p >= 8; p += 8)
		h = rotl(h ^ mix(0, get64(p)), 27) * K1 + K3;
	for (; p < end; p++)
		h = rotl(h ^ (*p * K3), 11) * K1;
	h ^= h >> 33;
	h *= K2;
	h ^= h >> 29;
	h *= K3;
	return h ^ (h >> 32);
}

uint64_t mh_state_checksum(const void *data, size_t len)
{
	uint64_t v[4];
	ck_init(v);
	size_t rest = ck_blocks(v, data, len);
	return ck_final(v, (const unsigned char *)data + (len - rest), rest, len);
}

/* ---- encode / decode ---- */

/* Numbers and UIDs strictly ascend, UIDs below UIDNEXT. */
static int valid(const struct mh_state *st)
{
	if (st->uidvalidity == 0 || st->uidnext == 0 || st->n > MH_STATE_MSGS_MAX)
		return 0;
	for (size_t i = 0; i < st->n; i++) {
		const struct mh_state_msg *m = &st->m[i];
		if (m->num == 0 || m->uid == 0 || m->uid >= st->uidnext)
			return 0;
		if (i && (m->num <= m[-1].num || m->uid <= m[-1].uid))
			return 0;
	}
	return 1;
}

int mh_state_encode(const struct mh_state *st, char **out, size_t *len)
{
	if (!valid(st)) {
		errno = EINVAL;
		return 0;
	}
	size_t size = HEADER_BYTES + st->n * RECORD_BYTES + TRAILER_BYTES;
	unsigned char *b = calloc(1, size), *p;
	if (!b)
		return 0;
	memcpy(b, magic, 8);
	put32(b + 8, MH_STATE_VERSION);
	put32(b + 12, HEADER_BYTES);
	put32(b + 16, st->uidvalidity);
	put32(b + 20, st->uidnext);
	put64(b + 24, st->n);
	put32(b + 32, st->recent_uid < st->uidnext ? st->recent_uid : st->uidnext - 1);
	put32(b + 36, 0);
	put64(b + 40, st->seqfile.ino);
	put64(b + 48, (uint64_t)st->seqfile.size);
	put64(b + 56, (uint64_t)st->seqfile.mtime_ns);
	p = b + HEADER_BYTES;
	if (HOST_LE) {
		if (st->n)
			memcpy(p, st->m, st->n * RECORD_BYTES);
	} else {
		for (size_t i = 0; i < st->n; i++, p += RECORD_BYTES) {
			put32(p, st->m[i].num);
			put32(p + 4, st->m[i].uid);
			put64(p + 8, st->m[i].id.ino);
			put64(p + 16, (uint64_t)st->m[i].id.size);
			put64(p + 24, (uint64_t)st->m[i].id.mtime_ns);
		}
	}
	put64(b + size - TRAILER_BYTES, mh_state_checksum(b, size - TRAILER_BYTES));
	*out = (char *)b;
	*len = size;
	return 1;
}

static int corrupt(struct mh_state *st, uint32_t hint)
{
	mh_state_free(st);
	st->uidvalidity = hint;
	errno = EBADMSG;
	return 0;
}

/* The header (HEADER_BYTES at b) of a file of len bytes into st (no
 * records yet): 1, or 0 via corrupt(). */
static int decode_header(const unsigned char *b, size_t len, struct mh_state *st)
{
	memset(st, 0, sizeof *st);
	if (len < HEADER_BYTES + TRAILER_BYTES || memcmp(b, magic, 8) != 0 ||
	    get32(b + 8) != MH_STATE_VERSION || get32(b + 12) != HEADER_BYTES)
		return corrupt(st, 0);
	uint64_t n = get64(b + 24);
	if (n > MH_STATE_MSGS_MAX || len != HEADER_BYTES + n * RECORD_BYTES + TRAILER_BYTES)
		return corrupt(st, get32(b + 16));
	st->uidvalidity = get32(b + 16);
	st->uidnext = get32(b + 20);
	st->n = (size_t)n;
	st->recent_uid = get32(b + 32);
	if (get32(b + 36) || (st->recent_uid && st->recent_uid >= st->uidnext))
		return corrupt(st, get32(b + 16));
	st->seqfile.ino = get64(b + 40);
	st->seqfile.size = (int64_t)get64(b + 48);
	st->seqfile.mtime_ns = (int64_t)get64(b + 56);
	return 1;
}

static void decode_records(const unsigned char *p, struct mh_state_msg *m, size_t n)
{
	if (HOST_LE) {
		if (n)
			memcpy(m, p, n * RECORD_BYTES);
		return;
	}
	for (size_t i = 0; i < n; i++, p += RECORD_BYTES) {
		m[i].num = get32(p);
		m[i].uid = get32(p + 4);
		m[i].id.ino = get64(p + 8);
		m[i].id.size = (int64_t)get64(p + 16);
		m[i].id.mtime_ns = (int64_t)get64(p + 24);
	}
}

int mh_state_decode(const void *data, size_t len, struct mh_state *st)
{
	const unsigned char *b = data;
	if (!decode_header(b, len, st))
		return 0;
	uint32_t hint = st->uidvalidity;
	if (get64(b + len - TRAILER_BYTES) != mh_state_checksum(b, len - TRAILER_BYTES))
		return corrupt(st, hint);
	if (st->n && !(st->m = malloc(st->n * sizeof *st->m))) {
		memset(st, 0, sizeof *st);
		errno = ENOMEM;
		return 0;
	}
	decode_records(b + HEADER_BYTES, st->m, st->n);
	if (!valid(st))
		return corrupt(st, hint);
	return 1;
}

/* ---- the file ---- */

static int read_all(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EBADMSG; /* shrank while we read */
			return 0;
		}
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/* Header, records straight into st->m, trailer: one pass, no copy. */
static int load_fd(int fd, size_t len, struct mh_state *st)
{
	unsigned char head[HEADER_BYTES], tail[TRAILER_BYTES];
	uint64_t v[4];
	if (len < HEADER_BYTES + TRAILER_BYTES || !read_all(fd, (char *)head, HEADER_BYTES))
		return corrupt(st, 0);
	if (!decode_header(head, len, st))
		return 0;
	uint32_t hint = st->uidvalidity;
	if (st->n && !(st->m = malloc(st->n * sizeof *st->m))) {
		memset(st, 0, sizeof *st);
		return -1;
	}
	if (!read_all(fd, (char *)st->m, st->n * RECORD_BYTES) ||
	    !read_all(fd, (char *)tail, TRAILER_BYTES)) {
		if (errno != EBADMSG) {
			mh_state_free(st);
			return -1;
		}
		return corrupt(st, hint);
	}
	ck_init(v);
	ck_blocks(v, head, HEADER_BYTES);
	ck_blocks(v, (const unsigned char *)st->m, st->n * RECORD_BYTES);
	if (get64(tail) != ck_final(v, tail, 0, len - TRAILER_BYTES) || !valid(st))
		return corrupt(st, hint);
	return 1;
}

int mh_state_open_head(int dirfd, struct mh_state *head, struct mh_ident *id)
{
	unsigned char b[HEADER_BYTES];
	struct stat sb;
	memset(head, 0, sizeof *head);
	int fd = openat(dirfd, MH_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
	    pread(fd, b, sizeof b, 0) == (ssize_t)sizeof b &&
	    decode_header(b, (size_t)sb.st_size, head) && head->uidnext) {
		*id = mh_ident_of(&sb);
		return fd;
	}
	close(fd);
	memset(head, 0, sizeof *head);
	return -1;
}

int mh_state_record(int fd, size_t i, struct mh_state_msg *m)
{
	unsigned char b[RECORD_BYTES];
	if (pread(fd, b, sizeof b, (off_t)(HEADER_BYTES + i * RECORD_BYTES)) != (ssize_t)sizeof b)
		return 0;
	decode_records(b, m, 1);
	return 1;
}

int mh_state_uids(int fd, const struct mh_state *head, uint32_t *uid)
{
	unsigned char b[RECORD_BYTES * 1024];
	size_t done = 0;
	uint32_t prev = 0;
	while (done < head->n) {
		size_t k = head->n - done < 1024 ? head->n - done : 1024;
		ssize_t got =
		    pread(fd, b, k * RECORD_BYTES, (off_t)(HEADER_BYTES + done * RECORD_BYTES));
		if (got != (ssize_t)(k * RECORD_BYTES))
			return 0;
		for (size_t i = 0; i < k; i++) {
			uint32_t u = get32(b + i * RECORD_BYTES + 4);
			if (u <= prev || u >= head->uidnext)
				return 0;
			uid[done + i] = prev = u;
		}
		done += k;
	}
	return 1;
}

int mh_state_load(int dirfd, struct mh_state *st)
{
	struct stat sb;
	memset(st, 0, sizeof *st);
	int fd = openat(dirfd, MH_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP) /* a symbolic link is not our file */
			return corrupt(st, 0);
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	size_t max = HEADER_BYTES + (size_t)MH_STATE_MSGS_MAX * RECORD_BYTES + TRAILER_BYTES;
	int rc;
	if (!S_ISREG(sb.st_mode) || sb.st_size < 0 || (uint64_t)sb.st_size > max) {
		rc = corrupt(st, 0);
	} else if (HOST_LE) {
		rc = load_fd(fd, (size_t)sb.st_size, st);
	} else {
		size_t len = (size_t)sb.st_size;
		char *buf = malloc(len ? len : 1);
		rc = -1;
		if (buf && read_all(fd, buf, len))
			rc = mh_state_decode(buf, len, st);
		else if (buf && errno == EBADMSG)
			rc = corrupt(st, 0);
		if (rc == 0 && errno == ENOMEM)
			rc = -1;
		free(buf);
	}
	int err = errno;
	close(fd);
	errno = err;
	return rc;
}

int mh_state_save(int dirfd, const struct mh_state *st)
{
	char *buf;
	size_t len;
	if (!mh_state_encode(st, &buf, &len))
		return 0;
	int ok = fileio_replace(dirfd, MH_STATE_TMP_FILE, MH_STATE_FILE, buf, len, 0600);
	int err = errno;
	free(buf);
	errno = err;
	return ok;
}

uint32_t mh_state_new_uidvalidity(uint32_t old, uint32_t now)
{
	if (now > old)
		return now;
	if (old < 0xffffffffu)
		return old + 1;
	return now ? now : 1; /* nothing is greater: fall back to the clock */
}

/* ---- reconcile ---- */

static uint64_t ident_hash(const struct mh_ident *id)
{
	uint64_t h = id->ino * K1 ^ (uint64_t)id->size * K2 ^ (uint64_t)id->mtime_ns * K3;
	return h ^ (h >> 29);
}

struct work {
	const struct mh_state *old;
	const struct mh_state_file *f;
	size_t n;
	uint32_t *uid;       /* per file, 0: none yet */
	uint32_t *same;      /* per file: 1 + index of the old message at its number, or 0 */
	unsigned char *used; /* per old message */
};

/* Rule 1, by a merge of the two number-sorted lists. */
static void match_numbers(struct work *w)
{
	size_t k = 0;
	for (size_t i = 0; i < w->n; i++) {
		while (k < w->old->n && w->old->m[k].num < w->f[i].num)
			k++;
		if (k == w->old->n || w->old->m[k].num != w->f[i].num)
			continue;
		if (mh_ident_eq(&w->old->m[k].id, &w->f[i].id)) {
			w->uid[i] = w->old->m[k].uid;
			w->used[k] = 1;
		} else {
			w->same[i] = (uint32_t)k + 1;
		}
	}
}

/* Rule 2: identities of old messages not matched yet, in a hash table. */
static int match_identities(struct work *w, size_t *renumbered)
{
	size_t left = 0, size = 16;
	for (size_t k = 0; k < w->old->n; k++)
		left += !w->used[k];
	if (left == 0)
		return 1;
	while (size < 2 * left)
		size *= 2;
	int32_t *slot = malloc(size * sizeof *slot);
	if (!slot)
		return 0;
	memset(slot, 0xff, size * sizeof *slot);
	for (size_t k = 0; k < w->old->n; k++) {
		if (w->used[k])
			continue;
		size_t h = (size_t)ident_hash(&w->old->m[k].id) & (size - 1);
		while (slot[h] >= 0)
			h = (h + 1) & (size - 1);
		slot[h] = (int32_t)k;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (w->uid[i])
			continue;
		size_t h = (size_t)ident_hash(&w->f[i].id) & (size - 1);
		for (; slot[h] >= 0; h = (h + 1) & (size - 1)) {
			size_t k = (size_t)slot[h];
			if (!w->used[k] && mh_ident_eq(&w->old->m[k].id, &w->f[i].id)) {
				w->uid[i] = w->old->m[k].uid;
				w->used[k] = 1;
				(*renumbered)++;
				break;
			}
		}
	}
	free(slot);
	return 1;
}

static int push_uid(uint32_t **v, size_t *n, uint32_t uid)
{
	if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to double */
		uint32_t *p = realloc(*v, (*n ? 2 * *n : 1) * sizeof *p);
		if (!p)
			return 0;
		*v = p;
	}
	(*v)[(*n)++] = uid;
	return 1;
}

/* Rules 3 to 5; returns the reset reason, or -1 with errno. */
static int assign(struct work *w, struct mh_state *out, struct mh_state_diff *d)
{
	size_t tail = w->n;
	while (tail > 0 && w->uid[tail - 1] == 0)
		tail--;
	uint64_t next = w->old->uidnext;
	int reset = MH_STATE_KEPT;
	for (size_t i = tail; i < w->n; i++, d->nnew++)
		w->uid[i] = next <= UID_MAX ? (uint32_t)next++ : 0;
	if (next > (uint64_t)UID_MAX + 1 || (tail < w->n && w->uid[w->n - 1] == 0))
		reset = MH_STATE_UIDS_EXHAUSTED;
	for (size_t i = 0; i < tail; i++) {
		if (w->uid[i])
			continue;
		size_t k = w->same[i];
		if (k && !w->used[k - 1]) {
			w->uid[i] = w->old->m[k - 1].uid;
			w->used[k - 1] = 1;
			if (!push_uid(&d->changed, &d->nchanged, w->uid[i]))
				return -1;
		} else if (reset == MH_STATE_KEPT) {
			reset = MH_STATE_ORDER_BROKEN;
		}
	}
	for (size_t i = 1; i < w->n && reset == MH_STATE_KEPT; i++)
		if (w->uid[i] <= w->uid[i - 1])
			reset = MH_STATE_ORDER_BROKEN;
	for (size_t k = 0; k < w->old->n; k++)
		if (!w->used[k] && !push_uid(&d->expunged, &d->nexpunged, w->old->m[k].uid))
			return -1;
	out->uidnext = (uint32_t)(next > UID_MAX + 1ull ? UID_MAX + 1ull : next);
	return reset;
}

static int sorted_files(const struct mh_state_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].num == 0 || (i && f[i].num <= f[i - 1].num))
			return 0;
	return 1;
}

int mh_state_reconcile(const struct mh_state *old, const struct mh_state_file *files, size_t n,
                       uint32_t now, struct mh_state *out, struct mh_state_diff *diff)
{
	struct mh_state nothing = {0, 1, NULL, 0, 0, {0, 0, 0}};
	struct work w = {old, files, n, NULL, NULL, NULL};
	int reset = -1;
	memset(out, 0, sizeof *out);
	memset(diff, 0, sizeof *diff);
	int none = old->uidvalidity == 0 || old->uidnext == 0; /* no state (a failed load) */
	if (n > MH_STATE_MSGS_MAX || !sorted_files(files, n) || (!none && !valid(old))) {
		errno = EINVAL;
		return 0;
	}
	if (none)
		w.old = &nothing;
	w.uid = calloc(n ? n : 1, sizeof *w.uid);
	w.same = calloc(n ? n : 1, sizeof *w.same);
	w.used = calloc(w.old->n ? w.old->n : 1, 1);
	out->m = malloc((n ? n : 1) * sizeof *out->m);
	if (!w.uid || !w.same || !w.used || !out->m)
		goto done;
	match_numbers(&w);
	if (!match_identities(&w, &diff->nrenumbered))
		goto done;
	if ((reset = assign(&w, out, diff)) < 0)
		goto done;
	if (none)
		reset = MH_STATE_NO_STATE;
	out->uidvalidity = old->uidvalidity;
	for (size_t i = 0; i < n; i++)
		out->m[i] = (struct mh_state_msg){files[i].num, w.uid[i], files[i].id};
	out->n = n;
	if (reset != MH_STATE_KEPT) {
		struct mh_state_diff fresh = {0};
		mh_state_diff_free(diff);
		*diff = fresh;
		diff->reset = (enum mh_state_reset)reset;
		diff->nnew = n;
		out->uidvalidity = mh_state_new_uidvalidity(old->uidvalidity, now);
		for (size_t i = 0; i < n; i++)
			out->m[i].uid = (uint32_t)i + 1;
		out->uidnext = (uint32_t)n + 1;
	}
	/* Messages found with no state (a folder asimap never saw, or whose
	 * state was lost) arrived before anyone could be told: none recent. */
	out->recent_uid = reset == MH_STATE_KEPT ? old->recent_uid : out->uidnext - 1;
	out->seqfile = old->seqfile;
done:;
	int err = errno;
	free(w.uid);
	free(w.same);
	free(w.used);
	if (reset < 0) {
		mh_state_free(out);
		mh_state_diff_free(diff);
		errno = err ? err : ENOMEM;
		return 0;
	}
	return 1;
}

#define STAMP_MAGIC "asimapT1"
#define STAMP_BYTES 48

int mh_stamp_read(int dirfd, struct mh_stamp *s)
{
	unsigned char b[STAMP_BYTES];
	int fd = openat(dirfd, MH_STAMP_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	ssize_t n = pread(fd, b, sizeof b, 0);
	close(fd);
	if (n != (ssize_t)sizeof b || memcmp(b, STAMP_MAGIC, 8) ||
	    get64(b + 40) != mh_state_checksum(b, 40))
		return 0;
	s->dir_mtime_ns = (int64_t)get64(b + 8);
	s->state_id.ino = get64(b + 16);
	s->state_id.size = (int64_t)get64(b + 24);
	s->state_id.mtime_ns = (int64_t)get64(b + 32);
	return s->dir_mtime_ns != 0;
}

int mh_stamp_write(int fd, const struct mh_stamp *s)
{
	unsigned char b[STAMP_BYTES] = {0};
	memcpy(b, STAMP_MAGIC, 8);
	if (s) {
		put64(b + 8, (uint64_t)s->dir_mtime_ns);
		put64(b + 16, s->state_id.ino);
		put64(b + 24, (uint64_t)s->state_id.size);
		put64(b + 32, (uint64_t)s->state_id.mtime_ns);
	}
	put64(b + 40, mh_state_checksum(b, 40));
	return pwrite(fd, b, sizeof b, 0) == (ssize_t)sizeof b;
}
