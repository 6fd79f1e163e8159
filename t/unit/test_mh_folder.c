/* mh_folder: listing a folder, building it from a state file's list, and
 * refreshing only the files inotify named; the stamp of mh_state. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mh_folder.h"
#include "mh_state.h"

static char dir[] = "/tmp/test_mh_folder.XXXXXX";
static int dfd;

static void put(const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static int dup_dir(void)
{
	return fcntl(dfd, F_DUPFD_CLOEXEC, 0);
}

static const char *nums(const struct mh_folder *f)
{
	static char buf[256];
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < f->n && o < sizeof buf - 16; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%u%s", i ? " " : "", f->m[i].num,
		                      f->m[i].flags & MH_SEEN ? "" : "u");
	return buf;
}

static void test_names(void)
{
	CHECK(mh_msg_num("1") == 1 && mh_msg_num("999999999") == 999999999);
	CHECK(!mh_msg_num("0") && !mh_msg_num("01") && !mh_msg_num("1234567890") &&
	      !mh_msg_num("") && !mh_msg_num("1a") && !mh_msg_num(".mh_sequences") &&
	      !mh_msg_num(",1"));
}

static void test_refresh(void)
{
	put("1", "a\n");
	put("2", "bb\n");
	put("5", "ccccc\n");
	put("README", "not a message\n");
	put(".mh_sequences", "unseen: 2 5\n");
	struct mh_folder f, g;
	CHECK(mh_folder_load(&f, dup_dir(), "unseen"));
	CHECK(!strcmp(nums(&f), "1 2u 5u"));
	CHECK(f.m[0].verified && f.m[1].size == 3);
	f.m[0].crlf_size = 99; /* known metadata of a file that stays */
	f.m[0].uid = 7;

	/* 2 removed, 3 added, 5 replaced by a longer file, 9 named but absent,
	 * the flags now from the new .mh_sequences. */
	unlinkat(dfd, "2", 0);
	put("3", "ddd\n");
	put("5", "eeeeeeeeee\n");
	put(".mh_sequences", "unseen: 1 3\nflagged: 3\n");
	uint32_t named[] = {5, 9, 2, 3, 3};
	CHECK(mh_folder_refresh(&g, &f, dup_dir(), named, 5, "unseen"));
	CHECK(!strcmp(nums(&g), "1u 3u 5"));
	CHECK(g.m[0].crlf_size == 99 && g.m[0].uid == 7);   /* not named: kept */
	CHECK(g.m[2].size == 11 && g.m[2].crlf_size == -1); /* changed: forgotten */
	CHECK((g.m[1].flags & MH_FLAGGED) && !(g.m[0].flags & MH_FLAGGED));
	mh_folder_free(&g);

	/* Nothing named: the same messages, flags read again. */
	CHECK(mh_folder_refresh(&g, &f, dup_dir(), NULL, 0, "unseen"));
	CHECK(!strcmp(nums(&g), "1u 2 5"));
	mh_folder_free(&g);
	mh_folder_free(&f);

	/* From a state's list: no file looked at, all unverified. */
	struct mh_state_msg sm[2] = {{1, 1, {11, 2, 1500000000}}, {3, 2, {12, 4, -1}}};
	CHECK(mh_folder_from_list(&f, dup_dir(), "unseen", sm, 2));
	CHECK(!strcmp(nums(&f), "1u 3u") && !f.m[0].verified && !f.m[1].verified);
	CHECK(f.m[0].ino == 11 && mh_msg_date(&f.m[0]) == 1 && mh_msg_date(&f.m[1]) == -1);
	mh_folder_free(&f);
}

static void test_read_head(void)
{
	struct mh_folder f;
	char big[20000];
	memset(big, 'x', sizeof big);
	memcpy(big, "Subject: s\n", 11);
	memcpy(big + 9000, "\n\n", 2); /* the header ends past the first read */
	big[sizeof big - 1] = 0;
	put("1", big);
	put("2", "Subject: t\n\nbody\n");
	put("3", "no empty line at all");
	put("4", "\r\nbody after an empty first line");
	unlinkat(dfd, ".mh_sequences", 0);
	CHECK(mh_folder_load(&f, dup_dir(), "unseen"));
	const struct {
		size_t min, max;
		int whole;
	} want[] = {{9002, 19999, 0}, {17, 17, 0}, {20, 20, 1}, {2, 4096, 0}};
	for (size_t i = 0; i < f.n && i < 4; i++) {
		char *d;
		size_t n;
		int whole;
		CHECK(mh_msg_read_head(&f, i, &d, &n, &whole));
		CHECK(n >= want[i].min && n <= want[i].max && whole == want[i].whole);
		free(d);
	}
	mh_folder_free(&f);
}

