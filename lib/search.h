/* search: IMAP SEARCH (RFC 3501 6.4.4), with ESEARCH's RETURN options
 * (RFC 4731) and SEARCHRES's SAVE and "$" (RFC 5182).
 *
 * A command's arguments are compiled once into a program (needles decoded
 * and case-folded, keys reordered so that cheap tests run first), which is
 * then run over the folder's messages one at a time, in ascending order:
 *
 *	struct search_prog *p;
 *	char err[SEARCH_ERR_MAX_BYTES];
 *	switch (search_parse(&c, is_uid_search, &p, err, sizeof err)) {
 *	case SEARCH_BAD:        reply "tag BAD <err>"; return;
 *	case SEARCH_BADCHARSET: reply "tag NO <err>";  return;  (err has the code)
 *	case SEARCH_NOMEM:      reply "tag NO ..."; return;
 *	case SEARCH_OK: break;
 *	}
 *	search_bind_keywords(p, kw_index, folder);   (optional)
 *	search_begin(p, exists, highest_uid, saved_or_NULL);
 *	for each message, ascending: search_match(p, &msg);   (records matches)
 *	search_write(p, tag, &out);          "* SEARCH ..." or "* ESEARCH ..."
 *	if (search_returns(p) & SEARCH_RET_SAVE) search_saved(p, &saved);
 *	search_free(p);
 *
 * Semantics (what a caller and a client can rely on):
 * - Header keys (FROM TO CC BCC SUBJECT HEADER) match a substring of the
 *   field's value, unfolded, RFC 2047 words decoded to UTF-8, in any of
 *   the fields of that name; an empty string matches when the field exists.
 * - BODY matches a substring of the decoded text of the message's "text" and
 *   "message" leaf parts (no content type counts as text/plain),
 *   base64 and quoted-printable decoded, converted from their charset to
 *   UTF-8, attached message/rfc822 bodies included.  The parts are those
 *   of lib/mime, which BODYSTRUCTURE shows (its limits: MIME_DEPTH_MAX,
 *   MIME_PARTS_MAX), with the charset and encoding it reports.  TEXT is
 *   BODY or any header line
 *   ("Name: decoded value") of the message, its MIME parts and attached
 *   messages.  Text beyond SEARCH_TEXT_MAX_BYTES of decoded body is not
 *   searched.
 * - Comparisons are case-insensitive by Unicode's simple case folding,
 *   in every script (decode_fold); nothing is normalised or decomposed.
 *   The search strings are taken as UTF-8 (US-ASCII is a subset).
 * - BEFORE, ON, SINCE compare the internal date's day in the server's
 *   local time zone (as Dovecot does).  SENTBEFORE, SENTON, SENTSINCE
 *   compare the day written in the Date: header, in the header's own zone;
 *   a message without a readable Date: counts as sent on 1-Jan-1970 (as
 *   in Dovecot).
 * - LARGER and SMALLER compare RFC822.SIZE (CRLF size).  NEW is RECENT and
 *   UNSEEN, OLD is NOT RECENT.
 * - A sequence set matches sequence numbers ("*" = exists), UID a set of
 *   UIDs ("*" = the highest UID, and "n:*" always includes it); "$" (alone
 *   or after UID) matches the UIDs of the saved result given to
 *   search_begin, and nothing when there is none.  Numbers beyond EXISTS
 *   simply match nothing (Dovecot answers OK too); search_max_seq lets a
 *   caller refuse them instead.
 * - Where we read more leniently than Dovecot: a character split across
 *   two encoded words of one charset is joined; ISO-8859-1 is read as
 *   Windows-1252.  Address fields are matched on their decoded text as
 *   written, where Dovecot rewrites the address list first (quotes and
 *   comments dropped, "<addr>" added), so a search string spanning quotes,
 *   comments or angle brackets can differ.  An RFC 2231 extended
 *   charset parameter (charset*=utf-8'') is not read. */
#ifndef ASIMAP_SEARCH_H
#define ASIMAP_SEARCH_H
#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"
#include "imap_parse.h"
#include "seqset.h"

#define SEARCH_DEPTH_MAX 32               /* nested "(", NOT and OR */
#define SEARCH_KEYS_MAX 1000              /* search keys in one program */
#define SEARCH_ERR_MAX_BYTES 160          /* room for the error text */
#define SEARCH_TEXT_MAX_BYTES (64u << 20) /* decoded body text searched per message */

/* Message flags, the same bits as mh_folder's MH_* plus \Recent. */
enum search_flag {
	SEARCH_SEEN = 1 << 0,
	SEARCH_ANSWERED = 1 << 1,
	SEARCH_FLAGGED = 1 << 2,
	SEARCH_DELETED = 1 << 3,
	SEARCH_DRAFT = 1 << 4,
	SEARCH_RECENT = 1 << 5,
};

/* ESEARCH's RETURN options; SEARCH_RET_ESEARCH says RETURN was given (the
 * answer is "* ESEARCH"), "RETURN ()" means ALL. */
enum search_ret {
	SEARCH_RET_MIN = 1 << 0,
	SEARCH_RET_MAX = 1 << 1,
	SEARCH_RET_ALL = 1 << 2,
	SEARCH_RET_COUNT = 1 << 3,
	SEARCH_RET_SAVE = 1 << 4,
	SEARCH_RET_ESEARCH = 1 << 5,
};

enum search_status {
	SEARCH_OK,
	SEARCH_BAD,        /* syntax: err holds the text for "tag BAD" */
	SEARCH_BADCHARSET, /* err holds "[BADCHARSET (UTF-8 US-ASCII)] ..." for "tag NO" */
	SEARCH_NOMEM,      /* out of memory (err says so too) */
};

