/* Unit tests for hash_django.  Two sets of vectors:
 * - pbkdf2 strings made with Python's hashlib.pbkdf2_hmac and
 *   base64.b64encode, exactly as Django encodes:
 *	f"pbkdf2_{alg}${it}${salt}${b64encode(pbkdf2_hmac(alg, pw, salt, it))}"
 * - one set per hasher made by real Django (Debian 12's python3-django
 *   3.2.25, python3-argon2 21.1, python3-bcrypt 3.2.2) with make_password,
 *   each checked with Django's check_password: the output of
 *	/usr/bin/python3 t/lib/accounts_django.py vectors
 *   ("_CHEAP": small work factors; "_DEFAULT": Django 3.2's defaults;
 *   scrypt: Django 4.2's hasher on hashlib.scrypt, as Debian's Django 3.2
 *   has none).
 * Wrong passwords are mostly tried through the hasher itself
 * (hash_identify() and ->verify), which skips the time evening-out that
 * hash_django_verify() adds to each failure; a few go through the public
 * function. */
#include "check.h"
#include "hash_django.h"
#include "hash_hasher.h"

#include <stdlib.h>

#define PBKDF2_SHA256_CHEAP                                                                        \
	"pbkdf2_sha256$1000$snND2XGNnIs1GcPK9YJqij$HgGAfC8wLwxLJ38JhppNXOL+eAMfuGj0bGFafIvpYiQ="
#define PBKDF2_SHA256_CHEAP_PW "correct horse"
#define PBKDF2_SHA256_UTF8                                                                         \
	"pbkdf2_sha256$1000$kA4XoB9r4uwF3loQOobwaU$lekNmLOnL0DW8d9lLMyCTDdJehSyUsfzqV/APmNidxI="
#define PBKDF2_SHA256_UTF8_PW                                                                      \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define PBKDF2_SHA256_EMPTY                                                                        \
	"pbkdf2_sha256$1000$3cdeUexawU3C31qiTKVAqL$uS4MWd2Iij+P+7wWxnTH3Psql+FJRfySEivmgZvU8+g="
#define PBKDF2_SHA256_EMPTY_PW ""
#define PBKDF2_SHA256_DEFAULT                                                                      \
	"pbkdf2_sha256$260000$wITdDXeXgY92ZHI6LYbSox$4/tRmkKIEMl2SNM/SHM8QPYMpCCe2/NBejOl7flt/qQ="
#define PBKDF2_SHA256_DEFAULT_PW "correct horse"
#define PBKDF2_SHA1_CHEAP "pbkdf2_sha1$1000$g6VCzqr9JcUuIczQtHCK3P$4wo7J4O0pjocBDfZ0SwtcavjeP0="
#define PBKDF2_SHA1_CHEAP_PW "correct horse"
#define PBKDF2_SHA1_UTF8 "pbkdf2_sha1$1000$ir7bb8m7lCq4aAbTac9SsX$b6O0z1PTM+LMJOGvxq1ekqsV0Jg="
#define PBKDF2_SHA1_UTF8_PW                                                                        \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define PBKDF2_SHA1_EMPTY "pbkdf2_sha1$1000$zhW5bGYXqijQrLai3rQHdd$gjbgB4RtMgkqyhpNuP6kuYbf5tU="
#define PBKDF2_SHA1_EMPTY_PW ""
#define PBKDF2_SHA1_DEFAULT "pbkdf2_sha1$260000$z3HbW5iBbbiZOoET0lP6DP$UFzUr7oiv0twOPi/on8P7PKG+AY="
#define PBKDF2_SHA1_DEFAULT_PW "correct horse"
#define ARGON2_CHEAP                                                                               \
	"argon2$argon2id$v=19$m=256,t=1,p=2$Y1Fzc0NMS3lndHh6Nm9lb2UzOTZPNQ$+C1wRbw06FYO+yJW0F6iOw"
#define ARGON2_CHEAP_PW "correct horse"
#define ARGON2_UTF8                                                                                \
	"argon2$argon2id$v=19$m=256,t=1,p=2$RlBrMmV6RERVbkNvdlZEYW1SeFlucg$1QqvBJOVD7EeKz48MhJUkw"
