#include "mh_subs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "mh_folder.h"
#include "mutf7.h"

void mh_subs_init(struct mh_subs *s)
{
	memset(s, 0, sizeof *s);
}

void mh_subs_free(struct mh_subs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
	free(s->name);
	mh_subs_init(s);
}

int mh_subs_valid(const char *name, size_t len)
{
	char path[MH_NAME_MAX_BYTES + 1];
	if (len > MH_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return mh_name_to_path(name, len, path);
}

/* A malloc'd copy of name[0..len) in canonical form: modified UTF-7 as
 * LIST writes it (decoded and encoded again, so that one folder has one
 * name), an INBOX first component as "INBOX".  NULL with errno (EINVAL
 * when not valid). */
static char *canonical(const char *name, size_t len)
{
	char path[MH_NAME_MAX_BYTES + 1], enc[4 * MH_NAME_MAX_BYTES + 1];
	long n;
	if (!mh_subs_valid(name, len) || !mh_name_to_path(name, len, path) ||
	    (n = mutf7_encode(path, strlen(path), enc, sizeof enc)) < 0 || n > MH_NAME_MAX_BYTES) {
		errno = EINVAL;
		return NULL;
	}
	if (n >= 5 && !strncmp(enc, "inbox", 5) && (n == 5 || enc[5] == '/'))
		memcpy(enc, "INBOX", 5);
	return strdup(enc);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void normalise(struct mh_subs *s)
{
	if (s->n < 2)
		return;
	qsort(s->name, s->n, sizeof *s->name, cmp_name);
	size_t w = 1;
	for (size_t i = 1; i < s->n; i++) {
		if (!strcmp(s->name[i], s->name[w - 1]))
			free(s->name[i]);
		else
			s->name[w++] = s->name[i];
	}
	s->n = w;
}

static int push(struct mh_subs *s, char *name)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->name, cap * sizeof *p);
		if (!p)
			return 0;
		s->name = p;
		s->cap = cap;
	}
	s->name[s->n++] = name;
	return 1;
}

int mh_subs_parse(struct mh_subs *s, const char *text, size_t len)
{
	if (len > MH_SUBS_FILE_MAX_BYTES) {
		errno = EFBIG;
		return 0;
	}
	size_t start = 0;
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - start;
		if (n && text[start + n - 1] == '\r')
			n--;
		char *c = n ? canonical(text + start, n) : NULL;
		start = end + 1;
		if (!c) {
			if (n && errno == ENOMEM)
				goto fail;
			continue; /* empty, or not a name */
		}
		if (s->n == MH_SUBS_NAMES_MAX) {
			free(c);
			errno = E2BIG;
			goto fail;
		}
		if (!push(s, c)) {
			free(c);
			goto fail;
		}
	}
	normalise(s);
	return 1;
fail:;
	int e = errno;
	mh_subs_free(s);
	errno = e;
	return 0;
}

int mh_subs_format(const struct mh_subs *s, char **out, size_t *len)
{
	size_t total = 0;
	for (size_t i = 0; i < s->n; i++)
		total += strlen(s->name[i]) + 1;
	*out = NULL;
	*len = 0;
	if (!total)
		return 1;
	char *p = malloc(total);
	if (!p)
		return 0;
	size_t at = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t n = strlen(s->name[i]);
		memcpy(p + at, s->name[i], n);
		p[at + n] = '\n';
		at += n + 1;
	}
	*out = p;
	*len = total;
	return 1;
}

