/* folder: the supervisor's shared state of one MH folder, and each
 * session's view of it.
 *
 * One struct folder exists per folder that some session has selected;
 * sessions share it.  Changes on disk (nmh, a delivery agent, another
 * session) are noticed through inotify, or by polling the directory and
 * .mh_sequences when inotify is not available, and become the folder's
 * new truth.  A session learns of them through its view: the UIDs it has
 * been told about and the change counter it has seen.  session_sync turns
 * the difference into EXPUNGE, EXISTS and FETCH FLAGS responses at the
 * moments RFC 3501 allows them. */
#ifndef ASIMAP_FOLDER_H
#define ASIMAP_FOLDER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mh_cache.h"
#include "mh_folder.h"
#include "mh_state.h"

struct folder {
	struct folder *next;
	char path[MH_NAME_MAX_BYTES + 1]; /* relative to the mail root ("inbox") */
	struct mh_folder mh;              /* messages by number (and so by UID) */
	struct mh_state state;            /* UIDVALIDITY, UIDNEXT, UIDs, as saved */
	uint64_t resets;                  /* counts UIDVALIDITY changes while open */
	struct mh_cache cache;            /* metadata known (loaded at the first need) */
	int cache_loaded;
	int cache_dirty;   /* entries were made that the cache file lacks */
	int refs;          /* sessions that have it selected (0: kept for a while) */
	uint64_t closed;   /* when the last session left it (a counter) */
	int wd;            /* inotify watch, or -1 */
	int dirty;         /* something changed on disk */
	uint64_t modseq;   /* highest flag-change counter */
	uint64_t removals; /* counts reloads that removed messages */
	struct timespec dir_mtime, seq_mtime; /* for polling without inotify */
	ino_t seq_ino;
	uint32_t *pend; /* message files inotify named since the last check */
	size_t npend, cappend;
	int rescan;               /* list the whole directory at the next check */
	struct mh_ident state_id; /* the state file as last read or written */
	int recent_dirty;         /* state.recent_uid moved since the state was saved */
	uint32_t *uids;           /* the UIDs of mh.m in a row (view_init), NULL until needed */
	int watch_pending;        /* its file events are not in place yet (folder_watch_post) */
	int watch_posted;         /* ... and the watcher thread is adding them */
	uint64_t watch_token;     /* which request of the watcher thread that is */
	int64_t watch_since;      /* when the folder was opened (ms, monotonic) */
};

struct view {
	uint32_t *uid; /* what the session was told, ascending */
	size_t n, cap;
	uint64_t modseq, removals, resets;
	struct {
		uint32_t lo, hi; /* UIDs lo < uid <= hi are \Recent for this session */
	} * recent;
	size_t nrecent;
};

/* Set up change notification; returns the inotify fd to poll, or -1. */
int folder_init(void);
/* Handle readable inotify events: mark folders dirty. */
void folder_inotify(void);
/* The file events of a folder's watch are added later (folder.c says
 * why): is one waiting to be (the event loop then wakes within
 * WATCH_IDLE_MS)?  Add those due: all when the supervisor was idle for
 * WATCH_IDLE_MS, else those waiting for WATCH_LATE_MS. */
#define WATCH_IDLE_MS 50
#define WATCH_LATE_MS 2000
int folder_watch_due(void);
void folder_watch_post(int idle);
/* The descriptor that is readable when the watcher thread has added them
 * (-1: no thread), and what to do then. */
int folder_watcher_fd(void);
void folder_watched(void);
/* The folder at relative path, loaded or shared; NULL with errno. */
struct folder *folder_open(const char *path, const char *unseen);
/* What SELECT tells of a folder, read before the folder is loaded: the
 * header of its state file and .mh_sequences, when nothing else is
 * needed (folder_peek).  The answer can then go out before the message
 * list is built; folder_open still builds it, and view_init_told gives
 * the session a view of what it was told. */
