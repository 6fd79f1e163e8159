/* The part tree of a whole message, built in one pass without recursion:
 * a state machine over the message with a stack of open boundaries, as
 * Dovecot's message-parser walks its stream.  Every byte is given to the
 * open part that is current when it is read; a part's sizes are the sums
 * of what it and its children were given, and a part starts where the
 * sizes of the parts before it end.  That is the byte it was read from,
 * except after the one case where a line end moves to the parent (a
 * header cut short by an outer boundary), exactly as in Dovecot. */
#include "mime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mime_lex.h"

/* Dovecot looks this far into a boundary line that has no line end. */
#define BOUNDARY_LINE_MAX (MIME_BOUNDARY_MAX_BYTES + 4)

struct boundary {
	uint32_t part;
	size_t len;
	char s[MIME_BOUNDARY_MAX_BYTES];
};

enum state { ST_HEADER, ST_BOUNDARY, ST_EOF, ST_RFC822, ST_CHILD, ST_DONE };

struct parser {
	const char *msg;
	size_t len, pos;
	struct mime_msg *m;
	uint64_t *attr;   /* per part: the end of the bytes given to it so far */
	uint32_t *last;   /* per part: its last child */
	uint64_t *hlines; /* per part: LFs in its header */
	uint32_t cur;
	struct boundary b[MIME_DEPTH_MAX];
	size_t nb;
	int oom;
};

#define PART(p, i) ((p)->m->part[(i)])

/* LFs in msg[from..to), and how many lack their CR. */
static void count(const struct parser *p, uint64_t from, uint64_t to, uint64_t *lines,
                  uint64_t *bare)
{
	const char *s = p->msg, *q = s + from, *end = s + to, *lf;
	while (q < end && (lf = memchr(q, '\n', (size_t)(end - q)))) {
		++*lines;
		if (lf == s || lf[-1] != '\r')
			++*bare;
		q = lf + 1;
	}
}

/* Give msg[attr .. to) to part i's body. */
static void add(struct parser *p, uint32_t i, uint64_t to)
{
	uint64_t lines = 0, bare = 0;
	if (to <= p->attr[i])
		return;
	count(p, p->attr[i], to, &lines, &bare);
	PART(p, i).body_len += to - p->attr[i];
	PART(p, i).body_lines += lines;
	PART(p, i).body_size += to - p->attr[i] + bare;
	p->attr[i] = to;
}

static int grow(struct parser *p)
{
	struct mime_msg *m = p->m;
	size_t cap = m->cap ? 2 * m->cap : 16;
	if (cap > MIME_PARTS_MAX)
		cap = MIME_PARTS_MAX;
	struct mime_part *np = realloc(m->part, cap * sizeof *np);
	if (np)
		m->part = np;
	uint64_t *na = np ? realloc(p->attr, cap * sizeof *na) : NULL;
	if (na)
		p->attr = na;
	uint64_t *nh = na ? realloc(p->hlines, cap * sizeof *nh) : NULL;
	if (nh)
		p->hlines = nh;
	uint32_t *nl = nh ? realloc(p->last, cap * sizeof *nl) : NULL;
	if (!nl)
		return 0;
	p->last = nl;
	m->cap = cap;
	return 1;
}

/* A new part at pos, the last child of parent (MIME_NONE: the root). */
static int new_part(struct parser *p, uint32_t parent, uint16_t flags)
{
	struct mime_msg *m = p->m;
	if (m->nparts == m->cap && !grow(p))
		return 0;
	uint32_t i = (uint32_t)m->nparts++;
	struct mime_part *q = &m->part[i];
	memset(q, 0, sizeof *q);
	q->hdr_off = p->pos;
	if (parent != MIME_NONE) /* where Dovecot's sizes put it (see header()) */
		q->hdr_off = mime_body_off(&PART(p, parent)) + PART(p, parent).body_len;
	q->parent = parent;
	q->child = q->next = MIME_NONE;
	q->flags = flags;
	p->attr[i] = p->pos;
	p->last[i] = MIME_NONE;
	p->hlines[i] = 0;
	if (parent != MIME_NONE) {
		q->depth = (uint16_t)(PART(p, parent).depth + 1);
		if (p->last[parent] == MIME_NONE)
			PART(p, parent).child = i;
		else
			PART(p, p->last[parent]).next = i;
		p->last[parent] = i;
	}
	p->cur = i;
	return 1;
}

/* Close the current part; its parent becomes current. */
static void finish(struct parser *p)
{
	uint32_t i = p->cur, up = PART(p, i).parent;
	struct mime_part *q = &PART(p, i);
	if (up == MIME_NONE)
		return;
	PART(p, up).body_len += q->hdr_len + q->body_len;
	PART(p, up).body_size += q->hdr_size + q->body_size;
	PART(p, up).body_lines += p->hlines[i] + q->body_lines;
	if (p->attr[up] < p->attr[i])
		p->attr[up] = p->attr[i];
	p->cur = up;
}

