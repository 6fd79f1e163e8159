/* Parsing helpers shared by the hash_* modules (see hash_hasher.h). */
#include "hash_hasher.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

const char *hash_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned long d = (unsigned long)(*p - '0');
		if (d > max || v > (max - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (v < min)
		return NULL;
	*out = v;
	return p;
}

size_t hash_field_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n] != '\0' && s[n] != '$')
		n++;
	return n;
}

long hash_b64_decode(const char *s, size_t len, int padded, unsigned char *out, size_t cap)
{
	size_t got = 0;
	const char *end = NULL;
	int variant =
	    padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;

	if (len == 0 || len > (size_t)LONG_MAX / 3 || memchr(s, '\0', len))
		return -1;
	/* Unpadded base64 never leaves a single character over. */
	if (padded ? len % 4 != 0 : len % 4 == 1)
		return -1;
	if (sodium_base642bin(out, cap, s, len, NULL, &got, &end, variant) != 0)
		return -1;
	if (end != s + len)
		return -1;
	return (long)got;
}

int hash_is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

void hash_pbkdf2_sha256_work(const char *pw, size_t pwlen, unsigned long iterations)
{
	/* 22 characters, the length of Django's default salt. */
	static const char salt[] = "asimapdummysaltasimapd";
	unsigned char dk[32];

	if (!pw)
		pwlen = 0;
	if (pwlen > INT_MAX)
		pwlen = INT_MAX;
	if (iterations == 0)
		return;
	if (iterations > INT_MAX)
		iterations = INT_MAX;
	(void)PKCS5_PBKDF2_HMAC(pw ? pw : "", (int)pwlen, (const unsigned char *)salt,
	                        (int)sizeof salt - 1, (int)iterations, EVP_sha256(), (int)sizeof dk,
	                        dk);
	sodium_memzero(dk, sizeof dk);
}
