/* libFuzzer target for the password file, its index and the hash parsers.
 * Each input is used three ways:
 * - as a password file, line by line: every line goes to
 *   pwfile_parse_line(); every entry's hash, and every raw line, to
 *   hash_django_wellformed() and hash_django_algorithm(); entries whose hash
 *   is well-formed and cheap (pbkdf2 of at most FUZZ_ITERATIONS_MAX
 *   iterations, small argon2, bcrypt and scrypt parameters, the legacy
 *   digests and crypt) are verified through the hasher itself (the public
 *   hash_django_verify() evens out each failure's time to the default
 *   hasher's, which would stall the fuzzer) with the user name and then the
 *   maildir as password;
 * - as a whole password file: its index is built (pwfile_cache_build) and
 *   every user is looked up in the index and in the file, which must agree;
 * - as an index image, when it starts with the index's magic: looked up in
 *   with the identity it claims, so that the reader's bounds checks meet
 *   every header, table and record the fuzzer makes.
 *
 * Built and run by `make fuzz` (every lib/ source, with libssl, libcrypto,
 * libsodium, libargon2 and libcrypt); by hand:
 *	./build-fuzz/fuzz_pwfile t/fuzz/corpus/pwfile
 * The corpus holds password files and index images (index-*).
 */
#include "hash_django.h"
#include "hash_hasher.h"
#include "pwfile.h"
#include "pwfile_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { FUZZ_ITERATIONS_MAX = 1000, FUZZ_USERS_MAX = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The number after the first occurrence of key in s, or -1. */
static long number_after(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	long v = 0;

	if (!p)
		return -1;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 100000000)
			return -1;
	}
	return v;
}

/* The number right after the k-th '$' of s, or -1. */
static long field_number(const char *s, int k)
{
	for (; k > 0 && s; k--)
		if ((s = strchr(s, '$')))
			s++;
	if (!s || *s < '0' || *s > '9')
		return -1;
	return number_after(s - 1, "$");
}

/* Whether a well-formed hash is cheap enough to verify here. */
static int cheap(const char *hash, const char *alg)
{
	if (strncmp(alg, "pbkdf2_", 7) == 0) {
		long it = number_after(hash, "$");
		return it >= 1 && it <= FUZZ_ITERATIONS_MAX;
	}
	if (strcmp(alg, "argon2") == 0) {
		long m = number_after(hash, "m="), t = number_after(hash, "t="),
		     p = number_after(hash, "p=");
		return m >= 0 && m <= 256 && t >= 0 && t <= 2 && p >= 0 && p <= 4;
	}
	if (strncmp(alg, "bcrypt", 6) == 0)
		return strstr(hash, "$04$") || strstr(hash, "$05$");
	if (strcmp(alg, "scrypt") == 0) {
		/* scrypt$N$salt$r$p$key */
		long n = field_number(hash, 1), r = field_number(hash, 3),
		     p = field_number(hash, 4);
		return n >= 0 && n <= 1024 && r >= 0 && r <= 8 && p >= 0 && p <= 2;
	}
	return 1;
}

static void verify(const char *hash, const char *pw)
{
	const char *rest = NULL;
	const struct hash_hasher *h = hash_identify(hash, &rest);

	if (h && h->verify(rest, pw, strlen(pw)) < 0)
		__builtin_trap(); /* well-formed, yet the hasher refused it */
}

static void fuzz_entry(struct pwfile_entry *e)
{
	const char *alg = hash_django_algorithm(e->hash);

	if (!hash_django_wellformed(e->hash) || !alg || strcmp(alg, "unusable") == 0 ||
	    !cheap(e->hash, alg))
		return;
	verify(e->hash, e->user);
	verify(e->hash, e->maildir);
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
	(void)hash_django_algorithm(copy);
	free(copy);
}

static int memfd_with(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);

	if (fd >= 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The index of the input must answer as the input itself does. */
static void fuzz_build(const uint8_t *data, size_t size, char users[][PWFILE_USER_MAX + 1],
                       int nusers)
{
	static const struct pwfile_cache_id id = {1, 2, 3, 4, 5, 6, 7};
	static const unsigned char key[16] = "fuzzfuzzfuzzfuzz";
	static struct pwfile_entry a, b;
	char path[64];
	int in = memfd_with(data, size), out = memfd_create("index", 0), written = 0;
	unsigned char *img = NULL;
	off_t len;

	if (in < 0 || out < 0)
		goto done;
	snprintf(path, sizeof path, "/proc/self/fd/%d", in);
	if (lseek(in, 0, SEEK_SET) != 0 ||
	    pwfile_cache_build(in, out, key, &id, path, NULL, 0, &a, &written, NULL, NULL) < 0 ||
	    !written)
		goto done;
	len = lseek(out, 0, SEEK_END);
	if (len <= 0 || !(img = malloc((size_t)len)) || pread(out, img, (size_t)len, 0) != len)
		goto done;
	for (int i = 0; i < nusers; i++) {
		size_t n = strlen(users[i]);
		int ra = pwfile_cache_find_mem(img, (size_t)len, &id, path, users[i], n, &a);
		int rb = pwfile_lookup(path, users[i], n, &b);
		if (ra != rb ||
		    (ra == 1 && (strcmp(a.hash, b.hash) || strcmp(a.maildir, b.maildir))))
			__builtin_trap();
	}
done:
	free(img);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	pwfile_entry_wipe(&a);
	pwfile_entry_wipe(&b);
}

/* An index image, looked up in with the identity its header claims. */
static void fuzz_image(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"alice", "bob", "zed", "u"};
	static struct pwfile_entry e;
	struct pwfile_cache_id id;
	uint64_t f[7];

	if (size < PWFILE_CACHE_HEADER_BYTES || memcmp(data, "asimap-pwindex1\n", 16) != 0)
		return;
	for (int i = 0; i < 7; i++) {
		f[i] = 0;
		for (int j = 7; j >= 0; j--)
			f[i] = f[i] << 8 | data[16 + 8 * i + j];
	}
	id = (struct pwfile_cache_id){f[0], f[1], f[2], f[3], f[4], f[5], f[6]};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		(void)pwfile_cache_find_mem(data, size, &id, "/pw", names[i], strlen(names[i]), &e);
	pwfile_entry_wipe(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pwfile_entry e;
	static char users[FUZZ_USERS_MAX][PWFILE_USER_MAX + 1];
	int nusers = 0;
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		fuzz_line(p, len, &e);
		if (nusers < FUZZ_USERS_MAX && pwfile_parse_line(p, len, &e) == 1)
			memcpy(users[nusers++], e.user, sizeof users[0]);
		p += len + (nl != NULL);
	}
	pwfile_entry_wipe(&e);
	if (nusers < FUZZ_USERS_MAX)
		strcpy(users[nusers++], "nobody");
	fuzz_build(data, size, users, nusers);
	fuzz_image(data, size);
	return 0;
}
