/* handoff: the message a front end sends to a user's supervisor to pass
 * one logged-in connection (DESIGN.md, "Connection hand-off").
 *
 * Wire form, version 1, on a Unix stream socket:
 *   u32 length of what follows (big-endian, at most HANDOFF_MAX_BYTES)
 *   u8  version (1)
 *   8 x (u16 length, bytes): protocol, user, remote ip, remote port,
 *       local ip, local port, tls ("" when plaintext, else "version cipher"),
 *       tag of the LOGIN command
 *   u32 length, bytes: what the client sent after the login command
 * with two descriptors attached by SCM_RIGHTS to the first byte: the
 * connection to read from and the one to write to (the same socket twice
 * for plaintext, or one end of a socketpair when the front end relays TLS).
 * The supervisor answers one byte, HANDOFF_ACK, once it owns the connection;
 * from then on it alone writes to the client. */
#ifndef ASIMAP_HANDOFF_H
#define ASIMAP_HANDOFF_H
#include <stddef.h>

#include "dbuf.h"

#define HANDOFF_VERSION 1
#define HANDOFF_FIELD_MAX_BYTES 255
#define HANDOFF_PENDING_MAX_BYTES 65536
#define HANDOFF_MAX_BYTES (1 + 8 * (2 + HANDOFF_FIELD_MAX_BYTES) + 4 + HANDOFF_PENDING_MAX_BYTES)
#define HANDOFF_ACK 'K'

enum {
	HF_PROTO,
	HF_USER,
	HF_REMOTE_IP,
	HF_REMOTE_PORT,
	HF_LOCAL_IP,
	HF_LOCAL_PORT,
	HF_TLS,
	HF_TAG,
	HF_COUNT
};

struct handoff {
	char field[HF_COUNT][HANDOFF_FIELD_MAX_BYTES + 1]; /* NUL-terminated */
	const char
	    *pending; /* bytes after the login command; points into the buffer decoded from */
	size_t pending_len;
	int fd_in, fd_out;
};

/* Set field i to s, truncated to HANDOFF_FIELD_MAX_BYTES. */
void handoff_set(struct handoff *h, int i, const char *s);
/* Send h (with h->fd_in and h->fd_out) on the blocking socket sock.
 * Returns 1, or 0 with errno set (EMSGSIZE when pending is too long). */
int handoff_send(int sock, const struct handoff *h);
/* Read what is available on the non-blocking socket sock into b, keeping
 * received descriptors in fds[0..*nfds) (at most 2; extras are closed).
 * Returns 1 when data arrived, 0 at end of stream, -1 with errno (EAGAIN
 * when nothing is there yet). */
int handoff_recv(int sock, struct dbuf *b, int fds[2], int *nfds);
/* Decode a message from buf.  Returns 1 when complete (h filled, pending
 * points into buf), 0 when more bytes are needed, -1 when malformed. */
int handoff_decode(const char *buf, size_t len, struct handoff *h);

#endif
