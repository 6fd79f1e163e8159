/* MIME parameters (RFC 2045 5.1) with RFC 2231 continuations, read the
 * way Dovecot reads them: a broken parameter is skipped one byte at a
 * time until the next ";", continuations name*0, name*1 ... are joined
 * (extended ones into "name*" keeping the charset'language' prefix, with
 * '%' escaped in the plain pieces), and a set with a gap is listed piece
 * by piece.  Plain parameters come first, in order; joined ones follow,
 * sorted by name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "mime_lex.h"

/* One "; name=value": 1 with a parameter, 0 at the end, -1 broken. */
static int param(struct mime_lex *lx, struct dbuf *key, struct dbuf *val)
{
	int r;
	mime_lex_trunc(key, 0);
	mime_lex_trunc(val, 0);
	if (lx->p >= lx->end)
		return 0;
	if (*lx->p != ';')
		return -1;
	lx->p++;
	if (mime_lex_skip(lx) <= 0 || mime_lex_token(lx, key) <= 0 || *lx->p != '=')
		return -1;
	lx->p++;
	if ((r = mime_lex_skip(lx)) <= 0) {
		/* no value */
	} else if (*lx->p == '"') {
		r = mime_lex_quoted(lx, val);
	} else if (*lx->p == '=') { /* name==?utf-8?b?...?= */
		const unsigned char *s = lx->p;
		while (lx->p < lx->end && !strchr("; \t\r\n", *lx->p))
			lx->p++;
		mime_lex_put(lx, val, s, (size_t)(lx->p - s));
	} else {
		r = mime_lex_token(lx, val);
	}
	return r < 0 ? -1 : 1;
}

struct piece {
	size_t key, klen, val, vlen, seq; /* key and value in the scratch buffer */
	const char *kp;                   /* the key, once the buffer is final */
	uint32_t idx;
	int ext;
};

static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

static int piece_cmp(const void *x, const void *y)
{
	const struct piece *a = x, *b = y;
	int c = keycmp(a->kp, a->klen, b->kp, b->klen);
	if (c)
		return c;
	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int same_key_ci(const struct piece *a, const struct piece *b)
{
	if (a->klen != b->klen)
		return 0;
	for (size_t i = 0; i < a->klen; i++)
		if (lower((unsigned char)a->kp[i]) != lower((unsigned char)b->kp[i]))
			return 0;
	return 1;
}

struct out {
	struct mime_lex *lx;
	struct dbuf *buf;
	struct mime_param *par;
	size_t n, cap;
};

static struct mime_str put_str(struct out *o, const void *s, size_t n)
{
	struct mime_str r = {dbuf_live(o->buf), 0, 1};
	mime_lex_put(o->lx, o->buf, s, n);
	r.len = dbuf_live(o->buf) - r.off;
	return r;
}

static struct mime_param *add(struct out *o)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 8;
		struct mime_param *p = realloc(o->par, cap * sizeof *p);
		if (!p) {
			o->lx->oom = 1;
			return NULL;
		}
		o->par = p;
		o->cap = cap;
	}
	return &o->par[o->n++];
}

/* A '%' in a plain piece of an extended value would read as an escape. */
static void put_escaped(struct out *o, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '%') {
			mime_lex_put(o->lx, o->buf, s + run, i - run);
			mime_lex_put(o->lx, o->buf, "%25", 3);
			run = i + 1;
		}
	mime_lex_put(o->lx, o->buf, s + run, n - run);
}

static void join(struct out *o, const char *s, const struct piece *pc, size_t n)
{
	int ok = 1, have_ext = 0;
	for (size_t j = 0; j < n; j++) {
		ok &= pc[j].idx == j;
		have_ext |= pc[j].ext;
	}
	for (size_t j = 0; !ok && j < n; j++) {
		struct mime_param *p = add(o);
		if (!p)
			return;
		char num[16];
		int k = snprintf(num, sizeof num, pc[j].ext ? "*%u*" : "*%u", (unsigned)pc[j].idx);
		p->name = put_str(o, s + pc[j].key, pc[j].klen);
		mime_lex_put(o->lx, o->buf, num, (size_t)k);
		p->name.len += (size_t)k;
		p->value = put_str(o, s + pc[j].val, pc[j].vlen);
	}
	if (!ok)
		return;
	struct mime_param *p = add(o);
	if (!p)
		return;
	p->name = put_str(o, s + pc[0].key, pc[0].klen);
	if (have_ext) {
		mime_lex_put(o->lx, o->buf, "*", 1);
		p->name.len++;
	}
	p->value = put_str(o, "", 0);
	if (!pc[0].ext && have_ext)
		mime_lex_put(o->lx, o->buf, "''", 2);
	for (size_t j = 0; j < n; j++) {
		if (!pc[j].ext && have_ext)
			put_escaped(o, s + pc[j].val, pc[j].vlen);
		else
			mime_lex_put(o->lx, o->buf, s + pc[j].val, pc[j].vlen);
	}
	p->value.len = dbuf_live(o->buf) - p->value.off;
}

