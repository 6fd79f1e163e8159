/* Writing messages a piece at a time: the bytes stored (CRLF as LF across
 * piece boundaries), the IMAP size, numbers, dates, temporary files
 * (unnamed and named) and sweeping what dead writers left. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "imap_write.h"
#include "mh_write.h"

static struct mh_write_tmp tmp;

static int read_file(int dirfd, const char *name, char *buf, size_t cap, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	if (n < 0)
		return 0;
	*len = (size_t)n;
	return 1;
}

/* Names in the directory other than numbers: temporary files. */
static int count_temps(int dirfd)
{
	int n = 0, fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* The old whole-buffer transformation: every CRLF stored as LF. */
static size_t reference(const char *in, size_t n, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!(in[i] == '\r' && i + 1 < n && in[i + 1] == '\n'))
			out[k++] = in[i];
	return k;
}

static void test_pieces(int dirfd)
{
	static const char in[] = "From: a\r\nSubject: \r\r\n\r\nbare\nlone\rcr\r\n\r\n.\r\n\rend\r";
	size_t n = sizeof in - 1;
	char want[128], got[128];
	size_t wn = reference(in, n, want), gn = 0;
	uint32_t num, prev = 0;
	for (size_t step = 1; step <= n; step++) {
		CHECK(mh_write_open(&tmp, dirfd, 1));
		for (size_t off = 0; off < n; off += step)
			CHECK(mh_write_put(&tmp, in + off, off + step > n ? n - off : step));
		CHECK(count_temps(dirfd) == 0); /* unnamed */
		uint64_t crlf = mh_write_crlf_size(&tmp);
		uint64_t ino = 0;
		CHECK(mh_write_commit(&tmp, dirfd, 1700000000, 1, &num, &ino));
		CHECK(num == prev + 1);
		prev = num;
		char name[16];
		snprintf(name, sizeof name, "%u", num);
		CHECK(read_file(dirfd, name, got, sizeof got, &gn));
		CHECK_MEM(got, gn, want, wn);
		CHECK(crlf == imap_crlf_size(got, gn, 0));
		struct stat sb;
		CHECK(fstatat(dirfd, name, &sb, 0) == 0 && sb.st_mtime == 1700000000 &&
		      sb.st_ino == ino);
	}
	/* The whole-buffer call stores the same, and without the
	 * transformation stores the bytes as they are. */
	char name[16];
	CHECK(mh_write_add(dirfd, in, n, 1, -1, 1, &num) && num == prev + 1);
	snprintf(name, sizeof name, "%u", num);
	CHECK(read_file(dirfd, name, got, sizeof got, &gn));
	CHECK_MEM(got, gn, want, wn);
	CHECK(mh_write_add(dirfd, in, n, 0, -1, 1, &num) && num == prev + 2);
	snprintf(name, sizeof name, "%u", num);
	CHECK(read_file(dirfd, name, got, sizeof got, &gn));
	CHECK_MEM(got, gn, in, n);
}

static void test_big(int dirfd)
{
	/* More than the buffer and than one write-back kick, in odd pieces. */
	static char piece[70001];
	for (size_t i = 0; i < sizeof piece; i++)
		piece[i] = i % 61 == 60 ? '\n' : (i % 61 == 59 ? '\r' : (char)('a' + i % 26));
	uint64_t want = 0;
	uint32_t num;
	CHECK(mh_write_open(&tmp, dirfd, 1));
	for (int k = 0; k < 150; k++) {
		CHECK(mh_write_put(&tmp, piece, sizeof piece));
		want += sizeof piece;
	}
	/* every LF had its CR: the wire size is what was sent */
	CHECK(mh_write_crlf_size(&tmp) == want);
	CHECK(mh_write_commit(&tmp, dirfd, -1, 1000, &num, NULL));
	char name[16];
	struct stat sb;
	snprintf(name, sizeof name, "%u", num);
	CHECK(num == 1000 && fstatat(dirfd, name, &sb, 0) == 0);
	CHECK((uint64_t)sb.st_size < want && (uint64_t)sb.st_size == tmp.size);
}

static void test_named(int dirfd)
{
	uint32_t num;
	mh_write_named_temps(1);
	CHECK(mh_write_open(&tmp, dirfd, 1));
	CHECK(strncmp(tmp.name, MH_WRITE_TEMP_PREFIX, strlen(MH_WRITE_TEMP_PREFIX)) == 0);
	CHECK(count_temps(dirfd) == 1);
	CHECK(mh_write_put(&tmp, "x\r\n", 3));
	CHECK(mh_write_commit(&tmp, dirfd, -1, 5000, &num, NULL) && num == 5000);
	CHECK(count_temps(dirfd) == 0 && tmp.fd == -1);
	CHECK(mh_write_open(&tmp, dirfd, 1) && mh_write_put(&tmp, "y", 1));
	CHECK(count_temps(dirfd) == 1);
	mh_write_abort(&tmp, dirfd);
	mh_write_abort(&tmp, dirfd); /* twice is fine */
	CHECK(count_temps(dirfd) == 0);
	mh_write_named_temps(0);
}

static void make(int dirfd, const char *name, time_t mtime)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
	CHECK(futimens(fd, ts) == 0);
	close(fd);
}

static void test_sweep(int dirfd)
{
	time_t now = time(NULL);
	char mine[64];
	snprintf(mine, sizeof mine, MH_WRITE_TEMP_PREFIX "%ld.7", (long)getpid());
	make(dirfd, MH_WRITE_TEMP_PREFIX "1.0", now - 7200); /* a dead writer's */
	make(dirfd, MH_WRITE_TEMP_PREFIX "1.1", now - 60);   /* recent: maybe in use */
	make(dirfd, mine, now - 7200);                       /* this process's */
	make(dirfd, ".asimap-newer", now - 7200);            /* another pattern */
	make(dirfd, "9999", now - 7200);                     /* a message */
	CHECK(mh_write_sweep(dirfd, (int64_t)now - 3600) == 1);
	struct stat sb;
	CHECK(fstatat(dirfd, MH_WRITE_TEMP_PREFIX "1.0", &sb, 0) < 0);
	CHECK(fstatat(dirfd, MH_WRITE_TEMP_PREFIX "1.1", &sb, 0) == 0);
	CHECK(fstatat(dirfd, mine, &sb, 0) == 0);
	CHECK(fstatat(dirfd, ".asimap-newer", &sb, 0) == 0);
	CHECK(fstatat(dirfd, "9999", &sb, 0) == 0);
	CHECK(mh_write_sweep(dirfd, (int64_t)now) == 1); /* now the recent one too */
}

int main(void)
{
	char dir[] = "/tmp/test_mh_write.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	test_pieces(dirfd);
	test_big(dirfd);
	test_named(dirfd);
	test_sweep(dirfd);
	close(dirfd);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0);
	return check_done("test_mh_write");
}
