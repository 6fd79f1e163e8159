/* libFuzzer target for search: the parser and the evaluator together.
 * An input is SEARCH's arguments (as after the word SEARCH, literals as
 * "{n}\r\n..."), optionally followed by a NUL and a message.  The
 * arguments must parse, or fail with a non-empty message; a program is
 * run over three copies of the message with flags, sizes and loading taken
 * from the input, and its answer and saved result must be well formed.
 * The message is copied into a buffer of its exact size, so that any read
 * past it is caught.  A second program from the same arguments is run
 * with SEARCH_LOAD_FIELDS answered by search_fields_of's lines alone: it
 * must answer as the first does.
 *
 *	make build-fuzz/fuzz_search && build-fuzz/fuzz_search t/fuzz/corpus/search
 */
#include "search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ARGS_MAX_BYTES = 8192 };

struct msg {
	const char *text;
	size_t len;
	int header_only; /* give just the header part for SEARCH_LOAD_HEADER */
};

/* The whole message, but search_fields_of's lines for SEARCH_LOAD_FIELDS. */
static int load_fields(void *ctx, enum search_load what, const char **data, size_t *len)
{
	static struct dbuf fields;
	const struct msg *m = ctx;
	*data = m->text;
	*len = m->len;
	if (what == SEARCH_LOAD_FIELDS) {
		dbuf_clear(&fields);
		if (!search_fields_of(&fields, m->text, m->len))
			abort();
		*data = dbuf_data(&fields);
		*len = dbuf_live(&fields);
	}
	return 1;
}

static int load(void *ctx, enum search_load what, const char **data, size_t *len)
{
	const struct msg *m = ctx;
	*data = m->text;
	*len = m->len;
	if (what == SEARCH_LOAD_HEADER && m->header_only) {
		const char *e = memmem(m->text, m->len, "\n\n", 2);
		if (e)
			*len = (size_t)(e - m->text) + 2;
	}
	return 1;
}

static uint64_t kw_mask(void *ctx, const char *name)
{
	(void)ctx;
	size_t n = strlen(name);
	return n % 5 ? (uint64_t)0x9 << (n % 61) : 0; /* some bits, some none */
}

static void check_answer(const struct search_prog *p, int matched)
{
	struct dbuf out = DBUF_ZERO;
	struct seqset saved;
	if (!search_write(p, "t1", &out))
		abort();
	size_t n = dbuf_live(&out);
	if (n && (n < 4 || memcmp(dbuf_data(&out) + n - 2, "\r\n", 2) ||
	          memchr(dbuf_data(&out), '\n', n - 1)))
		abort();
	if (!n && search_returns(p) != (SEARCH_RET_ESEARCH | SEARCH_RET_SAVE))
		abort();
	if (search_count(p) != (uint64_t)matched)
		abort();
	if (!search_saved(p, &saved))
		abort();
	for (size_t i = 0; i < saved.n; i++)
		if (saved.r[i].lo > saved.r[i].hi || (i && saved.r[i].lo <= saved.r[i - 1].hi))
			abort();
	seqset_free(&saved);
	dbuf_free(&out, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char args[ARGS_MAX_BYTES], args2[ARGS_MAX_BYTES];
	const uint8_t *nul = memchr(data, 0, size);
	size_t alen = nul ? (size_t)(nul - data) : size;
	if (alen > sizeof args)
		return 0;
	memcpy(args, data, alen);
	memcpy(args2, data, alen);
	struct imap_cur c = {args, args + alen};
	struct search_prog *p;
	char err[SEARCH_ERR_MAX_BYTES];
	int uid = size & 1;
	enum search_status st = search_parse(&c, uid, &p, err, sizeof err);
	if (st != SEARCH_OK) {
		if (p || !err[0] || strlen(err) >= sizeof err || c.p != args)
			abort();
		return 0;
	}
	if (c.p != c.end)
		abort();
	struct imap_cur c2 = {args2, args2 + alen};
	struct search_prog *p2;
	if (search_parse(&c2, uid, &p2, err, sizeof err) != SEARCH_OK)
		abort();

	const char *mtext = nul ? (const char *)nul + 1 : "";
	size_t mlen = nul ? size - alen - 1 : 0;
	char *copy = malloc(mlen ? mlen : 1);
	if (!copy)
		abort();
	memcpy(copy, mtext, mlen);
	struct msg m = {copy, mlen, (int)(size & 2)};
	struct seqset_range r[2] = {{1, 3}, {7, 7}};
	struct seqset saved = {r, 2, 0};
	uint8_t bits = size ? data[size - 1] : 0;
	int matched = 0;
	search_bind_keywords(p, kw_mask, NULL);
	search_bind_keywords(p2, kw_mask, NULL);
	if (!search_begin(p, 3, 9, (bits & 1) ? &saved : NULL) ||
	    !search_begin(p2, 3, 9, (bits & 1) ? &saved : NULL))
		abort();
	for (uint32_t i = 1; i <= 3; i++) {
		struct search_msg sm = {i,
		                        i * 3,
		                        (bits >> i) & 0x3f,
		                        (uint64_t)bits << (i * 7),
		                        (bits & 2) ? -1 : (int64_t)mlen * i,
		                        (int64_t)i * 86400 * 365 * 20,
		                        load,
		                        &m};
		int rc = search_match(p, &sm);
		if (rc < 0 || rc > 1)
			abort();
		struct msg whole = {copy, mlen, 0};
		sm.load = load_fields;
		sm.ctx = &whole;
		if (search_match(p2, &sm) != rc)
			abort(); /* the fields alone answer otherwise */
		matched += rc;
	}
	check_answer(p, matched);
	search_free(p);
	search_free(p2);
	free(copy);
	return 0;
}
