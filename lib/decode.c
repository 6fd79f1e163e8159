/* decode: transfer encodings (see decode.h).  Charsets and encoded words
 * are in decode_charset.c, case folding in decode_fold.c. */
#include "decode.h"

#include <string.h>

static const signed char b64[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
    ['='] = -1,
};

int decode_base64(struct dbuf *out, const char *src, size_t n)
{
	if (n == 0)
		return 1; /* dbuf_reserve(0) of an empty dbuf is NULL */
	char *o = dbuf_reserve(out, n / 4 * 3 + 3);
	if (!o)
		return 0;
	char *w = o;
	uint32_t acc = 0;
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		/* Whole quanta of four valid characters, the common case. */
		while (k == 0 && i + 4 <= n) {
			int a = b64[(unsigned char)src[i]], b = b64[(unsigned char)src[i + 1]],
			    c = b64[(unsigned char)src[i + 2]], d = b64[(unsigned char)src[i + 3]];
			if (a <= 0 || b <= 0 || c <= 0 || d <= 0)
				break;
			uint32_t q = (uint32_t)(a - 1) << 18 | (uint32_t)(b - 1) << 12 |
			             (uint32_t)(c - 1) << 6 | (uint32_t)(d - 1);
			*w++ = (char)(q >> 16);
			*w++ = (char)(q >> 8);
			*w++ = (char)q;
			i += 4;
		}
		if (i >= n)
			break;
		int v = b64[(unsigned char)src[i]];
		if (v == 0)
			continue;
		if (v < 0) {
			/* Padding: flush the bytes the quantum holds. */
			if (k == 2) {
				*w++ = (char)(acc >> 4);
			} else if (k == 3) {
				*w++ = (char)(acc >> 10);
				*w++ = (char)(acc >> 2);
			}
			acc = 0;
			k = 0;
			continue;
		}
		acc = acc << 6 | (uint32_t)(v - 1);
		if (++k == 4) {
			*w++ = (char)(acc >> 16);
			*w++ = (char)(acc >> 8);
			*w++ = (char)acc;
			acc = 0;
			k = 0;
		}
	}
	/* Unpadded tail, as some senders write it. */
	if (k == 2) {
		*w++ = (char)(acc >> 4);
	} else if (k == 3) {
		*w++ = (char)(acc >> 10);
		*w++ = (char)(acc >> 2);
	}
	dbuf_commit(out, (size_t)(w - o));
	return 1;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int decode_qp(struct dbuf *out, const char *src, size_t n, int header)
{
	if (n == 0)
		return 1; /* dbuf_reserve(0) of an empty dbuf is NULL */
	char *o = dbuf_reserve(out, n);
	if (!o)
		return 0;
	char *w = o;
	for (size_t i = 0; i < n; i++) {
		/* Copy the run up to the next "=" at once. */
		if (!header) {
			const char *eq = memchr(src + i, '=', n - i);
			size_t run = eq ? (size_t)(eq - src) - i : n - i;
			memcpy(w, src + i, run);
			w += run;
			if ((i += run) >= n)
				break;
		}
		unsigned char c = (unsigned char)src[i];
		if (c == '_' && header) {
			*w++ = ' ';
			continue;
		}
		if (c != '=') {
			*w++ = (char)c;
			continue;
		}
		if (i + 2 < n && hexval((unsigned char)src[i + 1]) >= 0 &&
		    hexval((unsigned char)src[i + 2]) >= 0) {
			*w++ = (char)(hexval((unsigned char)src[i + 1]) << 4 |
			              hexval((unsigned char)src[i + 2]));
			i += 2;
			continue;
		}
		/* A soft line break: "=", optional trailing white space, line end. */
		size_t j = i + 1;
		while (j < n && (src[j] == ' ' || src[j] == '\t'))
			j++;
		if (j < n && src[j] == '\r')
			j++;
		if (j < n && src[j] == '\n') {
			i = j;
			continue;
		}
		if (j == n && !header) {
			i = j;
			continue;
		}
		*w++ = '=';
	}
	dbuf_commit(out, (size_t)(w - o));
	return 1;
}
