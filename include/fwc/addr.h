/* Interval-set arithmetic over IPv4 and IPv6 addresses and over ports.
 * Sets are immutable values: every operation returns a new set allocated
 * from the arena, always normalised (sorted, merged, non-overlapping,
 * adjacent intervals joined). */
#ifndef FWC_ADDR_H
#define FWC_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fwc_arena;
struct fwc_strbuf;

enum fwc_family {
	FWC_FAM_IP4, /* IPv4 */
	FWC_FAM_IP6, /* IPv6 */
	FWC_FAM_NR
};

/* An address as a 128-bit unsigned number; IPv4 uses the low 32 bits. */
struct fwc_u128 {
	uint64_t hi;
	uint64_t lo;
};

/* Inclusive interval [lo, hi]. */
struct fwc_ivl {
	struct fwc_u128 lo;
	struct fwc_u128 hi;
};

/* Per-family intervals; v[FWC_FAM_IP4] hold values <= 0xffffffff.
 * Sets share interval arrays freely (a union of one set is that set's
 * array, a union of sets lying end to end in memory is that memory). */
struct fwc_addrset {
	const struct fwc_ivl *v[FWC_FAM_NR];
	size_t n[FWC_FAM_NR];
};

/* Inclusive port interval, 0..65535. */
struct fwc_pivl {
	uint16_t lo;
	uint16_t hi;
};

/* A set of ports; in rules and service matches an empty set (n == 0)
 * stands for "any port". */
struct fwc_portset {
	const struct fwc_pivl *v;
	size_t n;
};

int fwc_u128_cmp(struct fwc_u128 a, struct fwc_u128 b);

/* Parsing. Each returns 0, or -1 with *why set to a static message
 * ("host bits set", "not an IPv4 or IPv6 address", ...). */
int fwc_addr_parse(const char *s, enum fwc_family *fam, struct fwc_u128 *out,
    const char **why);
/* "a.b.c.d/len" or "x::/len"; strict: host bits set is an error. */
int fwc_cidr_parse(
    const char *s, enum fwc_family *fam, struct fwc_ivl *out, const char **why);
/* "lo-hi" of one family, lo <= hi. */
int fwc_range_parse(
    const char *s, enum fwc_family *fam, struct fwc_ivl *out, const char **why);
/* IPv6 prefix: CIDR, or the ConfigMgr form of four groups ("2001:db8:1:2"
 * meaning 2001:db8:1:2::/64). */
int fwc_prefix_parse(const char *s, struct fwc_ivl *out, const char **why);
/* "N" or "lo-hi", 1..65535 (0 allowed when allow_zero). */
int fwc_port_parse(
    const char *s, bool allow_zero, struct fwc_pivl *out, const char **why);

/* Address sets. */
extern const struct fwc_addrset fwc_addrset_empty;
/* The whole IPv4 and IPv6 spaces. */
const struct fwc_addrset *fwc_addrset_all(void);
/* Builds a normalised set from unsorted, possibly overlapping intervals. */
struct fwc_addrset *fwc_addrset_from(struct fwc_arena *a,
    const struct fwc_ivl *v4, size_t n4, const struct fwc_ivl *v6, size_t n6);
/* The same from intervals that the caller gives up: they are sorted and
 * merged in place, and the set keeps v4 and v6 (which must live as long
 * as it: arena memory), so that a list of a million addresses is not
 * copied. */
struct fwc_addrset *fwc_addrset_own(struct fwc_arena *a, struct fwc_ivl *v4,
    size_t n4, struct fwc_ivl *v6, size_t n6);
struct fwc_addrset *fwc_addrset_union(struct fwc_arena *a,
    const struct fwc_addrset *x, const struct fwc_addrset *y);
/* The union of sets[0..n), in time O(N log N) for N intervals in all: for
 * many sets, where repeated fwc_addrset_union() would be quadratic. */
struct fwc_addrset *fwc_addrset_union_n(
    struct fwc_arena *a, const struct fwc_addrset *const *sets, size_t n);
