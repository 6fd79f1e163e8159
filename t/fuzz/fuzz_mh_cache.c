/* libFuzzer target: the metadata cache decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mh_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_cache_rec *r;
	size_t n;
	if (mh_cache_decode(data, size, &r, &n)) {
		for (size_t i = 1; i < n; i++)
			if (r[i].ino < r[i - 1].ino)
				__builtin_trap();
		free(r);
	}
	return 0;
}
