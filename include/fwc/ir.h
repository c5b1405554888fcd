/* The intermediate representation: one ruleset per enforcement point, the
 * contract between the compiler and every backend.
 *
 * Semantics of a ruleset, for every chain: packets of established or
 * related connections are accepted, invalid ones dropped (the stateful
 * base, which backends emit themselves); a new connection is accepted iff
 * it matches an accept rule and no drop or reject rule (deny overrides
 * allow), else the chain's default applies. Rules are stored denies first,
 * in a canonical deterministic order, so backends can emit them as they
 * come. */
#ifndef FWC_IR_H
#define FWC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwc/addr.h"
#include "fwc/diag.h"

struct fwc_arena;
struct fwc_policy;
struct fwc_strbuf;

enum fwc_action { FWC_ACT_ACCEPT, FWC_ACT_DROP, FWC_ACT_REJECT, FWC_ACT_NR };

enum fwc_chain {
	FWC_CHAIN_INPUT,   /* to the enforcement point itself */
	FWC_CHAIN_FORWARD, /* through a gateway */
	FWC_CHAIN_OUTPUT,  /* from the enforcement point itself */
	FWC_CHAIN_NR
};

enum fwc_ep_kind { FWC_EP_GATEWAY, FWC_EP_HOST };

#define FWC_PROTO_ANY	(-1)
#define FWC_PROTO_ICMP	1
#define FWC_PROTO_TCP	6
#define FWC_PROTO_UDP	17
#define FWC_PROTO_ICMP6 58

/* A named address set of one family. Rules point at sets; sets with equal
 * content are shared (one set, first name wins). */
struct fwc_ir_set {
	const char *name; /* logical name, [A-Za-z0-9._@+-]; backends
			   * mangle it to their own identifier rules */
	enum fwc_family family;
	const struct fwc_ivl *v; /* normalised intervals of family */
	size_t n;
	/* Plain DNS names whose addresses belong to the set too, filled at
	 * apply time (nft) or load time (pf); sorted, unique. */
	const char *const *fqdns;
	size_t n_fqdns;
	const char *comment; /* what the set stands for (names), or NULL */
	unsigned int id;     /* index in fwc_ruleset.sets */
};

/* Where a rule came from, for comments, logs, diffs and diagnostics. */
struct fwc_origin {
	const char *flow;    /* flow name, else "file:line" */
	struct fwc_loc loc;  /* the flow element */
	const char *from;    /* the flow's from attribute as written */
	const char *to;	     /* the flow's to attribute as written */
	const char *service; /* the flow's service attribute as written */
	const char *note;    /* how it was derived ("via proxy corp-proxy",
			      * "boundary group hq", "reverse of
			      * bidirectional flow"), or NULL */
};

/* 160 bytes: a large policy holds hundreds of thousands, so the small
 * fields are packed first (each fits a byte: action, chain and family
 * are enum values, protocols -1..255). */
struct fwc_ir_rule {
	uint8_t action;	 /* enum fwc_action */
	uint8_t chain;	 /* enum fwc_chain */
	uint8_t family;	 /* enum fwc_family: every rule is of exactly one */
	bool has_types;	 /* ICMP or ICMPv6 types when proto is ICMP/ICMP6 */
	bool log;	 /* log matches, prefix from the origin */
	int16_t proto;	 /* FWC_PROTO_ANY or an IP protocol number;
			  * ICMP only with IP4, ICMP6 only with IP6 */
	const char *iif; /* input interface name, NULL = any */
	const char *oif; /* output interface name, NULL = any */
	const struct fwc_ir_set *src; /* NULL = every address of family */
	const struct fwc_ir_set *dst; /* NULL = every address of family */
	struct fwc_portset dport;     /* tcp/udp/sctp/udplite; n == 0 = any */
	struct fwc_portset sport;     /* n == 0 = any */
	uint8_t types[32];	      /* bitmap of the 256 type values */
	struct fwc_origin origin;
};

struct fwc_ir_iface {
	const char *name;	/* kernel interface name, <= 15 bytes */
	const char *boundaries; /* the interface's boundary attribute */
	bool is_any;		/* faces everything not behind another */
	struct fwc_loc loc;
};