/* The open boundary that the line at pos starts (-1: none); *epi when it
 * is followed by "--". */
static int boundary_at(const struct parser *p, size_t pos, int *epi)
{
	if (!p->nb || p->len - pos < 2 || p->msg[pos] != '-' || p->msg[pos + 1] != '-')
		return -1;
	const char *d = p->msg + pos + 2;
	size_t size = p->len - pos - 2, find = size;
	const char *lf = memchr(d, '\n', size);
	if (lf) {
		find = (size_t)(lf - d);
		if (find && d[find - 1] == '\r')
			find--;
		if (find > 2 && d[find - 1] == '-' && d[find - 2] == '-')
			find -= 2;
	} else if (find > BOUNDARY_LINE_MAX) {
		find = BOUNDARY_LINE_MAX;
	}
	int best = -1;
	for (size_t i = p->nb; i-- > 0;) {
		const struct boundary *b = &p->b[i];
		if (b->len <= find && !memcmp(b->s, d, b->len) &&
		    (best < 0 || p->b[best].len < b->len)) {
			best = (int)i;
			if (b->len == find)
				break;
		}
	}
	if (best >= 0) {
		size_t n = p->b[best].len;
		*epi = size >= n + 2 && d[n] == '-' && d[n + 1] == '-';
	}
	return best;
}

/* The first Content-Type of a part: its kind, and the boundary to use. */
static void content_type(struct parser *p, const struct mime_field *f, struct boundary *bnd,
                         int *pending)
{
	size_t vlen = f->val_end - f->val;
	int oom = 0;
	PART(p, p->cur).flags |= (uint16_t)mime_ct_scan(
	    p->msg + f->val, vlen > MIME_FIELD_MAX_BYTES ? MIME_FIELD_MAX_BYTES : vlen, bnd->s,
	    &bnd->len, pending, &oom);
	p->oom |= oom;
}

/* The end of a header at end (its first byte at start): the part's kind
 * and what comes next. */
static enum state header_done(struct parser *p, size_t start, size_t end, int seen_ct, int pushed)
{
	uint32_t i = p->cur;
	struct mime_part *q = &PART(p, i);
	uint64_t bare = 0;
	q->hdr_len = end - start;
	count(p, start, end, &p->hlines[i], &bare);
	q->hdr_size = q->hdr_len + bare;
	p->attr[i] = end;
	if (!(q->flags & MIME_IS_MIME))
		q->flags &= MIME_EOH | MIME_OVERFLOW;
	if (!seen_ct || !(q->flags & MIME_IS_MIME)) {
		if (q->parent != MIME_NONE && (PART(p, q->parent).flags & MIME_DIGEST))
			q->flags |= MIME_RFC822;
		else
			q->flags |= MIME_TEXT;
	}
	if (p->m->nparts >= MIME_PARTS_MAX) {
		/* the last part we may have: it takes the rest */
		q->flags |= MIME_OVERFLOW;
		q->flags &= (uint16_t) ~(MIME_MULTIPART | MIME_RFC822);
		p->nb = 0;
		return ST_EOF;
	}
	if (pushed)
		return ST_BOUNDARY;
	if (q->flags & MIME_RFC822) {
		if (q->depth + 1 < MIME_DEPTH_MAX)
			return ST_RFC822;
		q->flags |= MIME_OVERFLOW;
		q->flags &= (uint16_t)~MIME_RFC822;
	}
	return p->nb ? ST_BOUNDARY : ST_EOF;
}

/* At the empty line of a multipart header: open its boundary. */
static int push(struct parser *p, struct boundary *bnd)
{
	struct mime_part *q = &PART(p, p->cur);
	if (q->depth + 1 >= MIME_DEPTH_MAX) {
		q->flags |= MIME_OVERFLOW;
		q->flags &= (uint16_t)~MIME_MULTIPART;
		return 0;
	}
	bnd->part = p->cur;
	p->b[p->nb++] = *bnd;
	return 1;
}

