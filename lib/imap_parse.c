#include "imap_parse.h"

#include <string.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

void imap_reader_init(struct imap_reader *r, char *buf, size_t cap, size_t line_max)
{
	memset(r, 0, sizeof *r);
	r->cmd = buf;
	r->cap = cap;
	r->line_max = line_max < cap ? line_max : cap;
	r->lit_max = cap;
}

void imap_reader_reset(struct imap_reader *r)
{
	r->len = r->line_start = 0;
	r->lit_left = 0;
	r->discard = 0;
}

/* Does the line cmd[start..end) end with a literal marker {n} or {n+}?
 * Returns the marker's offset, or -1. */
static long literal_marker(const char *cmd, size_t start, size_t end, uint64_t *size, int *sync)
{
	if (end - start < 3 || cmd[end - 1] != '}')
		return -1;
	size_t i = end - 1;
	*sync = 1;
	if (cmd[i - 1] == '+') {
		*sync = 0;
		i--;
	}
	size_t digits_end = i;
	while (i > start && cmd[i - 1] >= '0' && cmd[i - 1] <= '9')
		i--;
	if (i == digits_end || i == start || cmd[i - 1] != '{' || digits_end - i > 19)
		return -1;
	uint64_t v = 0;
	for (size_t k = i; k < digits_end; k++)
		v = v * 10 + (uint64_t)(cmd[k] - '0');
	*size = v;
	return (long)(i - 1);
}

/* A whole line is in cmd[line_start..len) without its line end. */
static enum imap_rd_status line_done(struct imap_reader *r)
{
	uint64_t size;
	int sync;
	if (literal_marker(r->cmd, r->line_start, r->len, &size, &sync) < 0)
		return IMAP_RD_COMMAND;
	r->lit_size = size;
	r->lit_sync = sync;
	/* Rewrite the marker as "{n}\r\n": never longer than what was there. */
	size_t room = r->cap - r->len;
	if (size > r->lit_max || size + 2 > room) {
		r->discard = 1;
		return IMAP_RD_LITERAL_TOO_BIG;
	}
	if (!sync) {
		r->cmd[r->len - 2] = '}';
		r->len--;
	}
	r->cmd[r->len++] = '\r';
	r->cmd[r->len++] = '\n';
	r->lit_left = size;
	return sync ? IMAP_RD_CONTINUE : IMAP_RD_MORE;
}

size_t imap_reader_feed(struct imap_reader *r, const char *in, size_t n, enum imap_rd_status *st)
{
	size_t i = 0;
	*st = IMAP_RD_MORE;
	while (i < n) {
		if (r->lit_left) {
			size_t take = n - i;
			if (take > r->lit_left)
				take = (size_t)r->lit_left;
			memcpy(r->cmd + r->len, in + i, take);
			r->len += take;
			r->lit_left -= take;
			i += take;
			if (!r->lit_left)
				r->line_start = r->len;
			continue;
		}
		const char *lf = memchr(in + i, '\n', n - i);
		size_t chunk = lf ? (size_t)(lf - (in + i)) : n - i;
		size_t linelen = r->len - r->line_start;
		/* Room for the line plus "\r\n" after a literal marker. */
		if (chunk > r->line_max - linelen || chunk + 2 > r->cap - r->len) {
			*st = IMAP_RD_LINE_TOO_LONG;
			return i;
		}
		memcpy(r->cmd + r->len, in + i, chunk);
		r->len += chunk;
		i += chunk;
		if (!lf)
			break;
		i++; /* the LF */
		if (r->len > r->line_start && r->cmd[r->len - 1] == '\r')
			r->len--;
		enum imap_rd_status s = line_done(r);
		if (s != IMAP_RD_MORE || r->lit_left == 0) {
			*st = s;
			return i;
		}
	}
	return i;
}

/* Tokens. */

int imap_is_atom_char(unsigned char ch)
{
	if (ch <= 0x20 || ch >= 0x7f)
		return 0;
	return !strchr("(){%*\"\\]", ch);
}

static int astring_char(unsigned char ch)
{
	return imap_is_atom_char(ch) || ch == ']';
}

