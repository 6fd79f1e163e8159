/* The pre-auth conversation: greeting, CAPABILITY, NOOP, ID, STARTTLS,
 * LOGIN, AUTHENTICATE PLAIN, LOGOUT.  Linear, with fixed buffers and a
 * deadline on every read and write. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "accept.h"
#include "imap_parse.h"
#include "log.h"

static char cmdbuf[PREAUTH_COMMAND_MAX];

int reply(struct accept_state *st, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if ((size_t)n > sizeof line - 3)
		n = (int)sizeof line - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	return conn_write(&st->conn, line, (size_t)n);
}

static int tls_on(const struct accept_state *st)
{
	return st->conn.ssl != NULL;
}

/* May the client send a password now? */
static int login_allowed(const struct accept_state *st)
{
	return tls_on(st) || st->cfg->loopback;
}

static void capabilities(const struct accept_state *st, char *out, size_t n)
{
	snprintf(out, n, "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE%s%s",
	         !tls_on(st) && st->ctx ? " STARTTLS" : "",
	         login_allowed(st) ? " AUTH=PLAIN" : " LOGINDISABLED");
}

/* Read the next command into the reader.  Returns 1 with a command, 0
 * when the connection is over (answered with BYE where possible). */
static int next_command(struct accept_state *st, struct imap_reader *rd)
{
	imap_reader_reset(rd);
	for (;;) {
		if (st->in_off == st->in_len) {
			ssize_t n = conn_read(&st->conn, st->in, sizeof st->in);
			if (n < 0) {
				reply(st, "* BYE Autologout; idle for too long");
				log_info("closing idle connection from %s", st->cfg->remote_ip);
			}
			if (n <= 0)
				return 0;
			st->in_off = 0;
			st->in_len = (size_t)n;
		}
		enum imap_rd_status s;
		st->in_off +=
		    imap_reader_feed(rd, st->in + st->in_off, st->in_len - st->in_off, &s);
		switch (s) {
		case IMAP_RD_MORE:
			break;
		case IMAP_RD_COMMAND:
			return 1;
		case IMAP_RD_CONTINUE:
			if (!reply(st, "+ Ready for literal data"))
				return 0;
			break;
		case IMAP_RD_LINE_TOO_LONG:
			reply(st, "* BYE Line too long");
			log_info("closing connection from %s: line too long", st->cfg->remote_ip);
			return 0;
		case IMAP_RD_LITERAL_TOO_BIG:
			reply(st, "* BYE Literal too large before login");
			log_info("closing connection from %s: literal of %llu bytes",
			         st->cfg->remote_ip, (unsigned long long)rd->lit_size);
			return 0;
		case IMAP_RD_LITERAL: /* ask mode only, which pre-auth does not use */
		case IMAP_RD_DATA:
		case IMAP_RD_SKIPPED:
			return 0;
		}
	}
}

static void do_starttls(struct accept_state *st, const char *tag)
{
	if (tls_on(st) || !st->ctx) {
		reply(st, "%s BAD TLS is %s", tag, tls_on(st) ? "already active" : "not available");
		return;
	}
	reply(st, "%s OK Begin TLS negotiation now", tag);
	/* Plaintext sent after STARTTLS must not be read as if protected. */
	st->in_off = st->in_len = 0;
	if (!conn_starttls(&st->conn, st->ctx)) {
		log_info("TLS handshake failed with %s", st->cfg->remote_ip);
		st->conn.ssl = NULL; /* never write plaintext into a half TLS stream */
		st->conn.wfd = -1;
	}
}

/* AUTHENTICATE PLAIN: message is [authzid] NUL authcid NUL passwd. */
static int sasl_plain(struct accept_state *st, const char *tag, const char *b64, size_t len)
{
	static unsigned char raw[PREAUTH_COMMAND_MAX];
	int ok = 0, code = -1;
	if (len == 1 && b64[0] == '=')
		len = 0; /* SASL-IR's empty response */
	size_t n = 0;
	if (len % 4 == 0 && len / 4 * 3 <= sizeof raw &&
	    sodium_base642bin(raw, sizeof raw, b64, len, NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) == 0) {
		unsigned char *z1 = memchr(raw, 0, n);
		unsigned char *z2 = z1 ? memchr(z1 + 1, 0, n - (size_t)(z1 + 1 - raw)) : NULL;
		if (z2) {
			size_t zlen = (size_t)(z1 - raw), ulen = (size_t)(z2 - z1 - 1);
			ok = 1;
			if (zlen && (zlen != ulen || memcmp(raw, z1 + 1, ulen)))
				reply(st, "%s NO [AUTHORIZATIONFAILED] Cannot act as another user",
				      tag);
			else
				code = login_attempt(st, tag, (char *)z1 + 1, ulen, (char *)z2 + 1,
				                     n - (size_t)(z2 + 1 - raw));
		}
	}
	if (!ok)
		reply(st, "%s BAD Malformed AUTHENTICATE PLAIN response", tag);
	sodium_memzero(raw, sizeof raw);
	return code;
}

