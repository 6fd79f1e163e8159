#include "mutf7.h"

#include <stdint.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int put(char *out, size_t cap, size_t *k, char c)
{
	if (*k + 1 >= cap)
		return 0;
	out[(*k)++] = c;
	return 1;
}

/* One UTF-8 code point at s[*i]; -1 when invalid. */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	int len = c < 0x80             ? 1
	          : (c & 0xe0) == 0xc0 ? 2
	          : (c & 0xf0) == 0xe0 ? 3
	          : (c & 0xf8) == 0xf0 ? 4
	                               : 0;
	if (!len || *i + (size_t)len > n)
		return -1;
	long cp = len == 1 ? c : c & (0x7f >> len);
	for (int k = 1; k < len; k++) {
		if ((s[*i + (size_t)k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[*i + (size_t)k] & 0x3f);
	}
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
		return -1;
	*i += (size_t)len;
	return cp;
}

/* Base64 (modified) of UTF-16BE units u[0..n). */
static int put_run(const uint16_t *u, size_t n, char *out, size_t cap, size_t *k)
{
	uint32_t bits = 0;
	int nbits = 0;
	if (!put(out, cap, k, '&'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		for (int half = 1; half >= 0; half--) {
			bits = bits << 8 | (uint32_t)(u[i] >> (8 * half) & 0xff);
			nbits += 8;
			while (nbits >= 6) {
				nbits -= 6;
				if (!put(out, cap, k, b64[bits >> nbits & 0x3f]))
					return 0;
			}
		}
	}
	if (nbits && !put(out, cap, k, b64[bits << (6 - nbits) & 0x3f]))
		return 0;
	return put(out, cap, k, '-');
}

long mutf7_encode(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	uint16_t run[512];
	size_t k = 0, nrun = 0, i = 0;
	while (i < n) {
		if (u[i] >= 0x20 && u[i] <= 0x7e) {
			if ((nrun && !put_run(run, nrun, out, cap, &k)) ||
			    !put(out, cap, &k, (char)u[i]) ||
			    (u[i] == '&' && !put(out, cap, &k, '-')))
				return -1;
			nrun = 0;
			i++;
			continue;
		}
		long cp = utf8_next(u, n, &i);
		if (cp < 0)
			return -1;
		if (nrun + 2 > sizeof run / sizeof run[0]) { /* a long run: go on in another */
			if (!put_run(run, nrun, out, cap, &k))
				return -1;
			nrun = 0;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			run[nrun++] = (uint16_t)(0xd800 | cp >> 10);
			run[nrun++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			run[nrun++] = (uint16_t)cp;
		}
	}
	if (nrun && !put_run(run, nrun, out, cap, &k))
		return -1;
	if (k >= cap)
		return -1;
	out[k] = 0;
	return (long)k;
}

static int put_utf8(long cp, char *out, size_t cap, size_t *k)
{
	char b[4];
	int len;
	if (cp < 0x80) {
		b[0] = (char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	for (int i = 0; i < len; i++)
		if (!put(out, cap, k, b[i]))
			return 0;
	return 1;
}

/* A base64 run s[0..n) (between "&" and "-") as UTF-8. */
static int decode_run(const char *s, size_t n, char *out, size_t cap, size_t *k)
{
	uint32_t bits = 0;
	int nbits = 0;
	long high = -1; /* a pending high surrogate */
	size_t units = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = memchr(b64, s[i], 64);
		if (!p || !s[i])
			return 0;
		bits = bits << 6 | (uint32_t)(p - b64);
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		long u = (long)(bits >> nbits & 0xffff);
		units++;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (high >= 0)
				return 0;
			high = u;
			continue;
		}
		if (u >= 0xdc00 && u <= 0xdfff) {
			if (high < 0)
				return 0;
			u = 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00);
			high = -1;
		} else if (high >= 0 || (u >= 0x20 && u <= 0x7e) || u == 0) {
			return 0; /* printable ASCII must not be encoded */
		}
		if (!put_utf8(u, out, cap, k))
			return 0;
	}
	/* Leftover bits must be zero padding, less than a unit. */
	return units > 0 && high < 0 && nbits < 6 && !(bits & ((1u << nbits) - 1));
}

long mutf7_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e)
			return -1;
		if (c != '&') {
			if (!put(out, cap, &k, (char)c))
				return -1;
			i++;
			continue;
		}
		const char *dash = memchr(s + i + 1, '-', n - i - 1);
		if (!dash)
			return -1;
		size_t len = (size_t)(dash - (s + i + 1));
		if (len == 0) {
			if (!put(out, cap, &k, '&'))
				return -1;
		} else if (!decode_run(s + i + 1, len, out, cap, &k)) {
			return -1;
		}
		i += len + 2;
	}
	if (k >= cap)
		return -1;
	out[k] = 0;
	return (long)k;
}
