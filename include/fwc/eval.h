/* Reference evaluation of one packet against a ruleset under IR semantics,
 * for `fwc verify`, `fwc query` and the round-trip tests of the parsers.
 *
 * A ruleset read back by a backend's parser is in first-match form: its
 * rules are tried in stored order and the first that matches decides. A
 * compiled ruleset stores every deny before every allow, so first match
 * gives it the same meaning ("deny overrides allow"). */
#ifndef FWC_EVAL_H
#define FWC_EVAL_H

#include <stdint.h>

#include "fwc/addr.h"
#include "fwc/ir.h"

/* The first packet of a new connection. */
struct fwc_packet {
	enum fwc_family family;
	enum fwc_chain chain;
	const char *iif;	  /* input interface, NULL = none */
	const char *oif;	  /* output interface, NULL = none */
	struct fwc_u128 src, dst; /* IPv4 in the low 32 bits */
	int proto;		  /* IP protocol number, 0..255 */
	uint16_t sport, dport;	  /* tcp, udp, sctp, udplite */
	int icmp_type;		  /* ICMP/ICMPv6 type, -1 = none */
};

/* Verdict of a NEW connection under IR semantics (first match in stored
 * order, else rs->chain_default[p->chain]); *rule (may be NULL) receives
 * the index of the deciding rule or -1 for the default. Rules match only
 * packets of their own chain and family; a NULL interface, address set,
 * empty port set or FWC_PROTO_ANY in a rule matches anything. */
enum fwc_action fwc_eval_packet(
    const struct fwc_ruleset *rs, const struct fwc_packet *p, long *rule);

/* True when rule r matches packet p (the test of fwc_eval_packet). */
bool fwc_eval_rule_matches(
    const struct fwc_ir_rule *r, const struct fwc_packet *p);

/* True when the set contains address v (of the set's own family). */
bool fwc_eval_set_contains(const struct fwc_ir_set *s, struct fwc_u128 v);

#endif
