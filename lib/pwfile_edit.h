/* pwfile_edit: change one account of the password file, atomically, as
 * asimapd_set_password does.  Every other byte of the file (other lines,
 * comments, blank lines, line endings) stays as it was, and so do the
 * file's owner and mode. */
#ifndef ASIMAP_PWFILE_EDIT_H
#define ASIMAP_PWFILE_EDIT_H

#include <stddef.h>

/* The largest password file edited, in bytes. */
#define PWFILE_EDIT_FILE_MAX_BYTES (64UL << 20)
/* How long to wait for another update's lock, in milliseconds. */
#define PWFILE_EDIT_LOCK_TIMEOUT_MS 30000

/* Returns NULL when user can be written as the user name of an entry, or
 * a phrase saying why not ("contains ':'", "is empty", ...): empty, over
 * PWFILE_USER_MAX bytes, a ':', a newline or another control character,
 * space or tab at either end (the parser drops them), or a leading '#' (a
 * comment). */
const char *pwfile_edit_bad_user(const char *user);

/* The same for a maildir (no '#' rule; under PATH_MAX bytes). */
const char *pwfile_edit_bad_maildir(const char *maildir);

/* Makes the new content of a password file from old (oldlen bytes): the
 * first entry for user (as pwfile_lookup() finds it) gets hash, and
 * maildir when maildir is not NULL (else it keeps its own), in the form
 * "user:hash:maildir", keeping the line's "\r" and newline if it had them;
 * without an entry for user, one is appended (after a newline when old
 * does not end with one) and *created set to 1.  user, hash and maildir
 * must pass the checks above (hash: no ':' nor control character).
 * Returns 1 with *out (malloc'ed, *outlen bytes, the caller frees it after
 * wiping: it holds every hash) set, or 0 with errno: ENOENT (no such
 * account and no maildir to create it with), EINVAL (a field that cannot
 * be written, a line over PWFILE_LINE_MAX), ENOMEM. */
int pwfile_edit_apply(const char *old, size_t oldlen, const char *user, const char *hash,
                      const char *maildir, char **out, size_t *outlen, int *created);

/* What went wrong in pwfile_edit_update(), for "unable to <what> <path>". */
struct pwfile_edit_error {
	const char *what; /* "lock", "read", "write", ... */
	char path[4096];
	int err; /* an errno value */
};

/* Sets user's hash (and maildir) in the password file at path, creating the
 * file (mode 0600) when it does not exist, and following a symbolic link
 * to the real file.  Under an exclusive flock of "<file>.lock" (waited for
 * up to PWFILE_EDIT_LOCK_TIMEOUT_MS), reads the file, applies
 * pwfile_edit_apply(), writes the result to a temp file in the same
 * directory (".<name>.tmp.XXXXXX") with the old file's owner, group and
 * mode, fsyncs it, calls pause (when not NULL: a hook for tests, e.g. to be
 * killed there), renames it over the file and fsyncs the directory.  A
 * crash at any point leaves the old file or the new one; temp files left
 * by crashed updates are removed by the next update.  Returns 1 (with
 * *created as above), or 0 with *error filled (and errno = error->err). */
int pwfile_edit_update(const char *path, const char *user, const char *hash, const char *maildir,
                       int *created, void (*pause)(void), struct pwfile_edit_error *error);

#endif
