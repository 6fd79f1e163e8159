/* Mailbox commands: SELECT, EXAMINE, STATUS, CLOSE (LIST and LSUB are in list.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_list.h"
#include "imap_write.h"
#include "log.h"
#include "user.h"

/* Open the folder at path (from a mailbox argument).  Answers NO itself
 * and returns NULL when it cannot. */
static struct folder *open_path(struct session *s, const char *tag, const char *path)
{
	struct folder *f = folder_open(path, cfg.unseen);
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
			session_reply(s, "%s NO [NONEXISTENT] No such mailbox", tag);
		} else {
			log_warn("unable to read folder %s: %s", path, strerror(errno));
			session_reply(s, "%s NO [SERVERBUG] Unable to read the mailbox", tag);
		}
		return NULL;
	}
	folder_check(f, cfg.unseen);
	return f;
}

static void unselect(struct session *s)
{
	if (s->opening) { /* never built: nothing to close */
		folder_peek_free(s->opening);
		free(s->opening);
		s->opening = NULL;
	}
	if (s->sel) {
		folder_close(s->sel);
		view_free(&s->view);
		s->sel = NULL;
	}
	s->state = ST_AUTH;
}

void cmd_close(struct session *s, const char *tag)
{
	unselect(s);
	session_reply(s, "%s OK Mailbox closed", tag);
}

/* The messages no session was told of are \Recent for this one (RFC 3501
 * 2.3.2); EXAMINE sees them so without taking them from the next
 * session (RFC 3501 6.3.2). */
static void take_recent(struct session *s)
{
	uint32_t lo, hi;
	if (s->readonly)
		folder_recent(s->sel, &lo, &hi);
	else
		folder_claim_recent(s->sel, &lo, &hi);
	if (!view_add_recent(&s->view, lo, hi))
		s->dead = 1;
}

/* What SELECT and EXAMINE answer (RFC 3501 6.3.1). */
struct select_answer {
	char *const *kw;
	size_t nkw, exists, recent, first_unseen; /* first_unseen from 1, 0: none */
	uint32_t uidvalidity, uidnext;
};

