/* Semantic diff of two compiled policies: per enforcement point and chain,
 * the new connections that become accepted, stop being accepted, or turn
 * from dropped to rejected or back, split into product regions attributed
 * to the deciding flows of both sides. */
#ifndef FWC_DIFF_H
#define FWC_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "fwc/eval.h"
#include "fwc/ir.h"
#include "region.h"

struct fwc_arena;
struct fwc_strbuf;

/* How the fate of a change's connections changes, in report order. */
enum fwc_diff_what {
	FWC_DIFF_ALLOW,	 /* not accepted before, accepted now */
	FWC_DIFF_DENY,	 /* accepted before, dropped or rejected now */
	FWC_DIFF_REJECT, /* dropped before, rejected now */
	FWC_DIFF_DROP,	 /* rejected before, dropped now */
	FWC_DIFF_WHAT_NR
};

struct fwc_diff_change {
	enum fwc_diff_what what;
	bool allow; /* what == FWC_DIFF_ALLOW */
	const char *ep;
	enum fwc_ep_kind kind;
	enum fwc_chain chain;
	struct fwc_region_text t;
	size_t n_regions; /* > 1: t over-approximates n product regions */
	struct fwc_packet ex;
	const struct fwc_ir_rule *new_rule; /* decider in NEW, NULL = default */
	const struct fwc_ir_rule *old_rule; /* decider in OLD, NULL = default */
	enum fwc_action new_def;
	enum fwc_action old_def;
	const char *text; /* fwc_region_format() of t, for sorting */
	/* Last sort keys, so that equal-looking changes keep one order:
	 * the deciders' rule indices (SIZE_MAX = default) and the region's
	 * number within its part. */
	size_t new_idx;
	size_t old_idx;
	size_t box_idx;
};

enum fwc_diff_ep_status { FWC_DIFF_EP_ADDED, FWC_DIFF_EP_REMOVED };

struct fwc_diff_ep {
	const char *name;
	enum fwc_ep_kind kind;
	enum fwc_diff_ep_status status;
	size_t n_rules;
};

struct fwc_diff {
	struct fwc_diff_change *changes; /* sorted: by what (allow, deny,
					  * reject, drop), largest first */
	size_t n_changes;
	size_t cap_changes;
	struct fwc_diff_ep *eps; /* added and removed, by name */
	size_t n_eps;
	size_t cap_eps;
	double allowed; /* connections newly allowed */
	double denied;
	size_t n_allowed; /* regions */
	size_t n_denied;
	double rejected; /* connections dropped before, rejected now */
	double dropped;	 /* connections rejected before, dropped now */
	size_t n_rejected;
	size_t n_dropped;
};

/* Computes the difference of two programs, for every enforcement point or
 * only the one called only (NULL = all). Everything in a. Returns true
 * when any packet's fate differs or an enforcement point appears or
 * disappears. */
bool fwc_diff_programs(struct fwc_arena *a, const struct fwc_program *old,
    const struct fwc_program *new, const char *only, struct fwc_diff *out);

/* For tests: when set, fwc_diff_programs() compares every chain over the
 * whole packet space with every rule, without narrowing; the result must
 * be the same. */
extern bool fwc_diff_whole_space;

enum fwc_diff_format { FWC_DIFF_TEXT, FWC_DIFF_JSON, FWC_DIFF_MARKDOWN };

/* Renders d; old_label and new_label name the two policies. */
void fwc_diff_render(const struct fwc_diff *d, enum fwc_diff_format fmt,
    const char *old_label, const char *new_label, struct fwc_strbuf *out);

#endif
