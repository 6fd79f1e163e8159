/* Unit tests for hash_django.  The vectors were made with Python's
 * hashlib.pbkdf2_hmac and base64.b64encode, exactly as Django encodes:
 *	f"pbkdf2_{alg}${it}${salt}${b64encode(pbkdf2_hmac(alg, pw, salt, it))}" */
#include "check.h"
#include "hash_django.h"

#include <stdlib.h>

/* pw "correct horse", salt "NaCl2024salt", 1000 iterations. */
static const char sha256_1000[] =
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=";
static const char sha1_1000[] = "pbkdf2_sha1$1000$NaCl2024salt$gbbTIOZr4dLsrwhGSM9tKIVMBVM=";
/* pw "", salt "emptysalt", 1000 iterations. */
static const char sha256_empty[] =
    "pbkdf2_sha256$1000$emptysalt$Th/GgYSDV3N4Zpkx3TpFlR/PPyCUSrZ7QQFwKxyd/oo=";
/* pw "nul\0inside" (10 bytes), salt "nulsalt", 1000 iterations. */
static const char sha256_nul[] =
    "pbkdf2_sha256$1000$nulsalt$A18Ep+r0JVWFVe56ejvfHF+F7O5tBgsiYAoeOoZJ0u4=";
/* pw "pässwörd" in UTF-8, salt "utf8salt", 1 iteration. */
static const char sha256_utf8[] =
    "pbkdf2_sha256$1$utf8salt$igzzYpanQHED5L8RhUX1lSAPh9OosxCmnJJxYJcp0ZM=";
/* pw "correct horse", salt "NaCl2024salt", Django 4.2's 870000 iterations. */
static const char sha256_default[] =
    "pbkdf2_sha256$870000$NaCl2024salt$9s5P9wWx01srlVa+FEzQpwbgUXKeZNVbz66yg8j0+Ms=";

static const char horse[] = "correct horse";

static int verify_str(const char *hash, const char *pw)
{
	return hash_django_verify(hash, pw, strlen(pw));
}

static void test_match(void)
{
	static const char nul_pw[] = "nul\0inside";
	static const char utf8_pw[] = "p\xc3\xa4ssw\xc3\xb6rd";

	CHECK(verify_str(sha256_1000, horse) == 1);
	CHECK(verify_str(sha1_1000, horse) == 1);
	CHECK(hash_django_verify(sha256_empty, "", 0) == 1);
	CHECK(hash_django_verify(sha256_empty, NULL, 0) == 1);
	CHECK(hash_django_verify(sha256_nul, nul_pw, sizeof nul_pw - 1) == 1);
	CHECK(verify_str(sha256_utf8, utf8_pw) == 1);
	CHECK(verify_str(sha256_default, horse) == 1);
}

static void test_mismatch(void)
{
	CHECK(verify_str(sha256_1000, "correct horsE") == 0);
	CHECK(verify_str(sha256_1000, "correct hors") == 0);
	CHECK(verify_str(sha256_1000, "correct horse ") == 0);
	CHECK(hash_django_verify(sha256_1000, "", 0) == 0);
	CHECK(verify_str(sha1_1000, "battery staple") == 0);
	CHECK(verify_str(sha256_empty, "x") == 0);
	/* A NUL is part of the password, not its end. */
	CHECK(verify_str(sha256_nul, "nul") == 0);
	CHECK(hash_django_verify(sha256_nul, "nul\0insidE", 10) == 0);
	CHECK(hash_django_verify(sha256_nul, "nul\0\0inside", 11) == 0);
}

/* HMAC pads a short key with zero bytes, so trailing NULs do not change a
 * PBKDF2 key: Python's hashlib, and so Django, accept them too. */
