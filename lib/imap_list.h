/* imap_list: the arguments of LIST and LSUB (RFC 3501 6.3.8-9, extended by
 * LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819 and SPECIAL-USE RFC 6154)
 * and of STATUS (RFC 3501 6.3.10, STATUS=SIZE RFC 8438, APPENDLIMIT RFC
 * 7889), and mailbox patterns ("*" and "%", RFC 3501 6.3.8).
 *
 * The parsers read an assembled command (imap_parse); what they return
 * points into it (quoted strings are unescaped in place).  Every count is
 * capped: patterns per command, pattern length, status items.  Options
 * this module does not know are refused, as RFC 5258 section 3 wants (a
 * server answers BAD to an option it does not recognize). */
#ifndef ASIMAP_IMAP_LIST_H
#define ASIMAP_IMAP_LIST_H
#include <stddef.h>
#include <stdint.h>

#include "imap_parse.h"

/* STATUS data items, as RFC 3501, RFC 8438 (SIZE) and RFC 7889
 * (APPENDLIMIT) name them. */
enum imap_status_item {
	IMAP_STATUS_MESSAGES,
	IMAP_STATUS_RECENT,
	IMAP_STATUS_UIDNEXT,
	IMAP_STATUS_UIDVALIDITY,
	IMAP_STATUS_UNSEEN,
	IMAP_STATUS_SIZE,
	IMAP_STATUS_APPENDLIMIT,
	IMAP_STATUS_COUNT
};
/* Their names on the wire, by enum value. */
extern const char *const imap_status_names[IMAP_STATUS_COUNT];

/* The items asked for, each once, in the order first asked. */
struct imap_status_atts {
	uint8_t item[IMAP_STATUS_COUNT];
	size_t n;
};

/* "(" status-att *(SP status-att) ")" at c, added to *a (an item asked
 * again is kept once).  Returns NULL, or the text of a BAD (c then
 * somewhere inside). */
const char *imap_p_status_atts(struct imap_cur *c, struct imap_status_atts *a);

#define IMAP_LIST_PATTERNS_MAX 32        /* patterns in one LIST */
#define IMAP_LIST_PATTERN_MAX_BYTES 2048 /* reference and pattern together */
#define IMAP_LIST_NAME_MAX_BYTES 4096    /* longer names never match */

/* Selection options (RFC 5258 3.1, RFC 6154 5.1). */
enum {
	IMAP_LIST_SEL_SUBSCRIBED = 1 << 0,
	IMAP_LIST_SEL_REMOTE = 1 << 1,
	IMAP_LIST_SEL_RECURSIVEMATCH = 1 << 2,
	IMAP_LIST_SEL_SPECIAL_USE = 1 << 3,
};
/* Return options (RFC 5258 3.2, RFC 5819, RFC 6154 5.2). */
enum {
	IMAP_LIST_RET_SUBSCRIBED = 1 << 0,
	IMAP_LIST_RET_CHILDREN = 1 << 1,
	IMAP_LIST_RET_SPECIAL_USE = 1 << 2,
	IMAP_LIST_RET_STATUS = 1 << 3,
};

struct imap_list_args {
	int extended;      /* selection options, a list of patterns or RETURN */
	unsigned sel, ret; /* IMAP_LIST_SEL_*, IMAP_LIST_RET_* */
	const char *ref;   /* the reference name */
	size_t reflen;
	struct {
		const char *s;
		size_t n;
	} pat[IMAP_LIST_PATTERNS_MAX]; /* as given, without the reference */
	size_t npat;
	struct imap_status_atts status; /* IMAP_LIST_RET_STATUS */
};

/* The arguments of LIST (lsub 0) or LSUB (lsub 1) at c, which must end
 * with the command.  LSUB takes a reference and one pattern only.  The
 * SUBSCRIBED selection option implies the SUBSCRIBED return option, and
 * SPECIAL-USE the SPECIAL-USE one.  RECURSIVEMATCH needs SUBSCRIBED or
 * SPECIAL-USE beside it (RFC 5258 3.1).  A reference and a pattern
 * together longer than IMAP_LIST_PATTERN_MAX_BYTES are refused.  Returns
 * NULL, or the text of a BAD. */
const char *imap_list_parse(struct imap_cur *c, int lsub, struct imap_list_args *a);

/* Does name (NUL-terminated) match the pattern p[0..pn)?  "*" matches any
 * run of characters, "%" any run without the delimiter "/"; a name whose
 * first component is "INBOX" has it matched without regard to case.  With
 * prefix set, the question is instead whether some name that starts with
 * name could match (a folder walk need not go where nothing can match).
 * Time O(pn * strlen(name)), no allocation; a pattern longer than
 * IMAP_LIST_PATTERN_MAX_BYTES or a name longer than
 * IMAP_LIST_NAME_MAX_BYTES never matches.  Returns 1 or 0. */
int imap_list_match(const char *p, size_t pn, const char *name, int prefix);

#endif
