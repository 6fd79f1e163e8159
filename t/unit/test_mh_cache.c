#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "mh_cache.h"

int main(void)
{
	char dir[] = "/tmp/asimap-cache.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct mh_cache_rec recs[3] = {{30, 100, 5, 104}, {10, 50, 7, 52}, {20, 1, 1, 1}}, *got;
	size_t n;
	CHECK(!mh_cache_load(dfd, &got, &n) && n == 0); /* none yet */
	CHECK(mh_cache_save(dfd, recs, 3));
	CHECK(mh_cache_load(dfd, &got, &n) && n == 3);
	CHECK(got[0].ino == 10 && got[1].ino == 20 && got[2].ino == 30); /* sorted */
	const struct mh_cache_rec *r = mh_cache_find(got, n, 30, 100, 5);
	CHECK(r && r->crlf_size == 104);
	CHECK(!mh_cache_find(got, n, 30, 100, 6)); /* another mtime: another file */
	CHECK(!mh_cache_find(got, n, 30, 101, 5));
	CHECK(!mh_cache_find(got, n, 31, 100, 5));
	free(got);
	/* Any flipped byte is a corrupt cache: no cache. */
	int fd = openat(dfd, MH_CACHE_FILE, O_RDONLY);
	unsigned char buf[24 + 3 * 32];
	CHECK(read(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
	close(fd);
	for (size_t i = 0; i < sizeof buf; i += 7) {
		buf[i] ^= 0x40;
		CHECK(!mh_cache_decode(buf, sizeof buf, &got, &n) && !got && n == 0);
		buf[i] ^= 0x40;
	}
	CHECK(mh_cache_decode(buf, sizeof buf, &got, &n) && n == 3);
	free(got);
	CHECK(!mh_cache_decode(buf, sizeof buf - 1, &got, &n));
	CHECK(mh_cache_save(dfd, recs, 0) && mh_cache_load(dfd, &got, &n) && n == 0);
	free(got);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_mh_cache");
}
