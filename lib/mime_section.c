/* BODY[section]: parsing the section text, finding its bytes, and writing
 * them as a client receives them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_write.h"
#include "mime.h"
#include "mime_lex.h"

static int word(const char **p, const char *end, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(end - *p) < n || strncasecmp(*p, w, n))
		return 0;
	*p += n;
	return 1;
}

/* header-list = "(" header-fld-name *(SP header-fld-name) ")", names as
 * atoms or quoted strings (a literal has been read by the caller). */
static int field_list(const char *p, const char *end, struct mime_sec *sec)
{
	if (p >= end || *p++ != ' ' || p >= end || *p++ != '(')
		return 0;
	for (;;) {
		struct mime_fieldname *f = &sec->field[sec->nfields];
		if (sec->nfields == MIME_SEC_FIELDS_MAX || p >= end)
			return 0;
		if (*p == '"') {
			f->s = ++p;
			for (; p < end && *p != '"'; p++)
				if (*p == '\\' && ++p == end)
					return 0;
			if (p >= end)
				return 0;
			f->n = (size_t)(p++ - f->s);
			f->quoted = 1;
		} else {
			f->s = p;
			while (p < end && (unsigned char)*p > ' ' && (unsigned char)*p < 0x7f &&
			       !strchr("(){%*\"\\", *p))
				p++;
			f->n = (size_t)(p - f->s);
			f->quoted = 0;
			if (!f->n)
				return 0;
		}
		sec->nfields++;
		if (p < end && *p == ' ') {
			p++;
			continue;
		}
		return p + 1 == end && *p == ')';
	}
}

