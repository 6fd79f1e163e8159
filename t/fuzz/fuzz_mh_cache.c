/* libFuzzer target: the metadata cache decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mh_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct mh_cache c;
	mh_cache_init(&c);
	if (mh_cache_decode(&c, buf, size, 1)) {
		for (size_t i = 0; i < c.nidx; i++) {
			struct mh_meta m;
			mh_meta_get(c.idx[i], &m);
			if (m.bs + m.bs_len > (const char *)buf + size || m.crlf_size < 0 ||
			    (i && mh_cache_find(&c, &m.id) != c.idx[i]))
				__builtin_trap();
		}
	}
	mh_cache_free(&c);
	return 0;
}
