/* LIST and LSUB (RFC 3501 6.3.8-9), with CHILDREN (RFC 3348),
 * LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC
 * 6154).
 *
 * One LIST is answered from a snapshot: the folders on disk (mh_list,
 * which does not go below a folder where no pattern can match), the
 * subscriptions when they matter, and for RECURSIVEMATCH the parents of
 * subscribed names.  Each name gets its facts (exists, has subfolders,
 * subscribed, matches a pattern, meets the selection criteria, has a
 * descendant that does), and the lines follow from them in strcmp order.
 * Every line carries \HasChildren or \HasNoChildren (about folders on
 * disk), and the special-use attribute of the folder, if any. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_list.h"
#include "imap_write.h"
#include "log.h"
#include "mh_subs.h"
#include "user.h"

/* Special use by name (RFC 6154 leaves to the server which mailboxes have
 * one), top-level folders only, with the names the Python asimap and the
 * clients that create these folders use: Apple Mail "Sent Messages",
 * "Deleted Messages", "Drafts", "Junk", "Archive"; Thunderbird "Sent",
 * "Trash", "Drafts", "Junk", "Archives"; others "Spam".  Case matters:
 * IMAP names other than INBOX are case-sensitive and so are MH folder
 * names, clients create these folders with exactly these spellings (and
 * find them again by the attribute), and a folder an nmh user made in
 * lower case ("drafts", nmh's usual Draft-Folder, or "sent") is theirs,
 * not one for a mail client to fill. */
static const struct {
	const char *name, *attr;
} special_use[] = {
    {"Drafts", "\\Drafts"},
    {"Sent", "\\Sent"},
    {"Sent Messages", "\\Sent"},
    {"Trash", "\\Trash"},
    {"Deleted Messages", "\\Trash"},
    {"Junk", "\\Junk"},
    {"Spam", "\\Junk"},
    {"Archive", "\\Archive"},
    {"Archives", "\\Archive"},
};

static const char *special_attr(const char *name)
{
	for (size_t i = 0; i < sizeof special_use / sizeof *special_use; i++)
		if (!strcmp(name, special_use[i].name))
			return special_use[i].attr;
	return NULL;
}

/* What is known of one name. */
struct ent {
	char *name; /* IMAP name (modified UTF-7), malloc'd */
	unsigned exists : 1, children : 1, subscribed : 1;
	unsigned matched : 1; /* matches a pattern */
	unsigned meets : 1;   /* meets the selection criteria */
	unsigned desc : 1;    /* a descendant meets them */
	unsigned hidden : 1;  /* one that matches no pattern does */
};

/* One LIST or LSUB at a time: the event loop runs one command at once. */
static struct job {
	struct session *s;
	struct imap_list_args a;
	char pat[IMAP_LIST_PATTERNS_MAX][IMAP_LIST_PATTERN_MAX_BYTES + 1];
	size_t patn[IMAP_LIST_PATTERNS_MAX], npat;
	struct ent *v;
	size_t n, cap;
	int nomem;
} job;

static int any_match(const char *name, int prefix)
{
	for (size_t i = 0; i < job.npat; i++)
		if (imap_list_match(job.pat[i], job.patn[i], name, prefix))
			return 1;
	return 0;
}

static struct ent *push(const char *name)
{
	if (job.n == job.cap) {
		size_t cap = job.cap ? job.cap * 2 : 64;
		struct ent *v = realloc(job.v, cap * sizeof *v);
		if (!v)
			return NULL;
		job.v = v;
		job.cap = cap;
	}
	struct ent *e = &job.v[job.n];
	memset(e, 0, sizeof *e);
	if (!(e->name = strdup(name)))
		return NULL;
	job.n++;
	return e;
}

static void job_free(void)
{
	for (size_t i = 0; i < job.n; i++)
		free(job.v[i].name);
	free(job.v);
	job.v = NULL;
	job.n = job.cap = 0;
	job.nomem = 0;
}

