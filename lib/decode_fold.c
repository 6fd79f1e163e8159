/* decode: simple Unicode case folding of UTF-8 text (see decode.h).
 *
 * The table holds every simple case folding of Unicode 14.0
 * (CaseFolding.txt, statuses C and S) as ranges: code points lo..hi (every
 * one, or every other one from lo when step is 2) fold to cp + delta.  It
 * was made with Python 3.11 (unicodedata 14.0), from str.casefold() where
 * that gives one character (status C) and str.lower() where casefold()
 * gives several (status F; S is then the lowercase letter), merging runs:
 *
 *	m = {}
 *	for cp in range(0x80, 0x110000):
 *	    if 0xd800 <= cp < 0xe000: continue
 *	    c = chr(cp); f = c.casefold(); l = c.lower()
 *	    if len(f) == 1 and f != c: m[cp] = ord(f)
 *	    elif len(f) > 1 and len(l) == 1 and l != c: m[cp] = ord(l)
 *	then runs of equal delta, consecutive (step 1) or alternating (step 2).
 *
 * So SEARCH is case-insensitive in every script with case, as RFC 3501
 * 6.4.4 asks ("The matching is case-insensitive"): Latin of every
 * extension (Vietnamese, Romanian), Greek with its final sigma, Cyrillic,
 * Armenian, Georgian, Cherokee, Glagolitic, Coptic, Deseret, fullwidth
 * forms, and letterlike symbols (KELVIN SIGN is k).  Nothing is decomposed
 * or normalised: an accented letter is not its base letter. */
#include "decode.h"

#include <string.h>

struct fold_range {
	uint32_t lo, hi;
	int32_t delta;
	uint8_t step;
};