static void test_stamp(void)
{
	struct mh_stamp s = {123456789, {42, 3200072, 987654321}}, got;
	CHECK(!mh_stamp_read(dfd, &got)); /* none */
	int fd = openat(dfd, MH_STAMP_FILE, O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK(!mh_stamp_read(dfd, &got)); /* empty */
	CHECK(mh_stamp_write(fd, &s) && mh_stamp_read(dfd, &got));
	CHECK(got.dir_mtime_ns == s.dir_mtime_ns && got.state_id.ino == 42 &&
	      got.state_id.size == 3200072 && got.state_id.mtime_ns == 987654321);
	CHECK(mh_stamp_write(fd, NULL) && !mh_stamp_read(dfd, &got)); /* vouches for nothing */
	CHECK(mh_stamp_write(fd, &s));
	for (off_t at = 0; at < 48; at += 5) {
		unsigned char b;
		CHECK(pread(fd, &b, 1, at) == 1);
		b ^= 0x10;
		CHECK(pwrite(fd, &b, 1, at) == 1);
		CHECK(!mh_stamp_read(dfd, &got));
		b ^= 0x10;
		CHECK(pwrite(fd, &b, 1, at) == 1);
	}
	CHECK(mh_stamp_read(dfd, &got));
	close(fd);
}

/* A folder of the numbers nums[0..n) (no files needed: from a list). */
static struct mh_state_msg list[400];
static size_t nlist;

static int list_num(void *ctx, size_t i, uint32_t *num)
{
	(void)ctx;
	*num = list[i].num;
	return 1;
}

/* What SELECT says from .mh_sequences alone (mh_folder_peek) is what the
 * loaded folder says: the first unseen message and the keywords. */
static void same_as_peek(const struct mh_folder *f)
{
	struct mh_peek p;
	CHECK(mh_folder_peek(dfd, "unseen", nlist, list_num, NULL, &p));
	size_t first = 0;
	for (size_t i = 0; i < f->n && !first; i++)
		if (!(f->m[i].flags & MH_SEEN))
			first = i + 1;
	CHECK(p.first_unseen == first);
	CHECK(p.nkw == f->nkw);
	for (size_t i = 0; i < p.nkw && i < f->nkw; i++)
		CHECK_STR(p.kw[i], f->kw[i]);
	mh_peek_free(&p);
}

static uint32_t rnd(void)
{
	static uint64_t x = 88172645463325252ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)x;
}

