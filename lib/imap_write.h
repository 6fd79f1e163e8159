/* imap_write: writing IMAP data items into an output buffer. */
#ifndef ASIMAP_IMAP_WRITE_H
#define ASIMAP_IMAP_WRITE_H
#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"

/* A string as a quoted string when it can be one (7-bit, no CR, LF or NUL,
 * not too long), else as a literal.  Returns 1, or 0 on ENOMEM. */
int imap_w_string(struct dbuf *b, const char *s, size_t n);
/* An internal date: "dd-Mon-yyyy hh:mm:ss +zzzz" in local time, the day
 * padded with a space.  Returns as imap_w_string. */
int imap_w_date(struct dbuf *b, int64_t t);
/* Append s[0..n) with every LF that is not preceded by CR sent as CRLF.
 * prev is the byte before s (or 0).  Returns as imap_w_string. */
int imap_w_crlf(struct dbuf *b, const char *s, size_t n, char prev);
/* The same into d[0..size): 1 when that is exactly the converted size
 * (d then holds it), 0 otherwise (d's content undefined; nothing is ever
 * written beyond it). */
int imap_crlf_into(char *d, size_t size, const char *s, size_t n, char prev);
/* The size of s[0..n) once bare LFs are CRLF. */
uint64_t imap_crlf_size(const char *s, size_t n, char prev);

#endif
