/* Narrowing for the diff: the part of the packet space where two rulesets
 * can differ, found from the rules that are not identical on both sides,
 * and the rules that can matter there. */
#ifndef FWC_NARROW_H
#define FWC_NARROW_H

#include <stdbool.h>

#include "fwc/ir.h"
#include "fwc/space.h"

/* Returns (a new reference to) a set of packets outside which o and n
 * give every new connection of chain c the same accept/not-accept fate,
 * and sets use_o[i] / use_n[i] (arrays of n_rules) for the rules that may
 * match a packet of that set. Exact narrowing applies when both rulesets
 * store every drop/reject rule of c before its accept rules (compiled
 * rulesets); otherwise the whole domain and every rule are returned. */
int fwc_narrow(const struct fwc_space *sp, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n, enum fwc_chain c, bool *use_o, bool *use_n);

#endif
