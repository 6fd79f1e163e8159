/* Unit tests for lib/mime: the part tree of every corpus message (whole,
 * as CRLF, and cut at every length), hand-made edge cases whose expected
 * structures were checked against Dovecot, the limits, and BODY[section].
 * The corpus is ../shared/corpus/mime (or $ASIMAP_CORPUS). */
#include "check.h"
#include "envelope.h"
#include "imap_write.h"
#include "mime.h"

#include <dirent.h>
#include <stdlib.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n = 0, k;
	if (!f)
		return NULL;
	do {
		if (n == cap) {
			char *q = realloc(p, cap = cap ? 2 * cap : 4096);
			if (!q)
				break;
			p = q;
		}
		k = fread(p + n, 1, cap - n, f);
		n += k;
	} while (k);
	fclose(f);
	*len = n;
	return p;
}

static uint64_t lfs(const char *s, uint64_t n)
{
	uint64_t c = 0;
	for (uint64_t i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

/* The tree covers the message; every part lies inside its parent; sizes
 * are those of the CRLF form of the ranges. */
static int consistent(const struct mime_msg *m, const char *msg, size_t len)
{
	int ok = m->nparts >= 1 && m->part[0].hdr_off == 0 &&
	         m->part[0].hdr_len + m->part[0].body_len == len &&
	         m->part[0].hdr_size + m->part[0].body_size == imap_crlf_size(msg, len, 0);
	for (size_t i = 0; ok && i < m->nparts; i++) {
		const struct mime_part *q = &m->part[i];
		uint64_t b = mime_body_off(q), end = b + q->body_len;
		char before = q->hdr_off ? msg[q->hdr_off - 1] : 0;
		ok = end <= len && q->depth < MIME_DEPTH_MAX &&
		     q->hdr_size == imap_crlf_size(msg + q->hdr_off, q->hdr_len, before) &&
		     q->body_size == imap_crlf_size(msg + b, q->body_len, b ? msg[b - 1] : 0) &&
		     q->body_lines == lfs(msg + b, q->body_len);
		if (ok && i) {
			const struct mime_part *up = &m->part[q->parent];
			ok = q->parent < i && q->hdr_off >= mime_body_off(up) &&
			     end <= mime_body_off(up) + up->body_len && q->depth == up->depth + 1;
		}
		if (ok && (q->flags & MIME_RFC822))
			ok = q->child != MIME_NONE && m->part[q->child].next == MIME_NONE;
	}
	return ok;
}

static char *crlf_copy(const char *msg, size_t len, size_t *n)
{
	char *out = malloc(2 * len + 1);
	size_t k = 0;
	for (size_t i = 0; out && i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = msg[i];
	}
	*n = k;
	return out;
}

static void body_of(const struct mime_msg *m, const char *msg, int ext, struct dbuf *b)
{
	dbuf_clear(b);
	CHECK(bodystructure_write(b, m, msg, ext));
	CHECK(dbuf_put(b, "", 1));
}

/* A CRLF copy has the same structure: every size is of the CRLF form. */
static void check_crlf_same(const struct mime_msg *m, const char *msg, size_t len)
{
	size_t n;
	char *c = crlf_copy(msg, len, &n);
	struct mime_msg m2;
	struct dbuf b1 = DBUF_ZERO, b2 = DBUF_ZERO;
	CHECK(c && mime_parse(c, n, &m2));
	CHECK(m2.nparts == m->nparts);
	for (size_t i = 0; i < m->nparts && i < m2.nparts; i++) {
		const struct mime_part *a = &m->part[i], *z = &m2.part[i];
		CHECK(a->flags == z->flags && a->hdr_size == z->hdr_size &&
		      a->body_size == z->body_size && a->body_lines == z->body_lines &&
		      a->parent == z->parent && a->depth == z->depth);
	}
	body_of(m, msg, 1, &b1);
	body_of(&m2, c, 1, &b2);
	CHECK_STR(dbuf_data(&b1), dbuf_data(&b2));
	dbuf_free(&b1, 0);
	dbuf_free(&b2, 0);
	mime_free(&m2);
	free(c);
}

static void check_prefixes(const char *msg, size_t len)
{
	size_t step = len > 4000 ? len / 997 : 1, bad = 0;
	for (size_t n = 0; n <= len; n += step) {
		struct mime_msg m;
		if (!mime_parse(msg, n, &m) || !consistent(&m, msg, n))
			bad++;
		mime_free(&m);
	}
	CHECK(bad == 0);
}

static void corpus(void)
{
	const char *dir =
	    getenv("ASIMAP_CORPUS") ? getenv("ASIMAP_CORPUS") : "../shared/corpus/mime";
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		char path[4096];
		size_t len;
		if (!strstr(e->d_name, ".eml"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		char *msg = slurp(path, &len);
		struct mime_msg m;
		CHECK(msg && mime_parse(msg, len, &m));
		if (!msg)
			continue;
		files++;
		if (!consistent(&m, msg, len))
			fprintf(stderr, "inconsistent tree: %s\n", path);
		CHECK(consistent(&m, msg, len));
		check_crlf_same(&m, msg, len);
		check_prefixes(msg, len);
		mime_free(&m);
		free(msg);
	}
	if (d)
		closedir(d);
	CHECK(files >= 19);
}

/* BODYSTRUCTURE of msg, as Dovecot 2.3 writes it (with its literals
 * written as quoted strings). */
static void expect_bs(const char *msg, const char *want)
{
	struct mime_msg m;
	struct dbuf b = DBUF_ZERO;
	CHECK(mime_parse(msg, strlen(msg), &m));
	CHECK(consistent(&m, msg, strlen(msg)));
	body_of(&m, msg, 1, &b);
	if (strcmp(dbuf_data(&b), want))
		fprintf(stderr, "got:  %s\nwant: %s\n", dbuf_data(&b), want);
	CHECK_STR(dbuf_data(&b), want);
	dbuf_free(&b, 0);
	mime_free(&m);
}

#define TP "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\""

static void edge_cases(void)
{
	/* parts ended by boundaries inside their header, nested parts ended by
	 * an outer boundary, preamble and epilogue */
	expect_bs("From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n"
	          "preamble\n--x\nContent-Type: text/plain\n--x\n\n--x\n"
	          "Content-Type: multipart/alternative; boundary=xy\n\n--xy\n\ninner\n--x\n\nlast\n"
	          "--x--\nepilogue\n",
	          "((" TP " 0 0 NIL NIL NIL NIL)(" TP " 0 0 NIL NIL NIL NIL)((" TP
	          " 5 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"xy\") NIL NIL NIL)(" TP
	          " 4 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"x\") NIL NIL NIL)");
	/* a longer boundary that starts with the outer one */
	expect_bs("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"ab\"\n\n--ab\n"
	          "Content-Type: multipart/mixed; boundary=\"abc\"\n\n--abc\n\nin abc\n--ab\n\n"
	          "in ab\n--abc\n\nmore\n--ab--\n",
	          "(((" TP " 6 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"abc\") NIL NIL NIL)(" TP
	          " 5 0 NIL NIL NIL NIL)(" TP " 4 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" "
	          "\"ab\") NIL NIL NIL)");
	/* message/rfc822 holding a multipart without its final boundary */
	expect_bs("From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
	          "--b\nContent-Type: message/rfc822\n\nSubject: inner\n"
	          "Content-Type: multipart/alternative; boundary=c\n\n--c\n\none\n--c\n\ntwo\n",
	          "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 91 (NIL \"inner\" NIL NIL NIL NIL "
	          "NIL NIL NIL NIL) ((" TP " 3 0 NIL NIL NIL NIL)(" TP " 5 1 NIL NIL NIL NIL) "
	          "\"alternative\" (\"boundary\" \"c\") NIL NIL NIL) 9 NIL NIL NIL NIL) \"mixed\" "
	          "(\"boundary\" \"b\") NIL NIL NIL)");
	/* multipart/digest: parts without Content-Type are messages */
	expect_bs("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: digest child\n\n"
	          "hi\n--d\nContent-Type: text/plain\n\nplain\n--d--\n",
	          "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 27 (NIL \"digest child\" NIL NIL "
	          "NIL NIL NIL NIL NIL NIL) (" TP " 2 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL)(" TP
	          " 5 0 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL)");
	/* every Content-* field, RFC 2231 continuations */
	expect_bs(
	    "Content-Type: TEXT/Plain; CHARSET=ISO-8859-1; Name*0=a; x=y; Name*1=b; "
	    "t*0*=utf-8%27%27%41; t*1*=b\nContent-Transfer-Encoding: QUOTED-PRINTABLE\n"
	    "Content-ID: <cid>\nContent-Description: desc\n  folded\n"
	    "Content-Disposition: Attachment; filename=\"f.txt\"; size=3\n"
	    "Content-Language: en-US, de\nContent-Location: http://x/y\n"
	    "Content-MD5: abc=\n\nx=3D\n",
	    "(\"TEXT\" \"Plain\" (\"CHARSET\" \"ISO-8859-1\" \"x\" \"y\" \"Name\" \"ab\" \"t*\" "
	    "\"utf-8%27%27%41b\") \"<cid>\" \"desc  folded\" \"QUOTED-PRINTABLE\" 6 1 "
	    "\"abc=\" (\"Attachment\" (\"filename\" \"f.txt\" \"size\" \"3\")) (\"en-US\" "
	    "\"de\") \"http://x/y\")");
}

static void edge_cases_simple(void)
{
	/* a multipart without a boundary has one empty text part */
	expect_bs("From: a@b\nContent-Type: multipart/mixed\n\npreamble\n--x\n\nbody\n",
	          "((" TP " 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)");
	/* Content-* fields do not count without MIME-Version or Content-Type */
	expect_bs("From: a@b\nContent-Transfer-Encoding: base64\nContent-Description: d\n\nbody\n",
	          "(" TP " 6 1 NIL NIL NIL NIL)");
	/* CRLF, a bare LF and a bare CR */
	expect_bs("Subject: crlf\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\nbare\rcr\r\n",
	          "(" TP " 23 3 NIL NIL NIL NIL)");
	/* 8-bit text and quoted-printable */
	expect_bs(
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n\xc3\xa4\xc3\xb6\n",
	    "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 6 1 NIL NIL NIL NIL)");
	expect_bs(
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n",
	    "(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 8 1 "
	    "NIL NIL NIL NIL)");
	/* a plain 7-bit text is written in one canonical form */
	expect_bs("MIME-Version: 1.0\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
	          "Content-Transfer-Encoding: 7BIT\n\nplain\n",
	          "(" TP " 7 1 NIL NIL NIL NIL)");
	/* empty messages, a header without body, no header */
	expect_bs("", "(" TP " 0 0 NIL NIL NIL NIL)");
	expect_bs("Subject: no body", "(" TP " 0 0 NIL NIL NIL NIL)");
	expect_bs("\nbody only\n", "(" TP " 11 1 NIL NIL NIL NIL)");
	expect_bs("Content-Type: message/rfc822\n\n",
	          "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 (NIL NIL NIL NIL NIL NIL NIL NIL "
	          "NIL NIL) (" TP " 0 0 NIL NIL NIL NIL) 0 NIL NIL NIL NIL)");
}

static char *nested(int n, int rfc822, size_t *len)
{
	struct dbuf b = DBUF_ZERO;
	dbuf_puts(&b, "MIME-Version: 1.0\n");
	for (int i = 0; i < n; i++)
		if (rfc822)
			dbuf_printf(&b, "Content-Type: message/rfc822\n\nSubject: %d\n", i);
		else
			dbuf_printf(&b, "Content-Type: multipart/mixed; boundary=b%dx\n\n--b%dx\n",
			            i, i);
	dbuf_puts(&b, rfc822 ? "\nbody\n" : "Content-Type: text/plain\n\nleaf\n");
	for (int i = n - 1; !rfc822 && i >= 0; i--)
		dbuf_printf(&b, "--b%dx--\n", i);
	*len = dbuf_live(&b);
	return b.p;
}

static void limits(void)
{
	size_t len;
	struct mime_msg m;
	struct dbuf b = DBUF_ZERO;
	for (int rfc822 = 0; rfc822 < 2; rfc822++) {
		/* far deeper than the limit: no recursion, depth capped */
		char *msg = nested(5000, rfc822, &len);
		CHECK(mime_parse(msg, len, &m));
		CHECK(consistent(&m, msg, len));
		CHECK(m.nparts == MIME_DEPTH_MAX);
		CHECK(m.part[m.nparts - 1].depth == MIME_DEPTH_MAX - 1);
		CHECK(m.part[m.nparts - 1].flags & MIME_OVERFLOW);
		body_of(&m, msg, 1, &b);
		CHECK(strstr(dbuf_data(&b), "(\"application\" \"octet-stream\"") != NULL);
		mime_free(&m);
		free(msg);
	}
	/* more parts than allowed: the last one takes the rest */
	dbuf_clear(&b);
	dbuf_puts(&b, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n");
	for (int i = 0; i < MIME_PARTS_MAX + 50; i++)
		dbuf_printf(&b, "--x\n\n%d\n", i);
	dbuf_puts(&b, "--x--\n");
	CHECK(mime_parse(dbuf_data(&b), dbuf_live(&b), &m));
	CHECK(consistent(&m, dbuf_data(&b), dbuf_live(&b)));
	CHECK(m.nparts == MIME_PARTS_MAX);
	CHECK(m.part[m.nparts - 1].flags & MIME_OVERFLOW);
	CHECK(mime_body_off(&m.part[m.nparts - 1]) + m.part[m.nparts - 1].body_len ==
	      dbuf_live(&b));
	mime_free(&m);
	dbuf_free(&b, 0);
}

static void sec_syntax(void)
{
	static const char *const good[] = {"",
	                                   "1",
	                                   "1.2.3",
	                                   "HEADER",
	                                   "header",
	                                   "TEXT",
	                                   "2.HEADER",
	                                   "1.MIME",
	                                   "3.text",
	                                   "HEADER.FIELDS (a b)",
	                                   "1.HEADER.FIELDS.NOT (\"x\\\"\" y)",
	                                   "4294967295"};
	static const char *const bad[] = {"0",
	                                  "01",
	                                  "1.",
	                                  ".1",
	                                  "MIME",
	                                  "1.FOO",
	                                  "HEADER.FIELDS",
	                                  "HEADER.FIELDS ()",
	                                  "HEADER.FIELDS (a",
	                                  "1..2",
	                                  "4294967296",
	                                  "TEXT ",
	                                  "HEADER.FIELDS (a) ",
	                                  "HEADER.FIELDS  (a)",
	                                  "1.2.MIMEX"};
	struct mime_sec s;
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int ok = mime_sec_parse(good[i], strlen(good[i]), &s);
		if (!ok)
			fprintf(stderr, "refused: %s\n", good[i]);
		CHECK(ok);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int ok = mime_sec_parse(bad[i], strlen(bad[i]), &s);
		if (ok)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(!ok);
	}
	CHECK(mime_sec_parse("2.1.HEADER.FIELDS (From \"To\")", 29, &s));
	CHECK(s.npath == 2 && s.path[0] == 2 && s.path[1] == 1 && s.kind == MIME_SEC_FIELDS &&
	      s.nfields == 2 && s.field[1].n == 2 && s.field[1].quoted);
}

/* The bytes of BODY[spec] (partial origin, count), or "-" when absent. */
static void expect_sec(const char *msg, const char *spec, uint64_t origin, uint64_t count,
                       const char *want, size_t wlen)
{
	struct mime_msg m;
	struct mime_sec s;
	struct mime_range r;
	struct dbuf b = DBUF_ZERO;
	CHECK(mime_parse(msg, strlen(msg), &m));
	CHECK(mime_sec_parse(spec, strlen(spec), &s));
	int found = mime_section(&m, msg, &s, &r);
	if (found)
		CHECK(mime_range_write(&b, msg, &r, origin, count, 1));
	else
		CHECK(dbuf_put(&b, "-", 1));
	int same = dbuf_live(&b) == wlen && (!wlen || !memcmp(dbuf_data(&b), want, wlen));
	if (!same)
		fprintf(stderr, "BODY[%s]: got %.*s\n", spec, (int)dbuf_live(&b), dbuf_data(&b));
	CHECK(same);
	if (found && origin == 0 && count == UINT64_MAX)
		CHECK(r.size == dbuf_live(&b));
	mime_range_free(&r);
	dbuf_free(&b, 0);
	mime_free(&m);
}

#define SEC(msg, spec, want) expect_sec(msg, spec, 0, UINT64_MAX, want, sizeof want - 1)

static void sections(void)
{
	static const char m13[] =
	    "From: j@x\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/report; "
	    "boundary=\"R\"\n\n--R\n\nfirst\n--R\ncontent-type: message/rfc822\n\n"
	    "Subject: inner\nFrom: i@x\n\nHey\n--R--\n";
	static const char plain[] = "Subject: a\nTo: b@c\n\tcont\nX-Odd\n\nline\nnext";
	SEC(m13, "1", "first");
	SEC(m13, "1.MIME", "\r\n");
	SEC(m13, "2.MIME", "content-type: message/rfc822\r\n\r\n");
	SEC(m13, "2", "Subject: inner\r\nFrom: i@x\r\n\r\nHey");
	SEC(m13, "2.HEADER", "Subject: inner\r\nFrom: i@x\r\n\r\n");
	SEC(m13, "2.1.MIME", "Subject: inner\r\nFrom: i@x\r\n\r\n");
	SEC(m13, "2.TEXT", "Hey");
	SEC(m13, "2.1", "Hey");
	SEC(m13, "2.HEADER.FIELDS (from)", "From: i@x\r\n\r\n");
	SEC(m13, "1.HEADER", "-");
	SEC(m13, "1.1", "first"); /* Dovecot's reading: a leaf's part 1 is itself */
	SEC(m13, "1.1.1", "-");
	SEC(m13, "3", "-");
	SEC(m13, "2.2", "-");
	SEC(plain, "HEADER", "Subject: a\r\nTo: b@c\r\n\tcont\r\nX-Odd\r\n\r\n");
	SEC(plain, "TEXT", "line\r\nnext");
	SEC(plain, "1", "line\r\nnext");
	SEC(plain, "1.MIME", "Subject: a\r\nTo: b@c\r\n\tcont\r\nX-Odd\r\n\r\n");
	SEC(plain, "HEADER.FIELDS (TO x-odd)", "To: b@c\r\n\tcont\r\n\r\n");
	SEC(plain, "HEADER.FIELDS.NOT (TO)", "Subject: a\r\nX-Odd\r\n\r\n");
	SEC(plain, "HEADER.FIELDS.NOT (X-Odd)", "Subject: a\r\nTo: b@c\r\n\tcont\r\n\r\n");
	SEC(plain, "HEADER.FIELDS (nothere)", "\r\n");
	SEC("Subject: no body", "HEADER.FIELDS (subject)", "Subject: no body");
	SEC("Subject: no blank\nFrom: x\n", "HEADER.FIELDS (from)", "From: x\r\n");
	/* partials count in the CRLF form, even between CR and LF */
	expect_sec("a\nb\nc", "", 2, 3, "\nb\r", 3);
	expect_sec("a\nb\nc", "", 1, UINT64_MAX, "\r\nb\r\nc", 6);
	expect_sec("a\nb\nc", "", 7, 3, "", 0);
	/* NUL is sent as 0x80 when asked (a literal may not hold NUL) */
	static const char nul[] = "S: \0x\n\nbo\0dy";
	struct mime_msg m;
	struct mime_sec s;
	struct mime_range r;
	struct dbuf b = DBUF_ZERO;
	CHECK(mime_parse(nul, sizeof nul - 1, &m) && (m.part[0].flags & MIME_NUL));
	CHECK(mime_sec_parse("TEXT", 4, &s) && mime_section(&m, nul, &s, &r) == 1);
	CHECK(mime_range_write(&b, nul, &r, 0, UINT64_MAX, 1));
	CHECK_MEM(dbuf_data(&b), dbuf_live(&b),
	          "bo\x80"
	          "dy",
	          5);
	dbuf_free(&b, 0);
	mime_free(&m);
}

int main(void)
{
	corpus();
	edge_cases();
	edge_cases_simple();
	limits();
	sec_syntax();
	sections();
	return check_done("test_mime");
}
