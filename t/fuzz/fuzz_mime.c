/* libFuzzer target for the MIME parser, the ENVELOPE/BODYSTRUCTURE writers
 * and BODY[section].  An input is a message.  The tree must be consistent
 * (parts inside the message and inside their parents, sizes equal to the
 * CRLF form of their ranges, limits kept), the writers must produce
 * balanced output, and every section's bytes must have the size the range
 * announces.  The input's first line is also tried as a section spec.
 *
 *	make build-fuzz/fuzz_mime && build-fuzz/fuzz_mime t/fuzz/corpus/mime
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "imap_write.h"
#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tree(const struct mime_msg *m, const char *msg, size_t len)
{
	if (!m->nparts || m->nparts > MIME_PARTS_MAX || m->part[0].hdr_off ||
	    m->part[0].hdr_len + m->part[0].body_len != len ||
	    m->part[0].hdr_size + m->part[0].body_size != imap_crlf_size(msg, len, 0))
		abort();
	for (size_t i = 0; i < m->nparts; i++) {
		const struct mime_part *q = &m->part[i];
		uint64_t end = mime_body_off(q) + q->body_len;
		if (end > len || q->depth >= MIME_DEPTH_MAX)
			abort();
		if ((q->flags & MIME_MULTIPART) && (q->flags & MIME_RFC822))
			abort();
		if ((q->flags & MIME_RFC822) &&
		    (q->child == MIME_NONE || m->part[q->child].next != MIME_NONE))
			abort();
		if (!i)
			continue;
		const struct mime_part *up = &m->part[q->parent];
		if (q->parent >= i || q->depth != up->depth + 1 || q->hdr_off < mime_body_off(up) ||
		    end > mime_body_off(up) + up->body_len)
			abort();
	}
}

static void check_section(const struct mime_msg *m, const char *msg, const char *spec)
{
	struct mime_sec sec;
	struct mime_range r;
	struct dbuf b = DBUF_ZERO;
	if (!mime_sec_parse(spec, strlen(spec), &sec))
		abort();
	int found = mime_section(m, msg, &sec, &r);
	if (found < 0)
		return;
	if (found) {
		if (!mime_range_write(&b, msg, &r, 0, UINT64_MAX, 1) || dbuf_live(&b) != r.size)
			abort();
		dbuf_clear(&b);
		if (!mime_range_write(&b, msg, &r, 3, 5, 0) ||
		    dbuf_live(&b) != (r.size <= 3      ? 0
		                      : r.size - 3 < 5 ? r.size - 3
		                                       : 5))
			abort();
	}
	mime_range_free(&r);
	dbuf_free(&b, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const specs[] = {"",
	                                    "1",
	                                    "2",
	                                    "1.MIME",
	                                    "2.1",
	                                    "1.2.MIME",
	                                    "HEADER",
	                                    "TEXT",
	                                    "1.HEADER",
	                                    "2.TEXT",
	                                    "1.1.1.1",
	                                    "3.2.HEADER.FIELDS (From To)",
	                                    "HEADER.FIELDS.NOT (Subject Received)",
	                                    "HEADER.FIELDS (\"Content-Type\" x)"};
	const char *msg = (const char *)data;
	struct mime_msg m;
	struct dbuf b = DBUF_ZERO;
	struct mime_sec sec;

	const char *nl = memchr(data, '\n', size);
	(void)mime_sec_parse(msg, nl ? (size_t)(nl - msg) : size, &sec);
	if (!mime_parse(msg, size, &m))
		return 0;
	check_tree(&m, msg, size);
	for (int ext = 0; ext < 2; ext++) {
		dbuf_clear(&b);
		if (bodystructure_write(&b, &m, msg, ext) && dbuf_live(&b) &&
		    (dbuf_data(&b)[0] != '(' || dbuf_data(&b)[dbuf_live(&b) - 1] != ')'))
			abort();
	}
	dbuf_clear(&b);
	if (envelope_write(&b, msg, (size_t)m.part[0].hdr_len) &&
	    (dbuf_data(&b)[0] != '(' || dbuf_data(&b)[dbuf_live(&b) - 1] != ')'))
		abort();
	for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
		check_section(&m, msg, specs[k]);
	dbuf_free(&b, 0);
	mime_free(&m);
	return 0;
}
