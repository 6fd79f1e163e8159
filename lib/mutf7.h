/* mutf7: IMAP's modified UTF-7 for mailbox names (RFC 3501 5.1.3).  MH
 * folders are named in UTF-8 on disk; IMAP names them in modified UTF-7. */
#ifndef ASIMAP_MUTF7_H
#define ASIMAP_MUTF7_H
#include <stddef.h>

/* Encode the UTF-8 name s[0..n) into out (cap bytes, NUL-terminated).
 * Returns the length, or -1 when s is not UTF-8 (or has a NUL or a
 * surrogate) or out is too small. */
long mutf7_encode(const char *s, size_t n, char *out, size_t cap);
/* Decode the modified UTF-7 name s[0..n) into UTF-8 in out (cap bytes,
 * NUL-terminated).  Returns the length, or -1 when s is not valid modified
 * UTF-7 (bad base64, a run that does not end in "-", an encoded printable
 * ASCII character, broken UTF-16) or out is too small. */
long mutf7_decode(const char *s, size_t n, char *out, size_t cap);

#endif
