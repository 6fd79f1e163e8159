/* The COPY journal: encoding and decoding (whole, every prefix as a torn
 * append leaves it, damaged blocks, limits), writing one, and recovery:
 * exactly the listed copies go (not a message with a reused inode number,
 * not nmh's), their numbers leave every sequence first, the journal goes;
 * prepared copies that were never linked leave nothing behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mh_journal.h"
#include "mh_seq.h"
#include "mh_write.h"

static void test_roundtrip(void)
{
	struct mh_journal_id id[3] = {
	    {12, 345, 1700000000000000000}, {0, 0, 0}, {UINT64_MAX, 7, 1}};
	char *b1, *b2;
	size_t l1, l2;
	CHECK(mh_journal_encode(id, 3, &b1, &l1));
	CHECK(mh_journal_encode(id + 2, 1, &b2, &l2));
	CHECK(!mh_journal_encode(id, 0, &b2, &l2) && errno == EINVAL);
	CHECK(!mh_journal_encode(id, MH_JOURNAL_BLOCK_MAX + 1, &b2, &l2) && errno == EINVAL);
	CHECK(strncmp(b1, "B 3\n12 345 1700000000000000000\n0 0 0\n", 36) == 0);
	size_t hl = strlen(MH_JOURNAL_HEADER), len = hl + l1 + l2;
	char *text = malloc(len);
	memcpy(text, MH_JOURNAL_HEADER, hl);
	memcpy(text + hl, b1, l1);
	memcpy(text + hl + l1, b2, l2);
	struct mh_journal_id *got;
	size_t n;
	CHECK(mh_journal_decode(text, len, &got, &n) && n == 4);
	CHECK(n == 4 && memcmp(got, id, sizeof id) == 0 &&
	      memcmp(got + 3, id + 2, sizeof *id) == 0);
	free(got);
	/* every prefix: a torn append keeps the whole blocks before it */
	for (size_t k = 0; k <= len; k++) {
		size_t want = k < hl + l1 ? 0 : k < len ? 3 : 4;
		int ok = mh_journal_decode(text, k, &got, &n);
		CHECK(ok && n == want);
		CHECK(n == 0 ? got == NULL : memcmp(got, id, 3 * sizeof *id) == 0);
		free(got);
	}
	/* a damaged byte anywhere in a block: that block and what follows are
	 * not trusted */
	for (size_t k = hl; k < len; k++) {
		char save = text[k];
		text[k] = save == '1' ? '2' : '1';
		CHECK(mh_journal_decode(text, len, &got, &n) && n == (k < hl + l1 ? 0u : 3u));
		free(got);
		text[k] = save;
	}
	/* not a journal */
	CHECK(!mh_journal_decode("asimap-copy 2\n", 14, &got, &n) && errno == EINVAL && !got);
	CHECK(!mh_journal_decode("x", 1, &got, &n) && errno == EINVAL);
	CHECK(mh_journal_decode("asimap-c", 8, &got, &n) && n == 0);
	free(text);
	/* one spelling: leading zeros, signs, spaces are not whole blocks */
	static const char *bad[] = {
	    "asimap-copy 1\nB 01\n1 2 3\nE 0000000000000000\n",
	    "asimap-copy 1\nB 1\n01 2 3\nE 0000000000000000\n",
	    "asimap-copy 1\nB 1\n1 2 -3\nE 0000000000000000\n",
	    "asimap-copy 1\nB 1\n1  2 3\nE 0000000000000000\n",
	    "asimap-copy 1\nB 0\nE 0000000000000000\n",
	    "asimap-copy 1\nB 1\n1 2 99999999999999999999\nE 0000000000000000\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(mh_journal_decode(bad[i], strlen(bad[i]), &got, &n) && n == 0);
		free(got);
	}
	CHECK(!mh_journal_decode(b1, (size_t)MH_JOURNAL_FILE_MAX_BYTES + 1, &got, &n) &&
	      errno == EFBIG);
	free(b1);
	free(b2);
}

/* More entries than MH_JOURNAL_ENTRIES_MAX: E2BIG, not a silent cut. */
static void test_limit(void)
{
	struct mh_journal_id id[MH_JOURNAL_BLOCK_MAX] = {{0, 0, 0}};
	char *b;
	size_t l, hl = strlen(MH_JOURNAL_HEADER);
	CHECK(mh_journal_encode(id, MH_JOURNAL_BLOCK_MAX, &b, &l));
	size_t blocks = MH_JOURNAL_ENTRIES_MAX / MH_JOURNAL_BLOCK_MAX + 1;
	char *text = malloc(hl + blocks * l);
	memcpy(text, MH_JOURNAL_HEADER, hl);
	for (size_t i = 0; i < blocks; i++)
		memcpy(text + hl + i * l, b, l);
	struct mh_journal_id *got;
	size_t n;
	CHECK(!mh_journal_decode(text, hl + blocks * l, &got, &n) && errno == E2BIG && !got);
	CHECK(mh_journal_decode(text, hl + (blocks - 1) * l, &got, &n) &&
	      n == MH_JOURNAL_ENTRIES_MAX);
	free(got);
	free(text);
	free(b);
}

