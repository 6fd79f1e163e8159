/* asimap-user: the supervisor of one user's mail root. */
#ifndef ASIMAP_USER_H
#define ASIMAP_USER_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dbuf.h"
#include "folder.h"
#include "handoff.h"
#include "imap_parse.h"
#include "mh_folder.h"
#include "seqset.h"
#include "write.h"

#define SESSION_LINE_MAX 65536         /* bytes of one command line */
#define SESSION_COMMAND_MAX (8 << 20)  /* bytes of one command but an APPEND's message */
#define SESSION_COMMAND_KEEP (1 << 20) /* more than this is given back after each command */
#define SESSION_OUT_HIGH (256 * 1024)  /* stop producing output above this */
#define SESSION_AUTOLOGOUT_S (31 * 60) /* idle time before autologout */
#define FETCH_ITEMS_MAX 32
#define FETCH_FIELDS_MAX 64
/* The largest message APPEND takes (write.h), as APPENDLIMIT (RFC 7889)
 * says in CAPABILITY and STATUS. */
#define APPEND_MAX APPEND_MAX_BYTES
#define USER_STR_(x) #x
#define USER_STR(x) USER_STR_(x) /* a macro's value as a string */
#define CAPABILITIES                                                                               \
	"IMAP4rev1 LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE ESEARCH SEARCHRES "     \
	"CHILDREN LIST-EXTENDED SPECIAL-USE LIST-STATUS STATUS=SIZE "                              \
	"APPENDLIMIT=" USER_STR(APPEND_MAX)
#define IDLE_PING_S 120 /* "* OK Still here" while in IDLE */

struct user_cfg {
	const char *user, *mailroot, *unseen;
	int rootfd;
	int idle_s; /* exit after this long without sessions */
};

enum fetch_kind { FK_FLAGS, FK_UID, FK_SIZE, FK_IDATE, FK_BODY, FK_ENVELOPE, FK_STRUCTURE };
enum fetch_section { SEC_ALL, SEC_HEADER, SEC_TEXT, SEC_FIELDS, SEC_FIELDS_NOT, SEC_PART };

struct fetch_item {
	enum fetch_kind kind;
	enum fetch_section sec;
	int extended;     /* FK_STRUCTURE: BODYSTRUCTURE, not BODY */
	const char *spec; /* SEC_PART: the section text between the brackets */
	size_t speclen;
	int peek, partial;
	const char *label; /* "RFC822", "RFC822.HEADER", "RFC822.TEXT" or NULL for BODY[...] */
	uint32_t p_off, p_len;
	size_t nfields;
	struct {
		const char *s;
		size_t n;
	} field[FETCH_FIELDS_MAX];
};

struct fetch_job {
	char tag[HANDOFF_FIELD_MAX_BYTES + 1];
	int uid;
	struct seqset set;
	struct fetch_item item[FETCH_ITEMS_MAX];
	size_t nitems;
	size_t range, pos; /* where the walk is */
	int started, missing;
	int light; /* flags and UIDs only: the clock is read every FETCH_LIGHT_RUN messages */
	/* A big message's body being sent from its file (fetch.c). */
	int streaming, sfd;
	uint64_t s_skip, s_left; /* output bytes to drop, then to send */
	char s_prev;             /* the file byte before the next one read */
	size_t s_item;           /* the item after the one being sent */
};

/* A command that runs over several turns of the event loop, so that one
 * session's big FETCH or slow SEARCH never holds up the user's others.  A
 * session has at most one; while it runs the session reads no further
 * commands and is told of no changes (its view stays as it was). */
struct search_job; /* search.c */
enum job_kind { JOB_NONE, JOB_FETCH, JOB_SEARCH };
struct session_job {
	enum job_kind kind;
	union {
		struct fetch_job *fetch;
		struct search_job *search;
	} u;
};

enum session_state { ST_AUTH, ST_SELECTED, ST_LOGOUT };

struct session {
	struct session *next;
	unsigned id; /* for the trace */
	int fd_in, fd_out;
	char remote[HANDOFF_FIELD_MAX_BYTES + 1];
	char in[HANDOFF_PENDING_MAX_BYTES];
	size_t in_off, in_len;
	struct imap_reader rd;
	char *cmd;
	struct append_job *append; /* an APPEND whose message is being read (write.h) */
	struct dbuf out;
	enum session_state state;
	struct folder *sel;          /* the selected folder, shared */
	struct view view;            /* what this session was told of it */
	struct folder_peek *opening; /* answered from this, sel not built yet (select_finish) */
	int readonly;
	struct session_job job; /* kind JOB_NONE: none */
	struct seqset saved;    /* SEARCHRES's "$" */
	int has_saved;
	time_t last;     /* the client's last input (autologout) */
	time_t last_out; /* our last output the client took */
	int idling;      /* in IDLE: changes are pushed at once */
	time_t idle_ping;
	char idle_tag[HANDOFF_FIELD_MAX_BYTES + 1];
	int dead;      /* close once the output is written (or at once if eof) */
	int lingering; /* output done and shut: reading what the client still sends */
	time_t linger_start;
	int eof;
};

extern struct user_cfg cfg;