static void answer_select(struct session *s, const char *tag, int readonly,
                          const struct select_answer *a)
{
	dbuf_puts(&s->out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (size_t i = 0; i < a->nkw; i++)
		dbuf_printf(&s->out, " %s", a->kw[i]);
	dbuf_puts(&s->out, ")\r\n");
	if (readonly)
		session_reply(s, "* OK [PERMANENTFLAGS ()] Read-only mailbox");
	else
		session_reply(s, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
		                 "\\Draft \\*)] Flags permitted");
	session_reply(s, "* %zu EXISTS", a->exists);
	session_reply(s, "* %zu RECENT", a->recent);
	if (a->first_unseen)
		session_reply(s, "* OK [UNSEEN %zu] First unseen", a->first_unseen);
	session_reply(s, "* OK [UIDVALIDITY %u] UIDs valid", a->uidvalidity);
	session_reply(s, "* OK [UIDNEXT %u] Predicted next UID", a->uidnext);
	session_reply(s, "%s OK [%s] %s completed", tag, readonly ? "READ-ONLY" : "READ-WRITE",
	              readonly ? "EXAMINE" : "SELECT");
}

void cmd_select(struct session *s, const char *tag, struct imap_cur *c, int readonly)
{
	char *name;
	size_t n;
	char path[MH_NAME_MAX_BYTES + 1];
	if (!imap_p_astring(c, &name, &n) || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected a mailbox name", tag);
		return;
	}
	unselect(s);
	if (!mh_name_to_path(name, n, path)) {
		session_reply(s, "%s NO [CANNOT] Invalid mailbox name", tag);
		return;
	}
	/* A folder that is not loaded but whose state file is vouched for is
	 * answered from that file's header and .mh_sequences; its message list
	 * is built at the session's next command (or when the supervisor is
	 * idle). */
	struct folder_peek *pk = malloc(sizeof *pk);
	if (pk && folder_peek(path, cfg.unseen, pk)) {
		struct select_answer a = {
		    pk->seq.kw,           pk->seq.nkw,          pk->head.n,      pk->recent,
		    pk->seq.first_unseen, pk->head.uidvalidity, pk->head.uidnext};
		s->opening = pk;
		s->state = ST_SELECTED;
		s->readonly = readonly;
		answer_select(s, tag, readonly, &a);
		return;
	}
	free(pk);
	struct folder *f = open_path(s, tag, path);
	if (!f)
		return;
	if (!view_init(&s->view, f)) {
		folder_close(f);
		session_reply(s, "%s NO [SERVERBUG] Out of memory", tag);
		return;
	}
	s->sel = f;
	s->state = ST_SELECTED;
	s->readonly = readonly;
	take_recent(s);
	struct select_answer a = {f->mh.kw,
	                          f->mh.nkw,
	                          s->view.n,
	                          view_count_recent(&s->view),
	                          0,
	                          f->state.uidvalidity,
	                          f->state.uidnext};
	for (size_t i = 0; i < f->mh.n; i++)
		if (!(f->mh.m[i].flags & MH_SEEN)) {
			a.first_unseen = i + 1;
			break;
		}
	answer_select(s, tag, readonly, &a);
}

void select_finish(struct session *s)
{
	struct folder_peek *pk = s->opening;
	s->opening = NULL;
	struct folder *f = folder_open(pk->path, cfg.unseen);
	if (f)
		folder_check(f, cfg.unseen);
	if (!f || !view_init_told(&s->view, f, pk)) {
		int stale = f && errno == ESTALE;
		if (stale)
			log_warn("folder %s got a new UIDVALIDITY while it was being opened",
			         pk->path);
		else
			log_warn("unable to open folder %s: %s", pk->path, strerror(errno));
		if (f)
			folder_close(f);
		if (stale) /* as session_sync says it */
			session_reply(
			    s, "* BYE [UIDVALIDITY] Mailbox reordered on disk; please reconnect");
		else
			session_reply(s, "* BYE [UNAVAILABLE] Unable to read the mailbox now");
		s->dead = 1;
		s->state = ST_AUTH;
	} else {
		s->sel = f;
		take_recent(s);
	}
	folder_peek_free(pk);
	free(pk);
}

int status_mailbox(struct session *s, const char *name, size_t n, const struct imap_status_atts *a)
{
	char path[MH_NAME_MAX_BYTES + 1];
	if (!mh_name_to_path(name, n, path)) {
		errno = EINVAL;
		return 0;
	}
	struct folder *f = folder_open(path, cfg.unseen);
	if (!f)
		return 0;
	folder_check(f, cfg.unseen);
	dbuf_puts(&s->out, "* STATUS ");
	imap_w_string(&s->out, name, n);
	dbuf_puts(&s->out, " (");
	for (size_t k = 0; k < a->n; k++) {
		uint64_t v = 0;
		switch (a->item[k]) {
		case IMAP_STATUS_MESSAGES:
			v = f->mh.n;
			break;
		case IMAP_STATUS_RECENT: /* what a session selecting it now would take */
			for (size_t i = folder_lower(f, f->state.recent_uid + 1); i < f->mh.n; i++)
				v++;
			break;
		case IMAP_STATUS_UIDNEXT:
			v = f->state.uidnext;
			break;
		case IMAP_STATUS_UIDVALIDITY:
			v = f->state.uidvalidity;
			break;
		case IMAP_STATUS_UNSEEN:
			for (size_t i = 0; i < f->mh.n; i++)
				v += !(f->mh.m[i].flags & MH_SEEN);
			break;
		case IMAP_STATUS_SIZE:
			v = folder_total_size(f);
			break;
		case IMAP_STATUS_APPENDLIMIT:
			v = APPEND_MAX;
			break;
		}
		dbuf_printf(&s->out, "%s%s %llu", k ? " " : "", imap_status_names[a->item[k]],
		            (unsigned long long)v);
	}
	dbuf_puts(&s->out, ")\r\n");
	folder_close(f);
	return 1;
}

void cmd_status(struct session *s, const char *tag, struct imap_cur *c)
{
	char *name;
	size_t n;
	struct imap_status_atts a = {0};
	const char *err = NULL;
	if (!imap_p_astring(c, &name, &n) || !imap_p_sp(c) || (err = imap_p_status_atts(c, &a)) ||
	    !imap_p_end(c)) {
		session_reply(s, "%s BAD %s", tag, err ? err : "Expected STATUS mailbox (items)");
		return;
	}
	if (status_mailbox(s, name, n, &a)) {
		session_reply(s, "%s OK STATUS completed", tag);
	} else if (errno == EINVAL) {
		session_reply(s, "%s NO [CANNOT] Invalid mailbox name", tag);
	} else if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
		session_reply(s, "%s NO [NONEXISTENT] No such mailbox", tag);
	} else {
		log_warn("unable to read folder for STATUS: %s", strerror(errno));
		session_reply(s, "%s NO [SERVERBUG] Unable to read the mailbox", tag);
	}
}

