#include "mh_journal.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh_folder.h"
#include "mh_seq.h"

#define LINE_MAX_BYTES 80 /* an entry line: three 20-digit numbers and separators */

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int mh_journal_encode(const struct mh_journal_id *id, size_t n, char **out, size_t *len)
{
	if (n == 0 || n > MH_JOURNAL_BLOCK_MAX) {
		errno = EINVAL;
		return 0;
	}
	size_t cap = 32 + n * LINE_MAX_BYTES + 32, k = 0;
	char *b = malloc(cap);
	if (!b)
		return 0;
	k += (size_t)snprintf(b + k, cap - k, "B %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		if (id[i].mtime_ns < 0) {
			free(b);
			errno = EINVAL;
			return 0;
		}
		k += (size_t)snprintf(b + k, cap - k, "%llu %llu %lld\n",
		                      (unsigned long long)id[i].ino, (unsigned long long)id[i].size,
		                      (long long)id[i].mtime_ns);
	}
	k += (size_t)snprintf(b + k, cap - k, "E %016llx\n", (unsigned long long)fnv1a(b, k));
	*out = b;
	*len = k;
	return 1;
}

/* A decimal without sign or leading zeros, at most max, ending at sep.
 * Advances *p past sep.  1, or 0. */
static int num(const char **p, const char *end, uint64_t max, char sep, uint64_t *v)
{
	const char *q = *p;
	uint64_t x = 0;
	if (q >= end || *q < '0' || *q > '9' || (*q == '0' && q + 1 < end && q[1] != sep))
		return 0;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		unsigned d = (unsigned)(*q - '0');
		if (x > (max - d) / 10)
			return 0;
		x = x * 10 + d;
	}
	if (q >= end || *q != sep)
		return 0;
	*p = q + 1;
	*v = x;
	return 1;
}

/* One whole block at *p: its entries appended to ids.  1 (advances *p),
 * 0 (not whole: stop), -1 (errno: a limit or memory). */
