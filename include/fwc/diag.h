/* Diagnostics: located errors, warnings and notes written to one sink. */
#ifndef FWC_DIAG_H
#define FWC_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fwc/util.h"

/* A place in the input; line and col are 1-based, 0 when unknown. */
struct fwc_loc {
	const char *file; /* NULL when the diagnostic has no place */
	uint32_t line;
	uint32_t col;
};

struct fwc_diag {
	FILE *out;	     /* sink, set by main (stderr) or tests */
	unsigned int errors; /* errors reported so far */
	unsigned int warnings;
	unsigned int max_errors; /* stop reporting after this many (20) */
	bool werror;		 /* warnings count as errors */
	bool verbose;		 /* print warnings otherwise summarised */
	bool stopped;		 /* the error limit was reached */
	/* When set, diagnostics are held until fwc_diag_flush(), which
	 * prints them in file order (registered files first, by line and
	 * column), each note staying after the error or warning it follows.
	 * The locations' file strings must live until then. */
	bool sorted;
	struct fwc_diag_msg *held; /* heap */
	size_t n_held;
	size_t cap_held;
	const char **files; /* registered file order, borrowed strings */
	size_t n_files;
	size_t cap_files;
};

/* Initialises dg to write to out. */
void fwc_diag_init(struct fwc_diag *dg, FILE *out);
/* "file:line:col: error: ..." (loc may be NULL). */
void fwc_error(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt,
    ...) FWC_PRINTF(3, 4);
/* Counted as an error when dg->werror is set. */
void fwc_warning(struct fwc_diag *dg, const struct fwc_loc *loc,
    const char *fmt, ...) FWC_PRINTF(3, 4);
void fwc_note(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt,
    ...) FWC_PRINTF(3, 4);
/* Registers file as the next in reading order, for sorted output. */
void fwc_diag_file(struct fwc_diag *dg, const char *file);
/* Prints the held diagnostics (sorted mode) and frees them. */
void fwc_diag_flush(struct fwc_diag *dg);
/* Frees what dg holds without printing. */
void fwc_diag_release(struct fwc_diag *dg);
/* True when errors (or, under werror, warnings) were reported. */
bool fwc_diag_failed(const struct fwc_diag *dg);

#endif
