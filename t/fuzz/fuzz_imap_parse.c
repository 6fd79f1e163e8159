/* libFuzzer target: the command reader fed in pieces whose sizes come from
 * the input, with or without ask mode (literals kept, streamed or refused),
 * then every token reader over each assembled command. */
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
	/* The first byte: the piece size and, in its top bit, ask mode, where
	 * the command's first byte decides what becomes of each literal. */
	size_t step = (data[0] & 0x7f) % 17 + 1;
	imap_reader_init(&r, buf, sizeof buf, 512);
	imap_reader_ask(&r, data[0] & 0x80);
	for (size_t off = 1; off < size;) {
		size_t len = size - off < step ? size - off : step;
		enum imap_rd_status st;
		size_t used = imap_reader_feed(&r, (const char *)data + off, len, &st);
		if (used > len)
			__builtin_trap();
		if (st == IMAP_RD_LITERAL) {
			if (r.lit_at >= r.len || r.cmd[r.lit_at] != '{')
				__builtin_trap();
			st = imap_reader_literal(&r,
			                         (enum imap_lit_how)((unsigned char)r.cmd[0] % 3));
		}
		if (st == IMAP_RD_COMMAND) {
			if (r.streamed && r.stream_at > r.len)
				__builtin_trap();
			tokens(r.cmd, r.len);
			imap_reader_reset(&r);
		} else if (st == IMAP_RD_LINE_TOO_LONG) {
			return 0;
		} else if (st == IMAP_RD_LITERAL_TOO_BIG || st == IMAP_RD_SKIPPED) {
			imap_reader_reset(&r);
		}
		off += used ? used : len;
	}
	return 0;
}
