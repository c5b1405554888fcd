/* Open-addressing string hash table (linear probing) and did-you-mean
 * suggestions by Levenshtein distance. Used by sema.c for the namespaces
 * and by place.c for set de-duplication. */
#include "fwc/names.h"

#include <stdlib.h>
#include <string.h>

#include "fwc/util.h"

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME  1099511628211ull

uint64_t
fwc_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t
hash_str(const char *s)
{
	return fwc_hash_bytes(FNV_OFFSET, s, strlen(s));
}

void
fwc_map_init(struct fwc_map *m)
{
	m->cap = 64;
	m->n = 0;
	m->slots = fwc_xcalloc(m->cap, sizeof(*m->slots));
}

void
fwc_map_release(struct fwc_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
	m->n = 0;
}

/* The slot of key, or the empty slot where it would go. The stored hash
 * is compared first, so that a probe past other keys does not read
 * them (each a cache miss in a large table). */
static struct fwc_map_slot *
find(const struct fwc_map *m, const char *key, uint32_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slots[i].key != NULL &&
	       (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

struct fwc_map_slot *
fwc_map_get(const struct fwc_map *m, const char *key)
{
	struct fwc_map_slot *s = find(m, key, (uint32_t)hash_str(key));

	return s->key != NULL ? s : NULL;
}

/* Doubles the table until it has cap slots or more; keys keep their
 * stored hashes. */
static void
grow_to(struct fwc_map *m, size_t cap)
{
	struct fwc_map_slot *old = m->slots;
	size_t ocap = m->cap;

	if (cap <= m->cap)
		return;
	while (m->cap < cap)
		m->cap *= 2;
	m->slots = fwc_xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < ocap; i++) {
		size_t j;

		if (old[i].key == NULL)
			continue;
		for (j = (size_t)old[i].hash & (m->cap - 1);
		     m->slots[j].key != NULL; j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

void
fwc_map_reserve(struct fwc_map *m, size_t n)
{
	grow_to(m, 2 * n);
}

struct fwc_map_slot *
fwc_map_put(struct fwc_map *m, const char *key, void *val, int kind)
{
	uint32_t h = (uint32_t)hash_str(key);
	struct fwc_map_slot *s;

	if ((m->n + 1) * 2 > m->cap)
		grow_to(m, 2 * m->cap);
	s = find(m, key, h);
	if (s->key == NULL)
		m->n++;
	s->key = key;
	s->val = val;
	s->kind = kind;
	s->hash = h;
	return s;
}

static size_t
distance(const char *a, const char *b, size_t *row, size_t cap)
{
	size_t la = strlen(a);
	size_t lb = strlen(b);

	if (lb + 1 > cap)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *
fwc_map_suggest(const struct fwc_map *m, const char *s)
{
	size_t row[130];
	size_t best = (size_t)-1;
	const char *pick = NULL;
	size_t limit = strlen(s) / 3 + 1;

	if (limit > 4)
		limit = 4;
	for (size_t i = 0; i < m->cap; i++) {
		const char *k = m->slots[i].key;
		size_t d;

		if (k == NULL)
			continue;
		d = distance(s, k, row, FWC_ARRAY_SIZE(row));
		/* Ties go to the smaller name so the choice is stable. */
		if (d < best || (d == best && pick && strcmp(k, pick) < 0)) {
			best = d;
			pick = k;
		}
	}
	return best <= limit ? pick : NULL;
}
