/* hash_django: verify passwords against Django's encoded password hashes.
 * Every hasher Django ships and still verifies:
 *	pbkdf2_sha256$<iterations>$<salt>$<base64 key>
 *	pbkdf2_sha1$<iterations>$<salt>$<base64 key>
 *	argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
 *		(argon2i and argon2d too, and without "v=19$" for version 1.0)
 *	bcrypt_sha256$$2b$<cost>$<salt and hash>   (bcrypt of the hex sha256)
 *	bcrypt$$2b$<cost>$<salt and hash>          ($2a$ and $2y$ too)
 *	scrypt$<N>$<salt>$<r>$<p>$<base64 key>     (Django 4.0 and later)
 *	sha1$<salt>$<hex>  md5$<salt>$<hex>  sha1$$<hex>  md5$$<hex>  <32 hex>
 *	crypt$<salt>$<13-character DES crypt>
 * Unusable passwords never match: a "!" prefix (Django's
 * set_unusable_password), "XXX" (the Python asimap's) and the empty hash.
 * Only verification here: hash_make.h makes hashes. */
#ifndef ASIMAP_HASH_DJANGO_H
#define ASIMAP_HASH_DJANGO_H

#include <stddef.h>

/* Django 5.1's pbkdf2_sha256 count: the work of the default hasher, used by
 * hash_django_dummy(), for hashes that can never match, and as the time
 * that a wrong password against any cheaper hash is made to take. */
#define HASH_DJANGO_DEFAULT_ITERATIONS 870000

/* Limits on what a stored hash may ask for; anything beyond is malformed.
 * Django's defaults are far below each: pbkdf2 870000 iterations (5.1),
 * argon2 m=102400 t=2 p=8, bcrypt cost 12, scrypt N=2^14 r=8 p=1 (16 MiB). */
#define HASH_DJANGO_ITERATIONS_MAX 100000000
#define HASH_DJANGO_SALT_MAX_BYTES 1024
#define HASH_DJANGO_ARGON2_MEMORY_MAX_KIB 1048576UL
#define HASH_DJANGO_ARGON2_TIME_MAX 64UL
#define HASH_DJANGO_ARGON2_PARALLELISM_MAX 64UL
#define HASH_DJANGO_BCRYPT_COST_MAX 16
/* scrypt: 128 * r * N, the size of its big array, in bytes. */
#define HASH_DJANGO_SCRYPT_MEMORY_MAX_BYTES (1UL << 30)
#define HASH_DJANGO_SCRYPT_BLOCK_SIZE_MAX 1024UL
#define HASH_DJANGO_SCRYPT_PARALLELISM_MAX 64UL

/* Returns 1 when pw (pwlen bytes, may contain NUL; pw may be NULL when pwlen
 * is 0) matches the NUL-terminated Django hash string, 0 otherwise: wrong
 * password, unusable hash, unknown algorithm, malformed hash, or a password
 * the hasher cannot take (over INT_MAX bytes for pbkdf2; a NUL for bcrypt
 * and crypt, which Python refuses too).  Comparisons are constant time;
 * derived keys and copies of pw are wiped; pw is never kept.
 *
 * Timing, as Django's check_password and harden_runtime: a hash that can
 * never match (unusable, unknown, malformed) costs one hash_django_dummy();
 * a wrong password against a hash cheaper than the default is made to cost
 * as much as the default hasher: pbkdf2_sha256 with fewer iterations runs
 * the missing ones, legacy hashes run a whole dummy, and the others
 * (pbkdf2_sha1, bcrypt, argon2, scrypt) run the default hasher's work in
 * timed slices until the total reaches its time.  A right password costs
 * its own hash only.  Never prints. */
int hash_django_verify(const char *hash, const char *pw, size_t pwlen);

/* Does the work of one verification against the default hasher
 * (pbkdf2_sha256 at HASH_DJANGO_DEFAULT_ITERATIONS) and throws the result
 * away, so that an unknown user costs the same time as a known one. */
void hash_django_dummy(const char *pw, size_t pwlen);

/* Returns 1 when the NUL-terminated hash is well-formed for a known
 * algorithm, or is an unusable-password marker ("!" prefix, "XXX", empty);
 * 0 when it is malformed, names an unknown algorithm, or asks for more than
 * the limits above.  Does no hashing.  Callers log a 0 as a configuration
 * error (this module never prints). */
int hash_django_wellformed(const char *hash);

/* The name of the Django hasher a NUL-terminated hash is for (as Django's
 * identify_hasher finds it: "pbkdf2_sha256", ..., "unsalted_md5"),
 * "unusable" for an unusable-password marker, or NULL when no hasher is
 * known by that name.  Says nothing about well-formedness; for log lines.
 * The string is static. */
const char *hash_django_algorithm(const char *hash);

#endif
