/* throttle: failed-login counters shared by every per-connection process,
 * one small file per key under a directory (the rundir's "throttle/"), so
 * that reconnecting does not reset them.
 *
 * Two ways to use a key.  Held: throttle_hold locks the key for the whole
 * of a password check, so that checks for one user run one at a time and
 * parallel guesses cannot all pass the limit, while parallel right
 * passwords all succeed (in turn).  Taken: throttle_take counts an attempt
 * in advance under a short lock (for keys like an address, shared by many
 * users, whose checks must not wait for each other); throttle_refund takes
 * it back after a success. */
#ifndef ASIMAP_THROTTLE_H
#define ASIMAP_THROTTLE_H

struct throttle {
	int fd; /* -1: the state could not be had; nothing is throttled */
	long count, start;
};

/* Lock key's counter, waiting at most timeout_ms for another check to end.
 * Returns 1 with t held, or 0 with errno (t->fd is -1 then; callers go on
 * unthrottled rather than lock everyone out over a full disk). */
int throttle_hold(struct throttle *t, const char *dir, const char *key, int timeout_ms);
/* Has a held key max or more failures in the window that started with its
 * first counted failure less than window_s seconds ago? */
int throttle_over(const struct throttle *t, int max, int window_s);
/* Count one failure on a held key (starting a new window when the last
 * one is over).  Returns 1, or 0 with errno. */
int throttle_fail(struct throttle *t, int window_s);
/* Forget a held key's failures (after a successful login). */
void throttle_reset(struct throttle *t);
/* Release a held key. */
void throttle_release(struct throttle *t);

/* Check and count in one step: 0 when key is over max (nothing counted),
 * 1 when the attempt was counted as a failure in advance (or the state
 * could not be had). */
int throttle_take(const char *dir, const char *key, int max, int window_s);
/* Take back one failure counted by throttle_take. */
void throttle_refund(const char *dir, const char *key);

#endif