static int block(const char **p, const char *end, struct mh_journal_id **ids, size_t *n,
                 size_t *cap)
{
	const char *q = *p, *start = *p;
	uint64_t cnt, h;
	if (end - q < 2 || q[0] != 'B' || q[1] != ' ')
		return 0;
	q += 2;
	if (!num(&q, end, MH_JOURNAL_BLOCK_MAX, '\n', &cnt) || cnt == 0)
		return 0;
	if (*n + cnt > MH_JOURNAL_ENTRIES_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (*n + cnt > *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		while (nc < *n + cnt)
			nc *= 2;
		struct mh_journal_id *r = realloc(*ids, nc * sizeof *r);
		if (!r)
			return -1;
		*ids = r;
		*cap = nc;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t ino, size, mt;
		if (!num(&q, end, UINT64_MAX, ' ', &ino) || !num(&q, end, UINT64_MAX, ' ', &size) ||
		    !num(&q, end, INT64_MAX, '\n', &mt))
			return 0;
		(*ids)[*n + i] = (struct mh_journal_id){ino, size, (int64_t)mt};
	}
	uint64_t want = fnv1a(start, (size_t)(q - start));
	if (end - q < 2 + 16 + 1 || q[0] != 'E' || q[1] != ' ' || q[18] != '\n')
		return 0;
	h = 0;
	for (int i = 0; i < 16; i++) {
		char c = q[2 + i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		                                    : 16;
		if (d == 16)
			return 0;
		h = h << 4 | d;
	}
	if (h != want)
		return 0;
	*n += cnt;
	*p = q + 19;
	return 1;
}

int mh_journal_decode(const char *text, size_t len, struct mh_journal_id **ids, size_t *n)
{
	size_t hl = strlen(MH_JOURNAL_HEADER), cap = 0;
	*ids = NULL;
	*n = 0;
	if (len > MH_JOURNAL_FILE_MAX_BYTES) {
		errno = EFBIG;
		return 0;
	}
	if (memcmp(text, MH_JOURNAL_HEADER, len < hl ? len : hl) != 0) {
		errno = EINVAL;
		return 0;
	}
	if (len <= hl)
		return 1; /* torn before any block: nothing was linked */
	const char *p = text + hl, *end = text + len;
	int r;
	while ((r = block(&p, end, ids, n, &cap)) == 1)
		;
	if (r < 0 || *n == 0) {
		int e = errno;
		free(*ids);
		*ids = NULL;
		*n = 0;
		errno = e;
		return r >= 0;
	}
	return 1;
}

int mh_journal_begin(struct mh_journal *j, int dirfd)
{
	j->n = 0;
	j->fd = openat(dirfd, MH_JOURNAL_FILE,
	               O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return 0;
	if (fileio_write_all(j->fd, MH_JOURNAL_HEADER, strlen(MH_JOURNAL_HEADER)) &&
	    fsync(j->fd) == 0 && fsync(dirfd) == 0)
		return 1;
	int e = errno;
	close(j->fd);
	j->fd = -1;
	unlinkat(dirfd, MH_JOURNAL_FILE, 0);
	errno = e;
	return 0;
}

int mh_journal_add(struct mh_journal *j, const struct mh_journal_id *id, size_t n)
{
	if (j->fd < 0) {
		errno = EBADF;
		return 0;
	}
	for (size_t i = 0; i < n; i += MH_JOURNAL_BLOCK_MAX) {
		size_t k = n - i < MH_JOURNAL_BLOCK_MAX ? n - i : MH_JOURNAL_BLOCK_MAX, len;
		char *b;
		if (j->n + k > MH_JOURNAL_ENTRIES_MAX) {
			errno = E2BIG;
			return 0;
		}
		if (!mh_journal_encode(id + i, k, &b, &len))
			return 0;
		int ok = fileio_write_all(j->fd, b, len);
		free(b);
		if (!ok)
			return 0;
		j->n += k;
	}
	return n == 0 || fdatasync(j->fd) == 0;
}

void mh_journal_close(struct mh_journal *j)
{
	int e = errno;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	errno = e;
}

int mh_journal_commit(struct mh_journal *j, int dirfd)
{
	mh_journal_close(j);
	return unlinkat(dirfd, MH_JOURNAL_FILE, 0) == 0 && fsync(dirfd) == 0;
}

/* The journal's text, read whole (capped).  1, 0 with ENOENT when there is
 * none, or 0 with errno. */
static int read_journal(int dirfd, char **text, size_t *len)
{
	int fd = openat(dirfd, MH_JOURNAL_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	*text = NULL;
	*len = 0;
	if (fd < 0)
		return 0;
	int st = fstat(fd, &sb);
	if (st < 0 || !S_ISREG(sb.st_mode)) {
		int e = st < 0 ? errno : EINVAL;
		close(fd);
		errno = e;
		return 0;
	}
	if (sb.st_size > (off_t)MH_JOURNAL_FILE_MAX_BYTES) {
		close(fd);
		errno = EFBIG;
		return 0;
	}
	char *b = malloc((size_t)sb.st_size + 1);
	size_t k = 0;
	while (b && k < (size_t)sb.st_size) {
		ssize_t r = read(fd, b + k, (size_t)sb.st_size - k);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			b = NULL;
		} else if (r == 0) {
			break; /* shorter now: what is there is what counts */
		} else {
			k += (size_t)r;
		}
	}
	int e = errno;
	close(fd);
	if (!b) {
		errno = e;
		return 0;
	}
	*text = b;
	*len = k;
	return 1;
}

static int by_ino(const void *a, const void *b)
{
	const struct mh_journal_id *x = a, *y = b;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* A message name: a positive decimal without leading zeros, as nmh's. */
static int by_num(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

struct found {
	const struct mh_journal_id *ids;
	size_t nids, n, cap;
	uint32_t *nums;
};

static int found_one(void *ctx, uint32_t num, const struct stat *sb)
{
	struct found *f = ctx;
	/* st_ino, not d_ino (which some file systems do not make agree);
	 * size and mtime too: an inode number freed by the crash (a copy
	 * never linked) may have been given to a message nmh wrote since. */
	const struct mh_journal_id *id =
	    bsearch(&(struct mh_journal_id){(uint64_t)sb->st_ino, 0, 0}, f->ids, f->nids,
	            sizeof *f->ids, by_ino);
	int64_t mt = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	if (!id || id->size != (uint64_t)sb->st_size || id->mtime_ns != mt)
		return 1;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 64;
		uint32_t *r = realloc(f->nums, nc * sizeof *r);
		if (!r)
			return 0;
		f->nums = r;
		f->cap = nc;
	}
	f->nums[f->n++] = num;
	return 1;
}

/* The numbers of the folder's files that the journal lists (sorted). */
static int find_copies(int dirfd, const struct mh_journal_id *ids, size_t nids, uint32_t **nums,
                       size_t *n)
{
	struct found f = {ids, nids, 0, 0, NULL};
	*nums = NULL;
	*n = 0;
	if (!mh_msg_files(dirfd, found_one, &f)) {
		int e = errno;
		free(f.nums);
		errno = e;
		return 0;
	}
	if (f.n > 1)
		qsort(f.nums, f.n, sizeof *f.nums, by_num);
	*nums = f.nums;
	*n = f.n;
	return 1;
}

struct unseq {
	const uint32_t *nums;
	size_t n;
	char **names;
	size_t nnames, cap;
};

static int collect(void *ctx, const char *name, const struct mh_seq_range *r, size_t n)
{
	(void)r;
	(void)n;
	struct unseq *u = ctx;
	if (u->nnames == u->cap) {
		size_t nc = u->cap ? u->cap * 2 : 16;
		char **p = realloc(u->names, nc * sizeof *p);
		if (!p)
			return 0;
		u->names = p;
		u->cap = nc;
	}
	return (u->names[u->nnames] = strdup(name)) != NULL && ++u->nnames;
}

/* Take the copies' numbers out of every sequence, run by run. */
static int unseq_apply(struct mh_seqs *s, void *ctx)
{
	struct unseq *u = ctx;
	for (size_t k = 0; k < u->nnames; k++)
		free(u->names[k]);
	u->nnames = 0;
	if (!mh_seq_each(s, collect, u))
		return 0;
	for (size_t k = 0; k < u->nnames; k++)
		for (size_t i = 0; i < u->n;) {
			size_t j = i;
			while (j + 1 < u->n && u->nums[j + 1] == u->nums[j] + 1)
				j++;
			if (!mh_seq_remove(s, u->names[k], u->nums[i], u->nums[j]))
				return 0;
			i = j + 1;
		}
	return 1;
}

static int unsequence(int dirfd, int lock, const uint32_t *nums, size_t n)
{
	struct unseq u = {nums, n, NULL, 0, 0};
	int ok = mh_seq_update(dirfd, lock, unseq_apply, &u);
	int e = errno;
	for (size_t k = 0; k < u.nnames; k++)
		free(u.names[k]);
	free(u.names);
	errno = e;
	return ok;
}

long mh_journal_recover(int dirfd, int lock)
{
	char *text;
	size_t len, nids, n = 0;
	struct mh_journal_id *ids = NULL;
	uint32_t *nums = NULL;
	if (!read_journal(dirfd, &text, &len))
		return errno == ENOENT ? 0 : -1;
	int ok = mh_journal_decode(text, len, &ids, &nids);
	free(text);
	if (ok && nids) {
		qsort(ids, nids, sizeof *ids, by_ino);
		ok = find_copies(dirfd, ids, nids, &nums, &n);
	}
	/* Sequences first: a crash after this leaves the files and the
	 * journal, and the next recovery finds them again. */
	if (ok && n)
		ok = unsequence(dirfd, lock, nums, n);
	for (size_t i = 0; ok && i < n; i++) {
		char name[16];
		snprintf(name, sizeof name, "%u", nums[i]);
		ok = unlinkat(dirfd, name, 0) == 0 || errno == ENOENT;
	}
	ok = ok && fsync(dirfd) == 0 && unlinkat(dirfd, MH_JOURNAL_FILE, 0) == 0 &&
	     fsync(dirfd) == 0;
	int e = errno;
	free(ids);
	free(nums);
	errno = e;
	return ok ? (long)n : -1;
}
