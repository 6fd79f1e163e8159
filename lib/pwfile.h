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

/* Makes e->maildir absolute: a relative one is joined to the directory of
 * path (the password file), itself joined to the working directory when
 * relative.  Returns 1, or 0 when the result would not fit in PATH_MAX or
 * the working directory is unknown (e->maildir is then unchanged). */
int pwfile_resolve_maildir(const char *path, struct pwfile_entry *e);

/* Called by pwfile_scan_fd() for each line that is an entry (r is 1, e is
 * filled, line holds the len bytes of the line without its newline) or is
 * malformed (r is -1; e, line and len mean nothing).  lineno counts from 1.
 * Returns 0 to go on, or a positive value to stop the scan with. */
typedef int pwfile_line_fn(void *arg, unsigned long lineno, const char *line, size_t len, int r,
                           struct pwfile_entry *e);

/* Reads the open file fd from where it is to the end with fixed buffers,
 * parses each line with pwfile_parse_line() into e (scratch space, wiped
 * after each line) and calls fn for each entry and each malformed line
 * (comments and blank lines are skipped).  Returns what fn stopped it with,
 * 0 at the end of the file, or -1 with errno set on a read error.  Every
 * buffer that held the file is wiped. */
int pwfile_scan_fd(int fd, pwfile_line_fn *fn, void *arg, struct pwfile_entry *e);

/* Overwrites all of e (hash included) with zeros, in a way the compiler
 * keeps. */
void pwfile_entry_wipe(struct pwfile_entry *e);

#endif
