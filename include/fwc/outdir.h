/* Crash safety of output files (docs/security.md): removing the
 * temporary files that killed runs left next to an output, and replacing
 * the files of `compile --all -o DIR` while removing those of enforcement
 * points that are no longer in the policy. */
#ifndef FWC_OUTDIR_H
#define FWC_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>

/* Suffix of a temporary file of PATH: PATH.tmpXXXXXX (mkstemp). */
#define FWC_TEMP_SUFFIX ".tmpXXXXXX"

/* Removes the temporary files PATH.tmpXXXXXX (six letters or digits) that
 * a killed run left next to PATH: regular files of the current user that
 * no running fwc holds locked. Anything else is left alone. */
void fwc_outdir_remove_temps(const char *path);

/* The files that earlier runs of `compile --all -o DIR` wrote. */
struct fwc_outdir {
	char *dir;
	char **old; /* DIR-relative NAME/FILE, sorted, unique */
	size_t n_old;
	bool verbose; /* say which files are removed */
};

/* Before any file of DIR is replaced: reads the files that earlier runs
 * wrote (DIR/MANIFEST, and DIR/MANIFEST.pending left by an interrupted
 * run), keeping only entries NAME/FILE with FILE one of file_names
 * (NULL-terminated); writes DIR/MANIFEST.pending listing them and the
 * n files rels of this run; removes DIR/MANIFEST. Returns 0 or
 * FWC_EXIT_SYSTEM (message printed). */
int fwc_outdir_begin(struct fwc_outdir *od, const char *dir,
    const char *const *file_names, const char *const *rels, size_t n);

/* After every file of this run is in place: removes the files of earlier
 * runs that are not among rels (and their directory, once empty), writes
 * DIR/MANIFEST and removes DIR/MANIFEST.pending. Returns 0 or
 * FWC_EXIT_SYSTEM (message printed). */
int fwc_outdir_finish(struct fwc_outdir *od, const char *const *rels, size_t n,
    const char *manifest, size_t len);

void fwc_outdir_release(struct fwc_outdir *od);

#endif
