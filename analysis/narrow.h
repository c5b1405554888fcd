/* Narrowing for the diff: the part of the packet space where two rulesets
 * can differ, found from the rules that are not identical on both sides,
 * and the rules that can matter there. */
#ifndef FWC_NARROW_H
#define FWC_NARROW_H

#include <stdbool.h>
#include <stddef.h>

#include "fwc/ir.h"
#include "fwc/space.h"

/* Returns (a new reference to) a set of packets outside which o and n
 * give every new connection of chain c the same fate (accept, drop or
 * reject),
 * and sets use_o[i] / use_n[i] (arrays of n_rules) for the rules that may
 * match a packet of that set. Exact narrowing applies when both rulesets
 * store every drop/reject rule of c before its accept rules (compiled
 * rulesets) and the rules present on both sides keep their order among
 * the drop/reject rules; otherwise the whole domain and every rule are
 * returned. */
int fwc_narrow(const struct fwc_space *sp, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n, enum fwc_chain c, bool *use_o, bool *use_n);

/* The same narrowing, split into independent groups: every rule of chain
 * c that can match a packet whose fate may differ belongs to exactly one
 * group, and rules of different groups share no such packet. A group's
 * part of that packet set is the union of the sets of its changed rules
 * (changed_o / changed_n: rules without an identical copy on the other
 * side), and only its own rules can match a packet there, so each group
 * can be compared on its own with small sets, and the union of the
 * groups' differences is the difference of the chains. When narrowing
 * does not apply (see fwc_narrow()), or when asked to (whole: for
 * tests), g->whole is set and there is one group of every rule of c, to
 * be compared over the whole domain. */
struct fwc_narrow_group {
	size_t *o; /* OLD rule indices, ascending */
	size_t n_o;
	size_t *n; /* NEW rule indices, ascending */
	size_t n_n;
};

struct fwc_narrow_groups {
	bool whole;
	bool *changed_o; /* per OLD rule (not meaningful when whole) */
	bool *changed_n;
	struct fwc_narrow_group *v;
	size_t n;
};

void fwc_narrow_groups(const struct fwc_space *sp, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n, enum fwc_chain c, bool whole,
    struct fwc_narrow_groups *g);
void fwc_narrow_groups_free(struct fwc_narrow_groups *g);

/* False when no packet can match both rules (their boxes do not meet;
 * interfaces by name). */
bool fwc_rules_meet(const struct fwc_ir_rule *a, const struct fwc_ir_rule *b);

/* An index of rules by the destination intervals they match, to find the
 * rules whose boxes meet a given rule's box (a necessary condition for
 * sharing a packet). Add the rules, finish, then query. */
struct fwc_rule_index;

struct fwc_rule_index *fwc_rule_index_new(void);
void fwc_rule_index_add(struct fwc_rule_index *ix, const struct fwc_ir_rule *r);
void fwc_rule_index_finish(struct fwc_rule_index *ix);
/* Calls fn for every indexed rule whose box meets r's (a rule may come
 * more than once). */
void fwc_rule_index_each(const struct fwc_rule_index *ix,
    const struct fwc_ir_rule *r,
    void (*fn)(void *ctx, const struct fwc_ir_rule *hit), void *ctx);
void fwc_rule_index_free(struct fwc_rule_index *ix);

#endif
