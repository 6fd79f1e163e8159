#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mh_cache.h"

static struct mh_meta meta(uint64_t ino, int64_t size, int64_t mt, const char *env)
{
	struct mh_meta m = {
	    {ino, size, mt},       size + 3, 7, env, "(BODY)", "(STRUCT)", "From: x\n\n",
	    (uint32_t)strlen(env), 6,        8, 9};
	return m;
}

static off_t file_size(int dfd)
{
	struct stat sb;
	return fstatat(dfd, MH_CACHE_FILE, &sb, 0) == 0 ? sb.st_size : -1;
}

static void put_file(int dfd, const void *p, size_t n)
{
	int fd = openat(dfd, MH_CACHE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	close(fd);
}

/* The entry for id, read back, is m (1), is not there (0), or is found
 * but unreadable (-1). */
static int entry_is(struct mh_cache *c, const struct mh_meta *m)
{
	int64_t crlf = -2;
	mh_cache_ref r = mh_cache_find(c, &m->id, &crlf);
	if (!r)
		return 0;
	const unsigned char *e = mh_cache_get(c, r);
	if (!e)
		return -1;
	struct mh_meta g;
	mh_meta_get(e, &g);
	return crlf == m->crlf_size && g.crlf_size == m->crlf_size && g.hdr_len == m->hdr_len &&
	               g.env_len == m->env_len && !memcmp(g.env, m->env, m->env_len) &&
	               g.body_len == m->body_len && !memcmp(g.body, m->body, m->body_len) &&
	               g.bs_len == m->bs_len && !memcmp(g.bs, m->bs, m->bs_len) &&
	               g.fields_len == m->fields_len && !memcmp(g.fields, m->fields, m->fields_len)
	           ? 1
	           : 2;
}

int main(void)
{
	char dir[] = "/tmp/asimap-cache.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct mh_cache c;
	mh_cache_init(&c);
	CHECK(!mh_cache_load(&c, dfd)); /* none yet */
	struct mh_meta a = meta(30, 100, 5, "(\"env a\")"), b = meta(10, 50, 7, "(\"b\")"),
	               z = meta(20, 1, 1, "");
	mh_cache_ref live[3] = {mh_cache_add(&c, &a), mh_cache_add(&c, &b), mh_cache_add(&c, &z)};
	CHECK(live[0] && live[1] && live[2]);
	/* Made and not saved yet: readable as they are. */
	CHECK(mh_cache_get(&c, live[1]) && !memcmp(mh_cache_get(&c, live[1]) + 64, "(\"b\")", 5));
	CHECK(entry_is(&c, &a) == 0); /* not in the file's index */
	CHECK(mh_cache_save(&c, dfd, live, 3));
	off_t first = file_size(dfd);
	CHECK(first > 8 && first % 8 == 0);
	/* The refs now name the entries in the file. */
	CHECK(entry_is(&c, &a) == 1 && entry_is(&c, &b) == 1 && entry_is(&c, &z) == 1);
	CHECK(mh_cache_find(&c, &a.id, NULL) == live[0]);
	mh_cache_free(&c);

	/* Read back: every field, found by its identity only. */
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 3 && c.file_len == (uint64_t)first);
	CHECK(entry_is(&c, &a) == 1 && entry_is(&c, &b) == 1 && entry_is(&c, &z) == 1);
	struct mh_ident id = {30, 100, 6}; /* another mtime: another file */
	CHECK(!mh_cache_find(&c, &id, NULL));
	id = (struct mh_ident){30, 101, 5};
	CHECK(!mh_cache_find(&c, &id, NULL));
	CHECK(!mh_cache_get(&c, 0) && errno == EINVAL);

	/* A new entry is appended, the rest of the file left as it is. */
	struct mh_meta d = meta(40, 9, 9, "(\"d\")");
	mh_cache_ref live2[4] = {mh_cache_find(&c, &a.id, NULL), mh_cache_find(&c, &b.id, NULL),
	                         mh_cache_find(&c, &z.id, NULL), mh_cache_add(&c, &d)};
	mh_cache_ref before[4];
	memcpy(before, live2, sizeof before);
	CHECK(mh_cache_save(&c, dfd, live2, 4));
	off_t second = file_size(dfd);
	CHECK(second > first);
	CHECK(!memcmp(before, live2, 3 * sizeof *live2) && live2[3] != before[3]);
	CHECK(entry_is(&c, &d) == 1);
	CHECK(mh_cache_save(&c, dfd, live2, 4) && file_size(dfd) == second); /* nothing new */
	/* Entries made and not live are dropped, not written. */
	for (uint64_t i = 0; i < 100; i++) {
		struct mh_meta dead = meta(1000 + i, 1, 1, "(\"a message that is gone\")");
		CHECK(mh_cache_add(&c, &dead));
	}
	CHECK(mh_cache_save(&c, dfd, live2, 4) && file_size(dfd) == second && c.nfresh == 0);
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 4 && c.file_len == (uint64_t)second);

	/* A later entry for the same identity wins, in this process and the next. */
	struct mh_meta a2 = meta(30, 100, 5, "(\"env a2\")");
	for (size_t i = 0; i < 4; i++)
		live2[i] = mh_cache_find(&c,
		                         i == 0   ? &a.id
		                         : i == 1 ? &b.id
		                         : i == 2 ? &z.id
		                                  : &d.id,
		                         NULL);
	live2[0] = mh_cache_add(&c, &a2);
	CHECK(mh_cache_save(&c, dfd, live2, 4) && file_size(dfd) > second);
	CHECK(entry_is(&c, &a2) == 1);
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 4 && entry_is(&c, &a2) == 1);

	/* Dead bytes outweigh the live ones: the file is rewritten with the
	 * live entries alone, and their refs follow. */
	static char big[3000];
	memset(big, 'x', sizeof big - 1);
	struct mh_meta bigs[4];
	mh_cache_ref l3[4];
	for (size_t i = 0; i < 4; i++) {
		bigs[i] = meta(500 + i, 10, 10, big);
		l3[i] = mh_cache_add(&c, &bigs[i]);
	}
	CHECK(mh_cache_save(&c, dfd, l3, 4));
	off_t grown = file_size(dfd);
	CHECK(grown > 4 * 3000);
	l3[1] = l3[2] = l3[3] = 0; /* three of them gone */
	CHECK(mh_cache_save(&c, dfd, l3, 4));
	CHECK(file_size(dfd) < 4000 && c.nidx == 1 && entry_is(&c, &bigs[0]) == 1 &&
	      entry_is(&c, &bigs[1]) == 0 && entry_is(&c, &a2) == 0);
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 1 && entry_is(&c, &bigs[0]) == 1);
	mh_cache_free(&c);

	/* A partial entry: the fields of a header, the wire size not known. */
	mh_cache_init(&c);
	struct mh_meta part = {{77, 7, 7}, -1, 0, "", "", "", "Subject: s\n\n", 0, 0, 0, 12};
	mh_cache_ref lp[1] = {mh_cache_add(&c, &part)};
	c.file_len = 0;
	CHECK(lp[0] && mh_cache_save(&c, dfd, lp, 1));
	mh_cache_free(&c);
	mh_cache_init(&c);
	int64_t crlf = 0;
	CHECK(mh_cache_load(&c, dfd) && mh_cache_find(&c, &part.id, &crlf) && crlf == -1 &&
	      entry_is(&c, &part) == 1);
	struct mh_meta below = part;
	below.crlf_size = -2;
	CHECK(!mh_cache_add(&c, &below));
	mh_cache_free(&c);

	/* Many entries, some bigger than the read window: each read back
	 * right, in order and out of order. */
	mh_cache_init(&c);
	enum { MANY = 3000 };
	static mh_cache_ref lm[MANY];
	static struct mh_meta mm[MANY];
	static char envs[MANY][24];
	char *huge = malloc(MH_CACHE_WINDOW + 1000);
	CHECK(huge != NULL);
	memset(huge, 'h', MH_CACHE_WINDOW + 999);
	huge[MH_CACHE_WINDOW + 999] = 0;
	for (size_t i = 0; i < MANY; i++) {
		snprintf(envs[i], sizeof envs[i], "(\"env %zu\")", i);
		mm[i] = meta(2000 + i, (int64_t)i, 1, i % 1000 == 7 ? huge : envs[i]);
		CHECK((lm[i] = mh_cache_add(&c, &mm[i])) != 0);
	}
	c.file_len = 0;
	CHECK(mh_cache_save(&c, dfd, lm, MANY));
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == MANY);
	int all = 1;
	for (size_t i = 0; i < MANY; i++)
		all &= entry_is(&c, &mm[i]) == 1;
	for (size_t i = MANY; i-- > 0;)
		all &= entry_is(&c, &mm[(i * 7919) % MANY]) == 1;
	CHECK(all);
	mh_cache_free(&c);
	free(huge);

	/* Any flipped byte: no entry is ever read wrong; those before the
	 * damage are read right; a damaged entry that is read has the file
	 * rewritten at the next save.  A torn end keeps the ones before. */
	mh_cache_init(&c);
	mh_cache_ref l4[3] = {mh_cache_add(&c, &a), mh_cache_add(&c, &b), mh_cache_add(&c, &z)};
	c.file_len = 0;
	CHECK(mh_cache_save(&c, dfd, l4, 3));
	mh_cache_free(&c);
	int fd = openat(dfd, MH_CACHE_FILE, O_RDONLY);
	unsigned char buf[4096];
	ssize_t len = read(fd, buf, sizeof buf);
	close(fd);
	CHECK(len == first);
	const struct mh_meta *order[3] = {&a, &b, &z};
	size_t start[4] = {8};
	for (size_t k = 0; k < 3; k++)
		start[k + 1] = start[k] + (buf[start[k]] | buf[start[k] + 1] << 8);
	CHECK(start[3] == (size_t)len);
	int bad = 0;
	for (size_t i = 0; i < (size_t)len; i++) {
		buf[i] ^= 0x40;
		put_file(dfd, buf, (size_t)len);
		mh_cache_init(&c);
		int ok = mh_cache_load(&c, dfd);
		if (i < 8) {
			bad |= ok || c.nidx != 0;
		} else {
			int read_damaged = 0;
			for (size_t k = 0; k < 3; k++) {
				int r = entry_is(&c, order[k]);
				int damaged = i >= start[k] && i < start[k + 1];
				bad |=
				    r == 2 || (i >= start[k + 1] && r != 1) || (damaged && r == 1);
				read_damaged |= damaged && r == -1;
			}
			bad |= read_damaged && c.file_len != 0;
		}
		mh_cache_free(&c);
		buf[i] ^= 0x40;
	}
	CHECK(!bad);
	put_file(dfd, buf, (size_t)len - 1);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 2 && c.file_len == 0 && entry_is(&c, &a) == 1 &&
	      entry_is(&c, &b) == 1 && entry_is(&c, &z) == 0);
	mh_cache_free(&c);

	/* Changed in place under a reader: the entry is refused, not used. */
	put_file(dfd, buf, (size_t)len);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 3);
	fd = openat(dfd, MH_CACHE_FILE, O_WRONLY);
	CHECK(pwrite(fd, "X", 1, (off_t)start[1] + 66) == 1);
	close(fd);
	c.win_len = 0; /* as when the read window has moved on */
	CHECK(entry_is(&c, &a) == 1 && entry_is(&c, &b) == -1 && errno == EIO && c.file_len == 0);
	mh_cache_free(&c);

	/* Not the file this process wrote: rewritten, not appended to. */
	put_file(dfd, buf, (size_t)len);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd));
	put_file(dfd, "asimapC3", 8);
	mh_cache_ref l5[2] = {mh_cache_find(&c, &a.id, NULL), mh_cache_add(&c, &d)};
	CHECK(mh_cache_save(&c, dfd, l5, 2));
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 2 && entry_is(&c, &a) == 1 &&
	      entry_is(&c, &d) == 1);
	mh_cache_free(&c);

	/* A file replaced by another (renamed over it) while loaded: the
	 * entries still come from the file that was read. */
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd));
	CHECK(renameat(dfd, MH_CACHE_FILE, dfd, "old") == 0);
	put_file(dfd, "asimapC3", 8);
	CHECK(entry_is(&c, &a) == 1);
	mh_cache_ref l6[2] = {mh_cache_find(&c, &d.id, NULL), mh_cache_add(&c, &b)};
	CHECK(mh_cache_save(&c, dfd, l6, 2) && entry_is(&c, &d) == 1 && entry_is(&c, &b) == 1 &&
	      c.nidx == 2);
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 2 && entry_is(&c, &d) == 1 &&
	      entry_is(&c, &b) == 1 && entry_is(&c, &a) == 0);
	mh_cache_free(&c);

	/* Files of earlier versions are no cache. */
	put_file(dfd, "asimapC1\0\0\0\0\0\0\0\0", 16);
	mh_cache_init(&c);
	CHECK(!mh_cache_load(&c, dfd) && c.nidx == 0);
	mh_cache_free(&c);
	put_file(dfd, "asimapC2\0\0\0\0\0\0\0\0", 16);
	mh_cache_init(&c);
	CHECK(!mh_cache_load(&c, dfd) && c.nidx == 0);
	mh_cache_free(&c);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_mh_cache");
}
