/* libFuzzer target: the supervisor's decoder of hand-off messages. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "handoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct handoff h;
	if (handoff_decode((const char *)data, size, &h) == 1) {
		for (int i = 0; i < HF_COUNT; i++)
			if (strlen(h.field[i]) > HANDOFF_FIELD_MAX_BYTES)
				__builtin_trap();
		if (h.pending_len && h.pending + h.pending_len > (const char *)data + size)
			__builtin_trap();
	}
	return 0;
}
