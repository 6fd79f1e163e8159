#include "check.h"
#include "mutf7.h"

static int enc(const char *in, const char *want)
{
	char out[256];
	long n = mutf7_encode(in, strlen(in), out, sizeof out);
	return want ? n == (long)strlen(want) && !strcmp(out, want) : n < 0;
}

static int dec(const char *in, const char *want)
{
	char out[256];
	long n = mutf7_decode(in, strlen(in), out, sizeof out);
	return want ? n == (long)strlen(want) && !strcmp(out, want) : n < 0;
}

int main(void)
{
	/* RFC 3501's example and friends. */
	CHECK(enc("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	          "~peter/mail/&U,BTFw-/&ZeVnLIqe-"));
	CHECK(dec("~peter/mail/&U,BTFw-/&ZeVnLIqe-",
	          "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
	CHECK(enc("Sent Messages", "Sent Messages"));
	CHECK(enc("A&B", "A&-B"));
	CHECK(dec("A&-B", "A&B"));
	CHECK(enc("Entw\xc3\xbcrfe", "Entw&APw-rfe"));
	CHECK(dec("Entw&APw-rfe", "Entw\xc3\xbcrfe"));
	CHECK(enc("\xf0\x9f\x93\xa7 mail", "&2D3c5w- mail")); /* a surrogate pair */
	CHECK(dec("&2D3c5w- mail", "\xf0\x9f\x93\xa7 mail"));
	/* Bad input. */
	CHECK(enc("bad\xff", NULL));
	CHECK(enc("\xed\xa0\x80", NULL)); /* an encoded surrogate */
	CHECK(enc("over\xc0\xaflong", NULL));
	CHECK(dec("&APw", NULL));        /* no "-" */
	CHECK(dec("&AGE-", NULL));       /* "a" encoded */
	CHECK(dec("&2D0-", NULL));       /* a lone high surrogate */
	CHECK(dec("&AP*-", NULL));       /* not base64 */
	CHECK(dec("caf\xc3\xa9", NULL)); /* 8-bit */
	CHECK(dec("&APx-", NULL));       /* non-zero padding bits */
	/* Every encoding decodes back. */
	const char *names[] = {"INBOX", "a&b&c", "\xc3\xa9t\xc3\xa9 2024",
	                       "\xe2\x82\xac&\xe2\x82\xac"};
	for (size_t i = 0; i < 4; i++) {
		char a[256], b[256];
		CHECK(mutf7_encode(names[i], strlen(names[i]), a, sizeof a) >= 0);
		CHECK(mutf7_decode(a, strlen(a), b, sizeof b) >= 0 && !strcmp(b, names[i]));
	}
	char small[4];
	CHECK(mutf7_encode("abcdef", 6, small, sizeof small) < 0);
	return check_done("test_mutf7");
}
