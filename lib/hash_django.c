/* hash_django: identifies the hasher of a Django hash, verifies, and evens
 * out the time of failures.  The hashers live in hash_pbkdf2.c,
 * hash_argon2.c, hash_bcrypt.c, hash_scrypt.c and hash_legacy.c. */
#include "hash_django.h"
#include "hash_hasher.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

/* The hashers known by the name before the first '$'. */
static const struct hash_hasher *const named[] = {
    &hash_pbkdf2_sha256, &hash_pbkdf2_sha1, &hash_argon2, &hash_bcrypt_sha256, &hash_bcrypt,
    &hash_scrypt,        &hash_sha1,        &hash_md5,    &hash_crypt,
};

/* The longest algorithm name looked for before the first '$'. */
enum { ALGORITHM_MAX_BYTES = 32 };
/* The default hasher's work is cut into this many slices when a wrong
 * password's time is evened out by measurement. */
enum { HARDEN_SLICES = 64 };

/* Django's unusable passwords start with "!"; "XXX" and "" are older
 * conventions for "no password". */
static int unusable(const char *hash)
{
	return hash[0] == '\0' || hash[0] == '!' || strcmp(hash, "XXX") == 0;
}

/* The order is Django's identify_hasher's: first the unsalted md5 and sha1
 * forms, by length and prefix, then the name before the first '$'. */
const struct hash_hasher *hash_identify(const char *hash, const char **rest)
{
	size_t len = strnlen(hash, 47);

	if (len == 32 && !memchr(hash, '$', 32)) {
		*rest = hash;
		return &hash_unsalted_md5;
	}
	if (len == 37 && strncmp(hash, "md5$$", 5) == 0) {
		*rest = hash + 5;
		return &hash_unsalted_md5;
	}
	if (len == 46 && strncmp(hash, "sha1$$", 6) == 0) {
		*rest = hash + 6;
		return &hash_unsalted_sha1;
	}
	size_t n = strnlen(hash, ALGORITHM_MAX_BYTES + 1);
	const char *dollar = memchr(hash, '$', n);
	if (!dollar)
		return NULL;
	len = (size_t)(dollar - hash);
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (strlen(named[i]->algorithm) == len &&
		    memcmp(named[i]->algorithm, hash, len) == 0) {
			*rest = dollar + 1;
			return named[i];
		}
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs the default hasher's work in HARDEN_SLICES slices until spent_ns
 * plus the time of the slices run reaches the time the whole would take, as
 * estimated from the slices so far.  A hash that took longer than the
 * default still costs one slice: no branch on secrets shortens it to
 * nothing, and the estimate needs one. */
static void harden_measured(const char *pw, size_t pwlen, uint64_t spent_ns)
{
	unsigned long slice = HASH_DJANGO_DEFAULT_ITERATIONS / HARDEN_SLICES;
	uint64_t start = now_ns();

	if (start == 0) {
		hash_django_dummy(pw, pwlen);
		return;
	}
	for (unsigned k = 1; k <= HARDEN_SLICES; k++) {
		unsigned long it = slice;
		if (k == HARDEN_SLICES)
			it = HASH_DJANGO_DEFAULT_ITERATIONS - slice * (HARDEN_SLICES - 1);
		hash_pbkdf2_sha256_work(pw, pwlen, it);
		uint64_t done = now_ns() - start;
		if (spent_ns + done >= done * HARDEN_SLICES / k)
			break;
	}
}

/* Makes the wrong password against h cost about the default hasher's time
 * (see hash_django_verify()).  spent_ns is what the verification took. */
static void harden(const struct hash_hasher *h, const char *rest, const char *pw, size_t pwlen,
                   uint64_t spent_ns)
{
	unsigned long it;

	switch (h->harden) {
	case HASH_HARDEN_FULL:
		hash_django_dummy(pw, pwlen);
		break;
	case HASH_HARDEN_PBKDF2_SHA256:
		it = hash_pbkdf2_iterations(rest);
		if (it < HASH_DJANGO_DEFAULT_ITERATIONS)
			hash_pbkdf2_sha256_work(pw, pwlen, HASH_DJANGO_DEFAULT_ITERATIONS - it);
		break;
	case HASH_HARDEN_MEASURED:
		harden_measured(pw, pwlen, spent_ns);
		break;
	}
}

int hash_django_verify(const char *hash, const char *pw, size_t pwlen)
{
	const struct hash_hasher *h = NULL;
	const char *rest = NULL;
	int r = -1;

	if (!pw) {
		pw = "";
		pwlen = 0;
	}
	if (hash && !unusable(hash))
		h = hash_identify(hash, &rest);
	if (h) {
		uint64_t start = now_ns();
		r = h->verify(rest, pw, pwlen);
		if (r == 0)
			harden(h, rest, pw, pwlen, now_ns() - start);
	}
	/* As Django does since 4.2.14: a hash that can never match still
	 * costs a default verification. */
	if (r < 0)
		hash_django_dummy(pw, pwlen);
	return r == 1;
}

void hash_django_dummy(const char *pw, size_t pwlen)
{
	hash_pbkdf2_sha256_work(pw, pw ? pwlen : 0, HASH_DJANGO_DEFAULT_ITERATIONS);
}

int hash_django_wellformed(const char *hash)
{
	const struct hash_hasher *h;
	const char *rest = NULL;

	if (!hash)
		return 0;
	if (unusable(hash))
		return 1;
	h = hash_identify(hash, &rest);
	return h && h->wellformed(rest);
}

const char *hash_django_algorithm(const char *hash)
{
	const struct hash_hasher *h;
	const char *rest = NULL;

	if (!hash)
		return NULL;
	if (unusable(hash))
		return "unusable";
	h = hash_identify(hash, &rest);
	return h ? h->algorithm : NULL;
}
