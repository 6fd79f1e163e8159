/* search: running a program over one message at a time (see search.h). */
#include "search_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int search_finish(struct search_prog *p)
{
	static const uint8_t cost[] = {
	    [N_SENT] = 1,
	    [N_HEADER] = 1,
	    [N_BODY] = 2,
	    [N_TEXT] = 2,
	};
	int32_t kids[SEARCH_KEYS_MAX];
	int nonfield = 0;
	/* Children have higher indices than their parents. */
	for (size_t i = p->nn; i-- > 0;) {
		struct search_node *k = &p->n[i];
		size_t nk = 0;
		k->cost = k->kind < sizeof cost ? cost[k->kind] : 0;
		if (k->kind == N_TEXT)
			p->has_text = 1;
		if (k->kind == N_TEXT || k->kind == N_BODY ||
		    (k->kind == N_HEADER && !search_is_field(search_str(p, k->name), k->nlen)))
			nonfield = 1;
		for (int32_t c = k->first; c >= 0; c = p->n[c].next) {
			if (p->n[c].cost > k->cost)
				k->cost = p->n[c].cost;
			kids[nk++] = c;
		}
		if (k->kind == N_OR && nk == 2 && p->n[kids[1]].cost < p->n[kids[0]].cost) {
			int32_t t = kids[0];
			kids[0] = kids[1], kids[1] = t;
		} else if (k->kind == N_AND) {
			/* Stable insertion sort by cost: at most three classes. */
			for (size_t a = 1; a < nk; a++)
				for (size_t b = a;
				     b > 0 && p->n[kids[b - 1]].cost > p->n[kids[b]].cost; b--) {
					int32_t t = kids[b];
					kids[b] = kids[b - 1], kids[b - 1] = t;
				}
		}
		k->first = nk ? kids[0] : -1;
		for (size_t a = 0; a < nk; a++)
			p->n[kids[a]].next = a + 1 < nk ? kids[a + 1] : -1;
	}
	p->fields_only = !nonfield;
	/* Scratch buffers allocated once, so their data is never NULL. */
	struct dbuf *b[] = {&p->htext, &p->btext, &p->xhdr, &p->t1, &p->t2, &p->t3, &p->strs};
	for (size_t i = 0; i < sizeof b / sizeof *b; i++)
		if (!dbuf_reserve(b[i], 256))
			return 0;
	return 1;
}

unsigned search_returns(const struct search_prog *p)
{
	return p->ret;
}

int search_uses_saved(const struct search_prog *p)
{
	return p->uses_saved;
}

uint32_t search_max_seq(const struct search_prog *p)
{
	return p->max_seq;
}

void search_bind_keywords(struct search_prog *p, uint64_t (*mask)(void *ctx, const char *name),
                          void *ctx)
{
	for (size_t i = 0; i < p->nn; i++)
		if (p->n[i].kind == N_KEYWORD)
			p->n[i].kwmask = mask(ctx, search_str(p, p->n[i].name));
}

static int copy_set(struct seqset *to, const struct seqset *from)
{
	seqset_free(to);
	to->has_star = from->has_star;
	if (!from->n)
		return 1;
	if (!(to->r = malloc(from->n * sizeof *to->r)))
		return 0;
	memcpy(to->r, from->r, from->n * sizeof *to->r);
	to->n = from->n;
	return 1;
}

int search_begin(struct search_prog *p, uint32_t exists, uint32_t max_uid,
                 const struct seqset *saved)
{
	static const struct seqset none;
	p->max_seq = 0;
	for (size_t i = 0; i < p->nn; i++) {
		struct search_node *k = &p->n[i];
		if (k->kind != N_SEQ && k->kind != N_UID)
			continue;
		if (!copy_set(&k->res, &k->set))
			return 0;
		uint32_t top =
		    k->res.n ? seqset_resolve(&k->res, k->kind == N_SEQ ? exists : max_uid) : 0;
		if (k->kind == N_SEQ && top > p->max_seq)
			p->max_seq = top;
	}
	if (!copy_set(&p->saved, saved ? saved : &none))
		return 0;
	if (p->saved.n)
		seqset_resolve(&p->saved, 0);
	p->rn = p->un = 0;
	p->count = 0;
	p->min = p->max = p->min_uid = p->max_uid = 0;
	return 1;
}

/* Make at least the header (whole: the whole message) available. */
static int load(struct search_prog *p, int whole)
{
	const struct search_msg *m = p->m;
	if (p->loaded >= (whole ? 2 : 1))
		return 1;
	if (!m->load) {
		errno = EINVAL;
		return -1;
	}
	enum search_load what = whole            ? SEARCH_LOAD_WHOLE
	                        : p->fields_only ? SEARCH_LOAD_FIELDS
	                                         : SEARCH_LOAD_HEADER;
	if (!m->load(m->ctx, what, &p->data, &p->len))
		return -1;
	if (!p->data)
		p->len = 0, p->data = "";
	p->loaded = whole ? 2 : 1;
	search_header_split(p->data, p->len, &p->hdr_len, &p->body);
	return 1;
}

