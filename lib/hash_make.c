/* hash_make: Django 4.2's make_password() for the hashers a site would
 * choose today.  The work is in the hasher modules (hash_hasher.h). */
#include "hash_make.h"
#include "hash_hasher.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static const char *const known[] = {"pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256",
                                    "scrypt"};

int hash_make_known(const char *name)
{
	for (size_t i = 0; name && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(name, known[i]) == 0)
			return 1;
	return 0;
}

void hash_make_salt(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[n] = '\0';
}

int hash_make_unusable(char *out, size_t outsz)
{
	if (outsz < HASH_MAKE_UNUSABLE_CHARS + 2) {
		errno = ERANGE;
		return 0;
	}
	out[0] = '!';
	hash_make_salt(out + 1, HASH_MAKE_UNUSABLE_CHARS);
	return 1;
}

/* bcrypt's own salt, as Python's bcrypt.gensalt(): "$2b$12$" and 22
 * characters from 16 random bytes. */
static int bcrypt_setting(char *out, size_t outsz)
{
	unsigned char rnd[16];
	char *s;

	randombytes_buf(rnd, sizeof rnd);
	s = crypt_gensalt_rn("$2b$", HASH_MAKE_BCRYPT_COST, (const char *)rnd, (int)sizeof rnd, out,
	                     (int)outsz);
	sodium_memzero(rnd, sizeof rnd);
	if (!s) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int hash_make(const char *name, const char *pw, size_t pwlen, char *out, size_t outsz)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	if (!name)
		name = HASH_MAKE_DEFAULT;
	if (!pw)
		pwlen = 0;
	if (!pw)
		pw = "";
	if (!hash_make_known(name)) {
		errno = EINVAL;
		return 0;
	}
	if (strcmp(name, "bcrypt_sha256") == 0)
		return bcrypt_setting(salt, sizeof salt) &&
		       hash_bcrypt_sha256_make(pw, pwlen, salt, out, outsz);
	hash_make_salt(salt, HASH_MAKE_SALT_CHARS);
	if (strcmp(name, "pbkdf2_sha256") == 0 || strcmp(name, "pbkdf2_sha1") == 0)
		return hash_pbkdf2_make(strcmp(name, "pbkdf2_sha1") == 0,
		                        HASH_MAKE_PBKDF2_ITERATIONS, pw, pwlen, salt, out, outsz);
	if (strcmp(name, "argon2") == 0)
		return hash_argon2_make(HASH_MAKE_ARGON2_TIME, HASH_MAKE_ARGON2_MEMORY_KIB,
		                        HASH_MAKE_ARGON2_PARALLELISM, HASH_MAKE_ARGON2_HASH_BYTES,
		                        pw, pwlen, salt, out, outsz);
	return hash_scrypt_make(HASH_MAKE_SCRYPT_N, HASH_MAKE_SCRYPT_R, HASH_MAKE_SCRYPT_P, pw,
	                        pwlen, salt, out, outsz);
}
