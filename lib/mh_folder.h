/* mh_folder: MH folders on disk, read side: mailbox names to directories
 * (never leaving the mail root), the folder tree, the messages of a
 * folder and their flags from .mh_sequences. */
#ifndef ASIMAP_MH_FOLDER_H
#define ASIMAP_MH_FOLDER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stat;

#include "mh_state.h"

#define MH_NAME_MAX_BYTES 1024 /* longest mailbox name */
#define MH_DEPTH_MAX 32        /* deepest folder nesting listed */
#define MH_KEYWORDS_MAX 64     /* keywords per folder */
#define MH_SEQUENCES_MAX_BYTES (16 << 20)
#define MH_MESSAGE_MAX_BYTES ((off_t)1 << 31)

enum {
	MH_SEEN = 1 << 0,
	MH_ANSWERED = 1 << 1,
	MH_FLAGGED = 1 << 2,
	MH_DELETED = 1 << 3,
	MH_DRAFT = 1 << 4,
};

/* The system flags and the MH sequences that hold them (DESIGN.md):
 * \Seen is the absence from the unseen sequence (seq NULL). */
struct mh_flag {
	uint32_t bit;
	const char *imap, *seq;
};
#define MH_FLAG_COUNT 5
extern const struct mh_flag mh_flags[MH_FLAG_COUNT];

struct mh_msg {
	uint32_t num; /* file name */
	uint32_t uid; /* set by the caller (mh_state); 0 until then */
	uint64_t ino; /* the file's identity: inode, size, mtime in ns */
	int64_t size;
	int64_t mtime_ns;
	uint32_t flags;    /* MH_SEEN ... */
	int verified;      /* its identity was read from the file itself (else: from state) */
	uint64_t keywords; /* bits into mh_folder.kw */
	int64_t crlf_size; /* size on the wire, -1 until known */
	uint64_t modseq;   /* when its flags last changed (the supervisor's counter) */
	uint64_t meta;     /* its mh_cache_ref, 0 until known */
};

/* The internal date of message m: its file's mtime in seconds (rounded
 * down, also before 1970). */
static inline int64_t mh_msg_date(const struct mh_msg *m)
{
	return m->mtime_ns / 1000000000 - (m->mtime_ns % 1000000000 < 0);
}

struct mh_folder {
	int dirfd;
	struct mh_msg *m; /* sorted by num */
	size_t n;
	char *kw[MH_KEYWORDS_MAX];
	size_t nkw;
	uint64_t seq_sum; /* a hash of .mh_sequences as last read (mh_seq_sum) */
};

/* The identity of message m's file as it was listed. */
static inline struct mh_ident mh_msg_ident(const struct mh_msg *m)
{
	struct mh_ident id = {m->ino, m->size, m->mtime_ns};
	return id;
}

/* Is message m's file (as listed) the file with identity id? */
static inline int mh_msg_is(const struct mh_msg *m, struct mh_ident id)
{
	struct mh_ident mine = mh_msg_ident(m);
	return mh_ident_eq(&mine, &id);
}

/* Map an IMAP mailbox name (name[0..len), modified UTF-7) to a relative
 * path in UTF-8: "INBOX"
 * (any case, and as the first component) becomes "inbox"; every
 * component must be non-empty and not start with ".".
 * Returns 1 and writes the NUL-terminated path into out (MH_NAME_MAX_BYTES
 * + 1), or 0 with errno EINVAL. */
int mh_name_to_path(const char *name, size_t len, char *out);
/* Open the folder directory at relative path under rootfd, one component
 * at a time, refusing symbolic links.  Returns a close-on-exec fd, or -1
 * with errno set. */
int mh_open_dir(int rootfd, const char *path);
/* Read the messages of the folder open at dirfd and their flags (the
 * folder takes dirfd).  unseen names the profile's Unseen-Sequence.
 * Returns 1, or 0 with errno set. */
