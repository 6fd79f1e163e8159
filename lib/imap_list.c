#include "imap_list.h"

#include <string.h>
#include <strings.h>

const char *const imap_status_names[IMAP_STATUS_COUNT] = {
    "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "APPENDLIMIT",
};

/* Is an atom at c? */
static int atom_at(const struct imap_cur *c)
{
	return c->p < c->end && imap_is_atom_char((unsigned char)*c->p);
}

/* An atom at c that is one of names[0..n) (any case): its index, or -1
 * (c unchanged then). */
static int p_keyword(struct imap_cur *c, const char *const *names, int n)
{
	struct imap_cur at = *c;
	char *s;
	size_t len;
	if (!imap_p_atom(&at, &s, &len))
		return -1;
	for (int k = 0; k < n; k++)
		if (strlen(names[k]) == len && !strncasecmp(s, names[k], len)) {
			*c = at;
			return k;
		}
	return -1;
}

const char *imap_p_status_atts(struct imap_cur *c, struct imap_status_atts *a)
{
	if (!imap_p_char(c, '('))
		return "Expected ( and STATUS items";
	do {
		int k = p_keyword(c, imap_status_names, IMAP_STATUS_COUNT);
		if (k < 0 && atom_at(c))
			return "Unknown STATUS item (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN "
			       "SIZE APPENDLIMIT)";
		if (k < 0)
			return a->n ? "Expected ) after the STATUS items"
			            : "Expected at least one STATUS item";
		size_t i = 0;
		while (i < a->n && a->item[i] != k)
			i++;
		if (i == a->n)
			a->item[a->n++] = (uint8_t)k;
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')'))
		return "Expected ) after the STATUS items";
	return NULL;
}

/* list-char: ATOM-CHAR, the wildcards, or "]" (RFC 3501 9). */
static int list_char(unsigned char ch)
{
	return imap_is_atom_char(ch) || ch == '%' || ch == '*' || ch == ']';
}

/* list-mailbox: a string, or 1*list-char. */
static int p_list_mailbox(struct imap_cur *c, const char **s, size_t *n)
{
	char *str;
	if (imap_p_string(c, &str, n)) {
		*s = str;
		return 1;
	}
	char *p = c->p;
	while (p < c->end && list_char((unsigned char)*p))
		p++;
	if (p == c->p)
		return 0;
	*s = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return 1;
}

static const char *const sel_names[] = {"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"};
static const unsigned sel_bits[] = {IMAP_LIST_SEL_SUBSCRIBED, IMAP_LIST_SEL_REMOTE,
                                    IMAP_LIST_SEL_RECURSIVEMATCH, IMAP_LIST_SEL_SPECIAL_USE};
static const char *const ret_names[] = {"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"};
static const unsigned ret_bits[] = {IMAP_LIST_RET_SUBSCRIBED, IMAP_LIST_RET_CHILDREN,
                                    IMAP_LIST_RET_SPECIAL_USE, IMAP_LIST_RET_STATUS};

/* "(" [option *(SP option)] ")" of selection options. */
static const char *p_select(struct imap_cur *c, struct imap_list_args *a)
{
	if (!imap_p_char(c, '('))
		return "Expected (";
	if (imap_p_char(c, ')'))
		return NULL;
	do {
		int k = p_keyword(c, sel_names, 4);
		if (k < 0)
			return atom_at(c) ? "Unknown LIST selection option (SUBSCRIBED REMOTE "
			                    "RECURSIVEMATCH SPECIAL-USE)"
			                  : "Expected ) after the LIST selection options";
		a->sel |= sel_bits[k];
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')'))
		return "Expected ) after the LIST selection options";
	/* RFC 5258 3.1: RECURSIVEMATCH alone, or with REMOTE only, is BAD. */
	if ((a->sel & IMAP_LIST_SEL_RECURSIVEMATCH) &&
	    !(a->sel & (IMAP_LIST_SEL_SUBSCRIBED | IMAP_LIST_SEL_SPECIAL_USE)))
		return "RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE beside it (RFC 5258 3.1)";
	if (a->sel & IMAP_LIST_SEL_SUBSCRIBED)
		a->ret |= IMAP_LIST_RET_SUBSCRIBED;
	if (a->sel & IMAP_LIST_SEL_SPECIAL_USE)
		a->ret |= IMAP_LIST_RET_SPECIAL_USE;
	return NULL;
}