void session_sync(struct session *s, int allow_expunge)
{
	struct folder *f = s->sel;
	struct view *v = &s->view;
	folder_check(f, cfg.unseen);
	if (v->resets != f->resets) {
		/* Its UIDVALIDITY changed under us: the client must start again. */
		session_reply(s, "* BYE [UIDVALIDITY] Mailbox reordered on disk; please reconnect");
		s->dead = 1;
		return;
	}
	if (allow_expunge && v->removals != f->removals) {
		/* Highest first, so each number is still right when it arrives. */
		/* Both lists ascend by UID: one walk down them, in step; a gone
		 * UID is marked 0 and the view closed up once at the end. */
		size_t k = f->mh.n, gone = 0;
		for (size_t i = v->n; i-- > 0;) {
			while (k > 0 && f->mh.m[k - 1].uid > v->uid[i])
				k--;
			if (k > 0 && f->mh.m[k - 1].uid == v->uid[i])
				continue;
			session_reply(s, "* %zu EXPUNGE", i + 1);
			v->uid[i] = 0;
			gone++;
		}
		size_t w = 0;
		for (size_t i = 0; gone && i < v->n; i++)
			if (v->uid[i])
				v->uid[w++] = v->uid[i];
		if (gone)
			v->n = w;
		v->removals = f->removals;
	}
	uint32_t last = v->n ? v->uid[v->n - 1] : 0;
	size_t from = folder_lower(f, last + 1), added = f->mh.n - from;
	if (added) {
		if (v->n + added > v->cap) {
			uint32_t *u = realloc(v->uid, (v->n + added) * sizeof *u);
			if (!u) {
				s->dead = 1;
				return;
			}
			v->uid = u;
			v->cap = v->n + added;
		}
		for (size_t i = from; i < f->mh.n; i++)
			v->uid[v->n++] = f->mh.m[i].uid;
		take_recent(s);
		session_reply(s, "* %zu EXISTS", v->n);
		session_reply(s, "* %zu RECENT", view_count_recent(v));
	}
	if (v->modseq != f->modseq) {
		size_t k = 0; /* the view and the folder ascend by UID: walk them in step */
		for (size_t i = 0; i < v->n && v->uid[i] <= last; i++) {
			while (k < f->mh.n && f->mh.m[k].uid < v->uid[i])
				k++;
			if (k < f->mh.n && f->mh.m[k].uid == v->uid[i] &&
			    f->mh.m[k].modseq > v->modseq) {
				dbuf_put_num(&s->out, "* ", i + 1);
				dbuf_puts(&s->out, " FETCH (");
				write_flags(s, &f->mh.m[k]);
				dbuf_puts(&s->out, ")\r\n");
			}
		}
		v->modseq = f->modseq;
	}
}

void write_flags(struct session *s, const struct mh_msg *m)
{
	int first = !view_is_recent(&s->view, m->uid);
	dbuf_puts(&s->out, first ? "FLAGS (" : "FLAGS (\\Recent");
	for (size_t i = 0; i < MH_FLAG_COUNT; i++)
		if (m->flags & mh_flags[i].bit) {
			if (!first)
				dbuf_puts(&s->out, " ");
			dbuf_puts(&s->out, mh_flags[i].imap);
			first = 0;
		}
	for (size_t i = 0; i < s->sel->mh.nkw; i++)
		if (m->keywords & ((uint64_t)1 << i)) {
			if (!first)
				dbuf_puts(&s->out, " ");
			dbuf_puts(&s->out, s->sel->mh.kw[i]);
			first = 0;
		}
	dbuf_puts(&s->out, ")");
}
