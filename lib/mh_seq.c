/* mh_seq: .mh_sequences in nmh's format.  The file's design, and the nmh
 * facts it rests on, are in mh_seq.h.  This file holds the text side
 * (parse, edit, format); the locked read-modify-write follows at the end. */
#include "mh_seq.h"

#include "fileio.h"

#include "dbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void mh_seq_init(struct mh_seqs *s)
{
	memset(s, 0, sizeof *s);
}

void mh_seq_free(struct mh_seqs *s)
{
	for (size_t i = 0; i < s->nseq; i++) {
		free(s->seq[i].name);
		free(s->seq[i].r);
	}
	free(s->seq);
	free(s->rec);
	free(s->buf);
	mh_seq_init(s);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A name we accept from a caller: what an nmh field name can be, without
 * white space or control characters. */
static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > MH_SEQ_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= ' ' || c == ':' || c == 0x7f)
			return 0;
	}
	return 1;
}

/* FNV-1a of a name: compared before the names, so that a file of many
 * sequences does not cost many string comparisons each. */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

static long find_seq(const struct mh_seqs *s, const char *name)
{
	uint32_t h = name_hash(name, strlen(name));
	for (size_t i = 0; i < s->nseq; i++)
		if (s->seq[i].hash == h && strcmp(s->seq[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 1;
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * size);
	if (!q)
		return 0;
	*p = q;
	*cap = c;
	return 1;
}

static int add_rec(struct mh_seqs *s, const char *raw, size_t rawlen, long seq)
{
	if (s->nrec >= MH_SEQ_RECORDS_MAX) {
		errno = E2BIG;
		return 0;
	}
	if (!grow((void **)&s->rec, &s->caprec, s->nrec + 1, sizeof *s->rec))
		return 0;
	s->rec[s->nrec++] = (struct mh_seq_rec){raw, rawlen, seq};
	return 1;
}

/* A new, empty sequence whose line is record rec. */
static long new_seq(struct mh_seqs *s, const char *name, size_t len, size_t rec)
{
	if (!grow((void **)&s->seq, &s->capseq, s->nseq + 1, sizeof *s->seq))
		return -1;
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, name, len);
	copy[len] = 0;
	s->seq[s->nseq] = (struct mh_seq){copy, name_hash(copy, len), NULL, 0, 0, rec, 0};
	return (long)s->nseq++;
}

static int cmp_range(const void *a, const void *b)
{
	const struct mh_seq_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge q's ranges (overlapping and adjacent ones join). */
static void normalise(struct mh_seqs *s, struct mh_seq *q)
{
	size_t out = 0;
	if (q->n == 0)
		return;
	qsort(q->r, q->n, sizeof *q->r, cmp_range);
	for (size_t i = 1; i < q->n; i++) {
		if (q->r[i].lo <= q->r[out].hi + 1) {
			if (q->r[i].hi > q->r[out].hi)
				q->r[out].hi = q->r[i].hi;
		} else {
			q->r[++out] = q->r[i];
		}
	}
	s->nranges -= q->n - (out + 1);
	q->n = out + 1;
}

/* Append lo..hi while parsing; *sorted tracks whether q stays in order. */
static int parse_push(struct mh_seqs *s, struct mh_seq *q, uint32_t lo, uint32_t hi, int *sorted)
{
	if (q->n && *sorted && lo >= q->r[q->n - 1].lo && lo <= q->r[q->n - 1].hi + 1) {
		if (hi > q->r[q->n - 1].hi)
			q->r[q->n - 1].hi = hi;
		return 1;
	}
	if (q->n && lo < q->r[q->n - 1].lo)
		*sorted = 0;
	if (s->nranges >= MH_SEQ_RANGES_MAX) {
		normalise(s, q); /* unsorted input may merge down */
		*sorted = 1;
		if (s->nranges >= MH_SEQ_RANGES_MAX) {
			errno = E2BIG;
			return 0;
		}
		return parse_push(s, q, lo, hi, sorted);
	}
	if (!grow((void **)&q->r, &q->cap, q->n + 1, sizeof *q->r))
		return 0;
	q->r[q->n++] = (struct mh_seq_range){lo, hi};
	s->nranges++;
	return 1;
}

/* nmh's m_atoi: all digits (leading zeros allowed), else 0; we also give
 * 0 for values past MH_SEQ_NUM_MAX. */
static uint32_t atonum(const char *p, size_t n)
{
	uint64_t v = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > MH_SEQ_NUM_MAX)
			return 0;
	}
	return (uint32_t)v;
}

