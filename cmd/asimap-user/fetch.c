/* FETCH and UID FETCH: parsed once, then answered message by message,
 * only as fast as the client reads. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "envelope.h"
#include "imap_write.h"
#include "mime.h"
#include "log.h"
#include "user.h"

#define FETCH_STREAM_MIN (1 << 20) /* bodies of bigger files are sent in pieces */

static const char *const labels[] = {"", "HEADER", "TEXT", "HEADER.FIELDS", "HEADER.FIELDS.NOT"};

static int p_fields(struct imap_cur *c, struct fetch_item *it)
{
	if (!imap_p_sp(c) || !imap_p_char(c, '('))
		return 0;
	do {
		char *s;
		size_t n;
		if (it->nfields == FETCH_FIELDS_MAX || !imap_p_astring(c, &s, &n) || n == 0)
			return 0;
		for (size_t i = 0; i < n; i++) /* field-name: printable, no colon */
			if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
			    s[i] == ':')
				return 0;
		it->field[it->nfields].s = s;
		it->field[it->nfields].n = n;
		it->nfields++;
	} while (imap_p_sp(c));
	return imap_p_char(c, ')');
}

static const char *p_partial(struct imap_cur *c, struct fetch_item *it);

/* A section with part numbers ("1.2", "2.HEADER.FIELDS (To)", "3.MIME"):
 * kept as text, checked here, resolved per message by lib/mime. */
static const char *p_part(struct imap_cur *c, struct fetch_item *it)
{
	static struct mime_sec sec;
	char *end = memchr(c->p, ']', (size_t)(c->end - c->p));
	if (!end || !mime_sec_parse(c->p, (size_t)(end - c->p), &sec))
		return "Bad section";
	it->sec = SEC_PART;
	it->spec = c->p;
	it->speclen = (size_t)(end - c->p);
	c->p = end + 1;
	return p_partial(c, it);
}

/* "[" section "]" ["<" number "." nz-number ">"] after BODY or BODY.PEEK */
static const char *p_section(struct imap_cur *c, struct fetch_item *it)
{
	if (imap_p_char(c, ']'))
		it->sec = SEC_ALL;
	else if (imap_p_word(c, "HEADER.FIELDS.NOT")) {
		it->sec = SEC_FIELDS_NOT;
		if (!p_fields(c, it))
			return "Expected HEADER.FIELDS.NOT (field-name ...)";
	} else if (imap_p_word(c, "HEADER.FIELDS")) {
		it->sec = SEC_FIELDS;
		if (!p_fields(c, it))
			return "Expected HEADER.FIELDS (field-name ...)";
	} else if (imap_p_word(c, "HEADER"))
		it->sec = SEC_HEADER;
	else if (imap_p_word(c, "TEXT"))
		it->sec = SEC_TEXT;
	else if (c->p < c->end && *c->p >= '1' && *c->p <= '9')
		return p_part(c, it);
	else
		return "Unknown section";
	if (it->sec != SEC_ALL && !imap_p_char(c, ']'))
		return "Expected ]";
	return p_partial(c, it);
}

/* ["<" number "." nz-number ">"] */
static const char *p_partial(struct imap_cur *c, struct fetch_item *it)
{
	if (imap_p_char(c, '<')) {
		uint32_t len;
		if (!imap_p_number(c, &it->p_off) || !imap_p_char(c, '.') ||
		    !imap_p_number(c, &len) || len == 0 || !imap_p_char(c, '>'))
			return "Expected <origin.length>";
		it->partial = 1;
		it->p_len = len;
	}
	return NULL;
}

