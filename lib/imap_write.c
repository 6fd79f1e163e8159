#include "imap_write.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#define QUOTED_MAX_BYTES 1024

int imap_w_string(struct dbuf *b, const char *s, size_t n)
{
	int quotable = n <= QUOTED_MAX_BYTES;
	for (size_t i = 0; quotable && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		quotable = c && c != '\r' && c != '\n' && c < 0x80;
	}
	if (!quotable)
		return dbuf_printf(b, "{%zu}\r\n", n) && dbuf_put(b, s, n);
	char *d = dbuf_reserve(b, 2 * n + 2);
	if (!d)
		return 0;
	size_t k = 0;
	d[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			d[k++] = '\\';
		d[k++] = s[i];
	}
	d[k++] = '"';
	dbuf_commit(b, k);
	return 1;
}

int imap_w_date(struct dbuf *b, int64_t t)
{
	static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 0;
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	return dbuf_printf(b, "\"%2d-%s-%04d %02d:%02d:%02d %c%02ld%02ld\"", tm.tm_mday,
	                   mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                   sign, off / 60, off % 60);
}

uint64_t imap_crlf_size(const char *s, size_t n, char prev)
{
	uint64_t size = n;
	const char *p = s, *end = s + n;
	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		char before = p > s ? p[-1] : prev;
		if (before != '\r')
			size++;
		p++;
	}
	return size;
}

/* s[0..n) with bare LFs as CRLF into d, at most cap bytes: how many it
 * wrote, or SIZE_MAX when cap is too small. */
static size_t crlf_conv(char *d, size_t cap, const char *s, size_t n, char prev)
{
	const char *p = s, *end = s + n;
	size_t k = 0;
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t run = lf ? (size_t)(lf - p) : (size_t)(end - p);
		if (run > cap - k)
			return SIZE_MAX;
		memcpy(d + k, p, run);
		k += run;
		if (!lf)
			break;
		char before = lf > s ? lf[-1] : prev;
		if (cap - k < (before != '\r' ? 2u : 1u))
			return SIZE_MAX;
		if (before != '\r')
			d[k++] = '\r';
		d[k++] = '\n';
		p = lf + 1;
	}
	return k;
}

int imap_w_crlf(struct dbuf *b, const char *s, size_t n, char prev)
{
	/* One pass, with room for the worst case (every byte a bare LF);
	 * beyond 1 MiB the room is counted first instead. */
	size_t size = n <= ((size_t)1 << 20) ? 2 * n : (size_t)imap_crlf_size(s, n, prev);
	char *d = dbuf_reserve(b, size);
	if (!d)
		return 0;
	size_t k = crlf_conv(d, size, s, n, prev);
	if (k == SIZE_MAX) /* cannot be: the room is enough */
		return 0;
	dbuf_commit(b, k);
	return 1;
}

int imap_crlf_into(char *d, size_t size, const char *s, size_t n, char prev)
{
	return crlf_conv(d, size, s, n, prev) == size;
}
