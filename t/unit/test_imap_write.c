#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "imap_write.h"

static int out_is(struct dbuf *b, const char *want)
{
	int ok = dbuf_live(b) == strlen(want) && !memcmp(dbuf_data(b), want, strlen(want));
	if (!ok)
		fprintf(stderr, "got [%.*s] want [%s]\n", (int)dbuf_live(b), dbuf_data(b), want);
	dbuf_clear(b);
	return ok;
}

int main(void)
{
	struct dbuf b = DBUF_ZERO;
	CHECK(imap_w_string(&b, "a\"b\\", 4) && out_is(&b, "\"a\\\"b\\\\\""));
	CHECK(imap_w_string(&b, "x\ny", 3) && out_is(&b, "{3}\r\nx\ny"));
	CHECK(imap_w_string(&b, "caf\xc3\xa9", 5) && out_is(&b, "{5}\r\ncaf\xc3\xa9"));
	CHECK(imap_w_string(&b, "", 0) && out_is(&b, "\"\""));
	/* Numbers as FETCH writes them, without printf. */
	CHECK(dbuf_put_num(&b, "* ", 0) && out_is(&b, "* 0"));
	CHECK(dbuf_put_num(&b, "UID ", 4294967295u) && out_is(&b, "UID 4294967295"));
	CHECK(dbuf_put_num(&b, "", 18446744073709551615ull) && out_is(&b, "18446744073709551615"));
	CHECK(dbuf_put_num(&b, "RFC822.SIZE ", 1000) && out_is(&b, "RFC822.SIZE 1000"));
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK(imap_w_date(&b, 1000000000) && out_is(&b, "\" 9-Sep-2001 01:46:40 +0000\""));
	setenv("TZ", "America/St_Johns", 1); /* a half-hour offset, west */
	tzset();
	CHECK(imap_w_date(&b, 1000000000) && out_is(&b, "\" 8-Sep-2001 23:16:40 -0230\""));
	CHECK(imap_crlf_size("a\nb\r\nc\n", 7, 0) == 9);
	CHECK(imap_crlf_size("\nx", 2, '\r') == 2);
	CHECK(imap_w_crlf(&b, "a\nb\r\nc\n", 7, 0) && out_is(&b, "a\r\nb\r\nc\r\n"));
	CHECK(imap_w_crlf(&b, "\r\r\n\n", 4, 0) && out_is(&b, "\r\r\n\r\n"));
	CHECK(imap_w_crlf(&b, "\n", 1, '\r') && out_is(&b, "\n"));
	CHECK(imap_w_crlf(&b, "", 0, 0) && out_is(&b, ""));
	/* Bigger than the one-pass room: counted first, the same bytes. */
	size_t big = ((size_t)1 << 20) + 3;
	char *src = malloc(big);
	CHECK(src != NULL);
	for (size_t i = 0; i < big; i++)
		src[i] = i % 3 ? 'x' : '\n';
	CHECK(imap_w_crlf(&b, src, big, 0) && dbuf_live(&b) == imap_crlf_size(src, big, 0));
	int same = 1;
	for (size_t i = 0, k = 0; i < big; i++) {
		if (src[i] == '\n')
			same &= dbuf_data(&b)[k++] == '\r';
		same &= dbuf_data(&b)[k++] == src[i];
	}
	CHECK(same);
	dbuf_clear(&b);
	free(src);
	/* Into a buffer of the exact size: yes; of any other size: no, and
	 * not a byte written beyond it. */
	char d[16];
	memset(d, '#', sizeof d);
	CHECK(imap_crlf_into(d, 9, "a\nb\r\nc\n", 7, 0) && !memcmp(d, "a\r\nb\r\nc\r\n#", 10));
	for (size_t size = 0; size < 12; size++) {
		memset(d, '#', sizeof d);
		int ok = imap_crlf_into(d, size, "a\nb\r\nc\n", 7, 0);
		CHECK(ok == (size == 9) && d[size] == '#');
	}
	dbuf_free(&b, 0);
	return check_done("test_imap_write");
}
