/* imap_parse: assembling IMAP commands from a byte stream, and reading
 * their tokens.
 *
 * The reader is incremental: bytes may arrive one at a time or many
 * commands in one packet.  A command is one or more lines joined by
 * literals; the reader copies it into a caller-owned buffer of fixed
 * capacity, which bounds every command.  Literals are stored as
 * "{n}\r\n" followed by their n bytes, whatever the client sent
 * ("{n+}" or a bare LF). */
#ifndef ASIMAP_IMAP_PARSE_H
#define ASIMAP_IMAP_PARSE_H
#include <stddef.h>
#include <stdint.h>

enum imap_rd_status {
	IMAP_RD_MORE,            /* all input consumed, command not complete */
	IMAP_RD_COMMAND,         /* a command is complete in cmd[0..len) (no final CRLF) */
	IMAP_RD_CONTINUE,        /* a synchronizing literal was accepted: send "+ ..." */
	IMAP_RD_LINE_TOO_LONG,   /* a line passed line_max without LF: close */
	IMAP_RD_LITERAL_TOO_BIG, /* literal of lit_size bytes refused (lit_sync says which kind) */
};

struct imap_reader {
	char *cmd;         /* caller-owned buffer of cap bytes */
	size_t cap;        /* most bytes of one command, literals included */
	uint64_t lit_max;  /* most bytes of one literal (cap unless set after init) */
	size_t line_max;   /* most bytes of one line */
	size_t len;        /* bytes of the command so far */
	size_t line_start; /* where the current line starts in cmd */
	uint64_t lit_left; /* literal bytes still to copy */
	uint64_t lit_size; /* size of the last literal announced */
	int lit_sync;      /* the last literal was synchronizing */
	int discard;       /* skipping bytes after a refused literal line */
};

/* Set up r over buf (cap bytes), with lines limited to line_max bytes. */
void imap_reader_init(struct imap_reader *r, char *buf, size_t cap, size_t line_max);
/* Start the next command (after COMMAND, or after a refused literal). */
void imap_reader_reset(struct imap_reader *r);
/* Consume up to n bytes of in.  Returns the number consumed and sets *st.
 * After IMAP_RD_LINE_TOO_LONG the connection must be closed.  A literal
 * over lit_max, or one the rest of cap cannot hold, is
 * IMAP_RD_LITERAL_TOO_BIG: with lit_sync the line is consumed and the
 * caller answers BAD (or NO) and resets; a non-synchronizing one means the
 * client will send the bytes anyway, so the caller closes. */
size_t imap_reader_feed(struct imap_reader *r, const char *in, size_t n, enum imap_rd_status *st);

/* A cursor over an assembled command. */
struct imap_cur {
	char *p, *end;
};

/* Each reader below returns 1 and advances on success, 0 (cursor unchanged)
 * when the next token is not of that kind. */
int imap_p_char(struct imap_cur *c, char ch);
int imap_p_sp(struct imap_cur *c);
int imap_p_end(struct imap_cur *c);
/* atom: 1*ATOM-CHAR.  *s points into the command. */
int imap_p_atom(struct imap_cur *c, char **s, size_t *n);
/* tag: 1*(ASTRING-CHAR except "+"). */
int imap_p_tag(struct imap_cur *c, char **s, size_t *n);
/* astring / string / nstring: atom (astring only), quoted (unescaped in
 * place), or literal (may hold NUL).  *s points into the command. */
int imap_p_astring(struct imap_cur *c, char **s, size_t *n);
int imap_p_string(struct imap_cur *c, char **s, size_t *n);
/* number: 1*DIGIT fitting in 32 bits (nz: not zero). */
int imap_p_number(struct imap_cur *c, uint32_t *v);
/* Case-insensitive keyword match of an atom-like word (followed by a
 * non-atom char or end). */
int imap_p_word(struct imap_cur *c, const char *word);

int imap_is_atom_char(unsigned char ch);

#endif

#ifndef ASIMAP_IMAP_DATE_H
#define ASIMAP_IMAP_DATE_H
/* date-time (RFC 3501): "dd-Mon-yyyy hh:mm:ss +zzzz", the day one digit,
 * two digits, or space-padded, s[0..n) without the quotes.  Returns 1 and
 * sets *t (seconds since the epoch), or 0. */
int imap_parse_date_time(const char *s, size_t n, int64_t *t);
#endif
