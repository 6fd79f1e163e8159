/* test_mime_tool: the mime and envelope modules from the command line, for
 * t/dovecot_diff.bats (which compares them with Dovecot).  With no
 * arguments it is a unit test of itself, as every build/t/test_* is.
 *
 *	test_mime_tool fetch FILE ATT...
 *	    for each fetch-att (ENVELOPE, BODY, BODYSTRUCTURE, RFC822.SIZE,
 *	    RFC822, RFC822.HEADER, RFC822.TEXT, BODY[section]<o.n>,
 *	    BODY.PEEK[...]) one record "=LEN\n" VALUE "\n", VALUE being the
 *	    item's value as a FETCH response carries it (body sections as
 *	    literals, an absent part as an empty one, as Dovecot sends them);
 *	    "=-1\n\n" for bad syntax
 *	test_mime_tool sections FILE
 *	    the fetch-atts worth comparing for FILE, one a line: every part
 *	    number with .MIME, HEADER/TEXT/HEADER.FIELDS of message/rfc822
 *	    parts, some partials and some parts that do not exist
 *	test_mime_tool tree FILE
 *	    the part tree: one line per part with offsets, sizes and flags
 *
 * Exit: 0 done, 100 usage, 111 unable to read FILE or out of memory. */
#include "check.h"
#include "envelope.h"
#include "mime.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, k;
	char *p = malloc(cap);
	if (!f || !p) {
		fprintf(stderr, "test_mime_tool: fatal: unable to read %s: %s\n", path,
		        strerror(errno));
		free(p);
		if (f)
			fclose(f);
		return 0;
	}
	while ((k = fread(p + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			char *q = realloc(p, cap *= 2);
			if (!q)
				break;
			p = q;
		}
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 1;
}

/* The value of one fetch-att, as a FETCH response carries it.  Returns 1,
 * 0 for bad syntax, -1 out of memory. */
static int att_value(struct dbuf *out, const struct mime_msg *m, const char *msg, const char *att)
{
	const char *spec = NULL, *end = NULL;
	char buf[64];
	if (!strcasecmp(att, "ENVELOPE"))
		return envelope_write(out, msg, (size_t)m->part[0].hdr_len) ? 1 : -1;
	if (!strcasecmp(att, "BODY") || !strcasecmp(att, "BODYSTRUCTURE"))
		return bodystructure_write(out, m, msg, att[4] != 0) ? 1 : -1;
	if (!strcasecmp(att, "RFC822.SIZE"))
		return dbuf_printf(out, "%llu",
		                   (unsigned long long)(m->part[0].hdr_size + m->part[0].body_size))
		           ? 1
		           : -1;
	if (!strcasecmp(att, "RFC822"))
		spec = "]";
	else if (!strcasecmp(att, "RFC822.HEADER"))
		spec = "HEADER]";
	else if (!strcasecmp(att, "RFC822.TEXT"))
		spec = "TEXT]";
	else if (!strncasecmp(att, "BODY[", 5))
		spec = att + 5;
	else if (!strncasecmp(att, "BODY.PEEK[", 10))
		spec = att + 10;
	else
		return 0;
	end = strrchr(spec, ']');
	if (!end)
		return 0;
	unsigned long long origin = 0, count = UINT64_MAX;
	if (end[1]) {
		char tail;
		if (sscanf(end + 1, "<%llu.%llu>%c", &origin, &count, &tail) != 2 || !count)
			return 0;
	}
	struct mime_sec sec;
	struct mime_range r;
	if (!mime_sec_parse(spec, (size_t)(end - spec), &sec))
		return 0;
	int found = mime_section(m, msg, &sec, &r);
	if (found < 0)
		return -1;
	uint64_t size = found ? r.size : 0;
	uint64_t n = origin >= size ? 0 : size - origin < count ? size - origin : count;
	snprintf(buf, sizeof buf, "{%llu}\r\n", (unsigned long long)n);
	int ok =
	    dbuf_puts(out, buf) && (!found || mime_range_write(out, msg, &r, origin, count, 1));
	mime_range_free(&r);
	return ok ? 1 : -1;
}

static int fetch(const char *path, char **att, int n)
{
	char *msg;
	size_t len;
	struct mime_msg m;
	struct dbuf out = DBUF_ZERO;
	if (!read_file(path, &msg, &len))
		return 111;
	if (!mime_parse(msg, len, &m)) {
		free(msg);
		return 111;
	}
	for (int i = 0; i < n; i++) {
		dbuf_clear(&out);
		int r = att_value(&out, &m, msg, att[i]);
		if (r < 0)
			return 111;
		if (r == 0)
			printf("=-1\n\n");
		else {
			printf("=%zu\n", dbuf_live(&out));
			fwrite(dbuf_data(&out), 1, dbuf_live(&out), stdout);
			printf("\n");
		}
	}
	dbuf_free(&out, 0);
	mime_free(&m);
	free(msg);
	return 0;
}

/* Part numbers: visit part i as number num, then its subparts. */
struct item {
	uint32_t part;
	char num[200];
};

#define SECTIONS_MAX 400 /* lines; enough for any real message */

/* Push the children of holder, numbered prefix.1, prefix.2 ... (prefix ""
 * for the top), so that they pop in order. */
static size_t push_children(const struct mime_msg *m, uint32_t holder, const char *prefix,
                            struct item *stack, size_t n)
{
	static uint32_t kids[MIME_PARTS_MAX];
	size_t k = 0;
	for (uint32_t c = m->part[holder].child; c != MIME_NONE; c = m->part[c].next)
		kids[k++] = c;
	printf("BODY.PEEK[%s%zu]\n", prefix, k + 1); /* one past the last */
	while (k > 0 && strlen(prefix) + 12 < sizeof stack[0].num) {
		stack[n].part = kids[--k];
		snprintf(stack[n++].num, sizeof stack[0].num, "%s%zu", prefix, k + 1);
	}
	return n;
}

static void sections(const struct mime_msg *m)
{
	static struct item stack[MIME_PARTS_MAX + 1];
	static const char *const fields = "(FROM SUBJECT CONTENT-TYPE X-NOT-THERE)";
	size_t n = 0, lines = 0;
	printf("BODY.PEEK[]\nBODY.PEEK[HEADER]\nBODY.PEEK[TEXT]\nRFC822.SIZE\n");
	printf("BODY.PEEK[HEADER.FIELDS %s]\nBODY.PEEK[HEADER.FIELDS.NOT %s]\n", fields, fields);
	printf("BODY.PEEK[]<0.20>\nBODY.PEEK[]<7.3000>\nBODY.PEEK[TEXT]<1.2>\n");
	if (m->part[0].flags & MIME_MULTIPART) {
		n = push_children(m, 0, "", stack, n);
	} else {
		stack[n].part = 0;
		snprintf(stack[n++].num, sizeof stack[0].num, "1");
		printf("BODY.PEEK[2]\n");
	}
	while (n && lines < SECTIONS_MAX) {
		struct item it = stack[--n];
		const struct mime_part *q = &m->part[it.part];
		char prefix[sizeof it.num + 1];
		lines += 2;
		printf("BODY.PEEK[%s]\nBODY.PEEK[%s.MIME]\n", it.num, it.num);
		if (q->flags & MIME_RFC822) {
			printf("BODY.PEEK[%s.HEADER]\nBODY.PEEK[%s.TEXT]\n", it.num, it.num);
			printf("BODY.PEEK[%s.HEADER.FIELDS %s]\n", it.num, fields);
			printf("BODY.PEEK[%s.HEADER.FIELDS.NOT %s]\n", it.num, fields);
		} else if (!(q->flags & MIME_MULTIPART)) {
			printf("BODY.PEEK[%s.HEADER]\nBODY.PEEK[%s.1]\nBODY.PEEK[%s.2]\n", it.num,
			       it.num, it.num);
		}
		uint32_t holder = it.part;
		if ((q->flags & MIME_RFC822) && q->child != MIME_NONE) {
			holder = q->child;
			if (!(m->part[holder].flags & MIME_MULTIPART)) {
				if (strlen(it.num) + 3 < sizeof it.num) {
					stack[n].part = holder;
					snprintf(stack[n++].num, sizeof it.num, "%s.1", it.num);
				}
				continue;
			}
		} else if (!(q->flags & MIME_MULTIPART)) {
			continue;
		}
		snprintf(prefix, sizeof prefix, "%s.", it.num);
		n = push_children(m, holder, prefix, stack, n);
	}
}

static int with_file(const char *path, int what)
{
	char *msg;
	size_t len;
	struct mime_msg m;
	if (!read_file(path, &msg, &len))
		return 111;
	if (!mime_parse(msg, len, &m)) {
		free(msg);
		return 111;
	}
	if (what == 's')
		sections(&m);
	for (size_t i = 0; what == 't' && i < m.nparts; i++) {
		const struct mime_part *q = &m.part[i];
		printf("%zu: parent %d depth %u flags 0x%x hdr %llu+%llu (%llu) body %llu (%llu, "
		       "%llu lines)\n",
		       i, q->parent == MIME_NONE ? -1 : (int)q->parent, q->depth, q->flags,
		       (unsigned long long)q->hdr_off, (unsigned long long)q->hdr_len,
		       (unsigned long long)q->hdr_size, (unsigned long long)q->body_len,
		       (unsigned long long)q->body_size, (unsigned long long)q->body_lines);
	}
	mime_free(&m);
	free(msg);
	return 0;
}

static void self_test(void)
{
	static const char msg[] =
	    "From: A <a@b>\nSubject: hi\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=x\n\n--x\n\none\n--x--\n";
	struct mime_msg m;
	struct dbuf out = DBUF_ZERO;
	CHECK(mime_parse(msg, sizeof msg - 1, &m));
	CHECK(att_value(&out, &m, msg, "BODY") == 1);
	CHECK_STR(
	    dbuf_data(&out) ? (dbuf_put(&out, "", 1), dbuf_data(&out)) : "",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 0) \"mixed\")");
	dbuf_clear(&out);
	CHECK(att_value(&out, &m, msg, "BODY.PEEK[1]<1.5>") == 1);
	CHECK_MEM(dbuf_data(&out), dbuf_live(&out), "{2}\r\nne", 7);
	dbuf_clear(&out);
	CHECK(att_value(&out, &m, msg, "BODY.PEEK[2]") == 1);
	CHECK_MEM(dbuf_data(&out), dbuf_live(&out), "{0}\r\n", 5);
	dbuf_clear(&out);
	CHECK(att_value(&out, &m, msg, "BODY.PEEK[0]") == 0);
	CHECK(att_value(&out, &m, msg, "FLAGS") == 0);
	CHECK(att_value(&out, &m, msg, "RFC822.SIZE") == 1);
	CHECK_MEM(dbuf_data(&out), dbuf_live(&out), "111", 3);
	dbuf_free(&out, 0);
	mime_free(&m);
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		self_test();
		return check_done("test_mime_tool");
	}
	if (argc >= 3 && !strcmp(argv[1], "fetch"))
		return fetch(argv[2], argv + 3, argc - 3);
	if (argc == 3 && !strcmp(argv[1], "sections"))
		return with_file(argv[2], 's');
	if (argc == 3 && !strcmp(argv[1], "tree"))
		return with_file(argv[2], 't');
	fprintf(stderr, "usage: test_mime_tool fetch FILE ATT... | sections FILE | tree FILE\n");
	return 100;
}
