/* Packet space over BuDDy BDDs (include/fwc/space.h): builds the exact set
 * of new connections a ruleset accepts, rejects or drops per chain, and
 * turns sets back into readable product regions, intervals and example
 * packets for the review commands. The variable layout is fixed for the
 * whole process, so sets of different rulesets can be compared directly
 * when they share one interface name table. */
#include "fwc/space.h"

#include <stdlib.h>
#include <string.h>

#include <bdd.h>

#include "fwc/dl.h"
#include "fwc/eval.h"
#include "fwc/util.h"

/* BuDDy, loaded when first needed (include/fwc/dl.h): only the review
 * commands build BDDs, and the library brings libstdc++ with it. Its
 * functions and its two constants (bddtrue, bddfalse) are reached
 * through bs, which bs_load() fills from the library when the first
 * space is started; the macros below send every use in this file
 * there. */
#ifndef FWC_BDD_SONAME
#define FWC_BDD_SONAME "libbdd.so.0"
#endif
/* clang-format off */
#define BS_SYMBOLS(X) \
	X(bdd_addref) \
	X(bdd_and) \
	X(bdd_apply) \
	X(bdd_delref) \
	X(bdd_error_hook) \
	X(bdd_errstring) \
	X(bdd_exist) \
	X(bdd_gbc_hook) \
	X(bdd_high) \
	X(bdd_imp) \
	X(bdd_init) \
	X(bdd_ite) \
	X(bdd_ithvar) \
	X(bdd_low) \
	X(bdd_makeset) \
	X(bdd_nithvar) \
	X(bdd_or) \
	X(bdd_satcountset) \
	X(bdd_satone) \
	X(bdd_setcacheratio) \
	X(bdd_setmaxincrease) \
	X(bdd_setvarnum) \
	X(bdd_var) \
	X(bddfalse) \
	X(bddtrue)
/* clang-format on */

enum { BS_FALSE = 0, BS_TRUE = 1 };

static struct {
	BS_SYMBOLS(FWC_DL_FIELD)
} bs;

static void
bs_load(void)
{
	static const char *const names[] = { BS_SYMBOLS(FWC_DL_NAME) };

	fwc_dl_require(FWC_BDD_SONAME,
	    "the packet space of the review commands", names,
	    FWC_ARRAY_SIZE(names), &bs, sizeof(bs));
	if (*bs.bddfalse != BS_FALSE || *bs.bddtrue != BS_TRUE)
		FWC_BUG("%s: bddfalse is %d, bddtrue %d", FWC_BDD_SONAME,
		    *bs.bddfalse, *bs.bddtrue);
}

#define bdd_addref	   (*bs.bdd_addref)
#define bdd_and		   (*bs.bdd_and)
#define bdd_apply	   (*bs.bdd_apply)
#define bdd_delref	   (*bs.bdd_delref)
#define bdd_error_hook	   (*bs.bdd_error_hook)
#define bdd_errstring	   (*bs.bdd_errstring)
#define bdd_exist	   (*bs.bdd_exist)
#define bdd_gbc_hook	   (*bs.bdd_gbc_hook)
#define bdd_high	   (*bs.bdd_high)
#define bdd_imp		   (*bs.bdd_imp)
#define bdd_init	   (*bs.bdd_init)
#define bdd_ite		   (*bs.bdd_ite)
#define bdd_ithvar	   (*bs.bdd_ithvar)
#define bdd_low		   (*bs.bdd_low)
#define bdd_makeset	   (*bs.bdd_makeset)
#define bdd_nithvar	   (*bs.bdd_nithvar)
#define bdd_or		   (*bs.bdd_or)
#define bdd_satcountset	   (*bs.bdd_satcountset)
#define bdd_satone	   (*bs.bdd_satone)
#define bdd_setcacheratio  (*bs.bdd_setcacheratio)
#define bdd_setmaxincrease (*bs.bdd_setmaxincrease)
#define bdd_setvarnum	   (*bs.bdd_setvarnum)
#define bdd_var		   (*bs.bdd_var)
/* BuDDy's constants are the nodes 0 and 1 (checked when it is loaded):
 * fwc_space_true() and fwc_space_false() are used before any space is
 * started. */
#define bddfalse BS_FALSE
#define bddtrue	 BS_TRUE

static const unsigned int field_bits[FWC_F_NR] = {
	[FWC_F_FAM] = 1,
	[FWC_F_IIF] = 8,
	[FWC_F_OIF] = 8,
	[FWC_F_SRC] = 128,
	[FWC_F_DST] = 128,
	[FWC_F_PROTO] = 8,
	[FWC_F_DPORT] = 16,
	[FWC_F_ICMP] = 8,
	[FWC_F_SPORT] = 16,
};

static unsigned int field_off[FWC_F_NR + 1];
static bool started;
static int domain_bdd;

