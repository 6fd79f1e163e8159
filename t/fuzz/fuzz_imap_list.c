/* libFuzzer target for imap_list: the arguments of LIST, LSUB and STATUS,
 * and the pattern matcher.  An input is a command's arguments (the first
 * byte says LIST, LSUB or STATUS items), optionally followed by a NUL, a
 * pattern, another NUL and a name.  What parses must keep the module's
 * promises (patterns inside the input and within the limits, options
 * consistent, STATUS items each once); the matcher must agree with a
 * plain recursive matcher, and a name that matches must have every one
 * of its prefixes answer yes to the prefix question.
 *
 *	make build-fuzz/fuzz_imap_list && build-fuzz/fuzz_imap_list t/fuzz/corpus/imap_list
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imap_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The definition, recursively (exponential: short inputs only). */
static int ref_match(const char *p, size_t pn, const char *n, int inbox, size_t at)
{
	if (!pn)
		return !*n;
	if (*p == '*' || *p == '%') {
		if (ref_match(p + 1, pn - 1, n, inbox, at))
			return 1;
		return *n && (*p == '*' || *n != '/') && ref_match(p, pn, n + 1, inbox, at + 1);
	}
	if (!*n)
		return 0;
	char a = *p, b = *n;
	if (inbox && at < 5 && a >= 'a' && a <= 'z')
		a = (char)(a - 32);
	return a == b && ref_match(p + 1, pn - 1, n + 1, inbox, at + 1);
}

static void check_args(const struct imap_list_args *a, const char *buf, size_t n, int lsub)
{
	if (a->npat < 1 || a->npat > IMAP_LIST_PATTERNS_MAX || (lsub && a->npat != 1))
		__builtin_trap();
	for (size_t i = 0; i < a->npat; i++)
		if (a->pat[i].s < buf || a->pat[i].s + a->pat[i].n > buf + n ||
		    a->reflen + a->pat[i].n > IMAP_LIST_PATTERN_MAX_BYTES)
			__builtin_trap();
	if ((a->sel & IMAP_LIST_SEL_RECURSIVEMATCH) &&
	    !(a->sel & (IMAP_LIST_SEL_SUBSCRIBED | IMAP_LIST_SEL_SPECIAL_USE)))
		__builtin_trap();
	if ((a->sel & IMAP_LIST_SEL_SUBSCRIBED) && !(a->ret & IMAP_LIST_RET_SUBSCRIBED))
		__builtin_trap();
	if (lsub && (a->extended || a->sel || a->ret))
		__builtin_trap();
	if (!!(a->ret & IMAP_LIST_RET_STATUS) != (a->status.n > 0))
		__builtin_trap();
	for (size_t i = 0; i < a->status.n; i++)
		for (size_t j = 0; j < i; j++)
			if (a->status.item[i] == a->status.item[j] ||
			    a->status.item[i] >= IMAP_STATUS_COUNT)
				__builtin_trap();
}

static void check_match(const char *p, size_t pn, const char *name)
{
	size_t nn = strlen(name);
	int m = imap_list_match(p, pn, name, 0);
	if (m && !imap_list_match(p, pn, name, 1))
		__builtin_trap();
	if (pn <= 12 && nn <= 16 && memchr(p, 0, pn) == NULL) {
		int inbox = nn >= 5 && !strncmp(name, "INBOX", 5) && (nn == 5 || name[5] == '/');
		if (m != ref_match(p, pn, name, inbox, 0))
			__builtin_trap();
	}
	if (m) {
		char pre[64];
		for (size_t k = 0; k <= nn && k < sizeof pre; k++) {
			memcpy(pre, name, k);
			pre[k] = 0;
			if (!imap_list_match(p, pn, pre, 1))
				__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[8192], name[8192];
	if (size < 1 || size > sizeof buf)
		return 0;
	int kind = data[0] % 3;
	const uint8_t *end = memchr(data + 1, 0, size - 1);
	size_t n = end ? (size_t)(end - data - 1) : size - 1;
	memcpy(buf, data + 1, n);
	struct imap_cur c = {buf, buf + n};
	if (kind < 2) {
		struct imap_list_args a;
		if (!imap_list_parse(&c, kind, &a))
			check_args(&a, buf, n, kind);
	} else {
		struct imap_status_atts at = {0};
		imap_p_status_atts(&c, &at);
		if (at.n > IMAP_STATUS_COUNT)
			__builtin_trap();
	}
	if (!end)
		return 0;
	const char *p = (const char *)end + 1;
	size_t rest = size - (size_t)(p - (const char *)data);
	const char *sep = memchr(p, 0, rest);
	size_t pn = sep ? (size_t)(sep - p) : rest;
	size_t nn = sep ? rest - pn - 1 : 0;
	memcpy(name, sep ? sep + 1 : "", nn);
	name[nn] = 0; /* a NUL inside ends the name early: fine */
	check_match(p, pn, name);
	return 0;
}