/* One fetch-att.  Returns NULL or what is wrong. */
static const char *p_att(struct imap_cur *c, struct fetch_job *j)
{
	if (j->nitems == FETCH_ITEMS_MAX)
		return "Too many fetch items";
	struct fetch_item *it = &j->item[j->nitems++];
	memset(it, 0, sizeof *it);
	if (imap_p_word(c, "FLAGS"))
		it->kind = FK_FLAGS;
	else if (imap_p_word(c, "UID"))
		it->kind = FK_UID;
	else if (imap_p_word(c, "INTERNALDATE"))
		it->kind = FK_IDATE;
	else if (imap_p_word(c, "RFC822.SIZE"))
		it->kind = FK_SIZE;
	else if (imap_p_word(c, "RFC822.HEADER")) {
		it->kind = FK_BODY;
		it->sec = SEC_HEADER;
		it->peek = 1;
		it->label = "RFC822.HEADER";
	} else if (imap_p_word(c, "RFC822.TEXT")) {
		it->kind = FK_BODY;
		it->sec = SEC_TEXT;
		it->label = "RFC822.TEXT";
	} else if (imap_p_word(c, "RFC822")) {
		it->kind = FK_BODY;
		it->label = "RFC822";
	} else if (imap_p_word(c, "BODY.PEEK[")) {
		it->kind = FK_BODY;
		it->peek = 1;
		return p_section(c, it);
	} else if (imap_p_word(c, "BODY[")) {
		it->kind = FK_BODY;
		return p_section(c, it);
	} else if (imap_p_word(c, "ENVELOPE")) {
		it->kind = FK_ENVELOPE;
	} else if (imap_p_word(c, "BODYSTRUCTURE")) {
		it->kind = FK_STRUCTURE;
		it->extended = 1;
	} else if (imap_p_word(c, "BODY")) {
		it->kind = FK_STRUCTURE;
	} else
		return "Unknown fetch item";
	return NULL;
}

static const char *p_atts(struct imap_cur *c, struct fetch_job *j)
{
	if (imap_p_word(c, "FAST")) {
		static const char fast[] = "FLAGS INTERNALDATE RFC822.SIZE";
		static char buf[sizeof fast];
		memcpy(buf, fast, sizeof fast);
		struct imap_cur m = {buf, buf + sizeof fast - 1};
		do
			p_att(&m, j);
		while (imap_p_sp(&m));
		return NULL;
	}
	static const struct {
		const char *name, *items;
	} macros[] = {{"ALL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE"},
	              {"FULL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY"}};
	for (size_t k = 0; k < 2; k++)
		if (imap_p_word(c, macros[k].name)) {
			static char buf[64];
			size_t len = strlen(macros[k].items);
			memcpy(buf, macros[k].items, len + 1);
			struct imap_cur m = {buf, buf + len};
			do
				p_att(&m, j);
			while (imap_p_sp(&m));
			return NULL;
		}
	if (!imap_p_char(c, '('))
		return p_att(c, j);
	do {
		const char *err = p_att(c, j);
		if (err)
			return err;
	} while (imap_p_sp(c));
	return imap_p_char(c, ')') ? NULL : "Expected )";
}

/* Body data fetched without PEEK sets \Seen (RFC 3501 6.4.5), before the
 * answer, which then carries the new FLAGS. */
static void set_seen(struct session *s, struct fetch_job *j)
{
	int body = 0, flags = 0;
	for (size_t k = 0; k < j->nitems; k++) {
		body |= j->item[k].kind == FK_BODY && !j->item[k].peek;
		flags |= j->item[k].kind == FK_FLAGS;
	}
	if (!body)
		return;
	uint64_t before = s->sel->modseq;
	int current = s->view.modseq == before;
	if (!store_seen(s, &j->set, j->uid)) {
		log_warn("unable to set \\Seen in %s: %s", s->sel->path, strerror(errno));
		return;
	}
	if (!flags && j->nitems < FETCH_ITEMS_MAX) {
		memset(&j->item[j->nitems], 0, sizeof j->item[0]);
		j->item[j->nitems++].kind = FK_FLAGS;
	}
	if (current) /* the answer tells the flags: no FETCH FLAGS for them later */
		s->view.modseq = s->sel->modseq;
}

static int needs(const struct fetch_job *j, int what);

struct fetch_job *fetch_parse(struct session *s, const char *tag, int uid, struct imap_cur *c)
{
	struct fetch_job *j = calloc(1, sizeof *j);
	size_t used;
	const char *err = NULL;
	if (!j) {
		session_reply(s, "%s NO [SERVERBUG] Out of memory", tag);
		return NULL;
	}
	snprintf(j->tag, sizeof j->tag, "%s", tag);
	j->uid = uid;
	if (!imap_p_sp(c) || !seqset_parse(&j->set, c->p, (size_t)(c->end - c->p), &used) ||
	    (c->p += used, c->p < c->end && *c->p != ' '))
		err = "Expected a sequence set";
	else if (!imap_p_sp(c))
		err = "Expected fetch items";
	else if (!(err = p_atts(c, j)) && !imap_p_end(c))
		err = "Unexpected text after fetch items";
	if (!err && !uid) {
		/* Message numbers past the end are a client error (RFC 3501 9). */
		size_t n = s->view.n;
		uint32_t top = seqset_resolve(&j->set, (uint32_t)n);
		if (top > n || (j->set.has_star && n == 0))
			err = "Message sequence number out of range";
	} else if (!err) {
		seqset_resolve(&j->set, s->view.n ? s->view.uid[s->view.n - 1] : 0);
	}
	j->light = !needs(j, 1) && !needs(j, 2) && !needs(j, 3);
	if (err) {
		session_reply(s, "%s BAD %s", tag, err);
		fetch_free(j);
		return NULL;
	}
	if (!s->readonly)
		set_seen(s, j);
	return j;
}

