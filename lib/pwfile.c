#include "pwfile.h"

#include <errno.h>
#include <stdio.h>
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

/* Makes e->maildir absolute: a relative one is joined to the directory of
 * path, itself joined to the working directory when relative.  Returns 1, or
 * 0 when the result would not fit or the working directory is unknown. */
static int resolve_maildir(const char *path, struct pwfile_entry *e)
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

/* Reads one line into buf (cap bytes), without its newline.  Returns 1 with
 * *len set (cap + 1 when the line was longer, its rest read and dropped), 0
 * at end of file, -1 on a read error. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int c, any = 0;

	while ((c = getc_unlocked(f)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (n < cap)
			buf[n] = (char)c;
		if (n <= cap)
			n++;
	}
	if (c == EOF && ferror(f))
		return -1;
	if (!any)
		return 0;
	*len = n;
	return 1;
}

/* The loop of pwfile_lookup: returns 1 with e filled, 0, or -1 (errno). */
static int scan(FILE *f, const char *path, const char *user, size_t userlen, struct pwfile_entry *e,
                char *buf)
{
	size_t len = 0;
	int r;

	while ((r = read_line(f, buf, PWFILE_LINE_MAX, &len)) == 1) {
		if (pwfile_parse_line(buf, len, e) != 1)
			continue;
		if (strlen(e->user) == userlen && memcmp(e->user, user, userlen) == 0 &&
		    resolve_maildir(path, e))
			return 1;
		pwfile_entry_wipe(e);
	}
	if (r < 0 && errno == 0)
		errno = EIO;
	return r;
}

int pwfile_lookup(const char *path, const char *user, size_t userlen, struct pwfile_entry *e)
{
	char buf[PWFILE_LINE_MAX];
	char iobuf[BUFSIZ];
	FILE *f;
	int r, saved;

	pwfile_entry_wipe(e);
	f = fopen(path, "re");
	if (!f)
		return -1;
	/* Our own stdio buffer, so that the hashes it held can be wiped. */
	if (setvbuf(f, iobuf, _IOFBF, sizeof iobuf) != 0) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	/* No need to check user: a parsed user name never holds a NUL or ':'
	 * and never exceeds PWFILE_USER_MAX, so such a user cannot match. */
	errno = 0;
	r = scan(f, path, user, userlen, e, buf);
	saved = errno;
	fclose(f);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(iobuf, sizeof iobuf);
	if (r != 1)
		pwfile_entry_wipe(e);
	errno = saved;
	return r;
}
