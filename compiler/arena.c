/* Region allocator. Memory comes in chunks that double in size up to 1 MiB;
 * large requests get a chunk of their own. Nothing is freed before
 * fwc_arena_release(). */
#include "fwc/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 4096
#define CHUNK_MAX (1u << 20)

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	max_align_t data[]; /* aligned storage */
};

struct fwc_arena {
	struct chunk *head;
	size_t next_size;
	size_t total;
};

struct fwc_arena *
fwc_arena_new(void)
{
	struct fwc_arena *a = fwc_xcalloc(1, sizeof(*a));

	a->next_size = CHUNK_MIN;
	return a;
}

void
fwc_arena_release(struct fwc_arena *a)
{
	struct chunk *c;
	struct chunk *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

static struct chunk *
chunk_new(struct fwc_arena *a, size_t size)
{
	struct chunk *c = fwc_xmalloc(sizeof(*c) + size);

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
	memset(p, 0, n);
	return p;
}

char *
fwc_arena_strndup(struct fwc_arena *a, const char *s, size_t n)
{
	char *p = fwc_arena_alloc(a, n + 1);

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
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return old;
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

size_t
fwc_arena_size(const struct fwc_arena *a)
{
	return a->total;
}
