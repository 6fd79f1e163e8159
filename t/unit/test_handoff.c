/* The hand-off message: a round trip over a real socketpair with fds. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "handoff.h"

int main(void)
{
	static struct handoff h, g;
	int sv[2], pair[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
	handoff_set(&h, HF_PROTO, "imap");
	handoff_set(&h, HF_USER, "u1");
	handoff_set(&h, HF_REMOTE_IP, "192.0.2.7");
	handoff_set(&h, HF_TLS, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	handoff_set(&h, HF_TAG, "a001");
	static char pending[HANDOFF_PENDING_MAX_BYTES];
	memset(pending, 'p', sizeof pending);
	h.pending = pending;
	h.pending_len = sizeof pending;
	h.fd_in = h.fd_out = pair[1];
	CHECK(handoff_send(sv[0], &h));

	struct dbuf b = DBUF_ZERO;
	int fds[2], nfds = 0, r = 0;
	while (r == 0) {
		CHECK(handoff_recv(sv[1], &b, fds, &nfds) == 1);
		r = handoff_decode(dbuf_data(&b), dbuf_live(&b), &g);
	}
	CHECK(r == 1 && nfds == 2);
	CHECK_STR(g.field[HF_USER], "u1");
	CHECK_STR(g.field[HF_TLS], "TLSv1.3 TLS_AES_256_GCM_SHA384");
	CHECK_STR(g.field[HF_TAG], "a001");
	CHECK_STR(g.field[HF_LOCAL_PORT], "");
	CHECK_MEM(g.pending, g.pending_len, pending, sizeof pending);
	/* The received fd is the same socket: bytes written to it arrive. */
	CHECK(write(fds[0], "hi", 2) == 2);
	char got[2];
	CHECK(read(pair[0], got, 2) == 2 && !memcmp(got, "hi", 2));
	CHECK((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);

	/* Truncations need more; corruptions are refused. */
	size_t len = dbuf_live(&b);
	char *copy = malloc(len);
	memcpy(copy, dbuf_data(&b), len);
	for (size_t i = 0; i < len; i += 997)
		CHECK(handoff_decode(copy, i, &g) == 0);
	copy[4] = 2; /* version */
	CHECK(handoff_decode(copy, len, &g) == -1);
	copy[4] = 1;
	copy[0] = 0x7f; /* length */
	CHECK(handoff_decode(copy, len, &g) == -1);
	free(copy);
	h.pending_len = sizeof pending + 1;
	CHECK(!handoff_send(sv[0], &h));
	dbuf_free(&b, 0);
	return check_done("test_handoff");
}
