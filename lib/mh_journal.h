/* mh_journal: an intent journal that makes a COPY of many messages into an
 * MH folder all or nothing, across crashes (RFC 3501 6.4.7: an unsuccessful
 * COPY leaves the destination as it was).
 *
 * The writer (a COPY) prepares each copy whole as an unnamed or temporary
 * file (mh_write_prepare: written, fsynced, dated, not yet numbered), and
 * before it links any of them under a number it appends their identities
 * (inode, size, mtime) to the journal, MH_JOURNAL_FILE in the folder, and
 * fsyncs it.  Copies are prepared and journaled in blocks of at most
 * MH_JOURNAL_BLOCK_MAX (so that no more files are held open at once); the
 * journal then lists every copy that may have been linked, and never one
 * that has not been prepared.  Once every copy is linked, the directory
 * fsynced and the copies' flags written to .mh_sequences, the journal is
 * removed (and the directory fsynced): that is the instant the COPY
 * happened.
 *
 * Recovery (mh_journal_recover), whenever a folder is opened and before a
 * COPY: a journal found means a COPY that did not complete.  Every numbered
 * file of the folder whose identity the journal lists is one of its copies
 * (nmh may have added other messages since: they are left alone); their
 * numbers are first taken out of every sequence in .mh_sequences (so that
 * no later message with the same number inherits the copies' flags), then
 * the files are removed, the directory fsynced, the journal removed.  A
 * crash during recovery leaves the journal, and recovery starts again.
 *
 * The journal is text, append-only, and tells a torn append from a whole
 * one:
 *
 *	asimap-copy 1\n
 *	B <count>\n                      (a block)
 *	<ino> <size> <mtime_ns>\n        (count lines, decimal, no leading zeros)
 *	E <fnv1a-64 of the block from "B" through its last line, 16 hex digits>\n
 *	B ...
 *
 * Only whole blocks with a good checksum count.  A torn last block lists
 * copies that were never linked (linking waits for the block's fsync), so
 * a decoder stops at the first block that is not whole, and keeps what
 * came before it. */
#ifndef ASIMAP_MH_JOURNAL_H
#define ASIMAP_MH_JOURNAL_H
#include <stddef.h>
#include <stdint.h>

#define MH_JOURNAL_FILE ".asimap-copy" /* hidden, never a number: nmh ignores it */
#define MH_JOURNAL_HEADER "asimap-copy 1\n"
#define MH_JOURNAL_BLOCK_MAX 64               /* copies prepared (files open) at once */
#define MH_JOURNAL_ENTRIES_MAX (1u << 20)     /* copies in one COPY */
#define MH_JOURNAL_FILE_MAX_BYTES (96u << 20) /* larger journals are refused (EFBIG) */

/* A prepared copy, as the journal knows it. */
struct mh_journal_id {
	uint64_t ino;
	uint64_t size;
	int64_t mtime_ns; /* >= 0 */
};

/* A journal being written.  Owns its fd. */
struct mh_journal {
	int fd;   /* -1 when closed */
	size_t n; /* entries written */
};

/* The text of one block listing id[0..n) (1 <= n <= MH_JOURNAL_BLOCK_MAX),
 * malloc'd into *out (*len bytes, caller frees).  Returns 1, or 0 with
 * errno (EINVAL, ENOMEM). */
int mh_journal_encode(const struct mh_journal_id *id, size_t n, char **out, size_t *len);

/* Decode a journal's text (len bytes, any content): the entries of its
 * whole blocks, in order, up to the first block that is not whole (torn
 * or damaged).  An empty text, or a prefix of the header, is a journal
 * with no entries.  Returns 1 and sets *ids (malloc'd, caller frees; NULL
 * when *n is 0) and *n, or 0 with errno EINVAL (not a journal: another
 * header), EFBIG (len over MH_JOURNAL_FILE_MAX_BYTES), E2BIG (more than
 * MH_JOURNAL_ENTRIES_MAX entries) or ENOMEM. */
int mh_journal_decode(const char *text, size_t len, struct mh_journal_id **ids, size_t *n);

/* Start a journal in the folder open at dirfd: create MH_JOURNAL_FILE
 * (EEXIST when one is there: recover first), write the header, fsync it
 * and the directory.  Returns 1, or 0 with errno (j->fd is -1). */
int mh_journal_begin(struct mh_journal *j, int dirfd);
/* Append a block listing id[0..n) and fsync: only then may those copies be
 * linked.  n may be 0 (nothing done).  Returns 1, or 0 with errno (E2BIG:
 * more than MH_JOURNAL_ENTRIES_MAX in all). */
int mh_journal_add(struct mh_journal *j, const struct mh_journal_id *id, size_t n);
/* The COPY is complete: remove the journal, fsync the directory, close j.
 * Returns 1, or 0 with errno (the journal stays: recovery will undo the
 * COPY; j is closed either way). */
int mh_journal_commit(struct mh_journal *j, int dirfd);
/* Close j without removing the journal (the COPY failed: recover next). */
void mh_journal_close(struct mh_journal *j);

/* Undo an interrupted COPY in the folder open at dirfd, as above; lock as
 * mh_seq_update's (MH_SEQ_LOCK or MH_SEQ_NOLOCK).  Returns the number of
 * copies removed (0 also when there was no journal), or -1 with errno: the
 * journal is then left in place (a journal that is not one, EINVAL, stays
 * until someone looks at it; COPY into the folder is refused meanwhile). */
long mh_journal_recover(int dirfd, int lock);

#endif