void fetch_free(struct fetch_job *j)
{
	if (j->streaming)
		close(j->sfd);
	seqset_free(&j->set);
	free(j);
}

static int field_listed(const struct fetch_item *it, const char *name, size_t n)
{
	for (size_t k = 0; k < it->nfields; k++)
		if (it->field[k].n == n && !strncasecmp(it->field[k].s, name, n))
			return 1;
	return 0;
}

/* The header fields named (or not named) by it, then an empty line. */
static int filter_fields(struct dbuf *out, const struct fetch_item *it, const char *d, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t start = i;
		do { /* a field and its continuation lines */
			const char *lf = memchr(d + i, '\n', n - i);
			i = lf ? (size_t)(lf - d) + 1 : n;
		} while (i < n && (d[i] == ' ' || d[i] == '\t'));
		const char *colon = memchr(d + start, ':', i - start);
		if (!colon)
			continue; /* the empty line or a broken one */
		size_t nlen = (size_t)(colon - (d + start));
		while (nlen && (d[start + nlen - 1] == ' ' || d[start + nlen - 1] == '\t'))
			nlen--;
		if (field_listed(it, d + start, nlen) == (it->sec == SEC_FIELDS) &&
		    !imap_w_crlf(out, d + start, i - start, 0))
			return 0;
	}
	return dbuf_put(out, "\r\n", 2);
}

static void write_label(struct session *s, const struct fetch_item *it)
{
	if (it->label) {
		dbuf_puts(&s->out, it->label);
		return;
	}
	dbuf_printf(&s->out, "BODY[%s", labels[it->sec]);
	if (it->nfields) {
		dbuf_puts(&s->out, " (");
		for (size_t k = 0; k < it->nfields; k++) {
			char *d = dbuf_reserve(&s->out, it->field[k].n + 1);
			if (!d)
				return;
			if (k)
				*d++ = ' ';
			for (size_t x = 0; x < it->field[k].n; x++)
				d[x] = (char)toupper((unsigned char)it->field[k].s[x]);
			dbuf_commit(&s->out, it->field[k].n + (k > 0));
		}
		dbuf_puts(&s->out, ")");
	}
	dbuf_puts(&s->out, "]");
	if (it->partial)
		dbuf_printf(&s->out, "<%u>", it->p_off);
}

/* BODY[part...]: found by lib/mime in the parsed message. */
static int write_part(struct session *s, const struct fetch_item *it, const char *d,
                      const struct mime_msg *mm)
{
	static struct mime_sec sec;
	struct mime_range r;
	if (!mime_sec_parse(it->spec, it->speclen, &sec))
		return 0;
	int found = mime_section(mm, d, &sec, &r);
	if (found < 0)
		return 0;
	dbuf_printf(&s->out, "BODY[%.*s]", (int)it->speclen, it->spec);
	if (it->partial)
		dbuf_printf(&s->out, "<%u>", it->p_off);
	uint64_t origin = it->partial ? it->p_off : 0, count = found ? r.size : 0;
	count = origin < count ? count - origin : 0;
	if (it->partial && count > it->p_len)
		count = it->p_len;
	int ok = count ? dbuf_printf(&s->out, " {%llu}\r\n", (unsigned long long)count) &&
	                     mime_range_write(&s->out, d, &r, origin, count, 1)
	               : dbuf_puts(&s->out, " \"\"");
	if (found)
		mime_range_free(&r);
	return ok;
}

/* BODY[...] of one message whose bytes are d[0..n), whose wire size is
 * crlf (-1: not known). */
