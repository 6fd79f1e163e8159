/* Unit tests for mh_state: the state file (round trip, every corruption
 * detected, the old UIDVALIDITY recovered when it can be), UIDVALIDITY
 * generation, and reconciliation with the folder (unchanged, new, removed,
 * folder -pack, sortm, files changed in place, identities reused). */
#include "check.h"
#include "mh_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_mh_state.XXXXXX";

static struct mh_ident id(uint64_t ino)
{
	struct mh_ident i = {ino, (int64_t)(1000 + ino), (int64_t)(1700000000000000000 + ino)};
	return i;
}

/* A state of n messages numbered 1..n (or by nums), UIDs 10, 20, ... */
static void make_state(struct mh_state *st, size_t n, uint32_t uidvalidity)
{
	memset(st, 0, sizeof *st);
	st->uidvalidity = uidvalidity;
	st->m = calloc(n ? n : 1, sizeof *st->m);
	st->n = n;
	for (size_t i = 0; i < n; i++)
		st->m[i] =
		    (struct mh_state_msg){(uint32_t)i + 1, 10 * ((uint32_t)i + 1), id(i + 1)};
	st->uidnext = 10 * (uint32_t)n + 1;
	st->recent_uid = n ? 10 : 0;
	st->seqfile = (struct mh_ident){42, 17, 99};
}

static int same_state(const struct mh_state *a, const struct mh_state *b)
{
	return a->uidvalidity == b->uidvalidity && a->uidnext == b->uidnext && a->n == b->n &&
	       a->recent_uid == b->recent_uid && a->seqfile.ino == b->seqfile.ino &&
	       a->seqfile.size == b->seqfile.size && a->seqfile.mtime_ns == b->seqfile.mtime_ns &&
	       (a->n == 0 || memcmp(a->m, b->m, a->n * sizeof *a->m) == 0);
}

static void test_encode_decode(void)
{
	struct mh_state st, back;
	char *buf;
	size_t len;
	make_state(&st, 5, 1700000000);
	CHECK(mh_state_encode(&st, &buf, &len));
	CHECK(len == 64 + 5 * 32 + 8);
	CHECK(memcmp(buf, "asimapS\n", 8) == 0);
	CHECK(mh_state_decode(buf, len, &back) == 1 && same_state(&st, &back));
	mh_state_free(&back);

	/* every single-byte change is caught; the old UIDVALIDITY survives
	 * when the header's start is intact */
	int all = 1;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (char)(1 << bit);
			errno = 0;
			int rc = mh_state_decode(buf, len, &back);
			uint32_t want = 1700000000u;
			if (i < 16)
				want = 0; /* magic, version, header size: nothing legible */
			else if (i < 20)
				want ^= 1u << (8 * (i - 16) + bit); /* UIDVALIDITY itself */
			if (rc != 0 || errno != EBADMSG || back.uidvalidity != want || back.n ||
			    back.m) {
				fprintf(stderr, "byte %zu bit %d: rc %d uidvalidity %u\n", i, bit,
				        rc, (unsigned)back.uidvalidity);
				all = 0;
			}
			buf[i] ^= (char)(1 << bit);
		}
	}
	CHECK(all);
	/* short and long */
	all = 1;
	for (size_t n = 0; n < len; n++)
		all &= mh_state_decode(buf, n, &back) == 0 && errno == EBADMSG;
	CHECK(all);
	char *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	CHECK(mh_state_decode(longer, len + 1, &back) == 0 && errno == EBADMSG);
	free(longer);
	free(buf);

	/* a correct checksum over records that break the order */
	st.m[3].uid = st.m[2].uid;
	CHECK(!mh_state_encode(&st, &buf, &len) && errno == EINVAL);
	st.m[3].uid = 40;
	CHECK(mh_state_encode(&st, &buf, &len));
	memcpy(buf + 64 + 3 * 32 + 4, buf + 64 + 2 * 32 + 4, 4); /* uid of the 4th = the 3rd's */
	uint64_t sum = mh_state_checksum(buf, len - 8);
	memcpy(buf + len - 8, &sum, 8); /* (little-endian host) */
	CHECK(mh_state_decode(buf, len, &back) == 0 && errno == EBADMSG);
	CHECK(back.uidvalidity == 1700000000);
	free(buf);

	/* UIDNEXT not above the UIDs, uidvalidity 0, a number 0 */
	st.uidnext = 50;
	CHECK(!mh_state_encode(&st, &buf, &len) && errno == EINVAL);
	st.uidnext = 51;
	st.m[0].num = 0;
	CHECK(!mh_state_encode(&st, &buf, &len) && errno == EINVAL);
	st.m[0].num = 1;
	st.uidvalidity = 0;
	CHECK(!mh_state_encode(&st, &buf, &len) && errno == EINVAL);
	mh_state_free(&st);

	/* an empty folder */
	make_state(&st, 0, 7);
	st.uidnext = 1;
	CHECK(mh_state_encode(&st, &buf, &len) && len == 72);
	CHECK(mh_state_decode(buf, len, &back) == 1 && same_state(&st, &back) && back.n == 0);
	mh_state_free(&back);
	free(buf);
	mh_state_free(&st);

	/* the checksum: stable, sensitive to length and order */
	CHECK(mh_state_checksum("", 0) != mh_state_checksum("\0", 1));
	CHECK(mh_state_checksum("abcdefgh12345678", 16) !=
	      mh_state_checksum("12345678abcdefgh", 16));
	CHECK(mh_state_checksum("abc", 3) == mh_state_checksum("abc", 3));
}

