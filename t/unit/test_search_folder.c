/* Unit tests for search over a folder: flags, keywords, sequence and UID
 * sets, "$", the SEARCH and ESEARCH answers, SEARCHRES's saved result,
 * and every message of ../shared/corpus/mime. */
#include "check.h"
#include "mh_folder.h"
#include "search.h"

#include <dirent.h>
#include <stdlib.h>

#define CORPUS "/work/shared/corpus/mime"

struct msg {
	uint32_t uid;
	unsigned flags;
	uint64_t keywords;
	const char *text;
	size_t len;
};

static int load(void *ctx, enum search_load what, const char **data, size_t *len)
{
	const struct msg *m = ctx;
	(void)what;
	*data = m->text;
	*len = m->len ? m->len : strlen(m->text);
	return 1;
}

/* "Later" and "later": two MH sequences, one keyword for SEARCH. */
static const char *const kwnames[] = {"work", "$Junk", "later", "Later", NULL};

static uint64_t kw_mask(void *ctx, const char *name)
{
	uint64_t m = 0;
	(void)ctx;
	for (int i = 0; kwnames[i]; i++)
		if (!strcasecmp(kwnames[i], name))
			m |= (uint64_t)1 << i;
	return m;
}

static char out[1 << 16];
static struct seqset saved;

/* Run SEARCH args (uid: UID SEARCH) over msgs and return the answer. */
static const char *run(const char *args, int uid, struct msg *msgs, size_t n)
{
	char buf[4096], err[SEARCH_ERR_MAX_BYTES];
	struct search_prog *p;
	snprintf(buf, sizeof buf, " %s", args);
	struct imap_cur c = {buf, buf + strlen(buf)};
	if (search_parse(&c, uid, &p, err, sizeof err) != SEARCH_OK) {
		snprintf(out, sizeof out, "BAD %s", err);
		return out;
	}
	search_bind_keywords(p, kw_mask, NULL);
	uint32_t max_uid = n ? msgs[n - 1].uid : 0;
	CHECK(search_begin(p, (uint32_t)n, max_uid, saved.n ? &saved : NULL));
	for (size_t i = 0; i < n; i++) {
		struct search_msg m = {
		    (uint32_t)i + 1,         msgs[i].uid, msgs[i].flags, msgs[i].keywords,
		    1000 * (int64_t)(i + 1), 0,           load,          &msgs[i]};
		CHECK(search_match(p, &m) >= 0);
	}
	struct dbuf d = DBUF_ZERO;
	CHECK(search_write(p, "a1", &d));
	snprintf(out, sizeof out, "%.*s", (int)dbuf_live(&d), dbuf_live(&d) ? dbuf_data(&d) : "");
	dbuf_free(&d, 0);
	if (search_returns(p) & SEARCH_RET_SAVE) {
		seqset_free(&saved);
		CHECK(search_saved(p, &saved));
	}
	search_free(p);
	return out;
}

static struct msg folder[] = {
    {10, SEARCH_SEEN | SEARCH_ANSWERED, 1 << 0, "Subject: one\n\n", 0},
    {20, SEARCH_RECENT, 1 << 1, "Subject: two\n\n", 0},
    {30, SEARCH_RECENT | SEARCH_SEEN | SEARCH_FLAGGED, 1 << 3, "Subject: three\n\n", 0},
    {40, SEARCH_DELETED | SEARCH_DRAFT, (1 << 0) | (1 << 2), "Subject: four\n\n", 0},
};
#define N (sizeof folder / sizeof *folder)

