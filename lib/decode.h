/* decode: turning message text into searchable UTF-8: transfer encodings
 * (base64, quoted-printable), RFC 2047 encoded words, charsets (converted
 * to UTF-8 with iconv), and simple case folding.
 *
 * Every function appends to a caller-owned dbuf and returns 1, or 0 with
 * errno ENOMEM (what was appended so far stays).  Input is never trusted:
 * malformed encodings are decoded leniently and never read outside
 * src[0..n).  Output sizes are bounded by the input: base64 3/4 n,
 * quoted-printable n, charset conversion at most 4 n + 16, folding 3/2 n. */
#ifndef ASIMAP_DECODE_H
#define ASIMAP_DECODE_H
#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"

#define DECODE_CHARSET_MAX_BYTES 40 /* longer charset names are not converted */
#define DECODE_ICONV_CACHE 4        /* iconv descriptors kept open per cache */

/* A few open iconv descriptors (charset to UTF-8), so that a search over
 * many messages in the same charsets opens each once.  Zero it, or call
 * decode_cs_init; release with decode_cs_free. */
struct decode_cs {
	struct {
		char name[DECODE_CHARSET_MAX_BYTES + 1]; /* lowercased; "" = unused */
		void *cd; /* iconv_t, or NULL when iconv refused it */
		uint64_t used;
	} e[DECODE_ICONV_CACHE];
	uint64_t clock;
};

void decode_cs_init(struct decode_cs *cs);
void decode_cs_free(struct decode_cs *cs);

/* base64: characters outside the alphabet are skipped; "=" ends a quantum
 * (so concatenated encodings decode too). */
int decode_base64(struct dbuf *out, const char *src, size_t n);
/* quoted-printable: "=XX" (either case) is a byte, "=" before a line end is
 * a soft line break, any other "=" stays.  header: RFC 2047 "Q", where "_"
 * is a space. */
int decode_qp(struct dbuf *out, const char *src, size_t n, int header);
/* Convert src from charset cs_name[0..cn) to UTF-8.  UTF-8, US-ASCII, no
 * charset and charsets iconv does not know are copied unchanged; bytes the
 * charset cannot decode become U+FFFD.  ISO-8859-1 is read as
 * Windows-1252 and GB2312 as GB18030 (their common supersets). */
int decode_charset(struct decode_cs *cs, struct dbuf *out, const char *cs_name, size_t cn,
                   const char *src, size_t n);
/* A header field's value: folds removed (CR and LF dropped), RFC 2047
 * encoded words ("=?charset?Q|B?text?=", also inside words) decoded and
 * converted to UTF-8; white space between two encoded words dropped;
 * adjacent words in one charset are joined before conversion, so a
 * character split across them survives.  Other bytes are copied.  tmp is
 * scratch space. */
int decode_header_value(struct decode_cs *cs, struct dbuf *out, const char *src, size_t n,
                        struct dbuf *tmp);
/* Simple case folding of UTF-8 text, for case-insensitive comparison:
 * every character with a simple case folding in Unicode 14.0 (statuses C
 * and S of CaseFolding.txt) becomes its folded form, in every script (final
 * sigma becomes sigma, long s becomes s, KELVIN SIGN becomes k, capital
 * sharp s becomes sharp s; no character becomes two, so "ß" is not "ss").
 * Other characters and invalid bytes are copied as they are; the folded
 * text may be longer than src (at most 3/2 n).  Matching folded needles in
 * folded text with memmem is then a case-insensitive substring test. */
int decode_fold(struct dbuf *out, const char *src, size_t n);

#endif
