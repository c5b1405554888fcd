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
 * to get a mapping of its own. A hint: where it fails, nothing changes. */
#define THP_BLOCK ((size_t)4 << 20) /* glibc's mmap threshold (main.c) */

static void
advise(void *p, size_t n)
{
#if defined(MADV_HUGEPAGE) && defined(__linux__)
	static uintptr_t heap_done; /* the heap is advised up to here */
	static uintptr_t pg;
	uintptr_t top;

	if (pg == 0) {
		long sz = sysconf(_SC_PAGESIZE);

		pg = sz > 0 ? (uintptr_t)sz : 4096;
	}
	top = (uintptr_t)sbrk(0) & ~(pg - 1);

	if (top == ((uintptr_t)-1 & ~(pg - 1)))
		top = 0;
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
	advise(p, n);
	return p;
}

void *
fwc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	advise(p, n * size);
	return p;
}

void *
fwc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	advise(q, n);
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
	advise(p, n);
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
