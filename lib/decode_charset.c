/* decode: charsets to UTF-8 through iconv, and RFC 2047 encoded words. */
#include "decode.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#define NO_ICONV ((iconv_t)-1)

void decode_cs_init(struct decode_cs *cs)
{
	memset(cs, 0, sizeof *cs);
}

void decode_cs_free(struct decode_cs *cs)
{
	for (int i = 0; i < DECODE_ICONV_CACHE; i++)
		if (cs->e[i].cd)
			iconv_close((iconv_t)cs->e[i].cd);
	memset(cs, 0, sizeof *cs);
}

/* Charsets we copy: UTF-8 itself, its ASCII subset, and labels that say
 * nothing (decoding them as UTF-8 is the best guess). */
static int is_passthrough(const char *name)
{
	static const char *const names[] = {
	    "",        "utf-8",        "utf8",      "us-ascii", "ascii",     "us", "ansi_x3.4-1968",
	    "default", "unknown-8bit", "x-unknown", "unknown",  "iso646-us", NULL};
	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* The name iconv should be given for a (lowercased) label. */
static const char *iconv_name(const char *name)
{
	static const char *const alias[][2] = {{"iso-8859-1", "WINDOWS-1252"},
	                                       {"iso8859-1", "WINDOWS-1252"},
	                                       {"latin1", "WINDOWS-1252"},
	                                       {"l1", "WINDOWS-1252"},
	                                       {"gb2312", "GB18030"},
	                                       {"gbk", "GB18030"},
	                                       {"x-gbk", "GB18030"},
	                                       {"ks_c_5601-1987", "CP949"},
	                                       {"euc-kr", "CP949"},
	                                       {"x-mac-roman", "MACINTOSH"},
	                                       {NULL, NULL}};
	for (int i = 0; alias[i][0]; i++)
		if (!strcmp(name, alias[i][0]))
			return alias[i][1];
	return name;
}

/* A converter for name[0..n), or NO_ICONV to copy.  Names are restricted
 * to the characters charset labels use, so nothing like "//" options or
 * paths reaches iconv_open. */
static iconv_t cs_get(struct decode_cs *cs, const char *name, size_t n)
{
	char low[DECODE_CHARSET_MAX_BYTES + 1];
	if (n > DECODE_CHARSET_MAX_BYTES)
		return NO_ICONV;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.:+", c) ||
		      (c >= 'A' && c <= 'Z')) ||
		    c == 0)
			return NO_ICONV;
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = 0;
	if (is_passthrough(low))
		return NO_ICONV;
	cs->clock++;
	int victim = 0;
	for (int i = 0; i < DECODE_ICONV_CACHE; i++) {
		if (cs->e[i].name[0] && !strcmp(cs->e[i].name, low)) {
			cs->e[i].used = cs->clock;
			return cs->e[i].cd ? (iconv_t)cs->e[i].cd : NO_ICONV;
		}
		if (cs->e[i].used < cs->e[victim].used)
			victim = i;
	}
	if (cs->e[victim].cd)
		iconv_close((iconv_t)cs->e[victim].cd);
	iconv_t cd = iconv_open("UTF-8", iconv_name(low));
	memcpy(cs->e[victim].name, low, n + 1);
	cs->e[victim].cd = cd == NO_ICONV ? NULL : (void *)cd;
	cs->e[victim].used = cs->clock;
	return cd;
}

int decode_charset(struct decode_cs *cs, struct dbuf *out, const char *cs_name, size_t cn,
                   const char *src, size_t n)
{
	if (n == 0)
		return 1;
	iconv_t cd = cs_get(cs, cs_name, cn);
	if (cd == NO_ICONV)
		return dbuf_put(out, src, n);
	iconv(cd, NULL, NULL, NULL, NULL);
	char *in = (char *)(uintptr_t)src; /* iconv's prototype lacks const */
	size_t inleft = n;
	while (inleft > 0) {
		size_t room = inleft * 4 + 16;
		char *o = dbuf_reserve(out, room), *op = o;
		if (!o)
			return 0;
		size_t oleft = room, r = iconv(cd, &in, &inleft, &op, &oleft);
		dbuf_commit(out, (size_t)(op - o));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ or an incomplete sequence (EINVAL): mark it, go on. */
		if (!dbuf_put(out, "\xef\xbf\xbd", 3))
			return 0;
		in++;
		inleft--;
	}
	/* Return a stateful encoding (ISO-2022-JP) to its initial state. */
	char *o = dbuf_reserve(out, 16), *op = o;
	if (!o)
		return 0;
	size_t oleft = 16;
	iconv(cd, NULL, NULL, &op, &oleft);
	dbuf_commit(out, (size_t)(op - o));
	return 1;
}

