#include "mh_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh_folder.h"
#include "mh_seq.h"

#define COMP_MAX_BYTES 255 /* NAME_MAX of Linux file systems */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* A path split into its components. */
struct comps {
	char buf[MH_NAME_MAX_BYTES + 1];
	const char *c[MH_NAME_MAX_BYTES / 2 + 1];
	size_t n;
};

static int split(const char *path, struct comps *p)
{
	size_t len = strlen(path);
	if (len == 0 || len > MH_NAME_MAX_BYTES)
		goto bad;
	memcpy(p->buf, path, len + 1);
	p->n = 0;
	for (char *s = p->buf;;) {
		char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (n == 0 || n > COMP_MAX_BYTES || s[0] == '.')
			goto bad;
		p->c[p->n++] = s;
		if (!slash)
			return 1;
		*slash = 0;
		s = slash + 1;
	}
bad:
	errno = EINVAL;
	return 0;
}

/* May a folder of this name be made?  Not a message number, no control
 * characters. */
static int creatable(const char *s)
{
	int digits = 1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		digits &= *p >= '0' && *p <= '9';
	}
	return !digits;
}

static void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

/* openat of a directory, without following a link: ELOOP for a link
 * (Linux says ENOTDIR when O_DIRECTORY meets one). */
static int open_dir(int fd, const char *name)
{
	int d = openat(fd, name, DIR_FLAGS);
	struct stat sb;
	if (d < 0 && errno == ENOTDIR) {
		int link = fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode);
		errno = link ? ELOOP : ENOTDIR;
	}
	return d;
}

/* The directory of the first n components of p, walked from rootfd
 * without following links.  A close-on-exec fd, or -1 with errno. */
static int open_dirs(int rootfd, const struct comps *p, size_t n)
{
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	for (size_t i = 0; fd >= 0 && i < n; i++) {
		int next = open_dir(fd, p->c[i]);
		close_keep_errno(fd);
		fd = next;
	}
	return fd;
}

/* Walk the first n components from rootfd, creating those missing.  When
 * one is missing, every component after it up to the end of p will be
 * made (here or by the caller): all must be creatable, which is checked
 * before the first mkdir.  The fd of the last, or -1 with errno. */
static int make_dirs(int rootfd, const struct comps *p, size_t n)
{
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	for (size_t i = 0; fd >= 0 && i < n; i++) {
		int next = open_dir(fd, p->c[i]);
		if (next < 0 && errno == ENOENT) {
			for (size_t k = i; k < p->n; k++)
				if (!creatable(p->c[k])) {
					close(fd);
					errno = EINVAL;
					return -1;
				}
			if (mkdirat(fd, p->c[i], MH_TREE_DIR_MODE) < 0 && errno != EEXIST) {
				close_keep_errno(fd);
				return -1;
			}
			fsync(fd);
			next = open_dir(fd, p->c[i]);
		}
		close_keep_errno(fd);
		fd = next;
	}
	return fd;
}

int mh_tree_create(int rootfd, const char *path)
{
	struct comps p;
	if (!split(path, &p))
		return 0;
	int parent = make_dirs(rootfd, &p, p.n - 1);
	if (parent < 0)
		return 0;
	const char *last = p.c[p.n - 1];
	struct stat sb;
	int ok = 0;
	if (fstatat(parent, last, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		errno = S_ISDIR(sb.st_mode) ? EEXIST : S_ISLNK(sb.st_mode) ? ELOOP : ENOTDIR;
	else if (errno == ENOENT && !creatable(last))
		errno = EINVAL;
	else if (errno == ENOENT && mkdirat(parent, last, MH_TREE_DIR_MODE) == 0)
		ok = fsync(parent) == 0;
	close_keep_errno(parent);
	return ok;
}

/* A list of NUL-terminated names in one buffer. */
struct names {
	char *buf;
	size_t len, cap;
};

static int names_add(struct names *l, const char *s)
{
	size_t n = strlen(s) + 1;
	if (l->len + n > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		while (cap < l->len + n)
			cap *= 2;
		char *b = realloc(l->buf, cap);
		if (!b)
			return 0;
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return 1;
}

static int is_number(const char *s)
{
	int nonzero = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		nonzero |= *s != '0';
	}
	return nonzero;
}

enum kind { K_MESSAGE, K_REMOVABLE, K_FOLDER, K_UNKNOWN };

static enum kind classify(int dirfd, const char *name)
{
	struct stat sb;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return K_UNKNOWN;
	if (S_ISDIR(sb.st_mode))
		return name[0] == '.' ? K_UNKNOWN : K_FOLDER;
	if (!S_ISREG(sb.st_mode))
		return K_UNKNOWN;
	if (is_number(name))
		return K_MESSAGE;
	if ((name[0] == ',' || name[0] == '#') && is_number(name + 1))
		return K_REMOVABLE; /* nmh's backup of a removed message */
	if (!strcmp(name, MH_SEQ_FILE) || !strcmp(name, MH_SEQ_TMP_FILE) ||
	    !strncmp(name, ".asimap-", 8))
		return K_REMOVABLE;
	return K_UNKNOWN;
}

/* Sort the entries of dirfd: messages (and, when want_removable, the
 * other files we may remove) into l; count folders and unknown entries. */
static int scan(int dirfd, struct names *l, int want_removable, size_t *folders, size_t *unknown)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close_keep_errno(fd);
		return 0;
	}
	rewinddir(d); /* the duplicate shares its offset with dirfd */
	*folders = *unknown = 0;
	struct dirent *de;
	int ok = 1;
	errno = 0;
	while (ok && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		switch (classify(dirfd, de->d_name)) {
		case K_MESSAGE:
			ok = names_add(l, de->d_name);
			break;
		case K_REMOVABLE:
			ok = !want_removable || names_add(l, de->d_name);
			break;
		case K_FOLDER:
			(*folders)++;
			break;
		case K_UNKNOWN:
			(*unknown)++;
			break;
		}
		errno = 0;
	}
	if (ok && errno)
		ok = 0;
	int e = errno;
	closedir(d);
	errno = e;
	return ok;
}

