/* search: the decoded text of a message's body, by a minimal, bounded walk
 * of its MIME structure (multipart boundaries, attached messages, leaf
 * text parts).  Recursion is bounded by SEARCH_MIME_DEPTH_MAX and the
 * number of parts by SEARCH_MIME_PARTS_MAX. */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX_BYTES 200 /* RFC 2046 allows 70 */

enum cte { CTE_IDENTITY, CTE_BASE64, CTE_QP };

struct ctype {
	char type[32], sub[64];
	char charset[DECODE_CHARSET_MAX_BYTES + 1];
	char boundary[BOUNDARY_MAX_BYTES + 1];
	size_t blen;
	int cte;
};

struct walk {
	struct search_prog *p;
	unsigned parts;
};

static int tspecial(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c);
}

static void skip_cfws(const char *s, size_t n, size_t *i)
{
	int depth = 0;
	for (; *i < n; (*i)++) {
		char c = s[*i];
		if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return;
	}
}

/* A token or quoted-string at s[*i], copied into out (cap bytes with the
 * NUL; longer ones are refused); *len its length.  Returns 1 or 0. */
static int value(const char *s, size_t n, size_t *i, char *out, size_t cap, size_t *len)
{
	size_t w = 0, ok = 1;
	if (*i < n && s[*i] == '"') {
		for ((*i)++; *i < n && s[*i] != '"'; (*i)++) {
			if (s[*i] == '\\' && *i + 1 < n)
				(*i)++;
			if (s[*i] == '\r' || s[*i] == '\n')
				continue;
			if (w + 1 < cap)
				out[w++] = s[*i];
			else
				ok = 0;
		}
		if (*i < n)
			(*i)++;
	} else {
		for (; *i < n && !tspecial((unsigned char)s[*i]); (*i)++)
			if (w + 1 < cap)
				out[w++] = s[*i];
			else
				ok = 0;
	}
	out[w] = 0;
	*len = w;
	return ok && w > 0;
}

/* Content-Type: type "/" subtype *(";" attribute "=" value). */
static void parse_ctype(const char *s, size_t n, struct ctype *ct)
{
	char type[sizeof ct->type], sub[sizeof ct->sub], attr[32], val[BOUNDARY_MAX_BYTES + 1];
	size_t i = 0, len;
	skip_cfws(s, n, &i);
	if (!value(s, n, &i, type, sizeof type, &len))
		return;
	skip_cfws(s, n, &i);
	if (i >= n || s[i] != '/')
		return;
	i++;
	skip_cfws(s, n, &i);
	if (!value(s, n, &i, sub, sizeof sub, &len))
		return;
	memcpy(ct->type, type, sizeof type);
	memcpy(ct->sub, sub, sizeof sub);
	for (;;) {
		skip_cfws(s, n, &i);
		const char *semi = i < n ? memchr(s + i, ';', n - i) : NULL;
		if (!semi)
			return;
		i = (size_t)(semi - s) + 1;
		skip_cfws(s, n, &i);
		if (!value(s, n, &i, attr, sizeof attr, &len))
			continue;
		skip_cfws(s, n, &i);
		if (i >= n || s[i] != '=')
			continue;
		i++;
		skip_cfws(s, n, &i);
		if (!value(s, n, &i, val, sizeof val, &len))
			continue;
		if (!strcasecmp(attr, "charset") && len < sizeof ct->charset)
			memcpy(ct->charset, val, len + 1);
		else if (!strcasecmp(attr, "boundary"))
			memcpy(ct->boundary, val, len + 1), ct->blen = len;
	}
}

static void parse_entity(const char *h, size_t hn, struct ctype *ct, int digest)
{
	const char *name, *val;
	size_t pos = 0, nn, vn;
	memset(ct, 0, sizeof *ct);
	strcpy(ct->type, digest ? "message" : "text");
	strcpy(ct->sub, digest ? "rfc822" : "plain");
	while (search_field_next(h, hn, &pos, &name, &nn, &val, &vn)) {
		if (nn == 12 && !strncasecmp(name, "Content-Type", 12)) {
			parse_ctype(val, vn, ct);
		} else if (nn == 25 && !strncasecmp(name, "Content-Transfer-Encoding", 25)) {
			char enc[32];
			size_t i = 0, len;
			skip_cfws(val, vn, &i);
			if (value(val, vn, &i, enc, sizeof enc, &len))
				ct->cte = !strcasecmp(enc, "base64")             ? CTE_BASE64
				          : !strcasecmp(enc, "quoted-printable") ? CTE_QP
				                                                 : CTE_IDENTITY;
		}
	}
}

/* Content-transfer-decode s[0..n) into out, or return s itself. */
static const char *undo_cte(int cte, const char *s, size_t *n, struct dbuf *out)
{
	if (cte == CTE_IDENTITY || *n == 0)
		return s;
	dbuf_clear(out);
	if (!(cte == CTE_BASE64 ? decode_base64(out, s, *n) : decode_qp(out, s, *n, 0)))
		return NULL;
	*n = dbuf_live(out);
	return dbuf_data(out);
}

