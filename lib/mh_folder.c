#include "mh_folder.h"

#include "mh_state.h"
#include "mutf7.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const struct mh_flag mh_flags[MH_FLAG_COUNT] = {{MH_SEEN, "\\Seen", NULL},
                                                {MH_ANSWERED, "\\Answered", "replied"},
                                                {MH_FLAGGED, "\\Flagged", "flagged"},
                                                {MH_DELETED, "\\Deleted", "Deleted"},
                                                {MH_DRAFT, "\\Draft", "Draft"}};

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

int mh_name_to_path(const char *imap_name, size_t imap_len, char *out)
{
	/* IMAP names are modified UTF-7; folders on disk are named in UTF-8. */
	char name[MH_NAME_MAX_BYTES + 1];
	long dl = mutf7_decode(imap_name, imap_len, name, sizeof name);
	if (dl < 0)
		goto bad;
	size_t len = (size_t)dl;
	if (len == 0 || len > MH_NAME_MAX_BYTES)
		goto bad;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		size_t n = i - start;
		const char *comp = name + start;
		if (n == 0 || comp[0] == '.')
			goto bad;
		memcpy(out + start, comp, n);
		if (start == 0 && n == 5 && !strncasecmp(comp, "INBOX", 5))
			memcpy(out, "inbox", 5);
		out[i] = '/';
		start = i + 1;
	}
	out[len] = 0;
	return 1;
bad:
	errno = EINVAL;
	return 0;
}

int mh_open_dir(int rootfd, const char *path)
{
	char comp[MH_NAME_MAX_BYTES + 1];
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	while (fd >= 0 && *path) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		memcpy(comp, path, n);
		comp[n] = 0;
		if (n == 0 || !strcmp(comp, ".") || !strcmp(comp, "..")) {
			/* O_NOFOLLOW does not stop "..": refuse it here too. */
			close(fd);
			errno = EINVAL;
			return -1;
		}
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		errno = e;
		fd = next;
		path += n + (slash != NULL);
	}
	return fd;
}

static int cmp_msg(const void *a, const void *b)
{
	const struct mh_msg *x = a, *y = b;
	return x->num < y->num ? -1 : x->num > y->num;
}

size_t mh_folder_lower(const struct mh_folder *f, uint32_t v)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->m[mid].num < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long mh_folder_find(const struct mh_folder *f, uint32_t num)
{
	size_t i = mh_folder_lower(f, num);
	return i < f->n && f->m[i].num == num ? (long)i : -1;
}

/* A message as its file is now. */
static void set_msg(struct mh_msg *m, uint32_t num, const struct stat *sb)
{
	memset(m, 0, sizeof *m);
	m->num = num;
	m->flags = MH_SEEN; /* until the unseen sequence says otherwise */
	m->ino = (uint64_t)sb->st_ino;
	m->size = (int64_t)sb->st_size;
	m->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	m->crlf_size = -1;
	m->verified = 1;
}

uint32_t mh_msg_num(const char *name)
{
	size_t n = strlen(name);
	if (!all_digits(name, n) || name[0] == '0' || n > 9)
		return 0;
	return (uint32_t)strtoul(name, NULL, 10);
}

int mh_msg_files(int dirfd, int (*fn)(void *ctx, uint32_t num, const struct stat *sb), void *ctx)
{
	/* Opened anew: its own offset, whatever was read from dirfd. */
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct dirent *de;
	int ok = 1;
	errno = 0;
	while (ok && (de = readdir(d))) {
		uint32_t num = mh_msg_num(de->d_name);
		struct stat sb;
		if (num && fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode))
			ok = fn(ctx, num, &sb);
		if (ok)
			errno = 0; /* what readdir says next is its own */
	}
	ok = ok && !errno; /* readdir failed */
	int e = errno;
	closedir(d);
	errno = e;
	return ok;
}

struct listing {
	struct mh_folder *f;
	size_t cap;
};

