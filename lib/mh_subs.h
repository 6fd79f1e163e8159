/* mh_subs: the IMAP subscriptions of one mail root, kept in one file of
 * the mail root, MH_SUBS_FILE (a dot name: nmh ignores it).
 *
 * Format: one IMAP mailbox name per line, LF-terminated, in strcmp order,
 * each once, in canonical form: modified UTF-7 as LIST writes it (a name
 * is decoded and encoded again), and "INBOX" for a first component that
 * is INBOX in any case.  When reading, a CR before the LF is dropped,
 * and so are empty lines, duplicates and lines that are not a valid name
 * (mh_subs_valid); the order of the file does not matter.  A rewrite
 * writes the canonical form, so such lines are dropped from the file.
 *
 * Writes (mh_subs_update) take an exclusive flock on MH_SUBS_LOCK_FILE
 * beside it, read the file, let the caller edit, and when the text
 * changed write MH_SUBS_TMP_FILE, fsync it, rename it over the file and
 * fsync the mail root: a crash leaves the old file or the new one.  Reads
 * take no lock (the file is only ever replaced whole).  No descriptor or
 * lock outlives a call. */
#ifndef ASIMAP_MH_SUBS_H
#define ASIMAP_MH_SUBS_H
#include <stddef.h>

#define MH_SUBS_FILE ".asimap-subscriptions"
#define MH_SUBS_LOCK_FILE ".asimap-subscriptions.lock"
#define MH_SUBS_TMP_FILE ".asimap-subscriptions.tmp"
#define MH_SUBS_FILE_MAX_BYTES (4u << 20) /* larger files are refused (EFBIG) */
#define MH_SUBS_NAMES_MAX 65536           /* subscriptions in one mail root */
#define MH_SUBS_LOCK_WAIT_MS 2000         /* then EAGAIN */

/* Sorted (strcmp), unique, every name valid.  Zero-initialise or
 * mh_subs_init; free with mh_subs_free. */
struct mh_subs {
	char **name; /* each malloc'd, NUL-terminated */
	size_t n, cap;
};

void mh_subs_init(struct mh_subs *s);
void mh_subs_free(struct mh_subs *s);

/* Is name[0..len) a name the file can hold?  An IMAP name (modified
 * UTF-7) of at most MH_NAME_MAX_BYTES that mh_name_to_path accepts
 * (components non-empty, not starting with "."), without control
 * characters (bytes below 0x20, and 0x7f). */
int mh_subs_valid(const char *name, size_t len);

/* Parse the file's text (len bytes, any content) into s, which must be
 * empty.  Returns 1, or 0 with errno EFBIG (len over
 * MH_SUBS_FILE_MAX_BYTES), E2BIG (more than MH_SUBS_NAMES_MAX names) or
 * ENOMEM; s is then empty again. */
int mh_subs_parse(struct mh_subs *s, const char *text, size_t len);

/* The file's text for s (malloc'd into *out, *len bytes; caller frees;
 * *out may be NULL when *len is 0).  Returns 1, or 0 with errno ENOMEM. */
int mh_subs_format(const struct mh_subs *s, char **out, size_t *len);

/* 1 when name (NUL-terminated, canonical) is in s, else 0. */
int mh_subs_has(const struct mh_subs *s, const char *name);

/* Add name (NUL-terminated; INBOX in any case made canonical); already
 * there is fine.  Returns 1, or 0 with errno EINVAL (not valid), E2BIG
 * (MH_SUBS_NAMES_MAX) or ENOMEM, s unchanged. */
int mh_subs_add(struct mh_subs *s, const char *name);
/* Remove name (made canonical as above); absent (or not valid) is fine.
 * Returns 1, or 0 with errno ENOMEM. */
int mh_subs_remove(struct mh_subs *s, const char *name);
/* Names from and from/... become to and to/... (both made canonical);
 * one that would pass MH_NAME_MAX_BYTES is dropped.  Returns 1, or 0
 * with errno EINVAL (from or to not valid) or ENOMEM, s unchanged. */
int mh_subs_rename(struct mh_subs *s, const char *from, const char *to);

/* LSUB: call emit, in strcmp order and once each, for every subscribed
 * name that match accepts (noselect 0), and, when parents is set (the
 * pattern holds "%"), for every parent of a subscribed name that match
 * refuses, that match accepts and that is not subscribed itself
 * (noselect 1: RFC 3501 6.3.9).  Parents are looked for at most
 * MH_SUBS_PARENT_DEPTH components deep.  Stops and returns 0 when emit
 * does; 0 with errno ENOMEM; else 1. */
#define MH_SUBS_PARENT_DEPTH 32
typedef int (*mh_subs_match_fn)(void *ctx, const char *name);
typedef int (*mh_subs_emit_fn)(void *ctx, const char *name, int noselect);
int mh_subs_lsub(const struct mh_subs *s, int parents, mh_subs_match_fn match, void *mctx,
                 mh_subs_emit_fn emit, void *ectx);

/* Read rootfd's subscriptions into s (which must be empty); a missing
 * file is no subscription.  Returns 1, or 0 with errno: ELOOP (a symbolic
 * link), EINVAL (not a regular file), EFBIG, E2BIG, or a system error. */
int mh_subs_load(int rootfd, struct mh_subs *s);

/* Under the lock: read, let fn edit s (fn returns 1 to go on, or 0 with
 * errno to give up), write when the text changed.  Returns 1, or 0 with
 * errno (EAGAIN: the lock stayed taken for MH_SUBS_LOCK_WAIT_MS). */
typedef int (*mh_subs_edit_fn)(struct mh_subs *s, void *ctx);
int mh_subs_update(int rootfd, mh_subs_edit_fn fn, void *ctx);

/* Subscribe (on) or unsubscribe name in rootfd's file.  1, or 0 with errno. */
int mh_subs_set(int rootfd, const char *name, int on);
/* mh_subs_rename in rootfd's file.  1, or 0 with errno. */
int mh_subs_move(int rootfd, const char *from, const char *to);

#endif
