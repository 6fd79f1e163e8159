/* The command reader, whole and byte by byte, and the token readers. */
#include <string.h>

#include "check.h"
#include "imap_parse.h"

#define CAP 256

struct result {
	char cmds[8][CAP];
	size_t lens[8];
	int ncmds, conts, errs;
	enum imap_rd_status last_err;
};

/* Feed in[0..n) in pieces of step bytes; collect commands. */
static void run(const char *in, size_t n, size_t step, struct result *res)
{
	static char buf[CAP];
	struct imap_reader r;
	imap_reader_init(&r, buf, CAP, 64);
	memset(res, 0, sizeof *res);
	for (size_t off = 0; off < n;) {
		size_t len = n - off < step ? n - off : step;
		size_t used = 0;
		while (used < len) {
			enum imap_rd_status st;
			used += imap_reader_feed(&r, in + off + used, len - used, &st);
			if (st == IMAP_RD_COMMAND) {
				memcpy(res->cmds[res->ncmds], r.cmd, r.len);
				res->lens[res->ncmds++] = r.len;
				imap_reader_reset(&r);
			} else if (st == IMAP_RD_CONTINUE) {
				res->conts++;
			} else if (st == IMAP_RD_LINE_TOO_LONG || st == IMAP_RD_LITERAL_TOO_BIG) {
				res->errs++;
				res->last_err = st;
				return;
			}
		}
		off += len;
	}
}

static void test_reader(void)
{
	static const char in[] = "a LOGIN u p\r\nb SELECT INBOX\nc LOGIN {3}\r\nabc {2+}\r\nxy\r\n";
	for (size_t step = 1; step <= sizeof in; step++) {
		struct result res;
		run(in, sizeof in - 1, step, &res);
		CHECK(res.ncmds == 3);
		CHECK(res.conts == 1);
		CHECK_MEM(res.cmds[0], res.lens[0], "a LOGIN u p", 11);
		CHECK_MEM(res.cmds[1], res.lens[1], "b SELECT INBOX", 14);
		CHECK_MEM(res.cmds[2], res.lens[2], "c LOGIN {3}\r\nabc {2}\r\nxy", 24);
	}
}

static void test_limits(void)
{
	struct result res;
	char line[200];
	memset(line, 'x', sizeof line);
	run(line, sizeof line, 7, &res);
	CHECK(res.errs == 1 && res.last_err == IMAP_RD_LINE_TOO_LONG);
	run("a LOGIN {4294967295}\r\n", 22, 1, &res);
	CHECK(res.errs == 1 && res.last_err == IMAP_RD_LITERAL_TOO_BIG);
	run("a LOGIN {99999999999999999999}\r\n", 32, 3, &res);
	CHECK(res.errs == 0 && res.ncmds == 1); /* not a literal marker: 20 digits */
	run("a LOGIN {300+}\r\n", 16, 1, &res);
	CHECK(res.errs == 1 && res.last_err == IMAP_RD_LITERAL_TOO_BIG);
	/* A literal may hold CR, LF and NUL. */
	run("a X {4}\r\n\r\n\0z\r\n", 15, 1, &res);
	CHECK(res.ncmds == 1 && res.lens[0] == 13 && res.cmds[0][11] == 0);
}

/* A literal limit below the command's capacity: the limit is taken, one
 * octet more is not, whatever room is left. */
static void test_literal_max(void)
{
	static char buf[CAP];
	struct imap_reader r;
	enum imap_rd_status st;
	imap_reader_init(&r, buf, CAP, 64);
	CHECK(r.lit_max == CAP);
	r.lit_max = 10;
	static const char ok[] = "a APPEND x {10}\r\n0123456789\r\n";
	size_t used = imap_reader_feed(&r, ok, sizeof ok - 1, &st);
	CHECK(st == IMAP_RD_CONTINUE);
	used += imap_reader_feed(&r, ok + used, sizeof ok - 1 - used, &st);
	CHECK(st == IMAP_RD_COMMAND && used == sizeof ok - 1);
	imap_reader_reset(&r);
	static const char big[] = "b APPEND x {11}\r\n";
	used = imap_reader_feed(&r, big, sizeof big - 1, &st);
	CHECK(st == IMAP_RD_LITERAL_TOO_BIG && r.lit_sync && r.lit_size == 11 &&
	      used == sizeof big - 1);
	/* The refused line is still there for the caller to read its tag. */
	CHECK(r.len >= 10 && !memcmp(r.cmd, "b APPEND x", 10));
	imap_reader_reset(&r);
	static const char plus[] = "c APPEND x {11+}\r\n";
	imap_reader_feed(&r, plus, sizeof plus - 1, &st);
	CHECK(st == IMAP_RD_LITERAL_TOO_BIG && !r.lit_sync);
}

static void test_tokens(void)
{
	char cmd[] = "t1 LOGIN \"a\\\"b\\\\c\" {3}\r\nx\0y atom ( 42";
	struct imap_cur c = {cmd, cmd + sizeof cmd - 1};
	char *s;
	size_t n;
	uint32_t v;
	CHECK(imap_p_tag(&c, &s, &n) && n == 2);
	CHECK(imap_p_sp(&c) && imap_p_word(&c, "login") && imap_p_sp(&c));
	CHECK(imap_p_astring(&c, &s, &n));
	CHECK_MEM(s, n, "a\"b\\c", 5);
	CHECK(imap_p_sp(&c) && imap_p_astring(&c, &s, &n));
	CHECK_MEM(s, n, "x\0y", 3);
	CHECK(imap_p_sp(&c) && imap_p_astring(&c, &s, &n));
	CHECK_MEM(s, n, "atom", 4);
	CHECK(imap_p_sp(&c) && !imap_p_atom(&c, &s, &n) && imap_p_char(&c, '('));
	CHECK(imap_p_sp(&c) && imap_p_number(&c, &v) && v == 42 && imap_p_end(&c));

	char bad[] = "\"unterminated";
	struct imap_cur b = {bad, bad + sizeof bad - 1};
	CHECK(!imap_p_astring(&b, &s, &n) && b.p == bad);
	char big[] = "4294967296";
	struct imap_cur g = {big, big + sizeof big - 1};
	CHECK(!imap_p_number(&g, &v));
	char words[] = "BODY.PEEK[HEADER] FLAGSX";
	struct imap_cur w = {words, words + sizeof words - 1};
	CHECK(!imap_p_word(&w, "BODY[") && imap_p_word(&w, "BODY.PEEK[") &&
	      imap_p_word(&w, "HEADER"));
	CHECK(imap_p_char(&w, ']') && imap_p_sp(&w) && !imap_p_word(&w, "FLAGS"));
	char tag[] = "a+b";
	struct imap_cur t = {tag, tag + 3};
	CHECK(imap_p_tag(&t, &s, &n) && n == 1);
}

int main(void)
{
	test_reader();
	test_limits();
	test_literal_max();
	test_tokens();
	return check_done("test_imap_parse");
}
