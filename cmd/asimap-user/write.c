/* Writing messages: EXPUNGE and UID EXPUNGE, COPY and MOVE (UIDPLUS's
 * COPYUID), and what APPEND (append.c) shares with them.  Files are written
 * whole before they get a number (lib/mh_write); flags follow in
 * .mh_sequences (lib/mh_seq). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "imap_write.h"
#include "log.h"
#include "mh_journal.h"
#include "mh_seq.h"
#include "mh_write.h"
#include "user.h"
#include "write.h"

/* One new or removed message for a sequence edit. */
struct seq_msg {
	uint32_t num;
	uint32_t flags;
	uint64_t keywords;
};

struct seq_edit {
	const struct seq_msg *m;
	size_t n;
	const struct folder *kwsrc; /* names of keyword bits */
	int remove;                 /* take the numbers out of every sequence */
	char *const *names;         /* keywords for every message */
	size_t nnames;
};

static int collect_name(void *ctx, const char *name, const struct mh_seq_range *r, size_t n)
{
	(void)r;
	(void)n;
	char ***names = ctx;
	size_t k = 0;
	while ((*names)[k])
		k++;
	if (k == 255)
		return 0;
	(*names)[k] = strdup(name);
	return (*names)[k] != NULL;
}

static int edit_remove(struct mh_seqs *sq, const struct seq_edit *e)
{
	char *slots[256] = {0}, **names = slots;
	int ok = mh_seq_each(sq, collect_name, &names);
	for (size_t k = 0; ok && slots[k]; k++)
		for (size_t i = 0; ok && i < e->n; i++)
			ok = mh_seq_remove(sq, slots[k], e->m[i].num, e->m[i].num);
	for (size_t k = 0; slots[k]; k++)
		free(slots[k]);
	if (!ok && !errno)
		errno = E2BIG;
	return ok;
}

static int edit_add(struct mh_seqs *sq, const struct seq_edit *e)
{
	for (size_t i = 0; i < e->n; i++) {
		uint32_t num = e->m[i].num;
		if (!(e->m[i].flags & MH_SEEN) && !mh_seq_add(sq, cfg.unseen, num, num))
			return 0;
		for (size_t k = 0; k < MH_FLAG_COUNT; k++)
			if (mh_flags[k].seq && (e->m[i].flags & mh_flags[k].bit) &&
			    !mh_seq_add(sq, mh_flags[k].seq, num, num))
				return 0;
		for (size_t k = 0; e->kwsrc && k < e->kwsrc->mh.nkw; k++)
			if ((e->m[i].keywords >> k & 1) &&
			    !mh_seq_add(sq, e->kwsrc->mh.kw[k], num, num))
				return 0;
		for (size_t k = 0; k < e->nnames; k++)
			if (!mh_seq_add(sq, e->names[k], num, num))
				return 0;
	}
	return 1;
}

/* A new message's number may have been used before (the highest one,
 * expunged), and a crash may have left it in sequences: a new message
 * starts with no sequence but the ones it gets now. */
static int seq_apply(struct mh_seqs *sq, void *ctx)
{
	const struct seq_edit *e = ctx;
	return e->remove ? edit_remove(sq, e) : edit_remove(sq, e) && edit_add(sq, e);
}

static int seq_edit(struct folder *f, const struct seq_msg *m, size_t n, const struct folder *kwsrc,
                    int remove)
{
	struct seq_edit e = {m, n, kwsrc, remove, NULL, 0};
	return n == 0 || mh_seq_update(f->mh.dirfd, seq_locking(), seq_apply, &e);
}

uint32_t write_next_num(const struct folder *f)
{
	return f->mh.n ? f->mh.m[f->mh.n - 1].num + 1 : 1;
}

int write_new_flags(struct folder *f, uint32_t num, uint32_t bits, char *const *kw, size_t nkw)
{
	struct seq_msg m = {num, bits, 0};
	struct seq_edit e = {&m, 1, NULL, 0, kw, nkw};
	return mh_seq_update(f->mh.dirfd, seq_locking(), seq_apply, &e);
}