static void put_bytes(int d, const char *name, const void *p, size_t n)
{
	int fd = openat(d, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void test_files(void)
{
	int d = open(tmpdir, O_RDONLY | O_DIRECTORY);
	struct mh_state st, back;
	struct stat sb;

	errno = 0;
	CHECK(mh_state_load(d, &back) == 0 && errno == ENOENT && back.uidvalidity == 0);
	make_state(&st, 3, 1700000001);
	CHECK(mh_state_save(d, &st));
	CHECK(fstatat(d, MH_STATE_FILE, &sb, 0) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK(faccessat(d, MH_STATE_TMP_FILE, F_OK, 0) < 0);
	CHECK(mh_state_load(d, &back) == 1 && same_state(&st, &back));
	mh_state_free(&back);

	/* saved again over a leftover temporary file */
	put_bytes(d, MH_STATE_TMP_FILE, "junk", 4);
	st.uidnext++;
	CHECK(mh_state_save(d, &st));
	CHECK(mh_state_load(d, &back) == 1 && same_state(&st, &back));
	mh_state_free(&back);

	/* corrupt: the caller takes a new UIDVALIDITY, above the old */
	char *buf;
	size_t len;
	CHECK(mh_state_encode(&st, &buf, &len));
	buf[70] ^= 1;
	put_bytes(d, MH_STATE_FILE, buf, len);
	CHECK(mh_state_load(d, &back) == 0 && errno == EBADMSG && back.uidvalidity == 1700000001);
	CHECK(mh_state_new_uidvalidity(back.uidvalidity, 1700000000) == 1700000002);
	/* that failed load goes to reconcile as it is: no state, but above it */
	struct mh_state out;
	struct mh_state_diff diff;
	struct mh_state_file one = {1, id(1)};
	CHECK(mh_state_reconcile(&back, &one, 1, 1600000000, &out, &diff));
	CHECK(diff.reset == MH_STATE_NO_STATE && out.uidvalidity == 1700000002);
	CHECK(out.n == 1 && out.m[0].uid == 1 && out.uidnext == 2);
	mh_state_free(&out);
	mh_state_diff_free(&diff);
	/* every bit of the file, and every length short of it, through load
	 * (which reads records straight into place: its own code path) */
	buf[70] ^= 1;
	int all = 1;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (char)(1 << bit);
			put_bytes(d, MH_STATE_FILE, buf, len);
			uint32_t want = st.uidvalidity;
			if (i < 16)
				want = 0;
			else if (i < 20)
				want ^= 1u << (8 * (i - 16) + bit);
			errno = 0;
			if (mh_state_load(d, &back) != 0 || errno != EBADMSG ||
			    back.uidvalidity != want || back.m)
				all = 0;
			buf[i] ^= (char)(1 << bit);
		}
		put_bytes(d, MH_STATE_FILE, buf, i);
		if (mh_state_load(d, &back) != 0 || errno != EBADMSG || back.m)
			all = 0;
	}
	CHECK(all);
	put_bytes(d, MH_STATE_FILE, buf, len);
	CHECK(mh_state_load(d, &back) == 1 && same_state(&st, &back));
	mh_state_free(&back);
	put_bytes(d, MH_STATE_FILE, buf, 10);
	CHECK(mh_state_load(d, &back) == 0 && errno == EBADMSG && back.uidvalidity == 0);
	put_bytes(d, MH_STATE_FILE, "", 0);
	CHECK(mh_state_load(d, &back) == 0 && errno == EBADMSG);
	free(buf);

	/* not a regular file, or a symbolic link: corrupt, and replaced by a save */
	unlinkat(d, MH_STATE_FILE, 0);
	CHECK(symlinkat("/etc/passwd", d, MH_STATE_FILE) == 0);
	CHECK(mh_state_load(d, &back) == 0 && errno == EBADMSG);
	CHECK(mh_state_save(d, &st));
	CHECK(fstatat(d, MH_STATE_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode));
	CHECK(mh_state_load(d, &back) == 1 && same_state(&st, &back));
	mh_state_free(&back);
	unlinkat(d, MH_STATE_FILE, 0);
	CHECK(mkdirat(d, MH_STATE_FILE, 0700) == 0);
	CHECK(mh_state_load(d, &back) == 0 && errno == EBADMSG);
	CHECK(!mh_state_save(d, &st)); /* rename over a directory fails */
	CHECK(faccessat(d, MH_STATE_TMP_FILE, F_OK, 0) < 0);
	unlinkat(d, MH_STATE_FILE, AT_REMOVEDIR);
	mh_state_free(&st);
	close(d);
}

/* The header alone and single records, for an answer before the load. */
static void test_head(void)
{
	int d = open(tmpdir, O_RDONLY | O_DIRECTORY);
	struct mh_state st, head;
	struct mh_state_msg m;
	struct mh_ident fid;
	struct stat sb;
	uint32_t uid[1100];

	unlinkat(d, MH_STATE_FILE, 0);
	CHECK(mh_state_open_head(d, &head, &fid) < 0); /* none */
	make_state(&st, 1000, 1700000009);
	CHECK(mh_state_save(d, &st));
	int fd = mh_state_open_head(d, &head, &fid);
	CHECK(fd >= 0 && head.m == NULL);
	CHECK(head.uidvalidity == 1700000009 && head.uidnext == 10001 && head.n == 1000 &&
	      head.recent_uid == 10 && head.seqfile.ino == 42);
	CHECK(fstatat(d, MH_STATE_FILE, &sb, 0) == 0 && fid.ino == (uint64_t)sb.st_ino &&
	      fid.size == (int64_t)sb.st_size);
	CHECK(mh_state_record(fd, 0, &m) && m.num == 1 && m.uid == 10 &&
	      m.id.ino == st.m[0].id.ino);
	CHECK(mh_state_record(fd, 999, &m) && m.num == 1000 && m.uid == 10000 &&
	      m.id.size == st.m[999].id.size && m.id.mtime_ns == st.m[999].id.mtime_ns);
	CHECK(!mh_state_record(fd, 1000, &m)); /* the trailer is not a record */
	CHECK(mh_state_uids(fd, &head, uid) && uid[0] == 10 && uid[999] == 10000);
	close(fd);

	/* UIDs that do not ascend below UIDNEXT are refused; the header still
	 * reads (the checksum is the full load's to check). */
	char *buf;
	size_t len;
	st.m[500].uid = st.m[499].uid;
	CHECK(mh_state_encode(&st, &buf, &len) == 0); /* the encoder refuses it too */
	st.m[500].uid = 5010;
	CHECK(mh_state_encode(&st, &buf, &len));
	memcpy(buf + 64 + 500 * 32 + 4, buf + 64 + 499 * 32 + 4, 4); /* a duplicate UID */
	put_bytes(d, MH_STATE_FILE, buf, len);
	fd = mh_state_open_head(d, &head, &fid);
	CHECK(fd >= 0 && !mh_state_uids(fd, &head, uid));
	close(fd);
	/* A header that does not hold: no file given. */
	buf[8] = 9; /* version */
	put_bytes(d, MH_STATE_FILE, buf, len);
	CHECK(mh_state_open_head(d, &head, &fid) < 0);
	buf[8] = 1;
	put_bytes(d, MH_STATE_FILE, buf, len - 32); /* short of its count */
	CHECK(mh_state_open_head(d, &head, &fid) < 0);
	free(buf);
	mh_state_free(&st);
	unlinkat(d, MH_STATE_FILE, 0);
	close(d);
}

static void test_uidvalidity(void)
{
	CHECK(mh_state_new_uidvalidity(0, 1700000000) == 1700000000);
	CHECK(mh_state_new_uidvalidity(1700000000, 1700000000) == 1700000001); /* same second */
	CHECK(mh_state_new_uidvalidity(1800000000, 1700000000) == 1800000001); /* clock behind */
	CHECK(mh_state_new_uidvalidity(0xffffffffu, 5) == 5);
	CHECK(mh_state_new_uidvalidity(0, 0) == 1);
}

/* reconcile old against files; returns the reset reason, -1 on failure */
static int rec(const struct mh_state *old, const struct mh_state_file *f, size_t n,
               struct mh_state *out, struct mh_state_diff *d)
{
	if (!mh_state_reconcile(old, f, n, 1800000000, out, d))
		return -1;
	return (int)d->reset;
}

static const char *uids(const struct mh_state *st)
{
	static char buf[512];
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < st->n && len < sizeof buf - 24; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%u:%u", i ? " " : "",
		                        (unsigned)st->m[i].num, (unsigned)st->m[i].uid);
	return buf;
}

