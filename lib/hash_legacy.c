/* The legacy hashers Django still verifies, all one digest of salt and
 * password written as lowercase hex:
 *	sha1$<salt>$<40 hex>	md5$<salt>$<32 hex>	(salted)
 *	sha1$$<40 hex>		md5$$<32 hex>	<32 hex>	(unsalted)
 * For the unsalted forms rest is the hex alone (hash_django.c recognises
 * them by length and prefix, as Django's identify_hasher does). */
#include "hash_django.h"
#include "hash_hasher.h"

#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

/* Digest of salt then pw compared with the hex at want (2 * size bytes,
 * checked already).  Returns 1, 0, or -1 when the digest cannot run. */
static int digest_compare(const EVP_MD *md, const char *salt, size_t saltlen, const char *pw,
                          size_t pwlen, const char *want)
{
	unsigned char got[EVP_MAX_MD_SIZE], expect[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t size = (size_t)EVP_MD_size(md), len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -1;

	if (ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, salt, saltlen) == 1 && EVP_DigestUpdate(ctx, pw, pwlen) == 1 &&
	    EVP_DigestFinal_ex(ctx, got, &n) == 1 && n == size &&
	    sodium_hex2bin(expect, sizeof expect, want, 2 * size, NULL, &len, NULL) == 0 &&
	    len == size)
		r = sodium_memcmp(got, expect, size) == 0;
	EVP_MD_CTX_free(ctx);
	sodium_memzero(got, sizeof got);
	sodium_memzero(expect, sizeof expect);
	return r;
}

/* "<salt>$<hex>" with a salt of 1 to HASH_DJANGO_SALT_MAX_BYTES bytes and
 * exactly 2 * size lowercase hex digits.  Returns the hex, or NULL. */
static const char *salted(const char *rest, size_t size, size_t *saltlen)
{
	size_t n = hash_field_len(rest, HASH_DJANGO_SALT_MAX_BYTES);
	const char *hex = rest + n + 1;

	if (n == 0 || n > HASH_DJANGO_SALT_MAX_BYTES || rest[n] != '$')
		return NULL;
	if (strnlen(hex, 2 * size + 1) != 2 * size || !hash_is_lower_hex(hex, 2 * size))
		return NULL;
	*saltlen = n;
	return hex;
}

static int unsalted(const char *rest, size_t size)
{
	return strnlen(rest, 2 * size + 1) == 2 * size && hash_is_lower_hex(rest, 2 * size);
}

static int sha1_wellformed(const char *rest)
{
	size_t n;

	return salted(rest, 20, &n) != NULL;
}

static int sha1_verify(const char *rest, const char *pw, size_t pwlen)
{
	size_t n = 0;
	const char *hex = salted(rest, 20, &n);

	return hex ? digest_compare(EVP_sha1(), rest, n, pw, pwlen, hex) : -1;
}

static int md5_wellformed(const char *rest)
{
	size_t n;

	return salted(rest, 16, &n) != NULL;
}

static int md5_verify(const char *rest, const char *pw, size_t pwlen)
{
	size_t n = 0;
	const char *hex = salted(rest, 16, &n);

	return hex ? digest_compare(EVP_md5(), rest, n, pw, pwlen, hex) : -1;
}

static int unsalted_sha1_wellformed(const char *rest)
{
	return unsalted(rest, 20);
}

static int unsalted_sha1_verify(const char *rest, const char *pw, size_t pwlen)
{
	return unsalted(rest, 20) ? digest_compare(EVP_sha1(), "", 0, pw, pwlen, rest) : -1;
}

static int unsalted_md5_wellformed(const char *rest)
{
	return unsalted(rest, 16);
}

static int unsalted_md5_verify(const char *rest, const char *pw, size_t pwlen)
{
	return unsalted(rest, 16) ? digest_compare(EVP_md5(), "", 0, pw, pwlen, rest) : -1;
}

const struct hash_hasher hash_sha1 = {"sha1", HASH_HARDEN_FULL, sha1_wellformed, sha1_verify};
const struct hash_hasher hash_md5 = {"md5", HASH_HARDEN_FULL, md5_wellformed, md5_verify};
const struct hash_hasher hash_unsalted_sha1 = {"unsalted_sha1", HASH_HARDEN_FULL,
                                               unsalted_sha1_wellformed, unsalted_sha1_verify};
const struct hash_hasher hash_unsalted_md5 = {"unsalted_md5", HASH_HARDEN_FULL,
                                              unsalted_md5_wellformed, unsalted_md5_verify};
