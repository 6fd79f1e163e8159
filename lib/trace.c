#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dbuf.h"
#include "rendezvous.h"

static int trace_fd = -1;
static double trace_last;

int trace_open(const char *dir, const char *user)
{
	char name[RENDEZVOUS_NAME_MAX], path[4096];
	rendezvous_name(user, name);
	if (snprintf(path, sizeof path, "%s/%s.trace", dir, name) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return 0;
	}
	trace_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return trace_fd >= 0;
}

int trace_on(void)
{
	return trace_fd >= 0;
}

static void json_string(struct dbuf *b, const char *s, size_t n)
{
	dbuf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			dbuf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			dbuf_printf(b, "\\u%04x", c); /* bytes, not UTF-8: keep it lossless */
		else
			dbuf_put(b, s + i, 1);
	}
	dbuf_put(b, "\"", 1);
}

void trace_event(unsigned id, const char *remote, const char *type, const char *data, size_t n)
{
	static struct dbuf b;
	if (trace_fd < 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	double delta = trace_last ? now - trace_last : 0;
	trace_last = now;
	dbuf_clear(&b);
	dbuf_printf(&b, "{\"connection\": %u, \"remote\": ", id);
	json_string(&b, remote, strlen(remote));
	dbuf_printf(&b, ", \"msg_type\": \"%s\", \"data\": ", type);
	json_string(&b, data, n);
	dbuf_printf(&b,
	            ", \"trace_time\": %.6f, \"trace_delta_time\": %.6f, \"protocol\": \"IMAP\"}\n",
	            now, delta);
	ssize_t w = write(trace_fd, dbuf_data(&b), dbuf_live(&b));
	(void)w;
}
