/* One IMAP session after login: input assembly, command dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "log.h"
#include "trace.h"
#include "user.h"
#include "write.h"

void session_reply(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 3)
		n = (int)sizeof line - 3;
	memcpy(line + n, "\r\n", 2);
	if (!dbuf_put(&s->out, line, (size_t)n + 2))
		s->dead = 1;
}

struct session *session_new(const struct handoff *h)
{
	struct session *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	/* Address space only: pages become memory as a command fills them, and
	 * go back after a big one (release_command). */
	s->cmd = mmap(NULL, SESSION_COMMAND_MAX, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->cmd == MAP_FAILED) {
		free(s);
		return NULL;
	}
	s->fd_in = h->fd_in;
	s->fd_out = h->fd_out;
	snprintf(s->remote, sizeof s->remote, "%s", h->field[HF_REMOTE_IP]);
	fcntl(s->fd_in, F_SETFL, fcntl(s->fd_in, F_GETFL) | O_NONBLOCK);
	fcntl(s->fd_out, F_SETFL, fcntl(s->fd_out, F_GETFL) | O_NONBLOCK);
	int one = 1; /* answers leave as written; fails harmlessly on a socketpair */
	setsockopt(s->fd_out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	imap_reader_init(&s->rd, s->cmd, SESSION_COMMAND_MAX, SESSION_LINE_MAX);
	imap_reader_ask(&s->rd, 1); /* APPEND's message goes to disk as it comes */
	memcpy(s->in, h->pending, h->pending_len);
	s->in_len = h->pending_len;
	s->last = s->last_out = time(NULL);
	static unsigned next_id;
	s->id = ++next_id;
	trace_event(s->id, s->remote, "CONNECT", "", 0);
	session_reply(s, "%s OK [CAPABILITY " CAPABILITIES "] Logged in", h->field[HF_TAG]);
	log_info("session start user=%s remote=%s tls=%s", cfg.user, s->remote,
	         h->field[HF_TLS][0] ? h->field[HF_TLS] : "no");
	return s;
}

/* Drop the session's job, finished or not. */
static void job_free(struct session *s)
{
	if (s->job.kind == JOB_FETCH)
		fetch_free(s->job.u.fetch);
	else if (s->job.kind == JOB_SEARCH)
		search_job_free(s->job.u.search);
	s->job.kind = JOB_NONE;
}

/* Run the job's next part; returns 1 when it is done (answered). */
static int job_step(struct session *s)
{
	if (s->job.kind == JOB_FETCH)
		return fetch_step(s, s->job.u.fetch);
	return search_step(s, s->job.u.search);
}

int session_busy(const struct session *s)
{
	return s->job.kind != JOB_NONE;
}

int session_runnable(const struct session *s)
{
	/* A job whose output is not waiting to drain waits only for its turn. */
	return s->job.kind != JOB_NONE && !s->dead && dbuf_live(&s->out) < SESSION_OUT_HIGH;
}