static int add_msg(void *ctx, uint32_t num, const struct stat *sb)
{
	struct listing *l = ctx;
	struct mh_folder *f = l->f;
	if (f->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct mh_msg *m = realloc(f->m, cap * sizeof *m);
		if (!m)
			return 0;
		f->m = m;
		l->cap = cap;
	}
	set_msg(&f->m[f->n++], num, sb);
	return 1;
}

static int scan_messages(struct mh_folder *f)
{
	struct listing l = {f, 0};
	if (!mh_msg_files(f->dirfd, add_msg, &l))
		return 0;
	if (f->n)
		qsort(f->m, f->n, sizeof *f->m, cmp_msg);
	return 1;
}

/* What a sequence named name[0..nlen) is to IMAP: a flag (*flag), which
 * the sequence clears for unseen (*clear), a keyword (1), or nothing (0). */
static int seq_kind(const char *name, size_t nlen, const char *unseen, uint32_t *flag, int *clear)
{
	*flag = 0;
	*clear = 0;
	if (strlen(unseen) == nlen && !memcmp(name, unseen, nlen)) {
		*flag = MH_SEEN;
		*clear = 1;
		return 1;
	}
	for (size_t i = 0; i < MH_FLAG_COUNT; i++)
		if (mh_flags[i].seq && strlen(mh_flags[i].seq) == nlen &&
		    !memcmp(name, mh_flags[i].seq, nlen)) {
			*flag = mh_flags[i].bit;
			return 1;
		}
	static const char *const skip[] = {"cur", "unseen", "Seen", "Recent"};
	for (size_t i = 0; i < 4; i++)
		if (strlen(skip[i]) == nlen && !memcmp(name, skip[i], nlen))
			return 0;
	return 1;
}

static int seq_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The digits at *s as a number (*v > UINT32_MAX when too big): 1, or 0
 * when there is none. */
