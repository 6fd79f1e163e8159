/* mh_state: a folder's UIDs, kept by asimap in a hidden file of the folder
 * (MH_STATE_FILE: a dot name, which nmh ignores), and their reconciliation
 * with what is on disk now.
 *
 * The state is UIDVALIDITY, UIDNEXT and, for every message, its number,
 * its UID and the identity of its file (inode, size, mtime in ns), plus
 * two values the caller may use to trust its caches (the folder
 * directory's mtime and the identity of .mh_sequences when it last
 * looked).  It is written atomically (temporary file, fsync, rename, fsync
 * of the directory) and may be deleted at any time: the folder then gets a
 * new UIDVALIDITY.
 *
 * File format, version 1, all integers little-endian:
 *	header, 64 bytes:
 *	  0  "asimapS\n"  magic
 *	  8  u32 version (1)        12  u32 header size (64)
 *	 16  u32 uidvalidity        20  u32 uidnext
 *	 24  u64 message count n    32  u32 recent UID, below UIDNEXT  36  u32 0
 *	 40  u64 .mh_sequences inode  48  i64 its size  56  i64 its mtime (ns)
 *	n records, 32 bytes each, ascending by number and by UID:
 *	  u32 number, u32 uid, u64 inode, i64 size, i64 mtime (ns)
 *	trailer: u64 checksum (mh_state_checksum) of everything before it.
 * A file that is short, long, of another version, with a bad checksum, or
 * whose records break the order above or UIDNEXT, is corrupt.  100,000
 * messages make 3.2 MB, read straight into place and checked in one pass
 * (about 0.5 ms warm). */
#ifndef ASIMAP_MH_STATE_H
#define ASIMAP_MH_STATE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define MH_STATE_FILE ".asimap-state"
#define MH_STATE_TMP_FILE ".asimap-state.tmp"
#define MH_STATE_VERSION 1
#define MH_STATE_MSGS_MAX (1u << 22) /* messages in one folder's state */

/* What tells a file from another: inode, size, mtime in ns. */
struct mh_ident {
	uint64_t ino;
	int64_t size;
	int64_t mtime_ns;
};

struct mh_state_msg {
	uint32_t num; /* message number: the file name */
	uint32_t uid;
	struct mh_ident id;
};

struct mh_state {
	uint32_t uidvalidity;
	uint32_t uidnext;       /* 0: no state (uidvalidity may then hold the old one) */
	struct mh_state_msg *m; /* ascending by num and by uid; malloc'd */
	size_t n;
	uint32_t recent_uid;     /* \Recent: no session was told of the UIDs above it */
	struct mh_ident seqfile; /* the caller's, kept as given */
};

/* A message file present now (from the caller's directory listing). */
struct mh_state_file {
	uint32_t num;
	struct mh_ident id;
};

