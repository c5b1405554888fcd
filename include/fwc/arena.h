/* Region allocator: one per compilation; everything allocated from it is
 * freed at once by fwc_arena_release(). */
#ifndef FWC_ARENA_H
#define FWC_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "fwc/util.h"

struct fwc_arena;

/* Returns a new empty arena (never NULL). */
struct fwc_arena *fwc_arena_new(void);
/* Returns a new empty arena for data that dies before parent's: it may
 * be released alone, and is released with parent otherwise. */
struct fwc_arena *fwc_arena_sub(struct fwc_arena *parent);
/* Frees the arena and everything allocated from it, its sub-arenas
 * included; NULL is a no-op. */
void fwc_arena_release(struct fwc_arena *a);
/* Gives back to the system what released arenas left for reuse (their
 * spare chunks) and, with glibc, the free pages of the C heap: for a
 * caller that is done with its largest arenas and whose peak is still to
 * come (fwc apply lowers the policy to netlink messages after releasing
 * the compilation). */
void fwc_arena_trim(void);
/* Returns n zeroed bytes aligned for any type, owned by the arena. */
void *fwc_arena_alloc(struct fwc_arena *a, size_t n);
/* Copies of strings, owned by the arena. */
char *fwc_arena_strdup(struct fwc_arena *a, const char *s);
char *fwc_arena_strndup(struct fwc_arena *a, const char *s, size_t n);
char *fwc_arena_printf(struct fwc_arena *a, const char *fmt, ...)
    FWC_PRINTF(2, 3);
/* Grows an arena array: returns an array with room for at least need
 * elements of size elsz, copying the n_used first ones from old. *cap is
 * updated. The old array is abandoned to the arena. */
void *fwc_arena_grow(struct fwc_arena *a, void *old, size_t n_used, size_t need,
    size_t *cap, size_t elsz);
/* Hands the heap block p of n bytes (from fwc_xmalloc() or
 * fwc_xrealloc()) over to the arena, which frees it with everything else:
 * for a large array built on the heap, where growing it in the arena
 * would leave every smaller copy behind. Returns p; NULL is a no-op. */
void *fwc_arena_adopt(struct fwc_arena *a, void *p, size_t n);
/* The same for the mapping p of n bytes from fwc_mem_map(), which the arena
 * unmaps with everything else. */
void *fwc_arena_adopt_map(struct fwc_arena *a, void *p, size_t n);
/* Takes back the block p of n bytes that fwc_arena_adopt() handed to a:
 * the caller owns it again (to adopt it into another arena or free it).
 * Returns false, changing nothing, when a did not adopt p. */
bool fwc_arena_disown(struct fwc_arena *a, void *p, size_t n);
/* Bytes obtained from the system so far (for limits and benchmarks). */
size_t fwc_arena_size(const struct fwc_arena *a);

/* Appends x to the arena vector (v, n, cap), growing it as needed. */
#define FWC_VEC_PUSH(a, v, n, cap, x)                                      \
	do {                                                               \
		if ((n) == (cap))                                          \
			(v) = fwc_arena_grow(                              \
			    (a), (v), (n), (n) + 1, &(cap), sizeof(*(v))); \
		(v)[(n)++] = (x);                                          \
	} while (0)

#endif