static const char *list(const uint32_t *v, size_t n)
{
	static char buf[256];
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && len < sizeof buf - 16; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%u", i ? " " : "",
		                        (unsigned)v[i]);
	return buf;
}

static void test_reconcile(void)
{
	struct mh_state old, out;
	struct mh_state_diff d;
	struct mh_state none = {0};
	struct mh_state_file f[8];
	make_state(&old, 4, 1700000000); /* 1:10 2:20 3:30 4:40, uidnext 41 */
	for (int i = 0; i < 4; i++)
		f[i] = (struct mh_state_file){(uint32_t)i + 1, id((uint64_t)i + 1)};

	/* no state: everything new under a new UIDVALIDITY */
	CHECK(rec(&none, f, 4, &out, &d) == MH_STATE_NO_STATE);
	CHECK(out.uidvalidity == 1800000000 && out.uidnext == 5 && d.nnew == 4);
	CHECK(out.recent_uid == 4); /* found, not arrived: none \Recent */
	CHECK_STR(uids(&out), "1:1 2:2 3:3 4:4");
	int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	CHECK(mh_state_save(dfd, &out)); /* it is savable */
	close(dfd);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* unchanged */
	CHECK(rec(&old, f, 4, &out, &d) == MH_STATE_KEPT);
	CHECK(same_state(&old, &out) && d.nnew == 0 && d.nexpunged == 0 && d.nchanged == 0);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* new files (inc) */
	f[4] = (struct mh_state_file){5, id(5)};
	f[5] = (struct mh_state_file){9, id(9)};
	CHECK(rec(&old, f, 6, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:20 3:30 4:40 5:41 9:42");
	CHECK(out.uidnext == 43 && d.nnew == 2 && out.uidvalidity == 1700000000);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* removed (rmm 2 4) */
	struct mh_state_file g[] = {f[0], f[2]};
	CHECK(rec(&old, g, 2, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 3:30");
	CHECK_STR(list(d.expunged, d.nexpunged), "20 40");
	CHECK(out.uidnext == 41);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* folder -pack after rmm 2: 3 and 4 become 2 and 3, UIDs kept */
	struct mh_state_file pack[] = {{1, id(1)}, {2, id(3)}, {3, id(4)}};
	CHECK(rec(&old, pack, 3, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:30 3:40");
	CHECK_STR(list(d.expunged, d.nexpunged), "20");
	CHECK(d.nrenumbered == 2 && d.nnew == 0);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* ... with a new message at the end too */
	struct mh_state_file pack2[] = {{1, id(1)}, {2, id(3)}, {3, id(4)}, {4, id(77)}};
	CHECK(rec(&old, pack2, 4, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:30 3:40 4:41");
	CHECK_STR(list(d.expunged, d.nexpunged), "20");
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* sortm swapped 2 and 3: UIDs cannot ascend, a new UIDVALIDITY */
	struct mh_state_file sorted[] = {{1, id(1)}, {2, id(3)}, {3, id(2)}, {4, id(4)}};
	CHECK(rec(&old, sorted, 4, &out, &d) == MH_STATE_ORDER_BROKEN);
	CHECK(out.uidvalidity == 1800000000 && out.uidnext == 5 && d.nnew == 4);
	CHECK(out.recent_uid == 4); /* renumbered, not new: none \Recent */
	CHECK(d.nexpunged == 0 && d.nchanged == 0);
	CHECK_STR(uids(&out), "1:1 2:2 3:3 4:4");
	mh_state_free(&out);
	mh_state_diff_free(&d);
	/* ... which is always above the old one, even with the clock behind */
	old.uidvalidity = 1900000000;
	CHECK(rec(&old, sorted, 4, &out, &d) == MH_STATE_ORDER_BROKEN);
	CHECK(out.uidvalidity == 1900000001);
	old.uidvalidity = 1700000000;
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* a sortm that keeps the order of the survivors keeps every UID */
	struct mh_state_file sorted2[] = {{1, id(2)}, {2, id(4)}};
	CHECK(rec(&old, sorted2, 2, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:20 2:40");
	CHECK_STR(list(d.expunged, d.nexpunged), "10 30");
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* a file changed in place in the middle (anno): same UID, reported */
	struct mh_state_file anno[] = {f[0], {2, {2, 5000, 1}}, f[2], f[3]};
	CHECK(rec(&old, anno, 4, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:20 3:30 4:40");
	CHECK_STR(list(d.changed, d.nchanged), "20");
	CHECK(d.nexpunged == 0 && d.nnew == 0 && out.m[1].id.size == 5000);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* rmm 4 then inc reusing number 4, even with the inode reused: a new
	 * UID (the old one expunged), since that keeps the order */
	struct mh_state_file reuse[] = {f[0], f[1], f[2], {4, {4, 1004, 5}}};
	CHECK(rec(&old, reuse, 4, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:20 3:30 4:41");
	CHECK_STR(list(d.expunged, d.nexpunged), "40");
	CHECK(d.nnew == 1 && d.nchanged == 0);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* an inode reused under another number with another mtime: new */
	struct mh_state_file moved[] = {f[0], f[1], f[2], {6, {4, 1004, 5}}};
	CHECK(rec(&old, moved, 4, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:20 3:30 6:41");
	CHECK_STR(list(d.expunged, d.nexpunged), "40");
	CHECK(d.nrenumbered == 0);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* a new file in the middle, at a number nobody had: order broken */
	struct mh_state old2;
	make_state(&old2, 4, 1700000000);
	old2.m[1].num = 3; /* numbers 1 3 4 5 */
	old2.m[2].num = 4;
	old2.m[3].num = 5;
	struct mh_state_file mid[] = {{1, id(1)}, {2, id(99)}, {3, id(2)}, {4, id(3)}, {5, id(4)}};
	CHECK(rec(&old2, mid, 5, &out, &d) == MH_STATE_ORDER_BROKEN);
	mh_state_free(&out);
	mh_state_diff_free(&d);
	mh_state_free(&old2);

	/* two numbers for one file (hard links): the first keeps the UID */
	struct mh_state_file links[] = {f[0], f[1], f[2], f[3], {5, id(4)}};
	CHECK(rec(&old, links, 5, &out, &d) == MH_STATE_KEPT);
	CHECK_STR(uids(&out), "1:10 2:20 3:30 4:40 5:41");
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* an empty folder: everything expunged, UIDNEXT kept */
	CHECK(rec(&old, f, 0, &out, &d) == MH_STATE_KEPT);
	CHECK(out.n == 0 && out.uidnext == 41 && d.nexpunged == 4);
	CHECK(out.recent_uid == old.recent_uid && out.seqfile.ino == 42);
	mh_state_free(&out);
	mh_state_diff_free(&d);

	/* UIDs run out */
	old.uidnext = 0xffffffffu;
	CHECK(rec(&old, f, 4, &out, &d) == MH_STATE_KEPT && out.uidnext == 0xffffffffu);
	mh_state_free(&out);
	mh_state_diff_free(&d);
	CHECK(rec(&old, f, 5, &out, &d) == MH_STATE_UIDS_EXHAUSTED);
	CHECK(out.uidvalidity == 1800000000 && out.uidnext == 6);
	mh_state_free(&out);
	mh_state_diff_free(&d);
	old.uidnext = 41;

	/* bad input */
	struct mh_state_file unsorted[] = {f[1], f[0]};
	CHECK(rec(&old, unsorted, 2, &out, &d) == -1 && errno == EINVAL);
	struct mh_state_file dup[] = {f[0], f[0]};
	CHECK(rec(&old, dup, 2, &out, &d) == -1 && errno == EINVAL);
	old.m[2].uid = 5;
	CHECK(rec(&old, f, 4, &out, &d) == -1 && errno == EINVAL && out.m == NULL);
	mh_state_free(&old);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 100,000 messages: correct, and the time printed (asserted by bench/,
 * not here). */
static void test_large(void)
{
	enum { N = 100000 };
	int d = open(tmpdir, O_RDONLY | O_DIRECTORY);
	struct mh_state st, back, out;
	struct mh_state_diff diff;
	make_state(&st, N, 1700000000);
	CHECK(mh_state_save(d, &st));
	double t0 = now_ms();
	CHECK(mh_state_load(d, &back) == 1);
	double t1 = now_ms();
	CHECK(same_state(&st, &back));
	struct mh_state_file *f = malloc(N * sizeof *f);
	for (size_t i = 1; i < N; i++) /* folder -pack after rmm 1, and the last one replaced */
		f[i] = (struct mh_state_file){(uint32_t)i, st.m[i].id};
	f[N - 1].id = id(N + 5);
	double t2 = now_ms();
	CHECK(mh_state_reconcile(&back, f + 1, N - 1, 1800000000, &out, &diff));
	double t3 = now_ms();
	CHECK(diff.reset == MH_STATE_KEPT && diff.nrenumbered == N - 2 && diff.nnew == 1);
	CHECK(diff.nexpunged == 2 && diff.expunged[0] == 10 && diff.expunged[1] == 10 * N);
	CHECK(out.n == N - 1 && out.m[0].num == 1 && out.m[0].uid == 20);
	CHECK(out.m[N - 2].num == N - 1 && out.m[N - 2].uid == 10 * N + 1 &&
	      out.uidnext == 10 * N + 2);
	printf("test_mh_state: 100,000 messages: load %.2f ms, reconcile %.2f ms\n", t1 - t0,
	       t3 - t2);
	free(f);
	mh_state_free(&st);
	mh_state_free(&back);
	mh_state_free(&out);
	mh_state_diff_free(&diff);
	close(d);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_encode_decode();
	test_uidvalidity();
	test_files();
	test_head();
	test_reconcile();
	test_large();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	(void)!system(cmd);
	return check_done("test_mh_state");
}