static void
bdd_failed(int code)
{
	FWC_BUG("BDD package: %s", bdd_errstring(code));
}

static void
gbc_quiet(int pre, bddGbcStat *st)
{
	(void)pre;
	(void)st;
}

int
fwc_space_get(int b)
{
	return bdd_addref(b);
}

void
fwc_space_put(int b)
{
	bdd_delref(b);
}

int
fwc_space_true(void)
{
	return bddtrue;
}

int
fwc_space_false(void)
{
	return bddfalse;
}

int
fwc_space_and(int a, int b)
{
	return bdd_addref(bdd_and(a, b));
}

int
fwc_space_or(int a, int b)
{
	return bdd_addref(bdd_or(a, b));
}

int
fwc_space_minus(int a, int b)
{
	return bdd_addref(bdd_apply(a, b, bddop_diff));
}

bool
fwc_space_is_empty(int a)
{
	return a == bddfalse;
}

bool
fwc_space_equal(int a, int b)
{
	return a == b;
}

/* Replaces *acc by op(*acc, b), keeping exactly one reference. */
static void
update(int *acc, int b, int op)
{
	int r = bdd_addref(bdd_apply(*acc, b, op));

	bdd_delref(*acc);
	*acc = r;
}

static unsigned int
bit_var(enum fwc_field f, unsigned int i)
{
	return field_off[f] + i;
}

/* Bit i (0 = most significant) of a field value. */
static bool
value_bit(enum fwc_field f, struct fwc_u128 v, unsigned int i)
{
	unsigned int shift = field_bits[f] - 1 - i;

	if (shift >= 64)
		return (v.hi >> (shift - 64)) & 1u;
	return (v.lo >> shift) & 1u;
}

/* field in [lo, hi] from bit i (0 = most significant) down, while the
 * bits above i equal those of lo (tlo) and of hi (thi): one node per bit
 * for each bound still tight, so at most two per bit. */
static int
range_from(enum fwc_field f, unsigned int i, struct fwc_u128 lo,
    struct fwc_u128 hi, bool tlo, bool thi)
{
	bool bl;
	bool bh;
	int l;
	int h;
	int r;

	if (i == field_bits[f] || (!tlo && !thi))
		return bddtrue; /* constants need no reference */
	bl = value_bit(f, lo, i);
	bh = value_bit(f, hi, i);
	if (tlo && thi) {
		if (bl && !bh)
			return bddfalse; /* lo > hi */
		if (bl == bh) {
			int sub = range_from(f, i + 1, lo, hi, true, true);

			l = bl ? bddfalse : sub;
			h = bl ? sub : bddfalse;
		} else {
			l = range_from(f, i + 1, lo, hi, true, false);
			h = range_from(f, i + 1, lo, hi, false, true);
		}
	} else if (tlo) {
		l = bl ? bddfalse : range_from(f, i + 1, lo, hi, true, false);
		h = bl ? range_from(f, i + 1, lo, hi, true, false) : bddtrue;
	} else {
		l = bh ? bddtrue : range_from(f, i + 1, lo, hi, false, true);
		h = bh ? range_from(f, i + 1, lo, hi, false, true) : bddfalse;
	}
	r = bdd_addref(bdd_ite(bdd_ithvar((int)bit_var(f, i)), h, l));
	/* l and h hold one reference each (none for the constants). */
	bdd_delref(l);
	bdd_delref(h);
	return r;
}

int
fwc_space_range(enum fwc_field f, struct fwc_u128 lo, struct fwc_u128 hi)
{
	return range_from(f, 0, lo, hi, true, true);
}

int
fwc_space_value(enum fwc_field f, uint64_t v)
{
	struct fwc_u128 x = { 0, v };

	return fwc_space_range(f, x, x);
}

static int
value_upto(enum fwc_field f, uint64_t lo, uint64_t hi)
{
	struct fwc_u128 a = { 0, lo };
	struct fwc_u128 b = { 0, hi };

	return fwc_space_range(f, a, b);
}

static bool
proto_has_ports(int p)
{
	return p == FWC_PROTO_TCP || p == FWC_PROTO_UDP || p == 33 ||
	       p == 132 || p == 136;
}

