/* The .parse hooks of the text backends (backends/<target>_parse.c): each
 * reads that target's output back into a ruleset in first-match form.
 * See the parse member of struct fwc_backend in include/fwc/backend.h. */
#ifndef FWC_PARSERS_H
#define FWC_PARSERS_H

#include <stddef.h>

struct fwc_arena;
struct fwc_diag;
struct fwc_ruleset;

int fwc_nft_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_iptables_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_ip6tables_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_pf_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_netsh_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);

#endif
