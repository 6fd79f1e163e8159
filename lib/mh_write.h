/* mh_write: adding and removing message files in an MH folder, safely:
 * a new message is written whole to an unnamed (or temporary) file,
 * fsynced, given its internal date, and only then linked under a new
 * number that no other program holds (link fails rather than replaces),
 * so a crash leaves either no message or a whole one.
 *
 * A message may be written a piece at a time as it arrives (an APPEND of
 * hundreds of megabytes): mh_write_open, mh_write_put for each piece,
 * then mh_write_commit or mh_write_abort.  Only MH_WRITE_BUF_BYTES of it
 * are ever in memory. */
#ifndef ASIMAP_MH_WRITE_H
#define ASIMAP_MH_WRITE_H
#include <stddef.h>
#include <stdint.h>

#define MH_WRITE_TRIES 1000 /* numbers tried when others take them meanwhile */
#define MH_WRITE_BUF_BYTES 65536
#define MH_WRITE_KICK_BYTES (8 << 20) /* start write-back after this many new bytes */
/* The name of a temporary file, when the file system has no unnamed ones:
 * the prefix, the writer's pid, "." and a counter.  Never a number, so nmh
 * never takes it for a message. */
#define MH_WRITE_TEMP_PREFIX ".asimap-new."

/* A message being written.  Owns its fd and its temporary name. */
struct mh_write_tmp {
	int fd;           /* -1 when closed */
	char name[64];    /* its temporary name in the folder, "" for an unnamed file */
	int crlf_to_lf;   /* store CRLF as LF */
	int held_cr;      /* a CR ended the last piece: dropped if an LF comes next */
	char last;        /* the last byte stored */
	uint64_t size;    /* bytes stored so far */
	uint64_t bare_lf; /* LFs stored without a CR before them */
	uint64_t flushed; /* bytes written to the file */
	uint64_t kicked;  /* write-back started up to here */
	size_t used;      /* bytes waiting in buf */
	char buf[MH_WRITE_BUF_BYTES];
};

/* Start a message in the folder open at dirfd: an unnamed file (O_TMPFILE)
 * or, where the file system has none, a named one (see
 * MH_WRITE_TEMP_PREFIX).  crlf_to_lf: every CRLF of what is put is stored
 * as LF (bytes from IMAP).  Returns 1, or 0 with errno (t->fd is -1). */
int mh_write_open(struct mh_write_tmp *t, int dirfd, int crlf_to_lf);
/* Add p[0..n) to the message.  Returns 1, or 0 with errno (the message
 * is then only good for mh_write_abort). */
int mh_write_put(struct mh_write_tmp *t, const char *p, size_t n);
/* The message's size as IMAP counts it (every bare LF as CRLF), once
 * every piece is put: what FETCH RFC822.SIZE of the stored file says. */
uint64_t mh_write_crlf_size(const struct mh_write_tmp *t);
/* Finish the message and give it a number: write what is held, fsync, set
 * mtime as its modification time (its internal date; < 0: now), link it
 * under the first free number from first (give one more than the highest
 * number known), fsync the directory.  Closes t and removes its temporary
 * name whatever happens.  Returns 1 and sets *num (and *ino to the file's
 * inode when ino is not NULL), or 0 with errno. */
int mh_write_commit(struct mh_write_tmp *t, int dirfd, int64_t mtime, uint32_t first, uint32_t *num,
                    uint64_t *ino);
/* A message written whole and fsynced, not yet numbered (a COPY prepares
 * many, journals them, then links them: lib/mh_journal).  Owns its fd and
 * its temporary name; small, unlike mh_write_tmp. */
struct mh_write_ready {
	int fd;        /* -1 when closed */
	char name[64]; /* as in mh_write_tmp */
	uint64_t ino, size;
	int64_t mtime_ns; /* as fstat reads it back */
};
/* Finish the message as mh_write_commit does, up to giving it a number:
 * write what is held, fsync, set mtime (< 0: now).  Its fd and name move
 * to r (t is closed, whatever happens).  Returns 1, or 0 with errno (r->fd
 * is then -1 and nothing is left behind). */
int mh_write_prepare(struct mh_write_tmp *t, int dirfd, int64_t mtime, struct mh_write_ready *r);
/* Link the prepared message under the first free number from first, as
 * mh_write_commit does, but without fsyncing the directory (the caller
 * does, once for many).  Closes r and removes its temporary name whatever
 * happens.  Returns 1 and sets *num, or 0 with errno. */
int mh_write_link(struct mh_write_ready *r, int dirfd, uint32_t first, uint32_t *num);
/* Throw a prepared message away (fine on a closed r). */
void mh_write_drop(struct mh_write_ready *r, int dirfd);
/* Throw the message away: close t, remove its temporary name.  Fine on a
 * closed t. */
void mh_write_abort(struct mh_write_tmp *t, int dirfd);
/* Use named temporary files even where unnamed ones work (on != 0); for
 * tests, and for file systems whose O_TMPFILE misbehaves. */
void mh_write_named_temps(int on);
/* Remove temporary files that writers which died left in the folder at
 * dirfd: names of the MH_WRITE_TEMP_PREFIX pattern, not this process's,
 * last modified before older_than (seconds since the epoch).  Returns how
 * many went, or -1 with errno. */
int mh_write_sweep(int dirfd, int64_t older_than);

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
