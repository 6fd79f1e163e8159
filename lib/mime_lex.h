/* mime_lex: header fields and RFC 5322 / RFC 2045 tokens, shared by the
 * mime and envelope modules (not meant for other callers).
 *
 * Header lines are read as Dovecot 2.3 reads them: a field is a line and
 * the following lines that start with a space or tab; its name is the text
 * before the first colon without trailing blanks (a line without a colon
 * is all name); its value starts after the colon and its leading blanks
 * (one blank only when the first line holds nothing else) and runs, raw,
 * to the end of its last line without the line end.
 *
 * Token functions work on a cursor over a value.  Each returns 1 when more
 * input follows, 0 at its end, -1 on a syntax error, like Dovecot's
 * rfc822-parser, and appends what it reads to a dbuf (an allocation
 * failure sets lx->oom; callers check it once at the end). */
#ifndef ASIMAP_MIME_LEX_H
#define ASIMAP_MIME_LEX_H
#include <stddef.h>

#include "dbuf.h"

struct mime_field {
	size_t start, end;   /* the field's lines, end after the last line end */
	size_t name_len;     /* name = msg[start .. start + name_len) */
	int colon;           /* 0: the line had no colon and there is no value */
	size_t val, val_end; /* the value */
	int last_nl;         /* 0 (end of input), 1 (LF) or 2 (CRLF) */
};

/* The length of the empty line at pos (1 or 2), or 0 when there is none. */
size_t mime_eoh_len(const char *msg, size_t end, size_t pos);
/* Read the field starting at pos (not at an empty line, pos < end). */
void mime_field_read(const char *msg, size_t end, size_t pos, struct mime_field *f);
/* Iterate over the fields of a header msg[*pos .. end): 1 with the next
 * field (and *pos after it), 0 at the empty line or the end. */
int mime_field_next(const char *msg, size_t end, size_t *pos, struct mime_field *f);
/* Is the field named name (ASCII case-insensitive)? */
int mime_field_is(const char *msg, const struct mime_field *f, const char *name);

struct mime_lex {
	const unsigned char *p, *end;
	struct dbuf *comment; /* when set, receives the text of the last comment */
	int oom;
};

void mime_lex_init(struct mime_lex *lx, const char *s, size_t n);
/* The live bytes of b, also when b has never held any (never NULL). */
static inline const char *mime_buf(const struct dbuf *b)
{
	return b->p ? b->p + b->off : "";
}
/* Append n bytes to b, each NUL as U+FFFD (Dovecot's repair). */
void mime_lex_put(struct mime_lex *lx, struct dbuf *b, const void *s, size_t n);
void mime_lex_trunc(struct dbuf *b, size_t len);

int mime_is_atext(unsigned char c);
int mime_lex_skip(struct mime_lex *lx);                     /* CFWS */
int mime_lex_atom(struct mime_lex *lx, struct dbuf *out);   /* 1*atext */
int mime_lex_quoted(struct mime_lex *lx, struct dbuf *out); /* at '"' */
int mime_lex_phrase(struct mime_lex *lx, struct dbuf *out); /* words, one space apart */
int mime_lex_dot_atom(struct mime_lex *lx, struct dbuf *out);
int mime_lex_domain(struct mime_lex *lx, struct dbuf *out); /* at '@' */
int mime_lex_token(struct mime_lex *lx, struct dbuf *out);  /* MIME token or '.' */
/* "type/subtype" into out; -1 (out cut back to its old length unless the
 * type alone could be read) when it is not exactly that followed by the
 * end or ";". */
int mime_lex_content_type(struct mime_lex *lx, struct dbuf *out);

struct mime_param;
/* The parameters after a Content-Type or Content-Disposition value, their
 * strings appended to buf, the array (*par, *n) allocated (free it).
 * Returns 1, or 0 with lx->oom set. */
int mime_params_parse(struct mime_lex *lx, struct dbuf *buf, struct mime_param **par, size_t *n);

/* A Content-Type value, as the parser needs it: returns its MIME_TEXT,
 * MIME_MULTIPART (with MIME_DIGEST) or MIME_RFC822 flag; for a multipart
 * with a boundary parameter, copies at most MIME_BOUNDARY_MAX_BYTES of it
 * to bnd (*blen) and sets *found.  Sets *oom when out of memory. */
int mime_ct_scan(const char *v, size_t vlen, char *bnd, size_t *blen, int *found, int *oom);

/* Append s[0..n) with each CR or LF dropped (a space instead when the next
 * byte is not blank), as Dovecot writes Content-ID, dates and the like. */
void mime_put_nolf(struct mime_lex *lx, struct dbuf *b, const char *s, size_t n);

#endif
