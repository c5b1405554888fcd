/* Dispatch trees: the rules of one chain and family arranged so that a
 * packet reaches, through a bounded number of lookups (input interface,
 * output interface, source address, destination address), a short list
 * of rules that holds every rule that can match it, in stored order.
 * Leaves keep the rules whole, so a leaf that holds a rule which cannot
 * match (a set filled from DNS names at apply time is treated as "any
 * address" here) changes nothing; a rule missing from a leaf it can
 * match would. The nft backends render each node as a chain and each
 * lookup as a verdict map (constant time whatever the policy size). */
#ifndef FWC_NFT_TREE_H
#define FWC_NFT_TREE_H

#include <stddef.h>

#include "fwc/addr.h"
#include "fwc/ir.h"

struct fwc_arena;

enum fwc_dt_kind {
	FWC_DT_LEAF,
	FWC_DT_IIF, /* branches keyed by input interface name */
	FWC_DT_OIF, /* by output interface name */
	FWC_DT_SRC, /* by source address interval */
	FWC_DT_DST, /* by destination address interval */
};

/* What a tree reads of a rule: its interfaces and address sets (NULL:
 * any). The nft model's dispatch makes them from the primitives of its
 * flat rules, so that the IR rules may be gone by then. */
struct fwc_dt_key {
	const char *iif;
	const char *oif;
	const struct fwc_ir_set *src;
	const struct fwc_ir_set *dst;
};

struct fwc_dt_node;

struct fwc_dt_branch {
	const char *ifname;	 /* IIF, OIF */
	const struct fwc_ivl *v; /* SRC, DST: the intervals of the key */
	size_t n;
	struct fwc_dt_node *child;
};

struct fwc_dt_node {
	enum fwc_dt_kind kind;
	unsigned int id; /* 0.. in creation order, unique per tree */
	/* LEAF: the rules (the caller's keys), in stored order. */
	const struct fwc_dt_key **rules;
	size_t n_rules;
	/* Lookups: a packet matching no branch goes to other (IIF/OIF: its
	 * interface is none of the branches'; NULL: no rule can match). */
	struct fwc_dt_branch *br;
	size_t n_br;
	struct fwc_dt_node *other;
};

struct fwc_dt {
	struct fwc_dt_node *root;   /* NULL when there is no rule */
	struct fwc_dt_node **nodes; /* every node, by id (leaves shared) */
	size_t n_nodes;
};

/* Builds the tree of the n rules (all of one chain and family, in stored
 * order); lists of at most leaf_max rules, and lists that no lookup
 * divides further, become leaves. */
void fwc_dt_build(struct fwc_arena *a, const struct fwc_dt_key *const *rules,
    size_t n, enum fwc_family family, size_t leaf_max, struct fwc_dt *out);

/* The leaf a packet with these fields reaches (ifnames may be NULL for
 * none), or NULL when no rule can match it. */
const struct fwc_dt_node *fwc_dt_walk(const struct fwc_dt *t, const char *iif,
    const char *oif, struct fwc_u128 src, struct fwc_u128 dst);

#endif
