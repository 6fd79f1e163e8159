/* Django's scrypt hasher (Django 4.0 and later):
 *	scrypt$<N>$<salt>$<r>$<p>$<base64 of a 64-byte key>
 * Verified with OpenSSL's EVP_PBE_scrypt, the function behind Python's
 * hashlib.scrypt.  N, r and p are capped before anything is allocated. */
#include "hash_django.h"
#include "hash_hasher.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

/* Django's dklen. */
enum { SCRYPT_KEY_BYTES = 64 };

struct scrypt_hash {
	unsigned long n, r, p;
	const char *salt;
	size_t saltlen;
	unsigned char key[SCRYPT_KEY_BYTES];
};

/* The memory EVP_PBE_scrypt needs for n, r, p (its B and V arrays), or 0
 * when the parameters are out of range: N a power of two from 2, below
 * 2^(16 r) as scrypt requires, 128 r N within the cap. */
static uint64_t memory_needed(unsigned long n, unsigned long r, unsigned long p)
{
	if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1)
		return 0;
	if (r > HASH_DJANGO_SCRYPT_BLOCK_SIZE_MAX || p > HASH_DJANGO_SCRYPT_PARALLELISM_MAX)
		return 0;
	if (16 * r < 64 && (uint64_t)n >= (uint64_t)1 << (16 * r))
		return 0;
	/* r <= 2^10 and n <= cap / 128: the products fit in 64 bits. */
	if ((uint64_t)n > HASH_DJANGO_SCRYPT_MEMORY_MAX_BYTES / 128 / r)
		return 0;
	return 128 * (uint64_t)r * ((uint64_t)n + 2) + 128 * (uint64_t)r * p;
}

static int parse(const char *rest, struct scrypt_hash *h)
{
	const char *p = hash_parse_uint(rest, 2, HASH_DJANGO_SCRYPT_MEMORY_MAX_BYTES, &h->n);
	static const size_t b64len = (SCRYPT_KEY_BYTES + 2) / 3 * 4;

	if (!p || *p != '$')
		return 0;
	h->salt = ++p;
	h->saltlen = hash_field_len(p, HASH_DJANGO_SALT_MAX_BYTES);
	if (h->saltlen == 0 || h->saltlen > HASH_DJANGO_SALT_MAX_BYTES || p[h->saltlen] != '$')
		return 0;
	p = hash_parse_uint(p + h->saltlen + 1, 1, HASH_DJANGO_SCRYPT_BLOCK_SIZE_MAX, &h->r);
	if (!p || *p != '$')
		return 0;
	p = hash_parse_uint(p + 1, 1, HASH_DJANGO_SCRYPT_PARALLELISM_MAX, &h->p);
	if (!p || *p != '$' || memory_needed(h->n, h->r, h->p) == 0)
		return 0;
	p++;
	if (strnlen(p, b64len + 1) != b64len)
		return 0;
	return hash_b64_decode(p, b64len, 1, h->key, sizeof h->key) == SCRYPT_KEY_BYTES;
}

static int scrypt_wellformed(const char *rest)
{
	struct scrypt_hash h;
	int ok = parse(rest, &h);

	sodium_memzero(&h, sizeof h);
	return ok;
}

static int derive(const struct scrypt_hash *h, const char *pw, size_t pwlen,
                  unsigned char dk[SCRYPT_KEY_BYTES])
{
	return EVP_PBE_scrypt(pw, pwlen, (const unsigned char *)h->salt, h->saltlen, h->n, h->r,
	                      h->p, memory_needed(h->n, h->r, h->p), dk, SCRYPT_KEY_BYTES) == 1;
}

static int scrypt_verify(const char *rest, const char *pw, size_t pwlen)
{
	struct scrypt_hash h;
	unsigned char dk[SCRYPT_KEY_BYTES];
	int r = -1;

	if (parse(rest, &h) && derive(&h, pw, pwlen, dk))
		r = sodium_memcmp(dk, h.key, sizeof dk) == 0;
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(&h, sizeof h);
	return r;
}

const struct hash_hasher hash_scrypt = {"scrypt", HASH_HARDEN_MEASURED, scrypt_wellformed,
                                        scrypt_verify};

int hash_scrypt_make(unsigned long n, unsigned long r, unsigned long p, const char *pw,
                     size_t pwlen, const char *salt, char *out, size_t outsz)
{
	struct scrypt_hash h = {n, r, p, salt, strlen(salt), {0}};
	unsigned char dk[SCRYPT_KEY_BYTES];
	char b64[sodium_base64_ENCODED_LEN(SCRYPT_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	int ok = 0;

	if (memory_needed(n, r, p) == 0 || h.saltlen == 0 ||
	    h.saltlen > HASH_DJANGO_SALT_MAX_BYTES || strchr(salt, '$')) {
		errno = EINVAL;
		return 0;
	}
	if (!derive(&h, pw, pwlen, dk)) {
		errno = ENOMEM;
		goto done;
	}
	sodium_bin2base64(b64, sizeof b64, dk, sizeof dk, sodium_base64_VARIANT_ORIGINAL);
	int len = snprintf(out, outsz, "scrypt$%lu$%s$%lu$%lu$%s", n, salt, r, p, b64);
	ok = len > 0 && (size_t)len < outsz;
	if (!ok)
		errno = ERANGE;
done:
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(b64, sizeof b64);
	return ok;
}
