/* Mailbox commands: LIST, LSUB, SELECT, EXAMINE, STATUS, CLOSE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_write.h"
#include "log.h"
#include "mh_subs.h"
#include "user.h"

static int list_char(unsigned char ch)
{
	return imap_is_atom_char(ch) || ch == '%' || ch == '*' || ch == ']';
}

/* list-mailbox: a string, or 1*list-char. */
static int p_list_mailbox(struct imap_cur *c, char **s, size_t *n)
{
	if (imap_p_string(c, s, n))
		return 1;
	char *p = c->p;
	while (p < c->end && list_char((unsigned char)*p))
		p++;
	if (p == c->p)
		return 0;
	*s = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return 1;
}

/* Does name match pattern ("*" anything, "%" anything but "/")?  Dynamic
 * programming over one row: no recursion, O(len(p) * len(name)). */
static int match(const char *p, size_t pn, const char *name)
{
	size_t nn = strlen(name);
	unsigned char *row = calloc(nn + 1, 1), *next = calloc(nn + 1, 1);
	int ok = 0;
	if (!row || !next)
		goto out;
	row[0] = 1;
	for (size_t i = 0; i < pn; i++) {
		memset(next, 0, nn + 1);
		char pc = p[i];
		for (size_t j = 0; j <= nn; j++) {
			if (pc == '*' || pc == '%') {
				/* next[j] = row[j] or (next[j-1] and name[j-1] may be eaten) */
				next[j] = row[j] || (j > 0 && next[j - 1] &&
				                     (pc == '*' || name[j - 1] != '/'));
			} else if (j > 0) {
				next[j] = row[j - 1] && name[j - 1] == pc;
			}
		}
		unsigned char *t = row;
		row = next;
		next = t;
	}
	ok = row[nn];
out:
	free(row);
	free(next);
	return ok;
}

struct list_ctx {
	struct session *s;
	char pat[MH_NAME_MAX_BYTES * 2 + 2];
	size_t patlen;
	int lsub;
};

static int list_one(void *vctx, const char *name, int has_children)
{
	struct list_ctx *x = vctx;
	if (!match(x->pat, x->patlen, name))
		return 1;
	dbuf_printf(&x->s->out, "* LIST (%s) \"/\" ",
	            has_children ? "\\HasChildren" : "\\HasNoChildren");
	imap_w_string(&x->s->out, name, strlen(name));
	dbuf_put(&x->s->out, "\r\n", 2);
	return 1;
}

static int lsub_match(void *vctx, const char *name)
{
	const struct list_ctx *x = vctx;
	return match(x->pat, x->patlen, name);
}

static int lsub_one(void *vctx, const char *name, int noselect)
{
	struct list_ctx *x = vctx;
	dbuf_printf(&x->s->out, "* LSUB (%s) \"/\" ", noselect ? "\\Noselect" : "");
	imap_w_string(&x->s->out, name, strlen(name));
	dbuf_put(&x->s->out, "\r\n", 2);
	return 1;
}

/* LSUB: the subscribed names that match, whether their folders exist or
 * not, and for "%" the parents of subscribed names that match only
 * through them, as \Noselect (RFC 3501 6.3.9). */
static void lsub_list(struct list_ctx *x, const char *tag)
{
	struct mh_subs subs;
	mh_subs_init(&subs);
	if (!mh_subs_load(cfg.rootfd, &subs) ||
	    !mh_subs_lsub(&subs, memchr(x->pat, '%', x->patlen) != NULL, lsub_match, x, lsub_one,
	                  x)) {
		log_warn("unable to read the subscriptions: %s", strerror(errno));
		session_reply(x->s, "%s NO [SERVERBUG] Unable to read the subscriptions", tag);
	} else {
		session_reply(x->s, "%s OK LSUB completed", tag);
	}
	mh_subs_free(&subs);
}

void cmd_list(struct session *s, const char *tag, struct imap_cur *c, int lsub)
{
	static struct list_ctx x;
	char *ref, *pat;
	size_t rlen, plen;
	const char *cmd = lsub ? "LSUB" : "LIST";
	if (!imap_p_astring(c, &ref, &rlen) || !imap_p_sp(c) || !p_list_mailbox(c, &pat, &plen) ||
	    !imap_p_end(c) || rlen + plen > sizeof x.pat - 1) {
		session_reply(s, "%s BAD Expected %s reference mailbox", tag, cmd);
		return;
	}
	if (plen == 0) {
		if (!lsub)
			session_reply(s, "* LIST (\\Noselect) \"/\" \"\"");
		session_reply(s, "%s OK %s completed", tag, cmd);
		return;
	}
	x.s = s;
	x.lsub = lsub;
	memcpy(x.pat, ref, rlen);
	memcpy(x.pat + rlen, pat, plen);
	x.patlen = rlen + plen;
	/* INBOX is case-insensitive. */
	if (x.patlen >= 5 && !strncasecmp(x.pat, "INBOX", 5) && (x.patlen == 5 || x.pat[5] == '/'))
		memcpy(x.pat, "INBOX", 5);
	if (lsub) {
		lsub_list(&x, tag);
		return;
	}
	mh_list(cfg.rootfd, list_one, &x);
	session_reply(s, "%s OK %s completed", tag, cmd);
}

/* Open the folder a mailbox argument names.  Answers NO itself and
 * returns NULL when it cannot. */
