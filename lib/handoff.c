#include "handoff.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void handoff_set(struct handoff *h, int i, const char *s)
{
	size_t n = strlen(s);
	if (n > HANDOFF_FIELD_MAX_BYTES)
		n = HANDOFF_FIELD_MAX_BYTES;
	memcpy(h->field[i], s, n);
	h->field[i][n] = 0;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int send_all(int sock, const unsigned char *p, size_t n, const int *fds)
{
	char ctl[CMSG_SPACE(2 * sizeof(int))];
	int first = 1;
	while (n) {
		struct iovec iov = {(void *)(uintptr_t)p, n};
		struct msghdr m = {0};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		if (first) {
			memset(ctl, 0, sizeof ctl);
			m.msg_control = ctl;
			m.msg_controllen = sizeof ctl;
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(2 * sizeof(int));
			memcpy(CMSG_DATA(c), fds, 2 * sizeof(int));
		}
		ssize_t w = sendmsg(sock, &m, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		first = 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

int handoff_send(int sock, const struct handoff *h)
{
	static unsigned char msg[4 + HANDOFF_MAX_BYTES];
	if (h->pending_len > HANDOFF_PENDING_MAX_BYTES) {
		errno = EMSGSIZE;
		return 0;
	}
	size_t n = 4;
	msg[n++] = HANDOFF_VERSION;
	for (int i = 0; i < HF_COUNT; i++) {
		size_t l = strlen(h->field[i]);
		msg[n++] = (unsigned char)(l >> 8);
		msg[n++] = (unsigned char)l;
		memcpy(msg + n, h->field[i], l);
		n += l;
	}
	put32(msg + n, (uint32_t)h->pending_len);
	n += 4;
	if (h->pending_len)
		memcpy(msg + n, h->pending, h->pending_len);
	n += h->pending_len;
	put32(msg, (uint32_t)(n - 4));
	int fds[2] = {h->fd_in, h->fd_out};
	return send_all(sock, msg, n, fds);
}

static void take_fds(struct msghdr *m, int fds[2], int *nfds)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (*nfds < 2)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

int handoff_recv(int sock, struct dbuf *b, int fds[2], int *nfds)
{
	size_t live = dbuf_live(b);
	if (live >= 4 + HANDOFF_MAX_BYTES) {
		errno = EMSGSIZE;
		return -1;
	}
	size_t want = 4 + HANDOFF_MAX_BYTES - live;
	char *d = dbuf_reserve(b, want);
	if (!d)
		return -1;
	char ctl[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = {d, want};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	ssize_t r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (r < 0)
		return -1;
	take_fds(&m, fds, nfds);
	if (m.msg_flags & MSG_CTRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	if (r == 0)
		return 0;
	dbuf_commit(b, (size_t)r);
	return 1;
}

int handoff_decode(const char *buf, size_t len, struct handoff *h)
{
	const unsigned char *p = (const unsigned char *)buf;
	if (len < 4)
		return 0;
	uint32_t total = get32(p);
	if (total > HANDOFF_MAX_BYTES || total < 1)
		return -1;
	if (len - 4 < total)
		return 0;
	if (len - 4 > total)
		return -1; /* one message per connection */
	const unsigned char *q = p + 4, *end = q + total;
	if (*q++ != HANDOFF_VERSION)
		return -1;
	for (int i = 0; i < HF_COUNT; i++) {
		if (end - q < 2)
			return -1;
		size_t l = (size_t)q[0] << 8 | q[1];
		q += 2;
		if (l > HANDOFF_FIELD_MAX_BYTES || (size_t)(end - q) < l || memchr(q, 0, l))
			return -1;
		memcpy(h->field[i], q, l);
		h->field[i][l] = 0;
		q += l;
	}
	if (end - q < 4)
		return -1;
	uint32_t pl = get32(q);
	q += 4;
	if (pl > HANDOFF_PENDING_MAX_BYTES || (size_t)(end - q) != pl)
		return -1;
	h->pending = (const char *)q;
	h->pending_len = pl;
	return 1;
}