/* "RETURN" SP "(" [option *(SP option)] ")" of return options. */
static const char *p_return(struct imap_cur *c, struct imap_list_args *a)
{
	if (!imap_p_word(c, "RETURN") || !imap_p_sp(c) || !imap_p_char(c, '('))
		return "Expected RETURN (options) after the LIST patterns";
	if (imap_p_char(c, ')'))
		return NULL;
	do {
		int k = p_keyword(c, ret_names, 4);
		if (k < 0)
			return atom_at(c) ? "Unknown LIST return option (SUBSCRIBED CHILDREN "
			                    "SPECIAL-USE STATUS)"
			                  : "Expected ) after the LIST return options";
		a->ret |= ret_bits[k];
		if (ret_bits[k] == IMAP_LIST_RET_STATUS) {
			const char *err = NULL;
			if (!imap_p_sp(c) || (err = imap_p_status_atts(c, &a->status)))
				return err ? err : "Expected STATUS (items)";
		}
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')'))
		return "Expected ) after the LIST return options";
	return NULL;
}

static const char *add_pattern(struct imap_list_args *a, const char *s, size_t n)
{
	if (a->npat == IMAP_LIST_PATTERNS_MAX)
		return "Too many LIST patterns";
	if (a->reflen + n > IMAP_LIST_PATTERN_MAX_BYTES)
		return "LIST reference and pattern too long";
	a->pat[a->npat].s = s;
	a->pat[a->npat++].n = n;
	return NULL;
}

/* mbox-or-pat: list-mailbox, or "(" list-mailbox *(SP list-mailbox) ")". */
static const char *p_patterns(struct imap_cur *c, int lsub, struct imap_list_args *a)
{
	const char *s, *err;
	size_t n;
	if (lsub || !imap_p_char(c, '(')) {
		if (!p_list_mailbox(c, &s, &n))
			return "Expected a mailbox pattern after the reference";
		return add_pattern(a, s, n);
	}
	a->extended = 1;
	do {
		if (!p_list_mailbox(c, &s, &n))
			return "Expected a mailbox pattern in the list of patterns";
		if ((err = add_pattern(a, s, n)))
			return err;
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')'))
		return "Expected ) after the LIST patterns";
	return NULL;
}

const char *imap_list_parse(struct imap_cur *c, int lsub, struct imap_list_args *a)
{
	const char *err;
	char *ref;
	memset(a, 0, sizeof *a);
	if (!lsub && c->p < c->end && *c->p == '(') {
		a->extended = 1;
		if ((err = p_select(c, a)))
			return err;
		if (!imap_p_sp(c))
			return "Expected a reference after the LIST selection options";
	}
	if (!imap_p_astring(c, &ref, &a->reflen) || !imap_p_sp(c))
		return lsub ? "Expected LSUB reference pattern" : "Expected LIST reference pattern";
	a->ref = ref;
	if ((err = p_patterns(c, lsub, a)))
		return err;
	if (!lsub && imap_p_sp(c)) {
		a->extended = 1;
		if ((err = p_return(c, a)))
			return err;
	}
	if (!imap_p_end(c))
		return lsub ? "Unexpected text after LSUB reference pattern"
		            : "Unexpected text after the LIST patterns";
	return NULL;
}

static void closure(unsigned char *st, const char *p, size_t pn)
{
	for (size_t i = 0; i < pn; i++)
		if (st[i] && (p[i] == '*' || p[i] == '%'))
			st[i + 1] = 1;
}

static int lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* An NFA over the pattern's positions, fed the name one byte at a time:
 * st[i] says that p[0..i) can match what was read so far. */
int imap_list_match(const char *p, size_t pn, const char *name, int prefix)
{
	unsigned char st[IMAP_LIST_PATTERN_MAX_BYTES + 1], nx[IMAP_LIST_PATTERN_MAX_BYTES + 1];
	size_t nn = strlen(name);
	if (pn > IMAP_LIST_PATTERN_MAX_BYTES || nn > IMAP_LIST_NAME_MAX_BYTES)
		return 0;
	/* For a prefix, "INB" may yet become INBOX. */
	int inbox = nn < 5 ? prefix && !strncmp(name, "INBOX", nn)
	                   : !strncmp(name, "INBOX", 5) && (nn == 5 || name[5] == '/');
	memset(st, 0, pn + 1);
	st[0] = 1;
	closure(st, p, pn);
	for (size_t j = 0; j < nn; j++) {
		unsigned char ch = (unsigned char)name[j];
		int any = 0;
		memset(nx, 0, pn + 1);
		for (size_t i = 0; i < pn; i++) {
			if (!st[i])
				continue;
			unsigned char pc = (unsigned char)p[i];
			if (pc == '*' || pc == '%') {
				if (pc == '*' || ch != '/')
					any = nx[i] = 1;
			} else if (pc == ch || (inbox && j < 5 && lower(pc) == lower(ch))) {
				any = nx[i + 1] = 1;
			}
		}
		if (!any)
			return 0;
		closure(nx, p, pn);
		memcpy(st, nx, pn + 1);
	}
	return prefix ? 1 : st[pn];
}
