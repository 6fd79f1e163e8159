/* APPEND (UIDPLUS's APPENDUID), with the message streamed to a temporary
 * file in the target folder as it arrives (write.h). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mh_write.h"
#include "user.h"
#include "write.h"

/* APPEND mailbox [SP flag-list] [SP date-time] SP literal */
struct append {
	char *name, *data;
	size_t namelen, len;
	uint32_t bits;
	char *kw[FLAG_KEYWORDS_MAX];
	size_t nkw;
	int64_t date;
};

/* An APPEND whose message is being read: streamed into tmp, or refused
 * (answer set, dst NULL) and skipped. */
struct append_job {
	char tag[HANDOFF_FIELD_MAX_BYTES + 1];
	char answer[512]; /* a refused APPEND's answer, sent once the rest of it is read */
	struct folder *dst;
	struct append a;
	int err; /* a write failed (errno): the rest of the message is thrown away */
	struct mh_write_tmp tmp;
};

static void append_free_flags(struct append *a)
{
	for (size_t k = 0; k < a->nkw; k++)
		free(a->kw[k]);
	a->nkw = 0;
}

/* Everything before the message: mailbox SP [flag-list SP] [date-time SP]. */
static const char *p_append_head(struct imap_cur *c, struct append *a)
{
	char *d;
	size_t dn;
	if (!imap_p_astring(c, &a->name, &a->namelen) || !imap_p_sp(c))
		return "Expected APPEND mailbox [(flags)] [date-time] literal";
	if (imap_p_char(c, '(')) {
		if (!imap_p_char(c, ')')) {
			do {
				const char *err = flag_parse(c, &a->bits, a->kw, &a->nkw);
				if (err)
					return err;
			} while (imap_p_sp(c));
			if (!imap_p_char(c, ')'))
				return "Expected )";
		}
		if (!imap_p_sp(c))
			return "Expected the message";
	}
	a->date = -1;
	if (c->p < c->end && *c->p == '"') {
		if (!imap_p_string(c, &d, &dn) || !imap_parse_date_time(d, dn, &a->date) ||
		    !imap_p_sp(c))
			return "Expected a date-time \"dd-Mon-yyyy hh:mm:ss +zzzz\"";
	}
	return NULL;
}

static const char *p_append(struct imap_cur *c, struct append *a)
{
	const char *err = p_append_head(c, a);
	if (err)
		return err;
	if (!imap_p_string(c, &a->data, &a->len))
		return "Expected the message as a literal";
	if (!imap_p_end(c))
		return "Only one message per APPEND";
	return NULL;
}

static void answer_store_error(struct session *s, const char *tag, const struct folder *dst, int e)
{
	log_warn("unable to append to %s: %s", dst->path, strerror(e));
	session_reply(s, "%s NO [%s] Unable to store the message: %s", tag,
	              e == ENOSPC || e == EDQUOT ? "OVERQUOTA" : "SERVERBUG", strerror(e));
}

/* The whole message is in t: give it a number and its flags, answer. */
static void append_into(struct session *s, const char *tag, const struct append *a,
                        struct folder *dst, struct mh_write_tmp *t)
{
	uint32_t num;
	uint64_t ino;
	/* The folder may have grown while the message came. */
	folder_check(dst, cfg.unseen);
	if (!mh_write_commit(t, dst->mh.dirfd, a->date, write_next_num(dst), &num, &ino)) {
		answer_store_error(s, tag, dst, errno);
		return;
	}
	if (!write_new_flags(dst, num, a->bits, a->kw, a->nkw))
		log_warn("unable to set the flags of a message appended to %s: %s", dst->path,
		         strerror(errno));
	dst->dirty = 1;
	folder_check(dst, cfg.unseen);
	long k = mh_folder_find(&dst->mh, num);
	/* Its size on the wire is known: FETCH RFC822.SIZE need not read it. */
	if (k >= 0 && dst->mh.m[k].ino == ino && dst->mh.m[k].size == (int64_t)t->size &&
	    dst->mh.m[k].crlf_size < 0) {
		dst->mh.m[k].crlf_size = (int64_t)mh_write_crlf_size(t);
		folder_keep(dst, (size_t)k, NULL, 0);
	}
	if (s->sel == dst)
		session_sync(s, 1);
	if (k >= 0)
		session_reply(s, "%s OK [APPENDUID %u %u] APPEND completed", tag,
		              dst->state.uidvalidity, dst->mh.m[k].uid);
	else
		session_reply(s, "%s OK APPEND completed", tag);
}

/* APPEND assembled whole: only a message that is not a literal (a quoted
 * string) comes this way; literals are streamed. */