static int seq_digits(const char **s, uint64_t *v)
{
	const char *p = *s;
	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((*v = *v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			*v = (uint64_t)UINT32_MAX + 1;
	if (p == *s)
		return 0;
	*s = p;
	return 1;
}

/* The next range of a sequence's list at *p, read as nmh reads it: the
 * list is split at white space, and the tokens "N" and "N-M" (digits, N at
 * least 1) are ranges, every other token is passed over.  1 (*p moved past
 * it; lo > hi: an empty one), or 0 at the list's end. */
static int next_range(const char **p, uint32_t *lo, uint32_t *hi)
{
	const char *s = *p;
	for (;;) {
		while (seq_space(*s))
			s++;
		if (!*s)
			return 0;
		uint64_t a, b;
		const char *t = s;
		int ok = seq_digits(&t, &a);
		b = a;
		if (ok && *t == '-') {
			t++;
			ok = seq_digits(&t, &b);
		}
		ok = ok && (!*t || seq_space(*t)) && a >= 1 && a <= UINT32_MAX && b <= UINT32_MAX;
		while (*t && !seq_space(*t))
			t++;
		s = t;
		if (ok) {
			*lo = (uint32_t)a;
			*hi = (uint32_t)b;
			*p = s;
			return 1;
		}
	}
}

/* Take a keyword for the sequence name[0..nlen): its bit, or 0 when there
 * is no room. */
static uint64_t add_keyword(char **kw, size_t *nkw, const char *name, size_t nlen)
{
	if (*nkw == MH_KEYWORDS_MAX || !(kw[*nkw] = strndup(name, nlen)))
		return 0;
	return (uint64_t)1 << (*nkw)++;
}

/* Apply a sequence to the messages: set (or, for unseen, clear) a bit. */
static void apply(void *ctx, const char *name, size_t nlen, const char *ranges, const char *unseen)
{
	struct mh_folder *f = ctx;
	uint32_t flag, lo, hi;
	uint64_t kw = 0;
	int clear;
	if (!seq_kind(name, nlen, unseen, &flag, &clear))
		return;
	if (!flag && !(kw = add_keyword(f->kw, &f->nkw, name, nlen)))
		return;
	/* Most lists ascend: a range starting past the last one is looked up
	 * from where that one ended. */
	size_t from = 0;
	uint32_t after = 0;
	for (const char *p = ranges; next_range(&p, &lo, &hi);) {
		size_t i;
		if (from && lo > after) {
			size_t step = 1;
			i = from;
			while (i + step < f->n && f->m[i + step].num < lo) {
				i += step;
				step *= 2;
			}
			struct mh_folder part = {.m = f->m + i,
			                         .n = (i + step < f->n ? i + step : f->n) - i};
			i += mh_folder_lower(&part, lo);
		} else {
			i = mh_folder_lower(f, lo);
		}
		for (; i < f->n && f->m[i].num <= hi; i++) {
			if (clear)
				f->m[i].flags &= ~flag;
			else
				f->m[i].flags |= flag;
			f->m[i].keywords |= kw;
		}
		from = i; /* the numbers before it are <= after */
		after = lo <= hi ? hi : lo - 1;
	}
}

/* Call fn (if not NULL) for each "name: list" line of dirfd's
 * .mh_sequences (its first MH_SEQUENCES_MAX_BYTES), in order, and make
 * *sum a hash of the bytes read (0: no file).  1 (also when there is
 * none), or 0 with errno. */
static int each_sequence(int dirfd, const char *unseen,
                         void (*fn)(void *ctx, const char *name, size_t nlen, const char *list,
                                    const char *unseen),
                         void *ctx, uint64_t *sum)
{
	*sum = 0;
	int fd = openat(dirfd, ".mh_sequences", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT;
	FILE *fp = fdopen(fd, "r");
	if (!fp) {
		close(fd);
		return 0;
	}
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	while ((n = getline(&line, &cap, fp)) > 0 &&
	       (total += (size_t)n) <= MH_SEQUENCES_MAX_BYTES) {
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)line[i]) * 0x100000001b3ull;
		if (!fn)
			continue;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			continue;
		fn(ctx, line, (size_t)(colon - line), colon + 1, unseen);
	}
	free(line);
	int ok = !ferror(fp);
	fclose(fp);
	*sum = h | 1; /* never 0 */
	return ok;
}

static int read_sequences(struct mh_folder *f, const char *unseen)
{
	return each_sequence(f->dirfd, unseen, apply, f, &f->seq_sum);
}

int mh_seq_sum(int dirfd, uint64_t *sum)
{
	return each_sequence(dirfd, "", NULL, NULL, sum);
}

struct peek_ctx {
	struct mh_peek *p;
	size_t n;
	int (*num_at)(void *ctx, size_t i, uint32_t *num);
	void *ctx;
	uint32_t best_num;
	int failed;
};

/* The first i with num_at(i) >= v (n when none). */
static size_t peek_lower(struct peek_ctx *c, uint32_t v)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi && !c->failed) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t num;
		if (!c->num_at(c->ctx, mid, &num))
			c->failed = 1;
		else if (num < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void peek_line(void *ctx, const char *name, size_t nlen, const char *ranges,
                      const char *unseen)
{
	struct peek_ctx *c = ctx;
	uint32_t flag, lo, hi, num;
	int clear;
	if (!seq_kind(name, nlen, unseen, &flag, &clear))
		return;
	if (!flag) {
		add_keyword(c->p->kw, &c->p->nkw, name, nlen);
		return;
	}
	if (!clear)
		return;
	for (const char *p = ranges; next_range(&p, &lo, &hi) && !c->failed;) {
		if (c->p->first_unseen && lo >= c->best_num)
			continue; /* nothing before the one found */
		size_t i = peek_lower(c, lo);
		if (i < c->n && !c->failed && c->num_at(c->ctx, i, &num) && num <= hi &&
		    (!c->p->first_unseen || i + 1 < c->p->first_unseen)) {
			c->p->first_unseen = i + 1;
			c->best_num = num;
		}
	}
}

int mh_folder_peek(int dirfd, const char *unseen, size_t n,
                   int (*num_at)(void *ctx, size_t i, uint32_t *num), void *ctx, struct mh_peek *p)
{
	struct peek_ctx c = {p, n, num_at, ctx, 0, 0};
	uint64_t sum;
	memset(p, 0, sizeof *p);
	if (each_sequence(dirfd, unseen, peek_line, &c, &sum) && !c.failed)
		return 1;
	int e = c.failed ? EIO : errno;
	mh_peek_free(p);
	errno = e;
	return 0;
}

void mh_peek_free(struct mh_peek *p)
{
	for (size_t i = 0; i < p->nkw; i++)
		free(p->kw[i]);
	memset(p, 0, sizeof *p);
}

int mh_folder_load(struct mh_folder *f, int dirfd, const char *unseen)
{
	memset(f, 0, sizeof *f);
	f->dirfd = dirfd;
	if (!scan_messages(f) || !read_sequences(f, unseen)) {
		int e = errno;
		mh_folder_free(f);
		errno = e;
		return 0;
	}
	return 1;
}

int mh_folder_from_list(struct mh_folder *f, int dirfd, const char *unseen,
                        const struct mh_state_msg *sm, size_t n)
{
	memset(f, 0, sizeof *f);
	f->dirfd = dirfd;
	f->m = malloc((n ? n : 1) * sizeof *f->m);
	if (!f->m)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct mh_msg *m = &f->m[i];
		memset(m, 0, sizeof *m);
		m->num = sm[i].num;
		m->flags = MH_SEEN;
		m->ino = sm[i].id.ino;
		m->size = sm[i].id.size;
		m->mtime_ns = sm[i].id.mtime_ns;
		m->crlf_size = -1;
	}
	f->n = n;
	if (read_sequences(f, unseen))
		return 1;
fail:;
	int e = errno;
	mh_folder_free(f);
	errno = e;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

int mh_folder_refresh(struct mh_folder *nf, const struct mh_folder *old, int dirfd, uint32_t *nums,
                      size_t n, const char *unseen)
{
	memset(nf, 0, sizeof *nf);
	nf->dirfd = dirfd;
	if (n)
		qsort(nums, n, sizeof *nums, cmp_u32);
	nf->m = malloc((old->n + n ? old->n + n : 1) * sizeof *nf->m);
	if (!nf->m)
		goto fail;
	/* Merge the old list with the files named, in number order. */
	size_t i = 0, k = 0;
	while (i < old->n || k < n) {
		if (k < n && k && nums[k] == nums[k - 1]) {
			k++;
			continue;
		}
		if (k == n || (i < old->n && old->m[i].num < nums[k])) {
			nf->m[nf->n++] = old->m[i++];
			continue;
		}
		uint32_t num = nums[k++];
		const struct mh_msg *o = i < old->n && old->m[i].num == num ? &old->m[i++] : NULL;
		char name[16];
		struct stat sb;
		snprintf(name, sizeof name, "%u", num);
		if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				goto fail;
			continue; /* gone */
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		struct mh_msg *m = &nf->m[nf->n++];
		set_msg(m, num, &sb);
		if (o && mh_msg_is(o, mh_msg_ident(m))) {
			m->crlf_size = o->crlf_size; /* the same file */
			m->meta = o->meta;
			m->uid = o->uid;
			m->modseq = o->modseq;
		}
	}
	for (size_t j = 0; j < nf->n; j++) { /* flags come from .mh_sequences alone */
		nf->m[j].flags = MH_SEEN;
		nf->m[j].keywords = 0;
	}
	if (read_sequences(nf, unseen))
		return 1;
fail:;
	int e = errno;
	mh_folder_free(nf);
	errno = e;
	return 0;
}

void mh_folder_free(struct mh_folder *f)
{
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->m);
	for (size_t i = 0; i < f->nkw; i++)
		free(f->kw[i]);
	memset(f, 0, sizeof *f);
	f->dirfd = -1;
}

