/* Unit tests for search's evaluator on hand-made messages: header keys
 * on decoded values, BODY and TEXT on decoded parts, dates, sizes. */
#include "check.h"
#include "mime.h"
#include "search.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct msg {
	const char *text;
	unsigned flags;
	int64_t size, idate;
	int loads_header, loads_whole, loads_fields;
	int give_fields; /* answer SEARCH_LOAD_FIELDS with search_fields_of's lines alone */
};

static int load(void *ctx, enum search_load what, const char **data, size_t *len)
{
	static struct dbuf fields;
	struct msg *m = ctx;
	if (what == SEARCH_LOAD_HEADER)
		m->loads_header++;
	else if (what == SEARCH_LOAD_FIELDS)
		m->loads_fields++;
	else
		m->loads_whole++;
	*data = m->text;
	*len = strlen(m->text);
	if (what == SEARCH_LOAD_FIELDS && m->give_fields) {
		dbuf_clear(&fields);
		if (!search_fields_of(&fields, m->text, strlen(m->text)))
			return 0;
		*data = dbuf_data(&fields);
		*len = dbuf_live(&fields);
	}
	return 1;
}

/* Does SEARCH args match the message?  1, 0, or -1 (parse or run error). */
static int run(const char *args, struct msg *m)
{
	char buf[4096], err[SEARCH_ERR_MAX_BYTES];
	struct search_prog *p;
	snprintf(buf, sizeof buf, " %s", args);
	struct imap_cur c = {buf, buf + strlen(buf)};
	if (search_parse(&c, 0, &p, err, sizeof err) != SEARCH_OK) {
		fprintf(stderr, "parse [%s]: %s\n", args, err);
		return -1;
	}
	struct search_msg sm = {1, 1, m->flags, 0, m->size, m->idate, load, m};
	int r = search_begin(p, 1, 1, NULL) ? search_match(p, &sm) : -1;
	search_free(p);
	return r;
}

static int matches(const char *args, const char *text)
{
	struct msg m = {text, 0, -1, 0, 0, 0, 0, 0};
	return run(args, &m);
}

static void header_keys(void)
{
	const char *m = "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>\r\n"
	                "To: =?UTF-8?B?w4lsw6lvbm9yZQ==?= <e@example.org>\r\n"
	                "To: second@example.net\r\n"
	                "Cc: =?KOI8-R?B?8NLJ18XUIM3J0g==?=\r\n"
	                "Bcc: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\r\n"
	                "Subject: Hello\r\n World =?utf-8?q?caf=C3=A9?=\r\n"
	                "X-Joined: =?UTF-8?Q?foo?= \r\n =?UTF-8?Q?bar?= baz\r\n"
	                "X-Split: =?UTF-8?B?Y2Fmww==?= =?UTF-8?B?qSBjcsOobWU=?=\r\n"
	                "X-Latin: =?iso-8859-1?q?=80uro?=\r\n"
	                "X-Unknown: =?x-no-such-charset?Q?raw_text?=\r\n"
	                "X-Bad: =?UTF-8?X?abc?= and =?utf-8?q?unterminated\r\n"
	                "X-Win: =?windows-1251?B?3/Du8evg4g==?=\r\n"
	                "X-Empty:\r\n"
	                "X-Lang: =?UTF-8*en?Q?with_language?=\r\n"
	                "Subject :spaced\r\n"
	                "\r\n"
	                "From: not a header\r\n";
	CHECK(matches("FROM \"andré\"", m) == 1);
	CHECK(matches("FROM \"ANDRÉ\"", m) == 1);
	CHECK(matches("FROM Andre@Example.COM", m) == 1);
	CHECK(matches("FROM =E9", m) == 0);
	CHECK(matches("FROM \"not a header\"", m) == 0);
	CHECK(matches("TO \"ÉLÉONORE\"", m) == 1);
	CHECK(matches("TO second@", m) == 1); /* any field of the name */
	CHECK(matches("CC \"ПРИВЕТ МИР\"", m) == 1);
	CHECK(matches("CC {12}\r\nпривет", m) == 1);
	CHECK(matches("BCC \"日本語\"", m) == 1);
	CHECK(matches("SUBJECT \"Hello World café\"", m) == 1); /* unfolded */
	CHECK(matches("SUBJECT \"hello world CAFÉ\"", m) == 1);
	CHECK(matches("SUBJECT \"HelloWorld\"", m) == 0);
	CHECK(matches("SUBJECT spaced", m) == 1);
	CHECK(matches("HEADER X-Joined \"foobar baz\"", m) == 1); /* space between words dropped */
	CHECK(matches("HEADER X-Joined \"foo bar\"", m) == 0);
	CHECK(matches("HEADER X-Split \"café crème\"", m) == 1); /* é split across words */
	CHECK(matches("HEADER x-latin \"€uro\"", m) == 1);       /* ISO-8859-1 read as cp1252 */
	CHECK(matches("HEADER X-Unknown \"raw text\"", m) == 1);
	CHECK(matches("HEADER X-Bad \"=?UTF-8?X?abc?= and =?utf-8?q?unterminated\"", m) == 1);
	CHECK(matches("HEADER X-Win \"ЯРОСЛАВ\"", m) == 1);
	CHECK(matches("HEADER X-Lang \"with language\"", m) == 1);
	CHECK(matches("HEADER X-Empty \"\"", m) == 1);
	CHECK(matches("HEADER X-EMPTY \"\"", m) == 1);
	CHECK(matches("HEADER X-Missing \"\"", m) == 0);
	CHECK(matches("HEADER X-Empty x", m) == 0);
	CHECK(matches("NOT HEADER X-Missing \"\"", m) == 1);

	/* A header key loads the header only. */
	struct msg lm = {m, 0, -1, 0, 0, 0, 0, 0};
	CHECK(run("OR FROM nobody SUBJECT \"café\"", &lm) == 1);
	CHECK(lm.loads_header == 0 && lm.loads_fields == 1 && lm.loads_whole == 0);
	lm.loads_fields = 0;
	CHECK(run("OR FROM nobody HEADER X-Lang \"with\"", &lm) == 1);
	CHECK(lm.loads_header == 1 && lm.loads_fields == 0 && lm.loads_whole == 0);
}

