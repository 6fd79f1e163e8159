/* mime: a bounded MIME parser over a whole message as stored on disk (LF or
 * CRLF line ends, possibly broken or 8-bit), the Content-* fields of each
 * part, and the byte ranges of BODY[section] (RFC 3501 6.4.5).
 *
 * The part tree follows RFC 2045/2046 the way Dovecot 2.3 reads them, so
 * that sizes, part numbers and BODYSTRUCTURE agree with it: a boundary
 * matches as a prefix of a line (2046 5.1.1), the innermost or longest
 * boundary wins, an outer boundary closes inner parts, a missing final
 * boundary ends the part at the end of the message, the CRLF before a
 * boundary belongs to the boundary, Content-* fields count only in MIME
 * parts (MIME-Version or Content-Type present, or inside a multipart), a
 * part without Content-Type is text/plain (message/rfc822 inside
 * multipart/digest).
 *
 * Sizes are given twice: as bytes in the file and as the client sees them
 * (every LF not preceded by CR counted as CRLF).  No recursion: the tree is
 * an array linked by indices. */
#ifndef ASIMAP_MIME_H
#define ASIMAP_MIME_H
#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"

/* A part whose depth would reach MIME_DEPTH_MAX (the root is depth 0)
 * cannot contain parts: it is a leaf flagged MIME_OVERFLOW.  The part that
 * makes the count reach MIME_PARTS_MAX is a leaf flagged MIME_OVERFLOW that
 * runs to the end of the message.  (Dovecot's own limits.) */
#define MIME_DEPTH_MAX 100
#define MIME_PARTS_MAX 10000
/* Boundaries longer than this are cut (a line still matches by prefix). */
#define MIME_BOUNDARY_MAX_BYTES 80
/* Only the first MIME_FIELD_MAX_BYTES of a header field's value are
 * interpreted (Content-*, ENVELOPE fields); the sizes are unaffected. */
#define MIME_FIELD_MAX_BYTES (256 * 1024)

#define MIME_NONE UINT32_MAX

enum mime_flag {
	MIME_MULTIPART = 1 << 0, /* has a boundary; children are its parts */
	MIME_RFC822 = 1 << 1,    /* message/rfc822: one child, the message */
	MIME_TEXT = 1 << 2,      /* text/ (or no Content-Type) */
	MIME_DIGEST = 1 << 3,    /* multipart/digest */
	MIME_IS_MIME = 1 << 4,   /* Content-* fields apply */
	MIME_OVERFLOW = 1 << 5,  /* a limit stopped the parser here */
	MIME_EOH = 1 << 6,       /* the header ends with an empty line */
	MIME_NUL = 1 << 7,       /* (part[0] only) the message holds a NUL byte */
};

struct mime_part {
	uint64_t hdr_off, hdr_len;    /* the header in the file, with its empty line */
	uint64_t body_len;            /* the body follows the header */
	uint64_t hdr_size, body_size; /* the same with bare LF counted as CRLF */
	uint64_t body_lines;          /* LFs in the body */
	uint32_t parent, child, next; /* indices, MIME_NONE when absent */
	uint16_t flags, depth;
};

/* part[0] is the message itself; children follow their parents. */
struct mime_msg {
	struct mime_part *part;
	size_t nparts, cap;
};

#define MIME_MSG_ZERO                                                                              \
	{                                                                                          \
		0, 0, 0                                                                            \
	}

/* Parse msg[0..len).  Never fails on content: limits become MIME_OVERFLOW
 * parts.  Returns 1, or 0 with errno ENOMEM (out is then empty).  out owns
 * its memory; mime_free releases it. */
int mime_parse(const char *msg, size_t len, struct mime_msg *out);
void mime_free(struct mime_msg *m);
/* Where the header of d[0..n) ends: after its first empty line, or at n. */
size_t mime_header_end(const char *d, size_t n);

static inline uint64_t mime_body_off(const struct mime_part *p)
{
	return p->hdr_off + p->hdr_len;
}

/* A string inside struct mime_info's buffer; set is 0 for NIL. */
struct mime_str {
	size_t off, len;
	int set;
};

struct mime_param {
	struct mime_str name, value;
};

/* The Content-* fields of one part, as Dovecot reads them: the first
 * Content-Type, Content-ID, Content-Description, Content-MD5,
 * Content-Location; the first Content-Transfer-Encoding that is a single
 * token; the first Content-Language with at least one tag; the first
 * Content-Disposition with parameters (else the last without).  Parameters
 * are unquoted, RFC 2231 continuations joined (name*0, name*1 -> name;
 * extended ones -> name* with the charset prefix kept).  String values
 * are raw: RFC 2047 words are left encoded, NUL bytes become U+FFFD.  All
 * unset when the part is not MIME. */