int expunge_deleted(struct session *s, const struct seqset *uids)
{
	struct folder *f = s->sel;
	folder_check(f, cfg.unseen);
	struct seq_msg *gone = malloc((f->mh.n ? f->mh.n : 1) * sizeof *gone);
	if (!gone)
		return 0;
	size_t n = 0;
	for (size_t i = f->mh.n; i-- > 0;) /* highest first */
		if ((f->mh.m[i].flags & MH_DELETED) &&
		    (!uids || seqset_contains(uids, f->mh.m[i].uid)))
			gone[n++].num = f->mh.m[i].num;
	int ok = 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = mh_write_remove(f->mh.dirfd, gone[i].num);
	int e = errno;
	if (n)
		mh_write_sync_dir(f->mh.dirfd);
	/* Stale numbers would give a later message the flags of a gone one. */
	if (!seq_edit(f, gone, n, NULL, 1))
		log_warn("unable to drop expunged messages from the sequences of %s: %s", f->path,
		         strerror(errno));
	free(gone);
	f->dirty = 1;
	session_sync(s, 1);
	errno = e;
	return ok;
}

void cmd_expunge(struct session *s, const char *tag, int uid, struct imap_cur *c)
{
	struct seqset set = {0};
	size_t used;
	if (uid && (!imap_p_sp(c) || !seqset_parse(&set, c->p, (size_t)(c->end - c->p), &used) ||
	            (c->p += used, !imap_p_end(c)))) {
		session_reply(s, "%s BAD Expected UID EXPUNGE sequence-set", tag);
		seqset_free(&set);
		return;
	}
	if (!uid && !imap_p_end(c)) {
		session_reply(s, "%s BAD Unexpected text after EXPUNGE", tag);
		return;
	}
	if (uid)
		seqset_resolve(&set, s->view.n ? s->view.uid[s->view.n - 1] : 0);
	if (s->readonly)
		session_reply(s, "%s NO [READ-ONLY] The mailbox was opened with EXAMINE", tag);
	else if (!expunge_deleted(s, uid ? &set : NULL))
		session_reply(s, "%s NO [SERVERBUG] Unable to remove every message: %s", tag,
		              strerror(errno));
	else
		session_reply(s, "%s OK %sEXPUNGE completed", tag, uid ? "UID " : "");
	seqset_free(&set);
}

/* Remove what writers that died left in f, now and then (write.h). */
static void sweep_temps(const struct folder *f)
{
	static struct {
		dev_t dev;
		ino_t ino;
		time_t at;
	} swept[64];
	static size_t next;
	struct stat sb;
	time_t now = time(NULL);
	if (fstat(f->mh.dirfd, &sb) < 0)
		return;
	size_t i = 0;
	while (i < 64 && (swept[i].dev != sb.st_dev || swept[i].ino != sb.st_ino))
		i++;
	if (i < 64 && now - swept[i].at < APPEND_SWEEP_S)
		return;
	if (i == 64)
		i = next++ % 64;
	swept[i].dev = sb.st_dev;
	swept[i].ino = sb.st_ino;
	swept[i].at = now;
	int n = mh_write_sweep(f->mh.dirfd, (int64_t)now - APPEND_TEMP_STALE_S);
	if (n > 0)
		log_info("removed %d stale temporary files from folder %s", n, f->path);
}

struct folder *write_target(const char *name, size_t n, char *why, size_t whylen)
{
	char path[MH_NAME_MAX_BYTES + 1];
	if (!mh_name_to_path(name, n, path)) {
		snprintf(why, whylen, "[CANNOT] Invalid mailbox name");
		return NULL;
	}
	struct folder *f = folder_open(path, cfg.unseen);
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(why, whylen, "[TRYCREATE] No such mailbox");
		else
			snprintf(why, whylen, "[SERVERBUG] Unable to open the mailbox: %s",
			         strerror(errno));
		return NULL;
	}
	folder_check(f, cfg.unseen);
	sweep_temps(f);
	return f;
}

/* The folder a target mailbox argument names; answers NO itself. */
static struct folder *open_target(struct session *s, const char *tag, const char *name, size_t n)
{
	char why[256];
	struct folder *f = write_target(name, n, why, sizeof why);
	if (!f)
		session_reply(s, "%s NO %s", tag, why);
	return f;
}

