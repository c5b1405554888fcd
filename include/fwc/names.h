/* A string-keyed hash table and the did-you-mean helper used by name
 * resolution. Keys are borrowed (they live in the arena). */
#ifndef FWC_NAMES_H
#define FWC_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct fwc_arena;

struct fwc_map_slot {
	const char *key; /* NULL = empty */
	void *val;
	int kind;
	uint32_t hash; /* of key, low bits: probes skip most strcmp() */
};

struct fwc_map {
	struct fwc_map_slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

void fwc_map_init(struct fwc_map *m);
/* Makes room for n keys in all, so that filling the map to n never
 * rehashes. */
void fwc_map_reserve(struct fwc_map *m, size_t n);
void fwc_map_release(struct fwc_map *m);
/* The slot for key, or NULL. */
struct fwc_map_slot *fwc_map_get(const struct fwc_map *m, const char *key);
/* Inserts or replaces; returns the slot. */
struct fwc_map_slot *fwc_map_put(
    struct fwc_map *m, const char *key, void *val, int kind);
/* FNV-1a over n bytes, continuing from h (start with 14695981039346656037). */
uint64_t fwc_hash_bytes(uint64_t h, const void *p, size_t n);

/* The key of m closest to s by edit distance when close enough to be a
 * likely typo, else NULL. */
const char *fwc_map_suggest(const struct fwc_map *m, const char *s);

#endif