/* The fields search_fields_of keeps answer every key on them as the whole
 * message does; other keys never ask for them alone. */
static void fields_only(void)
{
	static const char *const texts[] = {
	    "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>\r\n"
	    "To: =?UTF-8?B?w4lsw6lvbm9yZQ==?= <e@example.org>\r\n"
	    "To: second@example.net\r\n"
	    "X-Other: from: not@this.one\r\n"
	    "Subject: Hello\r\n World =?utf-8?q?caf=C3=A9?=\r\n"
	    "Date: Tue, 3 Nov 2026 09:00:00 +0100\r\n"
	    "Message-ID: <id.1@example.com>\r\n"
	    "\r\n"
	    "From: in the body\r\n",
	    "Received: from x\n\tby y\njunk line without a colon\nCC: a@b.example,\n c@d.example\n"
	    "bcc:\nReply-To: r@example.org\nSender: s@example.org\nIn-Reply-To: <p@x>\n"
	    "Date: 1 Jan 1999 00:00 GMT\nDate: 2 Feb 2002 00:00 GMT\nSubject: no end",
	    "Subject: only a header\n",
	    "\nFrom: a body, no header\n",
	    "",
	};
	static const char *const keys[] = {
	    "FROM andre",
	    "FROM \"andré\"",
	    "FROM not@this",
	    "TO second",
	    "TO \"éléonore\"",
	    "SUBJECT \"hello world café\"",
	    "SUBJECT \"no end\"",
	    "SUBJECT \"\"",
	    "CC c@d",
	    "CC \"\"",
	    "BCC \"\"",
	    "BCC x",
	    "HEADER Reply-To r@",
	    "HEADER SENDER s@",
	    "HEADER in-reply-to p@x",
	    "HEADER Message-ID id.1",
	    "HEADER Date 2002",
	    "SENTON 3-Nov-2026",
	    "SENTBEFORE 1-Jan-2000",
	    "SENTSINCE 1-Feb-2002",
	    "NOT FROM body",
	    "OR TO x SUBJECT only",
	    "SEEN FROM a",
	    "FROM \"a body\"",
	};
	int bad = 0;
	for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			struct msg whole = {texts[t], 0, -1, 0, 0, 0, 0, 0};
			struct msg part = {texts[t], 0, -1, 0, 0, 0, 0, 1};
			int a = run(keys[k], &whole), b = run(keys[k], &part);
			if (a != b || a < 0 || part.loads_header || part.loads_whole) {
				fprintf(stderr, "message %zu, %s: whole %d, fields %d\n", t,
				        keys[k], a, b);
				bad = 1;
			}
		}
	CHECK(!bad);
	/* Keys that need more than those fields. */
	static const char *const more[] = {"HEADER X-Other from", "BODY x", "TEXT x",
	                                   "FROM a BODY x", "LARGER 5"};
	for (size_t k = 0; k < sizeof more / sizeof *more; k++) {
		struct msg m = {texts[0], 0, -1, 0, 0, 0, 0, 1};
		CHECK(run(more[k], &m) >= 0 && m.loads_fields == 0);
	}
}

