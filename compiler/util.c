/* Checked allocation and internal-error reporting. */
#include "fwc/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return p;
}

void *
fwc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
fwc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
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
