#include "mh_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

/* Write data, CRLF as LF when asked, in pieces of the source. */
static int write_data(int fd, const char *data, size_t len, int crlf_to_lf)
{
	if (!crlf_to_lf)
		return write_all(fd, data, len);
	size_t start = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (data[i] == '\r' && data[i + 1] == '\n') {
			if (!write_all(fd, data + start, i - start))
				return 0;
			start = i + 1; /* the LF */
		}
	}
	return write_all(fd, data + start, len - start);
}

/* An unnamed file in dirfd, or a named temporary one (*tmpname set). */
static int open_temp(int dirfd, char *tmpname, size_t n)
{
	static unsigned counter;
	tmpname[0] = 0;
	int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	snprintf(tmpname, n, ".asimap-new.%ld.%u", (long)getpid(), counter++);
	return openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
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

int mh_write_add(int dirfd, const char *data, size_t len, int crlf_to_lf, int64_t mtime,
                 uint32_t first, uint32_t *num)
{
	char tmpname[64];
	int fd = open_temp(dirfd, tmpname, sizeof tmpname);
	if (fd < 0)
		return 0;
	/* Group- and world-readable as the folder's other messages usually are
	 * is the owner's choice; keep what the umask says. */
	mode_t um = umask(0);
	umask(um);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)mtime, 0}};
	if (mtime < 0)
		ts[1].tv_nsec = UTIME_NOW;
	int ok = write_data(fd, data, len, crlf_to_lf) && fchmod(fd, 0666 & ~um) == 0 &&
	         fsync(fd) == 0 && futimens(fd, ts) == 0 &&
	         link_number(dirfd, fd, tmpname, first, num);
	int e = errno;
	close(fd);
	if (tmpname[0])
		unlinkat(dirfd, tmpname, 0);
	if (ok)
		ok = mh_write_sync_dir(dirfd);
	errno = ok ? 0 : e;
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
