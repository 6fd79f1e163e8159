/* Unit tests for decode, the text decoders under SEARCH: base64,
 * quoted-printable, charsets, RFC 2047 words, case folding. */
#include "check.h"
#include "decode.h"

static struct decode_cs cs;
static struct dbuf out = DBUF_ZERO, tmp = DBUF_ZERO;

static int b64(const char *in, const char *want)
{
	dbuf_clear(&out);
	return decode_base64(&out, in, strlen(in)) && dbuf_live(&out) == strlen(want) &&
	       !memcmp(dbuf_data(&out), want, strlen(want));
}

static int qp(const char *in, int header, const char *want)
{
	dbuf_clear(&out);
	return decode_qp(&out, in, strlen(in), header) && dbuf_live(&out) == strlen(want) &&
	       !memcmp(dbuf_data(&out), want, strlen(want));
}

static int conv(const char *charset, const char *in, size_t n, const char *want)
{
	dbuf_clear(&out);
	int ok = decode_charset(&cs, &out, charset, strlen(charset), in, n) &&
	         dbuf_live(&out) == strlen(want) && !memcmp(dbuf_data(&out), want, strlen(want));
	if (!ok)
		fprintf(stderr, "%s: got [%.*s]\n", charset, (int)dbuf_live(&out), dbuf_data(&out));
	return ok;
}

static int hdr(const char *in, const char *want)
{
	dbuf_clear(&out);
	int ok = decode_header_value(&cs, &out, in, strlen(in), &tmp) &&
	         dbuf_live(&out) == strlen(want) && !memcmp(dbuf_data(&out), want, strlen(want));
	if (!ok)
		fprintf(stderr, "[%s]: got [%.*s]\n", in, (int)dbuf_live(&out), dbuf_data(&out));
	return ok;
}

static int fold(const char *in, const char *want)
{
	dbuf_clear(&out);
	return decode_fold(&out, in, strlen(in)) && dbuf_live(&out) == strlen(want) &&
	       !memcmp(dbuf_data(&out), want, strlen(want));
}