static inline int mh_ident_eq(const struct mh_ident *a, const struct mh_ident *b)
{
	return a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

static inline struct mh_ident mh_ident_of(const struct stat *sb)
{
	struct mh_ident id = {(uint64_t)sb->st_ino, (int64_t)sb->st_size,
	                      (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec};
	return id;
}

void mh_state_free(struct mh_state *st);

/* Read dirfd's state into st (overwritten).  Returns 1 when loaded; 0 when
 * there is none: errno ENOENT (missing) or EBADMSG (corrupt), st empty
 * (uidnext 0: "no state") except st->uidvalidity, which holds the old
 * UIDVALIDITY when the header was still legible (else 0); pass st to
 * mh_state_reconcile as it is, and the new UIDVALIDITY will exceed the
 * old.  -1 with errno on a system error (EACCES, EIO, ENOMEM, ...: try
 * later; do not take a new UIDVALIDITY for that). */
int mh_state_load(int dirfd, struct mh_state *st);

/* Open dirfd's state file and read its header alone (for an answer that
 * needs no record, or a few: mh_state_record): head gets all of st but
 * the records (head->m NULL), id the file's identity.  The records and
 * the checksum are not checked; mh_state_load checks them.  Returns the
 * open file (the caller closes it), or -1 when there is none or its
 * header is not a valid one. */
int mh_state_open_head(int dirfd, struct mh_state *head, struct mh_ident *id);
/* Record i (< head->n) of a file opened by mh_state_open_head.  1, or 0. */
int mh_state_record(int fd, size_t i, struct mh_state_msg *m);
/* The UIDs of all head->n records of such a file into uid[]: 1, or 0 when
 * they cannot be read or do not ascend below head->uidnext. */
int mh_state_uids(int fd, const struct mh_state *head, uint32_t *uid);
/* Decode a state file's bytes (the core of mh_state_load, for tests and
 * the fuzzer): 1, or 0 with errno EBADMSG (st->uidvalidity as above) or
 * ENOMEM. */
int mh_state_decode(const void *data, size_t len, struct mh_state *st);

/* Encode st (which must satisfy the invariants above: EINVAL otherwise)
 * into *out (malloc'd, caller frees), *len bytes.  1, or 0 with errno. */
int mh_state_encode(const struct mh_state *st, char **out, size_t *len);

/* Write st to dirfd atomically.  1, or 0 with errno. */
int mh_state_save(int dirfd, const struct mh_state *st);

/* The checksum of the format: a 64-bit multiply-rotate hash over 8-byte
 * little-endian words (4 lanes), for corruption, not for adversaries. */
uint64_t mh_state_checksum(const void *data, size_t len);

/* A new UIDVALIDITY: now (seconds since the epoch), or old + 1 when that
 * is not greater than old (a clock behind, or two in one second); never
 * 0.  Callers that issue several in a process pass the largest they
 * issued as old too. */
uint32_t mh_state_new_uidvalidity(uint32_t old, uint32_t now);

enum mh_state_reset {
	MH_STATE_KEPT = 0,      /* UIDVALIDITY kept */
	MH_STATE_NO_STATE,      /* there was none: new UIDVALIDITY */
	MH_STATE_ORDER_BROKEN,  /* a renumbering (sortm, a file put in the middle) would make UIDs
	                           not ascend with message numbers: new UIDVALIDITY */
	MH_STATE_UIDS_EXHAUSTED /* UIDNEXT would pass 2^32 - 1: new UIDVALIDITY */
};

struct mh_state_diff {
	enum mh_state_reset reset; /* not KEPT: every UID is new (1..n), drop everything */
	uint32_t *expunged;        /* UIDs of old messages gone, ascending (malloc'd) */
	size_t nexpunged;
	uint32_t *changed; /* UIDs kept although their file changed in place
	                      (anno, an editor): drop cached metadata (malloc'd) */
	size_t nchanged;
	size_t nnew;        /* messages given new UIDs */
	size_t nrenumbered; /* messages that kept their UID under a new number */
};

/* The new state for the folder's files now (files[0..n), ascending by
 * number, no duplicates: EINVAL otherwise) given the old state (uidnext or
 * uidvalidity 0: there was none, as mh_state_load leaves it; otherwise it
 * must satisfy the invariants of the format: EINVAL).  Rules, in order:
 *  1. a file whose number and identity are as before keeps its UID;
 *  2. a file whose identity an old message had under another number
 *     (folder -pack, sortm, a rename) keeps that UID;
 *  3. the files left after the last file that kept a UID are new:
 *     UIDNEXT, UIDNEXT + 1, ... in ascending number order (an old message
 *     at such a number is expunged: rmm of the last message, then an inc
 *     that reuses its number);
 *  4. a file left before that, at a number an unmatched old message had,
 *     keeps that UID and is reported changed (a new UID there would not
 *     ascend); one at a number no old message had cannot get a UID that
 *     ascends: order broken;
 *  5. old messages not matched are expunged.
 * When the UIDs would not strictly ascend with numbers, or UIDNEXT would
 * overflow, or there was no state, out gets a new UIDVALIDITY
 * (mh_state_new_uidvalidity(old->uidvalidity, now)) and UIDs 1..n, and
 * diff->reset says why.  out->recent_uid is old's (after a reset, or with
 * no state: UIDNEXT - 1, none recent) and out->seqfile is copied
 * from old.  Returns 1, or 0 with errno (out and diff then empty). */
int mh_state_reconcile(const struct mh_state *old, const struct mh_state_file *files, size_t n,
                       uint32_t now, struct mh_state *out, struct mh_state_diff *diff);
void mh_state_diff_free(struct mh_state_diff *d);

/* The stamp (MH_STAMP_FILE, 48 bytes, rewritten in place so that writing
 * it does not change the folder directory's mtime): "the message files of
 * this directory, when its mtime was dir_mtime_ns, were exactly those of
 * the state file with identity state_id".  A folder whose directory mtime
 * and state file still match it can be opened from the state file without
 * listing the directory.  Whoever writes it must know that no message file
 * changed since its last listing (inotify) and that the mtime is already in
 * the past (the coarse clock has moved on: a later change cannot share it).
 * Layout: "asimapT1", i64 dir mtime, u64 inode, i64 size, i64 mtime (ns) of
 * the state file, u64 mh_state_checksum of the 40 bytes before. */
#define MH_STAMP_FILE ".asimap-stamp"
struct mh_stamp {
	int64_t dir_mtime_ns;
	struct mh_ident state_id;
};
/* 1 and *s when dirfd has a valid stamp, else 0. */
int mh_stamp_read(int dirfd, struct mh_stamp *s);
/* Write *s (s NULL: make the stamp match nothing) into the open stamp
 * file fd.  1, or 0 with errno. */
int mh_stamp_write(int fd, const struct mh_stamp *s);

#endif