static int
build_domain(void)
{
	int d = bdd_addref(bddtrue);
	int v4 = bdd_addref(bdd_nithvar((int)bit_var(FWC_F_FAM, 0)));
	struct fwc_u128 lo = { 0, 0 };
	struct fwc_u128 hi = { 0, 0xffffffffu };
	int s = fwc_space_range(FWC_F_SRC, lo, hi);
	int t = fwc_space_range(FWC_F_DST, lo, hi);
	int ports = bdd_addref(bddfalse);
	int noports;
	int icmp;
	int noicmp;
	int x;

	/* IPv4 addresses live below 2^32. */
	update(&s, t, bddop_and);
	x = bdd_addref(bdd_imp(v4, s));
	update(&d, x, bddop_and);
	bdd_delref(x);
	bdd_delref(s);
	bdd_delref(t);
	/* Ports are 0 for protocols without ports. */
	for (int p = 0; p < 256; p++) {
		if (proto_has_ports(p)) {
			x = fwc_space_value(FWC_F_PROTO, (uint64_t)p);
			update(&ports, x, bddop_or);
			bdd_delref(x);
		}
	}
	noports = fwc_space_value(FWC_F_DPORT, 0);
	x = fwc_space_value(FWC_F_SPORT, 0);
	update(&noports, x, bddop_and);
	bdd_delref(x);
	x = bdd_addref(bdd_or(ports, noports));
	update(&d, x, bddop_and);
	bdd_delref(x);
	bdd_delref(ports);
	bdd_delref(noports);
	/* ICMP type 0 unless ICMP of the right family. */
	x = fwc_space_value(FWC_F_PROTO, FWC_PROTO_ICMP);
	icmp = bdd_addref(bdd_and(v4, x));
	bdd_delref(x);
	x = fwc_space_value(FWC_F_PROTO, FWC_PROTO_ICMP6);
	{
		int y = bdd_addref(
		    bdd_and(bdd_ithvar((int)bit_var(FWC_F_FAM, 0)), x));

		update(&icmp, y, bddop_or);
		bdd_delref(y);
	}
	bdd_delref(x);
	noicmp = fwc_space_value(FWC_F_ICMP, 0);
	x = bdd_addref(bdd_or(icmp, noicmp));
	update(&d, x, bddop_and);
	bdd_delref(x);
	bdd_delref(icmp);
	bdd_delref(noicmp);
	bdd_delref(v4);
	return d;
}

void
fwc_space_init(void)
{
	if (started)
		return;
	started = true;
	field_off[0] = 0;
	for (int f = 0; f < FWC_F_NR; f++)
		field_off[f + 1] = field_off[f] + field_bits[f];
	/* A small node table that stays in the processor's caches: garbage
	 * collection reuses it, and BuDDy grows it when a collection frees
	 * too little (a million nodes up front cost a diff of 50,000 flows
	 * more time in page faults than all its set operations). */
	bs_load();
	if (bdd_init(1 << 16, 10000) < 0)
		FWC_BUG("cannot start the BDD package");
	bdd_error_hook(bdd_failed);
	bdd_gbc_hook(gbc_quiet);
	bdd_setmaxincrease(2000000);
	bdd_setcacheratio(8);
	bdd_setvarnum((int)field_off[FWC_F_NR]);
	domain_bdd = build_domain();
}

/* Set BDDs by (set, field), shared by the many rules that name one set;
 * emptied by fwc_space_reset(), since sets die with their arena. */
struct set_slot {
	const struct fwc_ir_set *set;
	int field;
	int bdd;
};

static struct set_slot *set_cache;
static size_t set_cap;
static size_t set_n;

static void
set_cache_clear(void)
{
	for (size_t i = 0; i < set_cap; i++)
		if (set_cache[i].set != NULL)
			bdd_delref(set_cache[i].bdd);
	free(set_cache);
	set_cache = NULL;
	set_cap = set_n = 0;
}

static struct set_slot *
set_slot_find(const struct fwc_ir_set *s, int field)
{
	size_t h =
	    (((uintptr_t)s >> 4) * 2654435761u + (size_t)field) & (set_cap - 1);

	while (set_cache[h].set != NULL &&
	       (set_cache[h].set != s || set_cache[h].field != field))
		h = (h + 1) & (set_cap - 1);
	return &set_cache[h];
}

static void
set_cache_put(const struct fwc_ir_set *s, int field, int bdd)
{
	struct set_slot *sl;

	if (2 * (set_n + 1) > set_cap) {
		struct set_slot *old = set_cache;
		size_t ocap = set_cap;

		set_cap = set_cap ? 2 * set_cap : 1024;
		set_cache = fwc_xcalloc(set_cap, sizeof(*set_cache));
		for (size_t i = 0; i < ocap; i++)
			if (old[i].set != NULL)
				*set_slot_find(old[i].set, old[i].field) =
				    old[i];
		free(old);
	}
	sl = set_slot_find(s, field);
	sl->set = s;
	sl->field = field;
	sl->bdd = bdd_addref(bdd);
	set_n++;
}

void
fwc_space_reset(struct fwc_space *sp)
{
	memset(sp, 0, sizeof(*sp));
	set_cache_clear();
}

