#include "hash_django.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

/* Largest digest any hasher derives (sha512), and the longest algorithm name
 * looked for before the first '$'. */
enum { KEY_MAX_BYTES = 64, ALGORITHM_MAX_BYTES = 32 };

/* One entry per algorithm Django names before the first '$' of a hash.
 * rest points just past that '$'.  verify returns 1 on a match, 0 on a
 * mismatch, -1 when rest is malformed (or cannot be checked); wellformed
 * returns 1 or 0 and does no hashing.  digest is the hash function the
 * algorithm is built on, NULL for one that has none; argon2, bcrypt,
 * bcrypt_sha256, scrypt, the salted md5/sha1 and crypt are new rows here
 * (the unsalted md5/sha1 forms have no "algorithm$" and will need a special
 * case in identify()). */
struct hasher {
	const char *algorithm;
	const EVP_MD *(*digest)(void);
	int (*wellformed)(const struct hasher *h, const char *rest);
	int (*verify)(const struct hasher *h, const char *rest, const char *pw, size_t pwlen);
};

/* "<iterations>$<salt>$<base64 key>" after "pbkdf2_<digest>$". */
struct pbkdf2_hash {
	int iterations;
	const char *salt;
	size_t saltlen;
	unsigned char key[KEY_MAX_BYTES];
	size_t keylen;
};

/* Iterations as Django writes them: decimal digits, no sign, no leading zero,
 * 1 to HASH_DJANGO_ITERATIONS_MAX.  Returns the byte after the digits, or
 * NULL. */
static const char *parse_iterations(const char *s, int *out)
{
	long v = 0;
	const char *p = s;

	if (*p < '1' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		/* v <= ITERATIONS_MAX here, so v * 10 + 9 fits in a long. */
		v = v * 10 + (*p - '0');
		if (v > HASH_DJANGO_ITERATIONS_MAX)
			return NULL;
	}
	*out = (int)v;
	return p;
}

/* Splits rest into h.  The key must be the canonical padded standard base64
 * of exactly one digest: Django always writes dklen = digest size and
 * compares the re-encoded string, so any other length or encoding could
 * never match there, and a short key would weaken the check here.  Returns
 * 1 or 0.  Reads at most the bytes the limits allow past each field. */
static int pbkdf2_parse(const struct hasher *hs, const char *rest, struct pbkdf2_hash *h)
{
	int mdsize = EVP_MD_size(hs->digest());
	const char *p = parse_iterations(rest, &h->iterations);

	if (mdsize <= 0 || mdsize > KEY_MAX_BYTES || !p || *p != '$')
		return 0;
	p++;
	size_t n = strnlen(p, (size_t)HASH_DJANGO_SALT_MAX_BYTES + 1);
	const char *dollar = memchr(p, '$', n);
	if (!dollar || dollar == p)
		return 0;
	h->salt = p;
	h->saltlen = (size_t)(dollar - p);

	const char *b64 = dollar + 1;
	size_t want = ((size_t)mdsize + 2) / 3 * 4;
	size_t b64len = strnlen(b64, want + 1);
	if (b64len != want)
		return 0;
	if (sodium_base642bin(h->key, sizeof h->key, b64, b64len, NULL, &h->keylen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return h->keylen == (size_t)mdsize;
}

static int pbkdf2_wellformed(const struct hasher *hs, const char *rest)
{
	struct pbkdf2_hash h;
	int ok = pbkdf2_parse(hs, rest, &h);

	sodium_memzero(&h, sizeof h);
	return ok;
}

static int pbkdf2_verify(const struct hasher *hs, const char *rest, const char *pw, size_t pwlen)
{
	struct pbkdf2_hash h;
	unsigned char dk[KEY_MAX_BYTES];
	int r = -1;

	if (pwlen <= INT_MAX && pbkdf2_parse(hs, rest, &h)) {
		/* saltlen <= SALT_MAX and keylen <= KEY_MAX: both fit in an int. */
		if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, (const unsigned char *)h.salt, (int)h.saltlen,
		                      h.iterations, hs->digest(), (int)h.keylen, dk) == 1)
			r = sodium_memcmp(dk, h.key, h.keylen) == 0;
		else
			r = 0;
	}
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(&h, sizeof h);
	return r;
}

static const struct hasher hashers[] = {
    {"pbkdf2_sha256", EVP_sha256, pbkdf2_wellformed, pbkdf2_verify},
    {"pbkdf2_sha1", EVP_sha1, pbkdf2_wellformed, pbkdf2_verify},
};

/* Django's unusable passwords start with "!"; "XXX" and "" are older
 * conventions for "no password". */
static int unusable(const char *hash)
{
	return hash[0] == '\0' || hash[0] == '!' || strcmp(hash, "XXX") == 0;
}

/* Returns the hasher named before the first '$' of hash and sets *rest just
 * past it, or NULL for an unknown algorithm. */
static const struct hasher *identify(const char *hash, const char **rest)
{
	size_t n = strnlen(hash, ALGORITHM_MAX_BYTES + 1);
	const char *dollar = memchr(hash, '$', n);

	if (!dollar)
		return NULL;
	size_t len = (size_t)(dollar - hash);
	for (size_t i = 0; i < sizeof hashers / sizeof hashers[0]; i++) {
		if (strlen(hashers[i].algorithm) == len &&
		    memcmp(hashers[i].algorithm, hash, len) == 0) {
			*rest = dollar + 1;
			return &hashers[i];
		}
	}
	return NULL;
}

int hash_django_verify(const char *hash, const char *pw, size_t pwlen)
{
	const struct hasher *h = NULL;
	const char *rest = NULL;
	int r = -1;

	if (!pw) {
		pw = "";
		pwlen = 0;
	}
	if (hash && !unusable(hash))
		h = identify(hash, &rest);
	if (h)
		r = h->verify(h, rest, pw, pwlen);
	/* As Django does since 4.2.14: a hash that can never match still
	 * costs a default verification. */
	if (r < 0)
		hash_django_dummy(pw, pwlen);
	return r == 1;
}

void hash_django_dummy(const char *pw, size_t pwlen)
{
	/* 22 characters, the length of Django's default salt. */
	static const char salt[] = "asimapdummysaltasimapd";
	unsigned char dk[32];

	if (!pw) {
		pw = "";
		pwlen = 0;
	}
	if (pwlen > INT_MAX)
		pwlen = INT_MAX;
	(void)PKCS5_PBKDF2_HMAC(pw, (int)pwlen, (const unsigned char *)salt, (int)sizeof salt - 1,
	                        HASH_DJANGO_DEFAULT_ITERATIONS, EVP_sha256(), (int)sizeof dk, dk);
	sodium_memzero(dk, sizeof dk);
}

int hash_django_wellformed(const char *hash)
{
	const struct hasher *h;
	const char *rest = NULL;

	if (!hash)
		return 0;
	if (unusable(hash))
		return 1;
	h = identify(hash, &rest);
	return h && h->wellformed(h, rest);
}
