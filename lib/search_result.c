/* search: the result of a run, as SEARCH, ESEARCH and SEARCHRES want it. */
#include "search_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Add v to ascending ranges, merging runs. */
static int push(struct seqset_range **r, size_t *n, size_t *cap, uint32_t v)
{
	if (*n) {
		struct seqset_range *last = &(*r)[*n - 1];
		if (v >= last->lo && v <= last->hi)
			return 1;
		if (last->hi != UINT32_MAX && v == last->hi + 1) {
			last->hi = v;
			return 1;
		}
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct seqset_range *g = realloc(*r, nc * sizeof *g);
		if (!g) {
			errno = ENOMEM;
			return 0;
		}
		*r = g;
		*cap = nc;
	}
	(*r)[(*n)++] = (struct seqset_range){v, v};
	return 1;
}

int search_record(struct search_prog *p, uint32_t seq, uint32_t uid)
{
	uint32_t v = p->uid ? uid : seq;
	if (!push(&p->r, &p->rn, &p->rcap, v))
		return 0;
	if (!p->uid && (p->ret & SEARCH_RET_SAVE) && !push(&p->u, &p->un, &p->ucap, uid))
		return 0;
	if (!p->count || v < p->min)
		p->min = v, p->min_uid = uid;
	if (!p->count || v > p->max)
		p->max = v, p->max_uid = uid;
	p->count++;
	return 1;
}

uint64_t search_count(const struct search_prog *p)
{
	return p->count;
}

static int write_set(const struct seqset_range *r, size_t n, struct dbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		int ok = r[i].lo == r[i].hi
		             ? dbuf_printf(out, "%s%u", i ? "," : "", r[i].lo)
		             : dbuf_printf(out, "%s%u:%u", i ? "," : "", r[i].lo, r[i].hi);
		if (!ok)
			return 0;
	}
	return 1;
}

int search_write(const struct search_prog *p, const char *tag, struct dbuf *out)
{
	unsigned ret = p->ret;
	if (!(ret & SEARCH_RET_ESEARCH)) {
		if (!dbuf_puts(out, "* SEARCH"))
			return 0;
		for (size_t i = 0; i < p->rn; i++)
			for (uint64_t v = p->r[i].lo; v <= p->r[i].hi; v++)
				if (!dbuf_printf(out, " %u", (unsigned)v))
					return 0;
		return dbuf_put(out, "\r\n", 2);
	}
	/* RFC 5182 2.4: SAVE alone answers nothing untagged. */
	if (!(ret & (SEARCH_RET_MIN | SEARCH_RET_MAX | SEARCH_RET_ALL | SEARCH_RET_COUNT)))
		return 1;
	if (!dbuf_printf(out, "* ESEARCH (TAG \"%s\")%s", tag, p->uid ? " UID" : ""))
		return 0;
	if (p->count && (ret & SEARCH_RET_MIN) && !dbuf_printf(out, " MIN %u", p->min))
		return 0;
	if (p->count && (ret & SEARCH_RET_MAX) && !dbuf_printf(out, " MAX %u", p->max))
		return 0;
	if (p->count && (ret & SEARCH_RET_ALL) &&
	    (!dbuf_puts(out, " ALL ") || !write_set(p->r, p->rn, out)))
		return 0;
	if ((ret & SEARCH_RET_COUNT) &&
	    !dbuf_printf(out, " COUNT %llu", (unsigned long long)p->count))
		return 0;
	return dbuf_put(out, "\r\n", 2);
}

int search_saved(const struct search_prog *p, struct seqset *out)
{
	const struct seqset_range *src = p->uid ? p->r : p->u;
	size_t n = p->uid ? p->rn : p->un;
	struct seqset_range mm[2];
	out->r = NULL;
	out->n = 0;
	out->has_star = 0;
	if (!(p->ret & (SEARCH_RET_ALL | SEARCH_RET_COUNT)) &&
	    (p->ret & (SEARCH_RET_MIN | SEARCH_RET_MAX))) {
		n = 0;
		if (p->count && (p->ret & SEARCH_RET_MIN))
			mm[n++] = (struct seqset_range){p->min_uid, p->min_uid};
		if (p->count && (p->ret & SEARCH_RET_MAX) && !(n && p->max_uid == p->min_uid))
			mm[n++] = (struct seqset_range){p->max_uid, p->max_uid};
		src = mm;
	}
	if (!n)
		return 1;
	if (!(out->r = malloc(n * sizeof *out->r))) {
		errno = ENOMEM;
		return 0;
	}
	memcpy(out->r, src, n * sizeof *out->r);
	out->n = n;
	seqset_resolve(out, 0);
	return 1;
}
