/* check.h: the unit tests' tiny harness.  Each test binary ends with the
 * plain closing line "N passed, N failed" and exits non-zero on a failure. */
#ifndef ASIMAP_CHECK_H
#define ASIMAP_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_MEM(a, alen, b, blen)                                                                \
	CHECK((size_t)(alen) == (size_t)(blen) && memcmp((a), (b), (size_t)(blen)) == 0)
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static inline int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}
#endif
