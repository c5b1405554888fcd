/* The in-memory nftables model that both nft backends lower a canonical
 * ruleset through: backends/nft.c renders it as `nft -f` text,
 * backends/nft_netlink.c turns it into one netlink batch. Keeping the
 * decisions (set names, which list becomes a set, the base rules of each
 * chain, comments and log prefixes) here means the two cannot diverge.
 *
 * A rule is a sequence of primitives (match or statement) in the order
 * nft prints them; every string in the model is already sanitised. */
#ifndef FWC_NFT_MODEL_H
#define FWC_NFT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emit.h"
#include "fwc/addr.h"
#include "fwc/ir.h"

struct fwc_arena;
struct fwc_diag;

#define FWC_NFT_TABLE	    "fwc" /* in family inet */
#define FWC_NFT_IFNAME_MAX  15	  /* IFNAMSIZ - 1 */
#define FWC_NFT_COMMENT_MAX 128	  /* NFTNL_UDATA_COMMENT_MAXLEN */
#define FWC_NFT_PREFIX_MAX  127	  /* NF_LOG_PREFIXLEN - 1 */

/* Data type of a set's key, as nft names it. */
enum fwc_nft_key {
	FWC_NFT_KEY_IPV4,    /* ipv4_addr */
	FWC_NFT_KEY_IPV6,    /* ipv6_addr */
	FWC_NFT_KEY_SERVICE, /* inet_service */
	FWC_NFT_KEY_ICMP,    /* icmp_type */
	FWC_NFT_KEY_ICMPV6,  /* icmpv6_type */
	FWC_NFT_KEY_IFNAME,  /* ifname (verdict maps of dispatch chains) */
	FWC_NFT_KEY_NR
};

/* An element range of a port or ICMP type set, inclusive. */
struct fwc_nft_range {
	uint32_t lo;
	uint32_t hi;
};

/* One element of a verdict map: key -> jump CHAIN. */
struct fwc_nft_vmap_el {
	const char *ifname; /* FWC_NFT_KEY_IFNAME */
	struct fwc_ivl iv;  /* address keys: an interval */
	const char *chain;  /* jump target */
};

struct fwc_nft_set {
	const char *name; /* nft identifier, owned by the model */
	uint32_t id;	  /* 1 + index in fwc_nft_table.sets */
	enum fwc_nft_key key;
	bool interval;	     /* flags interval */
	const char *comment; /* sanitised, or NULL */
	/* Address sets: the IR set (intervals, fqdns); NULL otherwise. */
	const struct fwc_ir_set *ir;
	/* Port and type sets: the elements in order (heap). */
	struct fwc_nft_range *el;
	size_t n_el;
	/* Addresses resolved from ir->fqdns at apply time (heap, owned;
	 * normalised intervals of the set's family), merged with ir->v by
	 * the netlink backend. NULL when none. */
	struct fwc_ivl *extra;
	size_t n_extra;
	/* Verdict maps of the dispatch layout (nft_dispatch.c): elements in
	 * order (heap); vmap is false for plain sets. */
	bool vmap;
	struct fwc_nft_vmap_el *vel;
	size_t n_vel;
};

