#include "dbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

char *dbuf_reserve(struct dbuf *b, size_t n)
{
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len >= n)
		return b->p + b->len;
	/* Reclaim consumed space before growing. */
	if (b->off) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= n)
			return b->p + b->len;
	}
	if (n > SIZE_MAX / 2 - b->len) {
		errno = ENOMEM;
		return NULL;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	b->p = p;
	b->cap = cap;
	return b->p + b->len;
}

void dbuf_commit(struct dbuf *b, size_t n)
{
	b->len += n;
}

int dbuf_put(struct dbuf *b, const void *s, size_t n)
{
	char *d = dbuf_reserve(b, n);
	if (!d)
		return 0;
	if (n)
		memcpy(d, s, n);
	b->len += n;
	return 1;
}

int dbuf_puts(struct dbuf *b, const char *s)
{
	return dbuf_put(b, s, strlen(s));
}

int dbuf_put_num(struct dbuf *b, const char *prefix, unsigned long long v)
{
	char d[20], *e = d + sizeof d, *p = e;
	size_t n = strlen(prefix);
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	char *o = dbuf_reserve(b, n + (size_t)(e - p));
	if (!o)
		return 0;
	memcpy(o, prefix, n);
	memcpy(o + n, p, (size_t)(e - p));
	dbuf_commit(b, n + (size_t)(e - p));
	return 1;
}

int dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if ((size_t)n < sizeof small)
		return dbuf_put(b, small, (size_t)n);
	char *d = dbuf_reserve(b, (size_t)n + 1);
	if (!d)
		return 0;
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 1;
}

void dbuf_consume(struct dbuf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void dbuf_clear(struct dbuf *b)
{
	b->off = b->len = 0;
}

void dbuf_free(struct dbuf *b, int wipe)
{
	if (b->p && wipe)
		sodium_memzero(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->off = b->len = b->cap = 0;
}