/* A UID set as RFC 4315 writes it: runs joined with ":", in the given order. */
static void write_uidset(struct dbuf *b, const uint32_t *u, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && u[j + 1] == u[j] + 1)
			j++;
		dbuf_printf(b, i ? ",%u" : "%u", u[i]);
		if (j > i)
			dbuf_printf(b, ":%u", u[j]);
		i = j + 1;
	}
}

/* COPY, and MOVE within one folder, are all or nothing across crashes
 * (lib/mh_journal): the copies are prepared (written whole, fsynced, not
 * numbered) a block at a time, each block journaled before its copies are
 * linked; the flags go to .mh_sequences, then the journal goes and the COPY
 * has happened.  A crash before that, or a failure, is undone by
 * write_recover.  MOVE between folders renames each message (atomic each)
 * and needs no journal; when it has to copy (EXDEV), each copy is linked
 * and the directory fsynced before its original is removed, so a crash
 * may leave a message in both folders but never in neither. */
struct copy {
	struct seq_msg *msgs; /* in the target, numbers and flags */
	uint32_t *src_uid, *src_num, *dst_uid;
	size_t n;
	struct mh_journal j; /* of a journaled COPY; fd -1 until begun */
};

static void copy_free(struct copy *cp)
{
	free(cp->msgs);
	free(cp->src_uid);
	free(cp->src_num);
	free(cp->dst_uid);
	mh_journal_close(&cp->j);
}

long write_recover(int dirfd, const char *path)
{
	long n = mh_journal_recover(dirfd, seq_locking());
	if (n > 0)
		log_info("undid an interrupted COPY into folder %s: removed %ld copies", path, n);
	else if (n < 0)
		log_warn("unable to undo an interrupted COPY into folder %s: %s", path,
		         strerror(errno));
	return n;
}

/* Move one message of the selected folder into dst (another folder) by
 * rename, or by a copy when they are on two file systems. */
static int move_one(struct session *s, struct folder *dst, const struct mh_msg *m, uint32_t first,
                    uint32_t *num)
{
	if (mh_write_move(s->sel->mh.dirfd, m->num, dst->mh.dirfd, first, num))
		return 1;
	if (errno != EXDEV)
		return 0;
	long k = folder_find(s->sel, m->uid);
	char *d;
	size_t n;
	if (k < 0 || !mh_msg_read(&s->sel->mh, (size_t)k, &d, &n))
		return 0;
	/* linked and the directory fsynced before the original goes */
	int ok = mh_write_add(dst->mh.dirfd, d, n, 0, mh_msg_date(m), first, num);
	free(d);
	if (ok)
		mh_write_remove(s->sel->mh.dirfd, m->num);
	return ok;
}

static void copy_record(struct copy *cp, const struct mh_msg *m, uint32_t num)
{
	cp->msgs[cp->n] = (struct seq_msg){num, m->flags, m->keywords};
	cp->src_uid[cp->n] = m->uid;
	cp->src_num[cp->n] = m->num;
	cp->n++;
}

/* A copy of message k of the selected folder, written whole into dst and
 * fsynced, not yet numbered. */
static int prepare_copy(struct session *s, struct folder *dst, size_t k, struct mh_write_tmp *t,
                        struct mh_write_ready *r)
{
	char *d;
	size_t n;
	r->fd = -1;
	r->name[0] = 0;
	if (!mh_msg_read(&s->sel->mh, k, &d, &n))
		return 0;
	int ok = mh_write_open(t, dst->mh.dirfd, 0) && mh_write_put(t, d, n) &&
	         mh_write_prepare(t, dst->mh.dirfd, mh_msg_date(&s->sel->mh.m[k]), r);
	mh_write_abort(t, dst->mh.dirfd);
	free(d);
	return ok;
}

/* The next block of messages to copy, from view position *i: prepared
 * into r[], their places in the selected folder in pick[]. */