static struct folder *open_folder(struct session *s, const char *tag, const char *name, size_t n)
{
	char path[MH_NAME_MAX_BYTES + 1];
	if (!mh_name_to_path(name, n, path)) {
		session_reply(s, "%s NO [CANNOT] Invalid mailbox name", tag);
		return NULL;
	}
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

/* Flags are read from .mh_sequences and, for now, cannot be changed. */
void cmd_select(struct session *s, const char *tag, struct imap_cur *c, int readonly)
{
	char *name;
	size_t n;
	if (!imap_p_astring(c, &name, &n) || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected a mailbox name", tag);
		return;
	}
	unselect(s);
	struct folder *f = open_folder(s, tag, name, n);
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
	dbuf_puts(&s->out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (size_t i = 0; i < f->mh.nkw; i++)
		dbuf_printf(&s->out, " %s", f->mh.kw[i]);
	dbuf_puts(&s->out, ")\r\n");
	if (readonly)
		session_reply(s, "* OK [PERMANENTFLAGS ()] Read-only mailbox");
	else
		session_reply(s, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
		                 "\\Draft \\*)] Flags permitted");
	session_reply(s, "* %zu EXISTS", s->view.n);
	session_reply(s, "* 0 RECENT");
	for (size_t i = 0; i < f->mh.n; i++)
		if (!(f->mh.m[i].flags & MH_SEEN)) {
			session_reply(s, "* OK [UNSEEN %zu] First unseen", i + 1);
			break;
		}
	session_reply(s, "* OK [UIDVALIDITY %u] UIDs valid", f->state.uidvalidity);
	session_reply(s, "* OK [UIDNEXT %u] Predicted next UID", f->state.uidnext);
	session_reply(s, "%s OK [%s] %s completed", tag, readonly ? "READ-ONLY" : "READ-WRITE",
	              readonly ? "EXAMINE" : "SELECT");
}

static const char *const status_items[] = {"MESSAGES",    "RECENT", "UIDNEXT",
                                           "UIDVALIDITY", "UNSEEN", NULL};

static int status_item(char *item, size_t len)
{
	for (int k = 0; status_items[k]; k++) {
		struct imap_cur w = {item, item + len};
		if (imap_p_word(&w, status_items[k]) && imap_p_end(&w))
			return k;
	}
	return -1;
}

void cmd_status(struct session *s, const char *tag, struct imap_cur *c)
{
	char *name, *item;
	size_t n, ilen;
	int items[8], nitems = 0;
	if (!imap_p_astring(c, &name, &n) || !imap_p_sp(c) || !imap_p_char(c, '(')) {
		session_reply(s, "%s BAD Expected STATUS mailbox (items)", tag);
		return;
	}
	do {
		int k = imap_p_atom(c, &item, &ilen) ? status_item(item, ilen) : -1;
		if (k < 0 || nitems == 8) {
			session_reply(s, "%s BAD Expected STATUS items", tag);
			return;
		}
		items[nitems++] = k;
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')') || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected STATUS mailbox (items)", tag);
		return;
	}
	struct folder *f = open_folder(s, tag, name, n);
	if (!f)
		return;
	size_t unseen = 0;
	for (size_t i = 0; i < f->mh.n; i++)
		unseen += !(f->mh.m[i].flags & MH_SEEN);
	dbuf_puts(&s->out, "* STATUS ");
	imap_w_string(&s->out, name, n);
	dbuf_puts(&s->out, " (");
	for (int k = 0; k < nitems; k++) {
		const char *sp = k ? " " : "";
		switch (items[k]) {
		case 0:
			dbuf_printf(&s->out, "%sMESSAGES %zu", sp, f->mh.n);
			break;
		case 1:
			dbuf_printf(&s->out, "%sRECENT 0", sp);
			break;
		case 2:
			dbuf_printf(&s->out, "%sUIDNEXT %u", sp, f->state.uidnext);
			break;
		case 3:
			dbuf_printf(&s->out, "%sUIDVALIDITY %u", sp, f->state.uidvalidity);
			break;
		default:
			dbuf_printf(&s->out, "%sUNSEEN %zu", sp, unseen);
			break;
		}
	}
	dbuf_puts(&s->out, ")\r\n");
	folder_close(f);
	session_reply(s, "%s OK STATUS completed", tag);
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
		size_t w = v->n;
		for (size_t i = v->n; i-- > 0;)
			if (folder_find(f, v->uid[i]) < 0) {
				session_reply(s, "* %zu EXPUNGE", i + 1);
				memmove(v->uid + i, v->uid + i + 1, (w - i - 1) * sizeof *v->uid);
				w--;
			}
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
		session_reply(s, "* %zu EXISTS", v->n);
	}
	if (v->modseq != f->modseq) {
		for (size_t i = 0; i < v->n; i++) {
			long k = folder_find(f, v->uid[i]);
			if (k >= 0 && f->mh.m[k].modseq > v->modseq && v->uid[i] <= last) {
				dbuf_printf(&s->out, "* %zu FETCH (", i + 1);
				write_flags(s, &f->mh.m[k]);
				dbuf_puts(&s->out, ")\r\n");
			}
		}
		v->modseq = f->modseq;
	}
}

void write_flags(struct session *s, const struct mh_msg *m)
{
	int first = 1;
	dbuf_puts(&s->out, "FLAGS (");
	for (size_t i = 0; i < MH_FLAG_COUNT; i++)
		if (m->flags & mh_flags[i].bit) {
			dbuf_printf(&s->out, "%s%s", first ? "" : " ", mh_flags[i].imap);
			first = 0;
		}
	for (size_t i = 0; i < s->sel->mh.nkw; i++)
		if (m->keywords & ((uint64_t)1 << i)) {
			dbuf_printf(&s->out, "%s%s", first ? "" : " ", s->sel->mh.kw[i]);
			first = 0;
		}
	dbuf_puts(&s->out, ")");
}