static const char multipart[] = "From: a@example.com\n"
                                "Subject: parts\n"
                                "Content-Type: multipart/mixed; boundary=\"outer\"\n"
                                "\n"
                                "preamble: nothing here counts\n"
                                "--outer\n"
                                "Content-Type: multipart/alternative; boundary=inner\n"
                                "\n"
                                "--inner\n"
                                "Content-Type: text/plain; charset=ISO-8859-1\n"
                                "Content-Transfer-Encoding: quoted-printable\n"
                                "\n"
                                "Caf=E9 na=EFve, a soft=\n"
                                "break, and --innerlike text\n"
                                "--inner\n"
                                "Content-Type: text/html; charset=\"utf-8\"\n"
                                "Content-Transfer-Encoding: base64\n"
                                "\n"
                                "R3LDvMOfZSBhdXMgS8O2bG4sIM6VzrvOu863zr3Ouc66zqwhDQo=\n"
                                "--inner--\n"
                                "--outer\n"
                                "Content-Type: application/octet-stream; name=\"secret.dat\"\n"
                                "Content-Transfer-Encoding: base64\n"
                                "\n"
                                "c2VjcmV0d29yZCBpbiBhbiBhdHRhY2htZW50\n"
                                "--outer\n"
                                "Content-Type: text/plain; charset=koi8-r\n"
                                "Content-Transfer-Encoding: 8bit\n"
                                "\n"
                                "\xf3\xdf\xc5\xdb\xd8\x20\xd6\xc5\x20\xc5\xdd\xa3\n"
                                "--outer\n"
                                "Content-Type: message/rfc822\n"
                                "\n"
                                "Subject: =?utf-8?q?attached_subject?=\n"
                                "Content-Type: text/plain\n"
                                "\n"
                                "attached body text\n"
                                "--outer--\n"
                                "epilogue: nothing here either\n";

