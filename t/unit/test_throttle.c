/* Failed-login counters in files, as several processes share them. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "throttle.h"

int main(void)
{
	char dir[] = "/tmp/asimap-throttle.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char sub[64];
	snprintf(sub, sizeof sub, "%s/t", dir);
	struct throttle t, u;
	/* Held: three failures reach a limit of three. */
	CHECK(throttle_hold(&t, sub, "u:alice", 1000));
	CHECK(!throttle_over(&t, 3, 60));
	for (int i = 0; i < 3; i++)
		CHECK(throttle_fail(&t, 60));
	CHECK(throttle_over(&t, 3, 60) && !throttle_over(&t, 4, 60));
	/* While held, another process cannot hold it: it waits, then gives up. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(throttle_hold(&u, sub, "u:alice", 200) ? 1 : 0);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	throttle_release(&t);
	/* The count is on disk for the next holder; a reset forgets it. */
	CHECK(throttle_hold(&u, sub, "u:alice", 1000) && u.count == 3 && throttle_over(&u, 3, 60));
	throttle_reset(&u);
	throttle_release(&u);
	CHECK(throttle_hold(&u, sub, "u:alice", 1000) && !throttle_over(&u, 1, 60));
	throttle_release(&u);
	/* A window of one second ends. */
	CHECK(throttle_hold(&t, sub, "u:bob", 1000) && throttle_fail(&t, 1));
	CHECK(throttle_over(&t, 1, 1));
	throttle_release(&t);
	sleep(2);
	CHECK(throttle_hold(&t, sub, "u:bob", 1000) && !throttle_over(&t, 1, 1));
	throttle_release(&t);
	/* Taken: counted in advance, refused at the limit, refunded. */
	for (int i = 0; i < 3; i++)
		CHECK(throttle_take(sub, "a:192.0.2.1", 3, 60) == 1);
	CHECK(throttle_take(sub, "a:192.0.2.1", 3, 60) == 0);
	throttle_refund(sub, "a:192.0.2.1");
	CHECK(throttle_take(sub, "a:192.0.2.1", 3, 60) == 1);
	/* Keys that are not file names are hashed and stay inside the directory. */
	CHECK(throttle_take(sub, "u:../../x", 1, 60) == 1);
	CHECK(throttle_take(sub, "u:../../x", 1, 60) == 0);
	CHECK(access("/tmp/x", F_OK) != 0);
	/* A directory that cannot be made does not lock anyone out. */
	CHECK(!throttle_hold(&t, "/proc/none/t", "u:alice", 100) && t.fd == -1);
	CHECK(!throttle_over(&t, 0, 60));
	CHECK(throttle_take("/proc/none/t", "u:alice", 1, 60) == 1);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_throttle");
}
