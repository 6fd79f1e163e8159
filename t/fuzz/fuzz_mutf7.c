/* libFuzzer target: modified UTF-7 both ways; whatever decodes must
 * encode and decode back to the same UTF-8. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mutf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[4096], b[16384], c[4096];
	long n = mutf7_decode((const char *)data, size, a, sizeof a);
	if (n >= 0) {
		long m = mutf7_encode(a, (size_t)n, b, sizeof b);
		if (m < 0 || mutf7_decode(b, (size_t)m, c, sizeof c) != n ||
		    memcmp(a, c, (size_t)n))
			__builtin_trap();
	}
	mutf7_encode((const char *)data, size, b, sizeof b);
	return 0;
}