int mh_folder_load(struct mh_folder *f, int dirfd, const char *unseen);
/* The same from the message list of a state file (mh_state's records,
 * ascending by number) instead of the directory: no file is looked at but
 * .mh_sequences, and every message is left unverified. */
int mh_folder_from_list(struct mh_folder *f, int dirfd, const char *unseen,
                        const struct mh_state_msg *m, size_t n);
/* nf becomes old with the message files named nums[0..n) looked at again
 * (added, changed or removed as they are now) and the flags read again;
 * nf takes dirfd (old keeps its own).  nums is sorted here.  1, or 0 with
 * errno. */
int mh_folder_refresh(struct mh_folder *nf, const struct mh_folder *old, int dirfd, uint32_t *nums,
                      size_t n, const char *unseen);
/* Is name a message file's name ("1" to "999999999", no leading zero)?
 * Returns its number, or 0. */
uint32_t mh_msg_num(const char *name);
/* Call fn(ctx, num, sb) for each message file (a regular file whose name
 * mh_msg_num reads; sb its lstat) of the folder open at dirfd, in
 * directory order, until fn returns 0.  Returns 1, or 0 with errno: the
 * directory could not be read (a partial list is never given as whole),
 * or fn returned 0 (it sets errno). */
int mh_msg_files(int dirfd, int (*fn)(void *ctx, uint32_t num, const struct stat *sb), void *ctx);
void mh_folder_free(struct mh_folder *f);
/* The hash of dirfd's .mh_sequences that reading it leaves in seq_sum: is
 * it still what was read?  1, or 0 with errno. */
int mh_seq_sum(int dirfd, uint64_t *sum);
/* What SELECT tells from .mh_sequences, for a folder of n messages whose
 * numbers (ascending) num_at gives, without a message list: the place
 * (from 1) of the first message in the unseen sequence, 0 for none, and
 * the keywords, named and ordered as mh_folder_load names them. */
struct mh_peek {
	size_t first_unseen;
	char *kw[MH_KEYWORDS_MAX];
	size_t nkw;
};
/* 1, or 0 with errno (EIO: num_at failed). */
int mh_folder_peek(int dirfd, const char *unseen, size_t n,
                   int (*num_at)(void *ctx, size_t i, uint32_t *num), void *ctx, struct mh_peek *p);
void mh_peek_free(struct mh_peek *p);

/* Index of message num, or -1 (by number; UIDs ascend with numbers). */
long mh_folder_find(const struct mh_folder *f, uint32_t num);
/* Index of the first message with num >= v (f->n when none). */
size_t mh_folder_lower(const struct mh_folder *f, uint32_t v);
/* Read message i whole into *data (malloc'd, caller frees).  Returns 1,
 * 2 when the file read is not the one listed (changed in place since:
 * its identity differs), or 0 with errno set (ENOENT when an outside tool
 * removed it). */
int mh_msg_read(const struct mh_folder *f, size_t i, char **data, size_t *len);

/* Read at least the header of message i (up to and with its first empty
 * line) into *data (malloc'd), *len bytes; *whole is set when that is
 * the whole file.  Returns as mh_msg_read. */
int mh_msg_read_head(const struct mh_folder *f, size_t i, char **data, size_t *len, int *whole);

/* Call fn for every folder under rootfd, depth first, with its IMAP name
 * ("INBOX" for inbox, modified UTF-7; folders whose names are not UTF-8
 * are left out, with what is below them) and whether it has subfolders.
 * fn returns MH_LIST_DESCEND to go on into the folder's subfolders,
 * MH_LIST_SKIP to go on without them, or MH_LIST_STOP: then mh_list
 * stops and returns 0; it returns 1 otherwise.  Symbolic links are never
 * followed; folders deeper than MH_DEPTH_MAX are not listed. */
enum { MH_LIST_STOP = 0, MH_LIST_DESCEND = 1, MH_LIST_SKIP = 2 };
typedef int (*mh_list_fn)(void *ctx, const char *name, int has_children);
int mh_list(int rootfd, mh_list_fn fn, void *ctx);

#endif