#define ARGON2_UTF8_PW                                                                             \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define ARGON2_EMPTY                                                                               \
	"argon2$argon2id$v=19$m=256,t=1,p=2$MlE3ZE9WMUh6TUdVdUd2emExZzViWQ$IBrQHGcVB67SaDm7yBMkXQ"
#define ARGON2_EMPTY_PW ""
#define ARGON2_DEFAULT                                                                             \
	"argon2$argon2id$v=19$m=102400,t=2,p=8$Mm8zNWlpeTVhcm5ZVHRQcmJuWVozbQ$"                    \
	"YeBKQulNlmnibM5sdEo8wA"
#define ARGON2_DEFAULT_PW "correct horse"
#define BCRYPT_SHA256_CHEAP                                                                        \
	"bcrypt_sha256$$2b$04$VavOHSUbGtTzYgh9qzJejOVvGy7KtfY4BB57Pdkqqc6OjZtdlEyCa"
#define BCRYPT_SHA256_CHEAP_PW "correct horse"
#define BCRYPT_SHA256_UTF8                                                                         \
	"bcrypt_sha256$$2b$04$inFmoAvgq9Tk9wzHueN17Oc2u4h8Mc2jReKKy7IKCS4uNFgyVKg06"
#define BCRYPT_SHA256_UTF8_PW                                                                      \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define BCRYPT_SHA256_EMPTY                                                                        \
	"bcrypt_sha256$$2b$04$A43QfnZGCh/KcIhvSdYrSee30Av1iXNX9WKXNvDCulmI.lmTR/X6i"
#define BCRYPT_SHA256_EMPTY_PW ""
#define BCRYPT_SHA256_DEFAULT                                                                      \
	"bcrypt_sha256$$2b$12$u9cfLd/t062bFuW1RqPP.OZBP5L0A24hpFLE9ZLm/cf7icmJ50wDC"
#define BCRYPT_SHA256_DEFAULT_PW "correct horse"
#define BCRYPT_CHEAP "bcrypt$$2b$04$ZNKXCYVePiGjYXtx7UUDLOcmxcWwhYhjHmQ5WtBiNFEy0iV3bM40."
#define BCRYPT_CHEAP_PW "correct horse"
#define BCRYPT_UTF8 "bcrypt$$2b$04$5jc3Ad8hLcSBUmxZG00Z8e0zA1T.8j1Nk6PodtUfxXFnbVAAj8hG."
#define BCRYPT_UTF8_PW                                                                             \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define BCRYPT_EMPTY "bcrypt$$2b$04$8j8tWbwcmO0AnTfUUURkiu8VUPJtQcbLKsZGSUhM3IXRMV7LTfyom"
#define BCRYPT_EMPTY_PW ""
#define BCRYPT_DEFAULT "bcrypt$$2b$12$IHywMZdr0GkC.Cb2bSl0EOIyE9zFXbWIktGeZlikBirQ.TMcjEzvW"
#define BCRYPT_DEFAULT_PW "correct horse"
#define SCRYPT_CHEAP                                                                               \
	"scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$1$L0WnknU8pfAMD+"                                    \
	"9pwFUSzBtXVyzl3MzZ41piZ1CwCdsjBSTMUctkaRUqjipEKXbut4rJ4nvKNG/NiygZE7tQ4Q=="
#define SCRYPT_CHEAP_PW "correct horse"
#define SCRYPT_UTF8                                                                                \
	"scrypt$1024$n6RlD68kLXmDqXuhovHUiU$8$1$a+7bWCz2+fnc7IO4BA1AA+"                            \
	"gFe9WBL7e4FU4VsJtHx36ezogXDQcKa0UoEy2DBR0UZuTCn0Zr6vQosFxJFtTcVg=="
#define SCRYPT_UTF8_PW                                                                             \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define SCRYPT_EMPTY                                                                               \
	"scrypt$1024$Aw4zKZRkoKDDWlm5Tfnn96$8$1$rtNDtYEJD+FcHTgH+jga6JWT4nLc/"                     \
	"94PSIvH4gllY+rFpNxZ7gmgJQ7D83dFMwLXoUkXACVPHykCXcvZ06XMFg=="
