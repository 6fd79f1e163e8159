/* mh_cache: per-folder metadata that is costly to compute (the size a
 * message has on the wire needs the whole file read), kept in the hidden
 * file MH_CACHE_FILE and keyed by each message file's identity (inode,
 * size, mtime), so a stale entry is never used.  An accelerator only:
 * deleting or corrupting the file loses nothing; it is rebuilt.
 *
 * Format, version 1, little-endian: "asimapC1", u64 count, count records
 * of 32 bytes (u64 inode, i64 size, i64 mtime ns, i64 wire size), ascending
 * by inode, then u64 mh_state_checksum of everything before it. */
#ifndef ASIMAP_MH_CACHE_H
#define ASIMAP_MH_CACHE_H
#include <stddef.h>
#include <stdint.h>

#define MH_CACHE_FILE ".asimap-cache"
#define MH_CACHE_RECS_MAX (1u << 22)

struct mh_cache_rec {
	uint64_t ino;
	int64_t size, mtime_ns;
	int64_t crlf_size;
};

/* Read dirfd's cache: 1 with *recs (malloc'd, ascending by inode) and *n;
 * 0 when there is none or it is corrupt (empty result).  Never fails
 * otherwise: a cache that cannot be read is no cache. */
int mh_cache_load(int dirfd, struct mh_cache_rec **recs, size_t *n);
/* The same from the file's bytes (for tests and the fuzzer). */
int mh_cache_decode(const unsigned char *buf, size_t len, struct mh_cache_rec **recs, size_t *n);
/* The record of this identity, or NULL. */
const struct mh_cache_rec *mh_cache_find(const struct mh_cache_rec *recs, size_t n, uint64_t ino,
                                         int64_t size, int64_t mtime_ns);
/* Write recs (any order; sorted here) atomically.  1, or 0 with errno. */
int mh_cache_save(int dirfd, struct mh_cache_rec *recs, size_t n);

#endif
