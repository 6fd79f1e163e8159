/* pwfile_edit_update: lock, read, rewrite through a temp file, rename. */
#include "pwfile_edit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "fileio.h"

/* The file being edited and the names around it. */
struct edit {
	char target[PATH_MAX], dir[PATH_MAX], lock[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	char *old, *new;
	size_t oldlen, newlen;
	int lockfd, tmpfd, tmp_made;
	struct pwfile_edit_error *error;
};

static int fail(struct edit *ed, const char *what, const char *path, int err)
{
	ed->error->what = what;
	snprintf(ed->error->path, sizeof ed->error->path, "%s", path);
	ed->error->err = err;
	return 0;
}

/* The real file behind path (a symbolic link is followed: renaming over
 * the link would replace it with a file), its directory and base name. */
static int names(struct edit *ed, const char *path)
{
	struct stat st;
	int n;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!realpath(path, ed->target))
			return fail(ed, "follow the link", path, errno);
	} else if (snprintf(ed->target, sizeof ed->target, "%s", path) >= (int)sizeof ed->target) {
		return fail(ed, "open", path, ENAMETOOLONG);
	}
	char *slash = strrchr(ed->target, '/');
	if (!slash)
		n = snprintf(ed->dir, sizeof ed->dir, ".");
	else if (slash == ed->target)
		n = snprintf(ed->dir, sizeof ed->dir, "/");
	else
		n = snprintf(ed->dir, sizeof ed->dir, "%.*s", (int)(slash - ed->target),
		             ed->target);
	ed->base = slash ? slash + 1 : ed->target;
	if (n < 0 || (size_t)n >= sizeof ed->dir ||
	    snprintf(ed->lock, sizeof ed->lock, "%s.lock", ed->target) >= (int)sizeof ed->lock ||
	    snprintf(ed->tmp, sizeof ed->tmp, "%s/.%s.tmp.XXXXXX", ed->dir, ed->base) >=
	        (int)sizeof ed->tmp)
		return fail(ed, "open", path, ENAMETOOLONG);
	return 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int take_lock(struct edit *ed)
{
	struct stat st;
	long waited = 0;

	ed->lockfd = open(ed->lock, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (ed->lockfd < 0)
		return fail(ed, "open the lock", ed->lock, errno);
	/* Created by root for a file owned by someone else: theirs too. */
	if (geteuid() == 0 && stat(ed->target, &st) == 0 &&
	    fchown(ed->lockfd, st.st_uid, st.st_gid) != 0)
		return fail(ed, "set the owner of", ed->lock, errno);
	while (flock(ed->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return fail(ed, "lock", ed->lock, errno);
		if (waited >= PWFILE_EDIT_LOCK_TIMEOUT_MS)
			return fail(ed, "lock", ed->lock, ETIMEDOUT);
		sleep_ms(20);
		waited += 20;
	}
	return 1;
}

/* Under the lock no other update is running, so any temp file of ours is
 * left over from one that died. */
static void remove_stale(struct edit *ed)
{
	char prefix[PATH_MAX];
	DIR *d = opendir(ed->dir);
	struct dirent *de;
	int n = snprintf(prefix, sizeof prefix, ".%s.tmp.", ed->base);

	if (!d || n < 0 || (size_t)n >= sizeof prefix) {
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, (size_t)n) == 0 &&
		    strlen(de->d_name) == (size_t)n + 6)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static int read_old(struct edit *ed)
{
	struct stat st;
	int fd = open(ed->target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	size_t done = 0;

	if (fd < 0 && errno == ENOENT) {
		ed->uid = geteuid();
		ed->gid = getegid();
		ed->mode = 0600;
		return 1;
	}
	if (fd < 0)
		return fail(ed, "open", ed->target, errno);
	int err = fstat(fd, &st) != 0                                 ? errno
	          : !S_ISREG(st.st_mode)                              ? EINVAL
	          : (uint64_t)st.st_size > PWFILE_EDIT_FILE_MAX_BYTES ? EFBIG
	                                                              : 0;
	if (err) {
		close(fd);
		return fail(ed, "read", ed->target, err);
	}
	ed->uid = st.st_uid;
	ed->gid = st.st_gid;
	ed->mode = st.st_mode & 07777;
	ed->old = malloc((size_t)st.st_size + 1);
	errno = 0;
	while (ed->old && done < (size_t)st.st_size) {
		ssize_t n = read(fd, ed->old + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	err = ed->old ? errno : ENOMEM;
	close(fd);
	if (!ed->old || done != (size_t)st.st_size)
		return fail(ed, "read", ed->target, err ? err : EIO);
	ed->oldlen = done;
	return 1;
}

/* The new content into a temp file with the old file's owner and mode. */
static int write_tmp(struct edit *ed)
{
	ed->tmpfd = mkostemp(ed->tmp, O_CLOEXEC);
	if (ed->tmpfd < 0)
		return fail(ed, "create a temp file in", ed->dir, errno);
	ed->tmp_made = 1;
	if (!fileio_write_all(ed->tmpfd, ed->new, ed->newlen))
		return fail(ed, "write", ed->tmp, errno ? errno : EIO);
	if ((ed->uid != geteuid() || ed->gid != getegid()) &&
	    fchown(ed->tmpfd, ed->uid, ed->gid) != 0)
		return fail(ed, "keep the owner and group of", ed->target, errno);
	if (fchmod(ed->tmpfd, ed->mode) != 0)
		return fail(ed, "keep the mode of", ed->target, errno);
	if (fsync(ed->tmpfd) != 0)
		return fail(ed, "write", ed->tmp, errno);
	int r = close(ed->tmpfd);
	ed->tmpfd = -1;
	return r == 0 ? 1 : fail(ed, "write", ed->tmp, errno);
}

static int replace(struct edit *ed, void (*pause)(void))
{
	if (pause)
		pause();
	if (rename(ed->tmp, ed->target) != 0)
		return fail(ed, "replace", ed->target, errno);
	ed->tmp_made = 0;
	int dfd = open(ed->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		int err = errno;
		if (dfd >= 0)
			close(dfd);
		return fail(ed, "sync the directory", ed->dir, err);
	}
	close(dfd);
	return 1;
}

int pwfile_edit_update(const char *path, const char *user, const char *hash, const char *maildir,
                       int *created, void (*pause)(void), struct pwfile_edit_error *error)
{
	struct edit *ed = calloc(1, sizeof *ed);
	int ok;

	*created = 0;
	if (!ed) {
		error->what = "edit";
		snprintf(error->path, sizeof error->path, "%s", path);
		error->err = errno = ENOMEM;
		return 0;
	}
	ed->lockfd = ed->tmpfd = -1;
	ed->error = error;
	ok = names(ed, path) && take_lock(ed);
	if (ok)
		remove_stale(ed);
	ok = ok && read_old(ed);
	if (ok && !pwfile_edit_apply(ed->old ? ed->old : "", ed->oldlen, user, hash, maildir,
	                             &ed->new, &ed->newlen, created))
		ok =
		    fail(ed, errno == ENOENT ? "find the account in" : "update", ed->target, errno);
	ok = ok && write_tmp(ed) && replace(ed, pause);
	if (ed->tmpfd >= 0)
		close(ed->tmpfd);
	if (ed->tmp_made)
		unlink(ed->tmp);
	if (ed->lockfd >= 0)
		close(ed->lockfd);
	if (ed->old) {
		sodium_memzero(ed->old, ed->oldlen);
		free(ed->old);
	}
	if (ed->new) {
		sodium_memzero(ed->new, ed->newlen);
		free(ed->new);
	}
	free(ed);
	if (!ok)
		errno = error->err;
	return ok;
}
