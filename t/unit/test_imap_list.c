/* LIST, LSUB and STATUS arguments, and mailbox patterns. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "imap_list.h"

/* Parse text (the arguments after "LIST "); a copy, as the parser
 * unescapes in place.  Returns the BAD text or NULL. */
static const char *parse(const char *text, int lsub, struct imap_list_args *a)
{
	static char buf[8192];
	size_t n = strlen(text);
	memcpy(buf, text, n);
	struct imap_cur c = {buf, buf + n};
	return imap_list_parse(&c, lsub, a);
}

#define PAT_IS(a, k, str) CHECK_MEM((a).pat[k].s, (a).pat[k].n, str, strlen(str))

static void test_base(void)
{
	struct imap_list_args a;
	CHECK(!parse("\"\" *", 0, &a));
	CHECK(!a.extended && a.sel == 0 && a.ret == 0 && a.reflen == 0 && a.npat == 1);
	PAT_IS(a, 0, "*");
	CHECK(!parse("archive/ \"%\"", 0, &a));
	CHECK_MEM(a.ref, a.reflen, "archive/", 8);
	PAT_IS(a, 0, "%");
	CHECK(!parse("\"\" \"\"", 0, &a) && !a.extended && a.npat == 1 && a.pat[0].n == 0);
	CHECK(!parse("\"\" foo]*%", 0, &a));
	PAT_IS(a, 0, "foo]*%");
	CHECK(!parse("{2}\r\nab {3}\r\nx%y", 0, &a));
	CHECK_MEM(a.ref, a.reflen, "ab", 2);
	PAT_IS(a, 0, "x%y");
	CHECK(!parse("\"\" \"a\\\"b\"", 1, &a));
	PAT_IS(a, 0, "a\"b");
}

static void test_extended(void)
{
	struct imap_list_args a;
	CHECK(!parse("() \"\" \"%\"", 0, &a));
	CHECK(a.extended && a.sel == 0 && a.ret == 0);
	CHECK(!parse("\"\" (\"INBOX\" Sent* \"\")", 0, &a));
	CHECK(a.extended && a.npat == 3);
	PAT_IS(a, 0, "INBOX");
	PAT_IS(a, 1, "Sent*");
	PAT_IS(a, 2, "");
	CHECK(!parse("\"\" % RETURN ()", 0, &a) && a.extended && a.ret == 0);
	CHECK(!parse("(subscribed) \"\" *", 0, &a));
	CHECK(a.sel == IMAP_LIST_SEL_SUBSCRIBED && a.ret == IMAP_LIST_RET_SUBSCRIBED);
	CHECK(!parse("(SPECIAL-USE RECURSIVEMATCH REMOTE) \"\" *", 0, &a));
	CHECK(a.sel == (IMAP_LIST_SEL_SPECIAL_USE | IMAP_LIST_SEL_RECURSIVEMATCH |
	                IMAP_LIST_SEL_REMOTE) &&
	      a.ret == IMAP_LIST_RET_SPECIAL_USE);
	CHECK(!parse("(SUBSCRIBED SUBSCRIBED) \"\" *", 0, &a) && a.sel == IMAP_LIST_SEL_SUBSCRIBED);
	CHECK(!parse("\"\" * RETURN (CHILDREN SUBSCRIBED special-use)", 0, &a));
	CHECK(a.ret ==
	      (IMAP_LIST_RET_CHILDREN | IMAP_LIST_RET_SUBSCRIBED | IMAP_LIST_RET_SPECIAL_USE));
	CHECK(!parse("\"\" * RETURN (STATUS (MESSAGES UNSEEN SIZE) CHILDREN STATUS (size "
	             "UIDNEXT))",
	             0, &a));
	CHECK(a.ret == (IMAP_LIST_RET_STATUS | IMAP_LIST_RET_CHILDREN));
	CHECK(a.status.n == 4 && a.status.item[0] == IMAP_STATUS_MESSAGES &&
	      a.status.item[1] == IMAP_STATUS_UNSEEN && a.status.item[2] == IMAP_STATUS_SIZE &&
	      a.status.item[3] == IMAP_STATUS_UIDNEXT);
	CHECK(!parse("(SUBSCRIBED RECURSIVEMATCH) \"\" (% \"Fruit/*\") RETURN (STATUS (MESSAGES "
	             "RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE APPENDLIMIT))",
	             0, &a));
	CHECK(a.npat == 2 && a.status.n == IMAP_STATUS_COUNT);
}

