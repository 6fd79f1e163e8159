/* pwfile: the password file.  One entry per line,
 *	username:django_hash:maildir
 * '#' comment lines and blank lines are ignored, a trailing "\r" is
 * tolerated, and spaces and tabs around the line and around each field are
 * dropped (as the Python asimap does).  A relative maildir is relative to the
 * directory of the password file.  Hashes are checked with hash_django. */
#ifndef ASIMAP_PWFILE_H
#define ASIMAP_PWFILE_H

#include <limits.h>
#include <stddef.h>

/* Longest line, in bytes, not counting the newline (a trailing "\r" counts);
 * a longer line is malformed. */
#define PWFILE_LINE_MAX 4096
/* Longest user name, in bytes. */
#define PWFILE_USER_MAX 255

/* One entry, every field NUL-terminated.  hash is secret material: wipe the
 * entry with pwfile_entry_wipe() once done with it. */
struct pwfile_entry {
	char user[PWFILE_USER_MAX + 1];
	char hash[PWFILE_LINE_MAX];
	char maildir[PATH_MAX];
};

/* Parses one line of len bytes (no newline; it need not be NUL-terminated).
 * Returns 1 and fills e for an entry (maildir as written, not resolved), 0
 * for a comment or blank line, -1 for a malformed line: longer than
 * PWFILE_LINE_MAX, not exactly three fields, an empty user name or maildir,
 * a user name over PWFILE_USER_MAX bytes, a control character (NUL and tab
 * included) inside a field.  The hash is not checked here (see hash_django_wellformed); an
 * empty hash is an account without a usable password.  e is written only
 * when 1 is returned. */
int pwfile_parse_line(const char *line, size_t len, struct pwfile_entry *e);

/* Looks up user (userlen bytes, not NUL-terminated; one with a NUL, ':' or
 * over PWFILE_USER_MAX bytes never matches) in the password file at path.
 * Returns 1 and fills e with the first well-formed entry for user, its
 * maildir made absolute (an entry whose absolute maildir would not fit in
 * PATH_MAX counts as malformed); 0 when there is none; -1 with errno set when
 * the file cannot be opened or read.  Malformed lines are skipped.  Reads
 * with fixed, bounded buffers and wipes them; e is wiped unless 1 is
 * returned. */
int pwfile_lookup(const char *path, const char *user, size_t userlen, struct pwfile_entry *e);

/* Overwrites all of e (hash included) with zeros, in a way the compiler
 * keeps. */
void pwfile_entry_wipe(struct pwfile_entry *e);

#endif
