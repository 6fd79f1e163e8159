#include "folder.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "envelope.h"
#include "imap_write.h"
#include "log.h"
#include "mime.h"
#include "mh_cache.h"
#include "mh_journal.h"
#include "search.h"
#include "user.h"

/* A folder's watch: its directory's own events (files made, removed,
 * renamed) at once, before it is read; the events of its files
 * (IN_CLOSE_WRITE, IN_ATTRIB: a message or .mh_sequences written in
 * place) later.  Adding those makes the kernel mark every cached entry of
 * the directory with preemption off, 15 ms for 100,000 messages, and
 * whatever waits on that CPU waits that long: so they are added by the
 * watcher thread, once the supervisor has been idle for WATCH_IDLE_MS or
 * at the latest WATCH_LATE_MS after the open.  Until they are in place a
 * message's identity is checked at each use (verify); then every message
 * is checked again at its next use, and .mh_sequences read again. */
#define WATCH_DIR_EVENTS                                                                           \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
#define WATCH_FILE_EVENTS (IN_CLOSE_WRITE | IN_ATTRIB)

#define FOLDER_READ_WHOLE_MAX (1 << 20) /* bigger: sizes counted in pieces */
#define FOLDER_IDLE_KEEP 2              /* folders kept open with no session on them */
#define PEND_MAX 65536                  /* changed files remembered; more: list the directory */

static struct folder *folders;
static struct folder_peek *peeks;
static int ino_fd = -1;

/* The watcher thread: requests (a directory's own descriptor, which it
 * closes) come on req[], answers go back on done[]. */
struct watch_req {
	int fd;
	uint64_t token;
};
struct watch_done {
	uint64_t token;
	int wd, err;
};
static int req[2] = {-1, -1}, done[2] = {-1, -1};

/* inotify_add_watch on the directory open as fd. */
static int add_watch(int fd, uint32_t mask)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return inotify_add_watch(ino_fd, proc, mask);
}

static void *watcher(void *arg)
{
	struct watch_req r;
	(void)arg;
	while (read(req[0], &r, sizeof r) == (ssize_t)sizeof r) {
		struct watch_done d = {r.token, -1, 0};
		d.wd = add_watch(r.fd, WATCH_FILE_EVENTS | IN_MASK_ADD);
		d.err = d.wd < 0 ? errno : 0;
		close(r.fd);
		if (write(done[1], &d, sizeof d) != (ssize_t)sizeof d)
			break;
	}
	return NULL;
}

/* Start the watcher thread (signals stay with the main thread); without
 * it, file events are added at once. */