void cmd_append(struct session *s, const char *tag, struct imap_cur *c)
{
	struct append a = {0};
	char why[256];
	const char *err = p_append(c, &a);
	struct folder *dst = NULL;
	struct mh_write_tmp *t = NULL;
	if (err)
		session_reply(s, "%s BAD %s", tag, err);
	else if (!(dst = write_target(a.name, a.namelen, why, sizeof why)))
		session_reply(s, "%s NO %s", tag, why);
	else if (!(t = malloc(sizeof *t)) || !mh_write_open(t, dst->mh.dirfd, 1) ||
	         !mh_write_put(t, a.data, a.len))
		answer_store_error(s, tag, dst, errno);
	else
		append_into(s, tag, &a, dst, t);
	if (t) {
		mh_write_abort(t, dst->mh.dirfd);
		free(t);
	}
	if (dst)
		folder_close(dst);
	append_free_flags(&a);
}

static void job_free(struct append_job *j)
{
	if (j->dst) {
		mh_write_abort(&j->tmp, j->dst->mh.dirfd);
		folder_close(j->dst);
	}
	append_free_flags(&j->a);
	free(j);
}

static enum imap_lit_how refuse(struct append_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum imap_lit_how refuse(struct append_job *j, const char *fmt, ...)
{
	int n = snprintf(j->answer, sizeof j->answer, "%s ", j->tag);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof j->answer)
		vsnprintf(j->answer + n, sizeof j->answer - (size_t)n, fmt, ap);
	va_end(ap);
	if (j->dst) {
		mh_write_abort(&j->tmp, j->dst->mh.dirfd);
		folder_close(j->dst);
		j->dst = NULL;
	}
	return IMAP_LIT_REFUSE;
}

enum imap_lit_how append_literal(struct session *s, const char *tag, struct imap_cur *c,
                                 uint64_t size)
{
	if (s->append) /* a second message: MULTIAPPEND, which we do not offer */
		return refuse(s->append, "BAD Only one message per APPEND");
	if (imap_p_end(c)) /* the mailbox name is this literal */
		return IMAP_LIT_KEEP;
	struct append_job *j = malloc(sizeof *j);
	if (!j) {
		s->dead = 1; /* cannot even answer it properly */
		return IMAP_LIT_REFUSE;
	}
	memset(j, 0, offsetof(struct append_job, tmp));
	j->tmp.fd = -1;
	snprintf(j->tag, sizeof j->tag, "%s", tag);
	s->append = j;
	const char *err = p_append_head(c, &j->a);
	char why[256];
	if (!err && !imap_p_end(c))
		err = "Expected APPEND mailbox [(flags)] [date-time] literal";
	if (err)
		return refuse(j, "BAD %s", err);
	if (size > (uint64_t)APPEND_MAX_BYTES)
		return refuse(j, "NO [TOOBIG] The message is larger than %llu bytes",
		              (unsigned long long)APPEND_MAX_BYTES);
	if (!(j->dst = write_target(j->a.name, j->a.namelen, why, sizeof why)))
		return refuse(j, "NO %s", why);
	if (!mh_write_open(&j->tmp, j->dst->mh.dirfd, 1)) {
		int e = errno;
		log_warn("unable to append to %s: %s", j->dst->path, strerror(e));
		return refuse(j, "NO [%s] Unable to store the message: %s",
		              e == ENOSPC || e == EDQUOT ? "OVERQUOTA" : "SERVERBUG", strerror(e));
	}
	j->a.name = NULL; /* it pointed into the command buffer */
	return IMAP_LIT_STREAM;
}

void append_data(struct session *s, const char *p, size_t n)
{
	struct append_job *j = s->append;
	if (!j || !j->dst || j->err)
		return;
	if (!mh_write_put(&j->tmp, p, n)) {
		j->err = errno ? errno : EIO;
		mh_write_abort(&j->tmp, j->dst->mh.dirfd); /* give the space back now */
	}
}

void append_finish(struct session *s, struct imap_cur *rest)
{
	struct append_job *j = s->append;
	s->append = NULL;
	if (!j)
		return;
	if (!j->dst)
		session_reply(s, "%s", j->answer);
	else if (!imap_p_end(rest))
		session_reply(s, "%s BAD Only one message per APPEND", j->tag);
	else if (j->err)
		answer_store_error(s, j->tag, j->dst, j->err);
	else
		append_into(s, j->tag, &j->a, j->dst, &j->tmp);
	job_free(j);
}

void append_skipped(struct session *s)
{
	struct append_job *j = s->append;
	s->append = NULL;
	if (!j)
		return;
	session_reply(s, "%s", j->answer[0] ? j->answer : "* BAD Command refused");
	job_free(j);
}

void append_abort(struct session *s)
{
	if (s->append)
		job_free(s->append);
	s->append = NULL;
}
