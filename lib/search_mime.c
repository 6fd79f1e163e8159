/* search: the decoded text of a message's body.  The part tree is
 * lib/mime's, the one FETCH BODYSTRUCTURE and BODY[n] show, and each part's
 * Content-Type and Content-Transfer-Encoding are read as BODYSTRUCTURE
 * reports them (lib/mime_info), so BODY finds text in exactly the parts,
 * charsets and encodings a client is shown.  lib/mime bounds the depth and
 * the number of parts (MIME_DEPTH_MAX, MIME_PARTS_MAX) without recursion. */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

enum cte { CTE_IDENTITY, CTE_BASE64, CTE_QP };

static int cte_of(const char *s, size_t n)
{
	if (n == 6 && !strncasecmp(s, "base64", 6))
		return CTE_BASE64;
	if (n == 16 && !strncasecmp(s, "quoted-printable", 16))
		return CTE_QP;
	return CTE_IDENTITY;
}

/* Content-Transfer-Encoding of a part that is not MIME (no MIME-Version,
 * no Content-Type): mime_info leaves it unset, but a decoder that meets
 * one still applies it (Dovecot's does).  The first such field, its
 * first token. */
static int plain_cte(const char *h, size_t hn)
{
	const char *name, *val;
	size_t pos = 0, nn, vn;
	while (search_field_next(h, hn, &pos, &name, &nn, &val, &vn)) {
		if (nn != 25 || strncasecmp(name, "Content-Transfer-Encoding", 25))
			continue;
		while (vn && (*val == ' ' || *val == '\t' || *val == '\r' || *val == '\n'))
			val++, vn--;
		size_t k = 0;
		while (k < vn && val[k] != ' ' && val[k] != '\t' && val[k] != '\r' &&
		       val[k] != '\n' && val[k] != ';' && val[k] != '(')
			k++;
		return cte_of(val, k);
	}
	return CTE_IDENTITY;
}

/* Content-transfer-decode s[0..n) into out, or return s itself. */
static const char *undo_cte(int cte, const char *s, size_t *n, struct dbuf *out)
{
	if (cte == CTE_IDENTITY || *n == 0)
		return s;
	dbuf_clear(out);
	if (!(cte == CTE_BASE64 ? decode_base64(out, s, *n) : decode_qp(out, s, *n, 0)))
		return NULL;
	*n = dbuf_live(out);
	return dbuf_data(out);
}

/* A leaf text part: decoded, converted to UTF-8, folded, appended. */
static int leaf_text(struct search_prog *p, const char *s, size_t n, int cte, const char *cs,
                     size_t cn)
{
	size_t room = SEARCH_TEXT_MAX_BYTES - dbuf_live(&p->btext);
	if (dbuf_live(&p->btext) >= SEARCH_TEXT_MAX_BYTES)
		return 1;
	if (n > room)
		n = room;
	if (!(s = undo_cte(cte, s, &n, &p->t1)))
		return 0;
	if (cn) {
		dbuf_clear(&p->t2);
		if (!decode_charset(&p->cs, &p->t2, cs, cn, s, n))
			return 0;
		s = dbuf_data(&p->t2);
		n = dbuf_live(&p->t2);
	}
	if (!decode_fold(&p->btext, s, n) || !dbuf_put(&p->btext, "\n", 1))
		return 0;
	if (dbuf_live(&p->btext) > SEARCH_TEXT_MAX_BYTES)
		p->btext.len = p->btext.off + SEARCH_TEXT_MAX_BYTES;
	return 1;
}

/* Part i of m: its header into p->xhdr (for TEXT; not the message's own
 * header, which TEXT reads apart), and its text when it is a leaf that
 * holds text: text/ (or no Content-Type), or message/ other than an
 * attached message, whose parts are parts of the tree (RFC 3501 6.4.4
 * leaves "body" to the server; these are the parts Dovecot reads too). */
static int part_text(struct search_prog *p, const struct mime_msg *m, const char *s, size_t i,
                     struct mime_info *info)
{
	const struct mime_part *q = &m->part[i];
	const char *h = s + q->hdr_off;
	size_t hlen, body;
	search_header_split(h, (size_t)q->hdr_len, &hlen, &body);
	if (i > 0 && p->has_text && dbuf_live(&p->xhdr) < SEARCH_TEXT_MAX_BYTES &&
	    !search_header_text(p, h, hlen, &p->xhdr))
		return 0;
	if (q->flags & (MIME_MULTIPART | MIME_RFC822))
		return 1;
	if (!(q->flags & MIME_IS_MIME))
		return leaf_text(p, s + mime_body_off(q), (size_t)q->body_len, plain_cte(h, hlen),
		                 NULL, 0);
	if (!mime_info_get(m, s, i, info))
		return 0;
	if (!(q->flags & MIME_TEXT) &&
	    !(info->type.len == 7 && !strncasecmp(mime_info_s(info, info->type), "message", 7)))
		return 1;
	const char *cs = NULL;
	size_t cn = 0;
	for (size_t k = 0; k < info->nparam; k++) {
		const struct mime_param *pa = &info->param[k];
		if (pa->name.len == 7 && !strncasecmp(mime_info_s(info, pa->name), "charset", 7)) {
			cs = mime_info_s(info, pa->value);
			cn = pa->value.len;
			break;
		}
	}
	int cte = info->encoding.set ? cte_of(mime_info_s(info, info->encoding), info->encoding.len)
	                             : CTE_IDENTITY;
	return leaf_text(p, s + mime_body_off(q), (size_t)q->body_len, cte, cs, cn);
}

int search_body_text(struct search_prog *p, const char *s, size_t n)
{
	struct mime_msg m = MIME_MSG_ZERO;
	struct mime_info info = MIME_INFO_ZERO;
	if (!mime_parse(s, n, &m))
		return 0;
	int ok = 1;
	for (size_t i = 0; ok && i < m.nparts; i++)
		ok = part_text(p, &m, s, i, &info);
	mime_info_free(&info);
	mime_free(&m);
	return ok;
}
