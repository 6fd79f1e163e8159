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

#include "log.h"
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

/* Sizes known from an earlier run, for files that are still the same. */
static void apply_cache(struct folder *f)
{
	struct mh_cache_rec *recs;
	size_t n;
	if (!mh_cache_load(f->mh.dirfd, &recs, &n))
		return;
	for (size_t i = 0; i < f->mh.n; i++) {
		struct mh_msg *m = &f->mh.m[i];
		const struct mh_cache_rec *r = mh_cache_find(recs, n, m->ino, m->size, m->mtime_ns);
		if (r)
			m->crlf_size = r->crlf_size;
	}
	free(recs);
}

void folder_save_cache(struct folder *f)
{
	if (!f->cache_dirty)
		return;
	struct mh_cache_rec *recs = malloc((f->mh.n ? f->mh.n : 1) * sizeof *recs);
	size_t n = 0;
	for (size_t i = 0; recs && i < f->mh.n; i++) {
		const struct mh_msg *m = &f->mh.m[i];
		if (m->crlf_size >= 0)
			recs[n++] =
			    (struct mh_cache_rec){m->ino, m->size, m->mtime_ns, m->crlf_size};
	}
	if (!recs || !mh_cache_save(f->mh.dirfd, recs, n))
		log_warn("unable to save the cache of folder %s: %s", f->path, strerror(errno));
	free(recs);
	f->cache_dirty = 0;
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
	apply_cache(f);
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
		if (o->ino == m->ino && o->size == m->size && o->mtime_ns == m->mtime_ns)
			m->crlf_size = o->crlf_size;
		if (o->flags != m->flags || o->keywords != m->keywords)
			m->modseq = ++f->modseq;
	}
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

#include "imap_write.h" /* imap_crlf_size, for folder_size */

/* The wire size of message num of the folder open at dirfd, read in
 * pieces; -1 with errno when it cannot be read. */
static int64_t file_crlf_size(int dirfd, uint32_t num)
{
	char name[16], buf[65536], prev = 0;
	snprintf(name, sizeof name, "%u", num);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	uint64_t size = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		size += imap_crlf_size(buf, (size_t)r, prev);
		prev = buf[r - 1];
	}
	close(fd);
	return (int64_t)size;
}

uint64_t folder_size(struct folder *f)
{
	uint64_t total = 0;
	for (size_t i = 0; i < f->mh.n; i++) {
		struct mh_msg *m = &f->mh.m[i];
		if (m->crlf_size < 0) {
			int64_t sz = file_crlf_size(f->mh.dirfd, m->num);
			if (sz < 0)
				continue; /* removed meanwhile: the next check drops it */
			m->crlf_size = sz;
			f->cache_dirty = 1;
		}
		total += (uint64_t)m->crlf_size;
	}
	return total;
}
