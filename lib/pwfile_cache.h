/* pwfile_cache: an on-disk index of the password file, so that a login (one
 * process each) finds its entry without reading and parsing the whole file
 * while the file has not changed.
 *
 * The index is a small constant database of our own (not skalibs' cdb: we
 * want fixed, wipeable buffers and no mmap of secrets), one file per
 * password file in a directory the caller gives (the rundir):
 *	<dir>/.pwfile-<16 hex>.index	the index (mode 0600)
 *	<dir>/.pwfile-<16 hex>.lock	flock'ed by whoever rebuilds it
 *	<dir>/.pwfile-<16 hex>.tmp	the next index while it is written
 * where the hex is a hash of the password file's path as given.  Names
 * start with '.', which no user name in the rundir can (rendezvous.c).
 *
 * Format, integers little-endian:
 *	header (112 bytes): magic "asimap-pwindex1\n"; the password file's
 *	    identity: dev, inode, size, mtime s, mtime ns, ctime s, ctime ns
 *	    (u64 each); a 16-byte SipHash key; slot count (u32, a power of
 *	    two); record count (u32); table offset (u64); file length (u64)
 *	records: u32 hash of the user name, u16 length, the line as in the
 *	    password file (each re-parsed with pwfile_parse_line on use)
 *	table: slots of (u32 hash, u32 record offset; 0 is empty), linear
 *	    probing, entries for one user in file order.
 * The index is used only when the identity matches the file's stat(), it
 * is owned by the effective user and writable by no one else, and every
 * length and offset in it is in bounds; anything else rebuilds it or falls
 * back to reading the file.  It is rebuilt atomically (temp file, fsync,
 * rename) under the lock, by one process at a time; the others read the
 * file meanwhile.  A file changed within the last PWFILE_CACHE_SETTLE_S
 * seconds is not indexed (a change within one timestamp tick could keep
 * its identity). */
#ifndef ASIMAP_PWFILE_CACHE_H
#define ASIMAP_PWFILE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pwfile.h"

/* Limits: a bigger password file is read line by line on every login. */
#define PWFILE_CACHE_FILE_MAX_BYTES (256UL << 20)
#define PWFILE_CACHE_RECORDS_MAX (1UL << 22)
/* A file modified this recently (by its mtime or ctime) is not indexed. */
#define PWFILE_CACHE_SETTLE_S 2
#define PWFILE_CACHE_HEADER_BYTES 112

/* The identity of a password file, from stat(). */
struct pwfile_cache_id {
	uint64_t dev, ino, size, mtime_s, mtime_ns, ctime_s, ctime_ns;
};

/* Told about a problem in the password file: a malformed line (user is
 * NULL), an entry whose hash is malformed or of an unknown algorithm (user
 * is its user name); or, with lineno 0 and user NULL, that the index could
 * not be written (its directory cannot be opened or written: said on every
 * look-up that tries, so once per login while it lasts).  what is a short phrase for a log line;
 * neither ever contains a password hash.  The strings last only during the call. */
typedef void pwfile_report_fn(void *arg, unsigned long lineno, const char *user, const char *what);

/* Looks user up in the password file at path exactly as pwfile_lookup()
 * does (same results, errno and wiping; see pwfile.h), using and keeping
 * up to date the index in cachedir.  When the index cannot be used or
 * written (cachedir missing or not writable, another process rebuilding
 * it) the file is read as pwfile_lookup() does. */
int pwfile_lookup_cached(const char *path, const char *cachedir, const char *user, size_t userlen,
                         struct pwfile_entry *e);

/* The same, and report (when not NULL) is called for each problem in the
 * file found while a new index is written: so once per change of the file,
 * by the one process that writes it; and for each failure to write the
 * index.  Problems in the file are not reported when the index is read, nor
 * when the file is read without writing an index (another process holds
 * the lock, the file is still settling, the directory cannot be written):
 * check e->hash with hash_django_wellformed() if that matters. */
int pwfile_lookup_cached_report(const char *path, const char *cachedir, const char *user,
                                size_t userlen, struct pwfile_entry *e, pwfile_report_fn *report,
                                void *arg);

/* The index reader on an image in memory (len bytes at img), for tests and
 * fuzzing: looks user up in it as pwfile_lookup_cached() does in an index
 * whose file matched id, resolving maildirs against path.  Returns 1 with
 * e filled, 0 when the index has no such user, -1 when the image is not a
 * valid index for id.  Never reads outside the image; e is wiped unless 1
 * is returned. */
int pwfile_cache_find_mem(const unsigned char *img, size_t len, const struct pwfile_cache_id *id,
                          const char *path, const char *user, size_t userlen,
                          struct pwfile_entry *e);

/* Writes the index of the password file open on pwfd (read from its start
 * to its end) to outfd (empty, at offset 0), with key as the SipHash key
 * and id as the identity recorded.  Also looks user up on the way, as
 * pwfile_lookup() would with path (user may be NULL: no look-up).  Returns
 * the look-up's result (1, 0, or -1 with errno on a read error of pwfd);
 * *written is 1 when the index was written whole, 0 when it could not be
 * (write error, limits): outfd then holds no valid index.  report as
 * above.  For pwfile_lookup_cached() and tests. */
int pwfile_cache_build(int pwfd, int outfd, const unsigned char key[16],
                       const struct pwfile_cache_id *id, const char *path, const char *user,
                       size_t userlen, struct pwfile_entry *e, int *written,
                       pwfile_report_fn *report, void *arg);

#endif
