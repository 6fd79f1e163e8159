/* pwfile_edit: the new content of a password file with one account set
 * (the file handling is in pwfile_edit_file.c). */
#include "pwfile_edit.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pwfile.h"

static const char *bad_field(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0)
		return "is empty";
	if (n > max)
		return "is too long";
	if (strchr(s, ':'))
		return "contains ':'";
	if (strchr(s, '\n') || strchr(s, '\r'))
		return "contains a newline";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
	}
	if (s[0] == ' ' || s[n - 1] == ' ')
		return "starts or ends with a space";
	return NULL;
}

const char *pwfile_edit_bad_user(const char *user)
{
	const char *why = bad_field(user, PWFILE_USER_MAX);

	if (!why && user[0] == '#')
		why = "starts with '#' (a comment)";
	return why;
}

const char *pwfile_edit_bad_maildir(const char *maildir)
{
	return bad_field(maildir, PATH_MAX - 1);
}

/* A growing output buffer; on failure ok drops to 0. */
struct out {
	char *p;
	size_t len, cap;
	int ok;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (!o->ok)
		return;
	if (n > o->cap - o->len) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap - o->len < n && cap <= PWFILE_EDIT_FILE_MAX_BYTES)
			cap *= 2;
		char *p = cap - o->len >= n ? malloc(cap) : NULL;
		if (!p) {
			o->ok = 0;
			return;
		}
		if (o->p) {
			memcpy(p, o->p, o->len);
			sodium_memzero(o->p, o->cap);
			free(o->p);
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* "user:hash:maildir" */
static void put_entry(struct out *o, const char *user, const char *hash, const char *maildir)
{
	put_str(o, user);
	put(o, ":", 1);
	put_str(o, hash);
	put(o, ":", 1);
	put_str(o, maildir);
}

int pwfile_edit_apply(const char *old, size_t oldlen, const char *user, const char *hash,
                      const char *maildir, char **out, size_t *outlen, int *created)
{
	struct pwfile_entry e;
	struct out o = {NULL, 0, 0, 1};
	const char *p = old, *end = old + oldlen;
	int found = 0, err = 0;

	*created = 0;
	if (pwfile_edit_bad_user(user) || bad_field(hash, PWFILE_LINE_MAX) ||
	    (maildir && pwfile_edit_bad_maildir(maildir))) {
		errno = EINVAL;
		return 0;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (!found && pwfile_parse_line(p, len, &e) == 1 && strcmp(e.user, user) == 0) {
			found = 1;
			size_t start = o.len;
			put_entry(&o, user, hash, maildir ? maildir : e.maildir);
			if (o.ok && o.len - start > PWFILE_LINE_MAX)
				o.ok = 0, err = EINVAL;
			if (len > 0 && p[len - 1] == '\r')
				put(&o, "\r", 1);
		} else {
			put(&o, p, len);
		}
		if (nl)
			put(&o, "\n", 1);
		p += len + (nl != NULL);
	}
	pwfile_entry_wipe(&e);
	if (!found && !maildir) {
		err = ENOENT;
		o.ok = 0;
	} else if (!found) {
		*created = 1;
		if (oldlen > 0 && old[oldlen - 1] != '\n')
			put(&o, "\n", 1);
		size_t start = o.len;
		put_entry(&o, user, hash, maildir);
		if (o.ok && o.len - start > PWFILE_LINE_MAX)
			o.ok = 0, err = EINVAL;
		put(&o, "\n", 1);
	}
	if (!o.ok) {
		errno = err ? err : ENOMEM;
		if (o.p) {
			sodium_memzero(o.p, o.cap);
			free(o.p);
		}
		return 0;
	}
	if (!o.p && !(o.p = malloc(1))) {
		errno = ENOMEM;
		return 0;
	}
	*out = o.p;
	*outlen = o.len;
	return 1;
}
