/* Django's argon2 hasher: "argon2" followed by the PHC string of
 * argon2-cffi,
 *	argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
 * (argon2i and argon2d too; hashes from before version 1.3 have no "v=").
 * Salt and hash are unpadded base64.  Verified with libargon2, which takes
 * any parallelism (libsodium does not).  Memory, time and parallelism are
 * capped before anything is allocated. */
#include "hash_django.h"
#include "hash_hasher.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <sodium.h>

struct argon2_hash {
	argon2_type type;
	unsigned long version, m, t, p;
	unsigned char salt[HASH_DJANGO_SALT_MAX_BYTES];
	size_t saltlen;
	unsigned char key[HASH_KEY_MAX_BYTES];
	size_t keylen;
};

/* The variant named at s, and the byte after its name, or NULL. */
static const char *parse_type(const char *s, argon2_type *type)
{
	static const struct {
		const char *name;
		argon2_type type;
	} types[] = {{"argon2id$", Argon2_id}, {"argon2i$", Argon2_i}, {"argon2d$", Argon2_d}};

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t n = strlen(types[i].name);
		if (strncmp(s, types[i].name, n) == 0) {
			*type = types[i].type;
			return s + n;
		}
	}
	return NULL;
}

/* "<name>=<number><end>" at s with the number from min to max: returns the
 * byte after end, or NULL. */
static const char *parse_param(const char *s, const char *name, unsigned long min,
                               unsigned long max, char end, unsigned long *out)
{
	size_t n = strlen(name);

	if (strncmp(s, name, n) != 0 || s[n] != '=')
		return NULL;
	s = hash_parse_uint(s + n + 1, min, max, out);
	return s && *s == end ? s + 1 : NULL;
}

/* The unpadded base64 field at s (up to '$' or the end) into out, from min
 * to cap bytes.  Returns the byte after the field, or NULL. */
static const char *parse_b64(const char *s, unsigned char *out, size_t min, size_t cap, size_t *len)
{
	size_t max = (cap + 2) / 3 * 4;
	size_t n = hash_field_len(s, max);
	long got;

	if (n > max)
		return NULL;
	got = hash_b64_decode(s, n, 0, out, cap);
	if (got < 0 || (size_t)got < min)
		return NULL;
	*len = (size_t)got;
	return s + n;
}

static int parse(const char *rest, struct argon2_hash *h)
{
	const char *p = parse_type(rest, &h->type);

	if (!p)
		return 0;
	h->version = ARGON2_VERSION_10;
	if (p[0] == 'v') {
		p = parse_param(p, "v", ARGON2_VERSION_10, ARGON2_VERSION_13, '$', &h->version);
		if (!p || (h->version != ARGON2_VERSION_10 && h->version != ARGON2_VERSION_13))
			return 0;
	}
	p = parse_param(p, "m", 1, HASH_DJANGO_ARGON2_MEMORY_MAX_KIB, ',', &h->m);
	p = p ? parse_param(p, "t", 1, HASH_DJANGO_ARGON2_TIME_MAX, ',', &h->t) : NULL;
	p = p ? parse_param(p, "p", 1, HASH_DJANGO_ARGON2_PARALLELISM_MAX, '$', &h->p) : NULL;
	if (!p || h->m < 8 * h->p)
		return 0;
	p = parse_b64(p, h->salt, ARGON2_MIN_SALT_LENGTH, sizeof h->salt, &h->saltlen);
	if (!p || *p != '$')
		return 0;
	p = parse_b64(p + 1, h->key, ARGON2_MIN_OUTLEN, sizeof h->key, &h->keylen);
	return p && *p == '\0';
}

static int a2_wellformed(const char *rest)
{
	struct argon2_hash h;
	int ok = parse(rest, &h);

	sodium_memzero(&h, sizeof h);
	return ok;
}

static int a2_verify(const char *rest, const char *pw, size_t pwlen)
{
	struct argon2_hash h;
	unsigned char dk[HASH_KEY_MAX_BYTES];
	int r = -1;

	if (parse(rest, &h) &&
	    argon2_hash((uint32_t)h.t, (uint32_t)h.m, (uint32_t)h.p, pw, pwlen, h.salt, h.saltlen,
	                dk, h.keylen, NULL, 0, h.type, (argon2_version)h.version) == ARGON2_OK)
		r = sodium_memcmp(dk, h.key, h.keylen) == 0;
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(&h, sizeof h);
	return r;
}

const struct hash_hasher hash_argon2 = {"argon2", HASH_HARDEN_MEASURED, a2_wellformed, a2_verify};

int hash_argon2_make(unsigned long t, unsigned long m_kib, unsigned long p, size_t hashlen,
                     const char *pw, size_t pwlen, const char *salt, char *out, size_t outsz)
{
	size_t saltlen = strlen(salt);
	char *encoded;
	size_t enclen;
	int rc;

	if (t < 1 || t > HASH_DJANGO_ARGON2_TIME_MAX || m_kib > HASH_DJANGO_ARGON2_MEMORY_MAX_KIB ||
	    p < 1 || p > HASH_DJANGO_ARGON2_PARALLELISM_MAX || m_kib < 8 * p ||
	    hashlen < ARGON2_MIN_OUTLEN || hashlen > HASH_KEY_MAX_BYTES ||
	    saltlen < ARGON2_MIN_SALT_LENGTH || saltlen > HASH_DJANGO_SALT_MAX_BYTES) {
		errno = EINVAL;
		return 0;
	}
	enclen = argon2_encodedlen((uint32_t)t, (uint32_t)m_kib, (uint32_t)p, (uint32_t)saltlen,
	                           (uint32_t)hashlen, Argon2_id);
	/* "argon2" goes before the encoded string, which starts with '$'. */
	if (outsz < 6 || enclen > outsz - 6) {
		errno = ERANGE;
		return 0;
	}
	memcpy(out, "argon2", 6);
	encoded = out + 6;
	rc = argon2_hash((uint32_t)t, (uint32_t)m_kib, (uint32_t)p, pw, pwlen, salt, saltlen, NULL,
	                 hashlen, encoded, outsz - 6, Argon2_id, ARGON2_VERSION_13);
	if (rc != ARGON2_OK) {
		sodium_memzero(out, outsz);
		errno = rc == ARGON2_MEMORY_ALLOCATION_ERROR ? ENOMEM : EINVAL;
		return 0;
	}
	return 1;
}
