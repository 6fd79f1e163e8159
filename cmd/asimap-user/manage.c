/* Mailbox management: CREATE, DELETE, RENAME (RFC 3501 6.3.3-6.3.5),
 * SUBSCRIBE and UNSUBSCRIBE (6.3.6-6.3.7).  Folders are made, removed
 * and moved by lib/mh_tree, which never leaves the mail root nor follows
 * a symbolic link; subscriptions live in one file of the mail root
 * (lib/mh_subs). */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "mh_subs.h"
#include "mh_tree.h"
#include "user.h"

/* A mailbox argument as a path under the mail root, and as a
 * NUL-terminated IMAP name.  Answers NO itself and returns 0 when the
 * name is not one we accept. */
static int mailbox_arg(struct session *s, const char *tag, const char *name, size_t n,
                       char path[MH_NAME_MAX_BYTES + 1], char imap[MH_NAME_MAX_BYTES + 1])
{
	/* Modified UTF-7 may be longer than the path it names: both are capped. */
	if (n > MH_NAME_MAX_BYTES) {
		session_reply(s, "%s NO [LIMIT] Mailbox name too long", tag);
		return 0;
	}
	if (!mh_name_to_path(name, n, path)) {
		session_reply(s,
		              "%s NO [CANNOT] Invalid mailbox name (modified UTF-7; empty parts, "
		              "parts starting with \".\" and absolute names are refused)",
		              tag);
		return 0;
	}
	memcpy(imap, name, n); /* no NUL inside: mh_name_to_path checked */
	imap[n] = 0;
	return 1;
}

/* NO for a failed mh_tree call. */
static void refuse(struct session *s, const char *tag, const char *cmd, const char *path, int e)
{
	switch (e) {
	case EEXIST:
		session_reply(s, "%s NO [ALREADYEXISTS] Mailbox already exists", tag);
		break;
	case ENOENT:
		session_reply(s, "%s NO [NONEXISTENT] No such mailbox", tag);
		break;
	case ENOTDIR:
		session_reply(s, "%s NO [CANNOT] A part of the name is a file, not a folder", tag);
		break;
	case ELOOP:
		session_reply(s,
		              "%s NO [CANNOT] A part of the name is a symbolic link, which is "
		              "never followed",
		              tag);
		break;
	case EINVAL:
		session_reply(s,
		              "%s NO [CANNOT] Invalid name for a new folder: nmh takes a name "
		              "of digits alone for a message, and control characters are refused",
		              tag);
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		session_reply(s, "%s NO [NOPERM] Permission denied", tag);
		break;
	case ENOSPC:
	case EDQUOT:
		session_reply(s, "%s NO [OVERQUOTA] No space left for the mail", tag);
		break;
	case ENAMETOOLONG:
		session_reply(s, "%s NO [LIMIT] Mailbox name too long", tag);
		break;
	default:
		log_warn("unable to %s folder %s: %s", cmd, path, strerror(e));
		session_reply(s, "%s NO [SERVERBUG] Unable to %s the mailbox: %s", tag, cmd,
		              strerror(e));
		break;
	}
}

static void refuse_in_use(struct session *s, const char *tag)
{
	session_reply(s,
	              "%s NO [INUSE] The mailbox, or one below it, is selected by a session: "
	              "close it there first",
	              tag);
}

void cmd_create(struct session *s, const char *tag, struct imap_cur *c)
{
	char *name, path[MH_NAME_MAX_BYTES + 1], imap[MH_NAME_MAX_BYTES + 1];
	size_t n;
	if (!imap_p_astring(c, &name, &n) || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected CREATE mailbox", tag);
		return;
	}
	/* A trailing "/" says that children will follow (RFC 3501 6.3.3): the
	 * folder itself is made, as any MH folder can hold both. */
	if (n > 1 && name[n - 1] == '/')
		n--;
	if (!mailbox_arg(s, tag, name, n, path, imap))
		return;
	if (!strcmp(path, "inbox")) {
		session_reply(s, "%s NO [ALREADYEXISTS] INBOX always exists", tag);
		return;
	}
	if (!mh_tree_create(cfg.rootfd, path)) {
		refuse(s, tag, "create", path, errno);
		return;
	}
	session_reply(s, "%s OK CREATE completed", tag);
}

void cmd_delete(struct session *s, const char *tag, struct imap_cur *c)
{
	char *name, path[MH_NAME_MAX_BYTES + 1], imap[MH_NAME_MAX_BYTES + 1];
	size_t n, unknown;
	int kept;
	if (!imap_p_astring(c, &name, &n) || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected DELETE mailbox", tag);
		return;
	}
	if (!mailbox_arg(s, tag, name, n, path, imap))
		return;
	if (!strcmp(path, "inbox")) {
		session_reply(s, "%s NO [CANNOT] INBOX cannot be deleted", tag);
		return;
	}
	if (folder_in_use(path)) {
		refuse_in_use(s, tag);
		return;
	}
	/* Its state file goes with the messages, so that a folder created
	 * again under this name gets a new UIDVALIDITY. */
	if (!mh_tree_delete(cfg.rootfd, path, &kept, &unknown)) {
		if (errno == ENOTEMPTY && unknown)
			session_reply(s,
			              "%s NO [CANNOT] The mailbox holds %zu file%s that are not "
			              "mail (nor nmh's or asimap's): nothing was deleted",
			              tag, unknown, unknown == 1 ? "" : "s");
		else if (errno == ENOTEMPTY)
			session_reply(s,
			              "%s NO [INUSE] Files arrived in the mailbox while it was "
			              "deleted: its messages are gone, the folder stays",
			              tag);
		else
			refuse(s, tag, "delete", path, errno == ENOTDIR ? ENOENT : errno);
		return;
	}
	if (kept)
		session_reply(s,
		              "%s OK DELETE completed: messages removed; the folder stays "
		              "because it has subfolders",
		              tag);
	else
		session_reply(s, "%s OK DELETE completed", tag);
}

