/* Django's hashers built on crypt(3), verified with libxcrypt's crypt_rn:
 *	bcrypt_sha256$$2b$12$<22 salt><31 hash>   password = hex(sha256(password))
 *	bcrypt$$2b$12$<22 salt><31 hash>          password as is (72 bytes used)
 *	crypt$<ignored salt>$<13-character DES crypt>
 * Django has one bcrypt_sha256 encoding, the lowercase hex digest of the
 * password fed to bcrypt; its hashes from the py-bcrypt days carry "$2a$",
 * later ones "$2b$", and "$2y$" comes from PHP: all three are accepted.
 * Django compares the whole re-encoded string, as is done here. */
#include "hash_django.h"
#include "hash_hasher.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <sodium.h>

/* A bcrypt string: "$2b$NN$" and 53 characters of bcrypt's base64. */
enum { BCRYPT_BYTES = 60, BCRYPT_PREFIX_BYTES = 7, DES_BYTES = 13, BCRYPT_KEY_BYTES = 72 };

static int is_crypt64(char c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

/* Returns 1 when s is exactly one bcrypt string with a cost from 4 to
 * HASH_DJANGO_BCRYPT_COST_MAX. */
static int bcrypt_string(const char *s)
{
	if (strnlen(s, BCRYPT_BYTES + 1) != BCRYPT_BYTES)
		return 0;
	if (s[0] != '$' || s[1] != '2' || (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') ||
	    s[3] != '$' || s[6] != '$' || s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9')
		return 0;
	int cost = (s[4] - '0') * 10 + (s[5] - '0');
	if (cost < 4 || cost > HASH_DJANGO_BCRYPT_COST_MAX)
		return 0;
	for (size_t i = BCRYPT_PREFIX_BYTES; i < BCRYPT_BYTES; i++)
		if (!is_crypt64(s[i]))
			return 0;
	return 1;
}

/* crypt_rn(phrase, setting) compared with want (wantlen bytes) in constant
 * time.  phrase is copied (NUL-terminated) and the copy and libxcrypt's
 * working memory wiped.  Returns 1, 0, or -1 when it cannot run. */
static int crypt_compare(const char *phrase, size_t len, const char *setting, const char *want,
                         size_t wantlen)
{
	char copy[CRYPT_MAX_PASSPHRASE_SIZE + 1];
	struct crypt_data *cd = calloc(1, sizeof *cd);
	int r = -1;

	if (!cd)
		return -1;
	if (len < sizeof copy) {
		memcpy(copy, phrase, len);
		copy[len] = '\0';
		const char *out = crypt_rn(copy, setting, cd, (int)sizeof *cd);
		if (out)
			r = strlen(out) == wantlen && sodium_memcmp(out, want, wantlen) == 0;
	}
	sodium_memzero(copy, sizeof copy);
	sodium_memzero(cd, sizeof *cd);
	free(cd);
	return r;
}

static int bcrypt_wellformed(const char *rest)
{
	return bcrypt_string(rest);
}

/* Python's bcrypt refuses a password with a NUL; so nothing matches. */
static int bcrypt_verify(const char *rest, const char *pw, size_t pwlen)
{
	if (!bcrypt_string(rest))
		return -1;
	if (memchr(pw, '\0', pwlen))
		return 0;
	/* bcrypt reads at most 72 bytes of the password. */
	if (pwlen > BCRYPT_KEY_BYTES)
		pwlen = BCRYPT_KEY_BYTES;
	return crypt_compare(pw, pwlen, rest, rest, BCRYPT_BYTES);
}

static int bcrypt_sha256_verify(const char *rest, const char *pw, size_t pwlen)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	int r;

	if (!bcrypt_string(rest))
		return -1;
	SHA256((const unsigned char *)pw, pwlen, md);
	sodium_bin2hex(hex, sizeof hex, md, sizeof md);
	r = crypt_compare(hex, sizeof hex - 1, rest, rest, BCRYPT_BYTES);
	sodium_memzero(md, sizeof md);
	sodium_memzero(hex, sizeof hex);
	return r;
}

/* "<salt>$<13 DES characters>": Django ignores the salt field (old versions
 * wrote the salt there, newer ones leave it empty); the DES string carries
 * its own. */
static const char *des_string(const char *rest)
{
	size_t n = hash_field_len(rest, HASH_DJANGO_SALT_MAX_BYTES);
	const char *des = rest + n + 1;

	if (n > HASH_DJANGO_SALT_MAX_BYTES || rest[n] != '$')
		return NULL;
	if (strnlen(des, DES_BYTES + 1) != DES_BYTES)
		return NULL;
	for (size_t i = 0; i < DES_BYTES; i++)
		if (!is_crypt64(des[i]))
			return NULL;
	return des;
}

static int crypt_wellformed(const char *rest)
{
	return des_string(rest) != NULL;
}

/* Python's crypt refuses a NUL, and libxcrypt a phrase of
 * CRYPT_MAX_PASSPHRASE_SIZE bytes or more: neither can match in Django. */
static int crypt_verify(const char *rest, const char *pw, size_t pwlen)
{
	const char *des = des_string(rest);

	if (!des)
		return -1;
	if (memchr(pw, '\0', pwlen) || pwlen >= CRYPT_MAX_PASSPHRASE_SIZE)
		return 0;
	return crypt_compare(pw, pwlen, des, des, DES_BYTES);
}

const struct hash_hasher hash_bcrypt_sha256 = {"bcrypt_sha256", HASH_HARDEN_MEASURED,
                                               bcrypt_wellformed, bcrypt_sha256_verify};
const struct hash_hasher hash_bcrypt = {"bcrypt", HASH_HARDEN_MEASURED, bcrypt_wellformed,
                                        bcrypt_verify};
const struct hash_hasher hash_crypt = {"crypt", HASH_HARDEN_FULL, crypt_wellformed, crypt_verify};

int hash_bcrypt_sha256_make(const char *pw, size_t pwlen, const char *setting, char *out,
                            size_t outsz)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	struct crypt_data *cd = calloc(1, sizeof *cd);
	int ok = 0;

	if (!cd)
		return 0;
	SHA256((const unsigned char *)pw, pwlen, md);
	sodium_bin2hex(hex, sizeof hex, md, sizeof md);
	const char *s = crypt_rn(hex, setting, cd, (int)sizeof *cd);
	if (!s || !bcrypt_string(s)) {
		errno = EINVAL;
	} else {
		int n = snprintf(out, outsz, "bcrypt_sha256$%s", s);
		ok = n > 0 && (size_t)n < outsz;
		if (!ok)
			errno = ERANGE;
	}
	sodium_memzero(md, sizeof md);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(cd, sizeof *cd);
	free(cd);
	return ok;
}
