/* Changing flags: STORE and UID STORE, and \Seen set by FETCH of body
 * data.  Flags are MH sequences (DESIGN.md): a change is one
 * read-modify-write of .mh_sequences under nmh's lock (lib/mh_seq), after
 * which the folder is reread, so what nmh sees and what IMAP says agree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mh_seq.h"
#include "user.h"

/* Sequences that are not keywords: nmh's own, the system flags', and the
 * Python asimap's. */
static int reserved(const char *name)
{
	static const char *const names[] = {"cur",     "unseen",  "Seen",  "Recent", "replied",
	                                    "flagged", "Deleted", "Draft", NULL};
	for (int i = 0; names[i]; i++)
		if (!strcasecmp(names[i], name))
			return 1;
	return !strcasecmp(name, cfg.unseen);
}

struct edit {
	char op; /* '+', '-' or '=' */
	uint32_t bits;
	char *kw[FLAG_KEYWORDS_MAX];
	size_t nkw;
	const struct folder *f; /* for '=': the keywords to clear */
	const uint32_t *nums;   /* message numbers, ascending */
	size_t n;
};

/* Apply fn to the runs of consecutive numbers (callers give existing messages). */
static int each_run(struct mh_seqs *sq, const struct edit *e, const char *name, int add)
{
	for (size_t i = 0; i < e->n;) {
		size_t j = i;
		while (j + 1 < e->n && e->nums[j + 1] == e->nums[j] + 1)
			j++;
		if (!(add ? mh_seq_add : mh_seq_remove)(sq, name, e->nums[i], e->nums[j]))
			return 0;
		i = j + 1;
	}
	return 1;
}

/* Keywords are compared without case (as SEARCH KEYWORD does). */
static int listed(const struct edit *e, const char *kw)
{
	for (size_t k = 0; k < e->nkw; k++)
		if (!strcasecmp(e->kw[k], kw))
			return 1;
	return 0;
}

/* Add keyword kw to the messages (to the folder's sequence of that name
 * in any case, when there is one), or remove it (from every such
 * sequence). */
static int edit_keyword(struct mh_seqs *sq, const struct edit *e, const char *kw, int add)
{
	int found = 0;
	for (size_t k = 0; k < e->f->mh.nkw && !(add && found); k++)
		if (!strcasecmp(e->f->mh.kw[k], kw)) {
			found = 1;
			if (!each_run(sq, e, e->f->mh.kw[k], add))
				return 0;
		}
	return found || !add || each_run(sq, e, kw, 1);
}

static int apply(struct mh_seqs *sq, void *ctx)
{
	const struct edit *e = ctx;
	for (size_t i = 0; i < MH_FLAG_COUNT; i++) {
		int has = (e->bits & mh_flags[i].bit) != 0;
		if (e->op != '=' && !has)
			continue;
		int set = e->op == '+' || (e->op == '=' && has);
		const char *seq = mh_flags[i].seq ? mh_flags[i].seq : cfg.unseen;
		if (!each_run(sq, e, seq, mh_flags[i].seq ? set : !set))
			return 0;
	}
	for (size_t k = 0; k < e->nkw; k++)
		if (!edit_keyword(sq, e, e->kw[k], e->op != '-'))
			return 0;
	if (e->op == '=')
		for (size_t k = 0; k < e->f->mh.nkw; k++)
			if (!listed(e, e->f->mh.kw[k]) && !each_run(sq, e, e->f->mh.kw[k], 0))
				return 0;
	return 1;
}

int seq_locking(void)
{
	const char *v = getenv("ENABLE_MH_FILE_LOCKING");
	return v && (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
	           ? MH_SEQ_NOLOCK
	           : MH_SEQ_LOCK;
}

/* Change the flags of the view's messages that the set (resolved) names.
 * Returns 1, or 0 with errno. */
static int change_flags(struct session *s, const struct seqset *set, int uid, struct edit *e)
{
	struct folder *f = s->sel;
	uint32_t *nums = malloc((s->view.n ? s->view.n : 1) * sizeof *nums);
	if (!nums)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < s->view.n; i++) {
		if (!seqset_contains(set, uid ? s->view.uid[i] : (uint32_t)(i + 1)))
			continue;
		long k = folder_find(f, s->view.uid[i]);
		if (k >= 0)
			nums[n++] = f->mh.m[k].num;
	}
	e->f = f;
	e->nums = nums;
	e->n = n;
	int ok = n == 0 || mh_seq_update(f->mh.dirfd, seq_locking(), apply, e);
	int err = errno;
	free(nums);
	f->dirty = 1; /* reread now rather than when inotify tells */
	folder_check(f, cfg.unseen);
	errno = err;
	return ok;
}

