/* BODY and BODYSTRUCTURE (RFC 3501 7.4.2), walked without recursion: a
 * part's text is written in two halves, before and after its children. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "imap_write.h"
#include "mime_lex.h"

#define EMPTY_BODY "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0"

struct w {
	struct dbuf *b;
	const struct mime_msg *m;
	const char *msg;
	struct mime_info in;
	int ext, ok;
};

static void put(struct w *w, const char *s)
{
	w->ok = w->ok && dbuf_puts(w->b, s);
}

static void str(struct w *w, struct mime_str s)
{
	w->ok = w->ok && imap_w_string(w->b, mime_info_s(&w->in, s), s.len);
}

/* An nstring with its line ends dropped. */
static void nstr_nolf(struct w *w, struct mime_str s)
{
	if (!s.set) {
		put(w, "NIL");
		return;
	}
	struct dbuf t = DBUF_ZERO;
	struct mime_lex lx = {NULL, NULL, NULL, 0};
	mime_put_nolf(&lx, &t, mime_info_s(&w->in, s), s.len);
	w->ok = w->ok && !lx.oom && imap_w_string(w->b, mime_buf(&t), dbuf_live(&t));
	dbuf_free(&t, 0);
}

static int is(const struct w *w, struct mime_str s, const char *what)
{
	size_t n = strlen(what);
	return s.set && s.len == n && !strncasecmp(mime_info_s(&w->in, s), what, n);
}

static void params(struct w *w, const struct mime_param *p, size_t n, int charset)
{
	int seen = 0;
	if (!n && !charset) {
		put(w, "NIL");
		return;
	}
	put(w, "(");
	for (size_t i = 0; i < n; i++) {
		put(w, i ? " " : "");
		seen |= is(w, p[i].name, "charset");
		str(w, p[i].name);
		put(w, " ");
		str(w, p[i].value);
	}
	if (charset && !seen)
		put(w, n ? " \"charset\" \"us-ascii\"" : "\"charset\" \"us-ascii\"");
	put(w, ")");
}

/* disposition, language, location */
static void common(struct w *w)
{
	if (!w->in.disposition.set) {
		put(w, " NIL");
	} else {
		put(w, " (");
		str(w, w->in.disposition);
		put(w, " ");
		params(w, w->in.dparam, w->in.ndparam, 0);
		put(w, ")");
	}
	if (!w->in.nlang) {
		put(w, " NIL");
	} else {
		for (size_t i = 0; i < w->in.nlang; i++) {
			put(w, i ? " " : " (");
			str(w, w->in.lang[i]);
		}
		put(w, ")");
	}
	put(w, " ");
	nstr_nolf(w, w->in.location);
}

static void info(struct w *w, uint32_t i)
{
	w->ok = w->ok && mime_info_get(w->m, w->msg, i, &w->in);
}

/* Is the message a plain 7-bit text (text/plain, charset us-ascii at
 * most, nothing else)?  Dovecot writes such a message's structure in one
 * canonical form, whatever the case of its fields (they are
 * case-insensitive, RFC 2045 5.1). */
static int plain_7bit(const struct w *w, const struct mime_part *q)
{
	const struct mime_info *in = &w->in;
	return (q->flags & MIME_TEXT) && q->child == MIME_NONE &&
	       (!in->subtype.set || is(w, in->subtype, "plain")) &&
	       (!in->nparam || (in->nparam == 1 && is(w, in->param[0].name, "charset") &&
	                        is(w, in->param[0].value, "us-ascii"))) &&
	       !in->id.set && !in->description.set &&
	       (!in->encoding.set || is(w, in->encoding, "7bit")) && !in->md5.set &&
	       !in->disposition.set && !in->nlang && !in->location.set;
}

/* A multipart or message/rfc822 part that a limit made a leaf: Dovecot
 * calls it application/octet-stream, so that no client reads it as a
 * container. */