/* Is key "name*", "name*N" or "name*N*"?  Then *base is name's length. */
static int rfc2231_key(const char *k, size_t n, size_t *base, uint32_t *idx, int *ext)
{
	const char *star = memchr(k, '*', n), *p, *end = k + n;
	if (!star)
		return 0;
	p = star + 1;
	if (p < end) {
		*idx = 0;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			*idx = *idx * 10 + (uint32_t)(*p - '0');
	} else {
		p = star; /* Dovecot keeps the last index for a bare "name*" */
	}
	*ext = p < end && *p == '*';
	if (*ext)
		p++;
	*base = (size_t)(star - k);
	return p == end;
}

static void collect(struct mime_lex *lx, struct out *o, struct dbuf *scratch, struct piece **pcs,
                    size_t *npc)
{
	struct dbuf key = DBUF_ZERO, val = DBUF_ZERO;
	size_t cap = 0;
	uint32_t idx = 0;
	int r;
	while ((r = param(lx, &key, &val)) != 0) {
		if (r < 0) {
			if (lx->p >= lx->end)
				break;
			lx->p++;
			continue;
		}
		const char *k = mime_buf(&key);
		size_t base;
		int ext;
		if (!rfc2231_key(k, dbuf_live(&key), &base, &idx, &ext)) {
			struct mime_param *p = add(o);
			if (!p)
				break;
			p->name = put_str(o, k, dbuf_live(&key));
			p->value = put_str(o, mime_buf(&val), dbuf_live(&val));
			continue;
		}
		if (*npc == cap) {
			cap = cap ? 2 * cap : 8;
			struct piece *n = realloc(*pcs, cap * sizeof *n);
			if (!n) {
				lx->oom = 1;
				break;
			}
			*pcs = n;
		}
		struct piece *pc = &(*pcs)[*npc];
		pc->seq = (*npc)++;
		pc->idx = idx;
		pc->ext = ext;
		pc->key = dbuf_live(scratch);
		pc->klen = base;
		mime_lex_put(lx, scratch, k, base);
		pc->val = dbuf_live(scratch);
		pc->vlen = dbuf_live(&val);
		mime_lex_put(lx, scratch, mime_buf(&val), pc->vlen);
	}
	dbuf_free(&key, 0);
	dbuf_free(&val, 0);
}

int mime_params_parse(struct mime_lex *lx, struct dbuf *buf, struct mime_param **par, size_t *n)
{
	struct out o = {lx, buf, NULL, 0, 0};
	struct dbuf scratch = DBUF_ZERO;
	struct piece *pcs = NULL;
	size_t npc = 0;
	collect(lx, &o, &scratch, &pcs, &npc);
	if (npc && !lx->oom) {
		const char *s = mime_buf(&scratch);
		for (size_t i = 0; i < npc; i++)
			pcs[i].kp = s + pcs[i].key;
		qsort(pcs, npc, sizeof *pcs, piece_cmp);
		for (size_t i = 0, j; i < npc && !lx->oom; i = j) {
			for (j = i + 1; j < npc && same_key_ci(&pcs[i], &pcs[j]); j++)
				;
			join(&o, s, pcs + i, j - i);
		}
	}
	free(pcs);
	dbuf_free(&scratch, 0);
	*par = o.par;
	*n = o.n;
	return !lx->oom;
}

static int ci_prefix(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)pre[i])
			return 0;
	return 1;
}

int mime_ct_scan(const char *v, size_t vlen, char *bnd, size_t *blen, int *found, int *oom)
{
	struct dbuf t = DBUF_ZERO, pool = DBUF_ZERO;
	struct mime_param *par = NULL;
	struct mime_lex lx;
	size_t npar = 0;
	int flags = 0;
	mime_lex_init(&lx, v, vlen);
	mime_lex_skip(&lx);
	int r = mime_lex_content_type(&lx, &t);
	const char *s = mime_buf(&t);
	size_t n = dbuf_live(&t);
	if (n == 14 && ci_prefix(s, n, "message/rfc822"))
		flags = MIME_RFC822;
	else if (ci_prefix(s, n, "text") && (n == 4 || s[4] == '/'))
		flags = MIME_TEXT;
	else if (ci_prefix(s, n, "multipart/"))
		flags =
		    MIME_MULTIPART | (n == 16 && ci_prefix(s + 10, 6, "digest") ? MIME_DIGEST : 0);
	if (r >= 0 && (flags & MIME_MULTIPART) && mime_params_parse(&lx, &pool, &par, &npar)) {
		for (size_t i = 0; i < npar; i++) {
			if (par[i].name.len != 8 ||
			    !ci_prefix(mime_buf(&pool) + par[i].name.off, 8, "boundary"))
				continue;
			*blen = par[i].value.len > MIME_BOUNDARY_MAX_BYTES ? MIME_BOUNDARY_MAX_BYTES
			                                                   : par[i].value.len;
			memcpy(bnd, mime_buf(&pool) + par[i].value.off, *blen);
			*found = 1;
			break;
		}
	}
	*oom |= lx.oom;
	free(par);
	dbuf_free(&pool, 0);
	dbuf_free(&t, 0);
	return flags;
}