int mh_msg_read(const struct mh_folder *f, size_t i, char **data, size_t *len)
{
	char name[16];
	snprintf(name, sizeof name, "%u", f->m[i].num);
	int fd = openat(f->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) < 0 || sb.st_size > MH_MESSAGE_MAX_BYTES) {
		close(fd);
		errno = EFBIG;
		return 0;
	}
	size_t cap = (size_t)sb.st_size + 1, n = 0;
	char *p = malloc(cap);
	while (p) {
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap) { /* the file grew: take what is there now */
			char *q = cap < (size_t)MH_MESSAGE_MAX_BYTES ? realloc(p, cap * 2) : NULL;
			if (!q)
				break;
			p = q;
			cap *= 2;
		}
	}
	close(fd);
	if (!p)
		return 0;
	*data = p;
	*len = n;
	return mh_msg_is(&f->m[i], mh_ident_of(&sb)) && (size_t)sb.st_size == n ? 1 : 2;
}

int mh_msg_read_head(const struct mh_folder *f, size_t i, char **data, size_t *len, int *whole)
{
	char name[16];
	snprintf(name, sizeof name, "%u", f->m[i].num);
	int fd = openat(f->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return 0;
	}
	size_t cap = 4096, n = 0;
	char *p = NULL;
	*whole = 0;
	for (;;) {
		char *q = cap <= (size_t)MH_MESSAGE_MAX_BYTES ? realloc(p, cap + 1) : NULL;
		if (!q)
			break;
		p = q;
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(p);
			p = NULL;
			break;
		}
		n += (size_t)r;
		if (r == 0) {
			*whole = 1;
			break;
		}
		/* The header ends at the first empty line ("\n\n" or "\n\r\n"),
		 * or an empty first line. */
		if ((n >= 1 && p[0] == '\n') || (n >= 2 && p[0] == '\r' && p[1] == '\n') ||
		    memmem(p, n, "\n\n", 2) || memmem(p, n, "\n\r\n", 3))
			break;
		if (n == cap)
			cap *= 2;
	}
	close(fd);
	if (!p)
		return 0;
	*data = p;
	*len = n;
	return mh_msg_is(&f->m[i], mh_ident_of(&sb)) ? 1 : 2;
}

