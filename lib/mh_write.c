#include "mh_write.h"

#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int named_only;

void mh_write_named_temps(int on)
{
	named_only = on != 0;
}

int mh_write_open(struct mh_write_tmp *t, int dirfd, int crlf_to_lf)
{
	static unsigned counter;
	t->name[0] = 0;
	t->crlf_to_lf = crlf_to_lf;
	t->held_cr = 0;
	t->last = 0;
	t->size = t->bare_lf = t->flushed = t->kicked = 0;
	t->used = 0;
	t->fd = -1;
	if (!named_only) {
		t->fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (t->fd >= 0)
			return 1;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return 0;
	}
	/* A name left by a process that had our pid before is not ours. */
	for (int tries = 0; tries < 100; tries++) {
		snprintf(t->name, sizeof t->name, MH_WRITE_TEMP_PREFIX "%ld.%u", (long)getpid(),
		         counter++);
		t->fd = openat(dirfd, t->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		               0600);
		if (t->fd >= 0 || errno != EEXIST)
			break;
	}
	if (t->fd < 0)
		t->name[0] = 0;
	return t->fd >= 0;
}

/* Bytes leave buf for the file; write-back starts every few megabytes so
 * that the fsync at the end finds little left to write (it runs in the
 * supervisor's one event loop). */
static int wrote(struct mh_write_tmp *t, size_t n)
{
	t->flushed += n;
	if (t->flushed - t->kicked >= MH_WRITE_KICK_BYTES) {
		sync_file_range(t->fd, (off_t)t->kicked, (off_t)(t->flushed - t->kicked),
		                SYNC_FILE_RANGE_WRITE);
		t->kicked = t->flushed;
	}
	return 1;
}

static int flush(struct mh_write_tmp *t)
{
	if (!fileio_write_all(t->fd, t->buf, t->used))
		return 0;
	size_t n = t->used;
	t->used = 0;
	return wrote(t, n);
}

/* p[0..n) goes into the file as it is. */
static int store(struct mh_write_tmp *t, const char *p, size_t n)
{
	if (!n)
		return 1;
	for (const char *lf = p, *end = p + n; (lf = memchr(lf, '\n', (size_t)(end - lf))); lf++)
		if ((lf > p ? lf[-1] : t->last) != '\r')
			t->bare_lf++;
	t->last = p[n - 1];
	t->size += n;
	while (n) {
		if (t->used == 0 && n >= sizeof t->buf) {
			if (!fileio_write_all(t->fd, p, n))
				return 0;
			return wrote(t, n);
		}
		size_t take = sizeof t->buf - t->used;
		if (take > n)
			take = n;
		memcpy(t->buf + t->used, p, take);
		t->used += take;
		p += take;
		n -= take;
		if (t->used == sizeof t->buf && !flush(t))
			return 0;
	}
	return 1;
}

int mh_write_put(struct mh_write_tmp *t, const char *p, size_t n)
{
	if (t->fd < 0) {
		errno = EBADF;
		return 0;
	}
	if (!n)
		return 1;
	if (!t->crlf_to_lf)
		return store(t, p, n);
	/* Every CRLF becomes LF, also when the CR ended the last piece. */
	if (t->held_cr) {
		t->held_cr = 0;
		if (p[0] != '\n' && !store(t, "\r", 1))
			return 0;
	}
	const char *start = p, *end = p + n, *cr = p;
	while ((cr = memchr(cr, '\r', (size_t)(end - cr))) && cr + 1 < end) {
		if (cr[1] == '\n') {
			if (!store(t, start, (size_t)(cr - start)))
				return 0;
			start = cr + 1;
		}
		cr++;
	}
	if (end[-1] == '\r') {
		t->held_cr = 1;
		end--;
	}
	return store(t, start, (size_t)(end - start));
}

uint64_t mh_write_crlf_size(const struct mh_write_tmp *t)
{
	return t->size + (uint64_t)t->held_cr + t->bare_lf;
}

/* Give the written file at fd a number: link, never replace. */
static int link_number(int dirfd, int fd, const char *tmpname, uint32_t first, uint32_t *num)
{
	char proc[64], name[16];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	for (uint32_t n = first ? first : 1, tries = 0; tries < MH_WRITE_TRIES; n++, tries++) {
		snprintf(name, sizeof name, "%u", n);
		int r = tmpname[0] ? linkat(dirfd, tmpname, dirfd, name, 0)
		                   : linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
		if (r == 0) {
			*num = n;
			return 1;
		}
		if (errno != EEXIST)
			return 0;
	}
	errno = EEXIST;
	return 0;
}