unsigned int
fwc_space_ifindex(const struct fwc_space *sp, const char *name)
{
	if (name == NULL)
		return 0;
	for (size_t i = 0; i < sp->n_ifnames; i++)
		if (strcmp(sp->ifnames[i], name) == 0)
			return (unsigned int)i + 1;
	return 0;
}

static void
add_ifname(struct fwc_space *sp, const char *name)
{
	if (name == NULL || fwc_space_ifindex(sp, name) != 0 ||
	    sp->n_ifnames == FWC_SPACE_MAX_IFACES)
		return;
	sp->ifnames[sp->n_ifnames++] = name;
}

void
fwc_space_add_ifaces(struct fwc_space *sp, const struct fwc_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_ifaces; i++)
		add_ifname(sp, rs->ifaces[i].name);
	for (size_t i = 0; i < rs->n_rules; i++) {
		add_ifname(sp, rs->rules[i].iif);
		add_ifname(sp, rs->rules[i].oif);
	}
}

int
fwc_space_domain(void)
{
	fwc_space_init();
	return bdd_addref(domain_bdd);
}

int
fwc_space_family(enum fwc_family f)
{
	int v = (int)bit_var(FWC_F_FAM, 0);

	return bdd_addref(f == FWC_FAM_IP6 ? bdd_ithvar(v) : bdd_nithvar(v));
}

int
fwc_space_set(enum fwc_field f, const struct fwc_ir_set *s)
{
	int r;

	if (set_cap > 0) {
		struct set_slot *sl = set_slot_find(s, (int)f);

		if (sl->set != NULL)
			return bdd_addref(sl->bdd);
	}
	r = bdd_addref(bddfalse);

	for (size_t i = 0; i < s->n; i++) {
		int x = fwc_space_range(f, s->v[i].lo, s->v[i].hi);

		update(&r, x, bddop_or);
		bdd_delref(x);
	}
	set_cache_put(s, (int)f, r);
	return r;
}

int
fwc_space_addrset(enum fwc_field f, const struct fwc_addrset *s)
{
	int r = bdd_addref(bddfalse);

	for (int fam = 0; fam < FWC_FAM_NR; fam++) {
		int a = bdd_addref(bddfalse);
		int fb = fwc_space_family((enum fwc_family)fam);

		for (size_t i = 0; i < s->n[fam]; i++) {
			int x = fwc_space_range(
			    f, s->v[fam][i].lo, s->v[fam][i].hi);

			update(&a, x, bddop_or);
			bdd_delref(x);
		}
		update(&a, fb, bddop_and);
		update(&r, a, bddop_or);
		bdd_delref(a);
		bdd_delref(fb);
	}
	return r;
}

static int
ports_bdd(enum fwc_field f, const struct fwc_portset *ps)
{
	int r;

	if (ps->n == 0)
		return bdd_addref(bddtrue);
	r = bdd_addref(bddfalse);
	for (size_t i = 0; i < ps->n; i++) {
		int x = value_upto(f, ps->v[i].lo, ps->v[i].hi);

		update(&r, x, bddop_or);
		bdd_delref(x);
	}
	return r;
}

static void
and_owned(int *acc, int x)
{
	update(acc, x, bddop_and);
	bdd_delref(x);
}

static bool
set_in_ip4(const struct fwc_ir_set *s)
{
	return s->n == 0 || (s->v[s->n - 1].hi.hi == 0 &&
				s->v[s->n - 1].hi.lo <= 0xffffffffu);
}

/* piece := piece AND value v of field f. */
static void
and_value(int *piece, enum fwc_field f, uint64_t v)
{
	int x = fwc_space_value(f, v);

	update(piece, x, bddop_and);
	bdd_delref(x);
}

/* The rule as one value set per field, then their conjunction, built from
 * the last field up so that each step only adds the nodes of one field.
 * With a known protocol and family, the domain's constraints reduce to
 * fixed fields (ports 0 without ports, ICMP type 0 without ICMP, IPv4
 * addresses below 2^32), which are added to the fields themselves;
 * otherwise the rule is met with the domain at the end. */
