/* libFuzzer target for the password file: each input is a password file.
 * Every line goes to pwfile_parse_line(); every entry's hash, and every raw
 * line, to hash_django_wellformed(); entries whose hash is a well-formed
 * pbkdf2 hash of at most FUZZ_ITERATIONS_MAX iterations are verified with
 * the user name and then the maildir as password.  Hashes that can never
 * match cost a full default verification, and heavier ones their own
 * iterations, so those are not verified: the fuzzer stays fast.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
 *	    t/fuzz/fuzz_pwfile.c lib/pwfile.c lib/hash_django.c \
 *	    $(pkg-config --cflags --libs libssl libcrypto libsodium) -o fuzz_pwfile
 *	./fuzz_pwfile t/fuzz/corpus/pwfile
 */
#include "hash_django.h"
#include "pwfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FUZZ_ITERATIONS_MAX = 1000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The iteration count of a "pbkdf2_*$<digits>$..." hash, or -1. */
static long pbkdf2_iterations(const char *hash)
{
	long v = 0;
	const char *p;

	if (strncmp(hash, "pbkdf2_", 7) != 0 || !(p = strchr(hash, '$')))
		return -1;
	for (p++; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > FUZZ_ITERATIONS_MAX)
			return -1;
	}
	return v;
}

static void fuzz_entry(struct pwfile_entry *e)
{
	int wellformed = hash_django_wellformed(e->hash);
	long it = pbkdf2_iterations(e->hash);

	if (!wellformed || it < 1)
		return;
	(void)hash_django_verify(e->hash, e->user, strlen(e->user));
	(void)hash_django_verify(e->hash, e->maildir, strlen(e->maildir));
}

static void fuzz_line(const char *line, size_t len, struct pwfile_entry *e)
{
	/* An exact-size copy, so that ASan sees any read past the line. */
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, line, len);
	if (pwfile_parse_line(copy, len, e) == 1)
		fuzz_entry(e);
	/* The raw line as a hash string, up to its first NUL. */
	copy[len] = '\0';
	(void)hash_django_wellformed(copy);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pwfile_entry e;
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		fuzz_line(p, len, &e);
		p += len + (nl != NULL);
	}
	pwfile_entry_wipe(&e);
	return 0;
}
