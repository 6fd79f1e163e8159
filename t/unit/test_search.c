/* Unit tests for search's parser: every key, RETURN, CHARSET, nesting,
 * limits, errors, and commands assembled by imap_reader byte by byte. */
#include "check.h"
#include "search.h"

#include <stdlib.h>

static char err[SEARCH_ERR_MAX_BYTES];

/* Parse SEARCH's arguments args (as after the word SEARCH). */
static enum search_status parse_n(const char *args, size_t n, int uid, struct search_prog **p)
{
	static char buf[1 << 17];
	if (n > sizeof buf)
		return (enum search_status)98;
	memcpy(buf, args, n);
	struct imap_cur c = {buf, buf + n};
	enum search_status st = search_parse(&c, uid, p, err, sizeof err);
	if (st == SEARCH_OK && c.p != c.end)
		return (enum search_status)99;
	return st;
}

static enum search_status parse(const char *args, struct search_prog **p)
{
	return parse_n(args, strlen(args), 0, p);
}

static int ok(const char *args)
{
	struct search_prog *p;
	enum search_status st = parse(args, &p);
	if (st != SEARCH_OK)
		fprintf(stderr, "parse failed: [%s]: %s\n", args, err);
	search_free(p);
	return st == SEARCH_OK;
}

/* Fails with BAD, and the message contains want. */
static int bad(const char *args, const char *want)
{
	struct search_prog *p;
	enum search_status st = parse(args, &p);
	if (st != SEARCH_BAD || !strstr(err, want) || p) {
		fprintf(stderr, "expected BAD [%s] for [%s], got %d [%s]\n", want, args, st, err);
		search_free(p);
		return 0;
	}
	return 1;
}

static void every_key(void)
{
	static const char *const keys[] = {" ALL",
	                                   " ANSWERED",
	                                   " BCC x",
	                                   " BEFORE 1-Feb-1994",
	                                   " BODY \"two words\"",
	                                   " CC x",
	                                   " DELETED",
	                                   " DRAFT",
	                                   " FLAGGED",
	                                   " FROM x",
	                                   " HEADER X-Foo bar",
	                                   " KEYWORD $Junk",
	                                   " LARGER 100",
	                                   " NEW",
	                                   " NOT SEEN",
	                                   " OLD",
	                                   " ON 01-Feb-1994",
	                                   " OR SEEN FLAGGED",
	                                   " RECENT",
	                                   " SEEN",
	                                   " SENTBEFORE 1-Feb-1994",
	                                   " SENTON \"1-Feb-1994\"",
	                                   " SENTSINCE 29-Feb-2000",
	                                   " SINCE 31-Dec-1999",
	                                   " SMALLER 5",
	                                   " SUBJECT {3}\r\nabc",
	                                   " TEXT x",
	                                   " TO x",
	                                   " UID 1:*",
	                                   " UNANSWERED",
	                                   " UNDELETED",
	                                   " UNDRAFT",
	                                   " UNFLAGGED",
	                                   " UNKEYWORD foo",
	                                   " UNSEEN",
	                                   " 1,3:5,7:*",
	                                   " *",
	                                   " $",
	                                   " UID $",
	                                   " (SEEN)",
	                                   " (SEEN FLAGGED (UNDRAFT OR ANSWERED NOT DELETED))",
	                                   " all",
	                                   " from x",
	                                   " Uid 5",
	                                   " HEADER \"\" \"\"",
	                                   " KEYWORD \\Seen",
	                                   " UNKEYWORD \\flagged",
	                                   " LARGER 4294967295",
	                                   " BODY \"\\\"quoted\\\\\"",
	                                   " SUBJECT {0}\r\n",
	                                   " CHARSET UTF-8 ALL",
	                                   " CHARSET us-ascii FROM x",
	                                   " CHARSET \"UTF-8\" ALL",
	                                   " RETURN () ALL",
	                                   " RETURN (MIN MAX COUNT ALL SAVE) ALL",
	                                   " return (count) charset utf-8 seen",
	                                   " SINCE 1-feb-1994",
	                                   " SINCE 1-FEB-1994",
	                                   NULL};
	for (int i = 0; keys[i]; i++)
		CHECK(ok(keys[i]));
}

