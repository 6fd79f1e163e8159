#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int fileio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return 0;
		}
		c += w;
		n -= (size_t)w;
	}
	return 1;
}

int fileio_replace(int dirfd, const char *tmp, const char *name, const void *p, size_t n,
                   mode_t mode)
{
	int fd = openat(dirfd, tmp,
	                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return 0;
	int ok = fileio_write_all(fd, p, n) && fsync(fd) == 0;
	int err = errno;
	if (close(fd) < 0 && ok) {
		ok = 0;
		err = errno;
	}
	if (ok && renameat(dirfd, tmp, dirfd, name) < 0) {
		ok = 0;
		err = errno;
	}
	if (!ok) {
		unlinkat(dirfd, tmp, 0);
		errno = err;
		return 0;
	}
	return fsync(dirfd) == 0;
}