/* server.c: run the event loop on the listening socket until idle-out or
 * a signal; returns the exit code. */
int server_run(int listen_fd, int lock_fd);

/* session.c */
struct session *session_new(const struct handoff *h);
void session_free(struct session *s);
/* Parse and answer what can be answered now; stops at the output mark. */
void session_pump(struct session *s);
/* In IDLE: tell the client of changes now, and that we are alive. */
void session_idle_push(struct session *s, time_t now);
void session_reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Is a command job running (the session takes no input meanwhile)? */
int session_busy(const struct session *s);
/* Has the session work to do that waits for no I/O (a job's next slice)?
 * The event loop then polls without sleeping. */
int session_runnable(const struct session *s);
/* Nanoseconds since *t0 (CLOCK_MONOTONIC): how long a job's turn has run. */
long session_elapsed_ns(const struct timespec *t0);

/* fetch.c */
/* Parse "FETCH set items" arguments at c; on error answer BAD and return NULL. */
struct fetch_job *fetch_parse(struct session *s, const char *tag, int uid, struct imap_cur *c);
/* Produce responses until the output mark; returns 1 when the job is done. */
int fetch_step(struct session *s, struct fetch_job *j);
void fetch_free(struct fetch_job *j);

/* store.c: STORE, and \Seen for FETCH of body data (set resolved). */
void cmd_store(struct session *s, const char *tag, int uid, struct imap_cur *c);
/* One flag at c: a system flag ORed into *bits, or a keyword appended to
 * kw[*nkw] (malloc'd; FLAG_KEYWORDS_MAX at most).  Returns NULL, or what is
 * wrong (for BAD). */
#define FLAG_KEYWORDS_MAX 32
const char *flag_parse(struct imap_cur *c, uint32_t *bits, char **kw, size_t *nkw);
int store_seen(struct session *s, const struct seqset *set, int uid);
/* MH_SEQ_LOCK unless ENABLE_MH_FILE_LOCKING says false. */
int seq_locking(void);

/* write.c: EXPUNGE, UID EXPUNGE, COPY, MOVE, APPEND */
void cmd_expunge(struct session *s, const char *tag, int uid, struct imap_cur *c);
/* Remove the selected folder's \Deleted messages (only those in uids when
 * not NULL), answering EXPUNGE for them.  Returns 1, or 0 with errno. */
int expunge_deleted(struct session *s, const struct seqset *uids);
void cmd_copy(struct session *s, const char *tag, int uid, struct imap_cur *c, int move);
void cmd_append(struct session *s, const char *tag, struct imap_cur *c);

/* manage.c: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE */
void cmd_create(struct session *s, const char *tag, struct imap_cur *c);
void cmd_delete(struct session *s, const char *tag, struct imap_cur *c);
void cmd_rename(struct session *s, const char *tag, struct imap_cur *c);
void cmd_subscribe(struct session *s, const char *tag, struct imap_cur *c, int on);

/* search.c: SEARCH, UID SEARCH */
#define SEARCH_SLICE_MSGS 65536  /* messages evaluated per turn of the event loop, at most */
#define SEARCH_SLICE_NS 1000000L /* and about this long (1 ms), whichever comes first */
#define FETCH_SLICE_NS 1000000L  /* a FETCH's turn: at most about this long (1 ms) */
#define FETCH_LIGHT_RUN 16       /* a FETCH of flags and UIDs reads the clock every this many */
/* Parse SEARCH's arguments at c and start the job that evaluates them
 * (s->job); errors are answered at once and start nothing. */
void cmd_search(struct session *s, const char *tag, int uid, struct imap_cur *c);
/* Evaluate the next slice; when all is done write the answer and return 1. */
int search_step(struct session *s, struct search_job *j);
void search_job_free(struct search_job *j);

/* list.c: LIST (with LIST-EXTENDED, LIST-STATUS, SPECIAL-USE) and LSUB */
void cmd_list(struct session *s, const char *tag, struct imap_cur *c, int lsub);

/* mailbox.c: SELECT, EXAMINE, STATUS, CLOSE, UNSELECT */
void cmd_select(struct session *s, const char *tag, struct imap_cur *c, int readonly);
/* Build the folder a SELECT answered before building it (s->opening),
 * and the session's view of it: before the session's next command, or
 * when the supervisor is idle.  A folder that cannot be read any more
 * ends the session. */
void select_finish(struct session *s);
void cmd_status(struct session *s, const char *tag, struct imap_cur *c);
/* Write "* STATUS name (items)" for the mailbox name[0..n) (an IMAP name),
 * for STATUS and LIST-STATUS.  Returns 1, or 0 with errno when the
 * mailbox cannot be read (EINVAL: not a valid name; ENOENT, ENOTDIR,
 * ELOOP: no such folder); nothing is written then. */
struct imap_status_atts;
int status_mailbox(struct session *s, const char *name, size_t n, const struct imap_status_atts *a);
void cmd_close(struct session *s, const char *tag);
void write_flags(struct session *s, const struct mh_msg *m);
/* Tell the session what changed in its folder: EXPUNGE (only when
 * allow_expunge), EXISTS, and FETCH FLAGS. */
void session_sync(struct session *s, int allow_expunge);

#endif