struct walk {
	mh_list_fn fn;
	void *ctx;
	char name[MH_NAME_MAX_BYTES + 1];
	char imap[4 * MH_NAME_MAX_BYTES + 1]; /* the name in modified UTF-7 */
};

static int is_folder(int dirfd, struct dirent *de)
{
	/* A numbered file is a message; a numbered directory is a folder. */
	if (de->d_name[0] == '.')
		return 0;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	struct stat sb;
	return fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
}

static int walk(struct walk *w, int dirfd, size_t len, int depth)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct dirent *de;
	int go = 1;
	rewinddir(d); /* the duplicate shares its offset with dirfd */
	while (go && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (!is_folder(dirfd, de) || len + n + 1 > MH_NAME_MAX_BYTES)
			continue;
		size_t at = len ? len + 1 : 0;
		if (len)
			w->name[len] = '/';
		memcpy(w->name + at, de->d_name, n + 1);
		if (!len && !strcmp(de->d_name, "inbox"))
			memcpy(w->name, "INBOX", 5);
		int sub =
		    openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		int kids = 0;
		DIR *sd =
		    depth + 1 < MH_DEPTH_MAX ? fdopendir(fcntl(sub, F_DUPFD_CLOEXEC, 0)) : NULL;
		struct dirent *sde;
		while (sd && !kids && (sde = readdir(sd)))
			kids = is_folder(sub, sde);
		if (sd)
			closedir(sd);
		/* A name that is not UTF-8 cannot be said in IMAP: neither it
		 * nor the names below it (which hold it) are listed. */
		int r = MH_LIST_SKIP;
		if (mutf7_encode(w->name, strlen(w->name), w->imap, sizeof w->imap) >= 0)
			r = w->fn(w->ctx, w->imap, kids);
		if (r == MH_LIST_STOP)
			go = 0;
		else if (r == MH_LIST_DESCEND && kids)
			go = walk(w, sub, at + n, depth + 1);
		close(sub);
		w->name[len] = 0;
	}
	closedir(d);
	return go;
}

int mh_list(int rootfd, mh_list_fn fn, void *ctx)
{
	static struct walk w;
	w.fn = fn;
	w.ctx = ctx;
	w.name[0] = 0;
	return walk(&w, rootfd, 0, 0);
}