static int truncated(const struct w *w, const struct mime_part *q)
{
	if (w->in.type.set)
		return (is(w, w->in.type, "message") && is(w, w->in.subtype, "rfc822")) ||
		       is(w, w->in.type, "multipart");
	return q->parent != MIME_NONE && (w->m->part[q->parent].flags & MIME_DIGEST);
}

/* The text of part i before its children; 1 when it has children to
 * write next, 0 when it is complete. */
static int before(struct w *w, uint32_t i)
{
	const struct mime_part *q = &w->m->part[i];
	int text = 0;
	info(w, i);
	put(w, "(");
	if (q->flags & MIME_MULTIPART) {
		if (q->child != MIME_NONE)
			return 1;
		put(w, w->ext ? EMPTY_BODY " NIL NIL NIL NIL)" : EMPTY_BODY ")");
		return 0;
	}
	if (i == 0 && plain_7bit(w, q)) {
		put(w, "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\"");
		w->ok = w->ok && dbuf_printf(w->b, " %llu %llu", (unsigned long long)q->body_size,
		                             (unsigned long long)q->body_lines);
		return 0;
	}
	if (q->flags & MIME_RFC822) {
		put(w, "\"message\" \"rfc822\"");
	} else if (truncated(w, q)) {
		put(w, "\"application\" \"octet-stream\"");
	} else if (!w->in.type.set) {
		put(w, "\"text\" \"plain\"");
		text = 1;
	} else {
		text = is(w, w->in.type, "text");
		str(w, w->in.type);
		put(w, " ");
		str(w, w->in.subtype);
	}
	put(w, " ");
	params(w, w->in.param, w->in.nparam, text);
	put(w, " ");
	nstr_nolf(w, w->in.id);
	put(w, " ");
	nstr_nolf(w, w->in.description);
	put(w, " ");
	if (w->in.encoding.set)
		str(w, w->in.encoding);
	else
		put(w, "\"7bit\"");
	w->ok = w->ok && dbuf_printf(w->b, " %llu", (unsigned long long)q->body_size);
	if (text)
		w->ok = w->ok && dbuf_printf(w->b, " %llu", (unsigned long long)q->body_lines);
	if ((q->flags & MIME_RFC822) && q->child != MIME_NONE) {
		const struct mime_part *c = &w->m->part[q->child];
		put(w, " ");
		w->ok = w->ok && envelope_write(w->b, w->msg + c->hdr_off, (size_t)c->hdr_len);
		put(w, " ");
		return 1;
	}
	return 0;
}

/* The text of part i after its children (or all of a leaf's tail). */
static void after(struct w *w, uint32_t i, int had_children)
{
	const struct mime_part *q = &w->m->part[i];
	if (had_children)
		info(w, i);
	if (q->flags & MIME_MULTIPART) {
		put(w, " ");
		str(w, w->in.subtype);
		if (w->ext) {
			put(w, " ");
			params(w, w->in.param, w->in.nparam, 0);
			common(w);
		}
	} else {
		if (had_children) /* message/rfc822 */
			w->ok =
			    w->ok && dbuf_printf(w->b, " %llu", (unsigned long long)q->body_lines);
		if (w->ext) {
			put(w, " ");
			nstr_nolf(w, w->in.md5);
			common(w);
		}
	}
	put(w, ")");
}

int bodystructure_write(struct dbuf *b, const struct mime_msg *m, const char *msg, int extended)
{
	struct w w = {b, m, msg, MIME_INFO_ZERO, extended, 1};
	uint32_t i = 0;
	int down = 1;
	while (w.ok) {
		if (down && before(&w, i)) {
			i = m->part[i].child;
			continue;
		}
		if (down)
			after(&w, i, 0);
		/* i is complete: go to its next sibling, or finish its parent */
		if (i == 0)
			break;
		uint32_t up = m->part[i].parent;
		if ((m->part[up].flags & MIME_MULTIPART) && m->part[i].next != MIME_NONE) {
			i = m->part[i].next;
			down = 1;
			continue;
		}
		i = up;
		after(&w, i, 1);
		down = 0;
	}
	mime_info_free(&w.in);
	if (!w.ok)
		errno = ENOMEM;
	return w.ok;
}