const char *flag_parse(struct imap_cur *c, uint32_t *bits, char **kw, size_t *nkw)
{
	char *a;
	size_t n;
	if (imap_p_char(c, '\\')) {
		if (!imap_p_atom(c, &a, &n))
			return "Expected a flag";
		for (size_t i = 0; i < MH_FLAG_COUNT; i++)
			if (strlen(mh_flags[i].imap) == n + 1 &&
			    !strncasecmp(mh_flags[i].imap + 1, a, n)) {
				*bits |= mh_flags[i].bit;
				return NULL;
			}
		return "Unknown system flag";
	}
	if (!imap_p_atom(c, &a, &n))
		return "Expected a flag";
	if (*nkw == FLAG_KEYWORDS_MAX || n > 255)
		return "Too many or too long keywords";
	char *k = strndup(a, n);
	if (!k)
		return "Out of memory";
	if (reserved(k)) {
		free(k);
		return "That keyword is reserved for an MH sequence";
	}
	for (size_t i = 0; i < *nkw; i++)
		if (!strcasecmp(kw[i], k)) {
			free(k);
			return NULL;
		}
	kw[(*nkw)++] = k;
	return NULL;
}

/* ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / (flag *(SP flag))) */
static const char *p_store(struct imap_cur *c, struct edit *e, int *silent)
{
	e->op = imap_p_char(c, '+') ? '+' : imap_p_char(c, '-') ? '-' : '=';
	if (!imap_p_word(c, "FLAGS"))
		return "Expected FLAGS, +FLAGS or -FLAGS";
	*silent = imap_p_word(c, ".SILENT");
	if (!imap_p_sp(c))
		return "Expected flags";
	int paren = imap_p_char(c, '(');
	if (!(paren && imap_p_char(c, ')'))) {
		do {
			const char *err = flag_parse(c, &e->bits, e->kw, &e->nkw);
			if (err)
				return err;
		} while (imap_p_sp(c));
		if (paren && !imap_p_char(c, ')'))
			return "Expected )";
	}
	return imap_p_end(c) ? NULL : "Unexpected text after the flags";
}

/* FETCH FLAGS for what changed since the view last looked, and for every
 * message of set unless silent. */
static void report(struct session *s, const struct seqset *set, int uid, int silent, uint64_t since)
{
	struct folder *f = s->sel;
	size_t k = 0; /* the view and the folder ascend by UID: walk them in step */
	for (size_t i = 0; i < s->view.n; i++) {
		while (k < f->mh.n && f->mh.m[k].uid < s->view.uid[i])
			k++;
		if (k == f->mh.n)
			break;
		if (f->mh.m[k].uid != s->view.uid[i] || f->mh.m[k].modseq <= since)
			continue; /* gone, or not changed (so not by this STORE either) */
		int mine = seqset_contains(set, uid ? s->view.uid[i] : (uint32_t)(i + 1));
		if (mine && silent)
			continue;
		dbuf_printf(&s->out, "* %zu FETCH (", i + 1);
		if (uid)
			dbuf_printf(&s->out, "UID %u ", s->view.uid[i]);
		write_flags(s, &f->mh.m[k]);
		dbuf_puts(&s->out, ")\r\n");
	}
	s->view.modseq = f->modseq;
}

void cmd_store(struct session *s, const char *tag, int uid, struct imap_cur *c)
{
	struct edit e = {0};
	struct seqset set = {0};
	size_t used;
	int silent = 0;
	const char *err = NULL;
	if (!imap_p_sp(c) || !seqset_parse(&set, c->p, (size_t)(c->end - c->p), &used))
		err = "Expected a sequence set";
	else if ((c->p += used, !imap_p_sp(c)))
		err = "Expected flags";
	else
		err = p_store(c, &e, &silent);
	if (!err) {
		uint32_t top = seqset_resolve(
		    &set, uid ? (s->view.n ? s->view.uid[s->view.n - 1] : 0) : (uint32_t)s->view.n);
		if (!uid && (top > s->view.n || (set.has_star && s->view.n == 0)))
			err = "Message sequence number out of range";
	}
	if (err) {
		session_reply(s, "%s BAD %s", tag, err);
	} else if (s->readonly) {
		session_reply(s, "%s NO [READ-ONLY] The mailbox was opened with EXAMINE", tag);
	} else {
		uint64_t since = s->view.modseq;
		if (!change_flags(s, &set, uid, &e)) {
			log_warn("unable to store flags in %s: %s", s->sel->path, strerror(errno));
			session_reply(s, "%s NO [%s] Unable to store the flags now", tag,
			              errno == EAGAIN ? "INUSE" : "SERVERBUG");
		} else {
			report(s, &set, uid, silent, since);
			session_reply(s, "%s OK %sSTORE completed", tag, uid ? "UID " : "");
		}
	}
	for (size_t k = 0; k < e.nkw; k++)
		free(e.kw[k]);
	seqset_free(&set);
}

int store_seen(struct session *s, const struct seqset *set, int uid)
{
	struct edit e = {0};
	e.op = '+';
	e.bits = MH_SEEN;
	return change_flags(s, set, uid, &e);
}