static void test_bad(void)
{
	static const char *const bad[] = {
	    "",
	    "\"\"",
	    "\"\" ",
	    "\"\" * ",
	    "\"\" * extra",
	    "(RECURSIVEMATCH) \"\" *",
	    "(REMOTE RECURSIVEMATCH) \"\" *",
	    "(BOGUS) \"\" *",
	    "(SUBSCRIBED \"\" *",
	    "(SUBSCRIBED)\"\" *",
	    "( ) \"\" *",
	    "\"\" () ",
	    "\"\" ()",
	    "\"\" (a b",
	    "\"\" (a  b)",
	    "\"\" * RETURN",
	    "\"\" * RETURN (",
	    "\"\" * RETURN (BOGUS)",
	    "\"\" * RETURN (STATUS)",
	    "\"\" * RETURN (STATUS ())",
	    "\"\" * RETURN (STATUS (MESSAGES)",
	    "\"\" * RETURN (STATUS (DELETED))",
	    "\"\" * RETURN (CHILDREN) x",
	    "\"\" * RETURNS (CHILDREN)",
	    "\"\" \"unterminated",
	    "\"\" {5}\r\nab",
	};
	struct imap_list_args a;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *err = parse(bad[i], 0, &a);
		CHECK(err != NULL);
		if (!err)
			fprintf(stderr, "accepted: %s\n", bad[i]);
	}
	/* LSUB has none of the extensions. */
	CHECK(parse("(SUBSCRIBED) \"\" *", 1, &a));
	CHECK(parse("\"\" (a b)", 1, &a));
	CHECK(parse("\"\" * RETURN (CHILDREN)", 1, &a));
	/* Limits. */
	char many[4096] = "\"\" (";
	for (int i = 0; i < IMAP_LIST_PATTERNS_MAX + 1; i++)
		strcat(many, i ? " x" : "x");
	strcat(many, ")");
	CHECK(parse(many, 0, &a) != NULL);
	char *lng = malloc(IMAP_LIST_PATTERN_MAX_BYTES + 16);
	memcpy(lng, "abc ", 4);
	memset(lng + 4, 'x', IMAP_LIST_PATTERN_MAX_BYTES - 2);
	lng[IMAP_LIST_PATTERN_MAX_BYTES + 2] = 0;
	CHECK(parse(lng, 0, &a) != NULL); /* 3 + MAX - 2 > MAX */
	lng[IMAP_LIST_PATTERN_MAX_BYTES + 1] = 0;
	CHECK(parse(lng, 0, &a) == NULL); /* 3 + MAX - 3 */
	free(lng);
}

/* Every prefix of a good command is refused or, where it is whole,
 * accepted; never a crash or a read past the end (ASan). */
static void test_truncated(void)
{
	static const char good[] = "(SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" %) RETURN "
	                           "(CHILDREN STATUS (MESSAGES SIZE))";
	struct imap_list_args a;
	for (size_t n = 0; n < sizeof good - 1; n++) {
		char *p = malloc(n ? n : 1);
		memcpy(p, good, n);
		struct imap_cur c = {p, p + n};
		const char *err = imap_list_parse(&c, 0, &a);
		/* up to the patterns is a whole command */
		CHECK(err != NULL || n == strlen("(SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" %)"));
		free(p);
	}
	CHECK(parse(good, 0, &a) == NULL);
}

