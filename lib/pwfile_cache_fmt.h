/* pwfile_cache_fmt: the byte layout of the password-file index (described
 * in pwfile_cache.h), shared by its writer and its reader.  Private to
 * pwfile_cache*.c. */
#ifndef ASIMAP_PWFILE_CACHE_FMT_H
#define ASIMAP_PWFILE_CACHE_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "pwfile_cache.h"

#define PWFILE_CACHE_MAGIC "asimap-pwindex1\n"
enum {
	PWFILE_CACHE_MAGIC_BYTES = 16,
	PWFILE_CACHE_KEY_OFF = 72,
	PWFILE_CACHE_NSLOTS_OFF = 88,
	PWFILE_CACHE_NRECORDS_OFF = 92,
	PWFILE_CACHE_TABLE_OFF = 96,
	PWFILE_CACHE_LENGTH_OFF = 104,
	PWFILE_CACHE_RECORD_HEAD_BYTES = 6,
	PWFILE_CACHE_SLOT_BYTES = 8,
};

/* A record's length is a u16. */
_Static_assert(PWFILE_LINE_MAX <= UINT16_MAX, "a line must fit a record's length");

static inline void pwfile_cache_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void pwfile_cache_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void pwfile_cache_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint16_t pwfile_cache_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pwfile_cache_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t pwfile_cache_get64(const unsigned char *p)
{
	return (uint64_t)pwfile_cache_get32(p) | (uint64_t)pwfile_cache_get32(p + 4) << 32;
}

/* The 32-bit hash of a user name under the index's key (SipHash-2-4). */
static inline uint32_t pwfile_cache_hash(const unsigned char key[16], const char *user, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];

	crypto_shorthash(out, (const unsigned char *)user, len, key);
	return pwfile_cache_get32(out);
}

/* The identity fields in header order. */
static inline void pwfile_cache_id_fields(const struct pwfile_cache_id *id, uint64_t f[7])
{
	f[0] = id->dev;
	f[1] = id->ino;
	f[2] = id->size;
	f[3] = id->mtime_s;
	f[4] = id->mtime_ns;
	f[5] = id->ctime_s;
	f[6] = id->ctime_ns;
}

static inline void pwfile_cache_header(unsigned char *h, const struct pwfile_cache_id *id,
                                       const unsigned char key[16], uint32_t nslots,
                                       uint32_t nrecords, uint64_t table, uint64_t length)
{
	uint64_t f[7];

	memcpy(h, PWFILE_CACHE_MAGIC, PWFILE_CACHE_MAGIC_BYTES);
	pwfile_cache_id_fields(id, f);
	for (int i = 0; i < 7; i++)
		pwfile_cache_put64(h + PWFILE_CACHE_MAGIC_BYTES + 8 * i, f[i]);
	memcpy(h + PWFILE_CACHE_KEY_OFF, key, 16);
	pwfile_cache_put32(h + PWFILE_CACHE_NSLOTS_OFF, nslots);
	pwfile_cache_put32(h + PWFILE_CACHE_NRECORDS_OFF, nrecords);
	pwfile_cache_put64(h + PWFILE_CACHE_TABLE_OFF, table);
	pwfile_cache_put64(h + PWFILE_CACHE_LENGTH_OFF, length);
}

#endif
