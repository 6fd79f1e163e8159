/* search: the search keys (RFC 3501 6.4.4) and their arguments. */
#include "search_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int arg_sp(struct parser *ps, const char *key)
{
	if (imap_p_sp(ps->c))
		return 0;
	return search_fail(ps, "Expected a space and an argument after %s", key);
}

/* An astring, copied into strs (folded when fold) at *off, *len. */
static int string_arg(struct parser *ps, const char *key, int fold, size_t *off, size_t *len)
{
	char *s;
	size_t n;
	struct dbuf *strs = &ps->p->strs;
	if (arg_sp(ps, key) < 0)
		return -1;
	if (!imap_p_astring(ps->c, &s, &n))
		return search_fail(ps, "Expected a string after %s", key);
	*off = dbuf_live(strs);
	if (!(fold ? decode_fold(strs, s, n) : dbuf_put(strs, s, n)))
		return search_nomem(ps);
	*len = dbuf_live(strs) - *off;
	return 0;
}

/* date = date-text / DQUOTE date-text DQUOTE; date-text = d-Mon-yyyy. */
static int date_arg(struct parser *ps, const char *key, int *y, int *m, int *d)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char *s, mon[4] = {0};
	size_t n, i = 0;
	if (arg_sp(ps, key) < 0)
		return -1;
	if (!imap_p_astring(ps->c, &s, &n))
		goto bad;
	for (*d = 0; i < n && i < 2 && s[i] >= '0' && s[i] <= '9'; i++)
		*d = *d * 10 + s[i] - '0';
	if (i == 0 || n != i + 9 || s[i] != '-' || s[i + 4] != '-')
		goto bad;
	for (int k = 0; k < 3; k++)
		mon[k] = (char)(s[i + 1 + k] | 0x20);
	const char *mp = strstr(months, mon);
	if (!mp || (mp - months) % 3)
		goto bad;
	*m = (int)(mp - months) / 3 + 1;
	*y = 0;
	for (size_t k = i + 5; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			goto bad;
		*y = *y * 10 + s[k] - '0';
	}
	if (*d < 1 || *d > search_month_days(*y, *m))
		goto bad;
	return 0;
bad:
	return search_fail(ps, "Expected a date (d-Mon-yyyy) after %s", key);
}

/* Midnight starting y-m-d in the local time zone. */
static int64_t local_midnight(int y, int m, int d)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

enum arg { A_NONE, A_STRING, A_HEADER, A_DATE, A_NUMBER, A_KEYWORD, A_SEQ, A_NOT, A_OR };
enum when { W_BEFORE = 1, W_ON, W_SINCE };

struct keydef {
	const char *name;
	uint8_t kind, arg, when;
	unsigned mask, want;
	const char *field;
};

#define FLAG(name, bit, on)                                                                        \
	{                                                                                          \
		name, N_FLAGS, A_NONE, 0, bit, (on) ? (bit) : 0, NULL                              \
	}
