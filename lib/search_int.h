/* search_int: what the search_*.c files share; not for callers. */
#ifndef ASIMAP_SEARCH_INT_H
#define ASIMAP_SEARCH_INT_H
#include "decode.h"
#include "search.h"

enum search_node_kind {
	N_AND,     /* children first..next; an empty AND is true */
	N_OR,      /* two children */
	N_NOT,     /* one child */
	N_FLAGS,   /* (flags & mask) == want */
	N_KEYWORD, /* any keyword bit of kwmask set */
	N_SEQ,     /* sequence number in res */
	N_UID,     /* UID in res */
	N_SAVED,   /* UID in the saved result ("$") */
	N_LARGER,  /* size > lo */
	N_SMALLER, /* size < lo */
	N_DATE,    /* lo <= internal date < hi */
	N_SENT,    /* lo <= Date: header's day number < hi */
	N_HEADER,  /* field name contains needle */
	N_BODY,    /* decoded body text contains needle */
	N_TEXT,    /* header or body contains needle */
};

struct search_node {
	uint8_t kind;
	uint8_t cost;        /* 0 metadata, 1 header, 2 body: cheap tests run first */
	int32_t first, next; /* children and next sibling, -1 for none */
	unsigned mask, want; /* N_FLAGS */
	uint64_t kwmask;     /* N_KEYWORD: the folder's keywords of that name */
	int64_t lo, hi;      /* sizes, dates, day numbers */
	size_t name, nlen;   /* field or keyword name: offset into strs */
	size_t str, slen;    /* folded needle: offset into strs */
	struct seqset set;   /* as parsed ("*" kept) */
	struct seqset res;   /* resolved for this run */
};

struct search_prog {
	struct search_node *n; /* n[0] is the root, an AND; parents before children */
	size_t nn, ncap;
	struct dbuf strs; /* names and needles */
	int uid;
	unsigned ret;
	int uses_saved;
	int has_text;    /* a TEXT key: collect the MIME part headers too */
	int fields_only; /* reads no header field but search_is_field's, and no body */
	uint32_t max_seq;
	struct seqset saved;

	/* The message being evaluated. */
	const struct search_msg *m;
	const char *data;
	size_t len;
	int loaded;           /* 0 nothing, 1 header, 2 whole */
	size_t hdr_len, body; /* header bytes (without the empty line); body offset */
	int64_t size;         /* -1 until known */
	int sent_state;       /* 0 not looked at, 1 sent_day valid */
	int64_t sent_day;
	int have_htext, have_body;
	struct dbuf htext;      /* folded "Name: value\n" of the top header */
	struct dbuf btext;      /* folded decoded body text */
	struct dbuf xhdr;       /* folded header lines of MIME parts and attached messages */
	struct dbuf t1, t2, t3; /* scratch */
	struct decode_cs cs;

	/* The result. */
	struct seqset_range *r, *u; /* numbers answered; UIDs when not the same */
	size_t rn, rcap, un, ucap;
	uint64_t count;
	uint32_t min, max, min_uid, max_uid;
};

/* search_parse.c and search_keys.c: the parser's state and helpers. */
struct parser {
	struct search_prog *p;
	struct imap_cur *c;
	char *err; /* the first error wins */
	size_t errlen;
	int nomem;
};
/* Set the error text (unless one is set); return -1. */
__attribute__((format(printf, 2, 3))) int search_fail(struct parser *ps, const char *fmt, ...);
int search_nomem(struct parser *ps);
/* A new node of kind as the last child of parent (-1: none); its index or -1. */
int search_new_node(struct parser *ps, int kind, int parent);
/* s[0..n) printable, shortened to fit cap. */
void search_shown(const char *s, size_t n, char *out, size_t cap);
/* One search-key as the last child of parent; 0 or -1. */
int search_parse_key(struct parser *ps, int parent, int depth);
/* After parsing: costs, and AND lists cheapest first.  1, or 0 ENOMEM. */
int search_finish(struct search_prog *p);

/* search_hdr.c: header fields. */
/* Split an entity: *hlen header bytes (up to the empty line), *body where
 * the body starts (n when there is no empty line). */
/* Is name[0..n) one of the fields search_fields_of keeps (any case)? */
int search_is_field(const char *name, size_t n);
void search_header_split(const char *s, size_t n, size_t *hlen, size_t *body);
/* Next field of h[0..hn) from *pos: its name (trimmed) and raw value (folds
 * kept, final line end dropped).  Lines without a name are skipped.
 * Returns 1, or 0 at the end. */
int search_field_next(const char *h, size_t hn, size_t *pos, const char **name, size_t *nn,
                      const char **val, size_t *vn);
/* Does a field named k's name in h[0..hn) contain k's needle?  1, 0, or -1
 * (ENOMEM). */
int search_header_has(struct search_prog *p, const char *h, size_t hn, const struct search_node *k);
/* Append "name: decoded value\n" for each field of h[0..hn), folded. */
int search_header_text(struct search_prog *p, const char *h, size_t hn, struct dbuf *out);
/* The day number (days since 1970-01-01) of the first Date: field, in
 * its own zone.  Returns 1, or 0 when there is none or it is unreadable. */
int search_sent_day(const char *h, size_t hn, int64_t *day);
/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
int64_t search_days(int y, int m, int d);
/* Days in month m (1..12) of year y. */
int search_month_days(int y, int m);

/* search_mime.c: fill p->btext and p->xhdr from the message s[0..n). */
int search_body_text(struct search_prog *p, const char *s, size_t n);

/* search_result.c: record a match. */
int search_record(struct search_prog *p, uint32_t seq, uint32_t uid);

/* search_parse.c: bytes of a search string in strs. */
static inline const char *search_str(const struct search_prog *p, size_t off)
{
	return dbuf_data(&p->strs) + off;
}

#endif