/* Index of the first name >= name. */
static size_t lower(const struct mh_subs *s, const char *name)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->name[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int mh_subs_has(const struct mh_subs *s, const char *name)
{
	size_t i = lower(s, name);
	return i < s->n && !strcmp(s->name[i], name);
}

int mh_subs_add(struct mh_subs *s, const char *name)
{
	char *c = canonical(name, strlen(name));
	if (!c)
		return 0;
	size_t i = lower(s, c);
	if (i < s->n && !strcmp(s->name[i], c)) {
		free(c);
		return 1;
	}
	if (s->n == MH_SUBS_NAMES_MAX || !push(s, c)) {
		if (s->n == MH_SUBS_NAMES_MAX)
			errno = E2BIG;
		free(c);
		return 0;
	}
	memmove(s->name + i + 1, s->name + i, (s->n - 1 - i) * sizeof *s->name);
	s->name[i] = c;
	return 1;
}

int mh_subs_remove(struct mh_subs *s, const char *name)
{
	char *c = canonical(name, strlen(name));
	if (!c)
		return errno == EINVAL; /* a name never stored */
	size_t i = lower(s, c);
	if (i < s->n && !strcmp(s->name[i], c)) {
		free(s->name[i]);
		memmove(s->name + i, s->name + i + 1, (s->n - i - 1) * sizeof *s->name);
		s->n--;
	}
	free(c);
	return 1;
}

int mh_subs_rename(struct mh_subs *s, const char *from, const char *to)
{
	char *f = canonical(from, strlen(from)), *t = canonical(to, strlen(to));
	static char drop[1]; /* a name that would be too long */
	char **repl = NULL;
	int ok = 0;
	if (!f || !t)
		goto out;
	size_t fn = strlen(f), tn = strlen(t);
	/* Build every new name first, so a failure leaves s as it was. */
	repl = calloc(s->n ? s->n : 1, sizeof *repl);
	if (!repl)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		const char *old = s->name[i];
		if (strncmp(old, f, fn) || (old[fn] && old[fn] != '/'))
			continue;
		size_t rest = strlen(old + fn);
		if (tn + rest > MH_NAME_MAX_BYTES) {
			repl[i] = drop;
			continue;
		}
		if (!(repl[i] = malloc(tn + rest + 1)))
			goto undo;
		memcpy(repl[i], t, tn);
		memcpy(repl[i] + tn, old + fn, rest + 1);
	}
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!repl[i]) {
			s->name[w++] = s->name[i];
			continue;
		}
		free(s->name[i]);
		if (repl[i] != drop)
			s->name[w++] = repl[i];
	}
	s->n = w;
	normalise(s);
	ok = 1;
	goto out;
undo:
	for (size_t i = 0; i < s->n; i++)
		if (repl[i] != drop)
			free(repl[i]);
out:
	free(repl);
	free(f);
	free(t);
	return ok;
}

struct lsub_out {
	const char *name;
	char *owned; /* a parent's name, to free */
	int noselect;
};

struct lsub_list {
	struct lsub_out *o;
	size_t n, cap;
};

static int out_push(struct lsub_list *l, const char *name, char *owned, int noselect)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct lsub_out *o = realloc(l->o, cap * sizeof *o);
		if (!o)
			return 0;
		l->o = o;
		l->cap = cap;
	}
	l->o[l->n++] = (struct lsub_out){name, owned, noselect};
	return 1;
}