int
fwc_space_rule(const struct fwc_space *sp, const struct fwc_ir_rule *r)
{
	int piece[FWC_F_NR];
	bool any_proto = r->proto == FWC_PROTO_ANY;
	bool v4 = r->family == FWC_FAM_IP4;
	bool dom = any_proto;
	struct fwc_u128 zero = { 0, 0 };
	struct fwc_u128 top4 = { 0, 0xffffffffu };
	int acc;

	if ((r->src != NULL && r->src->family != r->family) ||
	    (r->dst != NULL && r->dst->family != r->family))
		return bdd_addref(bddfalse);
	if (v4 && ((r->src != NULL && !set_in_ip4(r->src)) ||
		      (r->dst != NULL && !set_in_ip4(r->dst))))
		dom = true;
	piece[FWC_F_FAM] = fwc_space_family(r->family);
	piece[FWC_F_IIF] = r->iif != NULL ? fwc_space_value(FWC_F_IIF,
						fwc_space_ifindex(sp, r->iif))
					  : bddtrue;
	piece[FWC_F_OIF] = r->oif != NULL ? fwc_space_value(FWC_F_OIF,
						fwc_space_ifindex(sp, r->oif))
					  : bddtrue;
	piece[FWC_F_SRC] = r->src != NULL ? fwc_space_set(FWC_F_SRC, r->src)
			   : v4 && !dom ? fwc_space_range(FWC_F_SRC, zero, top4)
					: bddtrue;
	piece[FWC_F_DST] = r->dst != NULL ? fwc_space_set(FWC_F_DST, r->dst)
			   : v4 && !dom ? fwc_space_range(FWC_F_DST, zero, top4)
					: bddtrue;
	piece[FWC_F_PROTO] =
	    any_proto ? bddtrue
		      : fwc_space_value(FWC_F_PROTO, (uint64_t)r->proto);
	piece[FWC_F_DPORT] = ports_bdd(FWC_F_DPORT, &r->dport);
	piece[FWC_F_SPORT] = ports_bdd(FWC_F_SPORT, &r->sport);
	piece[FWC_F_ICMP] = bddtrue;
	if (r->has_types) {
		piece[FWC_F_ICMP] = bdd_addref(bddfalse);
		for (unsigned int i = 0; i < 256; i++) {
			if (fwc_rule_has_type(r, i)) {
				int x = fwc_space_value(FWC_F_ICMP, i);

				update(&piece[FWC_F_ICMP], x, bddop_or);
				bdd_delref(x);
			}
		}
	}
	if (!dom) {
		bool icmp = (v4 && r->proto == FWC_PROTO_ICMP) ||
			    (!v4 && r->proto == FWC_PROTO_ICMP6);

		if (!proto_has_ports(r->proto)) {
			and_value(&piece[FWC_F_DPORT], FWC_F_DPORT, 0);
			and_value(&piece[FWC_F_SPORT], FWC_F_SPORT, 0);
		}
		if (!icmp)
			and_value(&piece[FWC_F_ICMP], FWC_F_ICMP, 0);
	}
	acc = bdd_addref(bddtrue);
	for (int f = FWC_F_NR; f-- > 0;) {
		update(&acc, piece[f], bddop_and);
		bdd_delref(piece[f]);
	}
	if (dom)
		and_owned(&acc, fwc_space_domain());
	return acc;
}

static void
chain_apply(const struct fwc_space *sp, const struct fwc_ruleset *rs,
    enum fwc_chain c, int within, const bool *use, const int *rb,
    struct fwc_verdicts *out)
{
	enum fwc_action def =
	    rs->has_chain[c] ? rs->chain_default[c] : FWC_ACT_ACCEPT;
	int acc = bdd_addref(def == FWC_ACT_ACCEPT ? within : bddfalse);
	int rej = bdd_addref(def == FWC_ACT_REJECT ? within : bddfalse);
	int all;

	/* Backwards: a rule decides every packet it matches, overriding what
	 * the rules after it would have decided. */
	for (size_t i = rs->n_rules; i-- > 0;) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		int m;

		if (r->chain != c || !rs->has_chain[c] ||
		    (use != NULL && !use[i]) ||
		    (rb != NULL && rb[i] == bddfalse))
			continue;
		if (rb != NULL) {
			m = bdd_addref(bdd_and(rb[i], within));
		} else {
			m = fwc_space_rule(sp, r);
			update(&m, within, bddop_and);
		}
		if (m != bddfalse) {
			update(&acc, m,
			    r->action == FWC_ACT_ACCEPT ? bddop_or
							: bddop_diff);
			update(&rej, m,
			    r->action == FWC_ACT_REJECT ? bddop_or
							: bddop_diff);
		}
		bdd_delref(m);
	}
	out->accept = acc;
	out->reject = rej;
	all = bdd_addref(bdd_or(acc, rej));
	out->drop = bdd_addref(bdd_apply(within, all, bddop_diff));
	bdd_delref(all);
}

void
fwc_space_chain(const struct fwc_space *sp, const struct fwc_ruleset *rs,
    enum fwc_chain c, int within, const bool *use, struct fwc_verdicts *out)
{
	chain_apply(sp, rs, c, within, use, NULL, out);
}

void
fwc_space_chain_sets(const struct fwc_ruleset *rs, enum fwc_chain c, int within,
    const int *rb, struct fwc_verdicts *out)
{
	chain_apply(NULL, rs, c, within, NULL, rb, out);
}

void
fwc_space_verdicts_put(struct fwc_verdicts *v)
{
	bdd_delref(v->accept);
	bdd_delref(v->reject);
	bdd_delref(v->drop);
	v->accept = v->reject = v->drop = bddfalse;
}