static int exists(int dirfd, const char *name)
{
	struct stat sb;
	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

static void put_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static char *seqs(int dirfd)
{
	static char buf[4096];
	int fd = openat(dirfd, MH_SEQ_FILE, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	return buf;
}

static int prepare(int dirfd, const char *text, struct mh_write_ready *r)
{
	static struct mh_write_tmp t;
	return mh_write_open(&t, dirfd, 0) && mh_write_put(&t, text, strlen(text)) &&
	       mh_write_prepare(&t, dirfd, 1700000000, r);
}

static int names(int dirfd)
{
	int n = 0, fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* A COPY of 3 into a folder of 2, interrupted after linking 2 of them and
 * writing their flags; meanwhile nmh adds a message. */
static void test_recover(int dirfd, int named)
{
	mh_write_named_temps(named);
	put_file(dirfd, "1", "one\n");
	put_file(dirfd, "2", "two\n");
	put_file(dirfd, MH_SEQ_FILE, "unseen: 1-5\nflagged: 2-4\ncur: 1\n");
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == 0); /* no journal */
	struct mh_write_ready r[3];
	struct mh_journal_id id[3];
	struct mh_journal j;
	CHECK(prepare(dirfd, "copy a\n", &r[0]) && prepare(dirfd, "copy b\n", &r[1]) &&
	      prepare(dirfd, "copy c\n", &r[2]));
	for (int i = 0; i < 3; i++)
		id[i] = (struct mh_journal_id){r[i].ino, r[i].size, r[i].mtime_ns};
	CHECK(mh_journal_begin(&j, dirfd));
	struct mh_journal j2;
	CHECK(!mh_journal_begin(&j2, dirfd) && errno == EEXIST && j2.fd == -1);
	CHECK(mh_journal_add(&j, id, 3) && j.n == 3);
	uint32_t num;
	CHECK(mh_write_link(&r[0], dirfd, 3, &num) && num == 3);
	CHECK(mh_write_link(&r[1], dirfd, 3, &num) && num == 4);
	mh_write_drop(&r[2], dirfd); /* the crash: never linked */
	mh_journal_close(&j);
	put_file(dirfd, "5", "from inc\n");
	CHECK(exists(dirfd, MH_JOURNAL_FILE));
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == 2);
	CHECK(exists(dirfd, "1") && exists(dirfd, "2") && exists(dirfd, "5"));
	CHECK(!exists(dirfd, "3") && !exists(dirfd, "4") && !exists(dirfd, MH_JOURNAL_FILE));
	CHECK_STR(seqs(dirfd), "unseen: 1-2 5\nflagged: 2\ncur: 1\n");
	CHECK(names(dirfd) == 4); /* 1 2 5 .mh_sequences: no temporary file */
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == 0);

	/* A complete COPY: linked, journal committed; recovery finds nothing. */
	CHECK(prepare(dirfd, "copy d\n", &r[0]));
	id[0] = (struct mh_journal_id){r[0].ino, r[0].size, r[0].mtime_ns};
	CHECK(mh_journal_begin(&j, dirfd) && mh_journal_add(&j, id, 1));
	CHECK(mh_write_link(&r[0], dirfd, 6, &num) && num == 6);
	CHECK(mh_journal_commit(&j, dirfd) && j.fd == -1);
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == 0 && exists(dirfd, "6"));

	/* A listed inode whose file changed size (not ours any more) stays. */
	struct stat sb;
	CHECK(fstatat(dirfd, "6", &sb, 0) == 0);
	id[0] =
	    (struct mh_journal_id){(uint64_t)sb.st_ino, (uint64_t)sb.st_size + 1,
	                           (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec};
	CHECK(mh_journal_begin(&j, dirfd) && mh_journal_add(&j, id, 1));
	mh_journal_close(&j);
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == 0 && exists(dirfd, "6") &&
	      !exists(dirfd, MH_JOURNAL_FILE));

	/* A journal that is not one stays, and so does everything else. */
	put_file(dirfd, MH_JOURNAL_FILE, "garbage\n");
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == -1 && errno == EINVAL);
	CHECK(exists(dirfd, MH_JOURNAL_FILE) && exists(dirfd, "6"));
	unlinkat(dirfd, MH_JOURNAL_FILE, 0);
	/* An empty one (torn before its header): nothing to undo. */
	put_file(dirfd, MH_JOURNAL_FILE, "");
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == 0 && !exists(dirfd, MH_JOURNAL_FILE));

	static const char *all[] = {"1", "2", "5", "6", MH_SEQ_FILE};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		unlinkat(dirfd, all[i], 0);
	mh_write_named_temps(0);
}

/* Many blocks: a journal of more than MH_JOURNAL_BLOCK_MAX, all undone. */
static void test_blocks(int dirfd)
{
	enum { N = MH_JOURNAL_BLOCK_MAX * 2 + 5 };
	static struct mh_journal_id id[N];
	struct mh_journal j;
	CHECK(mh_journal_begin(&j, dirfd));
	int ok = 1;
	for (int i = 0; i < N; i++) {
		struct mh_write_ready r;
		char text[32];
		uint32_t num;
		snprintf(text, sizeof text, "copy %d\n", i);
		ok &= prepare(dirfd, text, &r);
		id[i] = (struct mh_journal_id){r.ino, r.size, r.mtime_ns};
		if ((i + 1) % MH_JOURNAL_BLOCK_MAX == 0 || i == N - 1) {
			int from = i / MH_JOURNAL_BLOCK_MAX * MH_JOURNAL_BLOCK_MAX;
			ok &= mh_journal_add(&j, id + from, (size_t)(i + 1 - from));
		}
		ok &= mh_write_link(&r, dirfd, 1, &num) && num == (uint32_t)i + 1;
	}
	CHECK(ok && j.n == N);
	mh_journal_close(&j);
	CHECK(names(dirfd) == N + 1);
	CHECK(mh_journal_recover(dirfd, MH_SEQ_NOLOCK) == N);
	CHECK(names(dirfd) == 0);
}

int main(void)
{
	char dir[] = "/tmp/test_mh_journal.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0);
	test_roundtrip();
	test_limit();
	test_recover(dirfd, 0);
	test_recover(dirfd, 1);
	test_blocks(dirfd);
	close(dirfd);
	CHECK(rmdir(dir) == 0);
	return check_done("test_mh_journal");
}
