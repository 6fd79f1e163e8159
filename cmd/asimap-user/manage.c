/* Mailbox management: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE. */
#include "user.h"

void cmd_create(struct session *s, const char *tag, struct imap_cur *c)
{
	(void)c;
	session_reply(s, "%s NO [CANNOT] CREATE is not available yet", tag);
}

void cmd_delete(struct session *s, const char *tag, struct imap_cur *c)
{
	(void)c;
	session_reply(s, "%s NO [CANNOT] DELETE is not available yet", tag);
}

void cmd_rename(struct session *s, const char *tag, struct imap_cur *c)
{
	(void)c;
	session_reply(s, "%s NO [CANNOT] RENAME is not available yet", tag);
}

void cmd_subscribe(struct session *s, const char *tag, struct imap_cur *c, int on)
{
	(void)c;
	session_reply(s, "%s NO [CANNOT] %sSUBSCRIBE is not available yet", tag, on ? "" : "UN");
}