/* The header of the current part, from pos.  Returns the next state. */
static enum state header(struct parser *p)
{
	uint32_t i = p->cur;
	struct boundary bnd = {0, 0, {0}};
	int seen_ct = 0, pending = 0, pushed = 0, epi;
	size_t prev_nl = 0, start = p->pos, end = p->pos;
	for (;;) {
		size_t eoh = mime_eoh_len(p->msg, p->len, p->pos);
		if (eoh && pending && (PART(p, i).flags & MIME_IS_MIME))
			pushed = push(p, &bnd);
		if (eoh) {
			p->pos += eoh;
			PART(p, i).flags |= MIME_EOH;
			prev_nl = eoh;
		}
		end = p->pos;
		if (p->pos >= p->len)
			break;
		int bi = boundary_at(p, p->pos, &epi);
		if (bi >= 0 && p->b[bi].part != i) {
			/* an outer boundary ends the header, even right after
			 * the empty line: the line end before it is its own */
			end = p->pos - prev_nl;
			if (prev_nl) {
				uint32_t up = PART(p, i).parent;
				PART(p, up).body_len += prev_nl;
				PART(p, up).body_size += 2;
				PART(p, up).body_lines++;
				p->attr[up] = p->pos;
			}
			break;
		}
		if (eoh)
			break;
		struct mime_field f;
		mime_field_read(p->msg, p->len, p->pos, &f);
		if (mime_field_is(p->msg, &f, "MIME-Version")) {
			PART(p, i).flags |= MIME_IS_MIME;
		} else if (mime_field_is(p->msg, &f, "Content-Type")) {
			PART(p, i).flags |= MIME_IS_MIME;
			if (!seen_ct)
				content_type(p, &f, &bnd, &pending);
			seen_ct = 1;
		}
		prev_nl = (size_t)f.last_nl;
		p->pos = f.end;
	}
	return header_done(p, start, end, seen_ct, pushed);
}

/* Boundary bi starts at bs (its line end before it unless first). */
static enum state boundary_found(struct parser *p, int bi, int epi, size_t bs, int first)
{
	while (p->cur != p->b[bi].part)
		finish(p);
	size_t blen = p->b[bi].len;
	p->nb = epi ? (size_t)bi : (size_t)bi + 1;
	size_t line = (first ? 0 : p->msg[bs] == '\r' ? 2 : 1) + 2 + blen + (epi ? 2 : 0);
	p->pos = bs + line;
	const char *lf = memchr(p->msg + p->pos, '\n', p->len - p->pos);
	p->pos = lf ? (size_t)(lf - p->msg) + 1 : p->len;
	add(p, p->cur, p->pos);
	if (!lf)
		return ST_DONE;
	if (!p->nb || p->b[p->nb - 1].part != p->cur)
		return p->nb ? ST_BOUNDARY : ST_EOF; /* the epilogue */
	return ST_CHILD;
}

static enum state body_boundary(struct parser *p)
{
	int epi, bi;
	if (p->pos >= p->len)
		return ST_DONE;
	if ((bi = boundary_at(p, p->pos, &epi)) >= 0)
		return boundary_found(p, bi, epi, p->pos, 1);
	const char *q = p->msg + p->pos, *end = p->msg + p->len, *lf;
	while ((lf = memchr(q, '\n', (size_t)(end - q)))) {
		size_t j = (size_t)(lf - p->msg);
		if ((bi = boundary_at(p, j + 1, &epi)) >= 0) {
			size_t bs = j > p->pos && p->msg[j - 1] == '\r' ? j - 1 : j;
			add(p, p->cur, bs);
			return boundary_found(p, bi, epi, bs, 0);
		}
		q = lf + 1;
	}
	add(p, p->cur, p->len);
	p->pos = p->len;
	return ST_DONE;
}

static void run(struct parser *p)
{
	enum state st = ST_HEADER;
	while (!p->oom && st != ST_DONE) {
		switch (st) {
		case ST_HEADER:
			st = header(p);
			break;
		case ST_BOUNDARY:
			st = body_boundary(p);
			break;
		case ST_EOF:
			add(p, p->cur, p->len);
			p->pos = p->len;
			st = ST_DONE;
			break;
		case ST_RFC822:
		case ST_CHILD:
			if (!new_part(p, p->cur, st == ST_CHILD ? MIME_IS_MIME : 0))
				p->oom = 1;
			st = ST_HEADER;
			break;
		case ST_DONE:
			break;
		}
	}
	while (!p->oom && PART(p, p->cur).parent != MIME_NONE)
		finish(p);
	if (!p->oom)
		finish(p);
}

int mime_parse(const char *msg, size_t len, struct mime_msg *out)
{
	struct parser *p = calloc(1, sizeof *p);
	memset(out, 0, sizeof *out);
	if (!p) {
		errno = ENOMEM;
		return 0;
	}
	p->msg = msg;
	p->len = len;
	p->m = out;
	if (!new_part(p, MIME_NONE, 0))
		p->oom = 1;
	else
		run(p);
	int ok = !p->oom;
	if (ok && len && memchr(msg, 0, len))
		out->part[0].flags |= MIME_NUL;
	free(p->attr);
	free(p->last);
	free(p->hlines);
	free(p);
	if (!ok) {
		mime_free(out);
		errno = ENOMEM;
	}
	return ok;
}

void mime_free(struct mime_msg *m)
{
	free(m->part);
	m->part = NULL;
	m->nparts = m->cap = 0;
}

size_t mime_header_end(const char *d, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *lf = memchr(d + i, '\n', n - i);
		if (!lf)
			return n;
		size_t line = (size_t)(lf - (d + i));
		if (line == 0 || (line == 1 && d[i] == '\r'))
			return (size_t)(lf - d) + 1;
		i = (size_t)(lf - d) + 1;
	}
	return n;
}