static int do_authenticate(struct accept_state *st, struct imap_reader *rd, const char *tag,
                           struct imap_cur *c)
{
	char *mech, *ir = NULL;
	size_t mlen, irlen = 0;
	if (!imap_p_sp(c) || !imap_p_atom(c, &mech, &mlen) ||
	    (imap_p_sp(c) && !imap_p_atom(c, &ir, &irlen)) || !imap_p_end(c)) {
		reply(st, "%s BAD Expected AUTHENTICATE mechanism [initial-response]", tag);
		return -1;
	}
	if (mlen != 5 || strncasecmp(mech, "PLAIN", 5)) {
		reply(st, "%s NO Unsupported authentication mechanism", tag);
		return -1;
	}
	if (!login_allowed(st)) {
		reply(st, "%s NO [PRIVACYREQUIRED] Use STARTTLS first", tag);
		return -1;
	}
	if (ir)
		return sasl_plain(st, tag, ir, irlen);
	char savetag[HANDOFF_TAG_COPY];
	snprintf(savetag, sizeof savetag, "%s", tag);
	if (!reply(st, "+ ") || !next_command(st, rd))
		return 0;
	if (rd->len == 1 && rd->cmd[0] == '*') {
		reply(st, "%s BAD Authentication cancelled", savetag);
		return -1;
	}
	return sasl_plain(st, savetag, rd->cmd, rd->len);
}

static int do_login(struct accept_state *st, const char *tag, struct imap_cur *c)
{
	char *u, *p;
	size_t ulen, plen;
	if (!imap_p_sp(c) || !imap_p_astring(c, &u, &ulen) || !imap_p_sp(c) ||
	    !imap_p_astring(c, &p, &plen) || !imap_p_end(c)) {
		reply(st, "%s BAD Expected LOGIN userid password", tag);
		return -1;
	}
	if (!login_allowed(st)) {
		reply(st, "%s NO [PRIVACYREQUIRED] Use STARTTLS first", tag);
		return -1;
	}
	return login_attempt(st, tag, u, ulen, p, plen);
}

/* One command.  Returns -1 to go on, or an exit code. */
static int dispatch(struct accept_state *st, struct imap_reader *rd)
{
	struct imap_cur c = {rd->cmd, rd->cmd + rd->len};
	char *t, *w, tag[HANDOFF_TAG_COPY], caps[256];
	size_t tlen, wlen;
	if (!imap_p_tag(&c, &t, &tlen) || tlen >= sizeof tag || !imap_p_sp(&c) ||
	    !imap_p_atom(&c, &w, &wlen)) {
		reply(st, "* BAD Expected a tag and a command");
		return -1;
	}
	memcpy(tag, t, tlen);
	tag[tlen] = 0;
	c.p = w;
	if (imap_p_word(&c, "CAPABILITY") && imap_p_end(&c)) {
		capabilities(st, caps, sizeof caps);
		reply(st, "* CAPABILITY %s", caps);
		reply(st, "%s OK CAPABILITY completed", tag);
	} else if (imap_p_word(&c, "NOOP") && imap_p_end(&c)) {
		reply(st, "%s OK NOOP completed", tag);
	} else if (imap_p_word(&c, "LOGOUT") && imap_p_end(&c)) {
		reply(st, "* BYE Logging out");
		reply(st, "%s OK LOGOUT completed", tag);
		return 0;
	} else if (imap_p_word(&c, "ID") && imap_p_sp(&c)) {
		reply(st, "* ID (\"name\" \"asimap\")");
		reply(st, "%s OK ID completed", tag);
	} else if (imap_p_word(&c, "STARTTLS") && imap_p_end(&c)) {
		do_starttls(st, tag);
		if (st->conn.wfd < 0)
			return 0;
	} else if (imap_p_word(&c, "LOGIN")) {
		return do_login(st, tag, &c);
	} else if (imap_p_word(&c, "AUTHENTICATE")) {
		return do_authenticate(st, rd, tag, &c);
	} else {
		reply(st, "%s BAD Unknown command or not valid before login", tag);
	}
	return -1;
}

static int serve(struct accept_state *st);

int preauth_serve(const struct accept_cfg *cfg)
{
	static struct accept_state st;
	st.cfg = cfg;
	int code = serve(&st);
	if (!st.handed_over && st.conn.wfd >= 0)
		conn_linger(&st.conn, PREAUTH_LINGER_MS);
	return code;
}

static int serve(struct accept_state *st)
{
	static struct imap_reader rd;
	char err[512], caps[256];
	const struct accept_cfg *cfg = st->cfg;
	conn_init(&st->conn, 0, 1, cfg->timeout_ms);
	/* However the client trickles, pre-auth ends: at most
	 * PREAUTH_TOTAL_TIMEOUTS idle periods in all. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	st->conn.deadline_ms = ts.tv_sec * 1000L + ts.tv_nsec / 1000000L +
	                       (long)cfg->timeout_ms * PREAUTH_TOTAL_TIMEOUTS;
	if (cfg->cert && *cfg->cert && cfg->key && *cfg->key) {
		st->ctx = tls_context(cfg->cert, cfg->key, err, sizeof err);
		if (!st->ctx)
			log_fatal(EXIT_USAGE, "%s", err);
	} else if (cfg->implicit_tls) {
		log_fatal(EXIT_USAGE, "unable to serve TLS: set SSL_CERT and SSL_KEY");
	}
	if (cfg->implicit_tls && !conn_starttls(&st->conn, st->ctx)) {
		log_info("TLS handshake failed with %s", cfg->remote_ip);
		return 0;
	}
	imap_reader_init(&rd, cmdbuf, sizeof cmdbuf, PREAUTH_LINE_MAX);
	capabilities(st, caps, sizeof caps);
	if (!reply(st, "* OK [CAPABILITY %s] asimap ready", caps))
		return 0;
	for (int n = 0;; n++) {
		if (n == PREAUTH_COMMANDS_MAX) {
			reply(st, "* BYE Too many commands before login");
			log_info("closing connection from %s: too many commands", cfg->remote_ip);
			return 0;
		}
		if (!next_command(st, &rd))
			return 0;
		int code = dispatch(st, &rd);
		sodium_memzero(cmdbuf, rd.len);
		if (code >= 0)
			return code;
	}
}