/* Tells whether nothing but s refers to s's intervals of family f. */
typedef bool (*fwc_addrset_alone_fn)(
    void *ctx, const struct fwc_addrset *s, enum fwc_family f);
/* The same, and when the sets lie end to end (each one's intervals after
 * the previous one's, none adjacent) they move into the union: each set
 * then points at its part of it (the sets are written, though const),
 * and a later union of them is that memory, no copy. Where alone(ctx,
 * set, family) says so, the pages of a large old array go back to the
 * system: the intervals of a million addresses are held once, not once
 * for the boundaries and again for their union. The sets keep their
 * contents. a must live as long as the sets (the arena that made them,
 * or one that outlives it); alone may be NULL (nothing is given back). */
struct fwc_addrset *fwc_addrset_union_n_move(struct fwc_arena *a,
    const struct fwc_addrset *const *sets, size_t n, fwc_addrset_alone_fn alone,
    void *ctx);
struct fwc_addrset *fwc_addrset_inter(struct fwc_arena *a,
    const struct fwc_addrset *x, const struct fwc_addrset *y);
/* The intersection of x and y, sharing what it can: the shared empty set
 * when they do not meet, x itself when x is a subset of y, y when y is a
 * subset of x, else a new set as fwc_addrset_inter() makes it. For hot
 * loops that intersect small sets with large ones. */
const struct fwc_addrset *fwc_addrset_meet(struct fwc_arena *a,
    const struct fwc_addrset *x, const struct fwc_addrset *y);
struct fwc_addrset *fwc_addrset_minus(struct fwc_arena *a,
    const struct fwc_addrset *x, const struct fwc_addrset *y);
bool fwc_addrset_is_empty(const struct fwc_addrset *s);
bool fwc_addrset_fam_empty(const struct fwc_addrset *s, enum fwc_family f);
/* True when s holds every address of family f. */
bool fwc_addrset_fam_full(const struct fwc_addrset *s, enum fwc_family f);
bool fwc_addrset_equal(
    const struct fwc_addrset *x, const struct fwc_addrset *y);
/* True when s contains the address v of family f. */
bool fwc_addrset_contains(
    const struct fwc_addrset *s, enum fwc_family f, struct fwc_u128 v);
/* True when x and y share an address. */
bool fwc_addrset_overlaps(
    const struct fwc_addrset *x, const struct fwc_addrset *y);
/* True when x is a subset of y. */
bool fwc_addrset_subset(
    const struct fwc_addrset *x, const struct fwc_addrset *y);

/* Text. Addresses in canonical form (RFC 5952 for IPv6). */
void fwc_addr_format(
    struct fwc_strbuf *sb, enum fwc_family f, struct fwc_u128 v);
/* One interval: "a", "a/len" when it is one CIDR block, else "a-b". */
void fwc_ivl_format(
    struct fwc_strbuf *sb, enum fwc_family f, const struct fwc_ivl *iv);
/* Calls fn for each CIDR block of the minimal decomposition of iv, in
 * order. */
void fwc_ivl_cidrs(enum fwc_family f, const struct fwc_ivl *iv,
    void (*fn)(void *ctx, struct fwc_u128 base, unsigned int len), void *ctx);
/* Number of CIDR blocks in the decomposition of the whole family. */
size_t fwc_addrset_cidr_count(const struct fwc_addrset *s, enum fwc_family f);

/* Port sets. */
struct fwc_portset *fwc_portset_from(
    struct fwc_arena *a, const struct fwc_pivl *v, size_t n);
struct fwc_portset *fwc_portset_union(struct fwc_arena *a,
    const struct fwc_portset *x, const struct fwc_portset *y);
bool fwc_portset_equal(
    const struct fwc_portset *x, const struct fwc_portset *y);
/* True when the set is 0..65535 or 1..65535 (every usable port). */
bool fwc_portset_is_full(const struct fwc_portset *s);
/* "80", "80-90", comma-free helpers are left to backends. */
void fwc_pivl_format(struct fwc_strbuf *sb, const struct fwc_pivl *p, char sep);

#endif