int mime_sec_parse(const char *spec, size_t n, struct mime_sec *sec)
{
	const char *p = spec, *end = spec + n;
	sec->npath = sec->nfields = 0;
	sec->kind = MIME_SEC_ALL;
	while (p < end && *p >= '1' && *p <= '9') {
		uint64_t v = 0;
		while (p < end && *p >= '0' && *p <= '9' && v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(*p++ - '0');
		if (v > UINT32_MAX || sec->npath == MIME_SEC_PATH_MAX)
			goto bad;
		sec->path[sec->npath++] = (uint32_t)v;
		if (p == end)
			return 1;
		if (*p++ != '.')
			goto bad;
	}
	if (p == end) {
		if (sec->npath) /* "1." */
			goto bad;
		return 1;
	}
	if (word(&p, end, "HEADER.FIELDS.NOT"))
		sec->kind = MIME_SEC_FIELDS_NOT;
	else if (word(&p, end, "HEADER.FIELDS"))
		sec->kind = MIME_SEC_FIELDS;
	else if (word(&p, end, "HEADER"))
		sec->kind = MIME_SEC_HEADER;
	else if (word(&p, end, "TEXT"))
		sec->kind = MIME_SEC_TEXT;
	else if (sec->npath && word(&p, end, "MIME"))
		sec->kind = MIME_SEC_MIME;
	else
		goto bad;
	if (sec->kind == MIME_SEC_FIELDS || sec->kind == MIME_SEC_FIELDS_NOT) {
		if (field_list(p, end, sec))
			return 1;
	} else if (p == end) {
		return 1;
	}
bad:
	errno = EINVAL;
	return 0;
}

/* Does field name msg[s .. s+n) equal the requested name f (ASCII case
 * folded; a quoted name's backslashes escape)? */
static int name_eq(const char *h, size_t n, const struct mime_fieldname *f)
{
	size_t i = 0, k = 0;
	for (; k < f->n; k++, i++) {
		char c = f->s[k];
		if (f->quoted && c == '\\')
			c = f->s[++k];
		if (i == n)
			return 0;
		char d = h[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (d >= 'a' && d <= 'z')
			d = (char)(d - 32);
		if (c != d)
			return 0;
	}
	return i == n;
}

static int listed(const char *msg, const struct mime_field *f, const struct mime_sec *sec)
{
	for (size_t k = 0; k < sec->nfields; k++)
		if (name_eq(msg + f->start, f->name_len, &sec->field[k]))
			return 1;
	return 0;
}

static int add_piece(struct mime_range *r, size_t *cap, uint64_t off, uint64_t len)
{
	if (r->npieces && r->piece[r->npieces - 1].off + r->piece[r->npieces - 1].len == off) {
		r->piece[r->npieces - 1].len += len;
		return 1;
	}
	if (r->npieces == *cap) {
		size_t nc = *cap * 2;
		struct mime_piece *np = r->piece == &r->one ? malloc(nc * sizeof *np)
		                                            : realloc(r->piece, nc * sizeof *np);
		if (!np)
			return 0;
		if (r->piece == &r->one)
			np[0] = r->one;
		r->piece = np;
		*cap = nc;
	}
	r->piece[r->npieces++] = (struct mime_piece){off, len};
	return 1;
}

/* HEADER.FIELDS[.NOT] of the header of part q: its matching fields as
 * they are, then the empty line if the header has one ("the blank line is
 * always included in header data, except in the case of a message which
 * has no body and no blank line", RFC 3501 6.4.5). */
static int fields(const struct mime_part *q, const char *msg, const struct mime_sec *sec,
                  struct mime_range *r)
{
	size_t pos = (size_t)q->hdr_off, end = (size_t)(q->hdr_off + q->hdr_len), cap = 1;
	struct mime_field f;
	int want = sec->kind == MIME_SEC_FIELDS;
	while (mime_field_next(msg, end, &pos, &f)) {
		int hit = want ? f.colon && listed(msg, &f, sec) : !listed(msg, &f, sec);
		if (hit && !add_piece(r, &cap, f.start, f.end - f.start)) {
			mime_range_free(r);
			errno = ENOMEM;
			return -1;
		}
	}
	r->crlf_tail = (q->flags & MIME_EOH) != 0;
	return 1;
}

/* Part number path, as Dovecot's imap_msgpart_find walks it. */
static uint32_t find(const struct mime_msg *m, const struct mime_sec *sec)
{
	uint32_t i = 0;
	for (size_t k = 0; k < sec->npath && i != MIME_NONE; k++) {
		uint32_t num = sec->path[k];
		int more = k + 1 < sec->npath;
		const struct mime_part *q = &m->part[i];
		if (q->flags & MIME_MULTIPART) {
			i = q->child;
			for (; num > 1 && i != MIME_NONE; num--)
				i = m->part[i].next;
		} else if (num != 1 || (more && !(q->flags & MIME_RFC822))) {
			i = MIME_NONE;
		}
		if (i != MIME_NONE && more && (m->part[i].flags & MIME_RFC822))
			i = m->part[i].child;
	}
	return i;
}

int mime_section(const struct mime_msg *m, const char *msg, const struct mime_sec *sec,
                 struct mime_range *r)
{
	memset(r, 0, sizeof *r);
	r->piece = &r->one;
	uint32_t i = find(m, sec);
	if (i == MIME_NONE)
		return 0;
	const struct mime_part *q = &m->part[i];
	if (sec->npath && sec->kind != MIME_SEC_ALL && sec->kind != MIME_SEC_MIME) {
		if (!(q->flags & MIME_RFC822) || q->child == MIME_NONE)
			return 0;
		q = &m->part[q->child];
	}
	uint64_t off = q->hdr_off, len = q->hdr_len + q->body_len;
	switch (sec->kind) {
	case MIME_SEC_ALL:
		if (sec->npath) {
			off = mime_body_off(q);
			len = q->body_len;
		}
		break;
	case MIME_SEC_HEADER:
	case MIME_SEC_MIME:
		len = q->hdr_len;
		break;
	case MIME_SEC_TEXT:
		off = mime_body_off(q);
		len = q->body_len;
		break;
	case MIME_SEC_FIELDS:
	case MIME_SEC_FIELDS_NOT:
		if (fields(q, msg, sec, r) < 0)
			return -1;
		break;
	}
	if (sec->kind != MIME_SEC_FIELDS && sec->kind != MIME_SEC_FIELDS_NOT && len) {
		r->one = (struct mime_piece){off, len};
		r->npieces = 1;
	}
	for (size_t k = 0; k < r->npieces; k++) {
		const struct mime_piece *pc = &r->piece[k];
		r->size +=
		    imap_crlf_size(msg + pc->off, (size_t)pc->len, pc->off ? msg[pc->off - 1] : 0);
	}
	r->size += 2 * (uint64_t)r->crlf_tail;
	return 1;
}

void mime_range_free(struct mime_range *r)
{
	if (r->piece && r->piece != &r->one)
		free(r->piece);
	r->piece = &r->one;
	r->npieces = 0;
}

struct window {
	struct dbuf *b;
	uint64_t pos, lo, hi;
	int nul80, ok;
};

static void emit(struct window *w, const char *s, uint64_t n)
{
	uint64_t a = w->pos > w->lo ? w->pos : w->lo, e = w->pos + n < w->hi ? w->pos + n : w->hi;
	if (a < e) {
		size_t at = dbuf_live(w->b);
		if (!dbuf_put(w->b, s + (a - w->pos), (size_t)(e - a)))
			w->ok = 0;
		else if (w->nul80)
			for (char *c = w->b->p + w->b->off + at; c < w->b->p + w->b->len; c++)
				if (!*c)
					*c = (char)0x80;
	}
	w->pos += n;
}

int mime_range_write(struct dbuf *b, const char *msg, const struct mime_range *r, uint64_t origin,
                     uint64_t count, int nul80)
{
	struct window w = {b,     0, origin, origin + count < origin ? UINT64_MAX : origin + count,
	                   nul80, 1};
	for (size_t k = 0; k < r->npieces && w.pos < w.hi; k++) {
		const char *s = msg + r->piece[k].off, *end = s + r->piece[k].len, *lf;
		char prev = r->piece[k].off ? s[-1] : 0;
		while (s < end && (lf = memchr(s, '\n', (size_t)(end - s)))) {
			char before = lf > s ? lf[-1] : prev;
			emit(&w, s, (uint64_t)(lf - s));
			emit(&w, before == '\r' ? "\n" : "\r\n", before == '\r' ? 1 : 2);
			prev = '\n';
			s = lf + 1;
		}
		emit(&w, s, (uint64_t)(end - s));
	}
	if (r->crlf_tail)
		emit(&w, "\r\n", 2);
	if (!w.ok)
		errno = ENOMEM;
	return w.ok;
}