long session_elapsed_ns(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

void session_free(struct session *s)
{
	trace_event(s->id, s->remote, "CLOSE", "", 0);
	job_free(s);
	append_abort(s);
	if (s->opening) {
		folder_peek_free(s->opening);
		free(s->opening);
	}
	if (s->sel) {
		folder_close(s->sel);
		view_free(&s->view);
	}
	seqset_free(&s->saved);
	close(s->fd_in);
	if (s->fd_out != s->fd_in)
		close(s->fd_out);
	dbuf_free(&s->out, 0);
	munmap(s->cmd, SESSION_COMMAND_MAX);
	free(s);
}

/* Done with the command: start the next, and give back the memory of a
 * big one (an APPEND of many megabytes). */
static void release_command(struct session *s)
{
	if (s->rd.len > SESSION_COMMAND_KEEP)
		madvise(s->cmd + SESSION_COMMAND_KEEP, s->rd.len - SESSION_COMMAND_KEEP,
		        MADV_DONTNEED);
	imap_reader_reset(&s->rd);
}

static void cmd_capability(struct session *s, const char *tag)
{
	session_reply(s, "* CAPABILITY " CAPABILITIES);
	session_reply(s, "%s OK CAPABILITY completed", tag);
}

/* ENABLE: nothing we know of is enabled by it yet (RFC 5161). */
static void cmd_enable(struct session *s, const char *tag, struct imap_cur *c)
{
	char *a;
	size_t n;
	int any = 0;
	while (imap_p_sp(c) && imap_p_atom(c, &a, &n))
		any = 1;
	if (!any || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected ENABLE capability...", tag);
		return;
	}
	session_reply(s, "* ENABLED");
	session_reply(s, "%s OK ENABLE completed", tag);
}

/* IDLE (RFC 2177): changes are pushed until the client says DONE. */
static void cmd_idle(struct session *s, const char *tag)
{
	if (s->state == ST_SELECTED)
		session_sync(s, 1);
	session_reply(s, "+ idling");
	snprintf(s->idle_tag, sizeof s->idle_tag, "%s", tag);
	s->idling = 1;
	s->idle_ping = time(NULL);
}

static void idle_done(struct session *s)
{
	struct imap_cur c = {s->cmd, s->cmd + s->rd.len};
	s->idling = 0;
	if (imap_p_word(&c, "DONE") && imap_p_end(&c))
		session_reply(s, "%s OK IDLE terminated", s->idle_tag);
	else
		session_reply(s, "%s BAD Expected DONE", s->idle_tag);
}

void session_idle_push(struct session *s, time_t now)
{
	if (!s->idling || s->dead)
		return;
	if (s->state == ST_SELECTED)
		session_sync(s, 1);
	if (now - s->idle_ping >= IDLE_PING_S) {
		session_reply(s, "* OK Still here");
		s->idle_ping = now;
	}
}

static void dispatch_selected(struct session *s, const char *tag, struct imap_cur *c, int uid)
{
	if (imap_p_word(c, "FETCH")) {
		if ((s->job.u.fetch = fetch_parse(s, tag, uid, c)))
			s->job.kind = JOB_FETCH;
	} else if (imap_p_word(c, "STORE")) {
		cmd_store(s, tag, uid, c);
	} else if (imap_p_word(c, "SEARCH")) {
		cmd_search(s, tag, uid, c);
	} else if (imap_p_word(c, "COPY")) {
		cmd_copy(s, tag, uid, c, 0);
	} else if (imap_p_word(c, "MOVE")) {
		cmd_copy(s, tag, uid, c, 1);
	} else if (imap_p_word(c, "EXPUNGE")) {
		cmd_expunge(s, tag, uid, c);
	} else if (!uid && imap_p_word(c, "CLOSE") && imap_p_end(c)) {
		if (!s->readonly)
			expunge_deleted(s, NULL);
		cmd_close(s, tag);
	} else if (!uid && imap_p_word(c, "UNSELECT") && imap_p_end(c)) {
		cmd_close(s, tag);
	} else if (!uid && imap_p_word(c, "CHECK") && imap_p_end(c)) {
		session_reply(s, "%s OK CHECK completed", tag);
	} else {
		session_reply(s, "%s BAD Unknown command", tag);
	}
}

/* Commands of the authenticated state (valid when selected too).
 * Returns 0 when the command is not one of them. */
static int dispatch_auth(struct session *s, const char *tag, struct imap_cur *c)
{
	if (imap_p_word(c, "CREATE") && imap_p_sp(c))
		cmd_create(s, tag, c);
	else if (imap_p_word(c, "DELETE") && imap_p_sp(c))
		cmd_delete(s, tag, c);
	else if (imap_p_word(c, "RENAME") && imap_p_sp(c))
		cmd_rename(s, tag, c);
	else if (imap_p_word(c, "SUBSCRIBE") && imap_p_sp(c))
		cmd_subscribe(s, tag, c, 1);
	else if (imap_p_word(c, "UNSUBSCRIBE") && imap_p_sp(c))
		cmd_subscribe(s, tag, c, 0);
	else if (imap_p_word(c, "APPEND") && imap_p_sp(c))
		cmd_append(s, tag, c);
	else
		return 0;
	return 1;
}

/* One assembled command. */
static void dispatch(struct session *s)
{
	struct imap_cur c = {s->cmd, s->cmd + s->rd.len};
	char *t, tag[HANDOFF_FIELD_MAX_BYTES + 1];
	size_t tlen;
	if (!imap_p_tag(&c, &t, &tlen) || tlen >= sizeof tag || !imap_p_sp(&c)) {
		session_reply(s, "* BAD Expected a tag and a command");
		return;
	}
	memcpy(tag, t, tlen);
	tag[tlen] = 0;
	if (imap_p_word(&c, "CAPABILITY") && imap_p_end(&c)) {
		cmd_capability(s, tag);
	} else if (imap_p_word(&c, "NOOP") && imap_p_end(&c)) {
		if (s->state == ST_SELECTED)
			session_sync(s, 1);
		session_reply(s, "%s OK NOOP completed", tag);
	} else if (imap_p_word(&c, "LOGOUT") && imap_p_end(&c)) {
		session_reply(s, "* BYE Logging out");
		session_reply(s, "%s OK LOGOUT completed", tag);
		s->state = ST_LOGOUT;
		s->dead = 1;
	} else if (imap_p_word(&c, "ID") && imap_p_sp(&c)) {
		session_reply(s, "* ID (\"name\" \"asimap\")");
		session_reply(s, "%s OK ID completed", tag);
	} else if (imap_p_word(&c, "NAMESPACE") && imap_p_end(&c)) {
		/* One personal namespace: the mail root, "/" between levels. */
		session_reply(s, "* NAMESPACE ((\"\" \"/\")) NIL NIL");
		session_reply(s, "%s OK NAMESPACE completed", tag);
	} else if (imap_p_word(&c, "IDLE") && imap_p_end(&c)) {
		cmd_idle(s, tag);
	} else if (imap_p_word(&c, "ENABLE")) {
		cmd_enable(s, tag, &c);
	} else if (imap_p_word(&c, "LIST") && imap_p_sp(&c)) {
		cmd_list(s, tag, &c, 0);
	} else if (imap_p_word(&c, "LSUB") && imap_p_sp(&c)) {
		cmd_list(s, tag, &c, 1);
	} else if (imap_p_word(&c, "SELECT") && imap_p_sp(&c)) {
		cmd_select(s, tag, &c, 0);
	} else if (imap_p_word(&c, "EXAMINE") && imap_p_sp(&c)) {
		cmd_select(s, tag, &c, 1);
	} else if (imap_p_word(&c, "STATUS") && imap_p_sp(&c)) {
		cmd_status(s, tag, &c);
	} else if (imap_p_word(&c, "LOGIN") || imap_p_word(&c, "AUTHENTICATE") ||
	           imap_p_word(&c, "STARTTLS")) {
		session_reply(s, "%s BAD Already logged in", tag);
	} else {
		struct imap_cur at = c;
		if (dispatch_auth(s, tag, &at))
			return;
		int uid = imap_p_word(&c, "UID") && imap_p_sp(&c);
		if (s->state == ST_SELECTED) {
			/* No EXPUNGE while answering FETCH, STORE or SEARCH (RFC 3501 7.4.1). */
			struct imap_cur peek = c;
			session_sync(s, uid || !(imap_p_word(&peek, "FETCH") ||
			                         imap_p_word(&peek, "STORE") ||
			                         imap_p_word(&peek, "SEARCH")));
			dispatch_selected(s, tag, &c, uid);
			return;
		}
		session_reply(s, "%s BAD Unknown command or no mailbox selected", tag);
	}
}

/* The tag of a refused command, if one can be found. */
static void refuse_literal(struct session *s)
{
	size_t n = 0;
	while (n < s->rd.len && n < 64 && s->cmd[n] != ' ')
		n++;
	session_reply(s, "%.*s BAD Literal too large", (int)(n ? n : 1), n ? s->cmd : "*");
}

/* A literal is announced: APPEND decides about its message, every other
 * literal goes into the command buffer. */
static enum imap_rd_status literal_announced(struct session *s)
{
	struct imap_cur c = {s->cmd, s->cmd + s->rd.lit_at};
	char *t, tag[HANDOFF_FIELD_MAX_BYTES + 1];
	size_t tlen;
	enum imap_lit_how how = IMAP_LIT_KEEP;
	if (!s->idling && imap_p_tag(&c, &t, &tlen) && tlen < sizeof tag && imap_p_sp(&c) &&
	    imap_p_word(&c, "APPEND") && imap_p_sp(&c)) {
		memcpy(tag, t, tlen);
		tag[tlen] = 0;
		how = append_literal(s, tag, &c, s->rd.lit_size);
	}
	return imap_reader_literal(&s->rd, how);
}

void session_pump(struct session *s)
{
	while (!s->dead && dbuf_live(&s->out) < SESSION_OUT_HIGH) {
		if (s->job.kind) {
			/* Not done: it waits for its output to drain (FETCH) or
			 * gives the other sessions their turn (SEARCH). */
			if (!job_step(s))
				break;
			job_free(s);
			release_command(s);
			continue;
		}
		if (s->in_off == s->in_len)
			break;
		if (s->opening) { /* the folder a SELECT answered, before the next command */
			select_finish(s);
			if (s->dead)
				break;
		}
		enum imap_rd_status st;
		const char *at = s->in + s->in_off;
		size_t used = imap_reader_feed(&s->rd, at, s->in_len - s->in_off, &st);
		s->in_off += used;
		if (st == IMAP_RD_LITERAL)
			st = literal_announced(s);
		switch (st) {
		case IMAP_RD_MORE:
		case IMAP_RD_LITERAL: /* answered above */
			break;
		case IMAP_RD_DATA:
			append_data(s, at, used);
			break;
		case IMAP_RD_SKIPPED:
			append_skipped(s);
			imap_reader_reset(&s->rd);
			break;
		case IMAP_RD_COMMAND:
			trace_event(s->id, s->remote, "RECEIVED", s->cmd, s->rd.len);
			if (s->append) { /* an APPEND whose message was streamed */
				struct imap_cur rest = {s->cmd + s->rd.stream_at,
				                        s->cmd + s->rd.len};
				append_finish(s, &rest);
			} else if (s->idling) {
				idle_done(s);
			} else {
				dispatch(s);
			}
			if (!s->job.kind)
				release_command(s);
			break;
		case IMAP_RD_CONTINUE:
			session_reply(s, "+ Ready for literal data");
			break;
		case IMAP_RD_LINE_TOO_LONG:
			session_reply(s, "* BYE Line too long");
			s->dead = 1;
			break;
		case IMAP_RD_LITERAL_TOO_BIG:
			refuse_literal(s);
			if (!s->rd.lit_sync) {
				session_reply(s, "* BYE Literal too large");
				s->dead = 1;
			}
			imap_reader_reset(&s->rd);
			break;
		}
	}
}
