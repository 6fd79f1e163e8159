/* ENVELOPE (RFC 3501 7.4.2). */
#include "envelope.h"

#include <errno.h>
#include <string.h>

#include "imap_write.h"
#include "mime_lex.h"

int envelope_w_human(struct dbuf *b, const char *s, size_t n)
{
	struct dbuf t = DBUF_ZERO;
	int blank = 1, ok = 1;
	for (size_t i = 0; i < n && ok; i++) {
		char c = s[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == ' ' || c == '\t') {
			if (!blank)
				ok = dbuf_put(&t, " ", 1);
			blank = 1;
			continue;
		}
		ok = dbuf_put(&t, c ? &c : "\x80", 1);
		blank = 0;
	}
	if (blank)
		mime_lex_trunc(&t, dbuf_live(&t) ? dbuf_live(&t) - 1 : 0);
	ok = ok && imap_w_string(b, mime_buf(&t), dbuf_live(&t));
	dbuf_free(&t, 0);
	if (!ok)
		errno = ENOMEM;
	return ok;
}

static size_t capped(const struct mime_field *f)
{
	size_t n = f->val_end - f->val;
	return n > MIME_FIELD_MAX_BYTES ? MIME_FIELD_MAX_BYTES : n;
}

/* The last field called name, as an nstring: line ends dropped, or for
 * the subject cleaned for humans. */
static int w_last(struct dbuf *b, const char *hdr, size_t len, const char *name, int human)
{
	struct mime_field f, last;
	size_t pos = 0;
	int found = 0;
	while (mime_field_next(hdr, len, &pos, &f))
		if (mime_field_is(hdr, &f, name)) {
			last = f;
			found = 1;
		}
	if (!found)
		return dbuf_put(b, "NIL", 3);
	struct dbuf t = DBUF_ZERO;
	struct mime_lex lx = {NULL, NULL, NULL, 0};
	if (human)
		mime_lex_put(&lx, &t, hdr + last.val, capped(&last));
	else
		mime_put_nolf(&lx, &t, hdr + last.val, capped(&last));
	int ok = !lx.oom && (human ? envelope_w_human(b, mime_buf(&t), dbuf_live(&t))
	                           : imap_w_string(b, mime_buf(&t), dbuf_live(&t)));
	dbuf_free(&t, 0);
	return ok;
}

/* Every address of the fields called name: 1 with some, 0 with none
 * (nothing written), -1 on ENOMEM. */
static int w_addrs(struct dbuf *b, const char *hdr, size_t len, const char *name)
{
	struct mime_field f;
	size_t pos = 0, start = dbuf_live(b);
	long n = 0;
	if (!dbuf_put(b, "(", 1))
		return -1;
	while (mime_field_next(hdr, len, &pos, &f)) {
		if (!mime_field_is(hdr, &f, name))
			continue;
		long k = envelope_addresses(b, hdr + f.val, capped(&f));
		if (k < 0)
			return -1;
		n += k;
	}
	if (!n) {
		mime_lex_trunc(b, start);
		return 0;
	}
	return dbuf_put(b, ")", 1) ? 1 : -1;
}

int envelope_write(struct dbuf *b, const char *hdr, size_t len)
{
	static const char *const addr[] = {"From", "Sender", "Reply-To", "To", "Cc", "Bcc"};
	int ok = dbuf_put(b, "(", 1) && w_last(b, hdr, len, "Date", 0) && dbuf_put(b, " ", 1) &&
	         w_last(b, hdr, len, "Subject", 1);
	for (size_t k = 0; ok && k < 6; k++) {
		int r = dbuf_put(b, " ", 1) ? w_addrs(b, hdr, len, addr[k]) : -1;
		if (r == 0 && (k == 1 || k == 2)) /* Sender, Reply-To: as From */
			r = w_addrs(b, hdr, len, "From");
		if (r == 0)
			r = dbuf_put(b, "NIL", 3) ? 1 : -1;
		ok = r > 0;
	}
	ok = ok && dbuf_put(b, " ", 1) && w_last(b, hdr, len, "In-Reply-To", 0) &&
	     dbuf_put(b, " ", 1) && w_last(b, hdr, len, "Message-ID", 0) && dbuf_put(b, ")", 1);
	if (!ok)
		errno = ENOMEM;
	return ok;
}