enum fwc_nft_prim_kind {
	FWC_NFT_P_IIFNAME,	/* iifname "str" */
	FWC_NFT_P_OIFNAME,	/* oifname "str" */
	FWC_NFT_P_IIF,		/* iif "str" (interface index at load time) */
	FWC_NFT_P_OIF,		/* oif "str" */
	FWC_NFT_P_NFPROTO,	/* meta nfproto ipv4|ipv6 (family) */
	FWC_NFT_P_SADDR,	/* ip/ip6 saddr @set (family, set) */
	FWC_NFT_P_DADDR,	/* ip/ip6 daddr @set */
	FWC_NFT_P_L4PROTO,	/* meta l4proto N (proto) */
	FWC_NFT_P_DPORT,	/* KW dport lo[-hi] (proto, lo, hi) */
	FWC_NFT_P_SPORT,	/* KW sport lo[-hi] */
	FWC_NFT_P_DPORT_SET,	/* KW dport @set (proto, set) */
	FWC_NFT_P_SPORT_SET,	/* KW sport @set */
	FWC_NFT_P_ICMP_TYPE,	/* icmp[v6] type T (family, lo) */
	FWC_NFT_P_ICMP_SET,	/* icmp[v6] type @set (family, set) */
	FWC_NFT_P_HOPLIMIT,	/* ip6 hoplimit N (lo) */
	FWC_NFT_P_CT_STATE,	/* ct state BITS (lo: NF_CT_STATE_* bits) */
	FWC_NFT_P_LOG,		/* log prefix "str" */
	FWC_NFT_P_COUNTER,	/* counter */
	FWC_NFT_P_ACCEPT,	/* accept */
	FWC_NFT_P_DROP,		/* drop */
	FWC_NFT_P_REJECT_TCP,	/* reject with tcp reset */
	FWC_NFT_P_REJECT_ICMPX, /* reject with icmpx port-unreachable */
	FWC_NFT_P_IIFNAME_VMAP, /* iifname vmap @map (set) */
	FWC_NFT_P_OIFNAME_VMAP, /* oifname vmap @map */
	FWC_NFT_P_SADDR_VMAP,	/* ip/ip6 saddr vmap @map (family, set) */
	FWC_NFT_P_DADDR_VMAP,	/* ip/ip6 daddr vmap @map */
	FWC_NFT_P_JUMP,		/* jump CHAIN (str) */
	FWC_NFT_P_NR
};

/* ct state bits as the kernel defines them. */
#define FWC_NFT_CT_INVALID     1u
#define FWC_NFT_CT_ESTABLISHED 2u
#define FWC_NFT_CT_RELATED     4u

/* 16 bytes: a large policy holds millions of these. Every field fits:
 * ports, ICMP types, hop limits and ct bits are below 65536, protocols
 * in -1..255. */
struct fwc_nft_prim {
	uint8_t kind;	/* enum fwc_nft_prim_kind */
	uint8_t family; /* enum fwc_family: NFPROTO, SADDR, DADDR, ICMP_* */
	int16_t proto;	/* L4PROTO, *PORT* */
	uint16_t lo;	/* port, type, hop limit, ct bits */
	uint16_t hi;	/* port range end (== lo for one port) */
	union {
		const struct fwc_nft_set *set; /* *_SET, SADDR, DADDR, *VMAP */
		const char *str; /* interface name, log prefix, jump target */
	};
};

/* A rule's primitives are immutable once built and may be shared: the
 * dispatch layout's leaf chains hold copies of the flat rules that point
 * at the same primitives. */
struct fwc_nft_rule {
	const struct fwc_nft_prim *p; /* in the table's arena */
	size_t n;
	const char *comment; /* sanitised flow name, or NULL */
	/* Where the rule comes from, NULL for the chain's base rules: the
	 * origin member of the IR rule it lowers (fwc_nft_rule_ir()), or,
	 * after fwc_nft_model_shed(), a copy that outlives the IR rules. */
	const struct fwc_origin *origin;
};

/* The IR rule that r lowers (r->origin is its member), NULL for a base
 * rule. Not after fwc_nft_model_shed(). */
static inline const struct fwc_ir_rule *
fwc_nft_rule_ir(const struct fwc_nft_rule *r)
{
	const char *o = (const char *)r->origin;

	if (o == NULL)
		return NULL;
	o -= offsetof(struct fwc_ir_rule, origin);
	return (const struct fwc_ir_rule *)(const void *)o;
}

struct fwc_nft_chain {
	const char *name; /* also the hook name */
	enum fwc_chain hook;
	bool policy_accept;	    /* else drop */
	bool regular;		    /* dispatch chain: no hook, no policy */
	struct fwc_nft_rule *rules; /* in the table's arena */
	size_t n_rules;
	size_t cap_rules;
};

/* The whole table inet fwc. Held by value: build, then release. */
struct fwc_nft_table {
	const struct fwc_ruleset *rs;
	/* Rules, primitives, chains' rule arrays, sets and strings of the
	 * model; released with the table. */
	struct fwc_arena *a;
	struct fwc_nft_set **sets; /* heap; in listing order */
	size_t n_sets;
	struct fwc_nft_chain chains[FWC_CHAIN_NR];
	size_t n_chains;
	/* Regular chains of the dispatch layout, listed after the base
	 * chains (heap). */
	struct fwc_nft_chain *dchains;
	size_t n_dchains;
	size_t cap_dchains;
	struct fwc_emit_names names;
	struct fwc_emit_map lists; /* private: list content -> set */
	size_t cap_sets;
	/* private: the free end of the current block of primitives */
	struct fwc_nft_prim *pool;
	size_t pool_n;
	size_t pool_cap;
};

