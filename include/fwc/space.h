/* Packet space: exact sets of new connections as binary decision diagrams
 * (BuDDy), for the review commands (diff, lint, query, verify).
 *
 * A packet is a point of the product of these fields, each a block of BDD
 * variables, most significant bit first, in this order: address family
 * (1 bit, 1 = IPv6), input and output interface (8 bits each: 0 = none or
 * an interface not in the space's name table, i = the i-th name), source
 * and destination address (128 bits; IPv4 in the low 32 bits), protocol
 * (8 bits), destination port (16), ICMP type (8), source port (16). Only
 * the points of the domain are packets: IPv4 addresses below 2^32, ports
 * 0 unless the protocol has ports (tcp, udp, dccp, sctp, udplite), ICMP
 * type 0 unless the protocol is ICMP (IPv4) or ICMPv6 (IPv6).
 *
 * A set is an int (a BuDDy node) that the caller owns one reference to:
 * every function returning a set returns a new reference, released with
 * fwc_space_put(). The chain is not a field: a ruleset's meaning is built
 * per chain. */
#ifndef FWC_SPACE_H
#define FWC_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwc/addr.h"
#include "fwc/ir.h"

struct fwc_packet;

enum fwc_field {
	FWC_F_FAM,
	FWC_F_IIF,
	FWC_F_OIF,
	FWC_F_SRC,
	FWC_F_DST,
	FWC_F_PROTO,
	FWC_F_DPORT,
	FWC_F_ICMP,
	FWC_F_SPORT,
	FWC_F_NR
};

#define FWC_SPACE_MAX_IFACES 255

/* Interface names of the rulesets being compared, so that the same name
 * has the same index in both. */
struct fwc_space {
	const char *ifnames[FWC_SPACE_MAX_IFACES]; /* borrowed; index i + 1 */
	size_t n_ifnames;
};

/* What a ruleset does with the new connections of one chain. */
struct fwc_verdicts {
	int accept; /* accepted connections */
	int reject; /* rejected (refused with a reset or unreachable) */
	int drop;   /* dropped silently */
};

/* One product region: a value set (a set over that field's variables
 * only) per field. */
struct fwc_box {
	int f[FWC_F_NR];
};

/* Starts the BDD package once per process (idempotent). */
void fwc_space_init(void);
/* Resets sp to an empty interface table. */
void fwc_space_reset(struct fwc_space *sp);
/* Adds the interface names of rs (its interfaces and every name that a rule
 * uses) to the table; names beyond the limit share index 0. */
void fwc_space_add_ifaces(struct fwc_space *sp, const struct fwc_ruleset *rs);
/* Index of an interface name, 0 for NULL or an unknown name. */
unsigned int fwc_space_ifindex(const struct fwc_space *sp, const char *name);

/* References. */
int fwc_space_get(int b);
void fwc_space_put(int b);
int fwc_space_true(void);
int fwc_space_false(void);
/* Set algebra; each returns a new reference. */
int fwc_space_and(int a, int b);
int fwc_space_or(int a, int b);
int fwc_space_minus(int a, int b);
bool fwc_space_is_empty(int a);
bool fwc_space_equal(int a, int b);

/* Every packet of the domain. */
int fwc_space_domain(void);
/* The packets of family f. */
int fwc_space_family(enum fwc_family f);
/* Field value sets: value in [lo, hi] (addresses as 128-bit numbers). */
int fwc_space_range(enum fwc_field f, struct fwc_u128 lo, struct fwc_u128 hi);
int fwc_space_value(enum fwc_field f, uint64_t v);
/* The value set of an address set, on field f (FWC_F_SRC or FWC_F_DST). */
int fwc_space_set(enum fwc_field f, const struct fwc_ir_set *s);
/* The packets whose field f (FWC_F_SRC or FWC_F_DST) is in s, with the
 * family of each address. */
int fwc_space_addrset(enum fwc_field f, const struct fwc_addrset *s);
/* The packets matched by rule r (ignoring its chain). */
int fwc_space_rule(const struct fwc_space *sp, const struct fwc_ir_rule *r);
/* What rs does with the new connections of chain c under first-match
 * semantics (rules in stored order, else the chain default), restricted
 * to the packets of within (fwc_space_domain() for all). Rules whose
 * use[i] is false are skipped (use may be NULL): callers narrow to the
 * rules that overlap within. A chain the ruleset does not have accepts
 * everything. */
void fwc_space_chain(const struct fwc_space *sp, const struct fwc_ruleset *rs,
    enum fwc_chain c, int within, const bool *use, struct fwc_verdicts *out);
/* Same, with the rules' packet sets given: rb[i] is the set of rule i (or
 * its part within `within`), the empty set for rules to skip. */
void fwc_space_chain_sets(const struct fwc_ruleset *rs, enum fwc_chain c,
    int within, const int *rb, struct fwc_verdicts *out);
void fwc_space_verdicts_put(struct fwc_verdicts *v);

/* Number of distinct (family, source, destination, protocol, destination
 * port or ICMP type) tuples in a, ignoring interfaces and source port. */
double fwc_space_count(int a);
/* One packet of a (which must not be empty), preferring a source port of
 * 1024 or more; interface names come from sp. */
void fwc_space_example(const struct fwc_space *sp, int a, struct fwc_packet *p);
/* The set holding exactly packet p. */
int fwc_space_packet(const struct fwc_space *sp, const struct fwc_packet *p);

/* Splits a into n disjoint product regions whose union is a: fills
 * out[0..min(n, max)) and returns n; the caller releases each filled box
 * with fwc_space_box_put(). */
size_t fwc_space_boxes(int a, struct fwc_box *out, size_t max);
void fwc_space_box_put(struct fwc_box *b);
/* The intervals of a field value set, ascending and merged; returns the
 * total number n and fills v[0..min(n, max)). */
size_t fwc_space_intervals(
    int set, enum fwc_field f, struct fwc_ivl *v, size_t max);
/* True when the field value set holds every value of the field (within
 * family fam for addresses). */
bool fwc_space_field_full(int set, enum fwc_field f, enum fwc_family fam);
/* Projection of a on field f (a value set). */
int fwc_space_project(int a, enum fwc_field f);

#endif
