/* tls: a client connection on two fds (UCSPI's 0 and 1), plaintext or
 * TLS through OpenSSL, with deadlines on every read and write; and the
 * relay that keeps a TLS connection going after the hand-off. */
#ifndef ASIMAP_TLS_H
#define ASIMAP_TLS_H
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

struct conn {
	int rfd, wfd;
	SSL *ssl;         /* NULL while plaintext */
	int timeout_ms;   /* for each read and each write */
	long deadline_ms; /* CLOCK_MONOTONIC ms after which every call fails; 0: none */
};

/* Make a server context: TLS 1.2 or later, certificate chain and key
 * from files.  Returns NULL and writes why into err (errlen bytes). */
SSL_CTX *tls_context(const char *cert, const char *key, char *err, size_t errlen);
/* Put the fds in non-blocking mode and start plaintext, with no overall
 * deadline (set c->deadline_ms for one). */
void conn_init(struct conn *c, int rfd, int wfd, int timeout_ms);
/* Run the server side of a TLS handshake on c.  Returns 1, or 0 on
 * failure or deadline. */
int conn_starttls(struct conn *c, SSL_CTX *ctx);
/* Read up to n bytes.  Returns the count, 0 at end of stream or deadline,
 * -1 on error (errno ETIMEDOUT at the deadline). */
ssize_t conn_read(struct conn *c, void *buf, size_t n);
/* Write all n bytes.  Returns 1, or 0 on error or deadline. */
int conn_write(struct conn *c, const void *buf, size_t n);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" for the hand-off, "" when plaintext. */
void conn_tls_desc(const struct conn *c, char *out, size_t outlen);
/* Close the client side gently: TLS close_notify, shut down writing, then
 * read and discard what the client still sends, until it closes or for
 * linger_ms (and at most CONN_LINGER_MAX_BYTES), so that the kernel does
 * not answer unread input with a reset that destroys our last words. */
#define CONN_LINGER_MAX_BYTES (64 << 20)
void conn_linger(struct conn *c, int linger_ms);
/* Relay between c (TLS) and the plaintext socket sp until either side
 * closes, the peer is idle for idle_ms, or an error.  Returns when done. */
void tls_pump(struct conn *c, int sp, int idle_ms);

#endif
