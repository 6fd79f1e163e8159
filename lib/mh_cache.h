/* mh_cache: per-message metadata that is costly to compute, kept in the
 * hidden file MH_CACHE_FILE of a folder and keyed by each message file's
 * identity (inode, size, mtime), so a stale entry is never used: the size
 * on the wire (the whole file must be read for it), where the header ends,
 * and the FETCH ENVELOPE, BODY and BODYSTRUCTURE answers, byte for byte.
 * An accelerator only: deleting or corrupting the file loses nothing; it
 * is rebuilt.
 *
 * The file is a log: new entries are appended (no fsync: a crash costs
 * only time), and it is rewritten with the live entries only when it
 * holds more dead ones (messages gone) than live ones, or was damaged.
 *
 * Format, version 2, little-endian: the magic "asimapC2", then entries,
 * each a multiple of 8 bytes:
 *	 0 u32 entry length L	 4 u32 0
 *	 8 u64 inode		16 i64 size		24 i64 mtime (ns)
 *	32 i64 wire size	40 i64 header length (bytes of the file)
 *	48 u32 envelope length	52 u32 body length	56 u32 bodystructure length
 *	60 u32 0
 *	64 the three strings, then zeros up to L - 8
 *	L - 8 u64 mh_state_checksum of the entry's first L - 8 bytes.
 * Reading stops at the first entry that does not check (a torn append):
 * those before it are used, and the file is rewritten at the next save. */
#ifndef ASIMAP_MH_CACHE_H
#define ASIMAP_MH_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "mh_state.h"

#define MH_CACHE_FILE ".asimap-cache"
#define MH_CACHE_FILE_MAX ((size_t)1 << 31)     /* a bigger file is not read */
#define MH_CACHE_SLACK 4096                     /* dead bytes always tolerated */
#define MH_CACHE_STRING_MAX ((uint32_t)1 << 24) /* longer answers are not cached */

/* One entry, decoded (the strings point into the entry). */
struct mh_meta {
	struct mh_ident id;
	int64_t crlf_size, hdr_len;
	const char *env, *body, *bs;
	uint32_t env_len, body_len, bs_len;
};

struct mh_cache_map;

struct mh_cache {
	const unsigned char **idx; /* entries read from the file, by identity */
	size_t nidx;
	unsigned char **fresh;     /* entries made by this process (owned) */
	size_t nfresh, cap, saved; /* fresh[0..saved) are in the file */
	struct mh_cache_map *maps; /* the file's bytes as read (owned) */
	size_t file_len;           /* its length as this process left it; 0: rewrite */
};

void mh_cache_init(struct mh_cache *c);
void mh_cache_free(struct mh_cache *c);
/* Read dirfd's cache into c (which must be empty).  1 when a file was
 * read (perhaps only in part), 0 when there is none or it is unusable.
 * Never fails otherwise: a cache that cannot be read is no cache. */
int mh_cache_load(struct mh_cache *c, int dirfd);
/* The same from a file's bytes, which c takes (malloc'd) or copies
 * (own 0: for tests and the fuzzer; buf must then outlive c). */
int mh_cache_decode(struct mh_cache *c, unsigned char *buf, size_t len, int own);
/* The entry for this identity, or NULL. */
const unsigned char *mh_cache_find(const struct mh_cache *c, const struct mh_ident *id);
/* Make an entry (kept by c until mh_cache_free).  NULL when out of memory
 * or a string is too long to cache. */
const unsigned char *mh_cache_add(struct mh_cache *c, const struct mh_meta *m);
/* Decode an entry made by mh_cache_add or found by mh_cache_find. */
void mh_meta_get(const unsigned char *e, struct mh_meta *m);
/* Append the entries made since the last save, or rewrite the file with
 * the live entries live[0..n) (any order, NULL ones skipped) when it has
 * more dead bytes than live ones or is not as this process left it.
 * 1, or 0 with errno. */
int mh_cache_save(struct mh_cache *c, int dirfd, const unsigned char *const *live, size_t n);

#endif
