#include "mime_lex.h"

#include <string.h>

#include "mime.h"

#define LWSP(c) ((c) == ' ' || (c) == '\t')

size_t mime_eoh_len(const char *msg, size_t end, size_t pos)
{
	if (pos < end && msg[pos] == '\n')
		return 1;
	if (pos + 1 < end && msg[pos] == '\r' && msg[pos + 1] == '\n')
		return 2;
	return 0;
}

/* The line at pos: content [pos, *cend), next line at the return value. */
static size_t line_at(const char *msg, size_t end, size_t pos, size_t *cend, int *nl)
{
	const char *lf = memchr(msg + pos, '\n', end - pos);
	if (!lf) {
		*cend = end;
		*nl = 0;
		return end;
	}
	size_t i = (size_t)(lf - msg);
	*nl = i > pos && msg[i - 1] == '\r' ? 2 : 1;
	*cend = i + 1 - (size_t)*nl;
	return i + 1;
}

void mime_field_read(const char *msg, size_t end, size_t pos, struct mime_field *f)
{
	size_t cend, next = line_at(msg, end, pos, &cend, &f->last_nl);
	const char *colon = memchr(msg + pos, ':', cend - pos);
	f->start = pos;
	f->colon = colon != NULL;
	if (colon) {
		size_t ci = (size_t)(colon - msg), c = ci, v = ci + 1;
		while (c > pos && LWSP(msg[c - 1]))
			c--;
		f->name_len = c - pos;
		while (v < cend && LWSP(msg[v]))
			v++;
		if (v == cend && ci + 1 < cend)
			v = ci + 2; /* only blanks: keep all but one */
		f->val = v;
	} else {
		f->name_len = cend - pos;
		f->val = cend;
	}
	f->val_end = cend;
	while (next < end && LWSP(msg[next])) {
		next = line_at(msg, end, next, &cend, &f->last_nl);
		f->val_end = cend;
	}
	f->end = next;
}

int mime_field_next(const char *msg, size_t end, size_t *pos, struct mime_field *f)
{
	if (*pos >= end || mime_eoh_len(msg, end, *pos))
		return 0;
	mime_field_read(msg, end, *pos, f);
	*pos = f->end;
	return 1;
}

