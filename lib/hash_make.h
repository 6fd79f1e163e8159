/* hash_make: make Django password hashes, byte for byte in the format and
 * with the parameters of Django 4.2's make_password(), with salts from
 * libsodium's randombytes.  hash_django verifies what this makes, and so
 * does Django's check_password(). */
#ifndef ASIMAP_HASH_MAKE_H
#define ASIMAP_HASH_MAKE_H

#include <stddef.h>

/* Room for any hash made here, NUL included. */
#define HASH_MAKE_MAX_BYTES 256
/* The hasher used when none is named: Django's default. */
#define HASH_MAKE_DEFAULT "pbkdf2_sha256"
/* Django's parameters: pbkdf2 870000 (Django 5.1), the others as Django 4.2. */
#define HASH_MAKE_PBKDF2_ITERATIONS 870000
#define HASH_MAKE_ARGON2_TIME 2
#define HASH_MAKE_ARGON2_MEMORY_KIB 102400
#define HASH_MAKE_ARGON2_PARALLELISM 8
#define HASH_MAKE_ARGON2_HASH_BYTES 16
#define HASH_MAKE_BCRYPT_COST 12
#define HASH_MAKE_SCRYPT_N 16384
#define HASH_MAKE_SCRYPT_R 8
#define HASH_MAKE_SCRYPT_P 1
/* Django's salt: 22 characters of [a-zA-Z0-9], 128 bits and more. */
#define HASH_MAKE_SALT_CHARS 22
/* Django's unusable password: "!" and 40 characters of the same alphabet. */
#define HASH_MAKE_UNUSABLE_CHARS 40

/* Returns 1 when name is a hasher hash_make() can use: pbkdf2_sha256,
 * pbkdf2_sha1, argon2, bcrypt_sha256, scrypt.  0 otherwise. */
int hash_make_known(const char *name);

/* Hashes pw (pwlen bytes) with the hasher called name (NULL for the
 * default) into out (outsz bytes, HASH_MAKE_MAX_BYTES is enough), NUL-
 * terminated.  Returns 1, or 0 with errno set: EINVAL for an unknown
 * hasher, ERANGE when out is too small, ENOMEM, or what the library said.
 * Intermediate keys are wiped; pw is not kept.  Takes the time (and for
 * argon2 the memory: 100 MiB) of one verification. */
int hash_make(const char *name, const char *pw, size_t pwlen, char *out, size_t outsz);

/* Writes an unusable password ("!" and HASH_MAKE_UNUSABLE_CHARS random
 * characters, as Django's make_password(None)) into out.  Returns 1, or 0
 * with errno ERANGE when outsz is too small. */
int hash_make_unusable(char *out, size_t outsz);

/* Writes n random characters of Django's salt alphabet [a-zA-Z0-9] and a
 * NUL into out (n + 1 bytes). */
void hash_make_salt(char *out, size_t n);

#endif