static void flags_and_sets(void)
{
	static const struct {
		const char *args, *want;
	} cases[] = {
	    {"ALL", "* SEARCH 1 2 3 4\r\n"},
	    {"SEEN", "* SEARCH 1 3\r\n"},
	    {"UNSEEN", "* SEARCH 2 4\r\n"},
	    {"ANSWERED", "* SEARCH 1\r\n"},
	    {"UNANSWERED", "* SEARCH 2 3 4\r\n"},
	    {"FLAGGED", "* SEARCH 3\r\n"},
	    {"UNFLAGGED", "* SEARCH 1 2 4\r\n"},
	    {"DELETED", "* SEARCH 4\r\n"},
	    {"UNDELETED", "* SEARCH 1 2 3\r\n"},
	    {"DRAFT", "* SEARCH 4\r\n"},
	    {"UNDRAFT", "* SEARCH 1 2 3\r\n"},
	    {"RECENT", "* SEARCH 2 3\r\n"},
	    {"NEW", "* SEARCH 2\r\n"},
	    {"OLD", "* SEARCH 1 4\r\n"},
	    {"KEYWORD work", "* SEARCH 1 4\r\n"},
	    {"KEYWORD $junk", "* SEARCH 2\r\n"},
	    {"UNKEYWORD work", "* SEARCH 2 3\r\n"},
	    {"KEYWORD nosuch", "* SEARCH\r\n"},
	    {"KEYWORD WORK", "* SEARCH 1 4\r\n"},  /* keywords ignore case */
	    {"KEYWORD later", "* SEARCH 3 4\r\n"}, /* "later" or "Later" */
	    {"KEYWORD LATER", "* SEARCH 3 4\r\n"},
	    {"UNKEYWORD Later", "* SEARCH 1 2\r\n"},
	    {"UNKEYWORD nosuch", "* SEARCH 1 2 3 4\r\n"},
	    {"KEYWORD \\Seen", "* SEARCH 1 3\r\n"},
	    {"UNKEYWORD \\Seen", "* SEARCH 2 4\r\n"},
	    {"LARGER 2000", "* SEARCH 3 4\r\n"},
	    {"SMALLER 2000", "* SEARCH 1\r\n"},
	    {"2:*", "* SEARCH 2 3 4\r\n"},
	    {"*", "* SEARCH 4\r\n"},
	    {"*:3", "* SEARCH 3 4\r\n"},
	    {"1,3,9", "* SEARCH 1 3\r\n"},
	    {"UID 20:30", "* SEARCH 2 3\r\n"},
	    {"UID 35:*", "* SEARCH 4\r\n"},
	    {"UID 100:*", "* SEARCH 4\r\n"}, /* n:* includes the highest UID */
	    {"UID 1:4294967295", "* SEARCH 1 2 3 4\r\n"},
	    {"NOT 2:3", "* SEARCH 1 4\r\n"},
	    {"OR SEEN DELETED", "* SEARCH 1 3 4\r\n"},
	    {"OR (SEEN FLAGGED) NOT OR RECENT DRAFT", "* SEARCH 1 3\r\n"},
	    {"SEEN UNSEEN", "* SEARCH\r\n"},
	    {"NOT NOT SEEN", "* SEARCH 1 3\r\n"},
	    {"SUBJECT t", "* SEARCH 2 3\r\n"},
	    {"$", "* SEARCH\r\n"}, /* nothing saved yet */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = run(cases[i].args, 0, folder, N);
		if (strcmp(got, cases[i].want))
			fprintf(stderr, "SEARCH %s: got [%s] want [%s]\n", cases[i].args, got,
			        cases[i].want);
		CHECK(!strcmp(got, cases[i].want));
	}
	CHECK_STR(run("UNSEEN", 1, folder, N), "* SEARCH 20 40\r\n");
	CHECK_STR(run("ALL", 0, folder, 0), "* SEARCH\r\n");
	CHECK_STR(run("UID 5:*", 1, folder, 0), "* SEARCH\r\n");
	CHECK_STR(run("1:*", 0, folder, 0), "* SEARCH\r\n");

	/* The highest sequence number named, for callers that refuse more than EXISTS. */
	char args[] = " OR 2,9 UID 50 *", err[SEARCH_ERR_MAX_BYTES];
	struct imap_cur c = {args, args + strlen(args)};
	struct search_prog *p;
	CHECK(search_parse(&c, 0, &p, err, sizeof err) == SEARCH_OK);
	CHECK(search_begin(p, 4, 40, NULL) && search_max_seq(p) == 9);
	search_free(p);
}

