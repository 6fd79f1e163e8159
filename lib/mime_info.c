/* The Content-* fields of one part (struct mime_info), read from its
 * header when asked: the tree itself keeps only offsets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_lex.h"

static struct mime_str put(struct mime_lex *lx, struct dbuf *b, const char *s, size_t n)
{
	struct mime_str r = {dbuf_live(b), 0, 1};
	mime_lex_put(lx, b, s, n);
	r.len = dbuf_live(b) - r.off;
	return r;
}

static void content_type(struct mime_lex *lx, struct mime_info *in)
{
	size_t start = dbuf_live(&in->buf);
	mime_lex_skip(lx);
	int r = mime_lex_content_type(lx, &in->buf);
	const char *s = mime_buf(&in->buf) + start;
	size_t n = dbuf_live(&in->buf) - start;
	const char *slash = memchr(s, '/', n);
	size_t tl = slash ? (size_t)(slash - s) : n;
	in->type = (struct mime_str){start, tl, 1};
	in->subtype = (struct mime_str){start + (slash ? tl + 1 : n), slash ? n - tl - 1 : 0, 1};
	if (r >= 0)
		mime_params_parse(lx, &in->buf, &in->param, &in->nparam);
}

static void encoding(struct mime_lex *lx, struct mime_info *in)
{
	size_t start = dbuf_live(&in->buf);
	mime_lex_skip(lx);
	if (mime_lex_token(lx, &in->buf) >= 0 && mime_lex_skip(lx) == 0 &&
	    dbuf_live(&in->buf) > start)
		in->encoding = (struct mime_str){start, dbuf_live(&in->buf) - start, 1};
	else
		mime_lex_trunc(&in->buf, start);
}

static void disposition(struct mime_lex *lx, struct mime_info *in)
{
	size_t start = dbuf_live(&in->buf);
	mime_lex_skip(lx);
	if (mime_lex_token(lx, &in->buf) < 0)
		return;
	in->disposition = (struct mime_str){start, dbuf_live(&in->buf) - start, 1};
	free(in->dparam);
	in->dparam = NULL;
	in->ndparam = 0;
	mime_params_parse(lx, &in->buf, &in->dparam, &in->ndparam);
}

static void language(struct mime_lex *lx, struct mime_info *in)
{
	size_t cap = 0, start = dbuf_live(&in->buf);
	mime_lex_skip(lx);
	while (mime_lex_atom(lx, &in->buf) >= 0) {
		if (in->nlang == cap) {
			cap = cap ? 2 * cap : 4;
			struct mime_str *l = realloc(in->lang, cap * sizeof *l);
			if (!l) {
				lx->oom = 1;
				return;
			}
			in->lang = l;
		}
		in->lang[in->nlang++] = (struct mime_str){start, dbuf_live(&in->buf) - start, 1};
		start = dbuf_live(&in->buf);
		if (lx->p >= lx->end || *lx->p != ',')
			break;
		lx->p++;
		mime_lex_skip(lx);
	}
}

static void field(const char *msg, const struct mime_field *f, struct mime_info *in,
                  struct mime_lex *lx)
{
	const char *name = msg + f->start + 8;
	size_t n = f->name_len - 8, vlen = f->val_end - f->val;
	struct mime_str *raw = NULL;
	if (vlen > MIME_FIELD_MAX_BYTES)
		vlen = MIME_FIELD_MAX_BYTES;
	mime_lex_init(lx, msg + f->val, vlen);
	if (n == 2 && !strncasecmp(name, "ID", 2))
		raw = &in->id;
	else if (n == 3 && !strncasecmp(name, "MD5", 3))
		raw = &in->md5;
	else if (n == 8 && !strncasecmp(name, "Location", 8))
		raw = &in->location;
	else if (n == 11 && !strncasecmp(name, "Description", 11))
		raw = &in->description;
	else if (n == 4 && !strncasecmp(name, "Type", 4) && !in->type.set)
		content_type(lx, in);
	else if (n == 17 && !strncasecmp(name, "Transfer-Encoding", 17) && !in->encoding.set)
		encoding(lx, in);
	else if (n == 8 && !strncasecmp(name, "Language", 8) && !in->nlang)
		language(lx, in);
	else if (n == 11 && !strncasecmp(name, "Disposition", 11) && !in->ndparam)
		disposition(lx, in);
	if (raw && !raw->set)
		*raw = put(lx, &in->buf, msg + f->val, vlen);
}

void mime_info_free(struct mime_info *in)
{
	dbuf_free(&in->buf, 0);
	free(in->param);
	free(in->dparam);
	free(in->lang);
	memset(in, 0, sizeof *in);
}

int mime_info_get(const struct mime_msg *m, const char *msg, size_t i, struct mime_info *in)
{
	const struct mime_part *q = &m->part[i];
	struct dbuf keep = in->buf;
	struct mime_field f;
	struct mime_lex lx = {NULL, NULL, NULL, 0};
	int oom = 0;
	free(in->param);
	free(in->dparam);
	free(in->lang);
	memset(in, 0, sizeof *in);
	in->buf = keep;
	dbuf_clear(&in->buf);
	if (!(q->flags & MIME_IS_MIME))
		return 1;
	size_t pos = (size_t)q->hdr_off, end = (size_t)(q->hdr_off + q->hdr_len);
	while (mime_field_next(msg, end, &pos, &f)) {
		if (f.name_len < 8 || strncasecmp(msg + f.start, "Content-", 8))
			continue;
		field(msg, &f, in, &lx);
		oom |= lx.oom;
	}
	if (oom) {
		mime_info_free(in);
		errno = ENOMEM;
		return 0;
	}
	return 1;
}
