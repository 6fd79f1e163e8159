/* mh_seq: a folder's .mh_sequences, read and written the way nmh does, so
 * that asimap and nmh (mark, inc, show, rmm, sortm, ...) share it safely.
 *
 * Format (nmh 1.8, sbr/seq_read.c, sbr/seq_list.c, sbr/seq_save.c, and
 * checked against Debian's nmh 1.8~RC2): one RFC 822 style field per
 * sequence, "name: 1-3 5 7\n", ranges in ascending order separated by one
 * space, a run of two or more written "lo-hi", one line however long (no
 * wrapping), "cur" first, then the sequences in the order the file had
 * them, new ones last; an empty sequence has no line and a file with no
 * public sequence is removed.  When reading, nmh joins continuation lines
 * (starting with a space or tab), trims the name, splits the value at any
 * white space, takes tokens "N" and "N-M" of digits (N >= 1; leading zeros
 * allowed), ignores every other token, and lets the last of two lines of
 * the same name win.  A line that is not a field (no colon, a blank line
 * followed by more text) makes every nmh command die without writing.
 *
 * Here a file is a list of records in file order: a sequence field (name,
 * the physical lines of the field, the numbers as sorted, merged ranges)
 * or anything else, kept byte for byte.  A rewrite emits every record as it
 * was read except the sequences that changed, which are written as nmh
 * writes them at the place of their first line (their other lines, and
 * tokens nmh ignores, are dropped, as nmh would).  A sequence that becomes
 * empty loses its line; a new one is appended, "cur" first.  Names are
 * case-sensitive, as in nmh.  Message numbers are not checked against the
 * folder: callers add runs of existing messages, as nmh writes them.
 *
 * Locking and atomic replacement: what nmh does (sbr/lock_file.c,
 * sbr/seq_read.c, sbr/seq_save.c of nmh 1.8, and strace of Debian's mark,
 * scan, show, pick, rmm, refile, sortm, folder -pack and inc):
 *  - `mhparam datalocking` is fcntl: lkopen_fcntl() open()s the file and
 *    takes a whole-file F_SETLK lock, F_WRLCK unless opened read-only; on
 *    conflict it closes, sleeps 1 s and opens the path again, 60 times.
 *    There is no separate lock file: the lock is on the data file's inode.
 *  - Commands that change sequences (mark, show, scan, pick -sequence, rmm,
 *    refile, sortm, folder -pack, inc) open the file O_RDWR, lock it, read
 *    it and keep fd and lock until seq_save(), which rewinds, ftruncate()s
 *    and rewrites the same inode in place: the lock is held from before the
 *    read until after the write, the truncation happens under it, and
 *    nothing is renamed.  With no public sequence left they unlink() the
 *    file, still under the lock.  Readers take F_RDLCK (pick, inc's first
 *    look) or F_WRLCK (scan opens O_RDWR even to read).
 *  - When the file was missing when the command read the folder, and when
 *    refile saves the source folder's sequences a second time (after
 *    moving the messages), seq_save() open()s it O_WRONLY|O_CREAT|O_TRUNC
 *    and locks afterwards: that truncation is outside any lock, and nmh
 *    loses concurrent updates there, its own included.
 *
 * What we do (mh_seq_update), given that:
 *  1. Read: open(".mh_sequences", O_NOFOLLOW), take a whole-file fcntl read
 *     lock, check that the path still names the inode we locked (a writer
 *     replaced or removed it while we waited: start again), read it, close
 *     (unlock).  The lock is an open-file-description lock (F_OFD_SETLK),
 *     which Linux makes conflict with nmh's F_SETLK locks and which closing
 *     another fd of the file in this process cannot drop; it is polled
 *     without blocking, as nmh does, for at most MH_SEQ_LOCK_WAIT_MS.
 *  2. Edit: parse, let the caller's function edit, format.  Same text: done
 *     (nothing is written).  A missing file is created empty (O_EXCL; an
 *     empty file means no sequences, as a missing one) and we start again,
 *     so that every write below happens under the lock of an existing file.
 *  3. Write the new text to an unnamed file in the folder (O_TMPFILE) and
 *     fsync it, holding no lock: the lock is never held across an fsync,
 *     because an nmh command that finds the lock taken sleeps a whole
 *     second.  (Without O_TMPFILE the named temporary file is written in
 *     step 4, under the lock.)
 *  4. Commit: open the file again, take the write lock, check the inode as
 *     in 1, and check that it still holds exactly the bytes read in 1
 *     (else start again from 1: nmh wrote meanwhile); link the new file as
 *     MH_SEQ_TMP_FILE and rename() it over .mh_sequences.
 *  5. The old inode is now unlinked but still locked by us.  An nmh command
 *     that open()ed the path just before our rename and whose F_SETLK
 *     comes after our unlock would lock that orphan, read it and rewrite it
 *     in place: its update would silently go nowhere.  So, still under the
 *     lock, we overwrite the orphan with MH_SEQ_POISON, a text every nmh
 *     command refuses ("no blank lines are permitted") before it writes
 *     anything, and only then close (unlock), and fsync the directory.
 *     That command fails loudly instead of losing its update; one that
 *     finds our lock taken (the usual case) re-opens the path after its
 *     sleep and sees the new file.  Our own readers check the inode after
 *     locking (1) and never read an orphan.
 * Why no update is lost: nmh holds the write lock from before its read to
 * after its write, so our bytes check in 4, made under the write lock,
 * fails whenever an nmh write fell between our read and our rename (one
 * that left the same bytes changed nothing our edit relied on); and an
 * nmh command that reads after our rename reads our file (or, in the
 * window of 5, refuses to run).  Why no file is ever partial: the name
 * only ever moves from one complete, fsynced file to another (rename);
 * nmh's own in-place rewrite can of course be cut by a crash of nmh.
 * Left to nmh: its unlocked O_TRUNC paths above (an update of ours that
 * lands between refile's two saves is overwritten, as one of mark's would
 * be; a truncation that lands while we hold the lock only makes our bytes
 * check fail, and we start again).  To keep nmh off the missing-file path
 * we never remove the file: "no sequences" is an empty file (nmh reads it
 * as such, and removes it itself when it empties it).
 *
 * Loading (mh_seq_load) is step 1.  No descriptor or lock outlives a call.
 * With MH_SEQ_NOLOCK (ENABLE_MH_FILE_LOCKING=false, read by the caller) no
 * lock is taken and the orphan is not overwritten; writes stay atomic.
 * MH_SEQ_TMP_FILE is one fixed name, used only under the lock: a crash
 * leaves at most that file, which the next write replaces.  Without
 * locking, one writer per folder (the user's supervisor) is assumed. */