static const struct fold_range fold_table[] = {
    {0xb5, 0xb5, 775, 1},        {0xc0, 0xd6, 32, 1},         {0xd8, 0xde, 32, 1},
    {0x100, 0x12e, 1, 2},        {0x132, 0x136, 1, 2},        {0x139, 0x147, 1, 2},
    {0x14a, 0x176, 1, 2},        {0x178, 0x178, -121, 1},     {0x179, 0x17d, 1, 2},
    {0x17f, 0x17f, -268, 1},     {0x181, 0x181, 210, 1},      {0x182, 0x184, 1, 2},
    {0x186, 0x186, 206, 1},      {0x187, 0x187, 1, 1},        {0x189, 0x18a, 205, 1},
    {0x18b, 0x18b, 1, 1},        {0x18e, 0x18e, 79, 1},       {0x18f, 0x18f, 202, 1},
    {0x190, 0x190, 203, 1},      {0x191, 0x191, 1, 1},        {0x193, 0x193, 205, 1},
    {0x194, 0x194, 207, 1},      {0x196, 0x196, 211, 1},      {0x197, 0x197, 209, 1},
    {0x198, 0x198, 1, 1},        {0x19c, 0x19c, 211, 1},      {0x19d, 0x19d, 213, 1},
    {0x19f, 0x19f, 214, 1},      {0x1a0, 0x1a4, 1, 2},        {0x1a6, 0x1a6, 218, 1},
    {0x1a7, 0x1a7, 1, 1},        {0x1a9, 0x1a9, 218, 1},      {0x1ac, 0x1ac, 1, 1},
    {0x1ae, 0x1ae, 218, 1},      {0x1af, 0x1af, 1, 1},        {0x1b1, 0x1b2, 217, 1},
    {0x1b3, 0x1b5, 1, 2},        {0x1b7, 0x1b7, 219, 1},      {0x1b8, 0x1b8, 1, 1},
    {0x1bc, 0x1bc, 1, 1},        {0x1c4, 0x1c4, 2, 1},        {0x1c5, 0x1c5, 1, 1},
    {0x1c7, 0x1c7, 2, 1},        {0x1c8, 0x1c8, 1, 1},        {0x1ca, 0x1ca, 2, 1},
    {0x1cb, 0x1db, 1, 2},        {0x1de, 0x1ee, 1, 2},        {0x1f1, 0x1f1, 2, 1},
    {0x1f2, 0x1f4, 1, 2},        {0x1f6, 0x1f6, -97, 1},      {0x1f7, 0x1f7, -56, 1},
    {0x1f8, 0x21e, 1, 2},        {0x220, 0x220, -130, 1},     {0x222, 0x232, 1, 2},
    {0x23a, 0x23a, 10795, 1},    {0x23b, 0x23b, 1, 1},        {0x23d, 0x23d, -163, 1},
    {0x23e, 0x23e, 10792, 1},    {0x241, 0x241, 1, 1},        {0x243, 0x243, -195, 1},
    {0x244, 0x244, 69, 1},       {0x245, 0x245, 71, 1},       {0x246, 0x24e, 1, 2},
    {0x345, 0x345, 116, 1},      {0x370, 0x372, 1, 2},        {0x376, 0x376, 1, 1},
    {0x37f, 0x37f, 116, 1},      {0x386, 0x386, 38, 1},       {0x388, 0x38a, 37, 1},
    {0x38c, 0x38c, 64, 1},       {0x38e, 0x38f, 63, 1},       {0x391, 0x3a1, 32, 1},
    {0x3a3, 0x3ab, 32, 1},       {0x3c2, 0x3c2, 1, 1},        {0x3cf, 0x3cf, 8, 1},
    {0x3d0, 0x3d0, -30, 1},      {0x3d1, 0x3d1, -25, 1},      {0x3d5, 0x3d5, -15, 1},
    {0x3d6, 0x3d6, -22, 1},      {0x3d8, 0x3ee, 1, 2},        {0x3f0, 0x3f0, -54, 1},
    {0x3f1, 0x3f1, -48, 1},      {0x3f4, 0x3f4, -60, 1},      {0x3f5, 0x3f5, -64, 1},
    {0x3f7, 0x3f7, 1, 1},        {0x3f9, 0x3f9, -7, 1},       {0x3fa, 0x3fa, 1, 1},
    {0x3fd, 0x3ff, -130, 1},     {0x400, 0x40f, 80, 1},       {0x410, 0x42f, 32, 1},
    {0x460, 0x480, 1, 2},        {0x48a, 0x4be, 1, 2},        {0x4c0, 0x4c0, 15, 1},
    {0x4c1, 0x4cd, 1, 2},        {0x4d0, 0x52e, 1, 2},        {0x531, 0x556, 48, 1},
    {0x10a0, 0x10c5, 7264, 1},   {0x10c7, 0x10c7, 7264, 1},   {0x10cd, 0x10cd, 7264, 1},
    {0x13f8, 0x13fd, -8, 1},     {0x1c80, 0x1c80, -6222, 1},  {0x1c81, 0x1c81, -6221, 1},
    {0x1c82, 0x1c82, -6212, 1},  {0x1c83, 0x1c84, -6210, 1},  {0x1c85, 0x1c85, -6211, 1},
    {0x1c86, 0x1c86, -6204, 1},  {0x1c87, 0x1c87, -6180, 1},  {0x1c88, 0x1c88, 35267, 1},
    {0x1c90, 0x1cba, -3008, 1},  {0x1cbd, 0x1cbf, -3008, 1},  {0x1e00, 0x1e94, 1, 2},
    {0x1e9b, 0x1e9b, -58, 1},    {0x1e9e, 0x1e9e, -7615, 1},  {0x1ea0, 0x1efe, 1, 2},
    {0x1f08, 0x1f0f, -8, 1},     {0x1f18, 0x1f1d, -8, 1},     {0x1f28, 0x1f2f, -8, 1},
    {0x1f38, 0x1f3f, -8, 1},     {0x1f48, 0x1f4d, -8, 1},     {0x1f59, 0x1f5f, -8, 2},
    {0x1f68, 0x1f6f, -8, 1},     {0x1f88, 0x1f8f, -8, 1},     {0x1f98, 0x1f9f, -8, 1},
    {0x1fa8, 0x1faf, -8, 1},     {0x1fb8, 0x1fb9, -8, 1},     {0x1fba, 0x1fbb, -74, 1},
    {0x1fbc, 0x1fbc, -9, 1},     {0x1fbe, 0x1fbe, -7173, 1},  {0x1fc8, 0x1fcb, -86, 1},
    {0x1fcc, 0x1fcc, -9, 1},     {0x1fd8, 0x1fd9, -8, 1},     {0x1fda, 0x1fdb, -100, 1},
    {0x1fe8, 0x1fe9, -8, 1},     {0x1fea, 0x1feb, -112, 1},   {0x1fec, 0x1fec, -7, 1},
    {0x1ff8, 0x1ff9, -128, 1},   {0x1ffa, 0x1ffb, -126, 1},   {0x1ffc, 0x1ffc, -9, 1},
    {0x2126, 0x2126, -7517, 1},  {0x212a, 0x212a, -8383, 1},  {0x212b, 0x212b, -8262, 1},
    {0x2132, 0x2132, 28, 1},     {0x2160, 0x216f, 16, 1},     {0x2183, 0x2183, 1, 1},
    {0x24b6, 0x24cf, 26, 1},     {0x2c00, 0x2c2f, 48, 1},     {0x2c60, 0x2c60, 1, 1},
    {0x2c62, 0x2c62, -10743, 1}, {0x2c63, 0x2c63, -3814, 1},  {0x2c64, 0x2c64, -10727, 1},
    {0x2c67, 0x2c6b, 1, 2},      {0x2c6d, 0x2c6d, -10780, 1}, {0x2c6e, 0x2c6e, -10749, 1},
    {0x2c6f, 0x2c6f, -10783, 1}, {0x2c70, 0x2c70, -10782, 1}, {0x2c72, 0x2c72, 1, 1},
    {0x2c75, 0x2c75, 1, 1},      {0x2c7e, 0x2c7f, -10815, 1}, {0x2c80, 0x2ce2, 1, 2},
    {0x2ceb, 0x2ced, 1, 2},      {0x2cf2, 0x2cf2, 1, 1},      {0xa640, 0xa66c, 1, 2},
    {0xa680, 0xa69a, 1, 2},      {0xa722, 0xa72e, 1, 2},      {0xa732, 0xa76e, 1, 2},
    {0xa779, 0xa77b, 1, 2},      {0xa77d, 0xa77d, -35332, 1}, {0xa77e, 0xa786, 1, 2},
    {0xa78b, 0xa78b, 1, 1},      {0xa78d, 0xa78d, -42280, 1}, {0xa790, 0xa792, 1, 2},
    {0xa796, 0xa7a8, 1, 2},      {0xa7aa, 0xa7aa, -42308, 1}, {0xa7ab, 0xa7ab, -42319, 1},
    {0xa7ac, 0xa7ac, -42315, 1}, {0xa7ad, 0xa7ad, -42305, 1}, {0xa7ae, 0xa7ae, -42308, 1},
    {0xa7b0, 0xa7b0, -42258, 1}, {0xa7b1, 0xa7b1, -42282, 1}, {0xa7b2, 0xa7b2, -42261, 1},
    {0xa7b3, 0xa7b3, 928, 1},    {0xa7b4, 0xa7c2, 1, 2},      {0xa7c4, 0xa7c4, -48, 1},
    {0xa7c5, 0xa7c5, -42307, 1}, {0xa7c6, 0xa7c6, -35384, 1}, {0xa7c7, 0xa7c9, 1, 2},
    {0xa7d0, 0xa7d0, 1, 1},      {0xa7d6, 0xa7d8, 1, 2},      {0xa7f5, 0xa7f5, 1, 1},
    {0xab70, 0xabbf, -38864, 1}, {0xff21, 0xff3a, 32, 1},     {0x10400, 0x10427, 40, 1},
    {0x104b0, 0x104d3, 40, 1},   {0x10570, 0x1057a, 39, 1},   {0x1057c, 0x1058a, 39, 1},
    {0x1058c, 0x10592, 39, 1},   {0x10594, 0x10595, 39, 1},   {0x10c80, 0x10cb2, 64, 1},
    {0x118a0, 0x118bf, 32, 1},   {0x16e40, 0x16e5f, 32, 1},   {0x1e900, 0x1e921, 34, 1},
};