/* A leaf text part: decoded, converted to UTF-8, folded, appended. */
static int leaf_text(struct search_prog *p, const char *s, size_t n, const struct ctype *ct)
{
	size_t room = SEARCH_TEXT_MAX_BYTES - dbuf_live(&p->btext);
	if (dbuf_live(&p->btext) >= SEARCH_TEXT_MAX_BYTES)
		return 1;
	if (n > room)
		n = room;
	if (!(s = undo_cte(ct->cte, s, &n, &p->t1)))
		return 0;
	if (ct->charset[0] && strcasecmp(ct->charset, "utf-8") &&
	    strcasecmp(ct->charset, "us-ascii")) {
		dbuf_clear(&p->t2);
		if (!decode_charset(&p->cs, &p->t2, ct->charset, strlen(ct->charset), s, n))
			return 0;
		s = dbuf_data(&p->t2);
		n = dbuf_live(&p->t2);
	}
	if (!decode_fold(&p->btext, s, n) || !dbuf_put(&p->btext, "\n", 1))
		return 0;
	if (dbuf_live(&p->btext) > SEARCH_TEXT_MAX_BYTES)
		p->btext.len = p->btext.off + SEARCH_TEXT_MAX_BYTES;
	return 1;
}

static int walk(struct walk *w, const char *s, size_t n, int depth, int digest, int top);

/* The next delimiter line "--boundary[--]" at a line start from b[pos]:
 * *at where it starts, *next where the line after it starts, *close for
 * the close delimiter.  Returns 1, or 0 when there is none. */
static int delimiter(const char *b, size_t bn, size_t pos, const struct ctype *ct, size_t *at,
                     size_t *next, int *close)
{
	while (pos + 2 + ct->blen <= bn) {
		const char *f = memmem(b + pos + 2, bn - pos - 2, ct->boundary, ct->blen);
		if (!f)
			return 0;
		size_t d = (size_t)(f - b) - 2, e = d + 2 + ct->blen;
		pos = d + 1;
		if (b[d] != '-' || b[d + 1] != '-' || (d > 0 && b[d - 1] != '\n'))
			continue;
		*close = e + 1 < bn && b[e] == '-' && b[e + 1] == '-';
		if (*close)
			e += 2;
		while (e < bn && (b[e] == ' ' || b[e] == '\t' || b[e] == '\r'))
			e++;
		if (e < bn && b[e] != '\n')
			continue; /* a longer boundary, or text after it */
		*at = d;
		*next = e < bn ? e + 1 : bn;
		return 1;
	}
	return 0;
}

static int multipart(struct walk *w, const char *b, size_t bn, const struct ctype *ct, int depth)
{
	int digest = !strcasecmp(ct->sub, "digest"), close = 0;
	size_t pos = 0, at, next, start = 0;
	int inside = 0;
	while (!close && w->parts < SEARCH_MIME_PARTS_MAX) {
		int found = delimiter(b, bn, pos, ct, &at, &next, &close);
		if (!found)
			at = bn; /* no close delimiter: the last part runs to the end */
		if (inside) {
			size_t end = at;
			if (found && end > start && b[end - 1] == '\n')
				end--;
			if (found && end > start && b[end - 1] == '\r')
				end--;
			w->parts++;
			if (!walk(w, b + start, end - start, depth + 1, digest, 0))
				return 0;
		}
		if (!found)
			break;
		inside = 1;
		start = pos = next;
	}
	return 1;
}

static int walk(struct walk *w, const char *s, size_t n, int depth, int digest, int top)
{
	struct search_prog *p = w->p;
	struct ctype ct;
	size_t hlen, body;
	search_header_split(s, n, &hlen, &body);
	parse_entity(s, hlen, &ct, digest);
	if (!top && p->has_text && dbuf_live(&p->xhdr) < SEARCH_TEXT_MAX_BYTES &&
	    !search_header_text(p, s, hlen, &p->xhdr))
		return 0;
	const char *b = s + body;
	size_t bn = n - body;
	if (!strcasecmp(ct.type, "multipart")) {
		if (ct.blen == 0 || depth >= SEARCH_MIME_DEPTH_MAX)
			return 1;
		return multipart(w, b, bn, &ct, depth);
	}
	if (!strcasecmp(ct.type, "message") &&
	    (!strcasecmp(ct.sub, "rfc822") || !strcasecmp(ct.sub, "global"))) {
		if (depth >= SEARCH_MIME_DEPTH_MAX)
			return 1;
		/* Attached messages should not be encoded, but some are. */
		struct dbuf own = DBUF_ZERO;
		const char *m = undo_cte(ct.cte, b, &bn, &own);
		int ok = m && walk(w, m, bn, depth + 1, 0, 0);
		dbuf_free(&own, 0);
		return ok;
	}
	if (!strcasecmp(ct.type, "text") || !strcasecmp(ct.type, "message"))
		return leaf_text(p, b, bn, &ct);
	return 1;
}

int search_body_text(struct search_prog *p, const char *s, size_t n)
{
	struct walk w = {p, 0};
	return walk(&w, s, n, 0, 0, 1);
}
