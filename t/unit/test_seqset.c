#include "check.h"
#include "seqset.h"

static int parse(struct seqset *s, const char *text)
{
	size_t used;
	return seqset_parse(s, text, strlen(text), &used) && used == strlen(text);
}

int main(void)
{
	struct seqset s;
	CHECK(parse(&s, "1:3,7,5:*"));
	CHECK(s.has_star && s.n == 3);
	CHECK(seqset_resolve(&s, 10) == 7);
	CHECK(s.n == 2 && s.r[0].lo == 1 && s.r[0].hi == 3 && s.r[1].lo == 5 && s.r[1].hi == 10);
	CHECK(seqset_contains(&s, 2) && !seqset_contains(&s, 4) && seqset_contains(&s, 10));
	CHECK(!seqset_contains(&s, 11) && !seqset_contains(&s, 0));
	seqset_free(&s);

	/* "UID FETCH 1:4294967295" must cost nothing: one range. */
	CHECK(!parse(&s, "1:4294967296"));
	CHECK(parse(&s, "1:4294967295"));
	seqset_resolve(&s, 5);
	CHECK(s.n == 1 && s.r[0].hi == 4294967295u);
	seqset_free(&s);

	CHECK(parse(&s, "*:4"));
	seqset_resolve(&s, 2); /* "*" is 2: the range is 2:4 */
	CHECK(s.n == 1 && s.r[0].lo == 2 && s.r[0].hi == 4);
	seqset_free(&s);

	CHECK(!parse(&s, "0"));
	CHECK(!parse(&s, "1,"));
	CHECK(!parse(&s, ":3"));
	CHECK(!parse(&s, "01"));
	CHECK(!parse(&s, ""));
	size_t used;
	CHECK(seqset_parse(&s, "4,5 FLAGS", 9, &used) && used == 3);
	seqset_free(&s);

	/* Overlapping and adjacent ranges merge. */
	CHECK(parse(&s, "5,1:2,3,4,9:7"));
	seqset_resolve(&s, 100);
	CHECK(s.n == 2 && s.r[0].lo == 1 && s.r[0].hi == 5 && s.r[1].lo == 7 && s.r[1].hi == 9);
	seqset_free(&s);
	return check_done("test_seqset");
}
