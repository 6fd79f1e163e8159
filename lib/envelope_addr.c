/* RFC 5322 address lists (3.4) with the repairs Dovecot's
 * message-address parser makes, written as ENVELOPE address structures.
 * Dots in a local part are taken loosely (".a..b" stays as it is). */
#include <errno.h>
#include <string.h>

#include "envelope.h"
#include "imap_write.h"
#include "mime_lex.h"

struct addr {
	struct mime_str name, route, mailbox, domain;
	int invalid; /* as far as the addr-spec repair needs to know */
};

struct actx {
	struct mime_lex lx;
	struct dbuf comment; /* the last comment seen */
	struct dbuf str;     /* scratch for the word being read */
	struct dbuf pool;    /* the strings of a */
	struct addr a;
	struct dbuf *out;
	long count;
	int oom;
};

static int at(const struct actx *c)
{
	return c->lx.p < c->lx.end ? *c->lx.p : 0;
}

static struct mime_str keep(struct actx *c, const char *s, size_t n)
{
	struct mime_str r = {dbuf_live(&c->pool), n, 1};
	mime_lex_put(&c->lx, &c->pool, s, n);
	return r;
}

static struct mime_str keep_buf(struct actx *c, const struct dbuf *b)
{
	return keep(c, mime_buf(b), dbuf_live(b));
}

static void w_nstring(struct actx *c, struct mime_str s)
{
	int ok = s.set ? imap_w_string(c->out, mime_buf(&c->pool) + s.off, s.len)
	               : dbuf_put(c->out, "NIL", 3);
	c->oom |= !ok;
}

static void add_address(struct actx *c)
{
	c->oom |= !dbuf_put(c->out, "(", 1);
	if (c->a.name.set)
		c->oom |=
		    !envelope_w_human(c->out, mime_buf(&c->pool) + c->a.name.off, c->a.name.len);
	else
		c->oom |= !dbuf_put(c->out, "NIL", 3);
	c->oom |= !dbuf_put(c->out, " ", 1);
	w_nstring(c, c->a.route);
	c->oom |= !dbuf_put(c->out, " ", 1);
	w_nstring(c, c->a.mailbox);
	c->oom |= !dbuf_put(c->out, " ", 1);
	w_nstring(c, c->a.domain);
	c->oom |= !dbuf_put(c->out, ")", 1);
	c->count++;
	memset(&c->a, 0, sizeof c->a);
	mime_lex_trunc(&c->pool, 0);
}

static void add_fixed_address(struct actx *c)
{
	if (!c->a.mailbox.set)
		c->a.mailbox = keep(c, "MISSING_MAILBOX", 15);
	if (!c->a.domain.set || !c->a.domain.len)
		c->a.domain = keep(c, "MISSING_DOMAIN", 14);
	add_address(c);
}

/* local-part with loose dots */
static int loose_dot_atom(struct actx *c)
{
	int r = -1;
	do {
		while (at(c) == '.') {
			mime_lex_put(&c->lx, &c->str, ".", 1);
			if (++c->lx.p == c->lx.end)
				return 0;
			r = 1;
		}
		if (at(c) == '@')
			break;
		r = mime_lex_atom(&c->lx, &c->str);
	} while (r > 0 && at(c) == '.');
	return r;
}

static int local_part(struct actx *c)
{
	int r;
	mime_lex_trunc(&c->str, 0);
	r = at(c) == '"' ? mime_lex_quoted(&c->lx, &c->str) : loose_dot_atom(c);
	if (r < 0)
		return -1;
	c->a.mailbox = keep_buf(c, &c->str);
	return r;
}

static int domain(struct actx *c)
{
	int r;
	mime_lex_trunc(&c->str, 0);
	if ((r = mime_lex_domain(&c->lx, &c->str)) < 0)
		return -1;
	c->a.domain = keep_buf(c, &c->str);
	return r;
}

/* obs-domain-list: "@" domain *(*(CFWS / ",") [CFWS] "@" domain) */
static int domain_list(struct actx *c)
{
	int r;
	mime_lex_trunc(&c->str, 0);
	for (;;) {
		if (c->lx.p >= c->lx.end)
			return 0;
		if (at(c) != '@')
			break;
		if (dbuf_live(&c->str))
			mime_lex_put(&c->lx, &c->str, ",", 1);
		mime_lex_put(&c->lx, &c->str, "@", 1);
		if ((r = mime_lex_domain(&c->lx, &c->str)) <= 0)
			return r;
		while (mime_lex_skip(&c->lx) > 0 && at(c) == ',')
			c->lx.p++;
	}
	c->a.route = keep_buf(c, &c->str);
	return 1;
}