struct fwc_ruleset {
	const char *name; /* enforcement point (gateway or host) */
	enum fwc_ep_kind kind;
	const char *os;	    /* "linux", "bsd" or "windows" */
	const char *target; /* default backend name: nft, pf, netsh */
	const char *policy; /* the policy's name */
	struct fwc_loc loc; /* the gateway or host element */
	/* Default for new connections that no accept rule matches, per
	 * chain: DROP or REJECT, or ACCEPT for an unfiltered output chain
	 * (then only deny and reject rules appear in that chain). */
	enum fwc_action chain_default[FWC_CHAIN_NR];
	bool has_chain[FWC_CHAIN_NR]; /* FORWARD only for gateways */
	struct fwc_ir_iface *ifaces;  /* gateways: in document order */
	size_t n_ifaces;
	struct fwc_ir_set **sets; /* sorted by name, then family */
	size_t n_sets;
	struct fwc_ir_rule *rules; /* canonical order, see fwc_opt() */
	size_t n_rules;
};

/* All enforcement points of one compilation. */
struct fwc_program {
	const char *policy;	  /* policy name */
	struct fwc_ruleset **eps; /* sorted: gateways then hosts, by name */
	size_t n_eps;
	/* The resolved policy it was compiled from (set by
	 * fwc_compile_file/buffer), for lint; NULL otherwise. */
	const struct fwc_policy *source;
};

extern const char *const fwc_action_names[FWC_ACT_NR];	/* accept, drop... */
extern const char *const fwc_chain_names[FWC_CHAIN_NR]; /* input... */

/* Moves rs, built in src, into dst: copies what it points to (its sets,
 * strings, interfaces and port lists, shared as before) and takes over
 * its rules, a heap block that src adopted (copied otherwise), whose
 * pointers it rewrites. Returns the ruleset in dst; rs itself is no
 * longer valid, and releasing src leaves the result intact. */
struct fwc_ruleset *fwc_ruleset_move(
    struct fwc_arena *dst, struct fwc_arena *src, struct fwc_ruleset *rs);
/* Whether moving rs lowers the peak when the nft model lowers it next
 * (fwc apply): the move copies the sets' intervals while the originals
 * still exist, which pays only when that copy weighs less than half of
 * what the model takes (about 500 bytes a rule; the model refers to the
 * sets' intervals, it does not copy them). For 126,000 flows, apply
 * peaks at 100 MB with the move and 154 MB without; for one set of
 * 1,000,000 addresses and a few rules the move is 32 MB more. Not for
 * text targets: iptables writes such a set as a million rules, and the
 * freed memory serves them (fwc compile always moves). */
bool fwc_ruleset_move_pays(const struct fwc_ruleset *rs);

/* Turns rs's rules, a heap block that a adopted, into the array of their
 * origins, in the same order, and gives the rest of the block back: for
 * a caller done with everything but where the rules came from (fwc
 * apply, once the nft model is built). rs then has no rules. Returns the
 * array (a owns it), or NULL, changing nothing, when the rules are not
 * such a block. */
const struct fwc_origin *fwc_ruleset_keep_origins(
    struct fwc_arena *a, struct fwc_ruleset *rs);

/* The enforcement point called name, or NULL. */
struct fwc_ruleset *fwc_program_find(
    const struct fwc_program *p, const char *name);

/* Name of an IP protocol number ("tcp", "gre", or the number). */
const char *fwc_proto_name(int proto, char buf[8]);
/* Name of an ICMP (or ICMPv6 when v6) type number, or NULL. */
const char *fwc_icmp_type_name(int type, bool v6);
/* Parses an ICMP/ICMPv6 type name or number; -1 when unknown. */
int fwc_icmp_type_parse(const char *s, bool v6);
/* Parses a protocol name ("tcp", "gre", "ipv6-icmp") or number 0..255;
 * -1 when unknown. */
int fwc_proto_parse(const char *s);

static inline bool
fwc_rule_has_type(const struct fwc_ir_rule *r, unsigned int t)
{
	return (r->types[t / 8] >> (t % 8)) & 1u;
}

/* Stable, complete text rendering of a ruleset, for golden tests
 * (fwc compile --dump-ir). */
void fwc_ir_dump(const struct fwc_ruleset *rs, struct fwc_strbuf *out);

#endif
