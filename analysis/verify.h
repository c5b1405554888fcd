/* Translation validation: a backend's output, read back by its parser,
 * against the compiled ruleset it came from. */
#ifndef FWC_VERIFY_H
#define FWC_VERIFY_H

#include <stdbool.h>

#include "fwc/addr.h"
#include "fwc/eval.h"
#include "fwc/ir.h"

/* The first difference found, when there is one. */
struct fwc_verify_result {
	bool equal;
	enum fwc_chain chain; /* where the first difference is */
	struct fwc_packet ex; /* a counterexample packet */
	enum fwc_action want; /* its verdict under the policy */
	long want_rule;	      /* deciding IR rule, -1 = default */
	enum fwc_action got;  /* its verdict under the output */
	long got_rule;	      /* deciding output rule, -1 = default */
	double count;	      /* connections that differ in that chain */
	unsigned int chains_checked;
	unsigned int skipped; /* 1 << chain for chains not compared */
};

/* Compares ir and got (a parsed output) per chain, restricted to the
 * families whose bit (1 << enum fwc_family) is set in fams; with
 * no_reject (targets that can only block, like Windows Firewall) a reject
 * and a drop count as the same verdict. Only the chains the policy's
 * ruleset has are compared; when self (the enforcement point's own
 * addresses) is given, the input chain only for packets to self and the
 * output chain only for packets from self and the forward chain only for
 * the others, as in the kernel; for a gateway, only packets arriving and
 * leaving on its declared interfaces. When self is NULL and self_known is set
 * (the output's input and output chains only make sense for the
 * machine's own addresses, as pf's <fwc_self>), those two chains are
 * skipped and their bits set in res->skipped. ex's interface names are borrowed
 * from the two rulesets. Returns res->equal. */
bool fwc_verify_rulesets(const struct fwc_ruleset *ir,
    const struct fwc_ruleset *got, unsigned int fams, bool no_reject,
    const struct fwc_addrset *self, bool self_known,
    struct fwc_verify_result *res);

#endif
