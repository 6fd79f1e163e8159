/* imap_parse: assembling IMAP commands from a byte stream, and reading
 * their tokens.
 *
 * The reader is incremental: bytes may arrive one at a time or many
 * commands in one packet.  A command is one or more lines joined by
 * literals; the reader copies it into a caller-owned buffer of fixed
 * capacity, which bounds every command.  Literals are stored as
 * "{n}\r\n" followed by their n bytes, whatever the client sent
 * ("{n+}" or a bare LF).
 *
 * In ask mode (imap_reader_ask) the caller decides for each literal, once
 * its marker has been read, whether it is kept in the buffer as above,
 * streamed to the caller a piece at a time (the message of an APPEND:
 * never in the buffer, so its size is not bounded by it), or refused
 * (the rest of the command is read and thrown away, the literal
 * included, without being stored). */
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
	/* Ask mode only: */
	IMAP_RD_LITERAL, /* a literal of lit_size bytes is announced; its marker ("{n}" or
	                  * "{n+}") is cmd[lit_at..len): call imap_reader_literal */
	IMAP_RD_DATA,    /* the bytes consumed, in[0..returned), are data of a streamed literal */
	IMAP_RD_SKIPPED, /* a refused command is over: all of it has been read (or, after a
	                  * synchronizing literal, will not come); answer it and reset */
};

/* What to do with an announced literal (ask mode). */
enum imap_lit_how {
	IMAP_LIT_KEEP,   /* into the buffer, as without ask mode */
	IMAP_LIT_STREAM, /* to the caller as IMAP_RD_DATA; the marker leaves the buffer */
	IMAP_LIT_REFUSE, /* skip the literal and the rest of the command */
};

struct imap_reader {
	char *cmd;         /* caller-owned buffer of cap bytes */
	size_t cap;        /* most bytes of one command, literals included */
	size_t line_max;   /* most bytes of one line */
	size_t len;        /* bytes of the command so far */
	size_t line_start; /* where the current line starts in cmd */
	uint64_t lit_left; /* literal bytes still to copy, stream or skip */
	uint64_t lit_size; /* size of the last literal announced */
	int lit_sync;      /* the last literal was synchronizing */
	int ask;           /* ask mode: IMAP_RD_LITERAL for every literal */
	size_t lit_at;     /* ask mode: where the announced literal's marker starts */
	int streaming;     /* lit_left bytes go to the caller */
	int streamed;      /* this command had a streamed literal, at stream_at */
	size_t stream_at;  /* where its data would have been in cmd */
	int skip;          /* throwing a refused command away */
};

/* Set up r over buf (cap bytes), with lines limited to line_max bytes. */
void imap_reader_init(struct imap_reader *r, char *buf, size_t cap, size_t line_max);
/* Ask mode (on != 0): let the caller decide what becomes of each literal. */
void imap_reader_ask(struct imap_reader *r, int on);
/* Start the next command (after COMMAND, SKIPPED, or a refused literal). */
void imap_reader_reset(struct imap_reader *r);
/* Consume up to n bytes of in.  Returns the number consumed and sets *st.
 * After IMAP_RD_LINE_TOO_LONG the connection must be closed.  After
 * IMAP_RD_LITERAL_TOO_BIG with lit_sync the line is consumed and the caller
 * answers BAD and resets; a non-synchronizing one means the client will
 * send the bytes anyway, so the caller closes.  In ask mode the stream
 * stops at each literal marker (IMAP_RD_LITERAL) until the caller calls
 * imap_reader_literal; a streamed literal's bytes come back as
 * IMAP_RD_DATA, with nothing else in the same call. */
size_t imap_reader_feed(struct imap_reader *r, const char *in, size_t n, enum imap_rd_status *st);
/* Ask mode: after IMAP_RD_LITERAL, do how with the literal.  Returns what
 * the caller acts on as if feed had returned it: IMAP_RD_CONTINUE (send
 * "+") or IMAP_RD_MORE when the literal will be read (kept or streamed),
 * IMAP_RD_LITERAL_TOO_BIG when it does not fit the buffer (kept only; as
 * without ask mode), IMAP_RD_SKIPPED when the refused command is already
 * over (a synchronizing literal: the client sends nothing more of it),
 * IMAP_RD_MORE when a refused literal's bytes are still to be skipped (a
 * later feed returns IMAP_RD_SKIPPED at the end of the command).  A
 * streamed literal's marker leaves cmd: the command goes on at lit_at,
 * which stream_at remembers. */
enum imap_rd_status imap_reader_literal(struct imap_reader *r, enum imap_lit_how how);

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
