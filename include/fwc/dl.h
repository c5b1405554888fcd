/* Shared libraries loaded when first needed. libxml2 (with ICU and
 * libstdc++ behind it) and BuDDy (with libstdc++) made up 3.7 MB of the
 * 5 MB that fwc was resident before reading anything, yet most runs
 * need neither: our own XML reader takes every valid policy in the
 * subset it handles (compiler/xml_scan.c), and only diff, verify and
 * query build BDDs (analysis/space.c). Each of those modules loads its
 * library at first use, by its soname, the way the dynamic linker
 * would at start-up (docs/performance.md, "Libraries loaded on
 * demand"). */
#ifndef FWC_DL_H
#define FWC_DL_H

#include <stddef.h>

/* A module's table of a library's symbols, made from an X-macro list
 * of their names: FWC_DL_FIELD declares one pointer with the symbol's
 * own type (a function's, or a variable's), FWC_DL_NAME gives its name
 * for the list of names. */
#define FWC_DL_FIELD(sym) __typeof__(sym) *sym;
#define FWC_DL_NAME(sym)  #sym,

/* Loads the library soname and fills table (table_size bytes, one
 * pointer per name, in the order of names[]) with the n symbols of
 * names[]. On failure prints "fwc: cannot load SONAME (needed for
 * WHAT): REASON" on stderr and exits with status 3: the installation is
 * broken, and nothing was written or applied yet. */
void fwc_dl_require(const char *soname, const char *what,
    const char *const names[], size_t n, void *table, size_t table_size);

#endif