static int size_known(struct search_prog *p)
{
	if (p->size >= 0)
		return 1;
	if (load(p, 1) < 0)
		return -1;
	int64_t bare = 0;
	for (const char *s = p->data, *e = s + p->len; (s = memchr(s, '\n', (size_t)(e - s))); s++)
		if (s == p->data || s[-1] != '\r')
			bare++;
	p->size = (int64_t)p->len + bare;
	return 1;
}

static int contains(const struct dbuf *hay, const char *needle, size_t n)
{
	return n == 0 || memmem(dbuf_data(hay), dbuf_live(hay), needle, n) != NULL;
}

static int body_ready(struct search_prog *p)
{
	if (p->have_body)
		return 1;
	if (load(p, 1) < 0)
		return -1;
	dbuf_clear(&p->btext);
	dbuf_clear(&p->xhdr);
	if (!search_body_text(p, p->data, p->len))
		return -1;
	p->have_body = 1;
	return 1;
}

static int text_has(struct search_prog *p, const struct search_node *k)
{
	const char *needle = search_str(p, k->str);
	if (!p->have_htext) {
		if (load(p, 0) < 0)
			return -1;
		dbuf_clear(&p->htext);
		if (!search_header_text(p, p->data, p->hdr_len, &p->htext))
			return -1;
		p->have_htext = 1;
	}
	if (contains(&p->htext, needle, k->slen))
		return 1;
	if (body_ready(p) < 0)
		return -1;
	return contains(&p->btext, needle, k->slen) || contains(&p->xhdr, needle, k->slen);
}

static int leaf(struct search_prog *p, const struct search_node *k)
{
	const struct search_msg *m = p->m;
	switch (k->kind) {
	case N_FLAGS:
		return (m->flags & k->mask) == k->want;
	case N_KEYWORD:
		return (m->keywords & k->kwmask) != 0;
	case N_SEQ:
		return seqset_contains(&k->res, m->seq);
	case N_UID:
		return seqset_contains(&k->res, m->uid);
	case N_SAVED:
		return seqset_contains(&p->saved, m->uid);
	case N_LARGER:
	case N_SMALLER:
		if (size_known(p) < 0)
			return -1;
		return k->kind == N_LARGER ? p->size > k->lo : p->size < k->lo;
	case N_DATE:
		return m->internal_date >= k->lo && m->internal_date < k->hi;
	case N_SENT:
		if (!p->sent_state) {
			if (load(p, 0) < 0)
				return -1;
			/* Without a readable Date: the day is 1-Jan-1970, as Dovecot has it. */
			if (!search_sent_day(p->data, p->hdr_len, &p->sent_day))
				p->sent_day = 0;
			p->sent_state = 1;
		}
		return p->sent_day >= k->lo && p->sent_day < k->hi;
	case N_HEADER:
		if (load(p, 0) < 0)
			return -1;
		return search_header_has(p, p->data, p->hdr_len, k);
	case N_BODY:
		if (body_ready(p) < 0)
			return -1;
		return contains(&p->btext, search_str(p, k->str), k->slen);
	case N_TEXT:
		return text_has(p, k);
	}
	return 0;
}

/* Recursion is bounded by the parser's SEARCH_DEPTH_MAX. */
static int eval(struct search_prog *p, int32_t i)
{
	const struct search_node *k = &p->n[i];
	int r;
	switch (k->kind) {
	case N_AND:
		for (int32_t c = k->first; c >= 0; c = p->n[c].next)
			if ((r = eval(p, c)) != 1)
				return r;
		return 1;
	case N_OR:
		if ((r = eval(p, k->first)) != 0)
			return r;
		return eval(p, p->n[k->first].next);
	case N_NOT:
		r = eval(p, k->first);
		return r < 0 ? r : !r;
	default:
		return leaf(p, k);
	}
}

int search_match(struct search_prog *p, const struct search_msg *m)
{
	p->m = m;
	p->data = NULL;
	p->len = p->hdr_len = p->body = 0;
	p->loaded = 0;
	p->size = m->size;
	p->sent_state = 0;
	p->have_htext = p->have_body = 0;
	int r = eval(p, 0);
	p->m = NULL;
	p->data = NULL;
	if (r == 1 && !search_record(p, m->seq, m->uid))
		return -1;
	return r;
}

void search_free(struct search_prog *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nn; i++) {
		seqset_free(&p->n[i].set);
		seqset_free(&p->n[i].res);
	}
	free(p->n);
	seqset_free(&p->saved);
	struct dbuf *b[] = {&p->htext, &p->btext, &p->xhdr, &p->t1, &p->t2, &p->t3, &p->strs};
	for (size_t i = 0; i < sizeof b / sizeof *b; i++)
		dbuf_free(b[i], 0);
	decode_cs_free(&p->cs);
	free(p->r);
	free(p->u);
	free(p);
}
