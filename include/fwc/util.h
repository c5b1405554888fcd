/* Small helpers shared by every module: checked allocation, bug reports,
 * attributes. */
#ifndef FWC_UTIL_H
#define FWC_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define FWC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define FWC_NORETURN	      __attribute__((noreturn))
#define FWC_UNUSED	      __attribute__((unused))
#define FWC_ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))

#define FWC_VERSION "0.1.0"

/* Allocation that never returns NULL: on failure prints
 * "fwc: out of memory" and exits with status 3. */
void *fwc_xmalloc(size_t n);
void *fwc_xcalloc(size_t n, size_t size);
void *fwc_xrealloc(void *p, size_t n);
char *fwc_xstrdup(const char *s);
/* n bytes of zeroed memory in a mapping of their own, for a large
 * buffer that lives a short while: freed, the heap would keep its pages
 * (compiler/main.c tunes it so), where fwc_mem_unmap(p, n) gives them
 * back. Backed by huge pages where the system offers them: faulting a
 * file of 4 MB into 4 KiB pages made reading 200,000 flows twice as
 * slow. NULL when the system has no such mappings or refuses: use the
 * heap. */
void *fwc_mem_map(size_t n);
void fwc_mem_unmap(void *p, size_t n);
/* Notes that n more bytes are being mapped, and returns whether huge
 * pages pay from here: once the heap and the mappings made so far reach
 * 32 MiB (a policy large enough for page faults and TLB misses to
 * dominate); below, the memory a huge page wastes matters more. */
bool fwc_mem_huge(size_t n);
/* Notes that the process will soon hold about n more bytes (a reader
 * that knows its input's size), so that huge pages start at once when
 * they will pay: the first 32 MiB in 4 KiB pages cost a 126,000-flow
 * compile a tenth of its time. */
void fwc_mem_expect(size_t n);
/* Frees p, a block of fwc_mem_map() when map_len (its length) is not 0,
 * else of the heap. */
void fwc_mem_free(void *p, size_t map_len);

/* Reports an internal error ("fwc: internal error at file.c:NN: ...") and
 * aborts. Never used for input errors. */
FWC_NORETURN void fwc_bug(const char *file, int line, const char *fmt, ...)
    FWC_PRINTF(3, 4);
#define FWC_BUG(...) fwc_bug(__FILE__, __LINE__, __VA_ARGS__)

#endif
