/* The compiler pipeline: parse -> sema -> place -> opt. Each stage returns
 * 0, or -1 with at least one error in the diagnostic sink, and then no
 * later stage may run. */
#ifndef FWC_PIPELINE_H
#define FWC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

struct fwc_arena;
struct fwc_diag;
struct fwc_policy;
struct fwc_program;

struct fwc_options {
	const char *const *include_dirs; /* -I, in order */
	size_t n_include_dirs;
	const char *library_dir; /* installed policy library, may be NULL */
	bool resolve;		 /* resolve plain FQDNs at compile time */
	bool verbose;
	/* <include> is an error: untrusted in-memory input (the fuzzers)
	 * must not read files. */
	bool no_includes;
};

/* Parses the policy file at path and every file it includes into one
 * policy. */
int fwc_parse_file(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *path, struct fwc_policy **out);
/* Same for an in-memory root document called name; includes are searched
 * relative to the current directory and the include dirs. */
int fwc_parse_buffer(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *name, const char *buf,
    size_t len, struct fwc_policy **out);
/* Resolves names, composes services and boundaries, checks values. */
int fwc_sema(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, struct fwc_policy *p);
/* Releases the items of every definition (the <subnet>, <port>, <ref>
 * children as read), which only fwc_sema() reads: their strings stay,
 * the item arrays go and every definition's items become empty. */
void fwc_policy_drop_items(struct fwc_policy *p);
/* Computes the rules of every enforcement point. */
int fwc_place(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_policy *p, struct fwc_program **out);
/* Canonicalises every ruleset: shared sets, merged rules, sorted. */
int fwc_opt(struct fwc_arena *a, struct fwc_diag *dg, struct fwc_program *prog);

/* All of the above; *out is the program. */
int fwc_compile_file(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *path, struct fwc_program **out);
int fwc_compile_buffer(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *name, const char *buf,
    size_t len, struct fwc_program **out);

#endif
