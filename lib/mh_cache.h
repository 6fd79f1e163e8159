/* mh_cache: per-message metadata that is costly to compute, kept in the
 * hidden file MH_CACHE_FILE of a folder and keyed by each message file's
 * identity (inode, size, mtime), so a stale entry is never used: the size
 * on the wire (the whole file must be read for it), where the header ends,
 * the FETCH ENVELOPE, BODY and BODYSTRUCTURE answers, byte for byte, and
 * the header fields SEARCH reads most (search_fields_of).  An accelerator
 * only: deleting or corrupting the file loses nothing; it is rebuilt.
 *
 * The file stays on disk: memory holds an index (identity, wire size and
 * place of each entry, 48 bytes) and a read window, and an entry is read
 * when it is used, so a folder of 100,000 messages costs a few MB however
 * big its answers are.  A FETCH or SEARCH over the folder reads the file
 * in order, a window at a time.
 *
 * The file is a log: new entries are appended (no fsync: a crash costs
 * only time), and it is rewritten with the live entries only when it
 * holds more dead ones (messages gone) than live ones, or was damaged.
 *
 * Format, version 3, little-endian: the magic "asimapC3", then entries,
 * each a multiple of 8 bytes:
 *	 0 u32 entry length L	 4 u32 0
 *	 8 u64 inode		16 i64 size		24 i64 mtime (ns)
 *	32 i64 wire size (-1: not known)	40 i64 header length (bytes of the file)
 *	48 u32 envelope length	52 u32 body length	56 u32 bodystructure length
 *	60 u32 fields length
 *	64 the four strings, then zeros up to L - 8
 *	L - 8 u64 mh_state_checksum of the entry's first L - 8 bytes.
 * An entry with an empty envelope is partial: the wire size alone (of a
 * big message, counted without reading it whole), the fields alone (a
 * SEARCH read the header), or both.
 * Opening reads the entries' first 64 bytes only and stops at the first
 * that is not well formed (a torn append): those before it are used.  An
 * entry's checksum is checked whenever it is read; one that fails is no
 * entry.  Either damage has the file rewritten at the next save. */
#ifndef ASIMAP_MH_CACHE_H
#define ASIMAP_MH_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "mh_state.h"

#define MH_CACHE_FILE ".asimap-cache"
#define MH_CACHE_FILE_MAX ((uint64_t)1 << 34)   /* entries beyond are not read */
#define MH_CACHE_SLACK 4096                     /* dead bytes always tolerated */
#define MH_CACHE_STRING_MAX ((uint32_t)1 << 23) /* longer answers are not cached */
#define MH_CACHE_WINDOW ((size_t)1 << 18)       /* bytes read at a time */

/* One entry, decoded (the strings point into the entry). */
struct mh_meta {
	struct mh_ident id;
	int64_t crlf_size, hdr_len;
	const char *env, *body, *bs, *fields;
	uint32_t env_len, body_len, bs_len, fields_len;
};

/* Names an entry: 0 none; else an entry of the file or one made by this
 * process and not saved yet.  Refs change at a save (mh_cache_save). */
typedef uint64_t mh_cache_ref;

struct mh_cache_slot {
	struct mh_ident id;
	int64_t crlf_size;
	mh_cache_ref ref;
};

struct mh_cache {
	struct mh_cache_slot *idx; /* the file's entries, by identity */
	size_t nidx;
	unsigned char **fresh; /* entries made by this process, unsaved (owned) */
	size_t nfresh, cap;
	int fd;             /* the file idx points into, or -1 */
	uint64_t file_len;  /* its length as this process left it; 0: rewrite */
	unsigned char *win; /* the read window: bytes win_off.. of fd */
	size_t win_cap, win_len;
	uint64_t win_off;
};

void mh_cache_init(struct mh_cache *c);
void mh_cache_free(struct mh_cache *c);
/* Read dirfd's cache index into c (which must be empty).  1 when a file
 * was read (perhaps only in part), 0 when there is none or it is unusable.
 * Never fails otherwise: a cache that cannot be read is no cache. */
int mh_cache_load(struct mh_cache *c, int dirfd);
/* The same from an open file, which c takes (closed by mh_cache_free,
 * or here when 0 is returned). */
int mh_cache_load_fd(struct mh_cache *c, int fd);
/* The entry for this identity (and its wire size, -1 when not known, in
 * *crlf_size when not NULL), or 0. */
mh_cache_ref mh_cache_find(const struct mh_cache *c, const struct mh_ident *id, int64_t *crlf_size);
/* Make an entry (kept by c until saved).  0 when out of memory or a
 * string is too long to cache. */
mh_cache_ref mh_cache_add(struct mh_cache *c, const struct mh_meta *m);
/* The bytes of entry r, valid until the next call on c; NULL when it
 * cannot be read or is damaged (errno EIO; the file is rewritten at the
 * next save). */
const unsigned char *mh_cache_get(struct mh_cache *c, mh_cache_ref r);
/* Decode an entry's bytes. */
void mh_meta_get(const unsigned char *e, struct mh_meta *m);
/* Write the live entries live[0..n) (0 ones skipped): append those made
 * since the last save, or rewrite the file with the live ones alone when
 * it has more dead bytes than live ones or is not as this process left
 * it.  Each live[i] is changed to the entry's new ref (0 if it could not
 * be read), and entries made but not live are dropped.  1, or 0 with
 * errno (the refs then stay as they were). */
int mh_cache_save(struct mh_cache *c, int dirfd, mh_cache_ref *live, size_t n);

#endif
