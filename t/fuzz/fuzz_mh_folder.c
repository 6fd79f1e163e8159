/* libFuzzer target for how a folder reads .mh_sequences (mh_folder_load,
 * mh_folder_from_list, and mh_folder_peek for SELECT's early answer).  An
 * input is the file's text; the folder holds the numbers 1..NUMS but every
 * seventh.  Every message's \Seen and \Flagged must be what a plain reading
 * of the text says (its "unseen" and "flagged" lines: "N" and "N-M" tokens
 * up to the first other one, every line of the name), and mh_folder_peek
 * must find the same first unseen message and keywords as the load.
 *
 *	make build-fuzz/fuzz_mh_folder && build-fuzz/fuzz_mh_folder t/fuzz/corpus/mh_folder
 */
#include "mh_folder.h"
#include "mh_state.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NUMS = 600 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dfd = -1;
static struct mh_state_msg list[NUMS];
static size_t nlist;

static int num_at(void *ctx, size_t i, uint32_t *num)
{
	(void)ctx;
	*num = list[i].num;
	return 1;
}

static int space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The plain reading: mark[v] for each v the lines named name list, as
 * nmh reads a list: split at white space, a token of digits "N" or
 * "N-M" (1 <= N, both below 2^32) is a range, any other is passed over. */
static void plain(const uint8_t *d, size_t n, const char *name, uint8_t *mark)
{
	size_t nl = strlen(name);
	memset(mark, 0, NUMS + 1);
	for (size_t at = 0; at < n;) {
		size_t end = at;
		while (end < n && d[end] != '\n')
			end++;
		size_t colon = at;
		while (colon < end && d[colon] != ':')
			colon++;
		if (colon < end && colon - at == nl && !memcmp(d + at, name, nl)) {
			for (size_t p = colon + 1; p < end;) {
				while (p < end && space(d[p]))
					p++;
				size_t q = p;
				while (q < end && !space(d[q]))
					q++;
				/* the token d[p..q) */
				size_t dash = p;
				while (dash < q && d[dash] != '-')
					dash++;
				uint64_t v[2] = {0, 0};
				int ok = p < q;
				size_t from[2] = {p, dash + 1}, to[2] = {dash, q};
				for (int k = 0; k < (dash < q ? 2 : 1) && ok; k++) {
					ok = from[k] < to[k];
					for (size_t i = from[k]; ok && i < to[k]; i++) {
						ok = d[i] >= '0' && d[i] <= '9';
						if (v[k] <= UINT32_MAX)
							v[k] = v[k] * 10 + (uint64_t)(d[i] - '0');
					}
				}
				if (dash == q)
					v[1] = v[0];
				if (ok && v[0] >= 1 && v[0] <= UINT32_MAX && v[1] <= UINT32_MAX)
					for (uint64_t x = v[0]; x <= v[1] && x <= NUMS; x++)
						mark[x] = 1;
				p = q;
			}
		}
		at = end + 1;
	}
}

static char dir[] = "/tmp/fuzz_mh_folder.XXXXXX";

/* The folder goes with the process. */
static void remove_dir(void)
{
	unlinkat(dfd, ".mh_sequences", 0);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t unseen[NUMS + 1], flagged[NUMS + 1];
	if (dfd < 0) {
		if (!mkdtemp(dir) || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
			abort();
		atexit(remove_dir);
		for (uint32_t v = 1; v <= NUMS; v++)
			if (v % 7)
				list[nlist++] = (struct mh_state_msg){v, v, {v, 1, 0}};
	}
	/* The plain reading knows lines, not NULs (getline passes them on, the
	 * names then end early): inputs with a NUL are run but not compared. */
	int compare = !memchr(data, 0, size);
	int fd = openat(dfd, ".mh_sequences", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	struct mh_folder f;
	struct mh_peek p;
	if (!mh_folder_from_list(&f, fcntl(dfd, F_DUPFD_CLOEXEC, 0), "unseen", list, nlist))
		abort();
	if (!mh_folder_peek(dfd, "unseen", nlist, num_at, NULL, &p))
		abort();
	size_t first = 0;
	for (size_t i = 0; i < f.n && !first; i++)
		if (!(f.m[i].flags & MH_SEEN))
			first = i + 1;
	if (p.first_unseen != first || p.nkw != f.nkw)
		abort();
	for (size_t i = 0; i < p.nkw; i++)
		if (strcmp(p.kw[i], f.kw[i]))
			abort();
	if (compare) {
		plain(data, size, "unseen", unseen);
		plain(data, size, "flagged", flagged);
		for (size_t i = 0; i < f.n; i++) {
			uint32_t v = f.m[i].num;
			if ((!(f.m[i].flags & MH_SEEN)) != unseen[v] ||
			    (!!(f.m[i].flags & MH_FLAGGED)) != flagged[v])
				abort();
		}
	}
	mh_peek_free(&p);
	mh_folder_free(&f);
	return 0;
}