static const struct keydef keys[] = {
    FLAG("ALL", 0, 0),
    FLAG("ANSWERED", SEARCH_ANSWERED, 1),
    {"BCC", N_HEADER, A_STRING, 0, 0, 0, "Bcc"},
    {"BEFORE", N_DATE, A_DATE, W_BEFORE, 0, 0, NULL},
    {"BODY", N_BODY, A_STRING, 0, 0, 0, NULL},
    {"CC", N_HEADER, A_STRING, 0, 0, 0, "Cc"},
    FLAG("DELETED", SEARCH_DELETED, 1),
    FLAG("DRAFT", SEARCH_DRAFT, 1),
    FLAG("FLAGGED", SEARCH_FLAGGED, 1),
    {"FROM", N_HEADER, A_STRING, 0, 0, 0, "From"},
    {"HEADER", N_HEADER, A_HEADER, 0, 0, 0, NULL},
    {"KEYWORD", N_KEYWORD, A_KEYWORD, 0, 0, 1, NULL},
    {"LARGER", N_LARGER, A_NUMBER, 0, 0, 0, NULL},
    {"NEW", N_FLAGS, A_NONE, 0, SEARCH_RECENT | SEARCH_SEEN, SEARCH_RECENT, NULL},
    {"NOT", N_NOT, A_NOT, 0, 0, 0, NULL},
    FLAG("OLD", SEARCH_RECENT, 0),
    {"ON", N_DATE, A_DATE, W_ON, 0, 0, NULL},
    {"OR", N_OR, A_OR, 0, 0, 0, NULL},
    FLAG("RECENT", SEARCH_RECENT, 1),
    FLAG("SEEN", SEARCH_SEEN, 1),
    {"SENTBEFORE", N_SENT, A_DATE, W_BEFORE, 0, 0, NULL},
    {"SENTON", N_SENT, A_DATE, W_ON, 0, 0, NULL},
    {"SENTSINCE", N_SENT, A_DATE, W_SINCE, 0, 0, NULL},
    {"SINCE", N_DATE, A_DATE, W_SINCE, 0, 0, NULL},
    {"SMALLER", N_SMALLER, A_NUMBER, 0, 0, 0, NULL},
    {"SUBJECT", N_HEADER, A_STRING, 0, 0, 0, "Subject"},
    {"TEXT", N_TEXT, A_STRING, 0, 0, 0, NULL},
    {"TO", N_HEADER, A_STRING, 0, 0, 0, "To"},
    {"UID", N_UID, A_SEQ, 0, 0, 0, NULL},
    FLAG("UNANSWERED", SEARCH_ANSWERED, 0),
    FLAG("UNDELETED", SEARCH_DELETED, 0),
    FLAG("UNDRAFT", SEARCH_DRAFT, 0),
    FLAG("UNFLAGGED", SEARCH_FLAGGED, 0),
    {"UNKEYWORD", N_KEYWORD, A_KEYWORD, 0, 0, 0, NULL},
    FLAG("UNSEEN", SEARCH_SEEN, 0),
};

static const struct {
	const char *name;
	unsigned bit;
} sysflags[] = {{"Seen", SEARCH_SEEN},       {"Answered", SEARCH_ANSWERED},
                {"Flagged", SEARCH_FLAGGED}, {"Deleted", SEARCH_DELETED},
                {"Draft", SEARCH_DRAFT},     {"Recent", SEARCH_RECENT}};

/* Does a search key end here (end, space or ")")? */
static int key_end(const struct imap_cur *c)
{
	return c->p == c->end || *c->p == ' ' || *c->p == ')';
}

/* sequence-set or "$" at the cursor, into node i. */
static int set_arg(struct parser *ps, int i, const char *key)
{
	struct imap_cur *c = ps->c;
	struct search_node *k = &ps->p->n[i];
	size_t used;
	if (c->p < c->end && *c->p == '$') {
		c->p++;
		if (!key_end(c))
			return search_fail(ps, "Expected a sequence set or $ after %s", key);
		k->kind = N_SAVED;
		ps->p->uses_saved = 1;
		return 0;
	}
	if (!seqset_parse(&k->set, c->p, (size_t)(c->end - c->p), &used))
		return errno == ENOMEM
		           ? search_nomem(ps)
		           : search_fail(ps, "Expected a sequence set or $ after %s", key);
	c->p += used;
	if (!key_end(c))
		return search_fail(ps, "Invalid sequence set after %s", key);
	return 0;
}

/* flag-keyword (an atom), or a system flag leniently. */
static int keyword_arg(struct parser *ps, const struct keydef *kd, int i)
{
	struct search_prog *p = ps->p;
	char *s;
	size_t n;
	if (arg_sp(ps, kd->name) < 0)
		return -1;
	int sys = imap_p_char(ps->c, '\\');
	if (!imap_p_atom(ps->c, &s, &n))
		return search_fail(ps, "Expected a keyword after %s", kd->name);
	if (sys) {
		for (size_t f = 0; f < sizeof sysflags / sizeof *sysflags; f++)
			if (strlen(sysflags[f].name) == n && !strncasecmp(sysflags[f].name, s, n)) {
				p->n[i].kind = N_FLAGS;
				p->n[i].mask = sysflags[f].bit;
				p->n[i].want = kd->want ? sysflags[f].bit : 0;
				return 0;
			}
		char show[40];
		search_shown(s, n, show, sizeof show);
		return search_fail(ps, "Unknown system flag \\%s after %s", show, kd->name);
	}
	if (kd->want == 0) { /* UNKEYWORD x is NOT KEYWORD x */
		p->n[i].kind = N_NOT;
		if ((i = search_new_node(ps, N_KEYWORD, i)) < 0)
			return -1;
	}
	p->n[i].name = dbuf_live(&p->strs);
	p->n[i].nlen = n;
	if (!dbuf_put(&p->strs, s, n) || !dbuf_put(&p->strs, "", 1))
		return search_nomem(ps);
	return 0;
}