double
fwc_space_count(int a)
{
	static const enum fwc_field drop[] = { FWC_F_IIF, FWC_F_OIF,
		FWC_F_SPORT };
	static const enum fwc_field keep[] = { FWC_F_FAM, FWC_F_SRC, FWC_F_DST,
		FWC_F_PROTO, FWC_F_DPORT, FWC_F_ICMP };
	/* The variable sets, built once (the layout is fixed). */
	static int dset = -1;
	static int kset = -1;
	int p;
	double c;

	if (dset < 0) {
		int vars[FWC_F_NR * 128];
		int n = 0;

		for (size_t k = 0; k < FWC_ARRAY_SIZE(drop); k++)
			for (unsigned int i = 0; i < field_bits[drop[k]]; i++)
				vars[n++] = (int)bit_var(drop[k], i);
		dset = bdd_addref(bdd_makeset(vars, n));
		n = 0;
		for (size_t k = 0; k < FWC_ARRAY_SIZE(keep); k++)
			for (unsigned int i = 0; i < field_bits[keep[k]]; i++)
				vars[n++] = (int)bit_var(keep[k], i);
		kset = bdd_addref(bdd_makeset(vars, n));
	}
	p = bdd_addref(bdd_exist(a, dset));
	c = bdd_satcountset(p, kset);
	bdd_delref(p);
	return c;
}

/* Reads a field's value from a single-path BDD (unassigned bits are 0). */
static void
read_path(int path, struct fwc_u128 *vals)
{
	memset(vals, 0, sizeof(*vals) * FWC_F_NR);
	while (path != bddtrue && path != bddfalse) {
		int v = bdd_var(path);
		int one = bdd_low(path) == bddfalse;
		int f = 0;

		while (f + 1 < FWC_F_NR && (unsigned int)v >= field_off[f + 1])
			f++;
		if (one) {
			unsigned int shift = field_bits[f] - 1 -
					     ((unsigned int)v - field_off[f]);

			if (shift >= 64)
				vals[f].hi |= 1ull << (shift - 64);
			else
				vals[f].lo |= 1ull << shift;
		}
		path = one ? bdd_high(path) : bdd_low(path);
	}
}

void
fwc_space_example(const struct fwc_space *sp, int a, struct fwc_packet *p)
{
	static int hi = -1; /* source ports 1024 and up, built once */
	int b;

	if (hi < 0)
		hi = value_upto(FWC_F_SPORT, 1024, 65535);
	b = bdd_addref(bdd_and(a, hi));
	int path;
	struct fwc_u128 v[FWC_F_NR];
	unsigned int ii;
	unsigned int oi;

	if (b == bddfalse) {
		bdd_delref(b);
		b = bdd_addref(a);
	}
	path = bdd_addref(bdd_satone(b));
	read_path(path, v);
	bdd_delref(path);
	bdd_delref(b);
	memset(p, 0, sizeof(*p));
	p->family = v[FWC_F_FAM].lo ? FWC_FAM_IP6 : FWC_FAM_IP4;
	ii = (unsigned int)v[FWC_F_IIF].lo;
	oi = (unsigned int)v[FWC_F_OIF].lo;
	p->iif = ii > 0 && ii <= sp->n_ifnames ? sp->ifnames[ii - 1] : NULL;
	p->oif = oi > 0 && oi <= sp->n_ifnames ? sp->ifnames[oi - 1] : NULL;
	p->src = v[FWC_F_SRC];
	p->dst = v[FWC_F_DST];
	p->proto = (int)v[FWC_F_PROTO].lo;
	p->dport = (uint16_t)v[FWC_F_DPORT].lo;
	p->sport = (uint16_t)v[FWC_F_SPORT].lo;
	p->icmp_type = -1;
	if ((p->family == FWC_FAM_IP4 && p->proto == FWC_PROTO_ICMP) ||
	    (p->family == FWC_FAM_IP6 && p->proto == FWC_PROTO_ICMP6))
		p->icmp_type = (int)v[FWC_F_ICMP].lo;
}

int
fwc_space_packet(const struct fwc_space *sp, const struct fwc_packet *p)
{
	int b = fwc_space_family(p->family);

	and_owned(
	    &b, fwc_space_value(FWC_F_IIF, fwc_space_ifindex(sp, p->iif)));
	and_owned(
	    &b, fwc_space_value(FWC_F_OIF, fwc_space_ifindex(sp, p->oif)));
	and_owned(&b, fwc_space_range(FWC_F_SRC, p->src, p->src));
	and_owned(&b, fwc_space_range(FWC_F_DST, p->dst, p->dst));
	and_owned(&b, fwc_space_value(FWC_F_PROTO, (uint64_t)p->proto));
	and_owned(&b, fwc_space_value(FWC_F_DPORT, p->dport));
	and_owned(&b, fwc_space_value(FWC_F_SPORT, p->sport));
	and_owned(&b, fwc_space_value(FWC_F_ICMP,
			  p->icmp_type < 0 ? 0 : (uint64_t)p->icmp_type));
	return b;
}