struct mime_info {
	struct dbuf buf; /* holds every string */
	struct mime_str type, subtype, id, description, encoding, md5, location, disposition;
	struct mime_param *param, *dparam; /* Content-Type, -Disposition */
	size_t nparam, ndparam;
	struct mime_str *lang;
	size_t nlang;
};

#define MIME_INFO_ZERO                                                                             \
	{                                                                                          \
		DBUF_ZERO, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},       \
		    {0, 0, 0}, {0, 0, 0}, 0, 0, 0, 0, 0, 0                                         \
	}

/* Fill in the fields of part i.  Returns 1, or 0 with errno ENOMEM.
 * mime_info_free releases what it holds (info may be reused). */
int mime_info_get(const struct mime_msg *m, const char *msg, size_t i, struct mime_info *info);
void mime_info_free(struct mime_info *info);
static inline const char *mime_info_s(const struct mime_info *info, struct mime_str s)
{
	return (info->buf.p ? info->buf.p + info->buf.off : "") + s.off;
}

/* BODY[section]: the kind of text after the part number. */
enum mime_sec_kind {
	MIME_SEC_ALL,        /* BODY[] (no part) or BODY[1.2] (the part's body) */
	MIME_SEC_HEADER,     /* HEADER */
	MIME_SEC_FIELDS,     /* HEADER.FIELDS (list) */
	MIME_SEC_FIELDS_NOT, /* HEADER.FIELDS.NOT (list) */
	MIME_SEC_TEXT,       /* TEXT */
	MIME_SEC_MIME,       /* MIME (only after a part number) */
};

#define MIME_SEC_PATH_MAX 128   /* part numbers in one section */
#define MIME_SEC_FIELDS_MAX 128 /* field names in one HEADER.FIELDS list */

struct mime_fieldname {
	const char *s; /* points into the spec */
	size_t n;
	int quoted; /* s is a quoted string's content, backslashes included */
};

struct mime_sec {
	uint32_t path[MIME_SEC_PATH_MAX];
	size_t npath; /* 0: the whole message */
	enum mime_sec_kind kind;
	struct mime_fieldname field[MIME_SEC_FIELDS_MAX]; /* point into the spec */
	size_t nfields;
};

/* Parse the text between "[" and "]": "", "1.2", "HEADER", "2.TEXT",
 * "1.HEADER.FIELDS (From To)", "3.MIME" ... (keywords in any case; field
 * names as atoms or quoted strings).  Returns 1, or 0 with errno EINVAL
 * for bad syntax (the caller answers BAD). */
int mime_sec_parse(const char *spec, size_t n, struct mime_sec *sec);

/* The bytes of a section: pieces of the raw message, each to be sent with
 * every bare LF as CRLF (the byte before a piece is msg[off - 1]), then
 * crlf_tail times "\r\n".  size is the total as sent. */
struct mime_piece {
	uint64_t off, len;
};
struct mime_range {
	struct mime_piece one;    /* storage when npieces <= 1 */
	struct mime_piece *piece; /* &one, or allocated (HEADER.FIELDS) */
	size_t npieces;
	int crlf_tail;
	uint64_t size;
};

/* Find section sec of the parsed message msg.  Part numbers follow RFC
 * 3501 as Dovecot reads them: a non-multipart part's only part is 1 (its
 * body); numbers inside a message/rfc822 part address the encapsulated
 * message's parts; HEADER, TEXT and HEADER.FIELDS after a part number
 * need a message/rfc822 part and address the encapsulated message;
 * MIME is the part's own header (for the message inside message/rfc822,
 * its header).  Returns 1 found, 0 no such part (Dovecot then sends an
 * empty string), -1 with errno ENOMEM.  mime_range_free releases out. */
int mime_section(const struct mime_msg *m, const char *msg, const struct mime_sec *sec,
                 struct mime_range *out);
void mime_range_free(struct mime_range *r);

/* Append bytes [origin, origin + count) of the range as sent (CRLF form)
 * to b; count UINT64_MAX for all.  With nul80, NUL bytes are sent as 0x80
 * as Dovecot does (a literal may not hold NUL).  Returns 1, or 0 with
 * errno ENOMEM. */
int mime_range_write(struct dbuf *b, const char *msg, const struct mime_range *r, uint64_t origin,
                     uint64_t count, int nul80);

#endif