#ifndef ASIMAP_MH_SEQ_H
#define ASIMAP_MH_SEQ_H
#include <stddef.h>
#include <stdint.h>

#define MH_SEQ_FILE ".mh_sequences"
#define MH_SEQ_TMP_FILE ".mh_sequences.asimap-tmp"
#define MH_SEQ_FILE_MAX_BYTES (16u << 20) /* larger files are refused (EFBIG) */
#define MH_SEQ_NAME_MAX_BYTES 255         /* longer names are kept as opaque lines */
#define MH_SEQ_RECORDS_MAX 4096           /* lines (after joining continuations) */
#define MH_SEQ_RANGES_MAX (1u << 20)      /* ranges in all sequences together */
#define MH_SEQ_NUM_MAX 2147483647u        /* largest message number (nmh uses int) */
#define MH_SEQ_LOCK_WAIT_MS 2000 /* then EAGAIN: nmh holds the lock, or keeps replacing it */
#define MH_SEQ_RETRIES 1000      /* starts within that time, at most */
/* Written into the replaced inode; every nmh command refuses to read it. */
#define MH_SEQ_POISON                                                                              \
	"asimap-replaced: 0\n\nasimap replaced this file while this command waited for its "       \
	"lock: run the command again.\n"

enum { MH_SEQ_NOLOCK = 0, MH_SEQ_LOCK = 1 };

struct mh_seq_range {
	uint32_t lo, hi; /* lo <= hi */
};

/* One line of the file (continuation lines included). */
struct mh_seq_rec {
	const char *raw; /* the bytes read (NULL for a new sequence) */
	size_t rawlen;
	long seq; /* index into mh_seqs.seq, or -1: kept byte for byte */
};

