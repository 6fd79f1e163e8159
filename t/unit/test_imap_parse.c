/* The command reader, whole and byte by byte, and the token readers. */
#include <stdio.h>
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

/* Ask mode: the decision for a literal from the command so far: "s ..."
 * commands stream theirs, "r ..." refuse theirs, the others keep them. */
static enum imap_lit_how decide(const struct imap_reader *r)
{
	if (r->cmd[0] == 's')
		return IMAP_LIT_STREAM;
	return r->cmd[0] == 'r' ? IMAP_LIT_REFUSE : IMAP_LIT_KEEP;
}

/* Feed in[0..n) in pieces of step bytes in ask mode; write what happens
 * into log: "+" for a continuation, "<data>" for streamed bytes (joined),
 * "[cmd]" for a command ("@k" where its streamed literal was), "!" for
 * a skipped command, "E" for an error (and stop). */
static void run_ask(const char *in, size_t n, size_t step, char *log, size_t logcap)
{
	static char buf[CAP];
	struct imap_reader r;
	size_t k = 0;
	int in_data = 0;
	imap_reader_init(&r, buf, CAP, 64);
	imap_reader_ask(&r, 1);
	log[0] = 0;
#define LOG(...) (k += (size_t)snprintf(log + k, k < logcap ? logcap - k : 0, __VA_ARGS__))
	for (size_t off = 0; off < n;) {
		size_t len = n - off < step ? n - off : step;
		size_t used = 0;
		while (used < len) {
			enum imap_rd_status st;
			size_t got = imap_reader_feed(&r, in + off + used, len - used, &st);
			if (st == IMAP_RD_DATA) {
				LOG("%s%.*s", in_data ? "" : "<", (int)got, in + off + used);
				in_data = 1;
				used += got;
				continue;
			}
			if (in_data)
				LOG(">");
			in_data = 0;
			used += got;
			if (st == IMAP_RD_LITERAL)
				st = imap_reader_literal(&r, decide(&r));
			if (st == IMAP_RD_CONTINUE) {
				LOG("+");
			} else if (st == IMAP_RD_COMMAND) {
				LOG("[%.*s", (int)r.len, r.cmd);
				if (r.streamed)
					LOG("@%zu", r.stream_at);
				LOG("]");
				imap_reader_reset(&r);
			} else if (st == IMAP_RD_SKIPPED) {
				LOG("!");
				imap_reader_reset(&r);
			} else if (st != IMAP_RD_MORE) {
				LOG("E");
				return;
			}
		}
		off += len;
	}
	if (in_data)
		LOG(">");
#undef LOG
}

static void check_ask(const char *in, size_t n, const char *want)
{
	for (size_t step = 1; step <= n; step++) {
		char log[512];
		run_ask(in, n, step, log, sizeof log);
		if (strcmp(log, want) != 0)
			fprintf(stderr, "step %zu: got %s\n", step, log);
		CHECK_STR(log, want);
	}
}

static void test_ask(void)
{
	/* A streamed literal, synchronizing: "+" at once, the bytes never in
	 * the buffer (so a literal bigger than it is fine), the rest of the
	 * command goes on where the marker was. */
	static const char big[] = "s APPEND X {300}\r\n";
	char in[sizeof big + 300 + 16], want[400];
	size_t n = sizeof big - 1;
	memcpy(in, big, n);
	for (size_t i = 0; i < 300; i++)
		in[n++] = "{3}\r\n x"[i % 7];
	memcpy(in + n, "\r\nb NOOP\r\n", 10);
	n += 10;
	snprintf(want, sizeof want, "+<%.300s>[s APPEND X @11][b NOOP]", in + sizeof big - 1);
	check_ask(in, n, want);
	/* Non-synchronizing, something after it on the line, an empty one. */
	static const char plus[] = "s APPEND X {3+}\r\nabc extra\r\ns X {0+}\r\n\r\n";
	check_ask(plus, sizeof plus - 1, "<abc>[s APPEND X  extra@11][s X @4]");
	/* Refused synchronizing: the client sends nothing more of it. */
	static const char rsync[] = "r APPEND X {5}\r\nb NOOP\r\n";
	check_ask(rsync, sizeof rsync - 1, "![b NOOP]");
	/* Refused non-synchronizing: its bytes (markers and line ends inside
	 * them are data) and the following ones are thrown away. */
	static const char rplus[] = "r APPEND X {7+}\r\n{2+}\r\n\r {2+}\r\nxy {1}\r\nb NOOP\r\n";
	check_ask(rplus, sizeof rplus - 1, "![b NOOP]");
	static const char rplain[] = "r X {1+}\r\nz tail\r\nc NOOP\r\n";
	check_ask(rplain, sizeof rplain - 1, "![c NOOP]");
	/* Kept literals are as without ask mode, and too big is still refused. */
	static const char keep[] = "c LOGIN {3}\r\nabc {2+}\r\nxy\r\n";
	check_ask(keep, sizeof keep - 1, "+[c LOGIN {3}\r\nabc {2}\r\nxy]");
	static const char toobig[] = "c LOGIN {300}\r\n";
	check_ask(toobig, sizeof toobig - 1, "E");
	/* A line too long while skipping still ends the connection. */
	char longline[120] = "r X {1+}\r\nz";
	memset(longline + 11, 'y', sizeof longline - 11);
	char log[64];
	run_ask(longline, sizeof longline, 5, log, sizeof log);
	CHECK_STR(log, "E");
	/* A zero-length kept literal starts a new line (its marker is not
	 * taken again). */
	static const char zero[] = "c X {0+}\r\n {1}\r\nq\r\n";
	check_ask(zero, sizeof zero - 1, "+[c X {0}\r\n {1}\r\nq]");
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
	test_ask();
	test_tokens();
	return check_done("test_imap_parse");
}