static void errors(void)
{
	CHECK(bad("", "Expected a space and a search key"));
	CHECK(bad(" ", "Expected a search key"));
	CHECK(bad(" FOO", "Unknown search key FOO"));
	CHECK(bad(" ALL FOO", "Unknown search key FOO"));
	CHECK(bad(" FROM", "after FROM"));
	CHECK(bad(" FROM ", "Expected a string after FROM"));
	CHECK(bad(" HEADER X-Foo", "after HEADER"));
	CHECK(bad(" SINCE 32-Jan-2020", "Expected a date (d-Mon-yyyy) after SINCE"));
	CHECK(bad(" SINCE 29-Feb-2001", "date"));
	CHECK(bad(" BEFORE 1-Foo-2020", "date"));
	CHECK(bad(" ON 1-Feb-94", "date"));
	CHECK(bad(" ON 1994-02-01", "date"));
	CHECK(bad(" ON 100-Feb-1994", "date"));
	CHECK(bad(" SENTON \"1-Feb-1994", "date"));
	CHECK(bad(" LARGER x", "Expected a number after LARGER"));
	CHECK(bad(" LARGER 4294967296", "number"));
	CHECK(bad(" SMALLER 5x", "number"));
	CHECK(bad(" (ALL", "or ) to end the list"));
	CHECK(bad(" ()", "Expected a search key"));
	CHECK(bad(" ( ALL)", "Expected a search key"));
	CHECK(bad(" ALL)", "Unexpected characters after the search keys"));
	CHECK(bad(" ALL  SEEN", "Expected a search key"));
	CHECK(bad(" ALL ", "Expected a search key"));
	CHECK(bad(" NOT", "after NOT"));
	CHECK(bad(" OR ALL", "after OR"));
	CHECK(bad(" OR ALL FOO", "Unknown search key FOO"));
	CHECK(bad(" UID x", "Expected a sequence set or $ after UID"));
	CHECK(bad(" UID 0", "sequence set"));
	CHECK(bad(" 1:x", "sequence set"));
	CHECK(bad(" 1,", "sequence set"));
	CHECK(bad(" $x", "sequence set"));
	CHECK(bad(" KEYWORD", "after KEYWORD"));
	CHECK(bad(" KEYWORD (x)", "Expected a keyword after KEYWORD"));
	CHECK(bad(" KEYWORD \\Foo", "Unknown system flag \\Foo"));
	CHECK(bad(" RETURN ALL", "Expected (options) after RETURN"));
	CHECK(bad(" RETURN (FOO) ALL", "Unknown RETURN option FOO"));
	CHECK(bad(" RETURN (MIN", "Expected ) after the RETURN options"));
	CHECK(bad(" RETURN (MIN)", "Expected a space and a search key"));
	CHECK(bad(" CHARSET", "Expected a charset"));
	CHECK(bad(" CHARSET UTF-8", "Expected a space and a search key"));
	CHECK(bad(" SUBJECT {5}\r\nab", "Expected a string"));
	/* An unknown key's name is shown printable and short. */
	CHECK(bad(" X\x01Y", "Unknown search key X"));
	CHECK(bad(" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAA..."));

	/* Unknown charsets: NO with the response code, unless the syntax is bad first. */
	struct search_prog *p;
	CHECK(parse(" CHARSET KOI8-R ALL", &p) == SEARCH_BADCHARSET && !p);
	CHECK(!strcmp(err, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"));
	CHECK(parse(" RETURN (FOO) CHARSET KOI8-R ALL", &p) == SEARCH_BAD);
}

static void nesting(void)
{
	char buf[512];
	size_t n = 0;
	/* SEARCH_DEPTH_MAX levels of parentheses are fine, one more is not. */
	for (int depth = SEARCH_DEPTH_MAX; depth <= SEARCH_DEPTH_MAX + 1; depth++) {
		n = 0;
		buf[n++] = ' ';
		for (int i = 0; i < depth; i++)
			buf[n++] = '(';
		memcpy(buf + n, "ALL", 3), n += 3;
		for (int i = 0; i < depth; i++)
			buf[n++] = ')';
		buf[n] = 0;
		if (depth == SEARCH_DEPTH_MAX)
			CHECK(ok(buf));
		else
			CHECK(bad(buf, "Search keys nested deeper than 32"));
	}
	/* NOT and OR count as levels too. */
	n = 0;
	for (int i = 0; i < SEARCH_DEPTH_MAX; i++)
		memcpy(buf + n, " NOT", 4), n += 4;
	memcpy(buf + n, " ALL", 5);
	CHECK(ok(buf));
	memcpy(buf + n, " NOT ALL", 9);
	CHECK(bad(buf, "nested deeper"));
	n = 0;
	for (int i = 0; i <= SEARCH_DEPTH_MAX; i++)
		memcpy(buf + n, " OR ALL", 7), n += 7;
	memcpy(buf + n, " ALL", 5);
	CHECK(bad(buf, "nested deeper"));

	/* A deep input far past the limit is refused without deep recursion. */
	static char deep[100000];
	deep[0] = ' ';
	memset(deep + 1, '(', sizeof deep - 2);
	deep[sizeof deep - 1] = 0;
	CHECK(bad(deep, "nested deeper"));
}

static void key_count(void)
{
	static char buf[8 * (SEARCH_KEYS_MAX + 2)];
	size_t n = 0;
	/* The root counts as one key. */
	for (int i = 0; i < SEARCH_KEYS_MAX - 1; i++)
		memcpy(buf + n, " SEEN", 5), n += 5;
	buf[n] = 0;
	CHECK(ok(buf));
	memcpy(buf + n, " SEEN", 6);
	CHECK(bad(buf, "Too many search keys (at most 1000)"));
}

static void returns(void)
{
	struct search_prog *p;
	CHECK(parse(" ALL", &p) == SEARCH_OK && search_returns(p) == 0 && !search_uses_saved(p));
	search_free(p);
	CHECK(parse(" RETURN () ALL", &p) == SEARCH_OK &&
	      search_returns(p) == (SEARCH_RET_ESEARCH | SEARCH_RET_ALL));
	search_free(p);
	CHECK(parse(" RETURN (SAVE) ALL", &p) == SEARCH_OK &&
	      search_returns(p) == (SEARCH_RET_ESEARCH | SEARCH_RET_SAVE));
	search_free(p);
	CHECK(parse(" RETURN (MIN MAX) OR $ 4", &p) == SEARCH_OK &&
	      search_returns(p) == (SEARCH_RET_ESEARCH | SEARCH_RET_MIN | SEARCH_RET_MAX) &&
	      search_uses_saved(p));
	search_free(p);
	CHECK(parse(" RETURN (count ALL min) UID $", &p) == SEARCH_OK &&
	      search_returns(p) ==
	          (SEARCH_RET_ESEARCH | SEARCH_RET_MIN | SEARCH_RET_COUNT | SEARCH_RET_ALL) &&
	      search_uses_saved(p));
	search_free(p);
}

/* The command arrives one byte at a time through imap_reader, literals
 * and all; the program is parsed from the assembled command. */
static void byte_by_byte(void)
{
	static const char wire[] =
	    "a1 UID SEARCH RETURN (COUNT) CHARSET UTF-8 SUBJECT {6}\r\n"
	    "he\"l\0o FROM \"x\\\"y\" (OR BODY {3+}\r\nabc SINCE 1-Feb-1994)\r\n"
	    "a2 SEARCH FOO\r\n";
	char buf[4096];
	struct imap_reader r;
	int commands = 0, continues = 0;
	imap_reader_init(&r, buf, sizeof buf, 1024);
	for (size_t i = 0; i < sizeof wire - 1; i++) {
		enum imap_rd_status st;
		CHECK(imap_reader_feed(&r, wire + i, 1, &st) == 1);
		if (st == IMAP_RD_CONTINUE)
			continues++;
		if (st != IMAP_RD_COMMAND)
			continue;
		struct imap_cur c = {r.cmd, r.cmd + r.len};
		char *tag;
		size_t tn;
		CHECK(imap_p_tag(&c, &tag, &tn) && imap_p_sp(&c));
		int uid = imap_p_word(&c, "UID") && imap_p_sp(&c);
		CHECK(imap_p_word(&c, "SEARCH"));
		struct search_prog *p;
		enum search_status ss = search_parse(&c, uid, &p, err, sizeof err);
		if (commands++ == 0) {
			CHECK(ss == SEARCH_OK && uid && c.p == c.end);
			CHECK(search_returns(p) == (SEARCH_RET_ESEARCH | SEARCH_RET_COUNT));
		} else {
			CHECK(ss == SEARCH_BAD && !strcmp(err, "Unknown search key FOO"));
		}
		search_free(p);
		imap_reader_reset(&r);
	}
	CHECK(commands == 2 && continues == 1);
}

int main(void)
{
	every_key();
	errors();
	nesting();
	key_count();
	returns();
	byte_by_byte();
	return check_done("test_search");
}
