/* Region allocator. Memory comes in chunks that double in size up to 2 MiB;
 * large requests get a chunk of their own. Nothing is freed before
 * fwc_arena_release(). Chunks of 2 MiB and more are mapped directly and,
 * where Linux offers it, backed by transparent huge pages: a large policy
 * fills hundreds of MiB, and one page fault per 4 KiB page was the
 * largest single cost of compiling it (see docs/performance.md). */
#include "fwc/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Whole chunks, header included, of HUGE bytes or more are mapped. */
#define HUGE	  ((size_t)2 << 20)
#define CHUNK_MIN 4096
#define CHUNK_MAX (HUGE - sizeof(struct chunk))
/* First size of a growing array, in bytes. */
#define GROW_MIN_BYTES 64

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	size_t map_len;	    /* bytes mapped with mmap, or 0 (from calloc) */
	max_align_t data[]; /* aligned storage */
};

/* A mapping adopted whole (fwc_arena_adopt_map()). */
struct mapping {
	void *p;
	size_t len;
};

struct fwc_arena {
	struct chunk *head;
	size_t next_size;
	/* Strings are packed end to end, unaligned, in blocks of their
	 * own: most are short, and rounding each up to max_align_t cost a
	 * tenth of a large policy's memory. */
	char *str_free;
	size_t str_left;
	/* Sub-arenas (fwc_arena_sub()): released with this one unless
	 * released before. */
	struct fwc_arena *parent;
	struct fwc_arena *subs;
	struct fwc_arena *next_sub;
	size_t total;
	void **adopted; /* heap blocks handed over by fwc_arena_adopt() */
	size_t n_adopted;
	size_t cap_adopted;
	struct mapping *maps; /* handed over by fwc_arena_adopt_map() */
	size_t n_maps;
	size_t cap_maps;
};

/* Mapped chunks given back by released arenas (most are the 4 MiB
 * chunks of a full-grown arena), for the next arena to reuse: a
 * compilation releases the XML trees of each file, the policy items and
 * then the whole compilation before the backend, and fresh mappings in
 * their place had to be faulted in and zeroed by the kernel again (half
 * of all the memory a 200,000-flow compile touched). A reused chunk is
 * dirty, and is zeroed as it is handed out. At most SPARE_MAX bytes wait
 * here: pages kept count in the peak. With 64 MiB, `fwc apply` of
 * 126,000 flows peaked at 123 MB, with 8 MiB at 102 (the compilation's
 * chunks waited while the netlink batch grew on the heap), and 200,000
 * flows compile as fast. A new chunk takes a spare one of exactly its
 * size. */
#define SPARE_MAX ((size_t)8 << 20)
/* Larger chunks (one big block each) rarely find a taker of their exact
 * size: they are unmapped at once. */
#define SPARE_CHUNK (2 * HUGE)

static struct chunk *spare;
static size_t spare_bytes;

struct fwc_arena *
fwc_arena_new(void)
{
	struct fwc_arena *a = fwc_xcalloc(1, sizeof(*a));

	a->next_size = CHUNK_MIN;
	return a;
}

struct fwc_arena *
fwc_arena_sub(struct fwc_arena *parent)
{
	struct fwc_arena *a = fwc_arena_new();

	a->parent = parent;
	a->next_sub = parent->subs;
	parent->subs = a;
	return a;
}

void
fwc_arena_release(struct fwc_arena *a)
{
	struct chunk *c;
	struct chunk *next;

	if (a == NULL)
		return;
	while (a->subs != NULL)
		fwc_arena_release(a->subs);
	if (a->parent != NULL) {
		struct fwc_arena **pp = &a->parent->subs;

		while (*pp != a)
			pp = &(*pp)->next_sub;
		*pp = a->next_sub;
	}
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (c->map_len != 0 && c->map_len <= SPARE_CHUNK &&
		    spare_bytes + c->map_len <= SPARE_MAX) {
			c->next = spare;
			spare = c;
			spare_bytes += c->map_len;
		} else if (c->map_len != 0)
			munmap(c, c->map_len);
		else
			free(c);
	}
	for (size_t i = 0; i < a->n_adopted; i++)
		free(a->adopted[i]);
	free(a->adopted);
	for (size_t i = 0; i < a->n_maps; i++)
		fwc_mem_unmap(a->maps[i].p, a->maps[i].len);
	free(a->maps);
	free(a);
}