struct folder_peek {
	struct folder_peek *next;         /* the peeks not freed yet (folder_in_use) */
	char path[MH_NAME_MAX_BYTES + 1]; /* the folder, as folder_open takes it */
	int fd;                           /* the state file read (for view_init_told), or -1 */
	struct mh_state head; /* its header: UIDVALIDITY, UIDNEXT, n, recent UID (no records) */
	uint32_t last_uid;    /* the UID of its last message (0: none) */
	size_t recent;        /* its messages above head.recent_uid */
	struct mh_peek seq;   /* the first unseen message and the keywords */
};
/* 1 when the folder at path is not loaded and its stamp vouches for its
 * state file (as folder_open would find it), with *p filled; else 0 and
 * the caller opens the folder first. */
int folder_peek(const char *path, const char *unseen, struct folder_peek *p);
void folder_peek_free(struct folder_peek *p);
/* Drop one reference.  After the last one the folder stays loaded and
 * watched (the few most recently closed), for the next SELECT. */
void folder_close(struct folder *f);
/* Reload from disk if something changed.  Returns 1, or 0 (errno) when the
 * folder cannot be read any more (it keeps its last state). */
int folder_check(struct folder *f, const char *unseen);
/* Is the folder at path, or one below it, selected by some session (or
 * answered from a folder_peek not freed yet)? */
int folder_in_use(const char *path);
/* Write the metadata cache if it has something new.  Never fails: the
 * cache only saves time. */
void folder_save_cache(struct folder *f);
/* The metadata of message i of f->mh (wire size, header length, ENVELOPE,
 * BODY and BODYSTRUCTURE answers), from the cache or computed now from
 * its bytes: d[0..n) when the caller read them (rc: what mh_msg_read
 * returned), else read here.  NULL with errno when the message cannot be
 * read (ENOENT: removed by another program) or out of memory. */
const unsigned char *folder_meta(struct folder *f, size_t i, const char *d, size_t n, int rc);
/* What search_fields_of keeps of message i, from the cache: 1 with
 * data[0..len) valid until the next use of f's cache, or 0 when the
 * cache does not have it (read the message then). */
int folder_fields(struct folder *f, size_t i, const char **data, size_t *len);
/* Keep in the cache what is known of message i without reading it: its
 * wire size when counted (APPEND counts it), and what search_fields_of
 * takes from hdr[0..n), its header as read from the listed file, when
 * hdr is not NULL.  The cache is left as it is when it has more. */
void folder_keep(struct folder *f, size_t i, const char *hdr, size_t n);
/* The wire size of message i (from what is known, or computed as
 * folder_meta does), or -1 with errno. */
int64_t folder_size(struct folder *f, size_t i);
/* The sum of the wire sizes (RFC822.SIZE) of f's messages (STATUS SIZE):
 * those not known yet are computed once and kept in the cache.  A
 * message removed meanwhile counts 0. */
uint64_t folder_total_size(struct folder *f);
/* Index in f->mh of uid, or -1 when it is gone. */
long folder_find(const struct folder *f, uint32_t uid);
/* Index in f->mh of the first message with UID >= uid. */
size_t folder_lower(const struct folder *f, uint32_t uid);

/* \Recent (RFC 3501 2.3.2): a session that is told of messages takes
 * the ones no session was told of before.  Returns the UID range
 * (*lo, *hi] it took (empty when *lo == *hi).  A read-only session calls
 * folder_recent instead, which takes nothing. */
void folder_claim_recent(struct folder *f, uint32_t *lo, uint32_t *hi);
void folder_recent(const struct folder *f, uint32_t *lo, uint32_t *hi);

/* Views. */
int view_init(struct view *v, struct folder *f);
/* The view of a session that was told of the folder what p says: the
 * folder's own list when it is still that, else p's list, which the next
 * session_sync brings up to date.  1, or 0 with errno (ESTALE: the
 * folder's UIDVALIDITY is not the one told). */
int view_init_told(struct view *v, struct folder *f, const struct folder_peek *p);
void view_free(struct view *v);
/* Index in the view of the first UID >= uid. */
size_t view_lower(const struct view *v, uint32_t uid);
/* \Recent for the session: take the range (lo, hi] of folder_claim_recent
 * or folder_recent; ask of one UID; count them in the view. */
int view_add_recent(struct view *v, uint32_t lo, uint32_t hi);
int view_is_recent(const struct view *v, uint32_t uid);
size_t view_count_recent(const struct view *v);

#endif