static void esearch(void)
{
	CHECK_STR(run("RETURN (MIN MAX COUNT ALL) NOT 3", 0, folder, N),
	          "* ESEARCH (TAG \"a1\") MIN 1 MAX 4 ALL 1:2,4 COUNT 3\r\n");
	CHECK_STR(run("RETURN () UNDELETED", 1, folder, N),
	          "* ESEARCH (TAG \"a1\") UID ALL 10,20,30\r\n");
	CHECK_STR(run("RETURN (COUNT) UNDELETED", 1, folder, N),
	          "* ESEARCH (TAG \"a1\") UID COUNT 3\r\n");
	CHECK_STR(run("RETURN (MIN MAX ALL COUNT) SEEN UNSEEN", 0, folder, N),
	          "* ESEARCH (TAG \"a1\") COUNT 0\r\n");
	CHECK_STR(run("RETURN (MIN) SEEN UNSEEN", 1, folder, N), "* ESEARCH (TAG \"a1\") UID\r\n");
	CHECK_STR(run("RETURN (MAX) 2,3", 0, folder, N), "* ESEARCH (TAG \"a1\") MAX 3\r\n");
}

static void searchres(void)
{
	/* SAVE alone answers nothing untagged; "$" then names the saved UIDs. */
	CHECK_STR(run("RETURN (SAVE) OR 1 4", 0, folder, N), "");
	CHECK(saved.n == 2 && saved.r[0].lo == 10 && saved.r[1].lo == 40);
	CHECK_STR(run("$", 0, folder, N), "* SEARCH 1 4\r\n");
	CHECK_STR(run("UID $", 1, folder, N), "* SEARCH 10 40\r\n");
	CHECK_STR(run("NOT $", 0, folder, N), "* SEARCH 2 3\r\n");
	/* SAVE with MIN or MAX alone saves just those (RFC 5182 2.4). */
	CHECK_STR(run("RETURN (SAVE MIN) UNDELETED", 0, folder, N),
	          "* ESEARCH (TAG \"a1\") MIN 1\r\n");
	CHECK(saved.n == 1 && saved.r[0].lo == 10 && saved.r[0].hi == 10);
	CHECK_STR(run("RETURN (SAVE MIN MAX) UNDELETED", 1, folder, N),
	          "* ESEARCH (TAG \"a1\") UID MIN 10 MAX 30\r\n");
	CHECK(saved.n == 2 && saved.r[0].lo == 10 && saved.r[1].lo == 30);
	CHECK_STR(run("RETURN (SAVE MIN COUNT) 2:*", 0, folder, N),
	          "* ESEARCH (TAG \"a1\") MIN 2 COUNT 3\r\n");
	CHECK(saved.n == 3 && saved.r[0].lo == 20 && saved.r[2].hi == 40);
	/* "$" in the same command as SAVE names the result saved before. */
	CHECK_STR(run("RETURN (SAVE ALL) NOT $", 0, folder, N), "* ESEARCH (TAG \"a1\") ALL 1\r\n");
	CHECK(saved.n == 1 && saved.r[0].lo == 10 && saved.r[0].hi == 10);
	CHECK_STR(run("RETURN (SAVE) SEEN UNSEEN", 0, folder, N), "");
	CHECK(saved.n == 0);
	seqset_free(&saved);
}

/* A long result is written whole, and a run of UIDs stays one range. */
static void large(void)
{
	static struct msg many[5000];
	for (size_t i = 0; i < 5000; i++)
		many[i] = (struct msg){(uint32_t)(i + 1) * (i < 2500 ? 1 : 2), 0, 0, "", 0};
	const char *got = run("RETURN (ALL COUNT) ALL", 1, many, 5000);
	CHECK(!strncmp(got, "* ESEARCH (TAG \"a1\") UID ALL 1:2500,5002,5004,", 46));
	CHECK(strstr(got, ",9998,10000 COUNT 5000\r\n") != NULL);
	got = run("1:*", 0, many, 5000);
	CHECK(!strncmp(got, "* SEARCH 1 2 3 ", 15) && strstr(got, " 4999 5000\r\n"));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	return buf;
}