static size_t prepare_block(struct session *s, const struct seqset *set, int uid,
                            struct folder *dst, size_t *i, struct mh_write_tmp *t,
                            struct mh_write_ready *r, size_t *pick, int *ok)
{
	size_t nb = 0;
	for (; *ok && *i < s->view.n && nb < MH_JOURNAL_BLOCK_MAX; ++*i) {
		if (!seqset_contains(set, uid ? s->view.uid[*i] : (uint32_t)(*i + 1)))
			continue;
		long k = folder_find(s->sel, s->view.uid[*i]);
		if (k < 0)
			continue;
		*ok = prepare_copy(s, dst, (size_t)k, t, &r[nb]);
		if (*ok)
			pick[nb++] = (size_t)k;
	}
	return nb;
}

/* The journaled COPY (above), up to the flags: every copy linked and the
 * directory fsynced, the journal still there.  On failure, what was
 * linked stays until write_recover undoes it. */
static int copy_journaled(struct session *s, const struct seqset *set, int uid, struct folder *dst,
                          struct copy *cp)
{
	struct mh_write_ready r[MH_JOURNAL_BLOCK_MAX];
	struct mh_journal_id id[MH_JOURNAL_BLOCK_MAX];
	size_t pick[MH_JOURNAL_BLOCK_MAX], i = 0;
	int dirfd = dst->mh.dirfd, ok = 1;
	struct mh_write_tmp *t = malloc(sizeof *t);
	long undone = write_recover(dirfd, dst->path); /* a journal the last one left */
	if (!t || undone < 0) {
		free(t);
		return 0;
	}
	if (undone)
		dst->dirty = 1;
	uint32_t first = write_next_num(dst);
	while (ok && i < s->view.n) {
		size_t nb = prepare_block(s, set, uid, dst, &i, t, r, pick, &ok);
		for (size_t b = 0; b < nb; b++)
			id[b] = (struct mh_journal_id){r[b].ino, r[b].size, r[b].mtime_ns};
		if (ok && nb && cp->j.fd < 0)
			ok = mh_journal_begin(&cp->j, dirfd);
		ok = ok && mh_journal_add(&cp->j, id, nb);
		for (size_t b = 0; b < nb; b++) {
			uint32_t num;
			if (ok && (ok = mh_write_link(&r[b], dirfd, first, &num))) {
				first = num + 1;
				copy_record(cp, &s->sel->mh.m[pick[b]], num);
			}
			mh_write_drop(&r[b], dirfd);
		}
	}
	free(t);
	return ok && (cp->n == 0 || mh_write_sync_dir(dirfd));
}

static int copy_all(struct session *s, const struct seqset *set, int uid, struct folder *dst,
                    int move, struct copy *cp)
{
	size_t cap = s->view.n ? s->view.n : 1;
	cp->msgs = calloc(cap, sizeof *cp->msgs);
	cp->src_uid = calloc(cap, sizeof *cp->src_uid);
	cp->src_num = calloc(cap, sizeof *cp->src_num);
	cp->dst_uid = calloc(cap, sizeof *cp->dst_uid);
	if (!cp->msgs || !cp->src_uid || !cp->src_num || !cp->dst_uid)
		return 0;
	if (!move || dst == s->sel)
		return copy_journaled(s, set, uid, dst, cp);
	uint32_t first = write_next_num(dst);
	for (size_t i = 0; i < s->view.n; i++) {
		if (!seqset_contains(set, uid ? s->view.uid[i] : (uint32_t)(i + 1)))
			continue;
		long k = folder_find(s->sel, s->view.uid[i]);
		if (k < 0)
			continue;
		const struct mh_msg *m = &s->sel->mh.m[k];
		uint32_t num;
		if (!move_one(s, dst, m, first, &num))
			return 0;
		first = num + 1;
		copy_record(cp, m, num);
	}
	return 1;
}

/* The flags of the copies, then the journal goes: the COPY has happened.
 * Or, when it failed, it is undone (RFC 3501 6.4.7).  Returns ok, or 0
 * with errno when the last step failed. */
