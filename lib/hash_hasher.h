/* hash_hasher: the interface between hash_django and hash_make and the
 * modules that implement Django's hashers (hash_pbkdf2, hash_argon2,
 * hash_bcrypt, hash_scrypt, hash_legacy), and the small parsing helpers they
 * share (hash_util.c).  Private to the hash_* modules: programs use
 * hash_django.h and hash_make.h. */
#ifndef ASIMAP_HASH_HASHER_H
#define ASIMAP_HASH_HASHER_H

#include <stddef.h>
#include <stdint.h>

/* Largest derived key or digest any verifier compares, in bytes. */
#define HASH_KEY_MAX_BYTES 64

/* What a wrong password against a hash of this kind costs on top of the
 * verification, so that it costs as much as one against the default hash
 * (Django's harden_runtime). */
enum hash_harden {
	/* Cheap legacy hashes: a whole hash_django_dummy(). */
	HASH_HARDEN_FULL,
	/* pbkdf2_sha256: the default's iterations less the hash's own. */
	HASH_HARDEN_PBKDF2_SHA256,
	/* Costs that do not convert into iterations (another digest, bcrypt,
	 * argon2, scrypt): the default hasher's work in slices, timed, until
	 * the whole took as long as the default would. */
	HASH_HARDEN_MEASURED,
};

/* One of Django's hashers.  rest is the hash after "<algorithm>$", or the
 * hex digest alone for the unsalted md5 and sha1 forms, which
 * hash_identify() recognises by length and prefix.  wellformed returns 1 or 0 and does no
 * hashing; verify returns 1 on a match, 0 on a mismatch, -1 when rest is
 * malformed (exactly when wellformed returns 0) or the hash could not be
 * computed.  Both read at most the bytes that the limits let through, wipe
 * every derived key and copy of pw, and never keep pw. */
struct hash_hasher {
	const char *algorithm;
	enum hash_harden harden;
	int (*wellformed)(const char *rest);
	int (*verify)(const char *rest, const char *pw, size_t pwlen);
};

extern const struct hash_hasher hash_pbkdf2_sha256, hash_pbkdf2_sha1, hash_argon2,
    hash_bcrypt_sha256, hash_bcrypt, hash_scrypt, hash_sha1, hash_md5, hash_unsalted_sha1,
    hash_unsalted_md5, hash_crypt;

/* Returns the hasher of the NUL-terminated, usable hash (not "!...", "XXX"
 * or "") and sets *rest to the part it parses, or returns NULL for an
 * unknown algorithm.  In hash_django.c. */
const struct hash_hasher *hash_identify(const char *hash, const char **rest);

/* Parses a decimal number as Django writes one: digits only, no sign, no
 * leading zero, from min to max.  Returns the byte after the digits with
 * *out set, or NULL. */
const char *hash_parse_uint(const char *s, unsigned long min, unsigned long max,
                            unsigned long *out);

/* The length of the field at s, up to the next '$' or the end of the
 * string.  Reads at most max + 1 bytes and returns max + 1 when the field is
 * longer than max. */
size_t hash_field_len(const char *s, size_t max);

/* Decodes the standard base64 field of exactly len bytes at s into out (cap
 * bytes): padded when padded is 1, unpadded otherwise, canonical either way
 * (no stray padding, zero trailing bits).  Returns the number of bytes, or
 * -1 when malformed or longer than cap. */
long hash_b64_decode(const char *s, size_t len, int padded, unsigned char *out, size_t cap);

/* Returns 1 when the n bytes at s are lowercase hexadecimal digits (the way
 * Python's hexdigest() writes them), 0 otherwise. */
int hash_is_lower_hex(const char *s, size_t n);

/* Runs PBKDF2-HMAC-SHA256 over pw with a fixed salt for iterations rounds
 * and throws the key away: the unit of the default hasher's work. */
void hash_pbkdf2_sha256_work(const char *pw, size_t pwlen, unsigned long iterations);

/* The iteration count of a well-formed pbkdf2 rest ("<iterations>$..."), or
 * 0. */
unsigned long hash_pbkdf2_iterations(const char *rest);

/* Makers, for hash_make.c.  Each writes a NUL-terminated hash string of
 * Django's format into out (outsz bytes) with the salt given (NUL-
 * terminated; for bcrypt_sha256 a "$2b$NN$" setting) and the parameters
 * given, and returns 1, or 0 with errno set (EINVAL: bad parameters,
 * ERANGE: out too small, others from the library). */
int hash_pbkdf2_make(int sha1, unsigned long iterations, const char *pw, size_t pwlen,
                     const char *salt, char *out, size_t outsz);
int hash_argon2_make(unsigned long t, unsigned long m_kib, unsigned long p, size_t hashlen,
                     const char *pw, size_t pwlen, const char *salt, char *out, size_t outsz);
int hash_bcrypt_sha256_make(const char *pw, size_t pwlen, const char *setting, char *out,
                            size_t outsz);
int hash_scrypt_make(unsigned long n, unsigned long r, unsigned long p, const char *pw,
                     size_t pwlen, const char *salt, char *out, size_t outsz);

#endif