int mh_tree_delete(int rootfd, const char *path, int *kept, size_t *unknown)
{
	struct comps p;
	struct names l = {0};
	size_t folders = 0;
	int ok = 0, parent = -1, dfd = -1;
	*unknown = 0;
	*kept = 0;
	if (!split(path, &p) || (parent = open_dirs(rootfd, &p, p.n - 1)) < 0 ||
	    (dfd = open_dir(parent, p.c[p.n - 1])) < 0 || !scan(dfd, &l, 1, &folders, unknown))
		goto out;
	if (!folders && *unknown) {
		errno = ENOTEMPTY; /* someone else's data: leave it all */
		goto out;
	}
	for (size_t i = 0; i < l.len; i += strlen(l.buf + i) + 1)
		if (unlinkat(dfd, l.buf + i, 0) < 0 && errno != ENOENT)
			goto out;
	if (folders) {
		*kept = 1;
		ok = fsync(dfd) == 0;
	} else {
		ok = unlinkat(parent, p.c[p.n - 1], AT_REMOVEDIR) == 0 && fsync(parent) == 0;
		if (!ok && (errno == ENOTEMPTY || errno == EEXIST))
			errno = ENOTEMPTY; /* something arrived meanwhile */
	}
out:
	if (dfd >= 0)
		close_keep_errno(dfd);
	if (parent >= 0)
		close_keep_errno(parent);
	free(l.buf);
	return ok;
}

/* Is to from, or below it? */
static int inside(const char *from, const char *to)
{
	size_t n = strlen(from);
	return !strncmp(from, to, n) && (to[n] == 0 || to[n] == '/');
}

int mh_tree_rename(int rootfd, const char *from, const char *to)
{
	struct comps f, t;
	struct stat sb;
	int fparent = -1, tparent = -1, ok = 0;
	if (!split(from, &f) || !split(to, &t))
		return 0;
	if (inside(from, to) || !creatable(t.c[t.n - 1])) {
		errno = EINVAL;
		return 0;
	}
	fparent = open_dirs(rootfd, &f, f.n - 1);
	if (fparent < 0 || fstatat(fparent, f.c[f.n - 1], &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOTDIR)
			errno = ENOENT;
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		errno = S_ISLNK(sb.st_mode) ? ELOOP : ENOENT;
		goto out;
	}
	/* Does to exist?  Say so before making any folder above it. */
	tparent = open_dirs(rootfd, &t, t.n - 1);
	if (tparent >= 0 && fstatat(tparent, t.c[t.n - 1], &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		goto out;
	}
	if (tparent < 0 && (errno != ENOENT || (tparent = make_dirs(rootfd, &t, t.n - 1)) < 0))
		goto out;
	if (renameat2(fparent, f.c[f.n - 1], tparent, t.c[t.n - 1], RENAME_NOREPLACE) < 0)
		goto out;
	ok = fsync(tparent) == 0 && fsync(fparent) == 0;
out:
	if (fparent >= 0)
		close_keep_errno(fparent);
	if (tparent >= 0)
		close_keep_errno(tparent);
	return ok;
}

int mh_tree_move_messages(int rootfd, const char *from, const char *to, size_t *moved)
{
	struct comps f, t;
	struct names l = {0};
	size_t folders, unknown;
	int ffd = -1, tfd = -1, ok = 0;
	*moved = 0;
	if (!split(from, &f) || !split(to, &t) || (ffd = open_dirs(rootfd, &f, f.n)) < 0 ||
	    (tfd = open_dirs(rootfd, &t, t.n)) < 0 || !scan(ffd, &l, 0, &folders, &unknown))
		goto out;
	for (size_t i = 0; i < l.len; i += strlen(l.buf + i) + 1) {
		if (renameat2(ffd, l.buf + i, tfd, l.buf + i, RENAME_NOREPLACE) == 0)
			(*moved)++;
		else if (errno != ENOENT) /* ENOENT: rmm or refile took it meanwhile */
			goto out;
	}
	if (renameat2(ffd, MH_SEQ_FILE, tfd, MH_SEQ_FILE, RENAME_NOREPLACE) < 0 && errno != ENOENT)
		goto out;
	ok = fsync(tfd) == 0 && fsync(ffd) == 0;
out:
	if (ffd >= 0)
		close_keep_errno(ffd);
	if (tfd >= 0)
		close_keep_errno(tfd);
	free(l.buf);
	return ok;
}
