/* Mailbox commands: LIST, LSUB, SELECT, EXAMINE, STATUS, CLOSE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_write.h"
#include "log.h"
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
	dbuf_printf(&x->s->out, "* %s (%s) \"/\" ", x->lsub ? "LSUB" : "LIST",
	            has_children ? "\\HasChildren" : "\\HasNoChildren");
	imap_w_string(&x->s->out, name, strlen(name));
	dbuf_put(&x->s->out, "\r\n", 2);
	return 1;
}

/* Until subscriptions are kept, every folder counts as subscribed. */
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
	mh_list(cfg.rootfd, list_one, &x);
	session_reply(s, "%s OK %s completed", tag, cmd);
}

/* Open the folder a mailbox argument names.  Answers NO itself and
 * returns 0 when it cannot. */
static int open_folder(struct session *s, const char *tag, char *name, size_t n,
                       struct mh_folder *f)
{
	char path[MH_NAME_MAX_BYTES + 1];
	if (!mh_name_to_path(name, n, path)) {
		session_reply(s, "%s NO [CANNOT] Invalid mailbox name", tag);
		return 0;
	}
	int fd = mh_open_dir(cfg.rootfd, path);
	if (fd < 0) {
		session_reply(s, "%s NO [NONEXISTENT] No such mailbox", tag);
		return 0;
	}
	if (!mh_folder_load(f, fd, cfg.unseen)) {
		log_warn("unable to read folder %s: %s", path, strerror(errno));
		session_reply(s, "%s NO [SERVERBUG] Unable to read the mailbox", tag);
		return 0;
	}
	return 1;
}

void cmd_close(struct session *s, const char *tag)
{
	mh_folder_free(&s->folder);
	s->state = ST_AUTH;
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
	if (s->state == ST_SELECTED) {
		mh_folder_free(&s->folder);
		s->state = ST_AUTH;
	}
	if (!open_folder(s, tag, name, n, &s->folder))
		return;
	struct mh_folder *f = &s->folder;
	s->state = ST_SELECTED;
	s->readonly = 1;
	(void)readonly;
	dbuf_puts(&s->out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (size_t i = 0; i < f->nkw; i++)
		dbuf_printf(&s->out, " %s", f->kw[i]);
	dbuf_puts(&s->out, ")\r\n");
	session_reply(s, "* OK [PERMANENTFLAGS ()] Flags cannot be changed yet");
	session_reply(s, "* %zu EXISTS", f->n);
	session_reply(s, "* 0 RECENT");
	for (size_t i = 0; i < f->n; i++)
		if (!(f->m[i].flags & MH_SEEN)) {
			session_reply(s, "* OK [UNSEEN %zu] First unseen", i + 1);
			break;
		}
	session_reply(s, "* OK [UIDVALIDITY %u] UIDs valid", f->uidvalidity);
	session_reply(s, "* OK [UIDNEXT %u] Predicted next UID", f->n ? f->m[f->n - 1].num + 1 : 1);
	session_reply(s, "%s OK [READ-ONLY] %s completed", tag, readonly ? "EXAMINE" : "SELECT");
}

void cmd_status(struct session *s, const char *tag, struct imap_cur *c)
{
	static struct mh_folder f;
	char *name, *item;
	size_t n, ilen;
	struct imap_cur save;
	if (!imap_p_astring(c, &name, &n) || !imap_p_sp(c) || !imap_p_char(c, '(')) {
		session_reply(s, "%s BAD Expected STATUS mailbox (items)", tag);
		return;
	}
	save = *c;
	/* Check the items before touching the folder. */
	do {
		if (!imap_p_atom(c, &item, &ilen)) {
			session_reply(s, "%s BAD Expected STATUS items", tag);
			return;
		}
	} while (imap_p_sp(c));
	if (!imap_p_char(c, ')') || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected STATUS mailbox (items)", tag);
		return;
	}
	char saved = name[n];
	name[n] = 0; /* the name is printed back below */
	if (!open_folder(s, tag, name, n, &f))
		return;
	size_t unseen = 0;
	for (size_t i = 0; i < f.n; i++)
		unseen += !(f.m[i].flags & MH_SEEN);
	dbuf_puts(&s->out, "* STATUS ");
	imap_w_string(&s->out, name, n);
	name[n] = saved;
	dbuf_puts(&s->out, " (");
	*c = save;
	for (int first = 1; imap_p_atom(c, &item, &ilen); first = 0) {
		struct imap_cur w = {item, item + ilen};
		if (!first)
			dbuf_puts(&s->out, " ");
		if (imap_p_word(&w, "MESSAGES"))
			dbuf_printf(&s->out, "MESSAGES %zu", f.n);
		else if (imap_p_word(&w, "RECENT"))
			dbuf_puts(&s->out, "RECENT 0");
		else if (imap_p_word(&w, "UIDNEXT"))
			dbuf_printf(&s->out, "UIDNEXT %u", f.n ? f.m[f.n - 1].num + 1 : 1);
		else if (imap_p_word(&w, "UIDVALIDITY"))
			dbuf_printf(&s->out, "UIDVALIDITY %u", f.uidvalidity);
		else if (imap_p_word(&w, "UNSEEN"))
			dbuf_printf(&s->out, "UNSEEN %zu", unseen);
		imap_p_sp(c);
	}
	dbuf_puts(&s->out, ")\r\n");
	mh_folder_free(&f);
	session_reply(s, "%s OK STATUS completed", tag);
}

void write_flags(struct session *s, const struct mh_msg *m)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {{MH_SEEN, "\\Seen"},
	             {MH_ANSWERED, "\\Answered"},
	             {MH_FLAGGED, "\\Flagged"},
	             {MH_DELETED, "\\Deleted"},
	             {MH_DRAFT, "\\Draft"}};
	int first = 1;
	dbuf_puts(&s->out, "FLAGS (");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (m->flags & names[i].bit) {
			dbuf_printf(&s->out, "%s%s", first ? "" : " ", names[i].name);
			first = 0;
		}
	for (size_t i = 0; i < s->folder.nkw; i++)
		if (m->keywords & ((uint64_t)1 << i)) {
			dbuf_printf(&s->out, "%s%s", first ? "" : " ", s->folder.kw[i]);
			first = 0;
		}
	dbuf_puts(&s->out, ")");
}
