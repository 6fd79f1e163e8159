#include "folder.h"

#include <errno.h>
#include <fcntl.h>
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
#include "user.h"

#define WATCH_EVENTS                                                                               \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB |        \
	 IN_DELETE_SELF | IN_MOVE_SELF)

static struct folder *folders;
static int ino_fd = -1;

int folder_init(void)
{
	ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino_fd < 0)
		log_warn("unable to use inotify (%s): polling folders instead", strerror(errno));
	return ino_fd;
}

void folder_inotify(void)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(ino_fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			for (struct folder *f = folders; f; f = f->next)
				if (f->wd == ev->wd || (ev->mask & IN_Q_OVERFLOW))
					f->dirty = 1;
			p += sizeof *ev + ev->len;
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

static void watch(struct folder *f)
{
	char proc[64];
	f->wd = -1;
	if (ino_fd < 0)
		return;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->mh.dirfd);
	f->wd = inotify_add_watch(ino_fd, proc, WATCH_EVENTS);
	if (f->wd < 0)
		log_warn("unable to watch folder %s: %s", f->path, strerror(errno));
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
	if ((diff->reset || diff->nexpunged || diff->nnew || diff->nrenumbered || diff->nchanged ||
	     !f->state.uidnext) &&
	    !mh_state_save(nf->dirfd, &out))
		log_warn("unable to save the UIDs of folder %s: %s", f->path, strerror(errno));
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
		struct mh_ident id = {m->ino, m->size, m->mtime_ns};
		const unsigned char *e = m->meta ? NULL : mh_cache_find(&f->cache, &id);
		if (e) {
			struct mh_meta mt;
			mh_meta_get(e, &mt);
			m->meta = e;
			m->crlf_size = mt.crlf_size;
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
	if (!f->cache_dirty)
		return;
	const unsigned char **live = malloc((f->mh.n ? f->mh.n : 1) * sizeof *live);
	for (size_t i = 0; live && i < f->mh.n; i++)
		live[i] = f->mh.m[i].meta;
	if (!live || !mh_cache_save(&f->cache, f->mh.dirfd, live, f->mh.n))
		log_warn("unable to save the cache of folder %s: %s", f->path, strerror(errno));
	free(live);
	f->cache_dirty = 0;
}

/* The metadata of d[0..n), the bytes of message m. */
static const unsigned char *compute(struct folder *f, struct mh_msg *m, const char *d, size_t n,
                                    int same)
{
	static struct dbuf env, body, bs;
	struct mime_msg mm = MIME_MSG_ZERO;
	size_t he = mime_header_end(d, n);
	dbuf_clear(&env);
	dbuf_clear(&body);
	dbuf_clear(&bs);
	int ok = envelope_write(&env, d, he) && mime_parse(d, n, &mm) &&
	         bodystructure_write(&body, &mm, d, 0) && bodystructure_write(&bs, &mm, d, 1);
	mime_free(&mm);
	if (!ok)
		return NULL;
	/* A file changed since it was listed gets an identity no file has:
	 * the entry serves this once and is never found again. */
	struct mh_meta mt = {same ? (struct mh_ident){m->ino, m->size, m->mtime_ns}
	                          : (struct mh_ident){0, -1, -1},
	                     (int64_t)imap_crlf_size(d, n, 0),
	                     (int64_t)he,
	                     dbuf_data(&env),
	                     dbuf_data(&body),
	                     dbuf_data(&bs),
	                     (uint32_t)dbuf_live(&env),
	                     (uint32_t)dbuf_live(&body),
	                     (uint32_t)dbuf_live(&bs)};
	const unsigned char *e = mh_cache_add(&f->cache, &mt);
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	if (same) {
		m->meta = e;
		m->crlf_size = mt.crlf_size;
		f->cache_dirty = 1;
	} else {
		f->dirty = 1; /* reread the folder: the file is another now */
	}
	return e;
}

const unsigned char *folder_meta(struct folder *f, size_t i, const char *d, size_t n, int rc)
{
	struct mh_msg *m = &f->mh.m[i];
	load_cache(f);
	if (m->meta)
		return m->meta;
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

int folder_sizes(struct folder *f)
{
	load_cache(f);
	for (size_t i = 0; i < f->mh.n; i++)
		if (f->mh.m[i].crlf_size < 0 && !folder_meta(f, i, NULL, 0, 0) && errno != ENOENT)
			return 0;
	folder_save_cache(f);
	return 1;
}

struct folder *folder_open(const char *path, const char *unseen)
{
	for (struct folder *f = folders; f; f = f->next)
		if (!strcmp(f->path, path)) {
			f->refs++;
			return f;
		}
	struct folder *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	snprintf(f->path, sizeof f->path, "%s", path);
	struct mh_state_diff diff;
	int fd = mh_open_dir(cfg.rootfd, path);
	if (fd < 0 || mh_state_load(fd, &f->state) < 0 || !mh_folder_load(&f->mh, fd, unseen) ||
	    !assign_uids(f, &f->mh, &diff)) {
		int e = errno;
		if (f->mh.dirfd >= 0 && f->mh.dirfd == fd)
			mh_folder_free(&f->mh);
		else if (fd >= 0)
			close(fd);
		mh_state_free(&f->state);
		free(f);
		errno = e;
		return NULL;
	}
	mh_state_diff_free(&diff);
	mh_cache_init(&f->cache);
	watch(f); /* before the stamp: a change between the two is seen */
	stamp(f);
	f->refs = 1;
	f->next = folders;
	folders = f;
	return f;
}

void folder_close(struct folder *f)
{
	if (--f->refs > 0)
		return;
	folder_save_cache(f);
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
	free(f);
}

int folder_in_use(const char *path)
{
	size_t n = strlen(path);
	for (struct folder *f = folders; f; f = f->next)
		if (!strncmp(f->path, path, n) && (f->path[n] == 0 || f->path[n] == '/'))
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
		if (o->ino == m->ino && o->size == m->size && o->mtime_ns == m->mtime_ns) {
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
		if (!f->dirty)
			return 1;
		f->dirty = 0;
	} else if (!stamp_changed(f)) {
		return 1;
	}
	struct mh_folder nf;
	int fd = fcntl(f->mh.dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || !mh_folder_load(&nf, fd, unseen)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		log_warn("unable to reread folder %s: %s", f->path, strerror(e));
		errno = e;
		return 0;
	}
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
	f->mh.m = nf.m;
	f->mh.n = nf.n;
	nf.m = NULL;
	nf.n = 0;
	mh_folder_free(&nf); /* its fd and the keywords f did not take */
	return 1;
}

int view_init(struct view *v, const struct folder *f)
{
	memset(v, 0, sizeof *v);
	v->cap = f->mh.n ? f->mh.n : 1;
	v->uid = malloc(v->cap * sizeof *v->uid);
	if (!v->uid)
		return 0;
	for (size_t i = 0; i < f->mh.n; i++)
		v->uid[i] = f->mh.m[i].uid;
	v->n = f->mh.n;
	v->modseq = f->modseq;
	v->removals = f->removals;
	v->resets = f->resets;
	return 1;
}

void view_free(struct view *v)
{
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