/* Appends a zeroed primitive of kind to r, a rule of t; r's primitives
 * are laid out end to end in t's arena (cheapest when r is the rule
 * that t built last). */
struct fwc_nft_prim *fwc_nft_rule_add(struct fwc_nft_table *t,
    struct fwc_nft_rule *r, enum fwc_nft_prim_kind kind);
/* Appends a zeroed rule to c, a chain of t. */
struct fwc_nft_rule *fwc_nft_chain_add(
    struct fwc_nft_table *t, struct fwc_nft_chain *c);
/* Makes room in c for at least n rules in all, so that adding them
 * moves nothing. */
void fwc_nft_chain_reserve(
    struct fwc_nft_table *t, struct fwc_nft_chain *c, size_t n);

/* Checks what nft cannot express (interface names), reporting each bad
 * name once at its rule. Returns 0 or -1. */
int fwc_nft_model_check(const struct fwc_ruleset *rs, struct fwc_diag *dg);

/* Lets the model do without rs's rules, which a, the arena that holds
 * rs, then gives back (fwc_ruleset_keep_origins()): what the model still
 * reads of them, their origins, moves into the block (10,000 rules hold
 * 1.7 MB of IR, 0.6 MB of origins); see fwc_nft_model_build_lean(). rs must be
 * the table's ruleset; nothing changes when its rules are not a block of their
 * own. */
void fwc_nft_model_shed(
    struct fwc_nft_table *t, struct fwc_arena *a, struct fwc_ruleset *rs);

/* Builds the model of rs into t (borrowing rs, which must outlive t).
 * Returns 0, or -1 when fwc_nft_model_check fails (errors in dg). */
int fwc_nft_model_build(
    struct fwc_nft_table *t, const struct fwc_ruleset *rs, struct fwc_diag *dg);
/* The same, for a caller that needs nothing of rs's rules afterwards:
 * sheds them (fwc_nft_model_shed(), into a, the arena that holds rs)
 * once they are lowered, before the dispatch layout, whose chains then
 * take the memory they held (fwc apply). */
int fwc_nft_model_build_lean(struct fwc_nft_table *t, struct fwc_ruleset *rs,
    struct fwc_arena *a, struct fwc_diag *dg);
/* How base chains hold their rules: FLAT one rule after the other; TREE
 * behind verdict-map dispatch chains (nft_dispatch.c) whenever a chain has
 * more than FWC_NFT_LEAF_MAX rules of a family; AUTO (the default) only
 * beyond FWC_NFT_AUTO_THRESHOLD rules, so that small rulesets stay easy to
 * read. */
enum fwc_nft_layout {
	FWC_NFT_LAYOUT_AUTO,
	FWC_NFT_LAYOUT_FLAT,
	FWC_NFT_LAYOUT_TREE
};
#define FWC_NFT_LEAF_MAX       8
#define FWC_NFT_AUTO_THRESHOLD 64
/* The layout is set once by the command line: fwc_nft_layout_parse() in
 * include/fwc/backend.h. */
/* Applies the layout to a built model (called by fwc_nft_model_build). */
void fwc_nft_model_dispatch(struct fwc_nft_table *t);

/* Frees everything t owns. */
void fwc_nft_model_release(struct fwc_nft_table *t);

/* The nft name of a key type ("ipv4_addr"). */
const char *fwc_nft_key_name(enum fwc_nft_key k);
/* The nft keyword of a port protocol ("tcp"). */
const char *fwc_nft_port_proto_kw(int proto);
/* Appends the nft text of one set element range of s (a type name, a
 * port, a range). */
void fwc_nft_format_range(
    struct fwc_strbuf *sb, const struct fwc_nft_set *s, size_t i);

/* Appends the nft text of rule r, as `nft list` prints it (without
 * indentation or newline). */
void fwc_nft_format_rule(struct fwc_strbuf *out, const struct fwc_nft_rule *r);

#endif
