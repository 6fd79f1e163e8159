/* dbuf: a growable byte buffer used for output queues and assembled data. */
#ifndef ASIMAP_DBUF_H
#define ASIMAP_DBUF_H
#include <stddef.h>

/* Bytes [off, len) of p are live; [0, off) were already consumed. */
struct dbuf {
	char *p;
	size_t off, len, cap;
};

#define DBUF_ZERO                                                                                  \
	{                                                                                          \
		0, 0, 0, 0                                                                         \
	}

/* Append n bytes.  Returns 1, or 0 with errno ENOMEM (b unchanged). */
int dbuf_put(struct dbuf *b, const void *s, size_t n);
/* Append a NUL-terminated string (without the NUL).  Returns as dbuf_put. */
int dbuf_puts(struct dbuf *b, const char *s);
/* Append prefix (NUL-terminated), then v in decimal, as the hot loops of
 * FETCH do (printf costs several times more).  Returns as dbuf_put. */
int dbuf_put_num(struct dbuf *b, const char *prefix, unsigned long long v);
/* Append formatted text.  Returns as dbuf_put. */
int dbuf_printf(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes; returns a pointer to them (commit with
 * dbuf_commit), or NULL with errno ENOMEM. */
char *dbuf_reserve(struct dbuf *b, size_t n);
void dbuf_commit(struct dbuf *b, size_t n);
/* Number of live bytes and a pointer to them. */
static inline size_t dbuf_live(const struct dbuf *b)
{
	return b->len - b->off;
}
static inline const char *dbuf_data(const struct dbuf *b)
{
	return b->p + b->off;
}
/* Drop n live bytes from the front (n <= dbuf_live). */
void dbuf_consume(struct dbuf *b, size_t n);
/* Forget all content; keeps the memory. */
void dbuf_clear(struct dbuf *b);
/* Release the memory, wiping it first when wipe is set. */
void dbuf_free(struct dbuf *b, int wipe);

#endif