static int copy_finish(struct session *s, struct folder *dst, struct copy *cp, int ok)
{
	if (ok && !seq_edit(dst, cp->msgs, cp->n, s->sel, 0))
		log_warn("unable to copy flags into %s: %s", dst->path, strerror(errno));
	if (ok && cp->j.fd >= 0)
		ok = mh_journal_commit(&cp->j, dst->mh.dirfd);
	if (!ok) {
		int e = errno;
		mh_journal_close(&cp->j);
		write_recover(dst->mh.dirfd, dst->path);
		cp->n = 0;
		errno = e;
	}
	return ok;
}

static void copy_reply(struct session *s, const char *tag, struct folder *dst,
                       const struct copy *cp, int move)
{
	if (cp->n) {
		dbuf_printf(&s->out, "%s OK [COPYUID %u ", move ? "*" : tag,
		            dst->state.uidvalidity);
		write_uidset(&s->out, cp->src_uid, cp->n);
		dbuf_puts(&s->out, " ");
		write_uidset(&s->out, cp->dst_uid, cp->n);
		dbuf_printf(&s->out, "] %s\r\n", move ? "Moved" : "COPY completed");
	}
	if (move) {
		session_sync(s, 1);
		session_reply(s, "%s OK MOVE completed", tag);
	} else if (!cp->n) {
		session_reply(s, "%s OK COPY completed", tag);
	}
}

void cmd_copy(struct session *s, const char *tag, int uid, struct imap_cur *c, int move)
{
	struct seqset set = {0};
	struct copy cp = {0};
	cp.j.fd = -1;
	size_t used, n;
	char *name;
	const char *what = move ? "MOVE" : "COPY";
	if (!imap_p_sp(c) || !seqset_parse(&set, c->p, (size_t)(c->end - c->p), &used) ||
	    (c->p += used, !imap_p_sp(c)) || !imap_p_astring(c, &name, &n) || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected %s sequence-set mailbox", tag, what);
		seqset_free(&set);
		return;
	}
	uint32_t top = seqset_resolve(&set, uid ? (s->view.n ? s->view.uid[s->view.n - 1] : 0)
	                                        : (uint32_t)s->view.n);
	struct folder *dst = NULL;
	if (!uid && (top > s->view.n || (set.has_star && !s->view.n)))
		session_reply(s, "%s BAD Message sequence number out of range", tag);
	else if (move && s->readonly)
		session_reply(s, "%s NO [READ-ONLY] The mailbox was opened with EXAMINE", tag);
	else
		dst = open_target(s, tag, name, n);
	if (!dst) {
		seqset_free(&set);
		return;
	}
	int ok = copy_all(s, &set, uid, dst, move, &cp);
	int err = errno;
	if (!move || dst == s->sel) {
		ok = copy_finish(s, dst, &cp, ok);
		err = ok ? err : errno;
	} else if (!seq_edit(dst, cp.msgs, cp.n, s->sel, 0)) {
		log_warn("unable to copy flags into %s: %s", dst->path, strerror(errno));
	}
	dst->dirty = 1;
	folder_check(dst, cfg.unseen);
	for (size_t i = 0; i < cp.n; i++) {
		long k = mh_folder_find(&dst->mh, cp.msgs[i].num);
		cp.dst_uid[i] = k >= 0 ? dst->mh.m[k].uid : 0;
	}
	if (move && cp.n) {
		struct seq_msg *gone = calloc(cp.n, sizeof *gone);
		for (size_t i = 0; gone && i < cp.n; i++) {
			gone[i].num = cp.src_num[i];
			if (dst == s->sel) /* copied, not renamed: the original goes now */
				mh_write_remove(s->sel->mh.dirfd, cp.src_num[i]);
		}
		if (!gone || !seq_edit(s->sel, gone, cp.n, NULL, 1))
			log_warn("unable to drop moved messages from the sequences of %s",
			         s->sel->path);
		free(gone);
		s->sel->dirty = 1;
	}
	if (ok) {
		copy_reply(s, tag, dst, &cp, move);
	} else {
		log_warn("unable to %s into %s: %s", what, dst->path, strerror(err));
		if (move)
			session_sync(s, 1);
		session_reply(s, "%s NO [SERVERBUG] Unable to %s every message: %s", tag, what,
		              strerror(err));
	}
	folder_close(dst);
	copy_free(&cp);
	seqset_free(&set);
}