struct mh_seq {
	char *name; /* NUL-terminated */
	uint32_t hash;
	struct mh_seq_range *r;
	size_t n, cap;
	size_t rec;  /* index of its first line: where a rewrite puts it */
	int changed; /* rewrite its line(s) */
};

/* Treat as opaque; zero-initialise or mh_seq_init(), free with mh_seq_free. */
struct mh_seqs {
	char *buf; /* the text read; recs point into it */
	size_t len;
	struct mh_seq_rec *rec;
	size_t nrec, caprec;
	struct mh_seq *seq;
	size_t nseq, capseq;
	size_t nranges; /* over all sequences */
	/* The file read by mh_seq_load (all 0 when missing). */
	uint64_t ino;
	int64_t size, mtime_ns;
	uint32_t mode; /* permission bits */
};

void mh_seq_init(struct mh_seqs *s);
void mh_seq_free(struct mh_seqs *s);

/* Parse text (len bytes, any content) into s, which must be empty (after
 * mh_seq_init).  Returns 1, or 0 with errno EFBIG (len over
 * MH_SEQ_FILE_MAX_BYTES), E2BIG (more than MH_SEQ_RECORDS_MAX lines or
 * MH_SEQ_RANGES_MAX ranges) or ENOMEM; s is then empty again. */
int mh_seq_parse(struct mh_seqs *s, const char *text, size_t len);

/* The file's text for s (malloc'd into *out, *len bytes, caller frees;
 * *out may be NULL when *len is 0).  Unchanged s gives back exactly the
 * text parsed.  Returns 1, or 0 with errno ENOMEM or EFBIG. */
int mh_seq_format(const struct mh_seqs *s, char **out, size_t *len);

/* Add (remove) the numbers lo..hi to (from) sequence name (NUL-terminated,
 * 1..MH_SEQ_NAME_MAX_BYTES bytes, no white space, colon or control
 * character), creating (dropping) its line as needed.  1 <= lo <= hi <=
 * MH_SEQ_NUM_MAX.  Returns 1, or 0 with errno EINVAL, E2BIG (a limit
 * above) or ENOMEM (s unchanged). */
int mh_seq_add(struct mh_seqs *s, const char *name, uint32_t lo, uint32_t hi);
int mh_seq_remove(struct mh_seqs *s, const char *name, uint32_t lo, uint32_t hi);

/* 1 when num is in sequence name, else 0. */
int mh_seq_has(const struct mh_seqs *s, const char *name, uint32_t num);

/* The ranges of sequence name (sorted, merged, adjacent runs joined):
 * returns 1 and sets *r, *n (valid until s changes), or 0 when there is
 * no such sequence or it is empty. */
int mh_seq_get(const struct mh_seqs *s, const char *name, const struct mh_seq_range **r, size_t *n);

/* Call fn for every non-empty sequence, in file order, with its ranges.
 * Stops and returns 0 when fn does; returns 1 otherwise. */
typedef int (*mh_seq_each_fn)(void *ctx, const char *name, const struct mh_seq_range *r, size_t n);
int mh_seq_each(const struct mh_seqs *s, mh_seq_each_fn fn, void *ctx);

/* Read dirfd's .mh_sequences into s (which must be empty), under a read
 * lock when lock is MH_SEQ_LOCK.  A missing file is an empty s.  Returns
 * 1, or 0 with errno: EAGAIN (nmh held the lock, or the file kept being
 * replaced, for MH_SEQ_LOCK_WAIT_MS: try later), EFBIG/E2BIG (a limit), ELOOP (a
 * symbolic link), EINVAL (not a regular file), or a system error. */
int mh_seq_load(int dirfd, int lock, struct mh_seqs *s);

/* Read-modify-write of dirfd's .mh_sequences (design above): fn edits s,
 * freshly read under the write lock, and returns 1 to write or 0 to
 * abandon (mh_seq_update then returns 0 with fn's errno).  fn may be
 * called again on a fresh s when the file was replaced under us, so it
 * must only edit s and its own ctx.  The file is written only when its
 * text changes.  Returns 1, or 0 with errno as mh_seq_load (or that of
 * fsync on the directory, after the rename: the change is then visible,
 * but might not survive a crash). */
typedef int (*mh_seq_edit_fn)(struct mh_seqs *s, void *ctx);
int mh_seq_update(int dirfd, int lock, mh_seq_edit_fn fn, void *ctx);

#endif