#define SCRYPT_EMPTY_PW ""
#define SCRYPT_DEFAULT                                                                             \
	"scrypt$16384$zh67Ejm9w0X4Qo4OxkCasl$8$1$oM+"                                              \
	"YnNG280sdXxWIxLBiYvi0yFZ3h0u4vjfVl2XThkpTyvgMNWNlhEKgIRUsMpgkbx7DzAqG9xLLp5kUUV4vlg=="
#define SCRYPT_DEFAULT_PW "correct horse"
#define ARGON2I_OLD "argon2$argon2i$m=512,t=2,p=2$c2FsdHNhbHRzYWx0$uR/RiQECR32qTVFXH3cIUw"
#define ARGON2I_OLD_PW "correct horse"
#define BCRYPT_SHA256_2A                                                                           \
	"bcrypt_sha256$$2a$04$mg0mwoZv/1dpw1fD9rDaO.Tw0erz.nIdGDWzG7MQ8PO71JVY3QOSm"
#define BCRYPT_SHA256_2A_PW "correct horse"
#define BCRYPT_LONG "bcrypt$$2b$04$4ynVhybHEtggFksmWIiML.Vsiu6c7PLE4N9WjTvL/jdElEv46qtsW"
#define BCRYPT_LONG_PW                                                                             \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define SHA1 "sha1$uQIfxyDh3eLuiBr5MjVu0k$e24cce33d4153ab437eb12b918195f9f09e8c079"
#define SHA1_PW "correct horse"
#define SHA1_UTF8 "sha1$SzK9AJTzem1HQnn1e3n7ER$261d6c1328532f5a99e6797e5215f35d741f4fde"
#define SHA1_UTF8_PW                                                                               \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define MD5 "md5$eaK4oOsu3mpnIH56GH7dQw$3ad269582a4cd927fbf18537def9d141"
#define MD5_PW "correct horse"
#define MD5_UTF8 "md5$FD7O3IAn210AzmqdjXW14e$0110e905563d644eefce1c8afb50ed17"
#define MD5_UTF8_PW                                                                                \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define UNSALTED_SHA1 "sha1$$2f9e53523b62abc141a2b4d6019d23cba835dbd0"
#define UNSALTED_SHA1_PW "correct horse"
#define UNSALTED_SHA1_UTF8 "sha1$$adee8be55638aee8029ccd546919ac929548f146"
#define UNSALTED_SHA1_UTF8_PW                                                                      \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define UNSALTED_MD5 "3cb4e732631f47e6eb961f34554b7cde"
#define UNSALTED_MD5_PW "correct horse"
#define UNSALTED_MD5_UTF8 "e26ea683e42de1777fda7943dfa8b1fd"
#define UNSALTED_MD5_UTF8_PW                                                                       \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define CRYPT "crypt$$isNa/j6WYp5Lc"
#define CRYPT_PW "correct horse"
#define CRYPT_UTF8 "crypt$$hcXiUjUovJtJc"
#define CRYPT_UTF8_PW                                                                              \
	"p\xc3"                                                                                    \
	"\xa4"                                                                                     \
	"ssw\xc3"                                                                                  \
	"\xb6"                                                                                     \
	"rd \xe2"                                                                                  \
	"\x98"                                                                                     \
	"\x83"                                                                                     \
	""
#define UNSALTED_MD5_PREFIXED "md5$$3cb4e732631f47e6eb961f34554b7cde"
#define UNSALTED_MD5_PREFIXED_PW "correct horse"
#define CRYPT_OLD_SALT "crypt$ab$EuGfGHazIwhio"
#define CRYPT_OLD_SALT_PW "correct horse"

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
/* pw "correct horse", salt "NaCl2024salt", Django 5.1's 870000 iterations. */
static const char sha256_default[] =
    "pbkdf2_sha256$870000$NaCl2024salt$9s5P9wWx01srlVa+FEzQpwbgUXKeZNVbz66yg8j0+Ms=";

static const char horse[] = "correct horse";

static int verify_str(const char *hash, const char *pw)
{
	return hash_django_verify(hash, pw, strlen(pw));
}

/* The hasher's own verify: 1, 0, -1 (malformed), or -2 (no hasher). */
static int direct(const char *hash, const char *pw, size_t pwlen)
{
	const char *rest = NULL;
	const struct hash_hasher *h = hash_identify(hash, &rest);

	return h ? h->verify(rest, pw, pwlen) : -2;
}