static int write_body(struct session *s, const struct fetch_item *it, const char *d, size_t n,
                      int64_t crlf)
{
	static struct dbuf part;
	int labeled = 0;
	/* The whole message, its wire size known: made straight in the
	 * output, after its literal's length (and checked against it). */
	if (it->sec == SEC_ALL && !it->partial && crlf > 0 && (uint64_t)crlf <= n * (uint64_t)2) {
		char len[32];
		write_label(s, it);
		labeled = 1;
		size_t hl = (size_t)snprintf(len, sizeof len, " {%lld}\r\n", (long long)crlf);
		char *p = dbuf_reserve(&s->out, hl + (size_t)crlf);
		if (!p)
			return 0;
		memcpy(p, len, hl);
		if (imap_crlf_into(p + hl, (size_t)crlf, d, n, 0)) {
			dbuf_commit(&s->out, hl + (size_t)crlf);
			return 1;
		}
		/* Not that size after all: as any other section. */
	}
	size_t he = mime_header_end(d, n);
	int ok;
	dbuf_clear(&part);
	switch (it->sec) {
	case SEC_HEADER:
		ok = imap_w_crlf(&part, d, he, 0);
		break;
	case SEC_TEXT:
		ok = imap_w_crlf(&part, d + he, n - he, he ? d[he - 1] : 0);
		break;
	case SEC_FIELDS:
	case SEC_FIELDS_NOT:
		ok = filter_fields(&part, it, d, he);
		break;
	default:
		ok = imap_w_crlf(&part, d, n, 0);
		break;
	}
	if (!ok)
		return 0;
	const char *p = dbuf_data(&part);
	size_t len = dbuf_live(&part);
	if (it->partial) {
		size_t off = it->p_off < len ? it->p_off : len;
		p += off;
		len -= off;
		if (len > it->p_len)
			len = it->p_len;
	}
	if (!labeled)
		write_label(s, it);
	if (len == 0)
		return dbuf_puts(&s->out, " \"\"");
	return dbuf_printf(&s->out, " {%zu}\r\n", len) && dbuf_put(&s->out, p, len);
}

/* Does the job need the message's bytes (1), its metadata (2), or its
 * size (3)? */
static int needs(const struct fetch_job *j, int what)
{
	for (size_t k = 0; k < j->nitems; k++) {
		enum fetch_kind kind = j->item[k].kind;
		if (what == 1   ? kind == FK_BODY
		    : what == 2 ? kind == FK_ENVELOPE || kind == FK_STRUCTURE
		                : kind == FK_SIZE)
			return 1;
	}
	return 0;
}

/* Are the job's body items all of kinds sent straight from a file (the
 * whole message or its text), and is message m big enough for that? */
static int streamable(const struct fetch_job *j, const struct mh_msg *m)
{
	if (m->size < FETCH_STREAM_MIN)
		return 0;
	for (size_t k = 0; k < j->nitems; k++)
		if (j->item[k].kind == FK_BODY && j->item[k].sec != SEC_ALL &&
		    j->item[k].sec != SEC_TEXT)
			return 0;
	return 1;
}