static void test_sequences(void)
{
	struct mh_folder f;
	nlist = 0;
	for (uint32_t v = 1; v <= 380; v++)
		if (v % 7) /* holes: numbers are not positions */
			list[nlist++] = (struct mh_state_msg){v, v, {v, 10, 0}};
	/* The cases SELECT meets. */
	const char *files[] = {
	    "unseen: 4-6 9\nflagged: 1 3\n$Forwarded: 2-3\nurgent: 7\n",
	    "unseen: 250 100-120 7\n",                                 /* not ascending */
	    "unseen: 7 14 21\nflagged: 7-8\n",                         /* only holes: none unseen */
	    "cur: 5\nSeen: 1-9\nRecent: 3\nunseen: 380\nx: 1\nx: 2\n", /* skipped; a name twice */
	    "unseen: 1-2 2-3 300-2000\nreplied: 0 5-4 x 9\n",          /* overlaps; odd tokens */
	    "",
	    "no colon here\n: empty name\nunseen:\n",
	};
	for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
		put(".mh_sequences", files[k]);
		CHECK(mh_folder_from_list(&f, dup_dir(), "unseen", list, nlist));
		same_as_peek(&f);
		mh_folder_free(&f);
	}
	put(".mh_sequences", files[0]);
	CHECK(mh_folder_from_list(&f, dup_dir(), "unseen", list, nlist));
	CHECK(!strncmp(nums(&f), "1 2 3 4u 5u 6u 8 9u 10", 22));
	CHECK(f.nkw == 2 && !strcmp(f.kw[0], "$Forwarded") && !strcmp(f.kw[1], "urgent"));
	CHECK((f.m[0].flags & MH_FLAGGED) && !(f.m[1].flags & MH_FLAGGED) &&
	      (f.m[2].flags & MH_FLAGGED) && f.m[1].keywords == 1 && f.m[2].keywords == 1 &&
	      f.m[6].keywords == 0); /* 7, urgent, is a hole */
	mh_folder_free(&f);
	/* Tokens as nmh takes them: "N" and "N-M" of digits, others passed
	 * over (not the end of the list); a CR is white space. */
	put(".mh_sequences", "flagged: 2- 5 +6 0 8-9x 10 11-12\r\n");
	CHECK(mh_folder_from_list(&f, dup_dir(), "unseen", list, nlist));
	uint32_t got[8], ngot = 0;
	for (size_t i = 0; i < f.n && ngot < 8; i++)
		if (f.m[i].flags & MH_FLAGGED)
			got[ngot++] = f.m[i].num;
	CHECK(ngot == 4 && got[0] == 5 && got[1] == 10 && got[2] == 11 && got[3] == 12);
	mh_folder_free(&f);
	unlinkat(dfd, ".mh_sequences", 0);
	CHECK(mh_folder_from_list(&f, dup_dir(), "unseen", list, nlist));
	same_as_peek(&f);
	mh_folder_free(&f);

	/* Many ranges, in order or not, overlapping or not: every message's
	 * flags are its numbers' membership, however the ranges are found. */
	static uint8_t in_unseen[2100], in_flagged[2100], in_kw[2100];
	for (int round = 0; round < 300; round++) {
		char text[20000];
		size_t o = 0;
		memset(in_unseen, 0, sizeof in_unseen);
		memset(in_flagged, 0, sizeof in_flagged);
		memset(in_kw, 0, sizeof in_kw);
		const char *names[] = {"unseen", "flagged", "kw"};
		uint8_t *sets[] = {in_unseen, in_flagged, in_kw};
		for (int q = 0; q < 3; q++) {
			o += (size_t)snprintf(text + o, sizeof text - o, "%s:", names[q]);
			int ranges = (int)(rnd() % 60), ascending = rnd() % 4 != 0;
			uint32_t at = 1;
			for (int r = 0; r < ranges; r++) {
				uint32_t lo = ascending ? at + rnd() % 20 : 1 + rnd() % 400;
				uint32_t hi = lo + (rnd() % 3 ? 0 : rnd() % 30);
				at = hi + 1 + rnd() % 3;
				o += (size_t)(lo == hi
				                  ? snprintf(text + o, sizeof text - o, " %u", lo)
				                  : snprintf(text + o, sizeof text - o, " %u-%u",
				                             lo, hi));
				for (uint32_t v = lo; v <= hi && v < 2100; v++)
					sets[q][v] = 1;
			}
			o += (size_t)snprintf(text + o, sizeof text - o, "\n");
		}
		put(".mh_sequences", text);
		CHECK(mh_folder_from_list(&f, dup_dir(), "unseen", list, nlist));
		int all = 1;
		for (size_t i = 0; i < f.n; i++) {
			uint32_t v = f.m[i].num;
			all &= (!(f.m[i].flags & MH_SEEN)) == in_unseen[v];
			all &= (!!(f.m[i].flags & MH_FLAGGED)) == in_flagged[v];
			all &= (f.m[i].keywords == 1) == in_kw[v];
		}
		CHECK(all);
		same_as_peek(&f);
		mh_folder_free(&f);
	}
	unlinkat(dfd, ".mh_sequences", 0);
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	test_names();
	test_refresh();
	test_stamp();
	test_sequences();
	char cmd0[128];
	snprintf(cmd0, sizeof cmd0, "rm -f %s/[0-9]* %s/README", dir, dir);
	CHECK(system(cmd0) == 0);
	test_read_head();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_mh_folder");
}