void
fwc_arena_trim(void)
{
	while (spare != NULL) {
		struct chunk *c = spare;

		spare = c->next;
		munmap(c, c->map_len);
	}
	spare_bytes = 0;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* len bytes (a multiple of HUGE) of zeroed memory aligned on HUGE, so
 * that the kernel can back it with huge pages; NULL when mmap fails or
 * the system lacks anonymous mappings. */
static void *
map_huge(size_t len)
{
#ifdef MAP_ANONYMOUS
	char *p = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;
	size_t head;

	if (p == MAP_FAILED)
		return NULL;
	q = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	head = (size_t)(q - p);
	if (head != 0)
		munmap(p, head);
	munmap(q + len, HUGE - head);
#ifdef MADV_HUGEPAGE
	if (fwc_mem_huge(len))
		madvise(
		    q, len, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
	return q;
#else
	(void)len;
	return NULL;
#endif
}

/* A spare chunk of exactly len mapped bytes, zeroed, or NULL. */
static struct chunk *
take_spare(size_t len)
{
	for (struct chunk **pp = &spare; *pp != NULL; pp = &(*pp)->next) {
		struct chunk *c = *pp;

		if (c->map_len != len)
			continue;
		*pp = c->next;
		spare_bytes -= len;
		memset(c, 0, len);
		return c;
	}
	return NULL;
}

static struct chunk *
chunk_new(struct fwc_arena *a, size_t size)
{
	size_t total = sizeof(struct chunk) + size;
	size_t len = (total + HUGE - 1) & ~(HUGE - 1);
	struct chunk *c = NULL;

	/* Every way the memory comes zeroed (fresh pages, or a spare chunk
	 * zeroed by take_spare()), and nothing in a chunk is reused while
	 * its arena lives, so allocations need no memset of their own. */
	if (total >= HUGE) {
		c = take_spare(len);
		if (c == NULL)
			c = map_huge(len);
	}
	if (c != NULL) {
		c->map_len = len;
		size = len - sizeof(*c);
	} else {
		c = fwc_xcalloc(1, total);
		c->map_len = 0;
	}
	c->size = size;
	c->used = 0;
	a->total += sizeof(*c) + size;
	return c;
}

void *
fwc_arena_alloc(struct fwc_arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	struct chunk *c = a->head;
	void *p;

	n = (n + al - 1) & ~(al - 1);
	if (n == 0)
		n = al;
	if (c == NULL || c->size - c->used < n) {
		if (n > CHUNK_MAX / 4) {
			/* Big block: own chunk, kept behind the head. */
			c = chunk_new(a, n);
			if (a->head != NULL) {
				c->next = a->head->next;
				a->head->next = c;
			} else {
				c->next = NULL;
				a->head = c;
			}
		} else {
			size_t sz = a->next_size;

			while (sz < n)
				sz *= 2;
			c = chunk_new(a, sz);
			c->next = a->head;
			a->head = c;
			if (a->next_size < CHUNK_MAX)
				a->next_size *= 2;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

/* Bytes of a block of strings; longer strings are allocated alone. */
#define STR_BLOCK ((size_t)64 << 10)
#define STR_ALONE ((size_t)1 << 10)

char *
fwc_arena_strndup(struct fwc_arena *a, const char *s, size_t n)
{
	char *p;

	if (n >= STR_ALONE) {
		p = fwc_arena_alloc(a, n + 1);
	} else {
		if (a->str_left < n + 1) {
			a->str_free = fwc_arena_alloc(a, STR_BLOCK);
			a->str_left = STR_BLOCK;
		}
		p = a->str_free;
		a->str_free += n + 1;
		a->str_left -= n + 1;
	}

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
fwc_arena_strdup(struct fwc_arena *a, const char *s)
{
	return fwc_arena_strndup(a, s, strlen(s));
}

char *
fwc_arena_printf(struct fwc_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		FWC_BUG("vsnprintf failed");
	p = fwc_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *
fwc_arena_grow(struct fwc_arena *a, void *old, size_t n_used, size_t need,
    size_t *cap, size_t elsz)
{
	size_t ncap = *cap;
	void *p;

	if (need <= *cap)
		return old;
	/* Most vectors stay short (a flow's few references and services):
	 * start at about 64 bytes rather than a fixed count, since arena
	 * memory is never given back until the end. */
	if (ncap == 0)
		ncap = elsz >= GROW_MIN_BYTES ? 1 : GROW_MIN_BYTES / elsz;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elsz)
		FWC_BUG("arena array overflow");
	p = fwc_arena_alloc(a, ncap * elsz);
	if (n_used)
		memcpy(p, old, n_used * elsz);
	*cap = ncap;
	return p;
}

void *
fwc_arena_adopt(struct fwc_arena *a, void *p, size_t n)
{
	if (p == NULL)
		return NULL;
	if (a->n_adopted == a->cap_adopted) {
		a->cap_adopted = a->cap_adopted ? 2 * a->cap_adopted : 16;
		a->adopted = fwc_xrealloc(
		    a->adopted, a->cap_adopted * sizeof(*a->adopted));
	}
	a->adopted[a->n_adopted++] = p;
	a->total += n;
	return p;
}

void *
fwc_arena_adopt_map(struct fwc_arena *a, void *p, size_t n)
{
	if (p == NULL)
		return NULL;
	if (a->n_maps == a->cap_maps) {
		a->cap_maps = a->cap_maps ? 2 * a->cap_maps : 4;
		a->maps = fwc_xrealloc(a->maps, a->cap_maps * sizeof(*a->maps));
	}
	a->maps[a->n_maps].p = p;
	a->maps[a->n_maps].len = n;
	a->n_maps++;
	a->total += n;
	return p;
}

size_t
fwc_arena_size(const struct fwc_arena *a)
{
	size_t n = a->total;

	for (const struct fwc_arena *b = a->subs; b != NULL; b = b->next_sub)
		n += fwc_arena_size(b);
	return n;
}

bool
fwc_arena_disown(struct fwc_arena *a, void *p, size_t n)
{
	for (size_t i = a->n_adopted; i-- > 0;) {
		if (a->adopted[i] != p)
			continue;
		a->adopted[i] = a->adopted[--a->n_adopted];
		a->total -= n;
		return true;
	}
	return false;
}