/* The value of a field: tokens "N" and "N-M"; others are ignored, as nmh
 * ignores them. */
static int parse_value(struct mh_seqs *s, struct mh_seq *q, const char *p, const char *end)
{
	int sorted = 1;
	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		const char *t = p;
		while (p < end && !is_space(*p))
			p++;
		if (t == p)
			break;
		const char *dash = memchr(t, '-', (size_t)(p - t));
		uint32_t lo = atonum(t, (size_t)((dash ? dash : p) - t));
		uint32_t hi = dash ? atonum(dash + 1, (size_t)(p - dash - 1)) : lo;
		if (lo == 0 || hi < lo)
			continue;
		if (!parse_push(s, q, lo, hi, &sorted))
			return 0;
	}
	if (!sorted)
		normalise(s, q);
	return 1;
}

/* One record: [p, end) is its first physical line plus continuations. */
static int parse_record(struct mh_seqs *s, const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *line_end = nl ? nl : end;
	const char *colon = memchr(p, ':', (size_t)(line_end - p));
	const char *ne = colon;
	if (colon)
		while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
	if (!colon || ne == p || is_space(*p) || (size_t)(ne - p) > MH_SEQ_NAME_MAX_BYTES ||
	    memchr(p, 0, (size_t)(ne - p)) || memchr(p, '\r', (size_t)(ne - p)))
		return add_rec(s, p, (size_t)(end - p), -1);

	char name[MH_SEQ_NAME_MAX_BYTES + 1];
	memcpy(name, p, (size_t)(ne - p));
	name[ne - p] = 0;
	long i = find_seq(s, name);
	if (i < 0 && (i = new_seq(s, name, (size_t)(ne - p), s->nrec)) < 0)
		return 0;
	struct mh_seq *q = &s->seq[i];
	s->nranges -= q->n; /* the last line of a name wins, as in nmh */
	q->n = 0;
	if (!add_rec(s, p, (size_t)(end - p), i))
		return 0;
	return parse_value(s, q, colon + 1, end);
}

int mh_seq_parse(struct mh_seqs *s, const char *text, size_t len)
{
	if (len > MH_SEQ_FILE_MAX_BYTES) {
		errno = EFBIG;
		return 0;
	}
	if (!(s->buf = malloc(len ? len : 1)))
		return 0;
	if (len)
		memcpy(s->buf, text, len);
	s->len = len;
	const char *p = s->buf, *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl + 1 : end;
		/* continuation lines belong to the record, not after a blank line */
		while (e < end && (*e == ' ' || *e == '\t') && *p != '\n') {
			nl = memchr(e, '\n', (size_t)(end - e));
			e = nl ? nl + 1 : end;
		}
		if (!parse_record(s, p, e)) {
			int err = errno;
			mh_seq_free(s);
			errno = err;
			return 0;
		}
		p = e;
	}
	return 1;
}

