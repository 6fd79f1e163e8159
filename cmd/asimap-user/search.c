/* SEARCH and UID SEARCH (with ESEARCH's RETURN and SEARCHRES's "$"): the
 * program is compiled by lib/search and run over the session's view; a
 * message's bytes are read only when a key needs them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_write.h"
#include "log.h"
#include "search.h"
#include "user.h"

struct loader {
	struct session *s;
	size_t index; /* in the folder */
	char *data;
	size_t len;
};

static int load(void *ctx, enum search_load what, const char **data, size_t *len)
{
	struct loader *l = ctx;
	(void)what; /* the whole file serves both */
	if (!l->data && !mh_msg_read(&l->s->sel->mh, l->index, &l->data, &l->len))
		return 0;
	*data = l->data;
	*len = l->len;
	return 1;
}

/* The folder's keywords (MH sequences) named name but for ASCII case. */
static uint64_t keyword_mask(void *ctx, const char *name)
{
	const struct folder *f = ctx;
	uint64_t mask = 0;
	for (size_t k = 0; k < f->mh.nkw && k < 64; k++)
		if (!strcasecmp(f->mh.kw[k], name))
			mask |= (uint64_t)1 << k;
	return mask;
}

static unsigned flags_of(const struct mh_msg *m)
{
	static const struct {
		uint32_t mh;
		unsigned search;
	} map[] = {{MH_SEEN, SEARCH_SEEN},
	           {MH_ANSWERED, SEARCH_ANSWERED},
	           {MH_FLAGGED, SEARCH_FLAGGED},
	           {MH_DELETED, SEARCH_DELETED},
	           {MH_DRAFT, SEARCH_DRAFT}};
	unsigned f = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (m->flags & map[i].mh)
			f |= map[i].search;
	return f;
}

/* Run p over the view; returns 1, or 0 with errno (ENOMEM). */
static int run(struct session *s, struct search_prog *p)
{
	struct folder *f = s->sel;
	const struct view *v = &s->view;
	search_bind_keywords(p, keyword_mask, f);
	if (!search_begin(p, (uint32_t)v->n, v->n ? v->uid[v->n - 1] : 0,
	                  s->has_saved ? &s->saved : NULL))
		return 0;
	for (size_t i = 0; i < v->n; i++) {
		long k = folder_find(f, v->uid[i]);
		if (k < 0)
			continue; /* gone: it matches nothing */
		struct mh_msg *m = &f->mh.m[k];
		struct loader l = {s, (size_t)k, NULL, 0};
		struct search_msg sm = {(uint32_t)(i + 1), m->uid,   flags_of(m), m->keywords,
		                        m->crlf_size,      m->mtime, load,        &l};
		int r = search_match(p, &sm);
		free(l.data);
		if (r < 0 && errno == ENOMEM)
			return 0;
	}
	return 1;
}

void cmd_search(struct session *s, const char *tag, int uid, struct imap_cur *c)
{
	struct search_prog *p;
	char err[SEARCH_ERR_MAX_BYTES];
	switch (search_parse(c, uid, &p, err, sizeof err)) {
	case SEARCH_OK:
		break;
	case SEARCH_BAD:
		session_reply(s, "%s BAD %s", tag, err);
		return;
	default:
		session_reply(s, "%s NO %s", tag, err);
		return;
	}
	if (!run(s, p)) {
		session_reply(s, "%s NO [SERVERBUG] Unable to search: %s", tag, strerror(errno));
	} else if (!uid && search_max_seq(p) > s->view.n) {
		session_reply(s, "%s BAD Message sequence number out of range", tag);
	} else {
		search_write(p, tag, &s->out);
		if (search_returns(p) & SEARCH_RET_SAVE) {
			seqset_free(&s->saved);
			s->has_saved = search_saved(p, &s->saved);
		}
		session_reply(s, "%s OK %sSEARCH completed", tag, uid ? "UID " : "");
	}
	search_free(p);
}
