/* hash_django: verify passwords against Django's encoded password hashes
 * ("algorithm$...").  Only verification: hashes are made by Django or by
 * asimapd_set_password.  Supported now: pbkdf2_sha256, pbkdf2_sha1. */
#ifndef ASIMAP_HASH_DJANGO_H
#define ASIMAP_HASH_DJANGO_H

#include <stddef.h>

/* Django 4.2's pbkdf2_sha256 count: the work of the default hasher, used by
 * hash_django_dummy() and for hashes that can never match. */
#define HASH_DJANGO_DEFAULT_ITERATIONS 870000
/* Limits on what a stored hash may ask for; anything beyond is malformed. */
#define HASH_DJANGO_ITERATIONS_MAX 100000000
#define HASH_DJANGO_SALT_MAX_BYTES 1024

/* Returns 1 when pw (pwlen bytes, may contain NUL; pw may be NULL when pwlen
 * is 0) matches the NUL-terminated Django hash string, 0 otherwise: wrong
 * password, unusable hash ("!" prefix, "XXX", empty), unknown algorithm,
 * malformed hash, or a password over INT_MAX bytes.  The comparison is
 * constant time and derived keys are wiped.  A hash that can never match
 * (unusable, unknown, malformed) still costs one hash_django_dummy(), as in
 * Django, so that a disabled or broken account cannot be told from a
 * wrong password by timing.  Never prints, never keeps pw. */
int hash_django_verify(const char *hash, const char *pw, size_t pwlen);

/* Does the work of one verification against the default hasher
 * (pbkdf2_sha256 at HASH_DJANGO_DEFAULT_ITERATIONS) and throws the result
 * away, so that an unknown user costs the same time as a known one. */
void hash_django_dummy(const char *pw, size_t pwlen);

/* Returns 1 when the NUL-terminated hash is well-formed for a known
 * algorithm, or is an unusable-password marker ("!" prefix, "XXX", empty);
 * 0 when it is malformed or names an unknown algorithm.  Does no hashing. */
int hash_django_wellformed(const char *hash);

#endif
