/* libFuzzer target for mh_state: the decoder and the reconciliation.
 * A decodable input must encode back to itself byte for byte (the format
 * has one spelling per state), and mh_state_load of the same bytes as a
 * file (its own code path) must agree with mh_state_decode.  Then, decoded or not, the input also
 * describes an old state and a folder listing (small numbers, few inodes,
 * so that identities collide, repeat and move), and the reconciliation
 * must give a state that satisfies the format's invariants and a diff that
 * accounts for every old UID exactly once.
 *
 *	make build-fuzz/fuzz_mh_state && build-fuzz/fuzz_mh_state t/fuzz/corpus/mh_state
 */
#include "mh_state.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mh_ident small_id(uint8_t b)
{
	struct mh_ident id = {b & 7, (b >> 3) & 3, (b >> 5) & 1};
	return id;
}

/* old: one message per input byte pair; files: one per byte after. */
static void build(const uint8_t *p, size_t n, struct mh_state *old, struct mh_state_file *f,
                  size_t *nf)
{
	size_t half = n / 2;
	uint32_t num = 0, uid = 0;
	old->n = 0;
	for (size_t i = 0; i + 1 < half; i += 2) {
		num += 1 + p[i] % 3;
		uid += 1 + p[i + 1] % 3;
		old->m[old->n++] = (struct mh_state_msg){num, uid, small_id(p[i] ^ p[i + 1])};
	}
	old->uidvalidity = n ? 1 + p[0] : 0;
	old->uidnext = uid + 1 + (n > 1 ? p[1] % 4 : 0);
	num = 0;
	*nf = 0;
	for (size_t i = half; i < n; i++) {
		num += 1 + p[i] % 2;
		f[(*nf)++] = (struct mh_state_file){num, small_id(p[i] >> 1)};
	}
}

static int has_uid(const struct mh_state *st, uint32_t uid)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->m[i].uid == uid)
			return 1;
	return 0;
}

static void check(const struct mh_state *old, const struct mh_state_file *f, size_t nf)
{
	struct mh_state out;
	struct mh_state_diff d;
	char *buf;
	size_t len;
	if (!mh_state_reconcile(old, f, nf, 1000, &out, &d))
		return;
	if (out.n != nf || !mh_state_encode(&out, &buf, &len))
		abort();
	free(buf);
	for (size_t i = 0; i < nf; i++)
		if (out.m[i].num != f[i].num || memcmp(&out.m[i].id, &f[i].id, sizeof f[i].id))
			abort();
	if (d.reset != MH_STATE_KEPT) {
		if (out.uidvalidity == old->uidvalidity && old->uidvalidity != 0xffffffffu)
			abort();
		for (size_t i = 0; i < out.n; i++)
			if (out.m[i].uid != i + 1)
				abort();
	} else {
		size_t kept = 0, nnew = 0;
		if (out.uidvalidity != old->uidvalidity || out.uidnext < old->uidnext)
			abort();
		for (size_t i = 0; i < out.n; i++) {
			if (out.m[i].uid >= old->uidnext)
				nnew++;
			else if (has_uid(old, out.m[i].uid))
				kept++;
			else
				abort(); /* a UID from nowhere */
		}
		if (nnew != d.nnew || kept + d.nexpunged != old->n)
			abort();
		for (size_t i = 0; i < d.nexpunged; i++)
			if (!has_uid(old, d.expunged[i]) || has_uid(&out, d.expunged[i]) ||
			    (i && d.expunged[i] <= d.expunged[i - 1]))
				abort();
		for (size_t i = 0; i < d.nchanged; i++)
			if (!has_uid(&out, d.changed[i]))
				abort();
	}
	mh_state_free(&out);
	mh_state_diff_free(&d);
}

static char dir[] = "/tmp/fuzz_mh_state.XXXXXX";
static int state_dirfd = -1;

static void remove_dir(void)
{
	unlinkat(state_dirfd, MH_STATE_FILE, 0);
	rmdir(dir);
}

/* The bytes as a state file, loaded: the same answer as the decoder's. */
static void load_agrees(const uint8_t *data, size_t size, int rc, const struct mh_state *st)
{
	struct mh_state back;
	if (state_dirfd < 0) {
		if (!mkdtemp(dir) || (state_dirfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
			abort();
		atexit(remove_dir);
	}
	int fd = openat(state_dirfd, MH_STATE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	if (mh_state_load(state_dirfd, &back) != rc || back.uidvalidity != st->uidvalidity ||
	    back.n != st->n || (st->n && memcmp(back.m, st->m, st->n * sizeof *st->m)))
		abort();
	mh_state_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_state st;
	char *buf;
	size_t len;
	int rc = mh_state_decode(data, size, &st);
	load_agrees(data, size, rc, &st);
	if (rc == 1) {
		if (!mh_state_encode(&st, &buf, &len) || len != size || memcmp(buf, data, size))
			abort();
		free(buf);
		mh_state_free(&st);
	} else if (rc != 0) {
		abort();
	}

	if (size > 2048)
		return 0;
	struct mh_state old = {0};
	struct mh_state_file f[2048];
	size_t nf;
	old.m = malloc((size / 2 + 1) * sizeof *old.m);
	if (!old.m)
		return 0;
	build(data, size, &old, f, &nf);
	check(&old, f, nf);
	old.uidvalidity = 0; /* and as if there were no state */
	check(&old, f, nf);
	free(old.m);
	return 0;
}