/* Decimal digits of v at p; returns the end. */
static char *put_num(char *p, uint32_t v)
{
	char tmp[10];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "name: 1-3 5 7\n", as nmh's seq_save() and seq_list() write it. */
static int put_seq(struct dbuf *b, const struct mh_seq *q)
{
	size_t namelen = strlen(q->name);
	char *start = dbuf_reserve(b, namelen + 2 + q->n * 22), *p = start;
	if (!p)
		return 0;
	memcpy(p, q->name, namelen);
	p += namelen;
	*p++ = ':';
	for (size_t i = 0; i < q->n; i++) {
		*p++ = ' ';
		p = put_num(p, q->r[i].lo);
		if (q->r[i].hi > q->r[i].lo) {
			*p++ = '-';
			p = put_num(p, q->r[i].hi);
		}
	}
	*p++ = '\n';
	dbuf_commit(b, (size_t)(p - start));
	return 1;
}

int mh_seq_format(const struct mh_seqs *s, char **out, size_t *len)
{
	struct dbuf b = DBUF_ZERO;
	for (size_t i = 0; i < s->nrec; i++) {
		const struct mh_seq_rec *r = &s->rec[i];
		const struct mh_seq *q = r->seq >= 0 ? &s->seq[r->seq] : NULL;
		if (q && q->changed && (q->rec != i || q->n == 0))
			continue;
		/* only the file's last line can lack its newline */
		if (b.len && b.p[b.len - 1] != '\n' && !dbuf_put(&b, "\n", 1))
			goto fail;
		if (q && q->changed ? !put_seq(&b, q) : !dbuf_put(&b, r->raw, r->rawlen))
			goto fail;
		if (b.len > MH_SEQ_FILE_MAX_BYTES) {
			dbuf_free(&b, 0);
			errno = EFBIG;
			return 0;
		}
	}
	*out = b.p;
	*len = b.len;
	return 1;
fail:
	dbuf_free(&b, 0);
	return 0;
}

/* The sequence called name, created (with its line: "cur" first, others
 * last, as nmh places them) when create is set.  NULL with errno set. */
static struct mh_seq *get_seq(struct mh_seqs *s, const char *name, int create)
{
	if (!name_ok(name)) {
		errno = EINVAL;
		return NULL;
	}
	long i = find_seq(s, name);
	if (i >= 0)
		return &s->seq[i];
	if (!create) {
		errno = ENOENT;
		return NULL;
	}
	/* cur goes first, unless the file starts with white space, which
	 * would then continue cur's line */
	int first =
	    strcmp(name, "cur") == 0 && !(s->nrec && s->rec[0].raw && s->rec[0].rawlen &&
	                                  (s->rec[0].raw[0] == ' ' || s->rec[0].raw[0] == '\t'));
	if (!add_rec(s, NULL, 0, (long)s->nseq))
		return NULL;
	if ((i = new_seq(s, name, strlen(name), first ? 0 : s->nrec - 1)) < 0) {
		s->nrec--;
		return NULL;
	}
	if (first) {
		struct mh_seq_rec r = s->rec[s->nrec - 1];
		memmove(s->rec + 1, s->rec, (s->nrec - 1) * sizeof *s->rec);
		s->rec[0] = r;
		for (size_t k = 0; k < s->nseq - 1; k++)
			s->seq[k].rec++;
	}
	s->seq[i].changed = 1; /* it has no line yet */
	return &s->seq[i];
}

/* First index whose range ends at or after v. */
static size_t lower(const struct mh_seq *q, uint64_t v)
{
	size_t lo = 0, hi = q->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->r[mid].hi < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace q's ranges [i, j) by the k ranges in with. */
static int replace_ranges(struct mh_seqs *s, struct mh_seq *q, size_t i, size_t j,
                          const struct mh_seq_range *with, size_t k)
{
	if (k > j - i) {
		if (s->nranges + (k - (j - i)) > MH_SEQ_RANGES_MAX) {
			errno = E2BIG;
			return 0;
		}
		if (!grow((void **)&q->r, &q->cap, q->n + (k - (j - i)), sizeof *q->r))
			return 0;
	}
	memmove(q->r + i + k, q->r + j, (q->n - j) * sizeof *q->r);
	memcpy(q->r + i, with, k * sizeof *q->r);
	s->nranges = s->nranges - (j - i) + k;
	q->n = q->n - (j - i) + k;
	q->changed = 1;
	return 1;
}

static int range_ok(uint32_t lo, uint32_t hi)
{
	if (lo == 0 || hi < lo || hi > MH_SEQ_NUM_MAX) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int mh_seq_add(struct mh_seqs *s, const char *name, uint32_t lo, uint32_t hi)
{
	if (!range_ok(lo, hi))
		return 0;
	long known = name_ok(name) ? find_seq(s, name) : -1;
	struct mh_seq *q = get_seq(s, name, 1);
	if (!q)
		return 0;
	size_t i = lower(q, (uint64_t)lo - 1); /* ranges touching lo.. */
	size_t j = i;
	while (j < q->n && q->r[j].lo <= (uint64_t)hi + 1)
		j++;
	if (j == i + 1 && q->r[i].lo <= lo && q->r[i].hi >= hi)
		return 1; /* already there */
	struct mh_seq_range m = {lo, hi};
	if (j > i) {
		m.lo = q->r[i].lo < lo ? q->r[i].lo : lo;
		m.hi = q->r[j - 1].hi > hi ? q->r[j - 1].hi : hi;
	}
	if (replace_ranges(s, q, i, j, &m, 1))
		return 1;
	if (known < 0) { /* undo the creation */
		int err = errno;
		free(q->name);
		free(q->r);
		s->nseq--;
		size_t at = q->rec;
		memmove(s->rec + at, s->rec + at + 1, (s->nrec - at - 1) * sizeof *s->rec);
		s->nrec--;
		if (at == 0)
			for (size_t k = 0; k < s->nseq; k++)
				s->seq[k].rec--;
		errno = err;
	}
	return 0;
}

int mh_seq_remove(struct mh_seqs *s, const char *name, uint32_t lo, uint32_t hi)
{
	if (!range_ok(lo, hi))
		return 0;
	struct mh_seq *q = get_seq(s, name, 0);
	if (!q)
		return errno == ENOENT;
	size_t i = lower(q, lo), j = i;
	while (j < q->n && q->r[j].lo <= hi)
		j++;
	if (i == j)
		return 1;
	struct mh_seq_range keep[2];
	size_t k = 0;
	if (q->r[i].lo < lo)
		keep[k++] = (struct mh_seq_range){q->r[i].lo, lo - 1};
	if (q->r[j - 1].hi > hi)
		keep[k++] = (struct mh_seq_range){hi + 1, q->r[j - 1].hi};
	return replace_ranges(s, q, i, j, keep, k);
}

static const struct mh_seq *find_const(const struct mh_seqs *s, const char *name)
{
	long i = find_seq(s, name);
	return i >= 0 && s->seq[i].n ? &s->seq[i] : NULL;
}

int mh_seq_has(const struct mh_seqs *s, const char *name, uint32_t num)
{
	const struct mh_seq *q = find_const(s, name);
	if (!q)
		return 0;
	size_t i = lower(q, num);
	return i < q->n && q->r[i].lo <= num;
}

int mh_seq_get(const struct mh_seqs *s, const char *name, const struct mh_seq_range **r, size_t *n)
{
	const struct mh_seq *q = find_const(s, name);
	if (!q)
		return 0;
	*r = q->r;
	*n = q->n;
	return 1;
}

int mh_seq_each(const struct mh_seqs *s, mh_seq_each_fn fn, void *ctx)
{
	for (size_t i = 0; i < s->nrec; i++) {
		long k = s->rec[i].seq;
		if (k < 0 || s->seq[k].rec != i || s->seq[k].n == 0)
			continue;
		if (!fn(ctx, s->seq[k].name, s->seq[k].r, s->seq[k].n))
			return 0;
	}
	return 1;
}

/* ---- the file: locked reads and atomic read-modify-write ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A whole-file lock of type on fd, polled until deadline (nmh polls too:
 * it never blocks in fcntl).  1, or 0 with errno (EAGAIN: timed out). */
static int lock_fd(int fd, short type, int64_t deadline)
{
	struct flock fl;
	int cmd = F_OFD_SETLK;
	long delay_ms = 1;
	for (;;) {
		memset(&fl, 0, sizeof fl);
		fl.l_type = type;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, cmd, &fl) == 0)
			return 1;
		if (errno == EINVAL && cmd == F_OFD_SETLK) {
			cmd = F_SETLK; /* a kernel without OFD locks */
			continue;
		}
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return 0;
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			errno = EAGAIN;
			return 0;
		}
		if (delay_ms > left)
			delay_ms = (long)left;
		struct timespec ts = {0, delay_ms * 1000000L};
		nanosleep(&ts, NULL);
		if (delay_ms < 8)
			delay_ms *= 2;
	}
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Is fd still the file at MH_SEQ_FILE in dirfd?  1 yes, 0 no (start
 * again), -1 error. */
static int still_there(int dirfd, int fd, struct stat *sb)
{
	struct stat path;
	if (fstat(fd, sb) < 0)
		return -1;
	if (fstatat(dirfd, MH_SEQ_FILE, &path, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return sb->st_nlink > 0 && path.st_ino == sb->st_ino && path.st_dev == sb->st_dev;
}

/* Read fd whole (at most MH_SEQ_FILE_MAX_BYTES) into *buf (malloc'd). */
static int read_all(int fd, const struct stat *sb, char **buf, size_t *len)
{
	if (!S_ISREG(sb->st_mode)) {
		errno = EINVAL;
		return 0;
	}
	if (sb->st_size > (off_t)MH_SEQ_FILE_MAX_BYTES) {
		errno = EFBIG;
		return 0;
	}
	size_t cap = (size_t)sb->st_size + 1, n = 0;
	char *b = malloc(cap);
	if (!b)
		return 0;
	for (;;) {
		ssize_t r = pread(fd, b + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return 0;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) { /* grew while we read: a writer without the lock */
			char *nb = cap > MH_SEQ_FILE_MAX_BYTES ? NULL : realloc(b, cap * 2);
			if (!nb) {
				free(b);
				errno = cap > MH_SEQ_FILE_MAX_BYTES ? EFBIG : ENOMEM;
				return 0;
			}
			b = nb;
			cap *= 2;
		}
	}
	*buf = b;
	*len = n;
	return 1;
}

/* Open and lock the file: returns the fd, -1 with errno ENOENT when there
 * is none, or -2 with errno on failure. */
static int open_locked(int dirfd, int lock, int update, int64_t deadline, struct stat *sb)
{
	for (int tries = 0; tries < MH_SEQ_RETRIES && (tries == 0 || now_ms() < deadline);
	     tries++) {
		int fd = openat(dirfd, MH_SEQ_FILE,
		                (update ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return errno == ENOENT ? -1 : -2;
		if (lock && !lock_fd(fd, update ? F_WRLCK : F_RDLCK, deadline)) {
			int err = errno;
			close(fd);
			errno = err;
			return -2;
		}
		int there = still_there(dirfd, fd, sb);
		if (there > 0)
			return fd;
		int err = errno;
		close(fd);
		if (there < 0) {
			errno = err;
			return -2;
		}
	}
	errno = EAGAIN;
	return -2;
}

static int load_by(int dirfd, int lock, int64_t deadline, struct mh_seqs *s)
{
	struct stat sb;
	char *buf;
	size_t len;
	int fd = open_locked(dirfd, lock, 0, deadline, &sb);
	if (fd == -1)
		return 1; /* missing: no sequences */
	if (fd < 0)
		return 0;
	int ok = read_all(fd, &sb, &buf, &len);
	int err = errno;
	close(fd); /* releases the lock */
	if (ok) {
		ok = mh_seq_parse(s, buf, len);
		err = errno;
		free(buf);
	}
	if (ok) {
		s->ino = (uint64_t)sb.st_ino;
		s->size = (int64_t)len;
		s->mtime_ns = ns_of(&sb.st_mtim);
		s->mode = (uint32_t)(sb.st_mode & 07777);
	}
	errno = err;
	return ok;
}

int mh_seq_load(int dirfd, int lock, struct mh_seqs *s)
{
	return load_by(dirfd, lock, now_ms() + MH_SEQ_LOCK_WAIT_MS, s);
}

/* The new text in MH_SEQ_TMP_FILE, on disk, with the given mode. */
static int write_tmp(int dirfd, const char *text, size_t len, mode_t mode)
{
	unlinkat(dirfd, MH_SEQ_TMP_FILE, 0);
	int fd = openat(dirfd, MH_SEQ_TMP_FILE,
	                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return 0;
	if (fchmod(fd, mode) < 0 || !fileio_write_all(fd, text, len) || fsync(fd) < 0) {
		int err = errno;
		close(fd);
		unlinkat(dirfd, MH_SEQ_TMP_FILE, 0);
		errno = err;
		return 0;
	}
	return close(fd) == 0;
}

/* The new text in a file without a name (O_TMPFILE), on disk, written
 * before we lock: a crash leaves nothing behind.  Returns its fd; -1 when
 * the file system has no O_TMPFILE (the text is then written under the
 * lock); -2 with errno on failure. */
static int write_unnamed(int dirfd, const char *text, size_t len, mode_t mode)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? -1 : -2;
	if (fchmod(fd, mode) < 0 || !fileio_write_all(fd, text, len) || fsync(fd) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -2;
	}
	return fd;
}

/* Under the lock: give the unnamed file the temporary name, or write the
 * named one now; owned as the file it replaces (old) when we are root. */
static int name_tmp(int dirfd, int tmpfd, const char *text, size_t len, const struct stat *old)
{
	char path[64];
	int ok = 0;
	if (tmpfd >= 0) {
		unlinkat(dirfd, MH_SEQ_TMP_FILE, 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", tmpfd);
		ok = linkat(AT_FDCWD, path, dirfd, MH_SEQ_TMP_FILE, AT_SYMLINK_FOLLOW) == 0;
	}
	if (!ok && !write_tmp(dirfd, text, len, old->st_mode & 07777)) /* (or no /proc) */
		return 0;
	if (geteuid() == 0)
		(void)!fchownat(dirfd, MH_SEQ_TMP_FILE, old->st_uid, old->st_gid,
		                AT_SYMLINK_NOFOLLOW);
	return 1;
}

/* Step 5 of the design: the replaced inode becomes unreadable to nmh. */
static void poison(int fd)
{
	struct stat sb;
	if (fstat(fd, &sb) == 0 && sb.st_nlink == 0 && ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, MH_SEQ_POISON, sizeof MH_SEQ_POISON - 1, 0);
}

enum { UPD_DONE = 1, UPD_AGAIN = 0, UPD_FAIL = -1 };

/* The file is missing: create it empty (no sequences, as missing), and
 * start again on it, under its lock. */
static int create_empty(int dirfd)
{
	int fd = openat(dirfd, MH_SEQ_FILE,
	                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return errno == EEXIST ? UPD_AGAIN : UPD_FAIL;
	close(fd);
	return UPD_AGAIN;
}

/* Steps 1, 2, 4 and 5: under the write lock, the file still holds the
 * text s was read from (else start again): replace it. */
static int commit(int dirfd, int lock, const struct mh_seqs *s, int tmpfd, const char *text,
                  size_t len, int64_t deadline)
{
	struct stat sb;
	char *now;
	size_t nowlen;
	int fd = open_locked(dirfd, lock, 1, deadline, &sb);
	if (fd == -1)
		return UPD_AGAIN; /* removed meanwhile */
	if (fd < 0)
		return UPD_FAIL;
	int rc = UPD_FAIL;
	if (read_all(fd, &sb, &now, &nowlen)) {
		int same = nowlen == s->len && (nowlen == 0 || memcmp(now, s->buf, nowlen) == 0);
		rc = same ? UPD_DONE : UPD_AGAIN;
		free(now);
	}
	if (rc == UPD_DONE && (!name_tmp(dirfd, tmpfd, text, len, &sb) ||
	                       renameat(dirfd, MH_SEQ_TMP_FILE, dirfd, MH_SEQ_FILE) < 0)) {
		int err = errno;
		unlinkat(dirfd, MH_SEQ_TMP_FILE, 0);
		errno = err;
		rc = UPD_FAIL;
	}
	if (rc == UPD_DONE && lock)
		poison(fd);
	int err = errno;
	close(fd); /* releases the lock */
	errno = err;
	return rc;
}

/* One try: read (under the read lock), edit, write the new text to an
 * unnamed file (no lock held), commit (under the write lock). */
static int update_once(int dirfd, int lock, mh_seq_edit_fn fn, void *ctx, int64_t deadline)
{
	struct mh_seqs s;
	char *text = NULL;
	size_t len = 0;
	int rc = UPD_FAIL, tmpfd = -1;
	mh_seq_init(&s);
	if (!load_by(dirfd, lock, deadline, &s))
		return UPD_FAIL;
	/* edits leave s.buf and s.len, the text read, as they were */
	if (!fn(&s, ctx) || !mh_seq_format(&s, &text, &len))
		goto out;
	if (len == s.len && (len == 0 || memcmp(text, s.buf, len) == 0)) {
		rc = UPD_DONE; /* nothing changed: nothing to write (a missing file stays so) */
		goto out;
	}
	if (s.ino == 0) {
		rc = create_empty(dirfd);
		goto out;
	}
	if ((tmpfd = write_unnamed(dirfd, text, len, (mode_t)s.mode)) == -2)
		goto out;
	rc = commit(dirfd, lock, &s, tmpfd, text, len, deadline);
	if (rc == UPD_DONE && fsync(dirfd) < 0)
		rc = UPD_FAIL;
out:;
	int err = errno;
	if (tmpfd >= 0)
		close(tmpfd);
	free(text);
	mh_seq_free(&s);
	errno = err;
	return rc;
}

int mh_seq_update(int dirfd, int lock, mh_seq_edit_fn fn, void *ctx)
{
	int64_t deadline = now_ms() + MH_SEQ_LOCK_WAIT_MS;
	for (int tries = 0; tries < MH_SEQ_RETRIES && (tries == 0 || now_ms() < deadline);
	     tries++) {
		int rc = update_once(dirfd, lock, fn, ctx, deadline);
		if (rc != UPD_AGAIN)
			return rc == UPD_DONE;
	}
	errno = EAGAIN;
	return 0;
}
