/* search: header fields, their decoded values, and the Date: field. */
#include "search_int.h"

#include <string.h>
#include <strings.h>

void search_header_split(const char *s, size_t n, size_t *hlen, size_t *body)
{
	const char *e = s + n;
	/* An empty line is "\n" or "\r\n" at the start or after a "\n". */
	for (const char *q = s; q < e;) {
		if (*q == '\n' || (*q == '\r' && q + 1 < e && q[1] == '\n')) {
			*hlen = (size_t)(q - s);
			*body = (size_t)(q - s) + (*q == '\n' ? 1 : 2);
			return;
		}
		const char *lf = memchr(q, '\n', (size_t)(e - q));
		if (!lf)
			break;
		q = lf + 1;
	}
	*hlen = *body = n;
}

static const char *const fields[] = {"Date", "Subject", "From", "Sender",      "Reply-To",
                                     "To",   "Cc",      "Bcc",  "In-Reply-To", "Message-ID"};

int search_is_field(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (strlen(fields[i]) == n && !strncasecmp(fields[i], name, n))
			return 1;
	return 0;
}

static size_t next_line(const char *h, size_t hn, size_t i)
{
	const char *lf = memchr(h + i, '\n', hn - i);
	return lf ? (size_t)(lf - h) + 1 : hn;
}

int search_field_next(const char *h, size_t hn, size_t *pos, const char **name, size_t *nn,
                      const char **val, size_t *vn)
{
	while (*pos < hn) {
		size_t start = *pos, first = next_line(h, hn, start), e = first;
		while (e < hn && (h[e] == ' ' || h[e] == '\t'))
			e = next_line(h, hn, e);
		*pos = e;
		const char *colon = memchr(h + start, ':', first - start);
		if (!colon)
			continue;
		size_t k = (size_t)(colon - (h + start)), j;
		while (k > 0 && (h[start + k - 1] == ' ' || h[start + k - 1] == '\t'))
			k--;
		for (j = 0; j < k; j++)
			if ((unsigned char)h[start + j] <= 0x20 || h[start + j] == 0x7f)
				break;
		if (k == 0 || j < k)
			continue; /* not a field: "From " lines, junk */
		*name = h + start;
		*nn = k;
		*val = colon + 1;
		while (e > (size_t)(*val - h) && (h[e - 1] == '\n' || h[e - 1] == '\r'))
			e--;
		*vn = e - (size_t)(*val - h);
		return 1;
	}
	return 0;
}

int search_header_has(struct search_prog *p, const char *h, size_t hn, const struct search_node *k)
{
	const char *want = search_str(p, k->name), *needle = search_str(p, k->str), *name, *val;
	size_t pos = 0, nn, vn;
	while (search_field_next(h, hn, &pos, &name, &nn, &val, &vn)) {
		if (nn != k->nlen || strncasecmp(name, want, nn))
			continue;
		if (k->slen == 0)
			return 1;
		dbuf_clear(&p->t1);
		dbuf_clear(&p->t3);
		if (!decode_header_value(&p->cs, &p->t1, val, vn, &p->t2) ||
		    !decode_fold(&p->t3, dbuf_data(&p->t1), dbuf_live(&p->t1)))
			return -1;
		if (memmem(dbuf_data(&p->t3), dbuf_live(&p->t3), needle, k->slen))
			return 1;
	}
	return 0;
}

int search_header_text(struct search_prog *p, const char *h, size_t hn, struct dbuf *out)
{
	const char *name, *val;
	size_t pos = 0, nn, vn;
	while (search_field_next(h, hn, &pos, &name, &nn, &val, &vn) &&
	       dbuf_live(out) < SEARCH_TEXT_MAX_BYTES) {
		while (vn && (*val == ' ' || *val == '\t'))
			val++, vn--;
		dbuf_clear(&p->t1);
		if (!decode_fold(out, name, nn) || !dbuf_put(out, ": ", 2) ||
		    !decode_header_value(&p->cs, &p->t1, val, vn, &p->t2) ||
		    !decode_fold(out, dbuf_data(&p->t1), dbuf_live(&p->t1)) ||
		    !dbuf_put(out, "\n", 1))
			return 0;
	}
	return 1;
}

int search_month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int64_t search_days(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* White space, folds and (nested) comments. */
static void skip_cfws(const char *s, size_t n, size_t *i)
{
	int depth = 0;
	for (; *i < n; (*i)++) {
		char c = s[*i];
		if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return;
	}
}

static int digits(const char *s, size_t n, size_t *i, int max, int *v)
{
	int k = 0;
	for (*v = 0; *i < n && k < max && s[*i] >= '0' && s[*i] <= '9'; (*i)++, k++)
		*v = *v * 10 + s[*i] - '0';
	return k;
}

static int letters(const char *s, size_t n, size_t *i, char first3[4])
{
	int k = 0;
	for (; *i < n && ((s[*i] | 0x20) >= 'a' && (s[*i] | 0x20) <= 'z'); (*i)++, k++)
		if (k < 3)
			first3[k] = (char)(s[*i] | 0x20);
	first3[k < 3 ? k : 3] = 0;
	return k;
}

/* RFC 5322 date-time, leniently: [day ","] d month y ...; the zone is
 * not needed, the day is taken as written. */
static int parse_date(const char *s, size_t n, int64_t *day)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char w[4];
	size_t i = 0;
	int d, m, y, ny;
	skip_cfws(s, n, &i);
	if (letters(s, n, &i, w)) {
		skip_cfws(s, n, &i);
		if (i < n && s[i] == ',')
			i++;
		skip_cfws(s, n, &i);
	}
	if (!digits(s, n, &i, 2, &d))
		return 0;
	skip_cfws(s, n, &i);
	if (i < n && s[i] == '-')
		i++;
	if (letters(s, n, &i, w) < 3)
		return 0;
	const char *mp = strstr(months, w);
	if (!mp || (mp - months) % 3)
		return 0;
	m = (int)(mp - months) / 3 + 1;
	skip_cfws(s, n, &i);
	if (i < n && s[i] == '-')
		i++;
	if ((ny = digits(s, n, &i, 4, &y)) < 2)
		return 0;
	if (ny == 2)
		y += y < 50 ? 2000 : 1900;
	else if (ny == 3)
		y += 1900;
	if (d < 1 || d > search_month_days(y, m))
		return 0;
	*day = search_days(y, m, d);
	return 1;
}

int search_sent_day(const char *h, size_t hn, int64_t *day)
{
	const char *name, *val;
	size_t pos = 0, nn, vn;
	while (search_field_next(h, hn, &pos, &name, &nn, &val, &vn))
		if (nn == 4 && !strncasecmp(name, "Date", 4))
			return parse_date(val, vn, day);
	return 0;
}

int search_fields_of(struct dbuf *out, const char *msg, size_t n)
{
	const char *name, *val;
	size_t hn, body, pos = 0, nn, vn;
	search_header_split(msg, n, &hn, &body);
	while (search_field_next(msg, hn, &pos, &name, &nn, &val, &vn)) {
		if (!search_is_field(name, nn))
			continue;
		/* The field's lines: from its name to the next field. */
		size_t from = (size_t)(name - msg);
		if (!dbuf_put(out, msg + from, pos - from))
			return 0;
		if (msg[pos - 1] != '\n' && !dbuf_put(out, "\n", 1))
			return 0; /* the header's last line had no line end */
	}
	return dbuf_put(out, "\n", 1);
}
