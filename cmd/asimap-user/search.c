/* SEARCH and UID SEARCH (with ESEARCH's RETURN and SEARCHRES's "$"): the
 * program is compiled by lib/search at once, then run over the session's
 * view as a job, a slice per turn of the event loop (SEARCH_SLICE_MSGS,
 * SEARCH_SLICE_NS), so that a SEARCH BODY over a big folder does not hold
 * up the user's other sessions; a message's bytes are read only when a key
 * needs them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap_write.h"
#include "log.h"
#include "search.h"
#include "user.h"

struct loader {
	struct session *s;
	size_t index; /* in the folder */
	char *data;
	size_t len;
	int whole; /* data is the whole file, not only its header */
};

static int load(void *ctx, enum search_load what, const char **data, size_t *len)
{
	struct loader *l = ctx;
	/* FROM, SUBJECT and the like: from the metadata cache when it has
	 * the message (the bytes stay valid: nothing else uses the cache
	 * until this message's evaluation ends). */
	if (what == SEARCH_LOAD_FIELDS && !l->data && folder_fields(l->s->sel, l->index, data, len))
		return 1;
	if (!l->data || (what == SEARCH_LOAD_WHOLE && !l->whole)) {
		/* Header keys read the header only (FROM on a folder of big
		 * messages reads a few KB of each). */
		free(l->data);
		l->data = NULL;
		int rc =
		    what != SEARCH_LOAD_WHOLE
		        ? mh_msg_read_head(&l->s->sel->mh, l->index, &l->data, &l->len, &l->whole)
		        : mh_msg_read(&l->s->sel->mh, l->index, &l->data, &l->len);
		if (!rc)
			return 0;
		l->whole |= what == SEARCH_LOAD_WHOLE;
		/* The next SEARCH on these fields need not open the file. */
		if (rc == 1)
			folder_keep(l->s->sel, l->index, l->data, l->len);
	}
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

struct search_job {
	char tag[HANDOFF_FIELD_MAX_BYTES + 1];
	int uid;
	struct search_prog *p;
	size_t pos; /* the next message of the view */
	int err;    /* errno of a failure (ENOMEM): answered NO */
};

void search_job_free(struct search_job *j)
{
	search_free(j->p);
	free(j);
}

/* Evaluate message pos of the view.  Returns 1, or 0 with errno (ENOMEM). */
static int match_one(struct session *s, struct search_job *j)
{
	struct folder *f = s->sel;
	uint32_t uid = s->view.uid[j->pos];
	/* By UID each time: the folder may have been reloaded since the last
	 * slice (another session expunged, nmh added mail). */
	long k = folder_find(f, uid);
	if (k < 0)
		return 1; /* gone: it matches nothing */
	struct mh_msg *m = &f->mh.m[k];
	struct loader l = {s, (size_t)k, NULL, 0, 0};
	unsigned flags = flags_of(m) | (view_is_recent(&s->view, m->uid) ? SEARCH_RECENT : 0);
	struct search_msg sm = {(uint32_t)(j->pos + 1), m->uid,         flags, m->keywords,
	                        m->crlf_size,           mh_msg_date(m), load,  &l};
	int r = search_match(j->p, &sm);
	free(l.data);
	return !(r < 0 && errno == ENOMEM);
}

/* The answer, once every message was seen (or the search failed). */
static void finish(struct session *s, struct search_job *j)
{
	if (j->err) {
		session_reply(s, "%s NO [SERVERBUG] Unable to search: %s", j->tag,
		              strerror(j->err));
		return;
	}
	search_write(j->p, j->tag, &s->out);
	if (search_returns(j->p) & SEARCH_RET_SAVE) {
		seqset_free(&s->saved);
		s->has_saved = search_saved(j->p, &s->saved);
	}
	session_reply(s, "%s OK %sSEARCH completed", j->tag, j->uid ? "UID " : "");
}

int search_step(struct session *s, struct search_job *j)
{
	struct folder *f = s->sel;
	const struct view *v = &s->view;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* A reload since the last slice may have renumbered the keywords. */
	search_bind_keywords(j->p, keyword_mask, f);
	/* After a UIDVALIDITY change the view's UIDs name other messages: the
	 * rest are gone (the session's next command says BYE). */
	int reset = v->resets != f->resets;
	for (size_t k = 0; !reset && !j->err && j->pos < v->n && k < SEARCH_SLICE_MSGS; k++) {
		if (!match_one(s, j))
			j->err = errno;
		j->pos++;
		if (session_elapsed_ns(&t0) >= SEARCH_SLICE_NS)
			break;
	}
	if (!reset && !j->err && j->pos < v->n)
		return 0;
	finish(s, j);
	folder_save_cache(f);
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
	const struct view *v = &s->view;
	struct search_job *j = calloc(1, sizeof *j);
	if (!j || !search_begin(p, (uint32_t)v->n, v->n ? v->uid[v->n - 1] : 0,
	                        s->has_saved ? &s->saved : NULL)) {
		session_reply(s, "%s NO [SERVERBUG] Unable to search: %s", tag, strerror(ENOMEM));
		free(j);
		search_free(p);
		return;
	}
	if (!uid && search_max_seq(p) > v->n) {
		session_reply(s, "%s BAD Message sequence number out of range", tag);
		free(j);
		search_free(p);
		return;
	}
	snprintf(j->tag, sizeof j->tag, "%s", tag);
	j->uid = uid;
	j->p = p;
	s->job.kind = JOB_SEARCH;
	s->job.u.search = j;
}