/* "<" [ "@" route ":" ] local-part "@" domain ">" */
static int angle_addr(struct actx *c)
{
	c->lx.p++;
	if (mime_lex_skip(&c->lx) <= 0)
		return -1;
	if (at(c) == '@') {
		if (domain_list(c) > 0 && at(c) == ':') {
			c->lx.p++;
		} else {
			c->a.route = keep(c, "INVALID_ROUTE", 13);
			if (c->lx.p >= c->lx.end)
				return -1;
		}
		if (mime_lex_skip(&c->lx) <= 0)
			return -1;
	}
	if (at(c) != '>') {
		if (local_part(c) <= 0)
			return -1;
		if (at(c) == '@' && domain(c) <= 0)
			return -1;
	}
	if (at(c) != '>')
		return -1;
	c->lx.p++;
	return mime_lex_skip(&c->lx);
}

static int name_addr(struct actx *c)
{
	mime_lex_trunc(&c->str, 0);
	if (mime_lex_phrase(&c->lx, &c->str) <= 0 || at(c) != '<')
		return -1;
	if (dbuf_live(&c->str))
		c->a.name = keep_buf(c, &c->str);
	if (angle_addr(c) < 0)
		c->a.domain = keep(c, "SYNTAX_ERROR", 12);
	return c->lx.p < c->lx.end ? 1 : 0;
}

static int addr_spec(struct actx *c)
{
	int r, r2 = -2, quoted = at(c) == '"';
	mime_lex_trunc(&c->comment, 0);
	r = local_part(c);
	if (r <= 0)
		c->a.invalid = 1;
	if (r != 0 && at(c) == '@' && c->lx.p < c->lx.end) {
		r2 = domain(c);
		if (r2 <= 0)
			r = r2;
	}
	if (dbuf_live(&c->comment)) {
		c->a.name = keep_buf(c, &c->comment);
	} else if (r2 == -2) {
		/* a word without @domain: a mailbox alone, else a name */
		mime_lex_put(&c->lx, &c->str, " ", 1);
		size_t was = dbuf_live(&c->str);
		mime_lex_phrase(&c->lx, &c->str);
		if (dbuf_live(&c->str) != was) {
			c->a.mailbox.set = 0;
			c->a.name = keep_buf(c, &c->str);
		} else if (!quoted) {
			c->a.domain = keep(c, "", 0);
		}
		c->a.invalid = 1;
		r = -1;
	}
	return r;
}

static int mailbox(struct actx *c)
{
	const unsigned char *start = c->lx.p;
	int r = name_addr(c);
	if (r < 0) {
		c->lx.p = start;
		r = addr_spec(c);
		if (c->a.invalid && !c->a.name.set && c->a.mailbox.set && !c->a.domain.set) {
			c->a.name = c->a.mailbox;
			c->a.mailbox.set = 0;
		}
	}
	add_fixed_address(c);
	return r;
}

/* display-name ":" [mailbox-list / CFWS] ";" [CFWS] */
static int group(struct actx *c)
{
	int r;
	mime_lex_trunc(&c->str, 0);
	if (mime_lex_phrase(&c->lx, &c->str) <= 0 || at(c) != ':')
		return -1;
	c->lx.p++;
	r = mime_lex_skip(&c->lx);
	c->a.mailbox = keep_buf(c, &c->str);
	add_address(c);
	if (r > 0 && at(c) != ';') {
		for (;;) {
			mailbox(c);
			if (c->lx.p >= c->lx.end || at(c) != ',')
				break;
			c->lx.p++;
			if (mime_lex_skip(&c->lx) <= 0) {
				r = -1;
				break;
			}
		}
	}
	if (r >= 0) {
		if (c->lx.p >= c->lx.end || at(c) != ';')
			r = -1;
		else {
			c->lx.p++;
			r = mime_lex_skip(&c->lx);
		}
	}
	add_address(c); /* end of group */
	return r == 0 ? 0 : 1;
}

static int address(struct actx *c)
{
	const unsigned char *start = c->lx.p;
	int r = group(c);
	if (r < 0) {
		c->lx.p = start;
		r = mailbox(c);
	}
	return r;
}

long envelope_addresses(struct dbuf *b, const char *value, size_t n)
{
	struct actx c;
	memset(&c, 0, sizeof c);
	mime_lex_init(&c.lx, value, n);
	c.lx.comment = &c.comment;
	c.out = b;
	if (mime_lex_skip(&c.lx) > 0) {
		while (!c.oom && !c.lx.oom && address(&c) != 0) {
			if (c.lx.p >= c.lx.end || at(&c) != ',')
				break;
			c.lx.p++;
			int r = mime_lex_skip(&c.lx);
			if (r <= 0) {
				if (r < 0) /* ends with garbage */
					add_fixed_address(&c);
				break;
			}
		}
	}
	int oom = c.oom || c.lx.oom;
	dbuf_free(&c.comment, 0);
	dbuf_free(&c.str, 0);
	dbuf_free(&c.pool, 0);
	if (oom) {
		errno = ENOMEM;
		return -1;
	}
	return c.count;
}
