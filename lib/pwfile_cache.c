/* pwfile_cache: look-ups through the password-file index, and when to
 * rebuild it (see pwfile_cache.h; the writer is pwfile_cache_build.c). */
#include "pwfile_cache.h"
#include "pwfile_cache_fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

/* Where the index is read from: an fd (pread) or memory. */
struct src {
	int fd;
	const unsigned char *mem;
	uint64_t len;
};

/* Reads exactly n bytes at off.  Returns 1, or 0 when they are not all
 * there. */
static int src_read(const struct src *s, uint64_t off, void *buf, size_t n)
{
	size_t done = 0;

	if (off > s->len || n > s->len - off)
		return 0;
	if (s->mem) {
		memcpy(buf, s->mem + off, n);
		return 1;
	}
	while (done < n) {
		ssize_t got = pread(s->fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return 0;
		done += (size_t)got;
	}
	return 1;
}

struct index {
	unsigned char key[16];
	uint64_t nslots, table;
};

/* Checks the header against id and the source's length.  Returns 1 or 0. */
static int read_header(const struct src *s, const struct pwfile_cache_id *id, struct index *x)
{
	unsigned char h[PWFILE_CACHE_HEADER_BYTES];
	uint64_t f[7], nrecords, length;

	if (!src_read(s, 0, h, sizeof h) || memcmp(h, PWFILE_CACHE_MAGIC, 16) != 0)
		return 0;
	pwfile_cache_id_fields(id, f);
	for (int i = 0; i < 7; i++)
		if (pwfile_cache_get64(h + PWFILE_CACHE_MAGIC_BYTES + 8 * i) != f[i])
			return 0;
	memcpy(x->key, h + PWFILE_CACHE_KEY_OFF, sizeof x->key);
	x->nslots = pwfile_cache_get32(h + PWFILE_CACHE_NSLOTS_OFF);
	nrecords = pwfile_cache_get32(h + PWFILE_CACHE_NRECORDS_OFF);
	x->table = pwfile_cache_get64(h + PWFILE_CACHE_TABLE_OFF);
	length = pwfile_cache_get64(h + PWFILE_CACHE_LENGTH_OFF);
	if (length != s->len || x->nslots < 16 || (x->nslots & (x->nslots - 1)) != 0)
		return 0;
	if (nrecords > x->nslots / 2 || x->table < PWFILE_CACHE_HEADER_BYTES || x->table > length)
		return 0;
	return length - x->table == x->nslots * PWFILE_CACHE_SLOT_BYTES;
}

/* Reads and parses the record at off, which must carry hash.  Returns 1
 * with e filled, or 0 when the record is not a valid entry. */
static int read_record(const struct src *s, const struct index *x, uint64_t off, uint32_t hash,
                       struct pwfile_entry *e)
{
	unsigned char head[PWFILE_CACHE_RECORD_HEAD_BYTES];
	char line[PWFILE_LINE_MAX];
	size_t len;
	int ok = 0;

	if (off < PWFILE_CACHE_HEADER_BYTES || off > x->table - sizeof head ||
	    !src_read(s, off, head, sizeof head) || pwfile_cache_get32(head) != hash)
		return 0;
	len = pwfile_cache_get16(head + 4);
	if (len <= sizeof line && len <= x->table - off - sizeof head &&
	    src_read(s, off + sizeof head, line, len))
		ok = pwfile_parse_line(line, len, e) == 1;
	sodium_memzero(line, sizeof line);
	return ok;
}

/* Returns 1 with e filled, 0 when the index has no entry for user, -1 when
 * it is not a valid index for id. */
static int find(const struct src *s, const struct pwfile_cache_id *id, const char *path,
                const char *user, size_t userlen, struct pwfile_entry *e)
{
	struct index x;
	unsigned char slot[PWFILE_CACHE_SLOT_BYTES];
	int r = -1;

	pwfile_entry_wipe(e);
	if (!read_header(s, id, &x))
		return -1;
	/* A name that no entry can have (pwfile_parse_line's limits). */
	if (userlen == 0 || userlen > PWFILE_USER_MAX)
		return 0;
	uint32_t hash = pwfile_cache_hash(x.key, user, userlen);
	uint64_t mask = x.nslots - 1, j = hash & mask;
	for (uint64_t probe = 0; probe < x.nslots; probe++, j = (j + 1) & mask) {
		if (!src_read(s, x.table + j * sizeof slot, slot, sizeof slot))
			break;
		uint32_t off = pwfile_cache_get32(slot + 4);
		if (off == 0) {
			r = 0;
			break;
		}
		if (pwfile_cache_get32(slot) != hash)
			continue;
		if (!read_record(s, &x, off, hash, e))
			break;
		if (strlen(e->user) == userlen && memcmp(e->user, user, userlen) == 0 &&
		    pwfile_resolve_maildir(path, e))
			return 1;
		pwfile_entry_wipe(e);
	}
	pwfile_entry_wipe(e);
	return r;
}

int pwfile_cache_find_mem(const unsigned char *img, size_t len, const struct pwfile_cache_id *id,
                          const char *path, const char *user, size_t userlen,
                          struct pwfile_entry *e)
{
	struct src s = {-1, img, len};

	return find(&s, id, path, user, userlen, e);
}

static void id_of(const struct stat *st, struct pwfile_cache_id *id)
{
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->mtime_s = (uint64_t)st->st_mtim.tv_sec;
	id->mtime_ns = (uint64_t)st->st_mtim.tv_nsec;
	id->ctime_s = (uint64_t)st->st_ctim.tv_sec;
	id->ctime_ns = (uint64_t)st->st_ctim.tv_nsec;
}

/* The names of the index, its lock and its temp file for path. */
struct names {
	char index[48], lock[48], tmp[48];
};

static void make_names(const char *path, struct names *n)
{
	unsigned char h[8];
	char hex[2 * sizeof h + 1];

	crypto_generichash(h, sizeof h, (const unsigned char *)path, strlen(path), NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(n->index, sizeof n->index, ".pwfile-%s.index", hex);
	snprintf(n->lock, sizeof n->lock, ".pwfile-%s.lock", hex);
	snprintf(n->tmp, sizeof n->tmp, ".pwfile-%s.tmp", hex);
}

/* Looks up in the index of dirfd/name.  Returns 1, 0, or -1 when there is
 * no usable index for id. */
static int cached(int dirfd, const char *name, const struct pwfile_cache_id *id, const char *path,
                  const char *user, size_t userlen, struct pwfile_entry *e)
{
	struct stat st;
	struct src s = {-1, NULL, 0};
	int r = -1;

	s.fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (s.fd < 0)
		return -1;
	/* Only an index we wrote: ours, and writable by no one else. */
	if (fstat(s.fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    (st.st_mode & 022) == 0 && (uint64_t)st.st_size <= PWFILE_CACHE_FILE_MAX_BYTES) {
		s.len = (uint64_t)st.st_size;
		r = find(&s, id, path, user, userlen, e);
	}
	close(s.fd);
	return r;
}

static void report_errno(pwfile_report_fn *report, void *arg, const char *what, int err)
{
	char msg[160];

	if (!report)
		return;
	snprintf(msg, sizeof msg, "unable to %s: %s", what, strerror(err));
	report(arg, 0, NULL, msg);
}

/* A file changed this recently may change again within one timestamp
 * tick and keep its identity. */
static int settled(const struct stat *st)
{
	time_t now = time(NULL);

	return st->st_mtim.tv_sec < now - PWFILE_CACHE_SETTLE_S &&
	       st->st_ctim.tv_sec < now - PWFILE_CACHE_SETTLE_S;
}

/* Puts the index written on outfd in place when the file it was built
 * from (pwfd, identity id) did not change meanwhile.  Returns 1 or 0. */
static int install(int dirfd, const struct names *n, int outfd, int pwfd,
                   const struct pwfile_cache_id *id)
{
	struct stat st;
	struct pwfile_cache_id now;

	if (fstat(pwfd, &st) != 0)
		return 0;
	id_of(&st, &now);
	if (memcmp(&now, id, sizeof now) != 0 || !settled(&st))
		return 0;
	return fsync(outfd) == 0 && renameat(dirfd, n->tmp, dirfd, n->index) == 0;
}

/* Reads the password file once, looking user up and writing a new index
 * (under the lock, which the caller holds).  Returns the look-up's result. */
static int rebuild(int dirfd, const struct names *n, const char *path, const char *user,
                   size_t userlen, struct pwfile_entry *e, pwfile_report_fn *report, void *arg)
{
	struct stat st;
	struct pwfile_cache_id id;
	unsigned char key[16];
	int pwfd, outfd = -1, written = 0, r, saved;

	pwfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (pwfd < 0)
		return -1;
	if (fstat(pwfd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(pwfd);
		return pwfile_lookup(path, user, userlen, e);
	}
	id_of(&st, &id);
	if (settled(&st) && (uint64_t)st.st_size <= PWFILE_CACHE_FILE_MAX_BYTES) {
		outfd = openat(dirfd, n->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		               0600);
		if (outfd < 0 || fchmod(outfd, 0600) != 0)
			report_errno(report, arg, "write the password file index", errno);
	}
	randombytes_buf(key, sizeof key);
	/* Problems in the file are told once per index written, so once per
	 * change: not while the file settles, nor when no index can be. */
	r = pwfile_cache_build(pwfd, outfd, key, &id, path, user, userlen, e, &written,
	                       outfd >= 0 ? report : NULL, arg);
	saved = errno;
	if (outfd >= 0) {
		if (!(r >= 0 && written && install(dirfd, n, outfd, pwfd, &id)))
			unlinkat(dirfd, n->tmp, 0);
		close(outfd);
	}
	close(pwfd);
	errno = saved;
	return r;
}

int pwfile_lookup_cached_report(const char *path, const char *cachedir, const char *user,
                                size_t userlen, struct pwfile_entry *e, pwfile_report_fn *report,
                                void *arg)
{
	struct stat st;
	struct pwfile_cache_id id;
	struct names n;
	int dirfd, lockfd = -1, r, saved;

	pwfile_entry_wipe(e);
	if (!cachedir || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return pwfile_lookup(path, user, userlen, e);
	dirfd = open(cachedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		report_errno(report, arg, "open the password file index directory", errno);
		return pwfile_lookup(path, user, userlen, e);
	}
	id_of(&st, &id);
	make_names(path, &n);
	r = cached(dirfd, n.index, &id, path, user, userlen, e);
	if (r >= 0)
		goto done;
	lockfd = openat(dirfd, n.lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (lockfd < 0)
		report_errno(report, arg, "open the password file index lock", errno);
	/* Someone else is rebuilding it: read the file meanwhile. */
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		r = pwfile_lookup(path, user, userlen, e);
		goto done;
	}
	r = cached(dirfd, n.index, &id, path, user, userlen, e);
	if (r < 0)
		r = rebuild(dirfd, &n, path, user, userlen, e, report, arg);
done:
	saved = errno;
	if (lockfd >= 0)
		close(lockfd);
	close(dirfd);
	errno = saved;
	return r;
}

int pwfile_lookup_cached(const char *path, const char *cachedir, const char *user, size_t userlen,
                         struct pwfile_entry *e)
{
	return pwfile_lookup_cached_report(path, cachedir, user, userlen, e, NULL, NULL);
}
