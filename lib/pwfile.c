#include "pwfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Drops spaces and tabs at both ends of the n bytes at *s. */
static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

/* Splits the n bytes at s into exactly three ':'-separated fields, each
 * trimmed.  Returns 1, or 0 when there are fewer or more than three. */
static int split3(const char *s, size_t n, const char *f[3], size_t flen[3])
{
	const char *end = s + n;

	for (int i = 0; i < 3; i++) {
		const char *colon = memchr(s, ':', (size_t)(end - s));
		if ((colon != NULL) != (i < 2))
			return 0;
		f[i] = s;
		flen[i] = (size_t)((colon ? colon : end) - s);
		trim(&f[i], &flen[i]);
		s = colon ? colon + 1 : end;
	}
	return 1;
}

int pwfile_parse_line(const char *line, size_t len, struct pwfile_entry *e)
{
	const char *f[3];
	size_t flen[3];

	if (len > PWFILE_LINE_MAX)
		return -1;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len))
		return -1;
	trim(&line, &len);
	if (len == 0 || line[0] == '#')
		return 0;
	if (!split3(line, len, f, flen))
		return -1;
	if (flen[0] == 0 || flen[0] > PWFILE_USER_MAX || flen[2] == 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (has_control(f[i], flen[i]))
			return -1;
	/* Each field is shorter than the line, but check against the
	 * destinations rather than rely on it. */
	if (flen[1] >= sizeof e->hash || flen[2] >= sizeof e->maildir)
		return -1;
	memcpy(e->user, f[0], flen[0]);
	e->user[flen[0]] = '\0';
	memcpy(e->hash, f[1], flen[1]);
	e->hash[flen[1]] = '\0';
	memcpy(e->maildir, f[2], flen[2]);
	e->maildir[flen[2]] = '\0';
	return 1;
}

void pwfile_entry_wipe(struct pwfile_entry *e)
{
	sodium_memzero(e, sizeof *e);
}

/* Appends the n bytes at s to out (used bytes so far, PATH_MAX in all), with
 * a '/' before them unless out is empty or already ends in one.  Returns 1,
 * or 0 when the result and its NUL would not fit. */
static int append_component(char *out, size_t *used, const char *s, size_t n)
{
	size_t slash = *used > 0 && out[*used - 1] != '/';

	/* *used < PATH_MAX always: out holds a NUL after it. */
	if (*used + slash > PATH_MAX - 1 || n > PATH_MAX - 1 - *used - slash)
		return 0;
	if (slash)
		out[(*used)++] = '/';
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
	return 1;
}

int pwfile_resolve_maildir(const char *path, struct pwfile_entry *e)
{
	char out[PATH_MAX];
	size_t used = 0;
	const char *slash = strrchr(path, '/');

	if (e->maildir[0] == '/')
		return 1;
	out[0] = '\0';
	if (path[0] != '/') {
		if (!getcwd(out, sizeof out) || out[0] != '/')
			return 0;
		used = strlen(out);
	}
	if (slash) {
		/* The directory of "/pw" is "/", not "". */
		size_t dirlen = slash == path ? 1 : (size_t)(slash - path);
		if (!append_component(out, &used, path, dirlen))
			return 0;
	}
	if (!append_component(out, &used, e->maildir, strlen(e->maildir)))
		return 0;
	memcpy(e->maildir, out, used + 1);
	return 1;
}

/* A buffered reader of an fd, so that what it held can be wiped. */
struct reader {
	int fd;
	size_t pos, len;
	char buf[8192];
};

/* Reads one line into line (cap bytes), without its newline.  Returns 1
 * with *len set (cap + 1 when the line was longer, its rest read and
 * dropped), 0 at end of file, -1 on a read error. */
static int read_line(struct reader *r, char *line, size_t cap, size_t *len)
{
	size_t n = 0;
	int any = 0;

	for (;;) {
		if (r->pos == r->len) {
			ssize_t got = read(r->fd, r->buf, sizeof r->buf);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				return -1;
			if (got == 0)
				break;
			r->pos = 0;
			r->len = (size_t)got;
		}
		any = 1;
		const char *p = r->buf + r->pos;
		size_t avail = r->len - r->pos;
		const char *nl = memchr(p, '\n', avail);
		size_t take = nl ? (size_t)(nl - p) : avail;
		if (n < cap)
			memcpy(line + n, p, take < cap - n ? take : cap - n);
		n = n + take > cap ? cap + 1 : n + take;
		r->pos += take + (nl != NULL);
		if (nl)
			break;
	}
	if (!any)
		return 0;
	*len = n;
	return 1;
}

int pwfile_scan_fd(int fd, pwfile_line_fn *fn, void *arg, struct pwfile_entry *e)
{
	struct reader r;
	char line[PWFILE_LINE_MAX];
	unsigned long lineno = 0;
	size_t len = 0;
	int got, stop = 0, saved;

	r.fd = fd;
	r.pos = r.len = 0;
	errno = 0;
	while (!stop && (got = read_line(&r, line, sizeof line, &len)) == 1) {
		lineno++;
		int p = pwfile_parse_line(line, len, e);
		if (p != 0)
			stop = fn(arg, lineno, line, len > sizeof line ? sizeof line : len, p, e);
		pwfile_entry_wipe(e);
	}
	saved = errno;
	sodium_memzero(&r, sizeof r);
	sodium_memzero(line, sizeof line);
	if (stop)
		return stop;
	if (got < 0) {
		errno = saved ? saved : EIO;
		return -1;
	}
	return 0;
}

struct lookup {
	const char *path, *user;
	size_t userlen;
	struct pwfile_entry *out;
};

static int lookup_line(void *arg, unsigned long lineno, const char *line, size_t len, int r,
                       struct pwfile_entry *e)
{
	struct lookup *l = arg;

	(void)lineno;
	(void)line;
	(void)len;
	if (r != 1 || strlen(e->user) != l->userlen || memcmp(e->user, l->user, l->userlen) != 0)
		return 0;
	*l->out = *e;
	if (pwfile_resolve_maildir(l->path, l->out))
		return 1;
	pwfile_entry_wipe(l->out);
	return 0;
}

int pwfile_lookup(const char *path, const char *user, size_t userlen, struct pwfile_entry *e)
{
	struct pwfile_entry scratch;
	struct lookup l = {path, user, userlen, e};
	int fd, r, saved;

	pwfile_entry_wipe(e);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	/* No need to check user: a parsed user name never holds a NUL or ':'
	 * and never exceeds PWFILE_USER_MAX, so such a user cannot match. */
	r = pwfile_scan_fd(fd, lookup_line, &l, &scratch);
	saved = errno;
	close(fd);
	pwfile_entry_wipe(&scratch);
	if (r != 1)
		pwfile_entry_wipe(e);
	errno = saved;
	return r;
}