static int on_folder(void *ctx, const char *name, int kids)
{
	(void)ctx;
	struct ent *e = push(name);
	if (!e) {
		job.nomem = 1;
		return MH_LIST_STOP;
	}
	e->exists = 1;
	e->children = kids != 0;
	/* Below name only when some pattern could match something there. */
	char below[IMAP_LIST_NAME_MAX_BYTES + 2];
	size_t n = strlen(name);
	if (!kids || n >= IMAP_LIST_NAME_MAX_BYTES)
		return MH_LIST_SKIP;
	memcpy(below, name, n);
	memcpy(below + n, "/", 2);
	return any_match(below, 1) ? MH_LIST_DESCEND : MH_LIST_SKIP;
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

/* Sort by name and merge the facts of duplicates. */
static void sort_merge(void)
{
	if (!job.n)
		return;
	qsort(job.v, job.n, sizeof *job.v, cmp_ent);
	size_t w = 0;
	for (size_t i = 0; i < job.n; i++) {
		if (w && !strcmp(job.v[w - 1].name, job.v[i].name)) {
			struct ent *d = &job.v[w - 1], *e = &job.v[i];
			d->exists |= e->exists;
			d->children |= e->children;
			d->subscribed |= e->subscribed;
			free(e->name);
			continue;
		}
		job.v[w++] = job.v[i];
	}
	job.n = w;
}

/* The entry of name among the first n (sorted), or NULL. */
static struct ent *find_in(const char *name, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(job.v[mid].name, name);
		if (!c)
			return &job.v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct ent *find(const char *name)
{
	return find_in(name, job.n);
}

/* The canonical patterns: the reference before each pattern (RFC 3501
 * 6.3.8).  An extended LIST ignores empty patterns (RFC 5258 3). */
static void make_patterns(void)
{
	job.npat = 0;
	for (size_t i = 0; i < job.a.npat; i++) {
		if (job.a.extended && job.a.pat[i].n == 0)
			continue;
		char *p = job.pat[job.npat];
		memcpy(p, job.a.ref, job.a.reflen);
		memcpy(p + job.a.reflen, job.a.pat[i].s, job.a.pat[i].n);
		job.patn[job.npat] = job.a.reflen + job.a.pat[i].n;
		p[job.patn[job.npat++]] = 0;
	}
}

/* Add the subscriptions to the snapshot (sorted): as names of their own
 * when the selection is of subscribed names, else only as a fact of the
 * folders found.  Returns 1, or 0 (out of memory); sorted again. */
static int add_subscriptions(const struct mh_subs *subs)
{
	int sel = job.a.sel & IMAP_LIST_SEL_SUBSCRIBED;
	size_t walked = job.n; /* what is sorted; pushed names come after */
	int ok = 1;
	for (size_t i = 0; ok && i < subs->n; i++) {
		struct ent *e = find_in(subs->name[i], walked);
		if (!e && sel && !(e = push(subs->name[i]))) {
			ok = 0;
			break;
		}
		if (e)
			e->subscribed = 1;
		if (!sel || !(job.a.sel & IMAP_LIST_SEL_RECURSIVEMATCH))
			continue;
		/* A parent that matches may be listed for CHILDINFO even if
		 * it does not exist (RFC 5258 3.5): have one of each. */
		char parent[MH_NAME_MAX_BYTES + 1];
		snprintf(parent, sizeof parent, "%s", subs->name[i]);
		for (char *sl = strrchr(parent, '/'); sl; sl = strrchr(parent, '/')) {
			*sl = 0;
			if (any_match(parent, 0) && !push(parent))
				ok = 0;
		}
	}
	sort_merge();
	return ok;
}

/* The facts that follow from the others, and from descendants. */
static void judge(void)
{
	unsigned sel = job.a.sel;
	for (size_t i = 0; i < job.n; i++) {
		struct ent *e = &job.v[i];
		e->matched = any_match(e->name, 0);
		e->meets =
		    (sel & IMAP_LIST_SEL_SUBSCRIBED ? e->subscribed : e->exists) &&
		    (!(sel & IMAP_LIST_SEL_SPECIAL_USE) || (e->exists && special_attr(e->name)));
	}
	if (!(sel & IMAP_LIST_SEL_RECURSIVEMATCH))
		return;
	for (size_t i = 0; i < job.n; i++) {
		if (!job.v[i].meets)
			continue;
		char parent[IMAP_LIST_NAME_MAX_BYTES + 1];
		snprintf(parent, sizeof parent, "%s", job.v[i].name);
		for (char *sl = strrchr(parent, '/'); sl; sl = strrchr(parent, '/')) {
			*sl = 0;
			struct ent *p = find(parent);
			if (!p)
				continue;
			p->desc = 1;
			if (!job.v[i].matched)
				p->hidden = 1;
		}
	}
}

/* "(attributes)": \NonExistent (LIST) or \Noselect (LSUB, and an LSUB
 * parent that is not subscribed), the children, the special use, and
 * \Subscribed when asked for. */
static void put_attrs(struct dbuf *b, const struct ent *e, int lsub, int noselect)
{
	dbuf_puts(b, "(");
	if (lsub && (noselect || !e->exists))
		dbuf_puts(b, "\\Noselect ");
	else if (!e->exists)
		dbuf_puts(b, "\\NonExistent ");
	dbuf_puts(b, e->children ? "\\HasChildren" : "\\HasNoChildren");
	const char *su = e->exists && !noselect ? special_attr(e->name) : NULL;
	if (su)
		dbuf_printf(b, " %s", su);
	if (!lsub && (job.a.ret & IMAP_LIST_RET_SUBSCRIBED) && e->subscribed)
		dbuf_puts(b, " \\Subscribed");
	dbuf_puts(b, ")");
}

static void put_line(const struct ent *e, int lsub, int noselect, int childinfo)
{
	struct dbuf *b = &job.s->out;
	dbuf_puts(b, lsub ? "* LSUB " : "* LIST ");
	put_attrs(b, e, lsub, noselect);
	dbuf_puts(b, " \"/\" ");
	imap_w_string(b, e->name, strlen(e->name));
	if (childinfo) {
		/* The selection criteria a descendant meets (RFC 5258 3.5). */
		dbuf_puts(b, " (\"CHILDINFO\" (");
		if (job.a.sel & IMAP_LIST_SEL_SUBSCRIBED)
			dbuf_puts(b, job.a.sel & IMAP_LIST_SEL_SPECIAL_USE ? "\"SUBSCRIBED\" "
			                                                   : "\"SUBSCRIBED\"");
		if (job.a.sel & IMAP_LIST_SEL_SPECIAL_USE)
			dbuf_puts(b, "\"SPECIAL-USE\"");
		dbuf_puts(b, "))");
	}
	dbuf_puts(b, "\r\n");
}

/* The lines of LIST, in name order: the names that match and meet the
 * selection criteria, and with RECURSIVEMATCH those that match and have
 * a descendant that meets them but is not listed itself (RFC 5258 3.3,
 * 3.5), with CHILDINFO; a STATUS after each selectable one that meets
 * them, when asked (RFC 5819). */
static void list_lines(void)
{
	int rec = (job.a.sel & IMAP_LIST_SEL_RECURSIVEMATCH) != 0;
	for (size_t i = 0; i < job.n; i++) {
		const struct ent *e = &job.v[i];
		if (!e->matched || !(e->meets || (rec && e->hidden)))
			continue;
		put_line(e, 0, 0, rec && (e->meets ? e->desc : e->hidden));
		if ((job.a.ret & IMAP_LIST_RET_STATUS) && e->meets && e->exists &&
		    !status_mailbox(job.s, e->name, strlen(e->name), &job.a.status) &&
		    errno != ENOENT)
			log_warn("LIST-STATUS of %s: %s", e->name, strerror(errno));
	}
}

static int lsub_match(void *ctx, const char *name)
{
	(void)ctx;
	return any_match(name, 0);
}

static int lsub_emit(void *ctx, const char *name, int noselect)
{
	(void)ctx;
	const struct ent *f = find(name);
	struct ent none = {.name = (char *)(uintptr_t)name};
	put_line(f ? f : &none, 1, noselect, 0);
	return 1;
}

void cmd_list(struct session *s, const char *tag, struct imap_cur *c, int lsub)
{
	const char *cmd = lsub ? "LSUB" : "LIST", *err;
	if ((err = imap_list_parse(c, lsub, &job.a))) {
		session_reply(s, "%s BAD %s", tag, err);
		return;
	}
	job.s = s;
	make_patterns();
	if (!job.a.extended && job.a.pat[0].n == 0) {
		/* LIST "" "": the delimiter and the root (RFC 3501 6.3.8). */
		if (!lsub)
			session_reply(s, "* LIST (\\Noselect) \"/\" \"\"");
		session_reply(s, "%s OK %s completed", tag, cmd);
		return;
	}
	struct mh_subs subs;
	mh_subs_init(&subs);
	int need_subs = lsub || (job.a.ret & IMAP_LIST_RET_SUBSCRIBED);
	if (job.npat)
		mh_list(cfg.rootfd, on_folder, NULL); /* stops only for want of memory */
	sort_merge();
	if (!job.nomem && job.npat && need_subs && !mh_subs_load(cfg.rootfd, &subs)) {
		log_warn("unable to read the subscriptions: %s", strerror(errno));
		session_reply(s, "%s NO [SERVERBUG] Unable to read the subscriptions", tag);
		goto out;
	}
	if (job.nomem || (!lsub && !add_subscriptions(&subs))) {
		session_reply(s, "%s NO [SERVERBUG] Out of memory", tag);
		goto out;
	}
	if (lsub) {
		/* "%" also lists unsubscribed parents of subscribed names, as
		 * \Noselect (RFC 3501 6.3.9). */
		int parents = memchr(job.pat[0], '%', job.patn[0]) != NULL;
		if (job.npat && !mh_subs_lsub(&subs, parents, lsub_match, NULL, lsub_emit, NULL)) {
			session_reply(s, "%s NO [SERVERBUG] Out of memory", tag);
			goto out;
		}
	} else {
		judge();
		list_lines();
	}
	session_reply(s, "%s OK %s completed", tag, cmd);
out:
	mh_subs_free(&subs);
	job_free();
}
