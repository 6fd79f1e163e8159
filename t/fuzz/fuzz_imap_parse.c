/* libFuzzer target: the command reader fed in pieces whose sizes come from
 * the input, then every token reader over each assembled command. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imap_parse.h"
#include "seqset.h"

static void tokens(char *cmd, size_t len)
{
	struct imap_cur c = {cmd, cmd + len};
	char *s;
	size_t n;
	uint32_t v;
	struct seqset set;
	size_t used;
	imap_p_tag(&c, &s, &n);
	while (!imap_p_end(&c)) {
		char *before = c.p;
		if (imap_p_astring(&c, &s, &n) || imap_p_number(&c, &v) || imap_p_sp(&c) ||
		    imap_p_char(&c, '(') || imap_p_char(&c, ')') || imap_p_word(&c, "BODY.PEEK["))
			continue;
		if (seqset_parse(&set, c.p, (size_t)(c.end - c.p), &used)) {
			seqset_resolve(&set, 1000);
			seqset_contains(&set, 7);
			seqset_free(&set);
			c.p += used;
		}
		if (c.p == before)
			c.p++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	struct imap_reader r;
	if (size < 1)
		return 0;
	size_t step = data[0] % 17 + 1;
	imap_reader_init(&r, buf, sizeof buf, 512);
	for (size_t off = 1; off < size;) {
		size_t len = size - off < step ? size - off : step;
		enum imap_rd_status st;
		size_t used = imap_reader_feed(&r, (const char *)data + off, len, &st);
		if (st == IMAP_RD_COMMAND) {
			tokens(r.cmd, r.len);
			imap_reader_reset(&r);
		} else if (st == IMAP_RD_LINE_TOO_LONG) {
			return 0;
		} else if (st == IMAP_RD_LITERAL_TOO_BIG) {
			imap_reader_reset(&r);
		}
		off += used ? used : len;
	}
	return 0;
}
