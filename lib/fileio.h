/* fileio: the file writing every store file shares: whole writes, and
 * replacing a file atomically and durably (a temporary file written and
 * fsynced, renamed over the old one, the directory fsynced). */
#ifndef ASIMAP_FILEIO_H
#define ASIMAP_FILEIO_H
#include <stddef.h>
#include <sys/types.h>

/* Write all n bytes (retrying short writes and EINTR).  1, or 0 with
 * errno (EIO for a write that wrote nothing). */
int fileio_write_all(int fd, const void *p, size_t n);
/* Replace name in dirfd with p[0..n): written to tmp (created with mode,
 * as the umask allows), fsynced, renamed over name, then dirfd fsynced.
 * On failure tmp is removed and name is left as it was.  1, or 0 with
 * errno. */
int fileio_replace(int dirfd, const char *tmp, const char *name, const void *p, size_t n,
                   mode_t mode);

#endif