static void test_status_atts(void)
{
	char t1[] = "(MESSAGES messages UIDVALIDITY)";
	struct imap_cur c = {t1, t1 + sizeof t1 - 1};
	struct imap_status_atts at = {0};
	CHECK(imap_p_status_atts(&c, &at) == NULL && imap_p_end(&c));
	CHECK(at.n == 2 && at.item[0] == IMAP_STATUS_MESSAGES &&
	      at.item[1] == IMAP_STATUS_UIDVALIDITY);
	char t2[] = "(MESSAGES SIZES)";
	struct imap_cur c2 = {t2, t2 + sizeof t2 - 1};
	struct imap_status_atts at2 = {0};
	CHECK(imap_p_status_atts(&c2, &at2) != NULL);
	for (int k = 0; k < IMAP_STATUS_COUNT; k++)
		CHECK(imap_status_names[k] && *imap_status_names[k]);
}

#define M(p, name) imap_list_match(p, strlen(p), name, 0)
#define PFX(p, name) imap_list_match(p, strlen(p), name, 1)

static void test_match(void)
{
	CHECK(M("*", "a/b/c") && M("*", "") && M("%", "abc") && !M("%", "a/b"));
	CHECK(M("a/%", "a/b") && !M("a/%", "a/b/c") && M("a/*", "a/b/c") && !M("a/*", "a"));
	CHECK(M("a*c", "abc") && M("a*c", "ac") && M("a*c", "a/x/c") && !M("a%c", "a/c"));
	CHECK(M("%/%", "x/y") && !M("%/%", "x") && M("*2", "foo2/bar2") && !M("*2", "foo2/bar1"));
	CHECK(M("Sent*", "Sent Messages") && M("Sent*", "Sent") && !M("Sent*", "sent"));
	CHECK(M("", "") && !M("", "a") && !M("a", ""));
	CHECK(M("%%", "ab") && M("*%*", "a/b") && M("**a", "ba") && !M("**a", "ab"));
	/* INBOX, as a first component, in any case; nothing else is. */
	CHECK(M("inbox", "INBOX") && M("Inbox/%", "INBOX/x") && M("inbox*", "INBOX/y"));
	CHECK(!M("inbox/X", "INBOX/x") && !M("inbox", "INBOXES") && !M("sent", "Sent"));
	CHECK(M("INBO%", "INBOX") && M("i%", "INBOX"));
	/* Whether anything below could match: where a folder walk goes. */
	CHECK(PFX("%", "a") && !PFX("%", "a/") && PFX("*", "a/b/") && PFX("a/%", "a/"));
	CHECK(!PFX("b/%", "a/") && PFX("*2", "x/") && PFX("Fruit/%", "Fruit/") &&
	      !PFX("Fruit/%", "Fruit/a/"));
	CHECK(PFX("inbox/%", "INBOX/") && !PFX("", "a") && PFX("inbox/%", "INB") &&
	      !M("inb", "INB"));
	/* Limits: long names never match; long patterns neither. */
	char *name = malloc(IMAP_LIST_NAME_MAX_BYTES + 2);
	memset(name, 'a', IMAP_LIST_NAME_MAX_BYTES + 1);
	name[IMAP_LIST_NAME_MAX_BYTES + 1] = 0;
	CHECK(!M("*", name));
	name[IMAP_LIST_NAME_MAX_BYTES] = 0;
	CHECK(M("*", name));
	free(name);
	char *pat = malloc(IMAP_LIST_PATTERN_MAX_BYTES + 2);
	memset(pat, '*', IMAP_LIST_PATTERN_MAX_BYTES + 1);
	pat[IMAP_LIST_PATTERN_MAX_BYTES + 1] = 0;
	CHECK(!M(pat, "x"));
	pat[IMAP_LIST_PATTERN_MAX_BYTES] = 0;
	CHECK(M(pat, "x"));
	free(pat);
}

int main(void)
{
	test_base();
	test_extended();
	test_bad();
	test_truncated();
	test_status_atts();
	test_match();
	return check_done("test_imap_list");
}
