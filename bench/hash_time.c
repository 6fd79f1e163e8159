/* hash_time: the time of one successful hash_django_verify() per hash.
 *
 *	hash_time [RUNS [MIN_BATCH_MS [BATCH]]] < lines
 *
 * Each input line is NAME, TAB, PASSWORD, TAB, HASH.  For each, RUNS timed
 * batches are run, each of as many verifications as make at least
 * MIN_BATCH_MS milliseconds (one for the slow hashers, thousands for the
 * legacy ones), found by growing batches; BATCH fixes the batch size
 * instead.  Every verification must match: a failure would time the
 * evening-out of hash_django_verify, not the hash.  Prints one line per
 * input line, flushed at once (a driver may feed lines one at a time to
 * keep one warm process): NAME, TAB, the median seconds per verification,
 * TAB, the batch size, TAB, RUNS, TAB, the seconds of the first
 * verification of the process, timed alone before anything else (what a
 * login pays: asimap-accept verifies once per process; page faults of a
 * big work area and first-use set-up fall there).  Defaults: 5 runs, 50 ms.
 *
 * Exit: 0 done, 1 a password did not verify, 100 usage, 111 a read error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash_django.h"
#include "log.h"

#define LINE_MAX_BYTES 4096
#define RUNS_MAX 101
#define BATCH_MAX 100000000L

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds taken by n verifications; exits when one fails. */
static double run_batch(const char *name, const char *hash, const char *pw, long n)
{
	size_t pwlen = strlen(pw);
	double t0 = now_s();
	for (long i = 0; i < n; i++)
		if (!hash_django_verify(hash, pw, pwlen))
			log_fatal(EXIT_NO, "unable to verify %s: the right password does not match",
			          name);
	return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Times one hash and prints its line. */
static void time_hash(const char *name, const char *pw, const char *hash, int runs,
                      double min_batch_s, long batch)
{
	static double first = -1;
	double per[RUNS_MAX];
	if (first < 0)
		first = run_batch(name, hash, pw, 1);
	if (!batch) {
		/* Grow the batch until it is long enough for the clock. */
		double t = run_batch(name, hash, pw, 1);
		batch = 1;
		while (t < min_batch_s && batch < BATCH_MAX) {
			long want = t > 0 ? (long)(min_batch_s / (t / (double)batch) * 1.2) + 1
			                  : batch * 10;
			batch = want > batch * 100 ? batch * 100
			        : want < batch * 2 ? batch * 2
			                           : want;
			t = run_batch(name, hash, pw, batch);
		}
	}
	for (int i = 0; i < runs; i++)
		per[i] = run_batch(name, hash, pw, batch) / (double)batch;
	qsort(per, (size_t)runs, sizeof per[0], cmp_double);
	double median = runs % 2 ? per[runs / 2] : (per[runs / 2 - 1] + per[runs / 2]) / 2;
	printf("%s\t%.9f\t%ld\t%d\t%.9f\n", name, median, batch, runs, first);
	fflush(stdout);
}

static long arg_long(const char *s, long lo, long hi)
{
	char *end;
	long x = strtol(s, &end, 10);
	if (!*s || *end || x < lo || x > hi)
		log_fatal(EXIT_USAGE, "unable to read \"%s\": not a number from %ld to %ld", s, lo,
		          hi);
	return x;
}

int main(int argc, char **argv)
{
	char line[LINE_MAX_BYTES];
	log_init("hash_time");
	if (argc > 4)
		log_fatal(EXIT_USAGE, "usage: hash_time [RUNS [MIN_BATCH_MS [BATCH]]] < lines");
	int runs = argc > 1 ? (int)arg_long(argv[1], 1, RUNS_MAX) : 5;
	double min_batch_s = (argc > 2 ? (double)arg_long(argv[2], 0, 60000) : 50.0) / 1000.0;
	long batch = argc > 3 ? arg_long(argv[3], 1, BATCH_MAX) : 0;
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		else if (!feof(stdin))
			log_fatal(EXIT_USAGE, "unable to read a line: longer than %d bytes",
			          LINE_MAX_BYTES - 2);
		char *pw = strchr(line, '\t');
		char *hash = pw ? strchr(pw + 1, '\t') : NULL;
		if (!hash)
			log_fatal(EXIT_USAGE,
			          "unable to read a line: want NAME TAB PASSWORD TAB HASH");
		*pw++ = 0;
		*hash++ = 0;
		time_hash(line, pw, hash, runs, min_batch_s, batch);
	}
	if (ferror(stdin))
		log_fatal(EXIT_TEMP, "unable to read standard input");
	return 0;
}
