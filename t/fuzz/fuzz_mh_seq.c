/* libFuzzer target for mh_seq's parser and editor.  An input is a
 * .mh_sequences text, optionally followed by a NUL and edit bytes.  The
 * text must parse (or hit a limit) and format back to itself byte for
 * byte; the edits (add/remove of small ranges to a few names, the file's
 * own first name among them) are mirrored in a bitmap model of numbers
 * 1..MODEL_MAX; afterwards the ranges must be sorted and merged, agree with
 * the model, and the formatted text must parse back to the same ranges and
 * format to itself again.
 *
 *	make build-fuzz/fuzz_mh_seq && build-fuzz/fuzz_mh_seq t/fuzz/corpus/mh_seq
 */
#include "mh_seq.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MODEL_MAX = 1100, NAMES = 5 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fixed[NAMES - 1] = {"unseen", "cur", "flagged", "x"};

static void check_sorted(const struct mh_seqs *s)
{
	for (size_t k = 0; k < s->nseq; k++) {
		const struct mh_seq *q = &s->seq[k];
		for (size_t i = 0; i < q->n; i++) {
			if (q->r[i].lo == 0 || q->r[i].lo > q->r[i].hi ||
			    q->r[i].hi > MH_SEQ_NUM_MAX)
				abort();
			if (i && q->r[i].lo <= (uint64_t)q->r[i - 1].hi + 1)
				abort();
		}
	}
}

/* The model of name: bit v set when v is in the sequence. */
static void load_model(const struct mh_seqs *s, const char *name, uint8_t *bits)
{
	memset(bits, 0, MODEL_MAX + 1);
	for (uint32_t v = 1; v <= MODEL_MAX; v++)
		bits[v] = (uint8_t)mh_seq_has(s, name, v);
}

static void same_ranges(const struct mh_seqs *a, const struct mh_seqs *b, const char *name)
{
	const struct mh_seq_range *ra, *rb;
	size_t na = 0, nb = 0;
	int ha = mh_seq_get(a, name, &ra, &na), hb = mh_seq_get(b, name, &rb, &nb);
	if (ha != hb || na != nb || (na && memcmp(ra, rb, na * sizeof *ra)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	const uint8_t *ops = nul ? nul + 1 : data + size, *end = data + size;
	struct mh_seqs s, back;
	char *out, *out2, first[MH_SEQ_NAME_MAX_BYTES + 1] = "x";
	size_t outlen, out2len;
	static uint8_t model[NAMES][MODEL_MAX + 1];
	const char *names[NAMES];

	mh_seq_init(&s);
	if (!mh_seq_parse(&s, text, len))
		return 0;
	if (!mh_seq_format(&s, &out, &outlen) || outlen != len || (len && memcmp(out, text, len)))
		abort();
	free(out);
	check_sorted(&s);
	if (s.nseq)
		strcpy(first, s.seq[0].name);
	memcpy(names, fixed, sizeof fixed);
	names[NAMES - 1] = first;
	for (int i = 0; i < NAMES; i++)
		load_model(&s, names[i], model[i]);

	for (; end - ops >= 4; ops += 4) {
		int k = ops[0] % NAMES, add = ops[0] & 0x80;
		uint32_t lo = 1 + (uint32_t)((ops[1] | ops[2] << 8) % 1000), hi = lo + ops[3] % 64;
		int ok =
		    add ? mh_seq_add(&s, names[k], lo, hi) : mh_seq_remove(&s, names[k], lo, hi);
		if (!ok)
			continue; /* a limit, or a name from the file we refuse */
		for (int j = 0; j < NAMES; j++)
			if (!strcmp(names[j], names[k]))
				memset(model[j] + lo, add ? 1 : 0, hi - lo + 1);
	}
	check_sorted(&s);
	for (int i = 0; i < NAMES; i++)
		for (uint32_t v = 1; v <= MODEL_MAX; v++)
			if (mh_seq_has(&s, names[i], v) != model[i][v])
				abort();

	if (!mh_seq_format(&s, &out, &outlen)) {
		mh_seq_free(&s);
		return 0;
	}
	mh_seq_init(&back);
	if (!mh_seq_parse(&back, out, outlen))
		abort();
	for (size_t k = 0; k < s.nseq; k++)
		same_ranges(&s, &back, s.seq[k].name);
	for (size_t k = 0; k < back.nseq; k++)
		same_ranges(&s, &back, back.seq[k].name);
	if (!mh_seq_format(&back, &out2, &out2len) || out2len != outlen ||
	    (outlen && memcmp(out, out2, outlen)))
		abort();
	free(out);
	free(out2);
	mh_seq_free(&back);
	mh_seq_free(&s);
	return 0;
}
