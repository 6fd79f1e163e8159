/* Django's pbkdf2_sha256 and pbkdf2_sha1:
 *	pbkdf2_<digest>$<iterations>$<salt>$<base64 of one digest-sized key>
 * Django re-encodes the password with the stored salt and iterations and
 * compares the whole strings, so only the canonical encoding can match. */
#include "hash_django.h"
#include "hash_hasher.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

struct pbkdf2_hash {
	unsigned long iterations;
	const char *salt;
	size_t saltlen;
	unsigned char key[HASH_KEY_MAX_BYTES];
	size_t keylen;
};

/* Splits rest into h for digest md.  Returns 1 or 0. */
static int parse(const EVP_MD *md, const char *rest, struct pbkdf2_hash *h)
{
	int mdsize = EVP_MD_size(md);
	const char *p = hash_parse_uint(rest, 1, HASH_DJANGO_ITERATIONS_MAX, &h->iterations);

	if (mdsize <= 0 || mdsize > HASH_KEY_MAX_BYTES || !p || *p != '$')
		return 0;
	p++;
	h->salt = p;
	h->saltlen = hash_field_len(p, HASH_DJANGO_SALT_MAX_BYTES);
	if (h->saltlen == 0 || h->saltlen > HASH_DJANGO_SALT_MAX_BYTES || p[h->saltlen] != '$')
		return 0;
	const char *b64 = p + h->saltlen + 1;
	size_t want = ((size_t)mdsize + 2) / 3 * 4;
	if (strnlen(b64, want + 1) != want)
		return 0;
	long n = hash_b64_decode(b64, want, 1, h->key, sizeof h->key);
	if (n != mdsize)
		return 0;
	h->keylen = (size_t)n;
	return 1;
}

static int wellformed(const EVP_MD *md, const char *rest)
{
	struct pbkdf2_hash h;
	int ok = parse(md, rest, &h);

	sodium_memzero(&h, sizeof h);
	return ok;
}

static int verify(const EVP_MD *md, const char *rest, const char *pw, size_t pwlen)
{
	struct pbkdf2_hash h;
	unsigned char dk[HASH_KEY_MAX_BYTES];
	int r = -1;

	if (pwlen <= INT_MAX && parse(md, rest, &h)) {
		/* iterations, saltlen and keylen are capped far below INT_MAX. */
		if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, (const unsigned char *)h.salt, (int)h.saltlen,
		                      (int)h.iterations, md, (int)h.keylen, dk) == 1)
			r = sodium_memcmp(dk, h.key, h.keylen) == 0;
	}
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(&h, sizeof h);
	return r;
}

static int sha256_wellformed(const char *rest)
{
	return wellformed(EVP_sha256(), rest);
}

static int sha256_verify(const char *rest, const char *pw, size_t pwlen)
{
	return verify(EVP_sha256(), rest, pw, pwlen);
}

static int sha1_wellformed(const char *rest)
{
	return wellformed(EVP_sha1(), rest);
}

static int sha1_verify(const char *rest, const char *pw, size_t pwlen)
{
	return verify(EVP_sha1(), rest, pw, pwlen);
}

const struct hash_hasher hash_pbkdf2_sha256 = {"pbkdf2_sha256", HASH_HARDEN_PBKDF2_SHA256,
                                               sha256_wellformed, sha256_verify};
const struct hash_hasher hash_pbkdf2_sha1 = {"pbkdf2_sha1", HASH_HARDEN_MEASURED, sha1_wellformed,
                                             sha1_verify};

unsigned long hash_pbkdf2_iterations(const char *rest)
{
	unsigned long it = 0;

	return hash_parse_uint(rest, 1, HASH_DJANGO_ITERATIONS_MAX, &it) ? it : 0;
}

int hash_pbkdf2_make(int sha1, unsigned long iterations, const char *pw, size_t pwlen,
                     const char *salt, char *out, size_t outsz)
{
	const EVP_MD *md = sha1 ? EVP_sha1() : EVP_sha256();
	unsigned char dk[HASH_KEY_MAX_BYTES];
	char b64[sodium_base64_ENCODED_LEN(HASH_KEY_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	int mdsize = EVP_MD_size(md), ok = 0;
	size_t saltlen = strlen(salt);

	if (iterations < 1 || iterations > HASH_DJANGO_ITERATIONS_MAX || pwlen > INT_MAX ||
	    saltlen == 0 || saltlen > HASH_DJANGO_SALT_MAX_BYTES || strchr(salt, '$') ||
	    mdsize <= 0 || mdsize > HASH_KEY_MAX_BYTES) {
		errno = EINVAL;
		return 0;
	}
	if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, (const unsigned char *)salt, (int)saltlen,
	                      (int)iterations, md, mdsize, dk) != 1) {
		errno = ENOMEM;
		goto done;
	}
	sodium_bin2base64(b64, sizeof b64, dk, (size_t)mdsize, sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(out, outsz, "pbkdf2_%s$%lu$%s$%s", sha1 ? "sha1" : "sha256", iterations,
	                 salt, b64);
	ok = n > 0 && (size_t)n < outsz;
	if (!ok)
		errno = ERANGE;
done:
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(b64, sizeof b64);
	return ok;
}
