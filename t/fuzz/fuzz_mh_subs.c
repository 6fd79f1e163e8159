/* libFuzzer target for mh_subs's parser, editor and LSUB walk.  An input
 * is a subscriptions file's text, optionally followed by a NUL and edit
 * bytes.  The text must parse (or hit a limit) into sorted, unique, valid
 * names, whose canonical text parses back to itself; each edit (add,
 * remove, rename among a few names, the file's first name included) must
 * leave the list sorted, unique and valid, with the names added present,
 * the ones removed absent, and nothing left under a renamed name; LSUB
 * must emit in strict order, only subscribed names without \Noselect and
 * only unsubscribed parents with it.
 *
 *	make build-fuzz/fuzz_mh_subs && build-fuzz/fuzz_mh_subs t/fuzz/corpus/mh_subs
 */
#include "mh_subs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NAMES = 8 };
static const char *fixed[NAMES - 1] = {"INBOX", "a", "a/b", "a/b/c", "b", "Inbox/x", "caf&AOk-"};

/* Is x y or below it? */
static int under(const char *x, const char *y)
{
	size_t n = strlen(y);
	return !strncmp(x, y, n) && (!x[n] || x[n] == '/');
}

/* name as mh_subs stores it (the names used here are canonical but for
 * the case of INBOX). */
static void canon(const char *name, char *out)
{
	strcpy(out, name);
	if (!strncasecmp(out, "INBOX", 5) && (!out[5] || out[5] == '/'))
		memcpy(out, "INBOX", 5);
}

static void check_list(const struct mh_subs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!mh_subs_valid(s->name[i], strlen(s->name[i])))
			abort();
		if (i && strcmp(s->name[i - 1], s->name[i]) >= 0)
			abort();
	}
}

static void check_roundtrip(const struct mh_subs *s)
{
	char *out, *out2;
	size_t len, len2;
	struct mh_subs back;
	if (!mh_subs_format(s, &out, &len))
		return;
	if (len && out[len - 1] != '\n')
		abort();
	mh_subs_init(&back);
	if (!mh_subs_parse(&back, out, len) || back.n != s->n)
		abort();
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(back.name[i], s->name[i]))
			abort();
	if (!mh_subs_format(&back, &out2, &len2) || len2 != len || (len && memcmp(out, out2, len)))
		abort();
	free(out);
	free(out2);
	mh_subs_free(&back);
}

/* A matcher with LIST's rules, by pattern byte: '%' and '*' as in LIST,
 * iterative over one row (no recursion). */
static int match(void *ctx, const char *name)
{
	const char *p = ctx;
	size_t pn = strlen(p), nn = strlen(name);
	unsigned char row[64], next[64];
	if (nn + 1 > sizeof row)
		return 0;
	memset(row, 0, sizeof row);
	row[0] = 1;
	for (size_t i = 0; i < pn; i++) {
		memset(next, 0, sizeof next);
		for (size_t j = 0; j <= nn; j++) {
			if (p[i] == '*' || p[i] == '%')
				next[j] = row[j] ||
				          (j && next[j - 1] && (p[i] == '*' || name[j - 1] != '/'));
			else if (j)
				next[j] = row[j - 1] && name[j - 1] == p[i];
		}
		memcpy(row, next, sizeof row);
	}
	return row[nn];
}

struct walk {
	const struct mh_subs *s;
	char last[1100];
	int any;
};

static int emit(void *ctx, const char *name, int noselect)
{
	struct walk *w = ctx;
	if (strlen(name) >= sizeof w->last)
		abort();
	if (w->any && strcmp(w->last, name) >= 0)
		abort();
	if (mh_subs_has(w->s, name) == noselect)
		abort();
	strcpy(w->last, name);
	w->any = 1;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	const uint8_t *ops = nul ? nul + 1 : data + size, *end = data + size;
	struct mh_subs s;
	char first[1100] = "z";
	const char *names[NAMES];

	mh_subs_init(&s);
	if (!mh_subs_parse(&s, (const char *)data, len)) {
		if ((errno != EFBIG && errno != E2BIG && errno != ENOMEM) || s.n || s.name)
			abort();
		return 0;
	}
	check_list(&s);
	check_roundtrip(&s);
	if (s.n && strlen(s.name[0]) < sizeof first)
		strcpy(first, s.name[0]);
	memcpy(names, fixed, sizeof fixed);
	names[NAMES - 1] = first;

	for (; end - ops >= 2; ops += 2) {
		const char *a = names[ops[0] % NAMES], *b = names[ops[1] % NAMES];
		char ca[1100], cb[1100]; /* as stored */
		canon(a, ca);
		canon(b, cb);
		switch (ops[0] >> 6) {
		case 0:
			if (mh_subs_add(&s, a) && !mh_subs_has(&s, ca))
				abort();
			break;
		case 1:
			mh_subs_remove(&s, a);
			if (mh_subs_has(&s, ca))
				abort();
			break;
		default:
			/* Afterwards nothing is at or under a, unless a and b are nested
			 * (the names come back under a). */
			if (mh_subs_rename(&s, a, b) && !under(ca, cb) && !under(cb, ca))
				for (size_t i = 0; i < s.n; i++)
					if (under(s.name[i], ca))
						abort();
			break;
		}
		check_list(&s);
	}
	check_roundtrip(&s);

	static const char *pats[] = {"*", "%", "a/%", "%/%", "INBOX%", "*b"};
	for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
		struct walk w = {&s, "", 0};
		if (!mh_subs_lsub(&s, strchr(pats[k], '%') != NULL, match,
		                  (void *)(uintptr_t)pats[k], emit, &w) &&
		    errno != ENOMEM)
			abort();
	}
	mh_subs_free(&s);
	return 0;
}
