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
	struct mh_meta m = {{ino, size, mt},       size + 3, 7, env, "(BODY)", "(STRUCT)",
	                    (uint32_t)strlen(env), 6,        8};
	return m;
}

static off_t file_size(int dfd)
{
	struct stat sb;
	return fstatat(dfd, MH_CACHE_FILE, &sb, 0) == 0 ? sb.st_size : -1;
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
	const unsigned char *live[3] = {mh_cache_add(&c, &a), mh_cache_add(&c, &b),
	                                mh_cache_add(&c, &z)};
	CHECK(live[0] && live[1] && live[2]);
	CHECK(mh_cache_save(&c, dfd, live, 3));
	off_t first = file_size(dfd);
	CHECK(first > 8 && first % 8 == 0);
	mh_cache_free(&c);

	/* Read back: every field, found by its identity only. */
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 3);
	struct mh_ident id = {30, 100, 5};
	const unsigned char *e = mh_cache_find(&c, &id);
	struct mh_meta got;
	CHECK(e != NULL);
	mh_meta_get(e, &got);
	CHECK(got.crlf_size == 103 && got.hdr_len == 7 && got.env_len == 9 &&
	      !memcmp(got.env, "(\"env a\")", 9) && got.body_len == 6 &&
	      !memcmp(got.body, "(BODY)", 6) && got.bs_len == 8 && !memcmp(got.bs, "(STRUCT)", 8));
	id.mtime_ns = 6; /* another mtime: another file */
	CHECK(!mh_cache_find(&c, &id));
	id = (struct mh_ident){30, 101, 5};
	CHECK(!mh_cache_find(&c, &id));
	id = (struct mh_ident){20, 1, 1};
	CHECK((e = mh_cache_find(&c, &id)) != NULL);
	mh_meta_get(e, &got);
	CHECK(got.env_len == 0);

	/* A new entry is appended, the rest of the file left as it is. */
	struct mh_meta d = meta(40, 9, 9, "(\"d\")");
	const unsigned char *live2[4] = {mh_cache_find(&c, &(struct mh_ident){30, 100, 5}),
	                                 mh_cache_find(&c, &(struct mh_ident){10, 50, 7}),
	                                 mh_cache_find(&c, &(struct mh_ident){20, 1, 1}),
	                                 mh_cache_add(&c, &d)};
	CHECK(mh_cache_save(&c, dfd, live2, 4));
	off_t second = file_size(dfd);
	CHECK(second > first);
	CHECK(mh_cache_save(&c, dfd, live2, 4) && file_size(dfd) == second); /* nothing new */
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 4 && c.file_len == (size_t)second);

	/* Entries of messages gone: the file is rewritten with the live ones
	 * once the dead ones outweigh them. */
	const struct mh_ident ids[4] = {{30, 100, 5}, {10, 50, 7}, {20, 1, 1}, {40, 9, 9}};
	for (size_t i = 0; i < 4; i++)
		CHECK((live2[i] = mh_cache_find(&c, &ids[i])) != NULL);
	for (uint64_t i = 0; i < MH_CACHE_SLACK / 64; i++) {
		struct mh_meta dead = meta(1000 + i, 1, 1, "(\"a message that is gone\")");
		CHECK(mh_cache_add(&c, &dead));
	}
	CHECK(mh_cache_save(&c, dfd, live2, 4) && file_size(dfd) == second);
	/* A later entry for the same identity wins. */
	struct mh_meta a2 = meta(30, 100, 5, "(\"env a2\")");
	live2[0] = mh_cache_add(&c, &a2);
	CHECK(mh_cache_save(&c, dfd, live2, 4) && file_size(dfd) > second);
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 4);
	CHECK((e = mh_cache_find(&c, &ids[0])) != NULL);
	mh_meta_get(e, &got);
	CHECK(got.env_len == 10 && !memcmp(got.env, "(\"env a2\")", 10));
	mh_cache_free(&c);

	/* Any flipped byte, and a torn end, keep the entries before it. */
	mh_cache_init(&c);
	const unsigned char *l4[3] = {mh_cache_add(&c, &a), mh_cache_add(&c, &b),
	                              mh_cache_add(&c, &z)};
	c.file_len = 0;
	CHECK(mh_cache_save(&c, dfd, l4, 3));
	mh_cache_free(&c);
	int fd = openat(dfd, MH_CACHE_FILE, O_RDONLY);
	unsigned char buf[4096];
	ssize_t len = read(fd, buf, sizeof buf);
	close(fd);
	CHECK(len == first);
	size_t e1 = 8 + (buf[8] | buf[9] << 8); /* end of the first entry */
	for (size_t i = 0; i < (size_t)len; i += 5) {
		buf[i] ^= 0x40;
		mh_cache_init(&c);
		int ok = mh_cache_decode(&c, buf, (size_t)len, 0);
		CHECK(i < 8 ? !ok && c.nidx == 0 : ok && c.file_len == 0);
		CHECK(i < 8 || c.nidx == (i < e1                                          ? 0u
		                          : i < e1 + (size_t)(buf[e1] | buf[e1 + 1] << 8) ? 1u
		                                                                          : 2u));
		mh_cache_free(&c);
		buf[i] ^= 0x40;
	}
	mh_cache_init(&c);
	CHECK(mh_cache_decode(&c, buf, (size_t)len - 1, 0) && c.nidx == 2 && c.file_len == 0);
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_decode(&c, buf, (size_t)len, 0) && c.nidx == 3 && c.file_len == (size_t)len);
	mh_cache_free(&c);

	/* Not the file this process wrote: rewritten, not appended to. */
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd));
	fd = openat(dfd, MH_CACHE_FILE, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "asimapC2", 8) == 8);
	close(fd);
	const unsigned char *l5[2] = {c.idx[0], mh_cache_add(&c, &d)};
	CHECK(mh_cache_save(&c, dfd, l5, 2));
	mh_cache_free(&c);
	mh_cache_init(&c);
	CHECK(mh_cache_load(&c, dfd) && c.nidx == 2);
	mh_cache_free(&c);

	/* A version 1 file (sizes only) is no cache. */
	fd = openat(dfd, MH_CACHE_FILE, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "asimapC1\0\0\0\0\0\0\0\0", 16) == 16);
	close(fd);
	mh_cache_init(&c);
	CHECK(!mh_cache_load(&c, dfd) && c.nidx == 0);
	mh_cache_free(&c);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_mh_cache");
}
