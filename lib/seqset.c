#include "seqset.h"

#include <errno.h>
#include <stdlib.h>

static int push(struct seqset *set, size_t *cap, uint32_t lo, uint32_t hi)
{
	if (set->n == *cap) {
		if (*cap >= SEQSET_RANGES_MAX)
			return 0;
		size_t nc = *cap ? *cap * 2 : 8;
		struct seqset_range *r = realloc(set->r, nc * sizeof *r);
		if (!r)
			return 0;
		set->r = r;
		*cap = nc;
	}
	set->r[set->n].lo = lo;
	set->r[set->n].hi = hi;
	set->n++;
	return 1;
}

/* seq-number: nz-number / "*" */
static int number(const char *s, size_t len, size_t *i, uint32_t *v)
{
	if (*i < len && s[*i] == '*') {
		(*i)++;
		*v = SEQSET_STAR;
		return 1;
	}
	uint64_t x = 0;
	size_t j = *i;
	while (j < len && s[j] >= '0' && s[j] <= '9') {
		x = x * 10 + (uint64_t)(s[j++] - '0');
		if (x > UINT32_MAX)
			return 0;
	}
	if (j == *i || x == 0 || s[*i] == '0')
		return 0;
	*i = j;
	*v = (uint32_t)x;
	return 1;
}

int seqset_parse(struct seqset *set, const char *s, size_t len, size_t *used)
{
	size_t cap = 0, i = 0;
	set->r = NULL;
	set->n = 0;
	set->has_star = 0;
	for (;;) {
		uint32_t a, b;
		if (!number(s, len, &i, &a))
			goto bad;
		b = a;
		if (i < len && s[i] == ':') {
			i++;
			if (!number(s, len, &i, &b))
				goto bad;
		}
		if (a == SEQSET_STAR || b == SEQSET_STAR)
			set->has_star = 1;
		if (!push(set, &cap, a, b))
			goto bad;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		break;
	}
	*used = i;
	return 1;
bad:
	seqset_free(set);
	return 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct seqset_range *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

uint32_t seqset_resolve(struct seqset *set, uint32_t star)
{
	uint32_t top = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct seqset_range *r = &set->r[i];
		if (r->hi > top)
			top = r->hi;
		if (r->lo == SEQSET_STAR)
			r->lo = star;
		if (r->hi == SEQSET_STAR)
			r->hi = star;
		if (r->lo > r->hi) {
			uint32_t t = r->lo;
			r->lo = r->hi;
			r->hi = t;
		}
	}
	qsort(set->r, set->n, sizeof *set->r, cmp_range);
	size_t w = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (w && set->r[i].lo <= set->r[w - 1].hi + (uint64_t)1) {
			if (set->r[i].hi > set->r[w - 1].hi)
				set->r[w - 1].hi = set->r[i].hi;
		} else {
			set->r[w++] = set->r[i];
		}
	}
	set->n = w;
	return top;
}

int seqset_contains(const struct seqset *set, uint32_t v)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v < set->r[mid].lo)
			hi = mid;
		else if (v > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

void seqset_free(struct seqset *set)
{
	free(set->r);
	set->r = NULL;
	set->n = 0;
}
