/* Lint findings for `fwc check`: dead and redundant flows, partial
 * allow/deny overlaps, unused definitions, overlapping boundaries and
 * over-broad flows, each at the place in the policy it concerns. */
#ifndef FWC_LINT_H
#define FWC_LINT_H

struct fwc_diag;
struct fwc_program;

/* Reports the findings on prog (compiled by fwc_compile_file or
 * fwc_compile_buffer, so that prog->source is set) as warnings and notes
 * in dg. Does nothing when prog->source is NULL. */
void fwc_lint(const struct fwc_program *prog, struct fwc_diag *dg);

#endif