static int direct_str(const char *hash, const char *pw)
{
	return direct(hash, pw, strlen(pw));
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
	CHECK(direct_str(sha256_1000, "correct horsE") == 0);
	CHECK(direct_str(sha256_1000, "correct hors") == 0);
	CHECK(direct_str(sha256_1000, "correct horse ") == 0);
	CHECK(direct(sha256_1000, "", 0) == 0);
	CHECK(direct_str(sha1_1000, "battery staple") == 0);
	CHECK(direct_str(sha256_empty, "x") == 0);
	/* A NUL is part of the password, not its end. */
	CHECK(direct_str(sha256_nul, "nul") == 0);
	CHECK(direct(sha256_nul, "nul\0insidE", 10) == 0);
	CHECK(direct(sha256_nul, "nul\0\0inside", 11) == 0);
	/* The public function says the same, after evening out the time. */
	CHECK(verify_str(sha256_1000, "correct horsE") == 0);
	CHECK(verify_str(sha1_1000, "battery staple") == 0);
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
	    direct_str("pbkdf2_sha1$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	               horse) == -1);
	/* Salt and iterations take part. */
	CHECK(direct_str(
	          "pbkdf2_sha256$1001$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	          horse) == 0);
	CHECK(direct_str(
	          "pbkdf2_sha256$1000$NaCl2024salT$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	          horse) == 0);
	CHECK(direct_str(
	          "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyA=",
	          horse) == 0);
}

static void test_unusable(void)
{
	CHECK(hash_django_wellformed("!") == 1);
	CHECK(hash_django_wellformed("!x") == 1);
	CHECK(hash_django_wellformed("XXX") == 1);
	CHECK(hash_django_wellformed("") == 1);
	CHECK_STR(hash_django_algorithm("!x"), "unusable");
	CHECK_STR(hash_django_algorithm("XXX"), "unusable");
	/* Only the exact marker is unusable; "!" before a real hash still is. */
	CHECK(hash_django_wellformed("XXXX") == 0);
	CHECK(verify_str("!x", "x") == 0);
	CHECK(verify_str("!", "") == 0);
	CHECK(hash_django_verify("", "", 0) == 0);
	CHECK(verify_str("XXX", "XXX") == 0);
	CHECK(verify_str(
	          "!pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	          horse) == 0);
	CHECK(verify_str("!" UNSALTED_MD5, UNSALTED_MD5_PW) == 0);
	CHECK(hash_django_verify(NULL, horse, strlen(horse)) == 0);
	CHECK(hash_django_wellformed(NULL) == 0);
	CHECK(hash_django_algorithm(NULL) == NULL);
}

/* pbkdf2 hashes that are not well-formed. */
static const char *const malformed_pbkdf2[] = {
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
    "sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
    "XX",
};

/* The other hashers' malformed strings, each a small change to a vector
 * above. */
#define A2_SALT "Y1Fzc0NMS3lndHh6Nm9lb2UzOTZPNQ"
#define A2_KEY "+C1wRbw06FYO+yJW0F6iOw"
#define BC_BODY "ZNKXCYVePiGjYXtx7UUDLOcmxcWwhYhjHmQ5WtBiNFEy0iV3bM40."
#define SC_KEY                                                                                     \
	"L0WnknU8pfAMD+9pwFUSzBtXVyzl3MzZ41piZ1CwCdsjBSTMUctkaRUqjipEKXbut4rJ4nvKNG/NiygZE7tQ4Q=="
static const char *const malformed_other[] = {
    /* argon2: variant, version, parameters, their order and caps, salt
     * and hash lengths and encodings, missing and extra fields. */
    "argon2$argon2x$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=18$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=019$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$t=1,m=256,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=15,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=1048577,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=65,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=1024,t=1,p=65$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=0,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=0256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1,p=2,x=1$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1,p=2$c2FsdA$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$AAAA",
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "==$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY "==",
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY "$",
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY "$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT,
    "argon2$argon2id$v=19$m=256,t=1,p=2$$" A2_KEY,
    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$",
    "argon2$$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$Argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY,
    "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$XXXXXXXXXXXXXXXXXXXXXX",
    /* bcrypt: variant, cost and its caps, length, alphabet, the "$$". */
    "bcrypt$$2x$04$" BC_BODY,
    "bcrypt$$2$04$" BC_BODY,
    "bcrypt$$2b$03$" BC_BODY,
    "bcrypt$$2b$17$" BC_BODY,
    "bcrypt$$2b$4$" BC_BODY,
    "bcrypt$$2b$a4$" BC_BODY,
    "bcrypt$$2b$04$" BC_BODY "A",
    "bcrypt$$2b$04$ZNKXCYVePiGjYXtx7UUDLOcmxcWwhYhjHmQ5WtBiNFEy0iV3bM40",
    "bcrypt$$2b$04$ZNKXCYVePiGjYXtx7UUDLOcmxcWwhYhjHmQ5WtBiNFEy0iV3bM40!",
    "bcrypt$$2b$04$ZNKXCYVePiGjYXtx7UUDLOcmxcWwhYhjHmQ5WtBiNFEy0iV3bM40+",
    "bcrypt$2b$04$" BC_BODY,
    "bcrypt$$$2b$04$" BC_BODY,
    "bcrypt_sha256$2b$04$" BC_BODY,
    "bcrypt_sha256$$2b$04$" BC_BODY "$",
    "bcrypt_sha256$$2b$04$",
    "bcrypt_sha256",
    /* scrypt: N a power of two from 2 under 2^(16 r) within the memory
     * cap, r and p from 1 within theirs, a 64-byte padded key. */
    "scrypt$1000$WBcfjtQq7KkBI7JtsFebJN$8$1$" SC_KEY,
    "scrypt$1$WBcfjtQq7KkBI7JtsFebJN$8$1$" SC_KEY,
    "scrypt$0$WBcfjtQq7KkBI7JtsFebJN$8$1$" SC_KEY,
    "scrypt$01024$WBcfjtQq7KkBI7JtsFebJN$8$1$" SC_KEY,
    "scrypt$8388608$WBcfjtQq7KkBI7JtsFebJN$8$1$" SC_KEY,
    "scrypt$65536$WBcfjtQq7KkBI7JtsFebJN$1$1$" SC_KEY,
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$0$1$" SC_KEY,
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$1025$1$" SC_KEY,
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$0$" SC_KEY,
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$65$" SC_KEY,
    "scrypt$1024$$8$1$" SC_KEY,
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$" SC_KEY,
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$1$" SC_KEY "$",
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$1$"
    "L0WnknU8pfAMD+9pwFUSzBtXVyzl3MzZ41piZ1CwCdsjBSTMUctkaRUqjipEKXbut4rJ4nvKNG/NiygZE7tQ4Q",
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$1$"
    "L0WnknU8pfAMD+9pwFUSzBtXVyzl3MzZ41piZ1CwCdsjBSTMUctkaRUqjipEKXbut4rJ4nvKNG/NiygZE7tQ",
    "scrypt$1024$WBcfjtQq7KkBI7JtsFebJN$8$1$L0WnknU8pfAMD+9pwFUSzBtXVyzl3MzZ41piZ1Cw=",
    /* Legacy digests: lengths, case, empty salts where Django needs one. */
    "sha1$uQIfxyDh3eLuiBr5MjVu0k$e24cce33d4153ab437eb12b918195f9f09e8c07",
    "sha1$uQIfxyDh3eLuiBr5MjVu0k$e24cce33d4153ab437eb12b918195f9f09e8c0799",
    "sha1$uQIfxyDh3eLuiBr5MjVu0k$E24CCE33D4153AB437EB12B918195F9F09E8C079",
    "sha1$uQIfxyDh3eLuiBr5MjVu0k$e24cce33d4153ab437eb12b918195f9f09e8c07g",
    "sha1$$2f9e53523b62abc141a2b4d6019d23cba835dbd0a",
    "sha1$$2f9e53523b62abc141a2b4d6019d23cba835dbd",
    "sha1$$2F9E53523B62ABC141A2B4D6019D23CBA835DBD0",
    "sha1$uQIfxyDh3eLuiBr5MjVu0k",
    "md5$eaK4oOsu3mpnIH56GH7dQw$3ad269582a4cd927fbf18537def9d14",
    "md5$eaK4oOsu3mpnIH56GH7dQw$3AD269582A4CD927FBF18537DEF9D141",
    "md5$$3cb4e732631f47e6eb961f34554b7cd",
    "md5$$3cb4e732631f47e6eb961f34554b7cdea",
    "3CB4E732631F47E6EB961F34554B7CDE",
    "3cb4e732631f47e6eb961f34554b7cdz",
    "3cb4e732631f47e6eb961f34554b7cd",
    "3cb4e732631f47e6eb961f34554b7cde0",
    /* crypt: exactly 13 DES characters after the (ignored) salt. */
    "crypt$$isNa/j6WYp5L",
    "crypt$$isNa/j6WYp5Lcc",
    "crypt$$isNa/j6WYp5L!",
    "crypt$$$6$saltsalt$isNa/j6WYp5Lc",
    "crypt$isNa/j6WYp5Lc",
    "crypt",
    /* Unknown algorithms. */
    "sha256$salt$e24cce33d4153ab437eb12b918195f9f09e8c079",
    "bcrypt_sha512$$2b$04$" BC_BODY,
};

static void test_malformed(void)
{
	size_t n = sizeof malformed_pbkdf2 / sizeof malformed_pbkdf2[0];

	for (size_t i = 0; i < n; i++) {
		if (hash_django_wellformed(malformed_pbkdf2[i]) != 0)
			fprintf(stderr, "wellformed: %s\n", malformed_pbkdf2[i]);
		CHECK(hash_django_wellformed(malformed_pbkdf2[i]) == 0);
		CHECK(direct_str(malformed_pbkdf2[i], horse) < 0);
	}
	n = sizeof malformed_other / sizeof malformed_other[0];
	for (size_t i = 0; i < n; i++) {
		int w = hash_django_wellformed(malformed_other[i]);
		if (w != 0)
			fprintf(stderr, "wellformed: %s\n", malformed_other[i]);
		CHECK(w == 0);
		/* The password the intact hash takes; -1 means no hashing ran. */
		CHECK(direct_str(malformed_other[i], horse) < 0);
	}
	/* Each of these costs a dummy verification, so only a few: a
	 * missing field, bad iterations, a key of the wrong length, an
	 * unknown algorithm, bad argon2 and bcrypt parameters; each with the
	 * password the intact hash would accept. */
	static const char *const sample[] = {
	    "pbkdf2_sha256$1000$NaCl2024salt",
	    "pbkdf2_sha256$01000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "pbkdf2_sha256$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKw==",
	    "pbkdf2_sha512$1000$NaCl2024salt$sJWROoNeAKEfJs5aMuYLZEsxVW+Ecmn9z4OMENsBKyo=",
	    "argon2$argon2id$v=19$m=256,t=1,p=2$" A2_SALT "$" A2_KEY "$",
	    "bcrypt$$2b$4$" BC_BODY,
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
	/* The caps themselves are allowed. */
	CHECK(hash_django_wellformed("argon2$argon2id$v=19$m=1048576,t=64,p=64$" A2_SALT
	                             "$" A2_KEY) == 1);
	CHECK(hash_django_wellformed("argon2$argon2d$v=16$m=16,t=1,p=2$" A2_SALT "$" A2_KEY) == 1);
	CHECK(hash_django_wellformed("bcrypt$$2y$16$" BC_BODY) == 1);
	CHECK(hash_django_wellformed("scrypt$1048576$s$8$64$" SC_KEY) == 1);
	CHECK(hash_django_wellformed("scrypt$2$s$1024$1$" SC_KEY) == 1);
	CHECK(hash_django_wellformed("scrypt$32768$s$1$1$" SC_KEY) == 1);
	CHECK(hash_django_wellformed("crypt$anything but a dollar$isNa/j6WYp5Lc") == 1);
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

struct vector {
	const char *algorithm;
	const char *hash;
	const char *pw;
	/* Only the first 8 bytes (DES) count; 0: all of them. */
	size_t significant;
};

static const struct vector vectors[] = {
    {"pbkdf2_sha256", PBKDF2_SHA256_CHEAP, PBKDF2_SHA256_CHEAP_PW, 0},
    {"pbkdf2_sha256", PBKDF2_SHA256_UTF8, PBKDF2_SHA256_UTF8_PW, 0},
    {"pbkdf2_sha256", PBKDF2_SHA256_EMPTY, PBKDF2_SHA256_EMPTY_PW, 0},
    {"pbkdf2_sha256", PBKDF2_SHA256_DEFAULT, PBKDF2_SHA256_DEFAULT_PW, 0},
    {"pbkdf2_sha1", PBKDF2_SHA1_CHEAP, PBKDF2_SHA1_CHEAP_PW, 0},
    {"pbkdf2_sha1", PBKDF2_SHA1_UTF8, PBKDF2_SHA1_UTF8_PW, 0},
    {"pbkdf2_sha1", PBKDF2_SHA1_EMPTY, PBKDF2_SHA1_EMPTY_PW, 0},
    {"pbkdf2_sha1", PBKDF2_SHA1_DEFAULT, PBKDF2_SHA1_DEFAULT_PW, 0},
    {"argon2", ARGON2_CHEAP, ARGON2_CHEAP_PW, 0},
    {"argon2", ARGON2_UTF8, ARGON2_UTF8_PW, 0},
    {"argon2", ARGON2_EMPTY, ARGON2_EMPTY_PW, 0},
    {"argon2", ARGON2_DEFAULT, ARGON2_DEFAULT_PW, 0},
    {"argon2", ARGON2I_OLD, ARGON2I_OLD_PW, 0},
    {"bcrypt_sha256", BCRYPT_SHA256_CHEAP, BCRYPT_SHA256_CHEAP_PW, 0},
    {"bcrypt_sha256", BCRYPT_SHA256_UTF8, BCRYPT_SHA256_UTF8_PW, 0},
    {"bcrypt_sha256", BCRYPT_SHA256_EMPTY, BCRYPT_SHA256_EMPTY_PW, 0},
    {"bcrypt_sha256", BCRYPT_SHA256_DEFAULT, BCRYPT_SHA256_DEFAULT_PW, 0},
    {"bcrypt_sha256", BCRYPT_SHA256_2A, BCRYPT_SHA256_2A_PW, 0},
    {"bcrypt", BCRYPT_CHEAP, BCRYPT_CHEAP_PW, 0},
    {"bcrypt", BCRYPT_UTF8, BCRYPT_UTF8_PW, 0},
    {"bcrypt", BCRYPT_EMPTY, BCRYPT_EMPTY_PW, 0},
    {"bcrypt", BCRYPT_DEFAULT, BCRYPT_DEFAULT_PW, 0},
    {"bcrypt", BCRYPT_LONG, BCRYPT_LONG_PW, 72},
    {"scrypt", SCRYPT_CHEAP, SCRYPT_CHEAP_PW, 0},
    {"scrypt", SCRYPT_UTF8, SCRYPT_UTF8_PW, 0},
    {"scrypt", SCRYPT_EMPTY, SCRYPT_EMPTY_PW, 0},
    {"scrypt", SCRYPT_DEFAULT, SCRYPT_DEFAULT_PW, 0},
    {"sha1", SHA1, SHA1_PW, 0},
    {"sha1", SHA1_UTF8, SHA1_UTF8_PW, 0},
    {"md5", MD5, MD5_PW, 0},
    {"md5", MD5_UTF8, MD5_UTF8_PW, 0},
    {"unsalted_sha1", UNSALTED_SHA1, UNSALTED_SHA1_PW, 0},
    {"unsalted_sha1", UNSALTED_SHA1_UTF8, UNSALTED_SHA1_UTF8_PW, 0},
    {"unsalted_md5", UNSALTED_MD5, UNSALTED_MD5_PW, 0},
    {"unsalted_md5", UNSALTED_MD5_UTF8, UNSALTED_MD5_UTF8_PW, 0},
    {"unsalted_md5", UNSALTED_MD5_PREFIXED, UNSALTED_MD5_PREFIXED_PW, 0},
    {"crypt", CRYPT, CRYPT_PW, 8},
    {"crypt", CRYPT_UTF8, CRYPT_UTF8_PW, 8},
    {"crypt", CRYPT_OLD_SALT, CRYPT_OLD_SALT_PW, 8},
};

/* Passwords that differ from pw in a byte that counts, into buf. */
static void check_wrong(const struct vector *v)
{
	char buf[256];
	size_t n = strlen(v->pw);

	if (n + 2 > sizeof buf) {
		CHECK(n + 2 <= sizeof buf);
		return;
	}
	/* Another first byte, or one more in front. */
	buf[0] = '#';
	memcpy(buf + 1, v->pw, n);
	CHECK(direct(v->hash, buf, n + 1) == 0);
	if (n > 0) {
		memcpy(buf, v->pw, n);
		buf[0] ^= 0x20;
		CHECK(direct(v->hash, buf, n) == 0);
		CHECK(direct(v->hash, "", 0) == 0);
	}
	/* One more byte, or one fewer, where every byte counts. */
	if (v->significant == 0) {
		memcpy(buf, v->pw, n);
		buf[n] = '!';
		CHECK(direct(v->hash, buf, n + 1) == 0);
		if (n > 0)
			CHECK(direct(v->hash, v->pw, n - 1) == 0);
	}
}

static void test_django_vectors(void)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		int ok = verify_str(v->hash, v->pw);
		if (ok != 1)
			fprintf(stderr, "no match: %s\n", v->hash);
		CHECK(ok == 1);
		CHECK(hash_django_wellformed(v->hash) == 1);
		CHECK(hash_django_algorithm(v->hash) &&
		      strcmp(hash_django_algorithm(v->hash), v->algorithm) == 0);
		CHECK(direct_str(v->hash, v->pw) == 1);
		if (strstr(v->algorithm, "pbkdf2") || strstr(v->hash, "$12$") ||
		    strstr(v->hash, "m=102400") || strstr(v->hash, "$16384$")) {
			/* Django's own work factors: one wrong password is
			 * enough. */
			CHECK(direct_str(v->hash, "wrong") == 0);
			continue;
		}
		check_wrong(v);
	}
}

/* A wrong password through the public function, once per hasher. */
static void test_wrong_public(void)
{
	static const char *const hashes[] = {
	    PBKDF2_SHA256_CHEAP, PBKDF2_SHA1_CHEAP, ARGON2_CHEAP, BCRYPT_SHA256_CHEAP,
	    BCRYPT_CHEAP,        SCRYPT_CHEAP,      SHA1,         MD5,
	    UNSALTED_SHA1,       UNSALTED_MD5,      CRYPT,
	};
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
		CHECK(verify_str(hashes[i], "Correct horse") == 0);
}

/* bcrypt reads 72 bytes of the password, DES 8; Python's bcrypt and crypt
 * refuse a NUL, so it never matches there; the others take it as a byte
 * (scrypt, like PBKDF2, ignores trailing NULs). */
static void test_lengths_and_nul(void)
{
	char pw[100];

	memset(pw, 'x', sizeof pw);
	CHECK(direct(BCRYPT_LONG, pw, 72) == 1);
	CHECK(direct(BCRYPT_LONG, pw, 100) == 1);
	CHECK(direct(BCRYPT_LONG, pw, 71) == 0);
	pw[71] = 'y';
	CHECK(direct(BCRYPT_LONG, pw, 80) == 0);
	CHECK(direct_str(CRYPT, "correct horsefly") == 1);
	CHECK(direct_str(CRYPT, "correct") == 0);

	CHECK(direct(BCRYPT_CHEAP, "correct horse\0", 14) == 0);
	CHECK(direct(BCRYPT_CHEAP, "correct\0horse", 13) == 0);
	CHECK(direct(CRYPT, "correct horse\0", 14) == 0);
	CHECK(direct(BCRYPT_SHA256_CHEAP, "correct horse\0", 14) == 0);
	CHECK(direct(ARGON2_CHEAP, "correct horse\0", 14) == 0);
	CHECK(direct(SHA1, "correct horse\0", 14) == 0);
	CHECK(direct(UNSALTED_MD5, "correct horse\0", 14) == 0);
	CHECK(direct(SCRYPT_CHEAP, "correct horse\0", 14) == 1);
	/* A phrase libxcrypt cannot take can never match in Django either. */
	char big[600];
	memset(big, 'x', sizeof big);
	CHECK(direct(CRYPT, big, sizeof big) == 0);
	CHECK(direct(BCRYPT_LONG, big, sizeof big) == 1);
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
	test_django_vectors();
	test_wrong_public();
	test_lengths_and_nul();
	hash_django_dummy(horse, strlen(horse));
	hash_django_dummy(NULL, 0);
	return check_done("test_hash_django");
}