static void body_keys(void)
{
	CHECK(matches("BODY \"café naïve\"", multipart) == 1);
	CHECK(matches("BODY \"CAFÉ NAÏVE\"", multipart) == 1);
	CHECK(matches("BODY softbreak", multipart) == 1);
	CHECK(matches("BODY --innerlike", multipart) == 1); /* not a boundary */
	CHECK(matches("BODY \"köln, ελληνικά\"", multipart) == 1);
	CHECK(matches("BODY \"KÖLN, ΕΛΛΗΝΙΚΆ\"", multipart) == 1);
	CHECK(matches("BODY \"съешь же ещё\"", multipart) == 1);
	CHECK(matches("BODY \"attached body\"", multipart) == 1);
	CHECK(matches("BODY secretword", multipart) == 0); /* not a text part */
	CHECK(matches("TEXT secretword", multipart) == 0);
	CHECK(matches("BODY preamble", multipart) == 0);
	CHECK(matches("BODY epilogue", multipart) == 0);
	CHECK(matches("BODY R3LDvMOfZSBhdXMgS8O2bG4s", multipart) == 0); /* decoded, not raw */
	CHECK(matches("BODY E9", multipart) == 0);
	CHECK(matches("BODY \"attached subject\"", multipart) == 0); /* a header */
	CHECK(matches("TEXT \"attached subject\"", multipart) == 1);
	CHECK(matches("TEXT secret.dat", multipart) == 1); /* a MIME part header */
	CHECK(matches("BODY secret.dat", multipart) == 0);
	CHECK(matches("TEXT \"subject: parts\"", multipart) == 1);
	CHECK(matches("TEXT \"naïve\"", multipart) == 1);
	CHECK(matches("BODY \"\"", multipart) == 1);

	/* A single-part base64 body, CRLF. */
	const char *b64 = "Subject: x\r\nContent-Transfer-Encoding: BASE64\r\n"
	                  "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	                  "R3LDvMOfZSBhdXMgS8O2bG4s\r\nIM6VzrvOu863zr3Ouc66zqwhDQo=\r\n";
	CHECK(matches("BODY \"grüße aus köln\"", b64) == 1);
	CHECK(matches("BODY \"KÖLN, Ελληνικά\"", b64) == 1);
	CHECK(matches("BODY x", b64) == 0);
	CHECK(matches("TEXT x", b64) == 1);

	/* A message with no header and no body; one with no empty line. */
	CHECK(matches("BODY x", "") == 0 && matches("TEXT x", "") == 0);
	CHECK(matches("HEADER Subject \"\"", "Subject: only a header") == 1);
	CHECK(matches("BODY only", "Subject: only a header") == 0);
	CHECK(matches("BODY body", "\nbody without header") == 1);
	/* A multipart without its close delimiter; one without a boundary. */
	CHECK(matches("BODY tail", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\ntail") ==
	      1);
	CHECK(matches("BODY x", "Content-Type: multipart/mixed\n\n--b\n\nx") == 0);
	/* A boundary is a delimiter as a prefix of a line (RFC 2046 5.1.1 keeps
	 * it out of the parts for that reason; lib/mime reads it so, as
	 * Dovecot does): "--bb" starts a part, it is not text. */
	CHECK(matches("BODY --bb",
	              "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--bb\n--b--\n") == 0);
	CHECK(matches("BODY -bb",
	              "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n -bb\n--b--\n") == 1);
	/* An unquoted boundary with a tspecial ("=" must be quoted, RFC 2045
	 * 5.1): BODYSTRUCTURE reads it leniently, and so must SEARCH. */
	const char *eq = "Content-Type: multipart/mixed; boundary==_b_1\n\n--=_b_1\n"
	                 "Content-Type: text/plain; charset=utf-8\n"
	                 "Content-Transfer-Encoding: base64\n\nZ3LDvMOfZQ==\n--=_b_1--\n";
	CHECK(matches("BODY \"GRÜßE\"", eq) == 1);
	CHECK(matches("BODY Z3LD", eq) == 0);
	/* The charset and encoding BODYSTRUCTURE reports: the first
	 * Content-Type and the first Content-Transfer-Encoding of a part. */
	CHECK(matches("BODY \"grüße\"",
	              "MIME-Version: 1.0\nContent-Type: text/plain; charset=\"iso-8859-1\"\n"
	              "Content-Transfer-Encoding: quoted-printable\n"
	              "Content-Transfer-Encoding: base64\n\ngr=FC=DFe\n") == 1);
	/* No MIME-Version and no Content-Type: Content-* fields do not count
	 * for BODYSTRUCTURE, but a transfer encoding is still undone. */
	CHECK(matches("BODY hello", "Content-Transfer-Encoding: base64\n\naGVsbG8=\n") == 1);
	/* A boundary split by RFC 2231 continuations. */
	CHECK(matches("BODY inside", "Content-Type: multipart/mixed; boundary*0=ab; "
	                             "boundary*1=cd\n\n--abcd\n\ninside\n--abcd--\n") == 1);
	CHECK(matches("BODY abcd", "Content-Type: multipart/mixed; boundary*0=ab; "
	                           "boundary*1=cd\n\n--abcd\n\ninside\n--abcd--\n") == 0);
}

/* MIME nesting past lib/mime's limit costs nothing and finds nothing
 * deeper; below it, text at any depth is found. */
static void deep_mime(void)
{
	static char buf[1 << 17];
	for (int levels = 3; levels <= MIME_DEPTH_MAX + 20; levels += MIME_DEPTH_MAX - 3 + 20) {
		size_t n = 0;
		for (int i = 0; i < levels; i++)
			n += (size_t)snprintf(
			    buf + n, sizeof buf - n,
			    "Content-Type: multipart/mixed; boundary=b%d-\n\n--b%d-\n", i, i);
		n += (size_t)snprintf(buf + n, sizeof buf - n,
		                      "Content-Type: text/plain\n\ndeepest\n");
		CHECK(matches("BODY deepest", buf) == (levels == 3));
	}
	/* Many parts: only MIME_PARTS_MAX are parts, and the last of them runs
	 * to the end of the message (what BODY[n] of it holds), so text past
	 * the limit is still text of that part. */
	for (int late = 2500; late <= MIME_PARTS_MAX + 1000; late += MIME_PARTS_MAX - 1500) {
		size_t n = (size_t)snprintf(buf, sizeof buf,
		                            "Content-Type: multipart/mixed; boundary=x\n\n");
		for (int i = 0; i < MIME_PARTS_MAX + 2000 && n + 20 < sizeof buf; i++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "--x\n\n%s\n",
			                      i == late ? "late" : "");
		CHECK(n + 20 < sizeof buf);
		CHECK(matches("BODY late", buf) == 1);
		CHECK(matches("BODY early", buf) == 0);
	}
}

/* 8-bit junk, NULs and broken encodings: no crash, ASCII still found. */
static void junk(void)
{
	static char buf[8192];
	unsigned seed = 12345;
	for (int round = 0; round < 200; round++) {
		size_t n = 0;
		n += (size_t)snprintf(buf, sizeof buf, "Subject: =?%s?%c?",
		                      round % 3 ? "utf-8" : "iso-2022-jp", round % 2 ? 'B' : 'Q');
		for (int i = 0; i < 300; i++) {
			seed = seed * 1103515245 + 12345;
			char c = (char)(seed >> 16);
			buf[n++] = c ? c : 'x';
		}
		n += (size_t)snprintf(buf + n, sizeof buf - n,
		                      "\nContent-Type: text/plain; charset=%s\n"
		                      "Content-Transfer-Encoding: %s\n\nneedle ",
		                      round % 4 ? "shift_jis" : "utf-8",
		                      round % 5 ? "quoted-printable" : "8bit");
		for (int i = 0; i < 2000; i++) {
			seed = seed * 1103515245 + 12345;
			char c = (char)(seed >> 16);
			buf[n++] = c ? c : '=';
		}
		buf[n] = 0;
		CHECK(matches("BODY needle", buf) == 1);
		CHECK(matches("TEXT zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", buf) == 0);
		CHECK(matches("SUBJECT \"\"", buf) == 1);
	}
}

static void dates(void)
{
	/* 2020-02-01 15:00 UTC is 2 Feb 01:00 at UTC+10. */
	struct msg m = {"Date: Sat, 2 Jan 2016 23:42:00 -0400\n\n", 0, -1, 1580569200, 0, 0, 0, 0};
	setenv("TZ", "XST-10", 1);
	tzset();
	CHECK(run("ON 2-Feb-2020", &m) == 1 && run("ON 1-Feb-2020", &m) == 0);
	CHECK(run("BEFORE 2-Feb-2020", &m) == 0 && run("BEFORE 3-Feb-2020", &m) == 1);
	CHECK(run("SINCE 2-Feb-2020", &m) == 1 && run("SINCE 3-Feb-2020", &m) == 0);
	setenv("TZ", "UTC0", 1);
	tzset();
	CHECK(run("ON 1-Feb-2020", &m) == 1 && run("ON 2-Feb-2020", &m) == 0);
	CHECK(run("SINCE 1-Feb-2020", &m) == 1 && run("BEFORE 1-Feb-2020", &m) == 0);

	/* Sent dates: the day as written, in the header's own zone. */
	CHECK(run("SENTON 2-Jan-2016", &m) == 1 && run("SENTON 3-Jan-2016", &m) == 0);
	CHECK(run("SENTBEFORE 2-Jan-2016", &m) == 0 && run("SENTBEFORE 3-Jan-2016", &m) == 1);
	CHECK(run("SENTSINCE 2-Jan-2016", &m) == 1 && run("SENTSINCE 3-Jan-2016", &m) == 0);
	CHECK(run("SENTON \"02-Jan-2016\"", &m) == 1);
	CHECK(matches("SENTON 20-Sep-1995", "Date: Wed, 20 Sep 1995 00:19:00 (EDT) -0400\n\n") ==
	      1);
	CHECK(matches("SENTON 7-May-1995", "Date: Sun, 7 May 95 16:21:03 GMT\n\n") == 1);
	CHECK(matches("SENTON 1-Mar-2049", "Date: 1 mar 49 00:00 +0000\n\n") == 1);
	CHECK(matches("SENTON 29-Feb-2000", "Date:\r\n (comment) 29 Feb 2000 0:0 Z\r\n\r\n") == 1);
	/* No Date:, or one that cannot be read: sent on 1-Jan-1970 (as in Dovecot). */
	CHECK(matches("SENTBEFORE 1-Jan-3000", "Subject: x\n\n") == 1);
	CHECK(matches("SENTSINCE 1-Jan-1900", "Subject: x\n\n") == 1);
	CHECK(matches("SENTSINCE 2-Jan-1970", "Subject: x\n\n") == 0);
	CHECK(matches("SENTON 1-Jan-1970", "Date: yesterday\n\n") == 1);
	CHECK(matches("NOT SENTON 1-Jan-2000", "Date: yesterday\n\n") == 1);
	CHECK(matches("SENTON 1-Jan-1970", "Date: 30 Feb 2000\n\n") == 1);
	CHECK(matches("SENTBEFORE 1-Jan-1970", "Date: 30 Feb 2000\n\n") == 0);
}

static void sizes(void)
{
	/* LF line ends: RFC822.SIZE counts CRLF. */
	struct msg m = {"a: b\n\nc\r\nd\n", 0, -1, 0, 0, 0, 0, 0}; /* 11 bytes, 3 bare LF */
	CHECK(run("LARGER 13", &m) == 1 && run("LARGER 14", &m) == 0);
	CHECK(run("SMALLER 15", &m) == 1 && run("SMALLER 14", &m) == 0);
	CHECK(m.loads_whole == 4);
	/* A known size needs no bytes. */
	struct msg k = {"", 0, 100, 0, 0, 0, 0, 0};
	CHECK(run("LARGER 99", &k) == 1 && run("SMALLER 100", &k) == 0 &&
	      run("LARGER 100", &k) == 0);
	CHECK(k.loads_header == 0 && k.loads_whole == 0);
}

static void laziness(void)
{
	/* Cheap keys run first and short-circuit, whatever the order written. */
	struct msg m = {"Subject: x\n\nbody", SEARCH_SEEN, 10, 0, 0, 0, 0, 0};
	CHECK(run("BODY body UNSEEN", &m) == 0);
	CHECK(run("OR BODY body SEEN", &m) == 1);
	CHECK(run("(SUBJECT x (TEXT body)) NOT SEEN", &m) == 0);
	CHECK(m.loads_header == 0 && m.loads_whole == 0);
	CHECK(run("SUBJECT y BODY body", &m) == 0);
	CHECK(m.loads_header == 1 && m.loads_whole == 0);
	CHECK(run("BODY body SUBJECT x TEXT body", &m) == 1);
	CHECK(m.loads_header == 2 && m.loads_whole == 1);
}

static int load_fails(void *ctx, enum search_load what, const char **data, size_t *len)
{
	(void)ctx, (void)what, (void)data, (void)len;
	errno = ENOENT;
	return 0;
}

static void load_error(void)
{
	char args[] = " OR SEEN BODY x", err[SEARCH_ERR_MAX_BYTES];
	struct imap_cur c = {args, args + strlen(args)};
	struct search_prog *p;
	CHECK(search_parse(&c, 0, &p, err, sizeof err) == SEARCH_OK);
	CHECK(search_begin(p, 2, 2, NULL));
	struct search_msg m = {1, 1, 0, 0, 10, 0, load_fails, NULL};
	errno = 0;
	CHECK(search_match(p, &m) == -1 && errno == ENOENT);
	m.seq = m.uid = 2;
	m.flags = SEARCH_SEEN;
	CHECK(search_match(p, &m) == 1 && search_count(p) == 1);
	search_free(p);
}

int main(void)
{
	header_keys();
	fields_only();
	body_keys();
	deep_mime();
	junk();
	dates();
	sizes();
	laziness();
	load_error();
	return check_done("test_search_eval");
}