/* A small open-addressing map from node to node, for the walks below. */
struct nodemap {
	int *key; /* -1 = free */
	int *val;
	size_t cap;
	size_t n;
};

static void
map_init(struct nodemap *m)
{
	m->cap = 64;
	m->n = 0;
	m->key = fwc_xmalloc(m->cap * sizeof(int));
	m->val = fwc_xmalloc(m->cap * sizeof(int));
	memset(m->key, 0xff, m->cap * sizeof(int));
}

static int *
map_slot(struct nodemap *m, int k)
{
	size_t i = ((unsigned int)k * 2654435761u) & (m->cap - 1);

	while (m->key[i] != -1 && m->key[i] != k)
		i = (i + 1) & (m->cap - 1);
	return &m->key[i];
}

static void map_put(struct nodemap *m, int k, int v);

static void
map_grow(struct nodemap *m)
{
	struct nodemap o = *m;

	m->cap *= 2;
	m->n = 0;
	m->key = fwc_xmalloc(m->cap * sizeof(int));
	m->val = fwc_xmalloc(m->cap * sizeof(int));
	memset(m->key, 0xff, m->cap * sizeof(int));
	for (size_t i = 0; i < o.cap; i++)
		if (o.key[i] != -1)
			map_put(m, o.key[i], o.val[i]);
	free(o.key);
	free(o.val);
}

static void
map_put(struct nodemap *m, int k, int v)
{
	int *s;

	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	s = map_slot(m, k);
	if (*s == -1)
		m->n++;
	*s = k;
	m->val[s - m->key] = v;
}

static bool
map_get(struct nodemap *m, int k, int *v)
{
	int *s = map_slot(m, k);

	if (*s == -1)
		return false;
	*v = m->val[s - m->key];
	return true;
}

static void
map_free(struct nodemap *m)
{
	free(m->key);
	free(m->val);
}

static bool
below_field(int node, enum fwc_field f)
{
	return node == bddtrue || node == bddfalse ||
	       (unsigned int)bdd_var(node) >= field_off[f + 1];
}

/* Collects the distinct nodes where paths from node leave field f. */
static void
collect_cuts(int node, enum fwc_field f, struct nodemap *seen, int **cuts,
    size_t *n, size_t *cap)
{
	int dummy;

	if (node == bddfalse || map_get(seen, node, &dummy))
		return;
	map_put(seen, node, 0);
	if (below_field(node, f)) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*cuts = realloc(*cuts, *cap * sizeof(int));
			if (*cuts == NULL)
				FWC_BUG("out of memory");
		}
		(*cuts)[(*n)++] = node;
		return;
	}
	collect_cuts(bdd_low(node), f, seen, cuts, n, cap);
	collect_cuts(bdd_high(node), f, seen, cuts, n, cap);
}

/* The values of field f whose paths from node lead to cut. Results in
 * memo hold a reference each. */
static int
paths_to(int node, enum fwc_field f, int cut, struct nodemap *memo)
{
	int r;
	int lo;
	int hi;

	if (below_field(node, f))
		return node == cut ? bddtrue : bddfalse;
	if (map_get(memo, node, &r))
		return r;
	lo = paths_to(bdd_low(node), f, cut, memo);
	hi = paths_to(bdd_high(node), f, cut, memo);
	r = bdd_addref(bdd_ite(bdd_ithvar(bdd_var(node)), hi, lo));
	map_put(memo, node, r);
	return r;
}

struct boxwalk {
	struct fwc_box *out;
	size_t max;
	size_t n;
};

static void
boxes_from(int node, int f, struct fwc_box *cur, struct boxwalk *w)
{
	struct nodemap seen;
	int *cuts = NULL;
	size_t n = 0;
	size_t cap = 0;

	if (f == FWC_F_NR) {
		if (w->n < w->max) {
			for (int k = 0; k < FWC_F_NR; k++)
				w->out[w->n].f[k] = bdd_addref(cur->f[k]);
		}
		w->n++;
		return;
	}
	map_init(&seen);
	collect_cuts(node, (enum fwc_field)f, &seen, &cuts, &n, &cap);
	map_free(&seen);
	for (size_t i = 0; i < n; i++) {
		struct nodemap memo;
		int vals;

		map_init(&memo);
		vals = bdd_addref(
		    paths_to(node, (enum fwc_field)f, cuts[i], &memo));
		for (size_t k = 0; k < memo.cap; k++)
			if (memo.key[k] != -1)
				bdd_delref(memo.val[k]);
		map_free(&memo);
		cur->f[f] = vals;
		boxes_from(cuts[i], f + 1, cur, w);
		bdd_delref(vals);
	}
	free(cuts);
}

