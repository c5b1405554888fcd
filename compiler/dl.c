/* Shared libraries loaded when first needed (include/fwc/dl.h). */
#include "fwc/dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/util.h"

static FWC_NORETURN void
fail(const char *soname, const char *what, const char *why)
{
	fprintf(stderr, "fwc: cannot load %s (needed for %s): %s\n", soname,
	    what, why != NULL ? why : "unknown error");
	exit(3);
}

void
fwc_dl_require(const char *soname, const char *what, const char *const names[],
    size_t n, void *table, size_t table_size)
{
	/* RTLD_NOW: a missing function is found here, not at a call in
	 * the middle of reading a policy; RTLD_LOCAL: its symbols serve
	 * nothing else. Never closed: its functions stay in use. */
	void *h;

	if (table_size != n * sizeof(void *))
		FWC_BUG("table of %zu bytes for %zu symbols", table_size, n);
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		fail(soname, what, dlerror());
	for (size_t i = 0; i < n; i++) {
		void *sym;

		(void)dlerror();
		sym = dlsym(h, names[i]);
		if (sym == NULL)
			fail(soname, what, dlerror());
		/* Pointers to functions and to data have one size and
		 * representation on every system with dlsym() (POSIX). */
		memcpy((char *)table + i * sizeof(void *), &sym, sizeof(sym));
	}
}
