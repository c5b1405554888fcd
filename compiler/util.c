/* Checked allocation and internal-error reporting. */
#include "fwc/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Transparent huge pages for the heap. Where the kernel gives them only
 * on request (the default "madvise" mode), glibc's heap never asks
 * (unless started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1), and a
 * large policy took a page fault per 4 KiB and missed the TLB on every
 * table lookup: 200,000 flows spent a quarter of their time there
 * (docs/performance.md, "Allocator settings"). After each allocation we
 * advise what the heap has grown by since the last one (sbrk(0) is a
 * read of a variable, not a system call), and every block big enough
 * to get a mapping of its own. A hint: where it fails, nothing changes.
 * Only once the process has grown to THP_FROM (fwc_mem_huge()): below,
 * huge pages save little time, and a 2 MiB page touched in one place is
 * 2 MiB resident (applying 10,000 rules peaked at 15.3 MB with them
 * from the start, 11.3 MB without). */
#define THP_BLOCK ((size_t)4 << 20)  /* glibc's mmap threshold (main.c) */
#define THP_FROM  ((size_t)32 << 20) /* see fwc_mem_huge() */

static uintptr_t heap_start; /* sbrk(0) at the first allocation */
static size_t mapped;	     /* bytes of mappings asked for so far */

static uintptr_t
page_size(void)
{
	static uintptr_t pg;

	if (pg == 0) {
		long sz = sysconf(_SC_PAGESIZE);

		pg = sz > 0 ? (uintptr_t)sz : 4096;
	}
	return pg;
}

/* The top of the heap, page-aligned, or 0 when unknown. */
static uintptr_t
heap_top(void)
{
	uintptr_t pg = page_size();
	uintptr_t top = (uintptr_t)sbrk(0) & ~(pg - 1);

	if (top == ((uintptr_t)-1 & ~(pg - 1)))
		return 0;
	if (heap_start == 0)
		heap_start = top;
	return top;
}

bool
fwc_mem_huge(size_t n)
{
	uintptr_t top = heap_top();

	mapped += n;
	return mapped + (top > heap_start ? top - heap_start : 0) >= THP_FROM;
}

/* Advises the heap's growth, and p (n bytes) when it is large; a block
 * of fwc_mem_map() (mapping) counts towards THP_FROM whatever its size,
 * a heap block only when it got a mapping of its own. */
void
fwc_mem_expect(size_t n)
{
	(void)fwc_mem_huge(n);
}

static void
advise(void *p, size_t n, bool mapping)
{
#if defined(MADV_HUGEPAGE) && defined(__linux__)
	static uintptr_t heap_done; /* the heap is advised up to here */
	uintptr_t pg = page_size();
	uintptr_t top;

	if (!fwc_mem_huge(mapping || n >= THP_BLOCK ? n : 0))
		return;
	top = heap_top();
	if (heap_done == 0)
		heap_done = heap_start; /* the whole heap, the first time */
	if (top > heap_done && heap_done != 0)
		madvise((void *)heap_done, top - heap_done, MADV_HUGEPAGE);
	heap_done = top; /* also when the heap shrank */
	if (n >= THP_BLOCK) {
		uintptr_t lo = (uintptr_t)p & ~(pg - 1);
		uintptr_t hi = ((uintptr_t)p + n + pg - 1) & ~(pg - 1);

		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	}
#else
	(void)p;
	(void)n;
	(void)mapping;
#endif
}

static FWC_NORETURN void
oom(void)
{
	fputs("fwc: out of memory\n", stderr);
	exit(3);
}

void *
fwc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	advise(p, n, false);
	return p;
}

void *
fwc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	advise(p, n * size, false);
	return p;
}

void *
fwc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	advise(q, n, false);
	return q;
}

void *
fwc_mem_map(size_t n)
{
#ifdef MAP_ANONYMOUS
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	advise(p, n, true);
	return p;
#else
	(void)n;
	return NULL;
#endif
}

void
fwc_mem_unmap(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, n ? n : 1);
}

void
fwc_mem_free(void *p, size_t map_len)
{
	if (map_len != 0)
		fwc_mem_unmap(p, map_len);
	else
		free(p);
}

char *
fwc_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = fwc_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

void
fwc_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fwc: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
