/* search: compiling SEARCH's arguments into a program (see search.h).
 *
 * Recursive descent, bounded by SEARCH_DEPTH_MAX; every node is created
 * before its children, so the finishing pass can walk the array backwards
 * to give each node its cost and order AND lists cheapest first. */
#include "search_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int search_fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	if (ps->err[0])
		return -1; /* keep the first, innermost message */
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int search_nomem(struct parser *ps)
{
	ps->nomem = 1;
	return search_fail(ps, "Out of memory");
}

/* A new node of kind as the last child of parent (-1: none). */
int search_new_node(struct parser *ps, int kind, int parent)
{
	struct search_prog *p = ps->p;
	if (p->nn >= SEARCH_KEYS_MAX)
		return search_fail(ps, "Too many search keys (at most %d)", SEARCH_KEYS_MAX);
	if (p->nn == p->ncap) {
		size_t cap = p->ncap ? p->ncap * 2 : 16;
		struct search_node *n = realloc(p->n, cap * sizeof *n);
		if (!n)
			return search_nomem(ps);
		p->n = n;
		p->ncap = cap;
	}
	int i = (int)p->nn++;
	memset(&p->n[i], 0, sizeof p->n[i]);
	p->n[i].kind = (uint8_t)kind;
	p->n[i].first = p->n[i].next = -1;
	if (parent >= 0) {
		int32_t *link = &p->n[parent].first;
		while (*link >= 0)
			link = &p->n[*link].next;
		*link = i;
	}
	return i;
}

/* A keyword's or an error's printable form. */
void search_shown(const char *s, size_t n, char *out, size_t cap)
{
	size_t w = 0;
	for (size_t i = 0; i < n && w + 4 < cap; i++)
		out[w++] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (n && w < n && w + 4 >= cap)
		out[w++] = '.', out[w++] = '.', out[w++] = '.';
	out[w] = 0;
}

/* [SP "RETURN" SP "(" [opt *(SP opt)] ")"] (RFC 4731, RFC 5182 SAVE). */
static int return_opts(struct parser *ps)
{
	static const struct {
		const char *name;
		unsigned bit;
	} opts[] = {{"MIN", SEARCH_RET_MIN},
	            {"MAX", SEARCH_RET_MAX},
	            {"ALL", SEARCH_RET_ALL},
	            {"COUNT", SEARCH_RET_COUNT},
	            {"SAVE", SEARCH_RET_SAVE}};
	struct imap_cur *c = ps->c;
	ps->p->ret = SEARCH_RET_ESEARCH;
	if (!imap_p_sp(c) || !imap_p_char(c, '('))
		return search_fail(ps, "Expected (options) after RETURN");
	if (imap_p_char(c, ')')) {
		ps->p->ret |= SEARCH_RET_ALL;
		return 0;
	}
	do {
		char *s, show[40];
		size_t n, k;
		if (!imap_p_atom(c, &s, &n))
			return search_fail(ps, "Expected a RETURN option");
		for (k = 0; k < sizeof opts / sizeof *opts; k++)
			if (strlen(opts[k].name) == n && !strncasecmp(opts[k].name, s, n))
				break;
		if (k == sizeof opts / sizeof *opts) {
			search_shown(s, n, show, sizeof show);
			return search_fail(ps, "Unknown RETURN option %s", show);
		}
		ps->p->ret |= opts[k].bit;
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')'))
		return search_fail(ps, "Expected ) after the RETURN options");
	return 0;
}

/* [SP "CHARSET" SP astring]: 1 when it names a charset we do not know. */
static int charset(struct parser *ps)
{
	struct imap_cur save = *ps->c;
	char *s;
	size_t n;
	if (!imap_p_sp(ps->c) || !imap_p_word(ps->c, "CHARSET")) {
		*ps->c = save;
		return 0;
	}
	if (!imap_p_sp(ps->c) || !imap_p_astring(ps->c, &s, &n))
		return search_fail(ps, "Expected a charset after CHARSET");
	if ((n == 5 && !strncasecmp(s, "UTF-8", 5)) || (n == 8 && !strncasecmp(s, "US-ASCII", 8)))
		return 0;
	snprintf(ps->err, ps->errlen, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
	return 1;
}

enum search_status search_parse(struct imap_cur *c, int uid, struct search_prog **out, char *err,
                                size_t errlen)
{
	char dummy[1];
	struct parser ps = {NULL, c, errlen ? err : dummy, errlen ? errlen : 1, 0};
	struct imap_cur start = *c;
	int rc = -1;
	*out = NULL;
	ps.err[0] = 0;
	if (!(ps.p = calloc(1, sizeof *ps.p))) {
		snprintf(ps.err, ps.errlen, "Out of memory");
		return SEARCH_NOMEM;
	}
	ps.p->uid = uid;
	if (!dbuf_reserve(&ps.p->strs, 256)) {
		free(ps.p);
		snprintf(ps.err, ps.errlen, "Out of memory");
		return SEARCH_NOMEM;
	}
	ps.p->size = -1;
	decode_cs_init(&ps.p->cs);
	struct imap_cur peek = *c;
	if (imap_p_sp(&peek) && imap_p_word(&peek, "RETURN")) {
		*c = peek;
		if (return_opts(&ps) < 0)
			goto done;
	}
	if ((rc = charset(&ps)) != 0)
		goto done;
	rc = -1;
	if (search_new_node(&ps, N_AND, -1) < 0)
		goto done;
	do {
		if (!imap_p_sp(c))
			search_fail(&ps, "Expected a space and a search key");
		else if (search_parse_key(&ps, 0, 0) < 0)
			goto done;
	} while (!ps.err[0] && !imap_p_end(c) && *c->p == ' ');
	if (!ps.err[0] && !imap_p_end(c))
		search_fail(&ps, "Unexpected characters after the search keys");
	if (!ps.err[0] && !search_finish(ps.p))
		search_nomem(&ps);
	rc = ps.err[0] ? -1 : 0;
done:
	if (rc == 0) {
		*out = ps.p;
		return SEARCH_OK;
	}
	search_free(ps.p);
	*c = start;
	return ps.nomem ? SEARCH_NOMEM : rc == 1 ? SEARCH_BADCHARSET : SEARCH_BAD;
}
