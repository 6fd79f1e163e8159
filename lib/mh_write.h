/* mh_write: adding and removing message files in an MH folder, safely:
 * a new message is written whole to an unnamed (or temporary) file,
 * fsynced, given its internal date, and only then linked under a new
 * number that no other program holds (link fails rather than replaces),
 * so a crash leaves either no message or a whole one. */
#ifndef ASIMAP_MH_WRITE_H
#define ASIMAP_MH_WRITE_H
#include <stddef.h>
#include <stdint.h>

#define MH_WRITE_TRIES 1000 /* numbers tried when others take them meanwhile */

/* Add a message to the folder open at dirfd: data[0..len), with every CRLF
 * stored as LF when crlf_to_lf (bytes from IMAP), with mtime as its
 * modification time (its internal date; < 0: now).  The number is the
 * first free one from first (give one more than the highest number known).
 * Returns 1 and sets *num, or 0 with errno. */
int mh_write_add(int dirfd, const char *data, size_t len, int crlf_to_lf, int64_t mtime,
                 uint32_t first, uint32_t *num);
/* Move message from (in fromfd) into tofd under a new number (as
 * mh_write_add numbers), by rename: the file stays the same file.
 * Returns 1 and sets *num, or 0 with errno (EXDEV: not the same file
 * system). */
int mh_write_move(int fromfd, uint32_t from, int tofd, uint32_t first, uint32_t *num);
/* Remove message num (already gone is fine).  Returns 1, or 0 with errno. */
int mh_write_remove(int dirfd, uint32_t num);
/* fsync the directory, so links, renames and unlinks last.  1, or 0. */
int mh_write_sync_dir(int dirfd);

#endif