/* One encoded word at s[0..n) ("=?" already seen): its charset (without an
 * RFC 2231 language), encoding and text, and its length. */
struct eword {
	const char *cs, *text;
	size_t cn, tn, len;
	char enc;
};

static int eword_parse(const char *s, size_t n, struct eword *w)
{
	size_t i = 2;
	w->cs = s + 2;
	while (i < n && s[i] != '?' && s[i] != '\r' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t')
		i++;
	if (i >= n || s[i] != '?' || i == 2)
		return 0;
	w->cn = i - 2;
	const char *star = memchr(w->cs, '*', w->cn);
	if (star)
		w->cn = (size_t)(star - w->cs);
	if (i + 2 >= n || s[i + 2] != '?' || !strchr("QqBb", s[i + 1]) || s[i + 1] == 0)
		return 0;
	w->enc = (char)(s[i + 1] | 0x20);
	i += 3;
	w->text = s + i;
	while (i < n && s[i] != '?' && s[i] != '\r' && s[i] != '\n')
		i++;
	if (i + 1 >= n || s[i] != '?' || s[i + 1] != '=')
		return 0;
	w->tn = (size_t)(s + i - w->text);
	w->len = i + 2;
	return 1;
}

/* Copy s[0..n) without CR and LF (unfolding). */
static int put_unfolded(struct dbuf *out, const char *s, size_t n)
{
	while (n) {
		const char *cr = memchr(s, '\r', n), *lf = memchr(s, '\n', n);
		const char *e = !cr ? lf : !lf ? cr : cr < lf ? cr : lf;
		size_t k = e ? (size_t)(e - s) : n;
		if (k && !dbuf_put(out, s, k))
			return 0;
		if (!e)
			break;
		s += k + 1;
		n -= k + 1;
	}
	return 1;
}

static int only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n", s[i]) || s[i] == 0)
			return 0;
	return 1;
}

/* Convert the pending decoded words in tmp from charset cs_name, and empty tmp. */
static int flush(struct decode_cs *cs, struct dbuf *out, const char *cs_name, size_t cn,
                 struct dbuf *tmp)
{
	int ok = !cs_name || !dbuf_live(tmp) ||
	         decode_charset(cs, out, cs_name, cn, dbuf_data(tmp), dbuf_live(tmp));
	dbuf_clear(tmp);
	return ok;
}

int decode_header_value(struct decode_cs *cs, struct dbuf *out, const char *src, size_t n,
                        struct dbuf *tmp)
{
	const char *pcs = NULL; /* charset of the pending bytes in tmp */
	size_t pcn = 0, i = 0;
	int after_word = 0;
	dbuf_clear(tmp);
	while (i < n) {
		const char *q = memchr(src + i, '=', n - i);
		struct eword w;
		while (q && !(q + 1 < src + n && q[1] == '?' &&
		              eword_parse(q, (size_t)(src + n - q), &w)))
			q = memchr(q + 1, '=', (size_t)(src + n - q - 1));
		size_t plain = q ? (size_t)(q - src) - i : n - i;
		if (!(after_word && q && only_space(src + i, plain)) && (plain || !q)) {
			if (!flush(cs, out, pcs, pcn, tmp))
				return 0;
			pcs = NULL;
			if (!put_unfolded(out, src + i, plain))
				return 0;
		}
		if (!q)
			break;
		if (pcs && (pcn != w.cn || strncasecmp(pcs, w.cs, pcn)) &&
		    !flush(cs, out, pcs, pcn, tmp))
			return 0;
		pcs = w.cs;
		pcn = w.cn;
		if (!(w.enc == 'b' ? decode_base64(tmp, w.text, w.tn)
		                   : decode_qp(tmp, w.text, w.tn, 1)))
			return 0;
		after_word = 1;
		i = (size_t)(q - src) + w.len;
	}
	return flush(cs, out, pcs, pcn, tmp);
}