static int cmp_out(const void *a, const void *b)
{
	const struct lsub_out *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* The parents of name that match and are not subscribed, into l. */
static int add_parents(const struct mh_subs *s, const char *name, mh_subs_match_fn match,
                       void *mctx, struct lsub_list *l)
{
	int depth = 0;
	for (const char *p = strchr(name, '/'); p && depth < MH_SUBS_PARENT_DEPTH;
	     p = strchr(p + 1, '/'), depth++) {
		char *parent = strndup(name, (size_t)(p - name));
		if (!parent)
			return 0;
		if (mh_subs_has(s, parent) || !match(mctx, parent)) {
			free(parent);
			continue;
		}
		if (!out_push(l, parent, parent, 1)) {
			free(parent);
			return 0;
		}
	}
	return 1;
}

int mh_subs_lsub(const struct mh_subs *s, int parents, mh_subs_match_fn match, void *mctx,
                 mh_subs_emit_fn emit, void *ectx)
{
	struct lsub_list l = {0};
	int ok = 1;
	for (size_t i = 0; ok && i < s->n; i++) {
		if (match(mctx, s->name[i]))
			ok = out_push(&l, s->name[i], NULL, 0);
		else if (parents)
			ok = add_parents(s, s->name[i], match, mctx, &l);
	}
	if (!ok) {
		errno = ENOMEM;
	} else if (l.n) {
		qsort(l.o, l.n, sizeof *l.o, cmp_out);
		for (size_t i = 0; ok && i < l.n; i++)
			if (i == 0 || strcmp(l.o[i].name, l.o[i - 1].name))
				ok = emit(ectx, l.o[i].name, l.o[i].noselect);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.o[i].owned);
	free(l.o);
	return ok;
}

int mh_subs_load(int rootfd, struct mh_subs *s)
{
	int fd = openat(rootfd, MH_SUBS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int ok = 0;
	if (fstat(fd, &sb) < 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if (sb.st_size > (off_t)MH_SUBS_FILE_MAX_BYTES) {
		errno = EFBIG;
		goto out;
	}
	/* Room for one byte more than the file has, to see that it grew. */
	size_t cap = (size_t)sb.st_size + 1;
	if (!(buf = malloc(cap)))
		goto out;
	for (;;) {
		if (len == cap) {
			size_t c = cap * 2 > MH_SUBS_FILE_MAX_BYTES + 1 ? MH_SUBS_FILE_MAX_BYTES + 1
			                                                : cap * 2;
			char *b = c > cap ? realloc(buf, c) : NULL;
			if (!b) {
				errno = c > cap ? ENOMEM : EFBIG;
				goto out;
			}
			buf = b;
			cap = c;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	ok = mh_subs_parse(s, buf, len);
out:;
	int e = errno;
	free(buf);
	close(fd);
	errno = e;
	return ok;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The lock file, flocked exclusively; -1 with errno. */
static int take_lock(int rootfd)
{
	int fd = openat(rootfd, MH_SUBS_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int64_t deadline = now_ms() + MH_SUBS_LOCK_WAIT_MS;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || now_ms() > deadline) {
			int e = errno == EWOULDBLOCK ? EAGAIN : errno;
			close(fd);
			errno = e;
			return -1;
		}
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	return fd;
}

static int write_file(int rootfd, const char *text, size_t len)
{
	return fileio_replace(rootfd, MH_SUBS_TMP_FILE, MH_SUBS_FILE, text, len, 0666);
}

int mh_subs_update(int rootfd, mh_subs_edit_fn fn, void *ctx)
{
	struct mh_subs s;
	char *before = NULL, *after = NULL;
	size_t blen = 0, alen = 0;
	int ok = 0, lock = take_lock(rootfd);
	mh_subs_init(&s);
	if (lock < 0)
		return 0;
	if (mh_subs_load(rootfd, &s) && mh_subs_format(&s, &before, &blen) && fn(&s, ctx) &&
	    mh_subs_format(&s, &after, &alen))
		ok = (blen == alen && (!alen || !memcmp(before, after, alen))) ||
		     write_file(rootfd, after, alen);
	int e = errno;
	mh_subs_free(&s);
	free(before);
	free(after);
	close(lock);
	errno = e;
	return ok;
}

struct set_ctx {
	const char *a, *b;
	int on;
};

static int set_edit(struct mh_subs *s, void *vctx)
{
	const struct set_ctx *x = vctx;
	return x->on ? mh_subs_add(s, x->a) : mh_subs_remove(s, x->a);
}

int mh_subs_set(int rootfd, const char *name, int on)
{
	struct set_ctx x = {name, NULL, on};
	return mh_subs_update(rootfd, set_edit, &x);
}

static int move_edit(struct mh_subs *s, void *vctx)
{
	const struct set_ctx *x = vctx;
	return mh_subs_rename(s, x->a, x->b);
}

int mh_subs_move(int rootfd, const char *from, const char *to)
{
	struct set_ctx x = {from, to, 0};
	return mh_subs_update(rootfd, move_edit, &x);
}