void mh_write_abort(struct mh_write_tmp *t, int dirfd)
{
	int e = errno;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->name[0])
		unlinkat(dirfd, t->name, 0);
	t->name[0] = 0;
	errno = e;
}

int mh_write_prepare(struct mh_write_tmp *t, int dirfd, int64_t mtime, struct mh_write_ready *r)
{
	r->fd = -1;
	r->name[0] = 0;
	if (t->fd < 0) {
		errno = EBADF;
		return 0;
	}
	/* Group- and world-readable as the folder's other messages usually are
	 * is the owner's choice; keep what the umask says. */
	mode_t um = umask(0);
	umask(um);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)mtime, 0}};
	if (mtime < 0)
		ts[1].tv_nsec = UTIME_NOW;
	struct stat sb;
	int held = t->held_cr;
	t->held_cr = 0;
	int ok = (!held || store(t, "\r", 1)) && flush(t) && fchmod(t->fd, 0666 & ~um) == 0 &&
	         fsync(t->fd) == 0 && futimens(t->fd, ts) == 0 && fstat(t->fd, &sb) == 0;
	if (!ok) {
		mh_write_abort(t, dirfd);
		return 0;
	}
	r->fd = t->fd;
	memcpy(r->name, t->name, sizeof r->name);
	r->ino = (uint64_t)sb.st_ino;
	r->size = (uint64_t)sb.st_size;
	r->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	t->fd = -1;
	t->name[0] = 0;
	return 1;
}

void mh_write_drop(struct mh_write_ready *r, int dirfd)
{
	int e = errno;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->name[0])
		unlinkat(dirfd, r->name, 0);
	r->name[0] = 0;
	errno = e;
}

int mh_write_link(struct mh_write_ready *r, int dirfd, uint32_t first, uint32_t *num)
{
	if (r->fd < 0) {
		errno = EBADF;
		return 0;
	}
	int ok = link_number(dirfd, r->fd, r->name, first, num);
	mh_write_drop(r, dirfd);
	return ok;
}

int mh_write_commit(struct mh_write_tmp *t, int dirfd, int64_t mtime, uint32_t first, uint32_t *num,
                    uint64_t *ino)
{
	struct mh_write_ready r;
	if (!mh_write_prepare(t, dirfd, mtime, &r))
		return 0;
	uint64_t i = r.ino;
	int ok = mh_write_link(&r, dirfd, first, num) && mh_write_sync_dir(dirfd);
	if (ok && ino)
		*ino = i;
	if (ok)
		errno = 0;
	return ok;
}

int mh_write_sweep(int dirfd, int64_t older_than)
{
	char mine[64];
	int n = 0, fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size_t plen = strlen(MH_WRITE_TEMP_PREFIX);
	size_t mlen =
	    (size_t)snprintf(mine, sizeof mine, MH_WRITE_TEMP_PREFIX "%ld.", (long)getpid());
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat sb;
		if (strncmp(de->d_name, MH_WRITE_TEMP_PREFIX, plen) != 0 ||
		    strncmp(de->d_name, mine, mlen) == 0 ||
		    fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || (int64_t)sb.st_mtime >= older_than)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int mh_write_add(int dirfd, const char *data, size_t len, int crlf_to_lf, int64_t mtime,
                 uint32_t first, uint32_t *num)
{
	struct mh_write_tmp *t = malloc(sizeof *t);
	if (!t)
		return 0;
	int ok = mh_write_open(t, dirfd, crlf_to_lf) && mh_write_put(t, data, len) &&
	         mh_write_commit(t, dirfd, mtime, first, num, NULL);
	mh_write_abort(t, dirfd);
	int e = errno;
	free(t);
	errno = e;
	return ok;
}

int mh_write_move(int fromfd, uint32_t from, int tofd, uint32_t first, uint32_t *num)
{
	char src[16], name[16];
	snprintf(src, sizeof src, "%u", from);
	for (uint32_t n = first ? first : 1, tries = 0; tries < MH_WRITE_TRIES; n++, tries++) {
		snprintf(name, sizeof name, "%u", n);
		if (renameat2(fromfd, src, tofd, name, RENAME_NOREPLACE) == 0) {
			*num = n;
			return mh_write_sync_dir(tofd) && mh_write_sync_dir(fromfd);
		}
		if (errno != EEXIST)
			return 0;
	}
	errno = EEXIST;
	return 0;
}

int mh_write_remove(int dirfd, uint32_t num)
{
	char name[16];
	snprintf(name, sizeof name, "%u", num);
	return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT;
}

int mh_write_sync_dir(int dirfd)
{
	return fsync(dirfd) == 0;
}
