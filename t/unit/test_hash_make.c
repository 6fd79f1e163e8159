/* Unit tests for hash_make: every hasher's string has Django 4.2's shape
 * and parameters, verifies with hash_django, and has a fresh salt.  That
 * Django itself accepts them is checked by t/accounts.bats. */
#include "check.h"
#include "hash_django.h"
#include "hash_hasher.h"
#include "hash_make.h"

#include <errno.h>

static const char pw[] = "correct horse";

/* The hasher's own verify, without hash_django_verify()'s evening out. */
static int direct(const char *hash, const char *p)
{
	const char *rest = NULL;
	const struct hash_hasher *h = hash_identify(hash, &rest);

	return h ? h->verify(rest, p, strlen(p)) : -2;
}

static int prefixed(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The n characters after the first '$' following the prefix. */
static int salt_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return s[n] == '$';
}

static void check_made(const char *name, const char *prefix, size_t saltoff)
{
	char a[HASH_MAKE_MAX_BYTES], b[HASH_MAKE_MAX_BYTES];

	CHECK(hash_make(name, pw, strlen(pw), a, sizeof a) == 1);
	CHECK(hash_make(name, pw, strlen(pw), b, sizeof b) == 1);
	if (!prefixed(a, prefix))
		fprintf(stderr, "%s made %s\n", name, a);
	CHECK(prefixed(a, prefix));
	if (saltoff)
		CHECK(salt_ok(a + saltoff, HASH_MAKE_SALT_CHARS));
	CHECK(strcmp(a, b) != 0);
	CHECK(hash_django_wellformed(a) == 1);
	CHECK(strcmp(hash_django_algorithm(a), name) == 0);
	CHECK(hash_django_verify(a, pw, strlen(pw)) == 1);
	CHECK(direct(a, "correct horsE") == 0);
	CHECK(direct(a, "") == 0);
}

static void test_hashers(void)
{
	check_made("pbkdf2_sha256", "pbkdf2_sha256$870000$", 21);
	check_made("pbkdf2_sha1", "pbkdf2_sha1$870000$", 19);
	check_made("argon2", "argon2$argon2id$v=19$m=102400,t=2,p=8$", 0);
	check_made("bcrypt_sha256", "bcrypt_sha256$$2b$12$", 0);
	check_made("scrypt", "scrypt$16384$", 13);
}

static void test_default_and_shapes(void)
{
	char a[HASH_MAKE_MAX_BYTES];

	CHECK(hash_make(NULL, pw, strlen(pw), a, sizeof a) == 1);
	CHECK(prefixed(a, "pbkdf2_sha256$870000$"));
	CHECK(strlen(a) == strlen("pbkdf2_sha256$870000$") + 22 + 1 + 44);
	CHECK(hash_make("scrypt", "", 0, a, sizeof a) == 1);
	CHECK(strlen(a) == strlen("scrypt$16384$") + 22 + strlen("$8$1$") + 88);
	CHECK(hash_django_verify(a, "", 0) == 1);
	/* argon2's salt is Django's 22-character salt in unpadded base64. */
	CHECK(hash_make("argon2", pw, strlen(pw), a, sizeof a) == 1);
	CHECK(strlen(a) == strlen("argon2$argon2id$v=19$m=102400,t=2,p=8$") + 30 + 1 + 22);
	CHECK(hash_make("bcrypt_sha256", pw, strlen(pw), a, sizeof a) == 1);
	CHECK(strlen(a) == strlen("bcrypt_sha256$") + 60);
	/* A password with a NUL is hashed whole. */
	CHECK(hash_make("pbkdf2_sha1", "a\0b", 3, a, sizeof a) == 1);
	CHECK(hash_django_verify(a, "a\0b", 3) == 1);
	CHECK(direct(a, "a") == 0);
}

static void test_errors(void)
{
	char a[HASH_MAKE_MAX_BYTES];
	char small[40];

	errno = 0;
	CHECK(hash_make("md5", pw, strlen(pw), a, sizeof a) == 0 && errno == EINVAL);
	errno = 0;
	CHECK(hash_make("bcrypt", pw, strlen(pw), a, sizeof a) == 0 && errno == EINVAL);
	errno = 0;
	CHECK(hash_make("", pw, strlen(pw), a, sizeof a) == 0 && errno == EINVAL);
	CHECK(hash_make_known("pbkdf2_sha256") && hash_make_known("argon2") &&
	      hash_make_known("scrypt") && hash_make_known("bcrypt_sha256") &&
	      hash_make_known("pbkdf2_sha1"));
	CHECK(!hash_make_known("crypt") && !hash_make_known(NULL) && !hash_make_known("PBKDF2"));
	errno = 0;
	CHECK(hash_make("pbkdf2_sha256", pw, strlen(pw), small, sizeof small) == 0 &&
	      errno == ERANGE);
	errno = 0;
	CHECK(hash_make("scrypt", pw, strlen(pw), small, sizeof small) == 0 && errno == ERANGE);
	errno = 0;
	CHECK(hash_make("argon2", pw, strlen(pw), small, sizeof small) == 0 && errno == ERANGE);
}

static void test_unusable_and_salt(void)
{
	char a[HASH_MAKE_MAX_BYTES], b[HASH_MAKE_MAX_BYTES], s[23];

	CHECK(hash_make_unusable(a, sizeof a) == 1);
	CHECK(hash_make_unusable(b, sizeof b) == 1);
	CHECK(a[0] == '!' && strlen(a) == 1 + HASH_MAKE_UNUSABLE_CHARS);
	CHECK(strcmp(a, b) != 0);
	CHECK(hash_django_wellformed(a) == 1);
	CHECK(strcmp(hash_django_algorithm(a), "unusable") == 0);
	CHECK(hash_django_verify(a, a, strlen(a)) == 0);
	CHECK(hash_django_verify(a, a + 1, strlen(a + 1)) == 0);
	CHECK(hash_make_unusable(a, HASH_MAKE_UNUSABLE_CHARS + 1) == 0 && errno == ERANGE);
	hash_make_salt(s, 22);
	CHECK(strlen(s) == 22);
	s[22] = '$';
	CHECK(salt_ok(s, 22));
}

int main(void)
{
	test_hashers();
	test_default_and_shapes();
	test_errors();
	test_unusable_and_salt();
	return check_done("test_hash_make");
}