static int key_args(struct parser *ps, const struct keydef *kd, int i, int depth)
{
	struct search_prog *p = ps->p;
	struct search_node *k = &p->n[i];
	int y = 0, m = 0, d = 0;
	uint32_t v;
	switch (kd->arg) {
	case A_NONE:
		return 0;
	case A_STRING:
		if (kd->field) {
			k->name = dbuf_live(&p->strs);
			k->nlen = strlen(kd->field);
			if (!dbuf_puts(&p->strs, kd->field))
				return search_nomem(ps);
		}
		return string_arg(ps, kd->name, 1, &p->n[i].str, &p->n[i].slen);
	case A_HEADER:
		if (string_arg(ps, kd->name, 0, &k->name, &k->nlen) < 0)
			return -1;
		return string_arg(ps, kd->name, 1, &p->n[i].str, &p->n[i].slen);
	case A_DATE:
		if (date_arg(ps, kd->name, &y, &m, &d) < 0)
			return -1;
		k->lo = kd->kind == N_DATE ? local_midnight(y, m, d) : search_days(y, m, d);
		k->hi = kd->kind == N_DATE ? local_midnight(y, m, d + 1) : k->lo + 1;
		if (kd->when == W_BEFORE)
			k->hi = k->lo, k->lo = INT64_MIN;
		else if (kd->when == W_SINCE)
			k->hi = INT64_MAX;
		return 0;
	case A_NUMBER:
		if (arg_sp(ps, kd->name) < 0)
			return -1;
		if (!imap_p_number(ps->c, &v) || !key_end(ps->c))
			return search_fail(ps, "Expected a number after %s", kd->name);
		k->lo = v;
		return 0;
	case A_KEYWORD:
		return keyword_arg(ps, kd, i);
	case A_SEQ:
		if (arg_sp(ps, kd->name) < 0)
			return -1;
		return set_arg(ps, i, kd->name);
	default: /* A_NOT and A_OR: one key, or two */
		for (int nkeys = kd->arg == A_OR ? 2 : 1; nkeys > 0; nkeys--)
			if (arg_sp(ps, kd->name) < 0 || search_parse_key(ps, i, depth + 1) < 0)
				return -1;
		return 0;
	}
}

/* "(" search-key *(SP search-key) ")" into node i; the "(" is consumed. */
static int key_list(struct parser *ps, int i, int depth)
{
	for (;;) {
		if (search_parse_key(ps, i, depth + 1) < 0)
			return -1;
		if (imap_p_char(ps->c, ')'))
			return 0;
		if (!imap_p_sp(ps->c) || key_end(ps->c))
			return search_fail(
			    ps, "Expected a space and a search key, or ) to end the list");
	}
}

/* One search-key as the last child of parent. */
int search_parse_key(struct parser *ps, int parent, int depth)
{
	struct imap_cur *c = ps->c;
	if (depth > SEARCH_DEPTH_MAX)
		return search_fail(ps, "Search keys nested deeper than %d", SEARCH_DEPTH_MAX);
	if (c->p == c->end || *c->p == ' ' || *c->p == ')')
		return search_fail(ps, "Expected a search key");
	if (imap_p_char(c, '(')) {
		int i = search_new_node(ps, N_AND, parent);
		return i < 0 ? -1 : key_list(ps, i, depth);
	}
	if ((*c->p >= '0' && *c->p <= '9') || *c->p == '*' || *c->p == '$') {
		int i = search_new_node(ps, N_SEQ, parent);
		return i < 0 ? -1 : set_arg(ps, i, "search keys");
	}
	char *s, show[40];
	size_t n;
	if (!imap_p_atom(c, &s, &n))
		return search_fail(ps, "Expected a search key");
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		if (strlen(keys[k].name) != n || strncasecmp(keys[k].name, s, n))
			continue;
		int i = search_new_node(ps, keys[k].kind, parent);
		if (i < 0)
			return -1;
		ps->p->n[i].mask = keys[k].mask;
		ps->p->n[i].want = keys[k].want;
		return key_args(ps, &keys[k], i, depth);
	}
	search_shown(s, n, show, sizeof show);
	return search_fail(ps, "Unknown search key %s", show);
}
