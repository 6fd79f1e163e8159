/* envelope: the ENVELOPE, BODY and BODYSTRUCTURE items of FETCH (RFC 3501
 * 7.4.2), written byte for byte as Dovecot 2.3 writes them, except that
 * every string goes through imap_w_string (quoted unless it must be a
 * literal; Dovecot also chooses literals for strings it cleaned up or
 * that hold more than four escapes; both forms are the same string,
 * RFC 3501 4.3).
 *
 * ENVELOPE: Date, Subject, In-Reply-To and Message-ID are the last such
 * field's raw value (RFC 2047 words left encoded), NIL when absent;
 * From, Sender, Reply-To, To, Cc and Bcc collect the addresses of every
 * such field; Sender and Reply-To default to From when they hold no
 * address.  Subjects and display names are cleaned for humans (line
 * ends dropped, tabs as spaces, runs of blanks as one, no blank at
 * either end, NUL as 0x80); other strings lose their line ends only.
 * Address syntax follows RFC 5322 with Dovecot's repairs: a group is
 * (NIL NIL "group" NIL) ... (NIL NIL NIL NIL), a comment after an
 * addr-spec is its name, a missing local part or domain is
 * "MISSING_MAILBOX" or "MISSING_DOMAIN" (NIL there would read as a group
 * marker), a broken route "INVALID_ROUTE", a broken angle address
 * "SYNTAX_ERROR". */
#ifndef ASIMAP_ENVELOPE_H
#define ASIMAP_ENVELOPE_H
#include <stddef.h>

#include "dbuf.h"
#include "mime.h"

/* Append the envelope ("(" date SP subject ... message-id ")") of the
 * header hdr[0..hdrlen) (a message's header, e.g. msg[0..part[0].hdr_len)).
 * Returns 1, or 0 with errno ENOMEM (b may hold a partial item). */
int envelope_write(struct dbuf *b, const char *hdr, size_t hdrlen);

/* Append the body structure of the parsed message msg ("(" ... ")"):
 * BODY when extended is 0, BODYSTRUCTURE (with MD5, disposition,
 * language and location) when 1.  Text parts without a charset get
 * ("charset" "us-ascii") (RFC 2045 5.2), a multipart without parts one
 * empty text/plain part (RFC 2046 5.1.1 wants at least one), sizes and
 * line counts are those of the CRLF form.  Iterative, so any depth the
 * parser allows is fine.  Returns as envelope_write. */
int bodystructure_write(struct dbuf *b, const struct mime_msg *m, const char *msg, int extended);

/* Append the address structures "(name adl mailbox host)" of one address
 * header value, without the surrounding parentheses.  Returns how many it
 * wrote, or -1 with errno ENOMEM. */
long envelope_addresses(struct dbuf *b, const char *value, size_t n);

/* Append s[0..n) as an IMAP string cleaned for humans (see above). */
int envelope_w_human(struct dbuf *b, const char *s, size_t n);

#endif