/* Every corpus message survives every kind of key; some have known answers. */
static void corpus(void)
{
	static const struct {
		const char *file, *args;
		int want;
	} known[] = {
	    {"m1.eml", "BODY \"the text body\"", 1},
	    {"m2.eml", "BODY \"<b>html</b> body\"", 1},
	    {"m4.eml", "BODY empty.gif", 0},
	    {"m4.eml", "TEXT empty.gif", 1},
	    {"m6.eml", "BODY \"AN ATTACHED DOCUMENT\"", 1},
	    {"m8.eml", "BODY \"is not the body\"", 1},
	    {"m10.eml", "BODY \"sorry to have to inform you\"", 1},
	    {"m10.eml", "SENTON 26-Jan-2022", 1},
	    {"m11.eml", "BODY unsubscribe SUBJECT \"delivery error\"", 1},
	    {"m11.eml", "SUBJECT unsubscribe", 0},
	    {"m11.eml", "BODY \"Jamie Zawinski\"", 0},
	    {"m11.eml", "TEXT \"Jamie Zawinski\"", 1},
	    {"m11.eml", "BODY err.nosuchuser", 1},
	    {"m11.eml", "BODY \"caused the following\"", 0}, /* the preamble */
	    {"m13.eml", "SENTON 20-Sep-1995 BODY \"multipart/report spec\"", 1},
	    {"m14.eml", "BODY \"same level\"", 1},
	    {"m15.eml", "SENTON 7-May-1995 BODY \"nextstep, nextstep\"", 1},
	    {"m16.eml", "BODY \"test headers\"", 1},
	    {"broken1.eml", "BODY \"unicode email parsing\" SENTON 6-Oct-1994", 1},
	    {"broken2.eml", "SUBJECT \"☀️ – Join us\"", 1},
	    {"broken2.eml", "FROM \"peju winery\"", 1},
	    {"broken3.eml", "SUBJECT \"Star Wars™\"", 1},
	};
	static const char *const every[] = {
	    "TEXT zzzqqq",           "BODY zzzqqq", "FROM x",           "HEADER Received \"\"",
	    "SENTBEFORE 1-Jan-2000", "LARGER 1000", "OR TEXT a BODY b", "NOT TEXT \"\"",
	};
	DIR *d = opendir(CORPUS);
	struct dirent *e;
	int files = 0;
	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		char path[512];
		size_t len;
		if (!strstr(e->d_name, ".eml"))
			continue;
		snprintf(path, sizeof path, "%s/%s", CORPUS, e->d_name);
		char *text = slurp(path, &len);
		CHECK(text != NULL);
		if (!text)
			continue;
		files++;
		struct msg m = {1, 0, 0, text, len};
		for (size_t i = 0; i < sizeof every / sizeof *every; i++)
			CHECK(strncmp(run(every[i], 0, &m, 1), "* SEARCH", 8) == 0);
		CHECK_STR(run("NOT TEXT \"\"", 0, &m, 1), "* SEARCH\r\n");
		for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
			if (strcmp(known[i].file, e->d_name))
				continue;
			const char *got = run(known[i].args, 0, &m, 1);
			int hit = !strcmp(got, "* SEARCH 1\r\n");
			if (hit != known[i].want)
				fprintf(stderr, "%s: SEARCH %s: got [%s]\n", e->d_name,
				        known[i].args, got);
			CHECK(hit == known[i].want);
		}
		free(text);
	}
	if (d)
		closedir(d);
	CHECK(files >= 19);
}

int main(void)
{
	/* The flag bits are mh_folder's, so a caller can pass them through. */
	CHECK((int)SEARCH_SEEN == MH_SEEN && (int)SEARCH_ANSWERED == MH_ANSWERED &&
	      (int)SEARCH_FLAGGED == MH_FLAGGED && (int)SEARCH_DELETED == MH_DELETED &&
	      (int)SEARCH_DRAFT == MH_DRAFT);
	flags_and_sets();
	esearch();
	searchres();
	large();
	corpus();
	return check_done("test_search_folder");
}
