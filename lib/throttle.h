/* throttle: failed-login counters shared by every per-connection process,
 * one small file per key under a directory (the rundir's "throttle/"), so
 * that reconnecting does not reset them. */
#ifndef ASIMAP_THROTTLE_H
#define ASIMAP_THROTTLE_H

/* Returns 1 when key has had max or more failures in the window that
 * started with its first counted failure less than window_s seconds ago,
 * 0 otherwise (also when the state cannot be read: throttling must not
 * lock everyone out because of a full disk). */
int throttle_blocked(const char *dir, const char *key, int max, int window_s);
/* Count one failure for key.  Returns 1, or 0 with errno set. */
int throttle_fail(const char *dir, const char *key, int window_s);
/* Forget key's failures (after a successful login). */
void throttle_clear(const char *dir, const char *key);

#endif
