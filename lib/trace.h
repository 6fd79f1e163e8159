/* trace: the post-login protocol of one user, one JSON object per line,
 * in the format of the original asimapd's --trace (fields connection,
 * remote, msg_type CONNECT/RECEIVED/SEND/CLOSE, data, trace_time,
 * trace_delta_time, protocol).  Off unless trace_open succeeded. */
#ifndef ASIMAP_TRACE_H
#define ASIMAP_TRACE_H
#include <stddef.h>

/* Start tracing into DIR/USER.trace (appending).  Returns 1, or 0 with
 * errno set (tracing stays off). */
int trace_open(const char *dir, const char *user);
int trace_on(void);
/* One event of connection id (a small number per session). */
void trace_event(unsigned id, const char *remote, const char *type, const char *data, size_t n);

#endif