/* The simple case folding of cp (>= 0x80), or cp. */
static uint32_t fold_cp(uint32_t cp)
{
	size_t lo = 0, hi = sizeof fold_table / sizeof fold_table[0];
	if (cp < fold_table[0].lo)
		return cp;
	/* The last range that starts at or before cp. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (fold_table[mid].lo <= cp)
			lo = mid;
		else
			hi = mid;
	}
	const struct fold_range *r = &fold_table[lo];
	if (cp > r->hi || (r->step == 2 && (cp - r->lo) % 2))
		return cp;
	return (uint32_t)((int64_t)cp + r->delta);
}

/* A well-formed UTF-8 sequence of 2 to 4 bytes at s[0..n): its code point
 * and length, or 0 (an invalid byte, copied as it is). */
static size_t utf8_get(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return 0;
	*cp = c;
	return len;
}

static char *utf8_put(char *w, uint32_t cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | cp >> 12);
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | cp >> 18);
		*w++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

int decode_fold(struct dbuf *out, const char *src, size_t n)
{
	if (n == 0)
		return 1; /* dbuf_reserve(0) of an empty dbuf is NULL */
	/* Two letters grow from two bytes to three (U+023A, U+023E). */
	char *o = dbuf_reserve(out, n + n / 2 + 1);
	if (!o)
		return 0;
	char *w = o;
	const unsigned char *s = (const unsigned char *)src;
	for (size_t i = 0; i < n;) {
		/* Eight ASCII bytes at a time: set 0x20 on each of 'A'..'Z'. */
		while (i + 8 <= n) {
			uint64_t x, h = 0x8080808080808080ull, ones = 0x0101010101010101ull;
			memcpy(&x, s + i, 8);
			if (x & h)
				break;
			uint64_t ge_a = x + ones * (0x80 - 'A'), gt_z = x + ones * (0x7f - 'Z');
			x |= ((ge_a & ~gt_z) & h) >> 2;
			memcpy(w, &x, 8);
			w += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			*w++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_get(s + i, n - i, &cp);
		if (!len) {
			*w++ = (char)c;
			i++;
			continue;
		}
		w = utf8_put(w, fold_cp(cp));
		i += len;
	}
	dbuf_commit(out, (size_t)(w - o));
	return 1;
}