static void test_trailing_nul(void)
{
	static const char nul_pw[] = "nul\0inside";

	CHECK(hash_django_verify(sha256_nul, nul_pw, sizeof nul_pw) == 1);
	CHECK(hash_django_verify(sha256_1000, "correct horse\0", 14) == 1);
	CHECK(hash_django_verify(sha256_empty, "\0\0", 2) == 1);
	/* The same key under the other digest's name does not match. */
	CHECK(
	    verify_str("pbkdf2_sha1$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	               horse) == 0);
	/* Salt and iterations take part. */
	CHECK(verify_str(
	          "pbkdf2_sha256$1001$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	          horse) == 0);
	CHECK(verify_str(
	          "pbkdf2_sha256$1000$NaCl2024salT$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	          horse) == 0);
	CHECK(verify_str(
	          "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyA=",
	          horse) == 0);
}

static void test_unusable(void)
{
	CHECK(hash_django_wellformed("!") == 1);
	CHECK(hash_django_wellformed("!x") == 1);
	CHECK(hash_django_wellformed("XXX") == 1);
	CHECK(hash_django_wellformed("") == 1);
	/* Only the exact marker is unusable; "!" before a real hash still is. */
	CHECK(hash_django_wellformed("XXXX") == 0);
	CHECK(verify_str("!x", "x") == 0);
	CHECK(verify_str("!", "") == 0);
	CHECK(hash_django_verify("", "", 0) == 0);
	CHECK(verify_str("XXX", "XXX") == 0);
	CHECK(verify_str(
	          "!pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	          horse) == 0);
	CHECK(hash_django_verify(NULL, horse, strlen(horse)) == 0);
	CHECK(hash_django_wellformed(NULL) == 0);
}

/* Hashes that are not well-formed, with the password that the well-formed
 * original would accept. */
static const char *const malformed[] = {
    "pbkdf2_sha256",
    "pbkdf2_sha256$",
    "pbkdf2_sha256$1000",
    "pbkdf2_sha256$1000$",
    "pbkdf2_sha256$1000$NaCl2024salt",
    "pbkdf2_sha256$1000$NaCl2024salt$",
    "pbkdf2_sha256$$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$1000$$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$abc$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$1e3$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$+1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$-1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$ 1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$01000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$0$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$100000001$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$4294968296$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$99999999999999999999999$s$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    /* base64: missing padding, extra padding, wrong alphabet, bad byte,
     * non-zero trailing bits, trailing junk, three pad bytes. */
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo==",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW-Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW*Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyp=",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=$",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo= ",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBK===",
    /* Right prefix of the key, but 31 and 33 bytes long (dklen 31, 33). */
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKw==",
    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyp4",
    /* A valid sha1 key under sha256, and the reverse. */
    "pbkdf2_sha256$1000$NaCl2024salt$gbbTIOZr4dLsrwhGSM9tKIVMBVM=",
    "pbkdf2_sha1$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    /* Unknown or misspelt algorithms. */
    "pbkdf2_sha512$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "PBKDF2_SHA256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2_sha25$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "pbkdf2$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$XXXXXXXXXXXXXXXXXXXXXX",
    "sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "XX",
};

static void test_malformed(void)
{
	size_t n = sizeof malformed / sizeof malformed[0];

	for (size_t i = 0; i < n; i++) {
		if (hash_django_wellformed(malformed[i]) != 0)
			fprintf(stderr, "wellformed: %s\n", malformed[i]);
		CHECK(hash_django_wellformed(malformed[i]) == 0);
	}
	/* Each of these costs a dummy verification, so only a few of each
	 * kind: a missing field, bad iterations, bad base64, a key of the
	 * wrong length, and an unknown algorithm, each with the password the
	 * intact hash would accept. */
	static const char *const sample[] = {
	    "pbkdf2_sha256$1000$NaCl2024salt",
	    "pbkdf2_sha256$abc$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "pbkdf2_sha256$01000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "pbkdf2_sha256$0$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "pbkdf2_sha256$100000001$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyp=",
	    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKw==",
	    "pbkdf2_sha1$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "pbkdf2_sha512$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	};
	for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++) {
		CHECK(hash_django_wellformed(sample[i]) == 0);
		CHECK(verify_str(sample[i], horse) == 0);
	}
}

static void test_wellformed(void)
{
	CHECK(hash_django_wellformed(sha256_1000) == 1);
	CHECK(hash_django_wellformed(sha1_1000) == 1);
	CHECK(hash_django_wellformed(sha256_empty) == 1);
	CHECK(hash_django_wellformed(sha256_default) == 1);
	CHECK(hash_django_wellformed(
	          "pbkdf2_sha256$100000000$s$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=") == 1);
	/* Django's salts are alphanumeric, but any byte but '$' may be one. */
	CHECK(hash_django_wellformed(
	          "pbkdf2_sha256$1$a b:c/=$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=") == 1);
}

/* Salts of 1024 bytes are accepted, 1025 are not. */
static void test_salt_limit(void)
{
	static const char key[] = "sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=";
	static const char head[] = "pbkdf2_sha256$1000$";
	size_t max = HASH_DJANGO_SALT_MAX_BYTES;
	char *h = malloc(sizeof head + max + 1 + sizeof key);

	if (!h) {
		CHECK(h != NULL);
		return;
	}
	memcpy(h, head, sizeof head - 1);
	memset(h + sizeof head - 1, 's', max);
	h[sizeof head - 1 + max] = '$';
	memcpy(h + sizeof head + max, key, sizeof key);
	CHECK(hash_django_wellformed(h) == 1);
	memset(h + sizeof head - 1, 's', max + 1);
	h[sizeof head + max] = '$';
	memcpy(h + sizeof head + max + 1, key, sizeof key);
	CHECK(hash_django_wellformed(h) == 0);
	free(h);
}

int main(void)
{
	test_match();
	test_mismatch();
	test_trailing_nul();
	test_unusable();
	test_malformed();
	test_wellformed();
	test_salt_limit();
	hash_django_dummy(horse, strlen(horse));
	hash_django_dummy(NULL, 0);
	return check_done("test_hash_django");
}
