/* libFuzzer target: reading a metadata cache file (its index, then each
 * entry it names). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mh_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("cache", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct mh_cache c;
	mh_cache_init(&c);
	if (mh_cache_load_fd(&c, fd)) {
		for (size_t i = 0; i < c.nidx; i++) {
			struct mh_cache_slot s = c.idx[i];
			int64_t crlf;
			if (mh_cache_find(&c, &s.id, &crlf) != s.ref || crlf != s.crlf_size)
				__builtin_trap();
			const unsigned char *e = mh_cache_get(&c, s.ref);
			if (!e)
				continue;
			struct mh_meta m;
			mh_meta_get(e, &m);
			uint32_t len = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
			               (uint32_t)e[3] << 24;
			if (m.fields + m.fields_len > (const char *)e + len ||
			    m.crlf_size != s.crlf_size || !mh_ident_eq(&m.id, &s.id))
				__builtin_trap();
		}
	}
	mh_cache_free(&c);
	return 0;
}
