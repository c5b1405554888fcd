/* Backends lower a canonical ruleset (include/fwc/ir.h) to a target's
 * text, or apply it. They read only the ruleset. */
#ifndef FWC_BACKEND_H
#define FWC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

struct fwc_arena;
struct fwc_ruleset;
struct fwc_strbuf;
struct fwc_diag;

#define FWC_BACKEND_ABI 2 /* bump on any change to struct fwc_backend */

enum fwc_cap {
	FWC_CAP_IPV6 = 1u << 0,
	FWC_CAP_SETS = 1u << 1, /* named address sets */
	FWC_CAP_NAT = 1u << 2,
	FWC_CAP_LOG = 1u << 3,
	FWC_CAP_APPLY = 1u << 4, /* .apply is set */
	FWC_CAP_FQDN = 1u << 5,	 /* sets filled from DNS names */
};

struct fwc_apply_opts {
	bool check_only;      /* validate, commit nothing */
	unsigned int confirm; /* seconds before automatic revert, 0 = none */
};

struct fwc_backend {
	unsigned int abi;    /* FWC_BACKEND_ABI */
	const char *name;    /* value of -t: "nft", "iptables", ... */
	const char *summary; /* one line for --list-targets */
	unsigned int caps;   /* enum fwc_cap bits */
	/* Each hook is optional; each returns 0 or -1 (errors in dg). */
	int (*check)(const struct fwc_ruleset *rs, struct fwc_diag *dg);
	int (*emit)(const struct fwc_ruleset *rs, struct fwc_strbuf *out,
	    struct fwc_diag *dg);
	int (*apply)(const struct fwc_ruleset *rs,
	    const struct fwc_apply_opts *opts, struct fwc_diag *dg);
	/* Reads this target's own output back into *out (zeroed by the
	 * caller) in first-match form: rules tried in stored order, the
	 * first match decides, else the chain default (see
	 * include/fwc/eval.h). file names the text in diagnostics and in
	 * each rule's origin.loc (NULL = "<output>"); everything is
	 * allocated from a. Returns -1 with located errors in dg on any
	 * text it does not understand. */
	int (*parse)(struct fwc_arena *a, const char *file, const char *text,
	    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
};

/* Sets how the nft backends lay out large chains (--nft-layout): "auto"
 * (dispatch trees beyond 64 rules of a family in a chain), "tree"
 * (beyond 8) or "flat" (one rule after the other). Returns 0, or -1 for
 * an unknown value. */
int fwc_nft_layout_parse(const char *s);

/* The backend called name, or NULL. */
const struct fwc_backend *fwc_backend_find(const char *name);
/* All backends, in table order; *n receives the count. */
const struct fwc_backend *const *fwc_backend_list(size_t *n);

#endif
