/* seqset: IMAP sequence sets as sorted, merged ranges; never expanded. */
#ifndef ASIMAP_SEQSET_H
#define ASIMAP_SEQSET_H
#include <stddef.h>
#include <stdint.h>

#define SEQSET_STAR 0 /* numbers are never 0 */
#define SEQSET_RANGES_MAX 65536

struct seqset_range {
	uint32_t lo, hi;
};

struct seqset {
	struct seqset_range *r; /* owned */
	size_t n;
	int has_star;
};

/* Parse a sequence-set from s[0..len) ("1:3,7,*", "5:*").  Numbers are
 * 1 to 4294967295; "*" is kept as SEQSET_STAR.  Returns 1, or 0 (malformed, too
 * many ranges, or ENOMEM) with set empty.  *used tells how many bytes were
 * consumed (the set ends at the first byte that cannot continue it). */
int seqset_parse(struct seqset *set, const char *s, size_t len, size_t *used);
/* Replace "*" by star (the highest number in use) and sort and merge the
 * ranges.  Returns the highest number named, not counting "*". */
uint32_t seqset_resolve(struct seqset *set, uint32_t star);
/* Is v in the resolved set? (binary search) */
int seqset_contains(const struct seqset *set, uint32_t v);
void seqset_free(struct seqset *set);

#endif