size_t
fwc_space_boxes(int a, struct fwc_box *out, size_t max)
{
	struct boxwalk w = { out, max, 0 };
	struct fwc_box cur;

	if (a == bddfalse)
		return 0;
	bdd_addref(a);
	boxes_from(a, 0, &cur, &w);
	bdd_delref(a);
	return w.n;
}

void
fwc_space_box_put(struct fwc_box *b)
{
	for (int k = 0; k < FWC_F_NR; k++)
		bdd_delref(b->f[k]);
}

struct ivwalk {
	enum fwc_field f;
	struct fwc_ivl *v;
	size_t max;
	size_t n;
	bool have;
	struct fwc_ivl last;
};

static struct fwc_u128
u128_set_bit(struct fwc_u128 x, unsigned int shift)
{
	if (shift >= 64)
		x.hi |= 1ull << (shift - 64);
	else
		x.lo |= 1ull << shift;
	return x;
}

static struct fwc_u128
u128_low_ones(struct fwc_u128 x, unsigned int bits)
{
	for (unsigned int s = 0; s < bits; s++)
		x = u128_set_bit(x, s);
	return x;
}

static struct fwc_u128
u128_inc(struct fwc_u128 x)
{
	x.lo++;
	if (x.lo == 0)
		x.hi++;
	return x;
}

static void
emit_ivl(struct ivwalk *w, struct fwc_u128 lo, struct fwc_u128 hi)
{
	if (w->have && fwc_u128_cmp(u128_inc(w->last.hi), lo) == 0) {
		w->last.hi = hi;
		return;
	}
	if (w->have) {
		if (w->n < w->max)
			w->v[w->n] = w->last;
		w->n++;
	}
	w->have = true;
	w->last.lo = lo;
	w->last.hi = hi;
}

static void
ivl_walk(int node, unsigned int i, struct fwc_u128 base, struct ivwalk *w)
{
	unsigned int bits = field_bits[w->f];
	unsigned int v;

	if (node == bddfalse)
		return;
	if (node == bddtrue || i == bits) {
		emit_ivl(w, base, u128_low_ones(base, bits - i));
		return;
	}
	v = (unsigned int)bdd_var(node);
	if (v == bit_var(w->f, i)) {
		ivl_walk(bdd_low(node), i + 1, base, w);
		ivl_walk(
		    bdd_high(node), i + 1, u128_set_bit(base, bits - 1 - i), w);
	} else if (v >= field_off[w->f + 1]) {
		emit_ivl(w, base, u128_low_ones(base, bits - i));
	} else {
		ivl_walk(node, i + 1, base, w);
		ivl_walk(node, i + 1, u128_set_bit(base, bits - 1 - i), w);
	}
}

size_t
fwc_space_intervals(int set, enum fwc_field f, struct fwc_ivl *v, size_t max)
{
	struct ivwalk w;
	struct fwc_u128 zero = { 0, 0 };

	memset(&w, 0, sizeof(w));
	w.f = f;
	w.v = v;
	w.max = max;
	ivl_walk(set, 0, zero, &w);
	if (w.have) {
		if (w.n < w.max)
			w.v[w.n] = w.last;
		w.n++;
	}
	return w.n;
}

bool
fwc_space_field_full(int set, enum fwc_field f, enum fwc_family fam)
{
	struct fwc_ivl v;
	size_t n = fwc_space_intervals(set, f, &v, 1);
	struct fwc_u128 top = { 0, 0 };

	if (n != 1 || v.lo.hi != 0 || v.lo.lo != 0)
		return false;
	if ((f == FWC_F_SRC || f == FWC_F_DST) && fam == FWC_FAM_IP4)
		top.lo = 0xffffffffu;
	else
		top = u128_low_ones(top, field_bits[f]);
	return fwc_u128_cmp(v.hi, top) >= 0;
}

int
fwc_space_project(int a, enum fwc_field f)
{
	/* Per field, the set of every other field's variables, built once. */
	static int others[FWC_F_NR] = { -1, -1, -1, -1, -1, -1, -1, -1, -1 };

	if (others[f] < 0) {
		int vars[FWC_F_NR * 128];
		int n = 0;

		for (int k = 0; k < FWC_F_NR; k++)
			if (k != (int)f)
				for (unsigned int i = 0; i < field_bits[k]; i++)
					vars[n++] =
					    (int)bit_var((enum fwc_field)k, i);
		others[f] = bdd_addref(bdd_makeset(vars, n));
	}
	return bdd_addref(bdd_exist(a, others[f]));
}