int imap_p_char(struct imap_cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

int imap_p_sp(struct imap_cur *c)
{
	return imap_p_char(c, ' ');
}

int imap_p_end(struct imap_cur *c)
{
	return c->p == c->end;
}

static int span(struct imap_cur *c, int (*ok)(unsigned char), char **s, size_t *n)
{
	char *p = c->p;
	while (p < c->end && ok((unsigned char)*p))
		p++;
	if (p == c->p)
		return 0;
	*s = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return 1;
}

int imap_p_atom(struct imap_cur *c, char **s, size_t *n)
{
	return span(c, imap_is_atom_char, s, n);
}

static int tag_char(unsigned char ch)
{
	return astring_char(ch) && ch != '+';
}

int imap_p_tag(struct imap_cur *c, char **s, size_t *n)
{
	return span(c, tag_char, s, n);
}

static int p_quoted(struct imap_cur *c, char **s, size_t *n)
{
	if (c->p >= c->end || *c->p != '"')
		return 0;
	char *r = c->p + 1, *w = r;
	while (r < c->end && *r != '"') {
		if (*r == '\\') {
			if (r + 1 >= c->end || (r[1] != '"' && r[1] != '\\'))
				return 0;
			r++;
		}
		if (*r == '\r' || *r == '\n' || *r == '\0')
			return 0;
		*w++ = *r++;
	}
	if (r >= c->end)
		return 0;
	*s = c->p + 1;
	*n = (size_t)(w - *s);
	c->p = r + 1;
	return 1;
}

static int p_literal(struct imap_cur *c, char **s, size_t *n)
{
	char *p = c->p;
	if (p >= c->end || *p != '{')
		return 0;
	p++;
	uint64_t v = 0;
	char *d = p;
	while (p < c->end && *p >= '0' && *p <= '9' && p - d < 19)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == d || c->end - p < 3 || p[0] != '}' || p[1] != '\r' || p[2] != '\n')
		return 0;
	p += 3;
	if (v > (uint64_t)(c->end - p))
		return 0;
	*s = p;
	*n = (size_t)v;
	c->p = p + v;
	return 1;
}

int imap_p_string(struct imap_cur *c, char **s, size_t *n)
{
	return p_quoted(c, s, n) || p_literal(c, s, n);
}

int imap_p_astring(struct imap_cur *c, char **s, size_t *n)
{
	return imap_p_string(c, s, n) || span(c, astring_char, s, n);
}

int imap_p_number(struct imap_cur *c, uint32_t *v)
{
	char *p = c->p;
	uint64_t x = 0;
	while (p < c->end && *p >= '0' && *p <= '9') {
		x = x * 10 + (uint64_t)(*p++ - '0');
		if (x > UINT32_MAX)
			return 0;
	}
	if (p == c->p)
		return 0;
	*v = (uint32_t)x;
	c->p = p;
	return 1;
}

int imap_p_word(struct imap_cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, word, n) != 0)
		return 0;
	/* A word ends where atom characters end; "BODY" may be followed by
	 * "[" or ".PEEK", so callers try longer words first. */
	if (word[n - 1] != '[' && c->p + n < c->end) {
		unsigned char nx = (unsigned char)c->p[n];
		if (imap_is_atom_char(nx) && nx != '[' && nx != '.')
			return 0;
	}
	c->p += n;
	return 1;
}

int imap_parse_date_time(const char *s, size_t n, int64_t *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char buf[40], mon[4], sign;
	int d, y, hh, mm, ss, oh, om, used = 0;
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	const char *p = buf[0] == ' ' ? buf + 1 : buf;
	if (sscanf(p, "%2d-%3c-%4d %2d:%2d:%2d %c%2d%2d%n", &d, mon, &y, &hh, &mm, &ss, &sign, &oh,
	           &om, &used) != 9 ||
	    p[used] != 0 || (sign != '+' && sign != '-') || strlen(p) < 25)
		return 0;
	mon[3] = 0;
	const char *m = strstr(months, mon);
	if (!m || (m - months) % 3 || d < 1 || d > 31 || y < 1900 || y > 9999 || hh > 23 ||
	    mm > 59 || ss > 60 || oh > 23 || om > 59 || d < 0 || hh < 0 || mm < 0 || ss < 0 ||
	    oh < 0 || om < 0)
		return 0;
	struct tm tm = {0};
	tm.tm_mday = d;
	tm.tm_mon = (int)((m - months) / 3);
	tm.tm_year = y - 1900;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	int64_t off = (int64_t)(oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	*t = (int64_t)timegm(&tm) - off;
	return 1;
}
