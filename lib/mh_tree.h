/* mh_tree: creating, deleting and renaming MH folders under a mail root.
 *
 * Paths are relative to the mail root, as mh_name_to_path makes them
 * ("inbox", "archive/2025"): components are non-empty and do not start
 * with "."; anything else is EINVAL.  Every call walks the path one
 * component at a time from rootfd with openat(O_NOFOLLOW | O_DIRECTORY)
 * and acts with mkdirat/renameat2/unlinkat relative to the directory it
 * holds, so nothing is ever created, removed or renamed outside the mail
 * root, and a symbolic link anywhere in a path makes the call fail (ELOOP)
 * without following it.  No descriptor outlives a call.
 *
 * What a folder holds, for deletion: messages (files whose name is a
 * positive number), nmh's files (.mh_sequences, the ",N" and "#N" backups
 * of removed messages), asimap's (names starting with ".asimap-",
 * .mh_sequences.asimap-tmp), subfolders (directories not starting with
 * "."), and anything else: "unknown", which is never removed. */
#ifndef ASIMAP_MH_TREE_H
#define ASIMAP_MH_TREE_H
#include <stddef.h>

#define MH_TREE_DIR_MODE 0700 /* new folders: nmh's default Folder-Protect */

/* Create the folder at path and the folders above it that are missing
 * (mode MH_TREE_DIR_MODE less the umask, as mkdir gives).  A component to be created
 * that is all digits (nmh would take it for a message) or holds a control
 * character is refused before anything is created.  Returns 1, or 0 with
 * errno: EEXIST (path exists, whatever it is), ENOTDIR (a component above
 * exists and is not a directory), ELOOP (a component is a symbolic link),
 * EINVAL (a bad path or component), or a system error. */
int mh_tree_create(int rootfd, const char *path);

/* Delete the folder at path.  With subfolders: remove its messages and
 * nmh's and asimap's files, keep the directory (*kept = 1).  Without:
 * remove them and the directory (*kept = 0).  When the folder holds
 * unknown entries (and has no subfolders), nothing at all is removed:
 * returns 0 with errno ENOTEMPTY and *unknown set to their number.
 * Returns 1, or 0 with errno: ENOENT/ENOTDIR (no such folder), ELOOP (a
 * symbolic link), EINVAL, ENOTEMPTY, or a system error (some files may
 * then be gone already). */
int mh_tree_delete(int rootfd, const char *path, int *kept, size_t *unknown);

/* Rename the folder from to to (with everything below it), creating the
 * folders above to that are missing (as mh_tree_create).  The last
 * component of to obeys mh_tree_create's rules.  Returns 1, or 0 with
 * errno: ENOENT (no folder from: missing, not a directory), ELOOP (a
 * symbolic link in from or to), EEXIST (to exists), EINVAL (to is from or
 * inside it, or a bad path), ENOTDIR (a component above to is not a
 * directory), EXDEV, or a system error. */
int mh_tree_rename(int rootfd, const char *from, const char *to);

/* Move every message of folder from into folder to (which should be new
 * and empty), keeping its number, and from's .mh_sequences with them
 * (so flags follow); subfolders and other files stay.  Never replaces a
 * file of to.  *moved counts the messages moved (also on failure).
 * Returns 1, or 0 with errno: ENOENT (from or to missing), ELOOP, EEXIST
 * (to already has a message of that number), or a system error. */
int mh_tree_move_messages(int rootfd, const char *from, const char *to, size_t *moved);

#endif