int main(void)
{
	decode_cs_init(&cs);
	CHECK(dbuf_reserve(&out, 1) && dbuf_reserve(&tmp, 1));

	CHECK(b64("aGVsbG8=", "hello"));
	CHECK(b64("aGVs\r\nbG8", "hello")); /* line breaks, no padding */
	CHECK(b64("aGVsbG8=aGVsbG8=", "hellohello"));
	CHECK(b64("aG!!Vs*bG8=", "hello"));
	CHECK(b64("", "") && b64("=", "") && b64("a", "") && b64("YQ", "a") && b64("YWI", "ab"));

	CHECK(qp("Caf=E9 na=efve", 0, "Caf\xe9 na\xefve"));
	CHECK(
	    qp("soft=\r\nbreak soft=\nbreak soft= \t\nbreak", 0, "softbreak softbreak softbreak"));
	CHECK(qp("a=3D=3Db =zz =4 =", 0, "a==b =zz =4 "));
	CHECK(qp("a_b=5F", 1, "a b_"));
	CHECK(qp("a_b", 0, "a_b"));
	CHECK(qp("end=", 1, "end="));

	CHECK(conv("utf-8", "caf\xc3\xa9", 5, "caf\xc3\xa9"));
	CHECK(conv("ISO-8859-1", "caf\xe9 \x80", 6, "caf\xc3\xa9 \xe2\x82\xac"));
	CHECK(conv("koi8-r", "\xf0\xd2\xc9", 3, "\xd0\x9f\xd1\x80\xd0\xb8"));
	CHECK(
	    conv("ISO-2022-JP", "\x1b$BF|K\\8l\x1b(B", 12, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
	CHECK(conv("gb2312", "\xc4\xe3\xba\xc3", 4, "\xe4\xbd\xa0\xe5\xa5\xbd"));
	CHECK(conv("x-no-such", "raw\xff", 4, "raw\xff"));
	CHECK(conv("../../etc/x", "raw", 3, "raw"));
	CHECK(conv("UTF-16//TRANSLIT", "raw", 3, "raw"));
	CHECK(conv("", "raw", 3, "raw"));
	/* Invalid and truncated input becomes U+FFFD and the rest survives. */
	CHECK(conv("shift_jis", "a\x81 b", 4, "a\xef\xbf\xbd b"));
	CHECK(conv("utf-16le", "a\0b", 3, "a\xef\xbf\xbd"));
	/* More charsets than the cache holds, twice, so entries are replaced. */
	for (int round = 0; round < 2; round++) {
		CHECK(conv("iso-8859-2", "\xb1", 1, "\xc4\x85"));
		CHECK(conv("iso-8859-5", "\xb0", 1, "\xd0\x90"));
		CHECK(conv("iso-8859-7", "\xe1", 1, "\xce\xb1"));
		CHECK(conv("windows-1251", "\xdf", 1, "\xd0\xaf"));
		CHECK(conv("windows-1252", "\x80", 1, "\xe2\x82\xac"));
		CHECK(conv("koi8-u", "\xa4", 1, "\xd1\x94"));
		CHECK(conv("bogus-1", "x", 1, "x"));
	}

	CHECK(hdr("plain text", "plain text"));
	CHECK(hdr("folded\r\n text", "folded text"));
	CHECK(hdr("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"));
	CHECK(hdr("=?utf-8?q?a?=\r\n\t=?utf-8?q?b?= c", "ab c"));
	CHECK(hdr("x =?utf-8?q?a?= y", "x a y"));
	CHECK(hdr("x=?utf-8?q?a?=y", "xay"));
	CHECK(hdr("=?iso-8859-1?q?caf=E9?= =?utf-8?b?w6k=?=", "caf\xc3\xa9\xc3\xa9"));
	CHECK(hdr("=?UTF-8?B?Y2Fmww==?= =?UTF-8?B?qQ==?=", "caf\xc3\xa9"));
	CHECK(hdr("=?utf-8?q?a?= and =?utf-8?q?b?=", "a and b"));
	CHECK(hdr("=?utf-8?x?a?=", "=?utf-8?x?a?="));
	CHECK(hdr("=?utf-8?q?a", "=?utf-8?q?a"));
	CHECK(hdr("=??q?a?=", "=??q?a?="));
	CHECK(hdr("=?utf-8?q?a\r\n b?=", "=?utf-8?q?a b?="));
	CHECK(hdr("=?=?=?utf-8?q?ok?=", "=?=?ok"));
	CHECK(hdr("", ""));
	CHECK(hdr("=?utf-8?q?"
	          "?=",
	          "")); /* no trigraph */

	CHECK(fold("Hello WORLD 123", "hello world 123"));
	CHECK(fold("\xc3\x89L\xc3\x89ONORE", "\xc3\xa9l\xc3\xa9onore")); /* ÉLÉONORE */
	CHECK(fold("\xc3\x97\xc3\x9f", "\xc3\x97\xc3\x9f"));             /* × ß unchanged */
	CHECK(fold("\xc5\x81\xc3\x93"
	           "D\xc5\xb9",
	           "\xc5\x82\xc3\xb3"
	           "d\xc5\xba"));                                     /* ŁÓDŹ */
	CHECK(fold("\xc5\xb8\xc5\xbf\xc4\xb0", "\xc3\xbfs\xc4\xb0")); /* Ÿ ſ İ */
	CHECK(fold("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91",
	           "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1"));             /* ΣΟΦΙΑ */
	CHECK(fold("\xcf\x82\xce\x86", "\xcf\x83\xce\xac"));                 /* ς Ά */
	CHECK(fold("\xd0\x81\xd0\x96\xd0\xaf", "\xd1\x91\xd0\xb6\xd1\x8f")); /* ЁЖЯ */
	CHECK(fold("\xc2\xb5", "\xce\xbc"));                                 /* micro sign */
	CHECK(fold("\xe2\x84\xa2\xff\xc3", "\xe2\x84\xa2\xff\xc3")); /* ™, junk, truncated */
	CHECK(fold(
	    "\x54\x49\xe1\xba\xbe\x4e\x47\x20\x56\x49\xe1\xbb\x86\x54",
	    "\x74\x69\xe1\xba\xbf\x6e\x67\x20\x76\x69\xe1\xbb\x87\x74")); /* Vietnamese: Latin
	                                                                     Extended Additional */
	CHECK(fold("\xc8\x98\x54\x49\x49\x4e\xc8\x9a\x45",
	           "\xc8\x99\x74\x69\x69\x6e\xc8\x9b\x65")); /* Romanian: Latin Extended-B */
	CHECK(fold("\xd5\x80\xd4\xb1\xd5\x85\xd4\xb5\xd5\x90\xd4\xb5\xd5\x86",
	           "\xd5\xb0\xd5\xa1\xd5\xb5\xd5\xa5\xd6\x80\xd5\xa5\xd5\xb6")); /* Armenian */
	CHECK(fold("\xef\xbc\xa6\xef\xbc\xb5\xef\xbc\xac\xef\xbc\xac",
	           "\xef\xbd\x86\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c")); /* fullwidth forms */
	CHECK(fold(
	    "\xe1\x8f\xa3\xe1\x8e\xb3\xe1\x8e\xa9\x20\xea\xae\xb3\xea\xae\x83\xea\xad\xb9",
	    "\xe1\x8f\xa3\xe1\x8e\xb3\xe1\x8e\xa9\x20\xe1\x8f\xa3\xe1\x8e\xb3\xe1\x8e\xa9")); /* Cherokee
	                                                                                         folds
	                                                                                         to
	                                                                                         its
	                                                                                         capitals
	                                                                                       */
	CHECK(fold("\xe1\x82\xa0\xe1\x82\xa1",
	           "\xe2\xb4\x80\xe2\xb4\x81")); /* Georgian Asomtavruli */
	CHECK(fold("\xf0\x90\x90\x80\xf0\x90\x90\x81",
	           "\xf0\x90\x90\xa8\xf0\x90\x90\xa9")); /* Deseret, 4-byte */
	CHECK(fold("\x4b\x20\xc3\x85\x20\xce\xa9",
	           "\x6b\x20\xc3\xa5\x20\xcf\x89")); /* KELVIN, ANGSTROM, OHM signs */
	CHECK(fold("\xc8\xba", "\xe2\xb1\xa5"));     /* 2 bytes grow to 3 */
	CHECK(fold("\xe1\xba\x9e", "\xc3\x9f"));     /* capital sharp s: simple folding, not ss */
	CHECK(fold("\xd1\xa2\x20\xd2\xa8\x20\xd3\x81",
	           "\xd1\xa3\x20\xd2\xa9\x20\xd3\x82")); /* Cyrillic beyond U+042F */
	CHECK(fold("\xcf\x90\xcf\x91\xcf\x95",
	           "\xce\xb2\xce\xb8\xcf\x86")); /* Greek symbol variants */
	CHECK(
	    fold("\xed\xa0\x80\xe0\x80\x80\xf4\x90\x80\x80",
	         "\xed\xa0\x80\xe0\x80\x80\xf4\x90\x80\x80")); /* surrogate, overlong, > U+10FFFF */
	CHECK(fold("\xc8\xba\xc8\xba\xc8\xba\xc8\xba",
	           "\xe2\xb1\xa5\xe2\xb1\xa5\xe2\xb1\xa5\xe2\xb1\xa5"));

	decode_cs_free(&cs);
	dbuf_free(&out, 0);
	dbuf_free(&tmp, 0);
	return check_done("test_search_decode");
}
