/* asimap-accept: the IMAP front end of one connection (pre-auth). */
#ifndef ASIMAP_ACCEPT_H
#define ASIMAP_ACCEPT_H
#include <stddef.h>

#include "handoff.h"
#include "tls.h"

#define PREAUTH_LINE_MAX 8192     /* bytes of one pre-auth line */
#define PREAUTH_COMMAND_MAX 16384 /* bytes of one command, literals included */
#define PREAUTH_COMMANDS_MAX 50   /* commands before login */
#define PREAUTH_TIMEOUT_MS 60000  /* idle time allowed before login */
#define PREAUTH_TOTAL_TIMEOUTS 3  /* the whole of pre-auth, in idle periods */
#define PREAUTH_LINGER_MS 2000    /* reading what a refused client still sends */
#define HANDOFF_TAG_COPY 256      /* longest tag we keep */

struct accept_cfg {
	const char *cert, *key, *pwfile, *rundir, *user_bin;
	int implicit_tls;
	int timeout_ms;
	int fails_user, fails_addr, fail_window_s, fail_delay_ms;
	const char *remote_ip, *remote_port, *local_ip, *local_port;
	int loopback; /* the client is on a loopback address */
};

struct accept_state {
	const struct accept_cfg *cfg;
	struct conn conn;
	SSL_CTX *ctx;
	/* bytes read from the client but not yet parsed */
	char in[PREAUTH_COMMAND_MAX];
	size_t in_off, in_len;
	int handed_over; /* the supervisor owns the connection now */
};

/* Serve one connection to the end.  Returns the exit code. */
int preauth_serve(const struct accept_cfg *cfg);
/* Check user/password; on success hand the connection over (and, for
 * TLS, relay it) and return the exit code to exit with; on failure answer
 * the tag and return -1 so that the pre-auth loop goes on. */
int login_attempt(struct accept_state *st, const char *tag, const char *user, size_t ulen,
                  const char *pw, size_t pwlen);
/* Send a line (CRLF added).  Returns 1, or 0 when the client is gone. */
int reply(struct accept_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
