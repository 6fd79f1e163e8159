/* write.h: APPEND of a message of any allowed size, streamed to disk.
 *
 * The message literal of an APPEND never enters the session's command
 * buffer: when the reader announces it (imap_parse's ask mode), the
 * command so far is parsed and checked (mailbox, flags, date, size) and
 * either refused at once (the client of a synchronizing literal gets no
 * "+" and sends nothing; the bytes of a non-synchronizing one are read and
 * thrown away, then the command is answered), or a temporary file is
 * opened in the target folder and each piece of the literal is written to
 * it as it arrives, from the event loop, one read at a time.  At the end
 * of the command the file is fsynced and linked as a new message
 * (lib/mh_write). */
#ifndef ASIMAP_WRITE_H
#define ASIMAP_WRITE_H
#include <stddef.h>
#include <stdint.h>

#include "imap_parse.h"

/* The largest message APPEND takes, in bytes of the literal (the size the
 * client announces, CRLF line ends included): what APPENDLIMIT (RFC 7889)
 * advertises.  A plain decimal, so that it can be stringified into the
 * CAPABILITY string; at most MH_MESSAGE_MAX_BYTES (2 GiB). */
#define APPEND_MAX_BYTES 1073741824
/* Temporary files of writers that died are removed when a folder is a
 * target of APPEND/COPY, at most every APPEND_SWEEP_S per folder, once
 * they are older than APPEND_TEMP_STALE_S (more than an autologout: a
 * session that still writes one has touched it since). */
#define APPEND_SWEEP_S 3600
#define APPEND_TEMP_STALE_S 3600

struct session;
struct append_job;
struct folder;

/* write.c, for append.c: */
/* The folder a target mailbox names (checked for changes, stale temporary
 * files swept), or NULL with the response code and text of the NO in
 * why. */
struct folder *write_target(const char *name, size_t n, char *why, size_t whylen);
/* The first number to try for a new message in f. */
uint32_t write_next_num(const struct folder *f);
/* Give new message num of f the flags bits and keywords kw[0..nkw) in
 * .mh_sequences, and no other sequence.  Returns 1, or 0 with errno. */
int write_new_flags(struct folder *f, uint32_t num, uint32_t bits, char *const *kw, size_t nkw);

/* Undo a COPY into the folder open at dirfd (path: its name, for the log)
 * that a crash or a failure interrupted (lib/mh_journal), before the folder
 * is read.  Returns the number of copies removed (0: there was no such
 * COPY), or -1 with errno (logged; COPY into the folder fails meanwhile). */
long write_recover(int dirfd, const char *path);

/* append.c: */

/* The reader announced a literal in an APPEND command; c is the command
 * after "APPEND " up to the literal's marker, tag its tag, size what the
 * marker said.  Returns what the reader is to do with the
 * literal: keep it (the mailbox name as a literal), stream it (the
 * message: s->append is set up, the caller sends "+" for a synchronizing
 * one), or refuse it (the answer waits in s->append until the reader has
 * skipped the rest of the command: append_skipped). */
enum imap_lit_how append_literal(struct session *s, const char *tag, struct imap_cur *c,
                                 uint64_t size);
/* A piece of the streamed message. */
void append_data(struct session *s, const char *p, size_t n);
/* The APPEND whose message was streamed is complete; rest is what followed
 * the literal.  Store the message and answer. */
void append_finish(struct session *s, struct imap_cur *rest);
/* The refused APPEND is over: answer it. */
void append_skipped(struct session *s);
/* The session ends with an APPEND in progress: throw it away. */
void append_abort(struct session *s);

#endif
