#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

SSL_CTX *tls_context(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		snprintf(err, errlen, "unable to create TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "unable to load certificate %s: %s", cert,
		         ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "unable to load key %s: %s", key,
		         ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void conn_init(struct conn *c, int rfd, int wfd, int timeout_ms)
{
	c->rfd = rfd;
	c->wfd = wfd;
	c->ssl = NULL;
	c->timeout_ms = timeout_ms;
	c->deadline_ms = 0;
	nonblock(rfd);
	nonblock(wfd);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until fd is ready for ev.  Returns 1, or 0 at the deadline. */
static int wait_fd(const struct conn *c, int fd, short ev)
{
	struct pollfd p = {fd, ev, 0};
	int ms = c->timeout_ms;
	if (c->deadline_ms) {
		long left = c->deadline_ms - now_ms();
		if (left < ms)
			ms = left < 0 ? 0 : (int)left;
	}
	for (;;) {
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		if (errno != EINTR)
			return 0;
	}
}

/* After an SSL call returned r: wait as it asks.  Returns 1 to retry. */
static int ssl_wait(struct conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c, c->rfd, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c, c->wfd, POLLOUT);
	default:
		return 0;
	}
}

int conn_starttls(struct conn *c, SSL_CTX *ctx)
{
	c->ssl = SSL_new(ctx);
	if (!c->ssl || !SSL_set_rfd(c->ssl, c->rfd) || !SSL_set_wfd(c->ssl, c->wfd))
		return 0;
	for (;;) {
		int r = SSL_accept(c->ssl);
		if (r == 1)
			return 1;
		if (!ssl_wait(c, r))
			return 0;
	}
}

ssize_t conn_read(struct conn *c, void *buf, size_t n)
{
	for (;;) {
		if (c->ssl) {
			size_t got;
			int r = SSL_read_ex(c->ssl, buf, n, &got);
			if (r == 1)
				return (ssize_t)got;
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (!ssl_wait(c, r))
				return errno == ETIMEDOUT ? -1 : 0;
			continue;
		}
		ssize_t r = read(c->rfd, buf, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !wait_fd(c, c->rfd, POLLIN))
			return -1;
	}
}

int conn_write(struct conn *c, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		if (c->ssl) {
			size_t w;
			int r = SSL_write_ex(c->ssl, p, n, &w);
			if (r == 1) {
				p += w;
				n -= w;
			} else if (!ssl_wait(c, r)) {
				return 0;
			}
			continue;
		}
		ssize_t w = write(c->wfd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EINTR &&
		           (errno != EAGAIN || !wait_fd(c, c->wfd, POLLOUT))) {
			return 0;
		}
	}
	return 1;
}

void conn_linger(struct conn *c, int linger_ms)
{
	if (c->ssl)
		SSL_shutdown(c->ssl);
	if (c->wfd >= 0)
		shutdown(c->wfd, SHUT_WR);
	static char sink[16384];
	long end = now_ms() + linger_ms;
	size_t total = 0;
	while (total < CONN_LINGER_MAX_BYTES) {
		long left = end - now_ms();
		struct pollfd p = {c->rfd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return;
		ssize_t n = read(c->rfd, sink, sizeof sink);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
		if (n > 0)
			total += (size_t)n;
	}
}

void conn_tls_desc(const struct conn *c, char *out, size_t outlen)
{
	if (!c->ssl) {
		out[0] = 0;
		return;
	}
	snprintf(out, outlen, "%s %s", SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
}

/* The pump: two one-way buffers. */
struct pipebuf {
	char b[16384];
	size_t off, len;
	int eof;
};

/* Network to socketpair.  Returns 0 when the network side is finished. */
static int pump_in(struct conn *c, int sp, struct pipebuf *in, int *want_net_write)
{
	while (!in->eof && in->len == 0) {
		size_t got;
		int r = SSL_read_ex(c->ssl, in->b, sizeof in->b, &got);
		if (r == 1) {
			in->off = 0;
			in->len = got;
			break;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_WANT_WRITE) {
			*want_net_write = 1;
			break;
		}
		in->eof = 1;
	}
	while (in->len) {
		ssize_t w = write(sp, in->b + in->off, in->len);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return 0;
		}
		in->off += (size_t)w;
		in->len -= (size_t)w;
	}
	return !(in->eof && in->len == 0);
}

/* Socketpair to network.  Returns 0 when the supervisor side is finished. */
static int pump_out(struct conn *c, int sp, struct pipebuf *out, int *want_net_read)
{
	for (;;) {
		if (out->len == 0 && !out->eof) {
			ssize_t r = read(sp, out->b, sizeof out->b);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return 1;
			if (r <= 0)
				out->eof = 1;
			else {
				out->off = 0;
				out->len = (size_t)r;
			}
		}
		if (out->len == 0)
			return !out->eof;
		size_t w;
		int r = SSL_write_ex(c->ssl, out->b + out->off, out->len, &w);
		if (r == 1) {
			out->off += w;
			out->len -= w;
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			*want_net_read = 1;
		else if (e != SSL_ERROR_WANT_WRITE)
			return 0;
		return 1;
	}
}

void tls_pump(struct conn *c, int sp, int idle_ms)
{
	static struct pipebuf in, out;
	nonblock(sp);
	for (;;) {
		int net_w = 0, net_r = 0;
		if (!pump_in(c, sp, &in, &net_w) || !pump_out(c, sp, &out, &net_r))
			break;
		if (SSL_pending(c->ssl) && in.len == 0)
			continue;
		struct pollfd p[3] = {{c->rfd, 0, 0}, {c->wfd, 0, 0}, {sp, 0, 0}};
		if (in.len == 0 || net_r)
			p[0].events |= POLLIN;
		if (out.len || net_w)
			p[1].events |= POLLOUT;
		if (in.len)
			p[2].events |= POLLOUT;
		if (out.len == 0)
			p[2].events |= POLLIN;
		int r = poll(p, 3, idle_ms);
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR)
			break;
	}
	shutdown(sp, SHUT_RDWR);
	conn_linger(c, 2000);
}