static void start_watcher(void)
{
	pthread_t t;
	pthread_attr_t at;
	sigset_t all, old;
	if (pipe2(req, O_CLOEXEC) < 0)
		return;
	if (pipe2(done, O_CLOEXEC) < 0 || fcntl(req[1], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(done[0], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int ok = pthread_attr_init(&at) == 0;
	ok = ok && pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0 &&
	     pthread_attr_setstacksize(&at, 64 << 10) == 0 &&
	     pthread_create(&t, &at, watcher, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ok)
		return;
fail:
	log_warn("unable to start the folder watcher thread: adding watches in line");
	for (int i = 0; i < 2; i++) {
		if (req[i] >= 0)
			close(req[i]);
		if (done[i] >= 0)
			close(done[i]);
		req[i] = done[i] = -1;
	}
}

int folder_init(void)
{
	ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino_fd < 0)
		log_warn("unable to use inotify (%s): polling folders instead", strerror(errno));
	else
		start_watcher();
	return ino_fd;
}

int folder_watcher_fd(void)
{
	return done[0];
}

static void watch_done(struct folder *f, int wd, int err);

static int wd_in_use(int wd)
{
	for (struct folder *f = folders; f; f = f->next)
		if (f->wd == wd)
			return 1;
	return 0;
}

void folder_watched(void)
{
	struct watch_done d;
	while (done[0] >= 0 && read(done[0], &d, sizeof d) == (ssize_t)sizeof d) {
		struct folder *f = folders;
		while (f && !(f->watch_posted && f->watch_token == d.token))
			f = f->next;
		if (f)
			watch_done(f, d.wd, d.err);
		else if (d.wd >= 0 && !wd_in_use(d.wd)) /* freed meanwhile: nobody's watch */
			inotify_rm_watch(ino_fd, d.wd);
	}
}

/* Remember that message file num changed. */
static void pend(struct folder *f, uint32_t num)
{
	if (f->rescan)
		return;
	if (f->npend == f->cappend) {
		size_t cap = f->cappend ? f->cappend * 2 : 64;
		uint32_t *p = cap <= PEND_MAX ? realloc(f->pend, cap * sizeof *p) : NULL;
		if (!p) {
			f->rescan = 1; /* too many: list the directory instead */
			f->npend = 0;
			return;
		}
		f->pend = p;
		f->cappend = cap;
	}
	f->pend[f->npend++] = num;
}

void folder_inotify(void)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	if (ino_fd < 0)
		return;
	while ((n = read(ino_fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			p += sizeof *ev + ev->len;
			uint32_t num = ev->len ? mh_msg_num(ev->name) : 0;
			for (struct folder *f = folders; f; f = f->next) {
				if (ev->mask & IN_Q_OVERFLOW)
					f->rescan = 1;
				else if (f->wd != ev->wd)
					continue;
				else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
					f->rescan = 1;
				else if (num)
					pend(f, num);
				else if (!ev->len || strcmp(ev->name, ".mh_sequences"))
					continue; /* our own files, nmh's temporary ones */
				f->dirty = 1;
			}
		}
	}
}

static void stamp(struct folder *f)
{
	struct stat sb;
	if (fstat(f->mh.dirfd, &sb) == 0)
		f->dir_mtime = sb.st_mtim;
	if (fstatat(f->mh.dirfd, ".mh_sequences", &sb, 0) == 0) {
		f->seq_mtime = sb.st_mtim;
		f->seq_ino = sb.st_ino;
	} else {
		memset(&f->seq_mtime, 0, sizeof f->seq_mtime);
		f->seq_ino = 0;
	}
}

static int stamp_changed(struct folder *f)
{
	struct timespec d = f->dir_mtime, s = f->seq_mtime;
	ino_t i = f->seq_ino;
	stamp(f);
	return d.tv_sec != f->dir_mtime.tv_sec || d.tv_nsec != f->dir_mtime.tv_nsec ||
	       s.tv_sec != f->seq_mtime.tv_sec || s.tv_nsec != f->seq_mtime.tv_nsec ||
	       i != f->seq_ino;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void watch(struct folder *f, int dirfd)
{
	f->wd = -1;
	if (ino_fd < 0)
		return;
	f->wd = add_watch(dirfd, WATCH_DIR_EVENTS);
	if (f->wd < 0) {
		log_warn("unable to watch folder %s: %s", f->path, strerror(errno));
		return;
	}
	f->watch_pending = 1;
	f->watch_since = now_ms();
}

/* The file events of f are in place (wd: what adding them returned, -1
 * with err when it failed). */
static void watch_done(struct folder *f, int wd, int err)
{
	uint64_t sum;
	f->watch_pending = f->watch_posted = 0;
	if (!mh_seq_sum(f->mh.dirfd, &sum) || sum != f->mh.seq_sum)
		f->dirty = 1; /* .mh_sequences changed unseen: read it again */
	if (wd != f->wd) {
		/* Failed, or the directory is another one now: poll it. */
		if (wd >= 0 && !wd_in_use(wd))
			inotify_rm_watch(ino_fd, wd);
		log_warn("unable to watch the files of folder %s: %s", f->path,
		         strerror(wd < 0 ? err : ESTALE));
		inotify_rm_watch(ino_fd, f->wd);
		f->wd = -1;
		f->rescan = 1;
		return;
	}
	for (size_t i = 0; i < f->mh.n; i++) /* changed unseen before now? */
		f->mh.m[i].verified = 0;
}

int folder_watch_due(void)
{
	for (struct folder *f = folders; f; f = f->next)
		if (f->watch_pending && !f->watch_posted)
			return 1;
	return 0;
}

void folder_watch_post(int idle)
{
	static uint64_t tokens;
	int64_t now = now_ms();
	for (struct folder *f = folders; f; f = f->next) {
		if (!f->watch_pending || f->watch_posted ||
		    (!idle && now - f->watch_since < WATCH_LATE_MS))
			continue;
		struct watch_req r = {req[1] >= 0 ? fcntl(f->mh.dirfd, F_DUPFD_CLOEXEC, 0) : -1,
		                      ++tokens};
		if (r.fd >= 0 && write(req[1], &r, sizeof r) == (ssize_t)sizeof r) {
			f->watch_token = r.token;
			f->watch_posted = 1;
			continue;
		}
		if (r.fd >= 0)
			close(r.fd);
		int wd = add_watch(f->mh.dirfd, WATCH_FILE_EVENTS | IN_MASK_ADD); /* no thread */
		watch_done(f, wd, errno);
	}
}

/* The identity of dirfd's state file, or zeros. */
static void state_ident(int dirfd, struct mh_ident *id)
{
	struct stat sb;
	if (fstatat(dirfd, MH_STATE_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		*id = mh_ident_of(&sb);
	else
		memset(id, 0, sizeof *id);
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Give nf's messages their UIDs: reconcile the files with f->state, and
 * save the state when it changed.  Returns 1, or 0 with errno. */
static int assign_uids(struct folder *f, struct mh_folder *nf, struct mh_state_diff *diff)
{
	struct mh_state_file *files = malloc((nf->n ? nf->n : 1) * sizeof *files);
	struct mh_state out;
	if (!files)
		return 0;
	for (size_t i = 0; i < nf->n; i++) {
		files[i].num = nf->m[i].num;
		files[i].id.ino = nf->m[i].ino;
		files[i].id.size = nf->m[i].size;
		files[i].id.mtime_ns = nf->m[i].mtime_ns;
	}
	/* A folder deleted and made again in the same second must not get its
	 * old UIDVALIDITY back: never issue one below what this process did. */
	static uint32_t issued;
	if (f->state.uidvalidity < issued && !f->state.uidnext)
		f->state.uidvalidity = issued;
	int ok = mh_state_reconcile(&f->state, files, nf->n, (uint32_t)time(NULL), &out, diff);
	if (ok && out.uidvalidity > issued)
		issued = out.uidvalidity;
	free(files);
	if (!ok)
		return 0;
	for (size_t i = 0; i < nf->n; i++)
		nf->m[i].uid = out.m[i].uid; /* same files, same order */
	if (diff->reset || diff->nexpunged || diff->nnew || diff->nrenumbered || diff->nchanged ||
	    !f->state.uidnext) {
		if (mh_state_save(nf->dirfd, &out)) {
			state_ident(nf->dirfd, &f->state_id);
			f->recent_dirty = 0;
		} else {
			log_warn("unable to save the UIDs of folder %s: %s", f->path,
			         strerror(errno));
			memset(&f->state_id, 0, sizeof f->state_id); /* no stamp can vouch */
		}
	}
	if (diff->reset && f->state.uidnext)
		log_warn("folder %s: new UIDVALIDITY %u (%s)", f->path, out.uidvalidity,
		         diff->reset == MH_STATE_ORDER_BROKEN ? "messages reordered on disk"
		                                              : "UIDs exhausted");
	mh_state_free(&f->state);
	f->state = out;
	return 1;
}

/* Give nf's messages that lack them the entries of f's cache file. */
static void attach(struct folder *f, struct mh_folder *nf)
{
	for (size_t i = 0; i < nf->n; i++) {
		struct mh_msg *m = &nf->m[i];
		struct mh_ident id = mh_msg_ident(m);
		int64_t crlf;
		mh_cache_ref r = m->meta ? 0 : mh_cache_find(&f->cache, &id, &crlf);
		if (r) {
			m->meta = r;
			if (crlf >= 0)
				m->crlf_size = crlf;
		}
	}
}

/* What the cache file knows, attached to the messages that are still the
 * same files; read at the first need, once per open. */
static void load_cache(struct folder *f)
{
	if (f->cache_loaded)
		return;
	f->cache_loaded = 1;
	if (mh_cache_load(&f->cache, f->mh.dirfd))
		attach(f, &f->mh);
}

void folder_save_cache(struct folder *f)
{
	/* Never without the file read first: it would be rewritten with
	 * this process's entries alone. */
	if (!f->cache_dirty || !f->cache_loaded)
		return;
	mh_cache_ref *live = malloc((f->mh.n ? f->mh.n : 1) * sizeof *live);
	for (size_t i = 0; live && i < f->mh.n; i++)
		live[i] = f->mh.m[i].meta;
	if (!live || !mh_cache_save(&f->cache, f->mh.dirfd, live, f->mh.n))
		log_warn("unable to save the cache of folder %s: %s", f->path, strerror(errno));
	else
		for (size_t i = 0; i < f->mh.n; i++)
			f->mh.m[i].meta = live[i]; /* where each entry is now */
	free(live);
	f->cache_dirty = 0;
}

/* The metadata of d[0..n), the bytes of message m. */
static const unsigned char *compute(struct folder *f, struct mh_msg *m, const char *d, size_t n,
                                    int same)
{
	static struct dbuf env, body, bs, fields;
	struct mime_msg mm = MIME_MSG_ZERO;
	size_t he = mime_header_end(d, n);
	dbuf_clear(&env);
	dbuf_clear(&body);
	dbuf_clear(&bs);
	dbuf_clear(&fields);
	int ok = envelope_write(&env, d, he) && mime_parse(d, n, &mm) &&
	         bodystructure_write(&body, &mm, d, 0) && bodystructure_write(&bs, &mm, d, 1) &&
	         search_fields_of(&fields, d, n);
	mime_free(&mm);
	if (!ok)
		return NULL;
	/* A file changed since it was listed gets an identity no file has:
	 * the entry serves this once and is never found again. */
	struct mh_meta mt = {same ? mh_msg_ident(m) : (struct mh_ident){0, -1, -1},
	                     (int64_t)imap_crlf_size(d, n, 0),
	                     (int64_t)he,
	                     dbuf_data(&env),
	                     dbuf_data(&body),
	                     dbuf_data(&bs),
	                     dbuf_data(&fields),
	                     (uint32_t)dbuf_live(&env),
	                     (uint32_t)dbuf_live(&body),
	                     (uint32_t)dbuf_live(&bs),
	                     (uint32_t)dbuf_live(&fields)};
	mh_cache_ref r = mh_cache_add(&f->cache, &mt);
	const unsigned char *e = r ? mh_cache_get(&f->cache, r) : NULL;
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	if (same) {
		m->meta = r;
		m->crlf_size = mt.crlf_size;
		f->cache_dirty = 1;
	} else {
		pend(f, m->num); /* the file is another now: look at it again */
		f->dirty = 1;
	}
	return e;
}

/* Give message m a partial entry (no envelope: see mh_cache.h) with what
 * is known of it: its wire size if counted, and the fields of its header
 * hdr[0..n) if given, or else of the partial entry it has. */
static void keep_partial(struct folder *f, struct mh_msg *m, const char *hdr, size_t n)
{
	static struct dbuf fields;
	struct mh_meta mt = {
	    {m->ino, m->size, m->mtime_ns}, m->crlf_size, 0, "", "", "", "", 0, 0, 0, 0};
	const unsigned char *e = m->meta ? mh_cache_get(&f->cache, m->meta) : NULL;
	if (e) {
		struct mh_meta old;
		mh_meta_get(e, &old);
		if (old.env_len || (hdr && old.fields_len))
			return; /* nothing to add */
		mt.fields = old.fields;
		mt.fields_len = old.fields_len;
	}
	if (hdr) {
		dbuf_clear(&fields);
		if (!search_fields_of(&fields, hdr, n))
			return;
		mt.fields = dbuf_data(&fields);
		mt.fields_len = (uint32_t)dbuf_live(&fields);
	}
	mh_cache_ref r = mh_cache_add(&f->cache, &mt);
	if (r) {
		m->meta = r;
		f->cache_dirty = 1;
	}
}

void folder_keep(struct folder *f, size_t i, const char *hdr, size_t n)
{
	load_cache(f);
	keep_partial(f, &f->mh.m[i], hdr, n);
}

/* Is entry e partial (no envelope)? */
static int size_only(const unsigned char *e)
{
	struct mh_meta mt;
	mh_meta_get(e, &mt);
	return mt.env_len == 0;
}

/* Make sure message i is the file its identity says: one read from the
 * state file is taken on trust until its metadata is used.  1, or 0 with
 * errno (ENOENT: gone). */
static int verify(struct folder *f, size_t i)
{
	struct mh_msg *m = &f->mh.m[i];
	char name[16];
	struct stat sb;
	if (m->verified)
		return 1;
	snprintf(name, sizeof name, "%u", m->num);
	if (fstatat(f->mh.dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	m->verified = !f->watch_pending; /* until then, nothing would tell of a change */
	struct mh_ident id = mh_ident_of(&sb);
	if (mh_msg_is(m, id))
		return 1;
	/* Changed in place while no one watched (anno, an editor): what was
	 * known of it is void, and the state file must follow. */
	m->ino = id.ino;
	m->size = id.size;
	m->mtime_ns = id.mtime_ns;
	m->meta = 0;
	m->crlf_size = -1;
	pend(f, m->num);
	f->dirty = 1;
	return 1;
}

const unsigned char *folder_meta(struct folder *f, size_t i, const char *d, size_t n, int rc)
{
	struct mh_msg *m = &f->mh.m[i];
	load_cache(f);
	if (!verify(f, i))
		return NULL;
	if (m->meta) {
		const unsigned char *e = mh_cache_get(&f->cache, m->meta);
		if (e && !size_only(e))
			return e;
		if (!e)
			m->meta = 0; /* damaged: made again */
	}
	char *own = NULL;
	if (!d) {
		if (!(rc = mh_msg_read(&f->mh, i, &own, &n)))
			return NULL;
		d = own;
	}
	const unsigned char *e = compute(f, m, d, n, rc == 1);
	int err = errno;
	free(own);
	errno = err;
	return e;
}

int folder_fields(struct folder *f, size_t i, const char **data, size_t *len)
{
	struct mh_msg *m = &f->mh.m[i];
	load_cache(f);
	if (!m->meta || !verify(f, i) || !m->meta)
		return 0;
	const unsigned char *e = mh_cache_get(&f->cache, m->meta);
	if (!e) {
		m->meta = 0;
		return 0;
	}
	struct mh_meta mt;
	mh_meta_get(e, &mt);
	if (!mt.fields_len)
		return 0; /* the size alone */
	*data = mt.fields;
	*len = mt.fields_len;
	return 1;
}

/* The wire size of a big message, counted a piece at a time. */
static int64_t count_size(struct folder *f, struct mh_msg *m)
{
	static char buf[1 << 16];
	char name[16], prev = 0;
	snprintf(name, sizeof name, "%u", m->num);
	int fd = openat(f->mh.dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	uint64_t size = 0, got = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0) {
			size += imap_crlf_size(buf, (size_t)r, prev);
			prev = buf[r - 1];
			got += (uint64_t)r;
		}
	int err = errno;
	close(fd);
	if (r < 0 || got != (uint64_t)m->size) { /* not the file listed any more */
		f->dirty = 1;
		errno = r < 0 ? err : EAGAIN;
		return -1;
	}
	return (int64_t)size;
}

int64_t folder_size(struct folder *f, size_t i)
{
	struct mh_msg *m = &f->mh.m[i];
	load_cache(f);
	if (!verify(f, i))
		return -1;
	if (m->crlf_size >= 0)
		return m->crlf_size;
	if (m->size >= FOLDER_READ_WHOLE_MAX) { /* not read whole just for its size */
		if ((m->crlf_size = count_size(f, m)) >= 0) {
			/* Kept as a partial entry: folder_meta completes it
			 * when asked. */
			keep_partial(f, m, NULL, 0);
		}
		return m->crlf_size;
	}
	const unsigned char *e = folder_meta(f, i, NULL, 0, 0);
	if (!e)
		return -1;
	struct mh_meta mt;
	mh_meta_get(e, &mt);
	return mt.crlf_size;
}

uint64_t folder_total_size(struct folder *f)
{
	uint64_t total = 0;
	for (size_t i = 0; i < f->mh.n; i++) {
		int64_t size = folder_size(f, i);
		total += size > 0 ? (uint64_t)size : 0; /* removed meanwhile: 0 */
	}
	return total;
}

/* Read the folder open at fd into f: from its state file alone, UIDs
 * and all (2), when the stamp vouches that the directory still holds
 * those files, else by listing the directory (1: UIDs to be given).  0
 * with errno. */
/* Does dfd's stamp vouch for its state file of identity sid (mh_state.h)? */
static int stamp_vouches(int dfd, const struct mh_ident *sid)
{
	struct stat dsb;
	struct mh_stamp st;
	return fstat(dfd, &dsb) == 0 && mh_stamp_read(dfd, &st) &&
	       st.dir_mtime_ns == ns_of(&dsb.st_mtim) && mh_ident_eq(&st.state_id, sid);
}

static int load(struct folder *f, int fd, const char *unseen)
{
	struct mh_ident sid;
	write_recover(fd, f->path); /* a COPY a crash interrupted is undone first */
	state_ident(fd, &sid);
	int have = mh_state_load(fd, &f->state);
	if (have < 0)
		return 0;
	f->state_id = sid;
	if (have && f->wd >= 0 && stamp_vouches(fd, &sid)) {
		if (!mh_folder_from_list(&f->mh, fd, unseen, f->state.m, f->state.n))
			return 0;
		for (size_t i = 0; i < f->mh.n; i++) /* the state's own list: its UIDs */
			f->mh.m[i].uid = f->state.m[i].uid;
		return 2;
	}
	return mh_folder_load(&f->mh, fd, unseen);
}

static int peek_num(void *ctx, size_t i, uint32_t *num)
{
	const struct folder_peek *p = ctx;
	struct mh_state_msg m;
	if (!mh_state_record(p->fd, i, &m))
		return 0;
	*num = m.num;
	return 1;
}

/* The messages of p's state file with a UID above uid: 1 (*count), or 0. */
static int peek_above(const struct folder_peek *p, uint32_t uid, size_t *count)
{
	size_t lo = 0, hi = p->head.n;
	struct mh_state_msg m;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (!mh_state_record(p->fd, mid, &m))
			return 0;
		if (m.uid <= uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*count = p->head.n - lo;
	return 1;
}

int folder_peek(const char *path, const char *unseen, struct folder_peek *p)
{
	memset(p, 0, sizeof *p);
	p->fd = -1;
	if (ino_fd < 0 || strlen(path) >= sizeof p->path)
		return 0;
	memcpy(p->path, path, strlen(path) + 1);
	for (struct folder *f = folders; f; f = f->next)
		if (!strcmp(f->path, path))
			return 0; /* loaded: opening it is quick */
	int dfd = mh_open_dir(cfg.rootfd, path);
	if (dfd < 0)
		return 0;
	/* The test of load(): the stamp vouches for the state file; and no
	 * interrupted COPY waits to be undone. */
	struct mh_ident sid;
	struct mh_state_msg last;
	int ok = faccessat(dfd, MH_JOURNAL_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	         errno == ENOENT && (p->fd = mh_state_open_head(dfd, &p->head, &sid)) >= 0 &&
	         stamp_vouches(dfd, &sid);
	if (ok && p->head.n) {
		ok = mh_state_record(p->fd, p->head.n - 1, &last);
		p->last_uid = last.uid;
		ok = ok && (last.uid <= p->head.recent_uid ||
		            peek_above(p, p->head.recent_uid, &p->recent));
	}
	ok = ok && mh_folder_peek(dfd, unseen, p->head.n, peek_num, p, &p->seq);
	close(dfd);
	if (!ok) {
		folder_peek_free(p);
		return 0;
	}
	p->next = peeks;
	peeks = p;
	return 1;
}

void folder_peek_free(struct folder_peek *p)
{
	for (struct folder_peek **pp = &peeks; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->fd >= 0)
		close(p->fd);
	mh_peek_free(&p->seq);
	memset(p, 0, sizeof *p);
	p->fd = -1;
}

static void folder_free(struct folder *f);

/* Is the kept folder f still the directory at path? */
static int same_dir(const struct folder *f, const char *path)
{
	struct stat a, b;
	int fd = mh_open_dir(cfg.rootfd, path);
	int same = fd >= 0 && fstat(fd, &a) == 0 && fstat(f->mh.dirfd, &b) == 0 &&
	           a.st_ino == b.st_ino && a.st_dev == b.st_dev;
	if (fd >= 0)
		close(fd);
	return same;
}

struct folder *folder_open(const char *path, const char *unseen)
{
	for (struct folder *f = folders; f; f = f->next) {
		if (strcmp(f->path, path))
			continue;
		if (!f->refs && !same_dir(f, path)) {
			folder_free(f); /* renamed or deleted and made again meanwhile */
			break;
		}
		f->refs++;
		return f;
	}
	struct folder *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	snprintf(f->path, sizeof f->path, "%s", path);
	f->mh.dirfd = -1;
	struct mh_state_diff diff;
	int fd = mh_open_dir(cfg.rootfd, path);
	if (fd >= 0)
		watch(f, fd); /* before reading: a change meanwhile is seen */
	int got = fd < 0 ? 0 : load(f, fd, unseen);
	memset(&diff, 0, sizeof diff);
	if (!got || (got == 1 && !assign_uids(f, &f->mh, &diff))) {
		int e = errno;
		if (f->mh.dirfd >= 0 && f->mh.dirfd == fd)
			mh_folder_free(&f->mh);
		else if (fd >= 0)
			close(fd);
		if (f->wd >= 0)
			inotify_rm_watch(ino_fd, f->wd);
		mh_state_free(&f->state);
		free(f);
		errno = e;
		return NULL;
	}
	mh_state_diff_free(&diff);
	mh_cache_init(&f->cache);
	/* The stamp file is made now, so that making it is long past when the
	 * folder is closed and the stamp written. */
	int sfd = f->wd >= 0
	              ? openat(fd, MH_STAMP_FILE, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)
	              : -1;
	if (sfd >= 0)
		close(sfd);
	stamp(f);
	f->refs = 1;
	f->next = folders;
	folders = f;
	return f;
}

/* Vouch for the state file with the stamp, when nothing says otherwise:
 * every change inotify told of was read and saved, and the directory's
 * mtime is in the past of the coarse clock (see mh_state.h). */
static void write_stamp(struct folder *f)
{
	int dfd = f->mh.dirfd;
	if (f->wd < 0)
		return;
	int fd = openat(dfd, MH_STAMP_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	struct stat dsb;
	struct timespec now;
	struct mh_stamp st;
	struct mh_ident sid;
	int ok = fstat(dfd, &dsb) == 0 && clock_gettime(CLOCK_REALTIME_COARSE, &now) == 0;
	if (ok && ns_of(&now) <= ns_of(&dsb.st_mtim)) { /* changed this very tick: wait it out */
		nanosleep(&(struct timespec){0, 5000000}, NULL);
		ok = clock_gettime(CLOCK_REALTIME_COARSE, &now) == 0;
	}
	folder_inotify(); /* after the fstat: a change before it is seen here */
	state_ident(dfd, &sid);
	ok = ok && !f->dirty && !f->rescan && !f->npend && f->state.uidnext &&
	     ns_of(&now) > ns_of(&dsb.st_mtim) && sid.ino && sid.ino == f->state_id.ino &&
	     sid.size == f->state_id.size && sid.mtime_ns == f->state_id.mtime_ns;
	st.dir_mtime_ns = ns_of(&dsb.st_mtim);
	st.state_id = sid;
	if (!mh_stamp_write(fd, ok ? &st : NULL))
		log_warn("unable to write the stamp of folder %s: %s", f->path, strerror(errno));
	close(fd);
}

static void folder_free(struct folder *f)
{
	for (struct folder **pp = &folders; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	if (f->wd >= 0)
		inotify_rm_watch(ino_fd, f->wd);
	mh_folder_free(&f->mh);
	mh_state_free(&f->state);
	mh_cache_free(&f->cache);
	free(f->pend);
	free(f->uids);
	free(f);
}

void folder_close(struct folder *f)
{
	static uint64_t closes;
	if (--f->refs > 0)
		return;
	if (f->wd >= 0)
		folder_check(f, cfg.unseen); /* so that the stamp may vouch for all */
	if (f->recent_dirty && f->state.uidnext) {
		if (mh_state_save(f->mh.dirfd, &f->state))
			state_ident(f->mh.dirfd, &f->state_id);
		else
			log_warn("unable to save the state of folder %s: %s", f->path,
			         strerror(errno));
		f->recent_dirty = 0;
	}
	folder_save_cache(f);
	write_stamp(f);
	/* Kept, still watched, for the next SELECT; the least recently closed
	 * beyond FOLDER_IDLE_KEEP are freed. */
	f->closed = ++closes;
	size_t idle = 0;
	struct folder *oldest = NULL;
	for (struct folder *g = folders; g; g = g->next)
		if (!g->refs) {
			idle++;
			if (!oldest || g->closed < oldest->closed)
				oldest = g;
		}
	if (idle > FOLDER_IDLE_KEEP || f->wd < 0)
		folder_free(f->wd < 0 ? f : oldest);
}

static int at_or_below(const char *p, const char *path, size_t n)
{
	return !strncmp(p, path, n) && (p[n] == 0 || p[n] == '/');
}

int folder_in_use(const char *path)
{
	size_t n = strlen(path);
	for (struct folder *f = folders; f; f = f->next)
		if (f->refs && at_or_below(f->path, path, n))
			return 1;
	for (struct folder_peek *p = peeks; p; p = p->next)
		if (at_or_below(p->path, path, n))
			return 1;
	return 0;
}

size_t folder_lower(const struct folder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->mh.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->mh.m[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long folder_find(const struct folder *f, uint32_t uid)
{
	size_t i = folder_lower(f, uid);
	return i < f->mh.n && f->mh.m[i].uid == uid ? (long)i : -1;
}

/* Give nf's keywords the bit positions of f's table (which only grows). */
static void remap_keywords(struct folder *f, struct mh_folder *nf)
{
	int map[MH_KEYWORDS_MAX];
	for (size_t k = 0; k < nf->nkw; k++) {
		map[k] = -1;
		for (size_t o = 0; o < f->mh.nkw; o++)
			if (!strcmp(f->mh.kw[o], nf->kw[k]))
				map[k] = (int)o;
		if (map[k] < 0 && f->mh.nkw < MH_KEYWORDS_MAX) {
			map[k] = (int)f->mh.nkw;
			f->mh.kw[f->mh.nkw++] = nf->kw[k];
			nf->kw[k] = NULL;
		}
	}
	for (size_t i = 0; i < nf->n; i++) {
		uint64_t old = nf->m[i].keywords, bits = 0;
		for (size_t k = 0; k < nf->nkw; k++)
			if ((old >> k & 1) && map[k] >= 0)
				bits |= (uint64_t)1 << map[k];
		nf->m[i].keywords = bits;
	}
}

/* Carry what is known from the old messages to the new list (matched by
 * UID), counting a change of flags as a new modseq. */
static void carry(struct folder *f, struct mh_folder *nf)
{
	size_t j = 0, kept = 0;
	for (size_t i = 0; i < nf->n; i++) {
		struct mh_msg *m = &nf->m[i];
		while (j < f->mh.n && f->mh.m[j].uid < m->uid)
			j++;
		const struct mh_msg *o =
		    j < f->mh.n && f->mh.m[j].uid == m->uid ? &f->mh.m[j] : NULL;
		if (!o) {
			m->modseq = ++f->modseq;
			continue;
		}
		kept++;
		m->modseq = o->modseq;
		if (mh_msg_is(o, mh_msg_ident(m))) {
			m->crlf_size = o->crlf_size;
			m->meta = o->meta;
		}
		if (o->flags != m->flags || o->keywords != m->keywords)
			m->modseq = ++f->modseq;
	}
	if (f->cache_loaded)
		attach(f, nf);
	if (kept < f->mh.n)
		f->removals++;
}

int folder_check(struct folder *f, const char *unseen)
{
	if (f->wd >= 0) {
		folder_inotify(); /* what just happened, our own writes among it */
		if (!f->dirty)
			return 1;
	} else if (!stamp_changed(f) && !f->dirty) {
		return 1;
	} else {
		f->rescan = 1;
	}
	/* Only the files inotify named are looked at again, and the flags. */
	struct mh_folder nf;
	int fd = fcntl(f->mh.dirfd, F_DUPFD_CLOEXEC, 0);
	int ok =
	    fd >= 0 && (f->rescan ? mh_folder_load(&nf, fd, unseen)
	                          : mh_folder_refresh(&nf, &f->mh, fd, f->pend, f->npend, unseen));
	if (!ok) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		log_warn("unable to reread folder %s: %s", f->path, strerror(e));
		f->rescan = 1; /* next time, from scratch */
		errno = e;
		return 0;
	}
	f->dirty = f->rescan = 0;
	f->npend = 0;
	struct mh_state_diff diff;
	if (!assign_uids(f, &nf, &diff)) {
		int e = errno;
		log_warn("unable to give UIDs in folder %s: %s", f->path, strerror(e));
		mh_folder_free(&nf);
		errno = e;
		return 0;
	}
	if (diff.reset) {
		/* UIDs are void: every session on it must start again. */
		f->resets++;
		f->modseq++;
	}
	mh_state_diff_free(&diff);
	remap_keywords(f, &nf);
	carry(f, &nf);
	free(f->mh.m);
	free(f->uids);
	f->uids = NULL;
	f->mh.m = nf.m;
	f->mh.n = nf.n;
	f->mh.seq_sum = nf.seq_sum;
	nf.m = NULL;
	nf.n = 0;
	mh_folder_free(&nf); /* its fd and the keywords f did not take */
	return 1;
}

void folder_recent(const struct folder *f, uint32_t *lo, uint32_t *hi)
{
	*lo = f->state.recent_uid;
	*hi = f->mh.n ? f->mh.m[f->mh.n - 1].uid : 0;
	if (*hi < *lo)
		*hi = *lo;
}

void folder_claim_recent(struct folder *f, uint32_t *lo, uint32_t *hi)
{
	folder_recent(f, lo, hi);
	if (*hi > *lo) {
		f->state.recent_uid = *hi;
		f->recent_dirty = 1;
	}
}

int view_init(struct view *v, struct folder *f)
{
	memset(v, 0, sizeof *v);
	v->cap = f->mh.n ? f->mh.n : 1;
	/* The folder's UIDs in a row, kept until its list changes: the next
	 * SELECT copies 4 bytes a message instead of reading every mh_msg. */
	if (!f->uids && (f->uids = malloc(v->cap * sizeof *f->uids)))
		for (size_t i = 0; i < f->mh.n; i++)
			f->uids[i] = f->mh.m[i].uid;
	v->uid = malloc(v->cap * sizeof *v->uid);
	if (!v->uid || !f->uids) {
		free(v->uid);
		v->uid = NULL;
		return 0;
	}
	memcpy(v->uid, f->uids, f->mh.n * sizeof *v->uid);
	v->n = f->mh.n;
	v->modseq = f->modseq;
	v->removals = f->removals;
	v->resets = f->resets;
	return 1;
}

int view_init_told(struct view *v, struct folder *f, const struct folder_peek *p)
{
	/* UIDs are given from UIDNEXT up: the same UIDVALIDITY, UIDNEXT and
	 * count mean the same UIDs. */
	if (p->head.uidvalidity == f->state.uidvalidity && p->head.uidnext == f->state.uidnext &&
	    p->head.n == f->mh.n)
		return view_init(v, f);
	memset(v, 0, sizeof *v);
	if (p->head.uidvalidity != f->state.uidvalidity) {
		errno = ESTALE; /* what it was told is void */
		return 0;
	}
	v->cap = p->head.n ? p->head.n : 1;
	if (!(v->uid = malloc(v->cap * sizeof *v->uid)) ||
	    !mh_state_uids(p->fd, &p->head, v->uid)) {
		free(v->uid);
		v->uid = NULL;
		errno = errno == ENOMEM ? ENOMEM : EIO;
		return 0;
	}
	log_info("folder %s changed while it was being opened", f->path);
	v->n = p->head.n;
	v->modseq = f->modseq;
	v->removals = f->removals + 1; /* compared with the folder at the next sync */
	v->resets = f->resets;
	return 1;
}

void view_free(struct view *v)
{
	free(v->recent);
	free(v->uid);
	memset(v, 0, sizeof *v);
}

size_t view_lower(const struct view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->uid[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int view_add_recent(struct view *v, uint32_t lo, uint32_t hi)
{
	if (hi <= lo)
		return 1;
	if (v->nrecent && v->recent[v->nrecent - 1].hi >= lo) { /* joins the last one */
		if (hi > v->recent[v->nrecent - 1].hi)
			v->recent[v->nrecent - 1].hi = hi;
		return 1;
	}
	void *p = realloc(v->recent, (v->nrecent + 1) * sizeof *v->recent);
	if (!p)
		return 0;
	v->recent = p;
	v->recent[v->nrecent].lo = lo;
	v->recent[v->nrecent].hi = hi;
	v->nrecent++;
	return 1;
}

int view_is_recent(const struct view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->nrecent; /* ranges ascend and do not overlap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->recent[mid].hi < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nrecent && v->recent[lo].lo < uid;
}

size_t view_count_recent(const struct view *v)
{
	size_t n = 0;
	for (size_t r = 0; r < v->nrecent; r++)
		n += view_lower(v, v->recent[r].hi + 1) - view_lower(v, v->recent[r].lo + 1);
	return n;
}