struct search_prog;

/* Compile SEARCH's arguments.  c points just after the word SEARCH (at
 * the space before [RETURN (...)] [CHARSET x] key...) and must hold the
 * rest of the command; it is advanced to the end on success.  uid: this
 * is UID SEARCH (results are UIDs).  Quoted strings in the command are
 * unescaped in place (imap_p_astring); the program keeps copies, so the
 * command buffer may be reused afterwards.  On SEARCH_OK *out is a new
 * program (free with search_free); otherwise *out is NULL and err[0..errlen)
 * holds a NUL-terminated message.  Limits: SEARCH_DEPTH_MAX,
 * SEARCH_KEYS_MAX; strings are bounded by the command. */
enum search_status search_parse(struct imap_cur *c, int uid, struct search_prog **out, char *err,
                                size_t errlen);

/* The RETURN options (SEARCH_RET_*); 0 for a plain SEARCH. */
unsigned search_returns(const struct search_prog *p);
/* Does the program use "$"? */
int search_uses_saved(const struct search_prog *p);

/* Resolve KEYWORD and UNKEYWORD names: mask(ctx, name) returns the bits
 * that search_msg.keywords uses for the folder's keywords named name, 0
 * when it has none (KEYWORD then never matches).  Keywords are atoms, whose
 * letters are case-insensitive (RFC 3501 9, note 3, as Dovecot and Cyrus
 * read it), so the mask should hold every keyword that equals name but for
 * ASCII case (an MH folder may have sequences "work" and "Work"); a message
 * matches KEYWORD when it has any of them.  Until bound, every keyword is
 * unknown.  Call before search_begin. */
void search_bind_keywords(struct search_prog *p, uint64_t (*mask)(void *ctx, const char *name),
                          void *ctx);

/* Start a run: exists is the number of messages (for "*" in sequence
 * sets), max_uid the highest UID in the folder (0 when empty), saved the
 * resolved set of UIDs SEARCHRES saved ("$"), or NULL for none; it is
 * copied.  Clears the result of an earlier run.  Returns 1, or 0 with
 * errno ENOMEM. */
int search_begin(struct search_prog *p, uint32_t exists, uint32_t max_uid,
                 const struct seqset *saved);
/* The highest sequence number the program names, "*" not counted (after
 * search_begin); a caller that refuses numbers beyond EXISTS compares it. */
uint32_t search_max_seq(const struct search_prog *p);

/* What the evaluator knows of one message. */
enum search_load { SEARCH_LOAD_HEADER, SEARCH_LOAD_WHOLE, SEARCH_LOAD_FIELDS };
struct search_msg {
	uint32_t seq, uid;
	unsigned flags;        /* SEARCH_SEEN ... SEARCH_RECENT */
	uint64_t keywords;     /* bits as given by search_bind_keywords' mask */
	int64_t size;          /* RFC822.SIZE, or -1: counted from the bytes if needed */
	int64_t internal_date; /* seconds since the epoch */
	/* Called only when a key needs the bytes, at most once per kind per
	 * message: SEARCH_LOAD_HEADER asks for at least the whole header and
	 * the empty line after it (the whole message is fine too),
	 * SEARCH_LOAD_WHOLE for the whole message as stored (LF or CRLF line
	 * ends), SEARCH_LOAD_FIELDS (asked instead of SEARCH_LOAD_HEADER when
	 * the program reads no other field, no body and no size from the
	 * bytes) for what search_fields_of keeps of the message, or more.  Sets *data and *len and
	 * returns 1, or returns 0 with errno set (the message is gone).  The bytes stay the
	 * caller's and must stay valid until the next load or until search_match returns. */
	int (*load)(void *ctx, enum search_load what, const char **data, size_t *len);
	void *ctx;
};

/* Append what SEARCH_LOAD_FIELDS needs of the message msg[0..n): the
 * lines of the header fields ENVELOPE shows (Date, Subject, From, Sender,
 * Reply-To, To, Cc, Bcc, In-Reply-To, Message-ID) as they are, folded
 * lines and all, in their order, then an empty line.  A caller keeps it
 * (a metadata cache) so that FROM, TO, CC, BCC, SUBJECT and SENT* need
 * not open the message.  Returns 1, or 0 with errno ENOMEM. */
int search_fields_of(struct dbuf *out, const char *msg, size_t n);

/* Evaluate the program on m and, when it matches, record m (its UID for
 * UID SEARCH, else its sequence number) in the result.  Messages must come
 * in ascending order.  Returns 1 (matched), 0 (not), or -1 with errno set:
 * load failed (the caller may skip the message) or ENOMEM. */
int search_match(struct search_prog *p, const struct search_msg *m);

/* Number of messages matched in this run. */
uint64_t search_count(const struct search_prog *p);
/* Append the untagged answer, CRLF included: "* SEARCH 2 5 9" without
 * RETURN, or "* ESEARCH (TAG "tag") [UID] [MIN n] [MAX n] [ALL set]
 * [COUNT n]" (MIN, MAX, ALL left out when nothing matched), or nothing for
 * RETURN (SAVE) alone.  tag must be a valid IMAP tag.  Returns 1, or 0
 * with errno ENOMEM. */
int search_write(const struct search_prog *p, const char *tag, struct dbuf *out);
/* The result to save for "$" (RFC 5182 2.4: only MIN and/or MAX when SAVE
 * came with MIN/MAX and without ALL and COUNT, else every match): UIDs as
 * a resolved set in *out (the caller frees it with seqset_free).  Returns
 * 1, or 0 with errno ENOMEM (*out empty). */
int search_saved(const struct search_prog *p, struct seqset *out);

void search_free(struct search_prog *p);

#endif
