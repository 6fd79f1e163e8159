/* libFuzzer target for mh_journal's decoder.  Any input: decoded or
 * refused with a documented errno, never more than the entry limit.  A
 * decoded input's entries encode (a block at a time) to a journal that
 * decodes to the same entries, and every prefix of that journal decodes
 * to a prefix of them (a torn append keeps whole blocks only).
 *
 *	make build-fuzz/fuzz_mh_journal && build-fuzz/fuzz_mh_journal t/fuzz/corpus/mh_journal
 */
#include "mh_journal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *reencode(const struct mh_journal_id *id, size_t n, size_t *len)
{
	size_t hl = strlen(MH_JOURNAL_HEADER), cap = hl + 1, k = hl;
	char *out = malloc(cap);
	if (!out)
		abort();
	memcpy(out, MH_JOURNAL_HEADER, hl);
	for (size_t i = 0; i < n; i += MH_JOURNAL_BLOCK_MAX) {
		size_t m = n - i < MH_JOURNAL_BLOCK_MAX ? n - i : MH_JOURNAL_BLOCK_MAX, bl;
		char *b;
		if (!mh_journal_encode(id + i, m, &b, &bl))
			abort();
		out = realloc(out, cap = k + bl + 1);
		if (!out)
			abort();
		memcpy(out + k, b, bl);
		k += bl;
		free(b);
	}
	*len = k;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_journal_id *id, *back;
	size_t n, nb, len;
	if (!mh_journal_decode((const char *)data, size, &id, &n)) {
		if (id || (errno != EINVAL && errno != EFBIG && errno != E2BIG && errno != ENOMEM))
			abort();
		return 0;
	}
	if (n > MH_JOURNAL_ENTRIES_MAX || (n == 0) != (id == NULL))
		abort();
	for (size_t i = 0; i < n; i++)
		if (id[i].mtime_ns < 0)
			abort();
	if (n == 0)
		return 0;
	char *text = reencode(id, n, &len);
	if (!mh_journal_decode(text, len, &back, &nb) || nb != n ||
	    memcmp(back, id, n * sizeof *id))
		abort();
	free(back);
	size_t step = len / 64 + 1;
	for (size_t k = 0; k < len; k += step) {
		if (!mh_journal_decode(text, k, &back, &nb) || nb > n ||
		    (nb && memcmp(back, id, nb * sizeof *id)))
			abort();
		free(back);
	}
	free(text);
	free(id);
	return 0;
}