/* Open message m's file for streaming: the file listed, or -1. */
static int open_listed(const struct folder *f, const struct mh_msg *m)
{
	char name[16];
	struct stat sb;
	snprintf(name, sizeof name, "%u", m->num);
	int fd = openat(f->mh.dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && (fstat(fd, &sb) < 0 || !mh_msg_is(m, mh_ident_of(&sb)))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Where the header of the file open at fd ends (after its first empty
 * line, as mime_header_end), its wire size, and its last byte; read a
 * piece at a time.  1, or 0 on a read error. */
static int scan_header(int fd, uint64_t *len, uint64_t *crlf, char *last)
{
	static char buf[1 << 16];
	uint64_t off = 0, size = 0;
	char prev = 0;
	int start = 1, cr = 0; /* at a line's start; a CR alone on it so far */
	ssize_t r;
	while ((r = pread(fd, buf, sizeof buf, (off_t)off)) > 0 || (r < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < r; i++) {
			char c = buf[i];
			size += 1 + (c == '\n' && prev != '\r');
			prev = c;
			if (c == '\n') {
				if (start || cr) {
					*len = off + (uint64_t)i + 1;
					*crlf = size;
					*last = c;
					return 1;
				}
				start = 1;
				cr = 0;
			} else {
				cr = start && c == '\r';
				start = 0;
			}
		}
		off += r > 0 ? (uint64_t)r : 0;
	}
	*len = off;
	*crlf = size;
	*last = prev;
	return r == 0;
}

/* Begin sending body item it of the message open at fd (wire size
 * total): the label and the literal's length now, the bytes from
 * fetch_step.  Returns 1 when a literal was begun, 0 when it is empty
 * (written whole), -1 on a read error. */
static int stream_begin(struct session *s, struct fetch_job *j, const struct fetch_item *it, int fd,
                        uint64_t total)
{
	off_t start = 0;
	char prev = 0;
	if (it->sec == SEC_TEXT) {
		uint64_t hlen, hcrlf;
		if (!scan_header(fd, &hlen, &hcrlf, &prev) || hcrlf > total)
			return -1;
		start = (off_t)hlen;
		total -= hcrlf;
	}
	uint64_t origin = it->partial ? it->p_off : 0;
	uint64_t count = origin < total ? total - origin : 0;
	if (it->partial && count > it->p_len)
		count = it->p_len;
	write_label(s, it);
	if (!count) {
		dbuf_puts(&s->out, " \"\"");
		return 0;
	}
	if (lseek(fd, start, SEEK_SET) < 0)
		return -1;
	dbuf_printf(&s->out, " {%llu}\r\n", (unsigned long long)count);
	j->s_skip = origin;
	j->s_left = count;
	j->s_prev = prev;
	return 1;
}

/* Parse the MIME structure of d once per message. */
static int parsed(struct mime_msg *mm, int *have, const char *d, size_t n)
{
	if (!*have)
		*have = mime_parse(d, n, mm);
	return *have;
}

/* The FETCH response for message i of the view, from item k on (0: the
 * whole response).  Returns 0 when the message is gone (nothing written),
 * 1 when the response is complete, 2 when a body is being sent from its
 * file (j->streaming: fetch_step sends it, then calls again for the rest). */
static int fetch_one(struct session *s, struct fetch_job *j, size_t i, size_t k)
{
	long at = folder_find(s->sel, s->view.uid[i]);
	if (at < 0) {
		if (k) /* gone while its body was sent: end the response */
			dbuf_puts(&s->out, ")\r\n");
		return k ? 1 : 0;
	}
	struct mh_msg *m = &s->sel->mh.m[at];
	char *d = NULL;
	size_t n = 0;
	int rc = 0, sfd = -1;
	int stream = streamable(j, m);
	if (!stream && needs(j, 1) && !(rc = mh_msg_read(&s->sel->mh, (size_t)at, &d, &n)))
		return 0;
	struct mh_meta mt = {0};
	mt.crlf_size = -1;
	/* The size alone is often known without the rest (APPEND counts it;
	 * a big file's is counted without reading it whole). */
	if ((needs(j, 3) || (stream && needs(j, 1))) && !needs(j, 2) && !d &&
	    (mt.crlf_size = folder_size(s->sel, (size_t)at)) < 0) {
		if (k)
			dbuf_puts(&s->out, ")\r\n");
		return k ? 1 : 0;
	}
	if (needs(j, 2) || (needs(j, 3) && mt.crlf_size < 0)) {
		const unsigned char *e = folder_meta(s->sel, (size_t)at, d, n, rc);
		if (!e) {
			if (errno != ENOENT)
				log_warn("unable to read message %u of %s: %s", m->num,
				         s->sel->path, strerror(errno));
			free(d);
			if (k)
				dbuf_puts(&s->out, ")\r\n");
			return k ? 1 : 0;
		}
		mh_meta_get(e, &mt);
	}
	if (stream && needs(j, 1) && (sfd = open_listed(s->sel, m)) < 0) {
		if (k)
			dbuf_puts(&s->out, ")\r\n");
		return k ? 1 : 0;
	}
	struct mime_msg mm = MIME_MSG_ZERO;
	int have_mm = 0;
	int sp = k > 0;
	if (!k) {
		dbuf_put_num(&s->out, "* ", i + 1);
		dbuf_puts(&s->out, " FETCH (");
		if (j->uid) {
			dbuf_put_num(&s->out, "UID ", m->uid);
			sp = 1;
		}
	}
	for (; k < j->nitems; k++) {
		const struct fetch_item *it = &j->item[k];
		if (it->kind == FK_UID && j->uid)
			continue;
		if (sp)
			dbuf_puts(&s->out, " ");
		sp = 1;
		switch (it->kind) {
		case FK_FLAGS:
			write_flags(s, m);
			break;
		case FK_UID:
			dbuf_put_num(&s->out, "UID ", m->uid);
			break;
		case FK_SIZE:
			if (mt.crlf_size >= 0)
				dbuf_put_num(&s->out, "RFC822.SIZE ",
				             (unsigned long long)mt.crlf_size);
			else
				dbuf_printf(&s->out, "RFC822.SIZE %lld", (long long)mt.crlf_size);
			break;
		case FK_IDATE:
			dbuf_puts(&s->out, "INTERNALDATE ");
			imap_w_date(&s->out, mh_msg_date(m));
			break;
		case FK_BODY:
			if (sfd >= 0) {
				int r = stream_begin(s, j, it, sfd, (uint64_t)mt.crlf_size);
				if (r > 0) {
					j->streaming = 1;
					j->sfd = sfd;
					j->s_item = k + 1;
					return 2;
				}
				if (r < 0)
					s->dead = 1;
			} else if (it->sec == SEC_PART
			               ? !parsed(&mm, &have_mm, d, n) || !write_part(s, it, d, &mm)
			               : !write_body(s, it, d, n, rc == 1 ? m->crlf_size : -1)) {
				s->dead = 1;
			}
			break;
		case FK_ENVELOPE:
			dbuf_puts(&s->out, "ENVELOPE ");
			dbuf_put(&s->out, mt.env, mt.env_len);
			break;
		case FK_STRUCTURE:
			dbuf_puts(&s->out, it->extended ? "BODYSTRUCTURE " : "BODY ");
			if (it->extended)
				dbuf_put(&s->out, mt.bs, mt.bs_len);
			else
				dbuf_put(&s->out, mt.body, mt.body_len);
			break;
		}
	}
	dbuf_puts(&s->out, ")\r\n");
	if (sfd >= 0)
		close(sfd);
	if (have_mm)
		mime_free(&mm);
	free(d);
	return 1;
}

/* Send more of the body being streamed, as far as the output queue
 * allows.  Returns 1 when it is all sent. */
static int stream_more(struct session *s, struct fetch_job *j)
{
	static char buf[1 << 16];
	static struct dbuf conv;
	while (j->s_left && dbuf_live(&s->out) < SESSION_OUT_HIGH) {
		ssize_t r = read(j->sfd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) { /* shorter than it was: the literal cannot be kept */
			log_warn(
			    "message file shrank while it was sent from %s: closing the session",
			    s->sel->path);
			s->dead = 1;
			return 1;
		}
		dbuf_clear(&conv);
		if (!imap_w_crlf(&conv, buf, (size_t)r, j->s_prev)) {
			s->dead = 1;
			return 1;
		}
		j->s_prev = buf[r - 1];
		const char *p = dbuf_data(&conv);
		uint64_t len = dbuf_live(&conv), drop = j->s_skip < len ? j->s_skip : len;
		p += drop;
		len -= drop;
		j->s_skip -= drop;
		if (len > j->s_left)
			len = j->s_left;
		dbuf_put(&s->out, p, (size_t)len);
		j->s_left -= len;
	}
	return j->s_left == 0;
}

int fetch_step(struct session *s, struct fetch_job *j)
{
	const struct view *v = &s->view;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* A turn ends when the output is queued high enough, or after about
	 * FETCH_SLICE_NS (metadata of big messages not cached yet): the
	 * user's other sessions are served between turns. */
	/* Flags and UIDs take well under a microsecond a message: reading the
	 * clock for each would be a good part of the work. */
	unsigned every = j->light ? FETCH_LIGHT_RUN : 1, n = 0;
	for (int first = 1; dbuf_live(&s->out) < SESSION_OUT_HIGH && !s->dead; first = 0) {
		if (!first && ++n % every == 0 && session_elapsed_ns(&t0) >= FETCH_SLICE_NS)
			return 0;
		if (j->streaming) {
			if (!stream_more(s, j) || s->dead)
				continue;
			close(j->sfd);
			j->streaming = 0;
			if (fetch_one(s, j, j->pos, j->s_item) != 2)
				j->pos++;
			continue;
		}
		if (j->range == j->set.n) {
			if (j->missing)
				session_reply(s,
				              "%s NO Some messages were removed by another program",
				              j->tag);
			else
				session_reply(s, "%s OK %sFETCH completed", j->tag,
				              j->uid ? "UID " : "");
			folder_save_cache(s->sel);
			return 1;
		}
		const struct seqset_range *r = &j->set.r[j->range];
		if (!j->started) {
			j->pos = j->uid ? view_lower(v, r->lo) : r->lo - 1;
			j->started = 1;
		}
		int past = j->uid ? j->pos >= v->n || v->uid[j->pos] > r->hi
		                  : j->pos >= (size_t)r->hi || j->pos >= v->n;
		if (past) {
			j->range++;
			j->started = 0;
			continue;
		}
		int got = fetch_one(s, j, j->pos, 0);
		if (!got)
			j->missing = 1;
		if (got != 2)
			j->pos++;
	}
	return 0;
}
