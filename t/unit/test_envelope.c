/* Unit tests for lib/envelope: ENVELOPE of hand-made headers (expected
 * values checked against Dovecot 2.3, its literals written as quoted
 * strings), the cleaning of subjects and names, address repairs. */
#include "check.h"
#include "envelope.h"

static void expect_env(const char *hdr, const char *want)
{
	struct dbuf b = DBUF_ZERO;
	CHECK(envelope_write(&b, hdr, strlen(hdr)));
	CHECK(dbuf_put(&b, "", 1));
	if (strcmp(dbuf_data(&b), want))
		fprintf(stderr, "got:  %s\nwant: %s\n", dbuf_data(&b), want);
	CHECK_STR(dbuf_data(&b), want);
	dbuf_free(&b, 0);
}

static void expect_human(const char *in, size_t n, const char *want, size_t wn)
{
	struct dbuf b = DBUF_ZERO;
	CHECK(envelope_w_human(&b, in, n));
	CHECK_MEM(dbuf_data(&b), dbuf_live(&b), want, wn);
	dbuf_free(&b, 0);
}

#define HUMAN(in, want) expect_human(in, sizeof in - 1, want, sizeof want - 1)
#define AB "((NIL NIL \"a\" \"b\"))"

static void envelopes(void)
{
	expect_env("", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	expect_env("X: y\n\n", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	/* Sender and Reply-To default to From, also when present but empty */
	expect_env("From: a@b\nSender:\nReply-To:  \n\n",
	           "(NIL NIL " AB " " AB " " AB " NIL NIL NIL NIL NIL)");
	expect_env("From: a@b\nSender: s@x\nReply-To: ,\n\n",
	           "(NIL NIL " AB " ((NIL NIL \"s\" \"x\")) ((NIL NIL \"MISSING_MAILBOX\" "
	           "\"MISSING_DOMAIN\")) NIL NIL NIL NIL NIL)");
	/* groups, routes, repairs; strings: last wins; addresses: all */
	expect_env(
	    "From: a@b\nFrom: c@d\nTo: undisclosed-recipients:;\n"
	    "Cc: Group: x@y, \"Q \\\" N\" <q@r>, (Comment Name) z@w;, last@x.y (Trailer)\n"
	    "Bcc: <@r1,@r2:u@d>, user, \"quoted\"@dom, @nomb, local@, <>, \"\" <e@f>\n"
	    "Sender:\nReply-To:    \nSubject:   lead and trail  \nMessage-ID:    <a@b>  \n"
	    "In-Reply-To:<x@y>\nDate:\t\tfoo\n\tbar\nMessage-ID: <second@b>\n\nbody\n",
	    "(\"foo\tbar\" \"lead and trail\" ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) "
	    "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" "
	    "\"d\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) ((NIL NIL "
	    "\"Group\" NIL)(NIL NIL \"x\" \"y\")(\"Q \\\" N\" NIL \"q\" \"r\")(NIL NIL \"z\" "
	    "\"w\")(NIL NIL NIL NIL)(\"Trailer\" NIL \"last\" \"x.y\")) ((NIL \"@r1,@r2\" "
	    "\"u\" \"d\")(NIL NIL \"user\" \"MISSING_DOMAIN\")(NIL NIL \"quoted\" \"dom\")(NIL "
	    "NIL \"MISSING_MAILBOX\" \"nomb\")(NIL NIL \"local\" \"MISSING_DOMAIN\")(NIL NIL "
	    "\"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"e\" \"f\")) \"<x@y>\" "
	    "\"<second@b>\")");
	/* names: phrases, quoted pairs, RFC 2047 left encoded, loose dots */
	expect_env(
	    "Subject: first\nSubject: second\nMessage-ID:  <a@b>  \nDate: x\rnext\n"
	    "In-Reply-To: <p@q>\n\t<r@s>\nFrom: \"A\\\\B\" <ab@c>, =?utf-8?q?X?= <x@y>, "
	    "a.b.c <d@e>, \"x\" \"y\" z <w@v>, Jo.Do <j@d>, .lead <l@d>\n"
	    "To: a@b, , ,c@d,\nCc: \"unterminated <u@v>\n\n",
	    "(\"x next\" \"second\" ((\"A\\\\B\" NIL \"ab\" \"c\")(\"=?utf-8?q?X?=\" NIL \"x\" "
	    "\"y\")(\"a.b.c\" NIL \"d\" \"e\")(\"x y z\" NIL \"w\" \"v\")(\"Jo.Do\" NIL \"j\" "
	    "\"d\")(NIL NIL \".lead\" \"MISSING_DOMAIN\")) ((\"A\\\\B\" NIL \"ab\" \"c\")(\"=?"
	    "utf-8?q?X?=\" NIL \"x\" \"y\")(\"a.b.c\" NIL \"d\" \"e\")(\"x y z\" NIL \"w\" "
	    "\"v\")(\"Jo.Do\" NIL \"j\" \"d\")(NIL NIL \".lead\" \"MISSING_DOMAIN\")) ((\"A\\\\B"
	    "\" NIL \"ab\" \"c\")(\"=?utf-8?q?X?=\" NIL \"x\" \"y\")(\"a.b.c\" NIL \"d\" \"e\")"
	    "(\"x y z\" NIL \"w\" \"v\")(\"Jo.Do\" NIL \"j\" \"d\")(NIL NIL \".lead\" "
	    "\"MISSING_DOMAIN\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" "
	    "\"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"c\" "
	    "\"d\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) NIL \"<p@q>\t<r@s>\" "
	    "\"<a@b>  \")");
}

static void envelopes_broken(void)
{
	/* comments as names, groups without commas, broken routes */
	expect_env(
	    "From: x@y (Name (nested) here), y@z (a) (b), <m@n> (after angle)\n"
	    "To: group1: ; group2: a@b; c@d\nCc: Gr: a@b\nBcc: \"only quoted\"\n\n",
	    "(NIL NIL ((\"Name (nested) here\" NIL \"x\" \"y\")(\"b\" NIL \"y\" \"z\")(NIL NIL "
	    "\"m\" \"n\")) ((\"Name (nested) here\" NIL \"x\" \"y\")(\"b\" NIL \"y\" \"z\")(NIL "
	    "NIL \"m\" \"n\")) ((\"Name (nested) here\" NIL \"x\" \"y\")(\"b\" NIL \"y\" \"z\")"
	    "(NIL NIL \"m\" \"n\")) ((NIL NIL \"group1\" NIL)(NIL NIL NIL NIL)) ((NIL NIL \"Gr\" "
	    "NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL)) ((\"only quoted\" NIL "
	    "\"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) NIL NIL)");
	expect_env(
	    "From: John Smith\nSender: <@bad route@x>\nReply-To: <a@b\n"
	    "To: \"Last, First\" <lf@x>, first.last@x (F\\(x\\) L), a@[1.2.3.4], <a@b> junk\n"
	    "Bcc: a.@b, a..b@c, \"\"@d, x@y.\n\n",
	    "(NIL NIL ((\"John Smith\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL "
	    "\"INVALID_ROUTE\" \"route\" \"x\")) ((NIL NIL \"a\" \"SYNTAX_ERROR\")) "
	    "((\"Last, First\" NIL \"lf\" \"x\")(\"F(x) L\" NIL \"first.last\" \"x\")(NIL NIL "
	    "\"a\" \"[1.2.3.4]\")(NIL NIL \"a\" \"b\")) NIL ((NIL NIL \"a.\" \"b\")(NIL NIL "
	    "\"a..b\" \"c\")(NIL NIL \"\" \"d\")(NIL NIL \"x\" \"MISSING_DOMAIN\")) NIL NIL)");
	/* folding, 8-bit (a literal), NUL */
	expect_env(
	    "From: Very Long\n Name <v@x>,\n\tother@x\nSubject: a\n  b\t c  \n"
	    "To: \"quoted\n folded\" <q@x>\n\n",
	    "(NIL \"a b c\" ((\"Very Long Name\" NIL \"v\" \"x\")(NIL NIL \"other\" \"x\")) "
	    "((\"Very Long Name\" NIL \"v\" \"x\")(NIL NIL \"other\" \"x\")) ((\"Very Long "
	    "Name\" NIL \"v\" \"x\")(NIL NIL \"other\" \"x\")) ((\"quoted folded\" NIL \"q\" "
	    "\"x\")) NIL NIL NIL NIL)");
	expect_env(
	    "From: J\xc3\xb6rg <j@x>\nSubject: gr\xc3\xbc\xc3\x9f\n\n",
	    "(NIL {6}\r\ngr\xc3\xbc\xc3\x9f (({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\")) (({5}\r\n"
	    "J\xc3\xb6rg NIL \"j\" \"x\")) (({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\")) NIL NIL NIL "
	    "NIL NIL)");
	struct dbuf b = DBUF_ZERO;
	static const char nul0[] = "Subject: \0x\n\n"; /* a NUL first: no spurious ENOMEM */
	CHECK(envelope_write(&b, nul0, sizeof nul0 - 1));
	dbuf_clear(&b);
	static const char nul[] = "Subject: s\0t\nMessage-ID: <m\0id>\n\n";
	CHECK(envelope_write(&b, nul, sizeof nul - 1));
	static const char want[] =
	    "(NIL {5}\r\ns\xef\xbf\xbdt NIL NIL NIL NIL NIL NIL NIL {8}\r\n<m\xef\xbf\xbdid>)";
	CHECK_MEM(dbuf_data(&b), dbuf_live(&b), want, sizeof want - 1);
	dbuf_free(&b, 0);
}

static void humans(void)
{
	HUMAN("", "\"\"");
	HUMAN("   ", "\"\"");
	HUMAN("\r\n", "\"\"");
	HUMAN("plain", "\"plain\"");
	HUMAN("  a \t b  ", "\"a b\"");
	HUMAN("a\r\n\tb", "\"a b\"");
	HUMAN("a\nb", "\"ab\"");
	HUMAN("say \"hi\"", "\"say \\\"hi\\\"\"");
	HUMAN("n\0l", "{3}\r\nn\x80l");
}

static void addresses(void)
{
	struct dbuf b = DBUF_ZERO;
	CHECK(envelope_addresses(&b, "", 0) == 0);
	CHECK(envelope_addresses(&b, "  (only a comment) ", 19) == 0);
	CHECK(dbuf_live(&b) == 0);
	CHECK(envelope_addresses(&b, "a@b, c@d", 8) == 2);
	static const char two[] = "(NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")";
	CHECK_MEM(dbuf_data(&b), dbuf_live(&b), two, sizeof two - 1);
	dbuf_clear(&b);
	CHECK(envelope_addresses(&b, "g: a@b;", 7) == 3);
	dbuf_free(&b, 0);
}

int main(void)
{
	envelopes();
	envelopes_broken();
	humans();
	addresses();
	return check_done("test_envelope");
}