/* Tell the supervisor's state of folder path that its files changed, so
 * that its state file and every session on it follow now. */
static void refresh(const char *path)
{
	struct folder *f = folder_open(path, cfg.unseen);
	if (!f)
		return;
	f->dirty = 1;
	folder_check(f, cfg.unseen);
	folder_close(f);
}

/* RENAME INBOX (RFC 3501 6.3.5): every message of INBOX moves to the new
 * folder with its number and, through .mh_sequences, its flags; INBOX
 * stays, empty, with its subfolders.  INBOX keeps its UIDVALIDITY and
 * UIDNEXT (its messages are simply expunged), so it may be selected by
 * sessions meanwhile: they see EXPUNGE. */
static void rename_inbox(struct session *s, const char *tag, const char *to)
{
	size_t moved;
	if (!mh_tree_create(cfg.rootfd, to)) {
		refuse(s, tag, "create", to, errno);
		return;
	}
	int ok = mh_tree_move_messages(cfg.rootfd, "inbox", to, &moved) || errno == ENOENT;
	int e = errno;
	refresh("inbox");
	if (!ok) {
		log_warn("unable to move the messages of inbox to %s: %s", to, strerror(e));
		session_reply(s, "%s NO [SERVERBUG] Moved %zu messages, then failed: %s", tag,
		              moved, strerror(e));
		return;
	}
	session_reply(s, "%s OK RENAME completed", tag);
}

void cmd_rename(struct session *s, const char *tag, struct imap_cur *c)
{
	char *a, *b;
	size_t an, bn;
	char from[MH_NAME_MAX_BYTES + 1], to[MH_NAME_MAX_BYTES + 1];
	char ifrom[MH_NAME_MAX_BYTES + 1], ito[MH_NAME_MAX_BYTES + 1];
	if (!imap_p_astring(c, &a, &an) || !imap_p_sp(c) || !imap_p_astring(c, &b, &bn) ||
	    !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected RENAME mailbox new-name", tag);
		return;
	}
	if (!mailbox_arg(s, tag, a, an, from, ifrom) || !mailbox_arg(s, tag, b, bn, to, ito))
		return;
	size_t fn = strlen(from);
	if (!strcmp(to, "inbox") || !strcmp(to, from)) {
		session_reply(s, "%s NO [ALREADYEXISTS] The new name exists", tag);
		return;
	}
	if (!strncmp(to, from, fn) && to[fn] == '/' && strcmp(from, "inbox")) {
		session_reply(s, "%s NO [CANNOT] A mailbox cannot move inside itself", tag);
		return;
	}
	if (folder_in_use(to)) {
		refuse_in_use(s, tag);
		return;
	}
	if (!strcmp(from, "inbox")) {
		rename_inbox(s, tag, to);
		return;
	}
	if (folder_in_use(from)) {
		refuse_in_use(s, tag);
		return;
	}
	if (!mh_tree_rename(cfg.rootfd, from, to)) {
		refuse(s, tag, "rename", from, errno);
		return;
	}
	/* Subscriptions follow the folder and its subfolders. */
	if (!mh_subs_move(cfg.rootfd, ifrom, ito))
		log_warn("unable to move the subscriptions of %s to %s: %s", from, to,
		         strerror(errno));
	session_reply(s, "%s OK RENAME completed", tag);
}

/* A name need not exist to be subscribed (RFC 3501 6.3.6 allows either). */
void cmd_subscribe(struct session *s, const char *tag, struct imap_cur *c, int on)
{
	char *name, path[MH_NAME_MAX_BYTES + 1], imap[MH_NAME_MAX_BYTES + 1];
	size_t n;
	const char *cmd = on ? "SUBSCRIBE" : "UNSUBSCRIBE";
	if (!imap_p_astring(c, &name, &n) || !imap_p_end(c)) {
		session_reply(s, "%s BAD Expected %s mailbox", tag, cmd);
		return;
	}
	if (!mailbox_arg(s, tag, name, n, path, imap))
		return;
	if (!mh_subs_set(cfg.rootfd, imap, on)) {
		if (errno == EINVAL)
			session_reply(s, "%s NO [CANNOT] Invalid mailbox name", tag);
		else if (errno == E2BIG)
			session_reply(s, "%s NO [LIMIT] Too many subscriptions", tag);
		else {
			log_warn("unable to update the subscriptions: %s", strerror(errno));
			session_reply(s, "%s NO [SERVERBUG] Unable to update the subscriptions: %s",
			              tag, strerror(errno));
		}
		return;
	}
	session_reply(s, "%s OK %s completed", tag, cmd);
}
