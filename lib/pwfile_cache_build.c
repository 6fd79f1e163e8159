/* pwfile_cache_build: writes the index of a password file (the format is in
 * pwfile_cache.h) while looking one user up in the same pass. */
#include "pwfile_cache.h"
#include "pwfile_cache_fmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hash_django.h"

struct slot {
	uint32_t hash, off;
};

struct builder {
	/* The look-up done on the way. */
	const char *path, *user;
	size_t userlen;
	struct pwfile_entry *out;
	int found;
	/* The index: writing drops to 0 for good on the first failure. */
	int fd, writing;
	const unsigned char *key;
	uint64_t off;
	struct slot *slots;
	size_t nrecords, cap;
	size_t buflen;
	unsigned char buf[65536];
	pwfile_report_fn *report;
	void *arg;
};

static void report(struct builder *b, unsigned long lineno, const char *user, const char *what)
{
	if (b->report)
		b->report(b->arg, lineno, user, what);
}

static int flush(struct builder *b)
{
	size_t done = 0;

	while (done < b->buflen) {
		ssize_t n = write(b->fd, b->buf + done, b->buflen - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		done += (size_t)n;
	}
	b->buflen = 0;
	return 1;
}

static int put(struct builder *b, const void *p, size_t n)
{
	if (b->buflen + n > sizeof b->buf && !flush(b))
		return 0;
	if (n > sizeof b->buf)
		return 0;
	memcpy(b->buf + b->buflen, p, n);
	b->buflen += n;
	b->off += n;
	return 1;
}

/* Appends one record; drops the index (writing = 0) when it cannot. */
static void add_record(struct builder *b, const char *user, const char *line, size_t len)
{
	unsigned char head[PWFILE_CACHE_RECORD_HEAD_BYTES];
	uint32_t h = pwfile_cache_hash(b->key, user, strlen(user));

	if (b->nrecords == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		struct slot *s =
		    cap <= PWFILE_CACHE_RECORDS_MAX ? realloc(b->slots, cap * sizeof *s) : NULL;
		if (!s) {
			b->writing = 0;
			return;
		}
		b->slots = s;
		b->cap = cap;
	}
	if (b->off + sizeof head + len > PWFILE_CACHE_FILE_MAX_BYTES) {
		b->writing = 0;
		return;
	}
	b->slots[b->nrecords].hash = h;
	b->slots[b->nrecords].off = (uint32_t)b->off;
	pwfile_cache_put32(head, h);
	pwfile_cache_put16(head + 4, (uint16_t)len);
	if (!put(b, head, sizeof head) || !put(b, line, len)) {
		b->writing = 0;
		return;
	}
	b->nrecords++;
}

static int build_line(void *arg, unsigned long lineno, const char *line, size_t len, int r,
                      struct pwfile_entry *e)
{
	struct builder *b = arg;
	char what[80];

	if (r != 1) {
		report(b, lineno, NULL, "malformed line");
		return 0;
	}
	if (!hash_django_wellformed(e->hash)) {
		const char *alg = hash_django_algorithm(e->hash);
		if (alg)
			snprintf(what, sizeof what, "malformed %s password hash", alg);
		else
			snprintf(what, sizeof what, "password hash of an unknown algorithm");
		report(b, lineno, e->user, what);
	}
	if (b->writing)
		add_record(b, e->user, line, len);
	if (!b->found && b->user && strlen(e->user) == b->userlen &&
	    memcmp(e->user, b->user, b->userlen) == 0) {
		*b->out = *e;
		if (pwfile_resolve_maildir(b->path, b->out))
			b->found = 1;
		else
			pwfile_entry_wipe(b->out);
	}
	/* Once the index is given up, the rest is only worth the look-up. */
	return !b->writing && b->found;
}

/* The table and the header, after the records.  Returns 1 or 0. */
static int finish(struct builder *b, const struct pwfile_cache_id *id)
{
	unsigned char head[PWFILE_CACHE_HEADER_BYTES], slot[PWFILE_CACHE_SLOT_BYTES];
	size_t nslots = 16;
	uint64_t table = b->off;
	struct slot *t;

	while (nslots < 2 * b->nrecords)
		nslots *= 2;
	if (table + (uint64_t)nslots * sizeof slot > PWFILE_CACHE_FILE_MAX_BYTES)
		return 0;
	t = calloc(nslots, sizeof *t);
	if (!t)
		return 0;
	/* In file order, so that probing meets a user's entries in order. */
	for (size_t i = 0; i < b->nrecords; i++) {
		size_t j = b->slots[i].hash & (nslots - 1);
		while (t[j].off != 0)
			j = (j + 1) & (nslots - 1);
		t[j] = b->slots[i];
	}
	int ok = 1;
	for (size_t j = 0; ok && j < nslots; j++) {
		pwfile_cache_put32(slot, t[j].hash);
		pwfile_cache_put32(slot + 4, t[j].off);
		ok = put(b, slot, sizeof slot);
	}
	free(t);
	if (!ok || !flush(b))
		return 0;
	pwfile_cache_header(head, id, b->key, (uint32_t)nslots, (uint32_t)b->nrecords, table,
	                    b->off);
	return pwrite(b->fd, head, sizeof head, 0) == (ssize_t)sizeof head;
}

int pwfile_cache_build(int pwfd, int outfd, const unsigned char key[16],
                       const struct pwfile_cache_id *id, const char *path, const char *user,
                       size_t userlen, struct pwfile_entry *e, int *written,
                       pwfile_report_fn *report_fn, void *arg)
{
	static const unsigned char zero[PWFILE_CACHE_HEADER_BYTES];
	struct pwfile_entry scratch;
	struct builder *b = calloc(1, sizeof *b);
	int r, saved;

	*written = 0;
	pwfile_entry_wipe(e);
	if (!b)
		return -1;
	b->path = path;
	b->user = user;
	b->userlen = userlen;
	b->out = e;
	b->fd = outfd;
	b->writing = outfd >= 0;
	b->key = key;
	b->report = report_fn;
	b->arg = arg;
	/* The header goes last: a file cut short has no valid magic. */
	if (b->writing && !put(b, zero, sizeof zero))
		b->writing = 0;
	r = pwfile_scan_fd(pwfd, build_line, b, &scratch);
	saved = errno;
	if (r >= 0)
		r = b->found;
	if (r >= 0 && b->writing)
		*written = finish(b, id);
	pwfile_entry_wipe(&scratch);
	free(b->slots);
	sodium_memzero(b, sizeof *b);
	free(b);
	if (r != 1)
		pwfile_entry_wipe(e);
	errno = saved;
	return r;
}