int mime_field_is(const char *msg, const struct mime_field *f, const char *name)
{
	size_t n = strlen(name);
	if (f->name_len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)msg[f->start + i], b = (unsigned char)name[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

void mime_lex_init(struct mime_lex *lx, const char *s, size_t n)
{
	lx->p = (const unsigned char *)s;
	lx->end = lx->p + n;
	lx->comment = NULL;
	lx->oom = 0;
}

void mime_lex_put(struct mime_lex *lx, struct dbuf *b, const void *s, size_t n)
{
	const char *c = s, *nul;
	while (n && (nul = memchr(c, 0, n))) {
		size_t k = (size_t)(nul - c);
		if ((k && !dbuf_put(b, c, k)) || !dbuf_put(b, "\xef\xbf\xbd", 3))
			lx->oom = 1;
		c += k + 1;
		n -= k + 1;
	}
	if (n && !dbuf_put(b, c, n))
		lx->oom = 1;
}

void mime_lex_trunc(struct dbuf *b, size_t len)
{
	if (len < dbuf_live(b))
		b->len = b->off + len;
}

/* Dovecot's classes: 1 atext, 2 alnum and 8-bit, 4 atext but a MIME
 * tspecial ('/', '=', '?'). */
static unsigned char cls(unsigned char c)
{
	if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return 2;
	if (c == '/' || c == '=' || c == '?')
		return 4;
	return c && strchr("!#$%&'*+-^_`{|}~", c) ? 1 : 0;
}

int mime_is_atext(unsigned char c)
{
	return cls(c) != 0;
}

static int more(const struct mime_lex *lx)
{
	return lx->p < lx->end ? 1 : 0;
}

/* A quoted-pair may not quote a line end or NUL: then the backslash is
 * an ordinary character (RFC 5322 4.1 obs-qp). */
static int real_escape(const struct mime_lex *lx)
{
	return lx->p + 1 < lx->end && lx->p[1] != '\r' && lx->p[1] != '\n' && lx->p[1] != 0;
}

/* Folding inside a comment, quoted string or domain literal: drop the
 * line end. */
static const unsigned char *fold(struct mime_lex *lx, struct dbuf *b, const unsigned char *start)
{
	size_t n = (size_t)(lx->p - start);
	if (n && start[n - 1] == '\r')
		n--;
	if (b)
		mime_lex_put(lx, b, start, n);
	return lx->p + 1;
}

static int skip_comment(struct mime_lex *lx)
{
	const unsigned char *start = ++lx->p;
	int level = 1;
	if (lx->comment)
		mime_lex_trunc(lx->comment, 0);
	for (; lx->p < lx->end; lx->p++) {
		if (*lx->p == '(') {
			level++;
		} else if (*lx->p == ')') {
			if (--level == 0) {
				if (lx->comment)
					mime_lex_put(lx, lx->comment, start,
					             (size_t)(lx->p - start));
				lx->p++;
				return more(lx);
			}
		} else if (*lx->p == '\n') {
			start = fold(lx, lx->comment, start);
		} else if (*lx->p == '\\') {
			if (lx->p + 1 >= lx->end)
				return -1;
			if (!real_escape(lx))
				continue;
			if (lx->comment)
				mime_lex_put(lx, lx->comment, start, (size_t)(lx->p - start));
			start = ++lx->p;
		}
	}
	return -1;
}

int mime_lex_skip(struct mime_lex *lx)
{
	while (lx->p < lx->end) {
		unsigned char c = *lx->p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			lx->p++;
		else if (c != '(')
			break;
		else if (skip_comment(lx) < 0)
			return -1;
	}
	return more(lx);
}

int mime_lex_atom(struct mime_lex *lx, struct dbuf *out)
{
	const unsigned char *start = lx->p;
	if (lx->p >= lx->end || !cls(*lx->p))
		return -1;
	while (lx->p < lx->end && cls(*lx->p))
		lx->p++;
	mime_lex_put(lx, out, start, (size_t)(lx->p - start));
	return lx->p < lx->end ? mime_lex_skip(lx) : 0;
}

int mime_lex_quoted(struct mime_lex *lx, struct dbuf *out)
{
	const unsigned char *start = ++lx->p;
	for (; lx->p < lx->end; lx->p++) {
		if (*lx->p == '"') {
			mime_lex_put(lx, out, start, (size_t)(lx->p - start));
			lx->p++;
			return mime_lex_skip(lx);
		} else if (*lx->p == '\n') {
			start = fold(lx, out, start);
		} else if (*lx->p == '\\') {
			if (lx->p + 1 >= lx->end)
				return -1;
			if (!real_escape(lx))
				continue;
			mime_lex_put(lx, out, start, (size_t)(lx->p - start));
			start = ++lx->p;
		}
	}
	return -1;
}

static int atom_or_dot(struct mime_lex *lx, struct dbuf *out)
{
	const unsigned char *start = lx->p;
	while (lx->p < lx->end && (cls(*lx->p) || *lx->p == '.'))
		lx->p++;
	mime_lex_put(lx, out, start, (size_t)(lx->p - start));
	return lx->p < lx->end ? mime_lex_skip(lx) : 0;
}

int mime_lex_phrase(struct mime_lex *lx, struct dbuf *out)
{
	if (lx->p >= lx->end)
		return 0;
	if (*lx->p == '.')
		return -1;
	for (;;) {
		int r = *lx->p == '"' ? mime_lex_quoted(lx, out) : atom_or_dot(lx, out);
		if (r <= 0)
			return r;
		if (!cls(*lx->p) && *lx->p != '"' && *lx->p != '.')
			break;
		mime_lex_put(lx, out, " ", 1);
	}
	return mime_lex_skip(lx);
}

int mime_lex_dot_atom(struct mime_lex *lx, struct dbuf *out)
{
	const unsigned char *start = lx->p;
	int r;
	if (lx->p >= lx->end || !cls(*lx->p))
		return -1;
	for (lx->p++; lx->p < lx->end;) {
		if (cls(*lx->p)) {
			lx->p++;
			continue;
		}
		mime_lex_put(lx, out, start, (size_t)(lx->p - start));
		if ((r = mime_lex_skip(lx)) <= 0)
			return r;
		if (*lx->p != '.')
			return 1;
		lx->p++;
		mime_lex_put(lx, out, ".", 1);
		/* an atom must follow the dot (RFC 5322 3.2.3) */
		if (mime_lex_skip(lx) <= 0 || !cls(*lx->p))
			return -1;
		start = lx->p;
	}
	mime_lex_put(lx, out, start, (size_t)(lx->p - start));
	return 0;
}

static int domain_literal(struct mime_lex *lx, struct dbuf *out)
{
	const unsigned char *start = lx->p;
	for (lx->p++; lx->p < lx->end; lx->p++) {
		if (*lx->p == '[') {
			return -1;
		} else if (*lx->p == '\n') {
			start = fold(lx, out, start);
		} else if (*lx->p == '\\') {
			if (lx->p + 1 >= lx->end)
				return -1;
			if (real_escape(lx))
				lx->p++;
		} else if (*lx->p == ']') {
			lx->p++;
			mime_lex_put(lx, out, start, (size_t)(lx->p - start));
			return mime_lex_skip(lx);
		}
	}
	return -1;
}

int mime_lex_domain(struct mime_lex *lx, struct dbuf *out)
{
	lx->p++; /* '@' */
	if (mime_lex_skip(lx) <= 0)
		return -1;
	return *lx->p == '[' ? domain_literal(lx, out) : mime_lex_dot_atom(lx, out);
}

int mime_lex_token(struct mime_lex *lx, struct dbuf *out)
{
	const unsigned char *start = lx->p;
	while (lx->p < lx->end && ((cls(*lx->p) & 3) || *lx->p == '.'))
		lx->p++;
	mime_lex_put(lx, out, start, (size_t)(lx->p - start));
	return lx->p < lx->end ? mime_lex_skip(lx) : 0;
}

int mime_lex_content_type(struct mime_lex *lx, struct dbuf *out)
{
	size_t start = dbuf_live(out), sub;
	int r;
	if (mime_lex_skip(lx) <= 0)
		return -1;
	if (mime_lex_token(lx, out) <= 0 || dbuf_live(out) == start)
		return -1;
	if (*lx->p != '/' || (lx->p++, mime_lex_skip(lx) <= 0))
		goto bad;
	mime_lex_put(lx, out, "/", 1);
	sub = dbuf_live(out);
	r = mime_lex_token(lx, out);
	if (r < 0 || dbuf_live(out) == sub || (lx->p < lx->end && *lx->p != ';'))
		goto bad;
	return r;
bad:
	mime_lex_trunc(out, start);
	return -1;
}

void mime_put_nolf(struct mime_lex *lx, struct dbuf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			continue;
		mime_lex_put(lx, b, s + run, i - run);
		run = i + 1;
		char next = i + 1 < n ? s[i + 1] : 0;
		if (next != ' ' && next != '\t' && next != '\r' && next != '\n')
			mime_lex_put(lx, b, " ", 1);
	}
	mime_lex_put(lx, b, s + run, n - run);
}
