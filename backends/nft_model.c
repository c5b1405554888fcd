/* Lowers one canonical ruleset to the nftables model of nft_model.h: the
 * table inet fwc with its named sets (address sets from the IR, port and
 * ICMP type lists shared by content, the neighbour discovery types) and
 * its base chains with their rules as primitive sequences. Both the text
 * backend (nft.c) and the netlink backend (nft_netlink.c) read only this
 * model, so what `nft -f` loads and what `fwc apply` commits are the same
 * objects by construction.
 *
 * Guarantees: the model depends on the ruleset alone (set, chain and rule
 * order as in the IR, identifiers derived from names and contents), and
 * every string in it is sanitised: interface names are checked
 * (fwc_nft_model_check), comments and log prefixes are reduced to
 * [A-Za-z0-9 ._:@+/=,-]. Every list of more than one element is a named
 * set, because anonymous sets inside rules make loading quadratic
 * (pitfalls.md); a rule without an address set matches `meta nfproto` so
 * that its family is never lost. */
#include "nft_model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define IFNAME_EXPECT "1 to 15 bytes of [A-Za-z0-9._-]"
#define IDENT_MAX     96 /* well below NFT_SET_MAXNAMELEN */
#define LONG_NAME     48 /* longer content-derived names get a hash */

/* ICMPv6 types that must pass before conntrack has a say: neighbour and
 * router discovery, which travel with hop limit 255 only on the link. */
static const unsigned int nd_types[] = { 135, 136, 133, 134 };

static const char *const key_names[FWC_NFT_KEY_NR] = {
	[FWC_NFT_KEY_IPV4] = "ipv4_addr",
	[FWC_NFT_KEY_IPV6] = "ipv6_addr",
	[FWC_NFT_KEY_SERVICE] = "inet_service",
	[FWC_NFT_KEY_ICMP] = "icmp_type",
	[FWC_NFT_KEY_ICMPV6] = "icmpv6_type",
	[FWC_NFT_KEY_IFNAME] = "ifname",
};

const char *
fwc_nft_key_name(enum fwc_nft_key k)
{
	if ((unsigned int)k >= FWC_NFT_KEY_NR)
		FWC_BUG("bad set key %d", (int)k);
	return key_names[k];
}

static bool
ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	size_t i;

	if (s == NULL)
		return true;
	if (n == 0 || n > FWC_NFT_IFNAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == '-'))
			return false;
	}
	return true;
}

/* Checks name unless it is *good, the last name found good: rules
 * share their interfaces' strings, and a large chain would check the
 * same few names again and again. */
static void
check_ifname(struct fwc_emit_bad_ifnames *bad, const char *name,
    const char **good, const struct fwc_loc *loc, struct fwc_diag *dg)
{
	bool ok;

	if (name == *good)
		return;
	ok = ifname_ok(name);
	fwc_emit_check_ifname(bad, "nft", name, ok, IFNAME_EXPECT, loc, dg);
	if (ok)
		*good = name;
}

int
fwc_nft_model_check(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	struct fwc_emit_bad_ifnames bad = { NULL, 0 };
	const char *good_iif = NULL;
	const char *good_oif = NULL;
	size_t n_bad;
	size_t i;

	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		check_ifname(&bad, r->iif, &good_iif, &r->origin.loc, dg);
		check_ifname(&bad, r->oif, &good_oif, &r->origin.loc, dg);
	}
	n_bad = bad.n;
	fwc_emit_bad_ifnames_release(&bad);
	return n_bad > 0 ? -1 : 0;
}

static bool
is_port_proto(int proto)
{
	switch (proto) {
	case 6:	  /* tcp */
	case 17:  /* udp */
	case 33:  /* dccp */
	case 132: /* sctp */
	case 136: /* udplite */
		return true;
	default:
		return false;
	}
}

const char *
fwc_nft_port_proto_kw(int proto)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 33:
		return "dccp";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	default:
		FWC_BUG("no port keyword for protocol %d", proto);
	}
}

static uint32_t
hash32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* The identifier base for a list whose content is written in key as
 * "a_b_c": prefix_key, or when that is long, prefix_first_nN_hash. */
static char *
list_base(const char *prefix, const char *key, size_t n)
{
	struct fwc_strbuf sb;
	size_t first = strcspn(key, "_");
	char *base;

	fwc_strbuf_init(&sb);
	fwc_strbuf_addf(&sb, "%s_%s", prefix, key);
	if (sb.len > LONG_NAME) {
		fwc_strbuf_reset(&sb);
		fwc_strbuf_addf(&sb, "%s_%.*s_n%zu_%08x", prefix, (int)first,
		    key, n, (unsigned int)hash32(key));
	}
	base = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return base;
}

/* Copies the text of sb into the table's arena and releases sb. */
static const char *
keep(struct fwc_nft_table *t, struct fwc_strbuf *sb)
{
	char *str = fwc_arena_strndup(t->a, sb->buf, sb->len);

	fwc_strbuf_release(sb);
	return str;
}

/* The sanitised copy of s (at most max bytes of it) in the table's arena,
 * with prefix before and suffix after, built without a heap buffer: one
 * per rule for comments and log prefixes. */
static const char *
keep_safe(struct fwc_nft_table *t, const char *prefix, const char *s,
    size_t max, const char *suffix)
{
	size_t lp = strlen(prefix);
	size_t ls = strlen(suffix);
	size_t n = 0;
	char *str;

	bool same = lp == 0 && ls == 0;

	while (n < max && s[n] != '\0')
		same &= fwc_emit_safe_char((unsigned char)s[n++]);
	/* Already safe and whole (the usual flow name): s itself, which
	 * lives as long as the ruleset the table borrows. */
	if (same && s[n] == '\0')
		return s;
	str = fwc_arena_alloc(t->a, lp + n + ls + 1);
	memcpy(str, prefix, lp);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		str[lp + i] = fwc_emit_safe_char(c) ? (char)c : '_';
	}
	memcpy(str + lp + n, suffix, ls + 1);
	return str;
}

static struct fwc_nft_set *
add_set(struct fwc_nft_table *t, const char *name, enum fwc_nft_key key)
{
	struct fwc_nft_set *s = fwc_arena_alloc(t->a, sizeof(*s));

	s->name = name;
	s->key = key;
	if (t->n_sets == t->cap_sets) {
		t->cap_sets = t->cap_sets ? t->cap_sets * 2 : 16;
		t->sets = fwc_xrealloc(t->sets, t->cap_sets * sizeof(*t->sets));
	}
	t->sets[t->n_sets++] = s;
	s->id = (uint32_t)t->n_sets;
	return s;
}

/* Returns the named set of the elements el[0..n), creating it on first
 * use. key is the content spelt for an identifier ("80_443"), which is
 * unique per content within one type. Takes el in either case. */
static const struct fwc_nft_set *
list_set(struct fwc_nft_table *t, enum fwc_nft_key type, const char *prefix,
    const char *key, struct fwc_nft_range *el, size_t n, bool interval)
{
	struct fwc_strbuf full;
	struct fwc_nft_set *s;
	char *base;

	fwc_strbuf_init(&full);
	fwc_strbuf_addf(&full, "%s %s", key_names[type], key);
	s = (struct fwc_nft_set *)fwc_emit_map_get(&t->lists, full.buf);
	if (s == NULL) {
		base = list_base(prefix, key, n);
		s = add_set(t, fwc_emit_names_add(&t->names, base, ""), type);
		free(base);
		s->interval = interval;
		s->el = el;
		s->n_el = n;
		fwc_emit_map_put(&t->lists, full.buf, s);
	} else {
		free(el);
	}
	fwc_strbuf_release(&full);
	return s;
}

static const struct fwc_nft_set *
port_set(struct fwc_nft_table *t, const struct fwc_portset *ps)
{
	struct fwc_nft_range *el = fwc_xcalloc(ps->n, sizeof(*el));
	struct fwc_strbuf key;
	bool interval = false;
	const struct fwc_nft_set *s;
	size_t i;

	fwc_strbuf_init(&key);
	for (i = 0; i < ps->n; i++) {
		const struct fwc_pivl *p = &ps->v[i];

		el[i].lo = p->lo;
		el[i].hi = p->hi;
		if (i > 0)
			fwc_strbuf_addc(&key, '_');
		if (p->lo == p->hi) {
			fwc_strbuf_addf(&key, "%u", (unsigned int)p->lo);
		} else {
			fwc_strbuf_addf(&key, "%uto%u", (unsigned int)p->lo,
			    (unsigned int)p->hi);
			interval = true;
		}
	}
	s = list_set(
	    t, FWC_NFT_KEY_SERVICE, "ports", key.buf, el, ps->n, interval);
	fwc_strbuf_release(&key);
	return s;
}

static size_t
count_types(const struct fwc_ir_rule *r)
{
	size_t n = 0;
	unsigned int ty;

	for (ty = 0; ty < 256; ty++)
		n += fwc_rule_has_type(r, ty);
	return n;
}

static const struct fwc_nft_set *
icmp_set(struct fwc_nft_table *t, const struct fwc_ir_rule *r, bool v6)
{
	struct fwc_nft_range *el = fwc_xcalloc(count_types(r), sizeof(*el));
	struct fwc_strbuf key;
	const struct fwc_nft_set *s;
	size_t n = 0;
	unsigned int ty;

	fwc_strbuf_init(&key);
	for (ty = 0; ty < 256; ty++) {
		if (!fwc_rule_has_type(r, ty))
			continue;
		if (key.len > 0)
			fwc_strbuf_addc(&key, '_');
		fwc_strbuf_addf(&key, "%u", ty);
		el[n].lo = ty;
		el[n].hi = ty;
		n++;
	}
	s = list_set(t, v6 ? FWC_NFT_KEY_ICMPV6 : FWC_NFT_KEY_ICMP,
	    v6 ? "icmpv6" : "icmp", key.buf, el, n, false);
	fwc_strbuf_release(&key);
	return s;
}

/* Checks the parts of a rule that the IR contract fixes; a violation is
 * a compiler bug, not an input error. */
static void
assert_rule(const struct fwc_ruleset *rs, const struct fwc_ir_rule *r)
{
	const struct fwc_ir_set *sets[2] = { r->src, r->dst };
	size_t i;

	if ((unsigned int)r->chain >= FWC_CHAIN_NR || !rs->has_chain[r->chain])
		FWC_BUG("rule in absent chain %d", (int)r->chain);
	if ((unsigned int)r->action >= FWC_ACT_NR)
		FWC_BUG("bad action %d", (int)r->action);
	if (r->family != FWC_FAM_IP4 && r->family != FWC_FAM_IP6)
		FWC_BUG("bad family %d", (int)r->family);
	for (i = 0; i < 2; i++) {
		const struct fwc_ir_set *s = sets[i];

		if (s == NULL)
			continue;
		if (s->id >= rs->n_sets || rs->sets[s->id] != s)
			FWC_BUG("rule set '%s' not in ruleset", s->name);
		if (s->family != r->family)
			FWC_BUG("set '%s' of the wrong family", s->name);
	}
	if (r->proto < FWC_PROTO_ANY || r->proto > 255)
		FWC_BUG("bad protocol %d", r->proto);
	if ((r->dport.n > 0 || r->sport.n > 0) && !is_port_proto(r->proto))
		FWC_BUG("ports with protocol %d", r->proto);
	if (r->proto == FWC_PROTO_ICMP && r->family != FWC_FAM_IP4)
		FWC_BUG("icmp in an ipv6 rule");
	if (r->proto == FWC_PROTO_ICMP6 && r->family != FWC_FAM_IP6)
		FWC_BUG("icmpv6 in an ipv4 rule");
	if (r->has_types &&
	    ((r->proto != FWC_PROTO_ICMP && r->proto != FWC_PROTO_ICMP6) ||
		count_types(r) == 0))
		FWC_BUG("icmp types without icmp, or none");
}

/* The sets, in listing order: address sets as in the IR, lists by first
 * use, then the neighbour discovery set (whose name is reserved first so
 * that nothing else takes it). Returns the nd set or NULL. */
static struct fwc_nft_set **
make_sets(struct fwc_nft_table *t, bool want_nd, const char **nd_name)
{
	const struct fwc_ruleset *rs = t->rs;
	struct fwc_nft_set **addr;
	size_t i;

	if (want_nd) {
		*nd_name = "nd_types";
		if (!fwc_emit_names_reserve(&t->names, *nd_name))
			FWC_BUG("reserved name taken");
	}
	addr = fwc_xcalloc(rs->n_sets ? rs->n_sets : 1, sizeof(*addr));
	for (i = 0; i < rs->n_sets; i++) {
		const struct fwc_ir_set *is = rs->sets[i];
		struct fwc_nft_set *s;
		struct fwc_strbuf c;

		if (is->id != i)
			FWC_BUG(
			    "set '%s' has id %u at %zu", is->name, is->id, i);
		s = add_set(t,
		    fwc_emit_names_add(&t->names, is->name,
			is->family == FWC_FAM_IP4 ? "_v4" : "_v6"),
		    is->family == FWC_FAM_IP4 ? FWC_NFT_KEY_IPV4
					      : FWC_NFT_KEY_IPV6);
		s->interval = true;
		s->ir = is;
		if (is->comment != NULL && is->comment[0] != '\0') {
			fwc_strbuf_init(&c);
			fwc_emit_safe(&c, is->comment, FWC_NFT_COMMENT_MAX);
			s->comment = keep(t, &c);
		}
		addr[i] = s;
	}
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		assert_rule(rs, r);
		if (r->dport.n > 1)
			port_set(t, &r->dport);
		if (r->sport.n > 1)
			port_set(t, &r->sport);
		if (r->has_types && count_types(r) > 1)
			icmp_set(t, r, r->proto == FWC_PROTO_ICMP6);
	}
	return addr;
}

/* Primitives come in blocks of the arena; a rule's are contiguous. */
#define POOL_BLOCK 4096

struct fwc_nft_prim *
fwc_nft_rule_add(struct fwc_nft_table *t, struct fwc_nft_rule *r,
    enum fwc_nft_prim_kind kind)
{
	struct fwc_nft_prim *p;
	bool at_top = r->n > 0 && r->p + r->n == t->pool + t->pool_n;

	if (!at_top || t->pool_n == t->pool_cap) {
		/* Move r's primitives to the free end of a block with room
		 * for one more (r is not the rule built last, or its block
		 * is full). */
		size_t need = r->n + 1;

		if (t->pool_cap - t->pool_n < need) {
			/* Twice the need: an (unusually) long rule moves
			 * a logarithmic number of times. */
			t->pool_cap =
			    2 * need > POOL_BLOCK ? 2 * need : POOL_BLOCK;
			t->pool = fwc_arena_alloc(
			    t->a, t->pool_cap * sizeof(*t->pool));
			t->pool_n = 0;
		}
		if (r->n > 0)
			memcpy(&t->pool[t->pool_n], r->p, r->n * sizeof(*p));
		r->p = &t->pool[t->pool_n];
		t->pool_n += r->n;
	}
	p = &t->pool[t->pool_n++];
	r->n++;
	memset(p, 0, sizeof(*p));
	p->kind = (uint8_t)kind;
	return p;
}

void
fwc_nft_chain_reserve(
    struct fwc_nft_table *t, struct fwc_nft_chain *c, size_t n)
{
	size_t ncap = c->cap_rules ? 2 * c->cap_rules : 2;
	struct fwc_nft_rule *v;

	if (n <= c->cap_rules)
		return;
	if (ncap < n)
		ncap = n;
	v = fwc_arena_alloc(t->a, ncap * sizeof(*v));
	if (c->n_rules > 0)
		memcpy(v, c->rules, c->n_rules * sizeof(*v));
	c->rules = v; /* the old array is abandoned to the arena */
	c->cap_rules = ncap;
}

struct fwc_nft_rule *
fwc_nft_chain_add(struct fwc_nft_table *t, struct fwc_nft_chain *c)
{
	struct fwc_nft_rule *r;

	if (c->n_rules == c->cap_rules)
		fwc_nft_chain_reserve(t, c, c->n_rules + 1);
	r = &c->rules[c->n_rules++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void
lower_ports(struct fwc_nft_table *t, struct fwc_nft_rule *nr, int proto,
    bool dport, const struct fwc_portset *ps)
{
	struct fwc_nft_prim *p;

	if (ps->n == 0)
		return;
	if (ps->n == 1) {
		p = fwc_nft_rule_add(
		    t, nr, dport ? FWC_NFT_P_DPORT : FWC_NFT_P_SPORT);
		p->lo = ps->v[0].lo;
		p->hi = ps->v[0].hi;
	} else {
		p = fwc_nft_rule_add(
		    t, nr, dport ? FWC_NFT_P_DPORT_SET : FWC_NFT_P_SPORT_SET);
		p->set = port_set(t, ps);
	}
	p->proto = proto;
}

static void
lower_proto(struct fwc_nft_table *t, struct fwc_nft_rule *nr,
    const struct fwc_ir_rule *r)
{
	struct fwc_nft_prim *p;

	if (r->proto == FWC_PROTO_ANY)
		return;
	if (r->dport.n > 0 || r->sport.n > 0) {
		lower_ports(t, nr, r->proto, true, &r->dport);
		lower_ports(t, nr, r->proto, false, &r->sport);
		return;
	}
	if (r->has_types) {
		if (count_types(r) == 1) {
			unsigned int ty = 0;

			while (!fwc_rule_has_type(r, ty))
				ty++;
			p = fwc_nft_rule_add(t, nr, FWC_NFT_P_ICMP_TYPE);
			p->lo = ty;
		} else {
			p = fwc_nft_rule_add(t, nr, FWC_NFT_P_ICMP_SET);
			p->set = icmp_set(t, r, r->proto == FWC_PROTO_ICMP6);
		}
		p->family = r->family;
		return;
	}
	p = fwc_nft_rule_add(t, nr, FWC_NFT_P_L4PROTO);
	p->proto = r->proto;
}

static void
lower_rule(struct fwc_nft_table *t, struct fwc_nft_set **addr,
    struct fwc_nft_chain *c, const struct fwc_ir_rule *r)
{
	struct fwc_nft_rule *nr = fwc_nft_chain_add(t, c);
	const char *flow = r->origin.flow;
	const char *act = fwc_action_names[r->action];
	struct fwc_nft_prim *p;

	nr->origin = &r->origin;
	if (r->iif != NULL)
		fwc_nft_rule_add(t, nr, FWC_NFT_P_IIFNAME)->str = r->iif;
	if (r->oif != NULL)
		fwc_nft_rule_add(t, nr, FWC_NFT_P_OIFNAME)->str = r->oif;
	if (r->src != NULL) {
		p = fwc_nft_rule_add(t, nr, FWC_NFT_P_SADDR);
		p->family = r->family;
		p->set = addr[r->src->id];
	}
	if (r->dst != NULL) {
		p = fwc_nft_rule_add(t, nr, FWC_NFT_P_DADDR);
		p->family = r->family;
		p->set = addr[r->dst->id];
	}
	if (r->src == NULL && r->dst == NULL)
		fwc_nft_rule_add(t, nr, FWC_NFT_P_NFPROTO)->family = r->family;
	lower_proto(t, nr, r);
	if (r->log) {
		size_t room =
		    FWC_NFT_PREFIX_MAX - strlen("fwc  : ") - strlen(act);
		bool named = flow != NULL && flow[0] != '\0';
		char pre[32];

		snprintf(pre, sizeof(pre), "fwc %s%s", act, named ? " " : "");
		fwc_nft_rule_add(t, nr, FWC_NFT_P_LOG)->str =
		    keep_safe(t, pre, named ? flow : "", room, ": ");
	}
	fwc_nft_rule_add(t, nr, FWC_NFT_P_COUNTER);
	switch (r->action) {
	case FWC_ACT_ACCEPT:
		fwc_nft_rule_add(t, nr, FWC_NFT_P_ACCEPT);
		break;
	case FWC_ACT_DROP:
		fwc_nft_rule_add(t, nr, FWC_NFT_P_DROP);
		break;
	case FWC_ACT_REJECT:
		fwc_nft_rule_add(t, nr,
		    r->proto == FWC_PROTO_TCP ? FWC_NFT_P_REJECT_TCP
					      : FWC_NFT_P_REJECT_ICMPX);
		break;
	case FWC_ACT_NR:
		FWC_BUG("bad action");
	}
	if (flow != NULL && flow[0] != '\0')
		nr->comment = keep_safe(t, "", flow, FWC_NFT_COMMENT_MAX, "");
}

/* Starts the base chain of hook h, with room for its n IR rules: the
 * stateful rules that come before them. */
static struct fwc_nft_chain *
begin_chain(struct fwc_nft_table *t, const struct fwc_nft_set *nd,
    enum fwc_chain h, size_t n)
{
	const struct fwc_ruleset *rs = t->rs;
	struct fwc_nft_chain *c = &t->chains[t->n_chains++];
	enum fwc_action def = rs->chain_default[h];
	bool filtered_out = h == FWC_CHAIN_OUTPUT && def != FWC_ACT_ACCEPT;
	struct fwc_nft_rule *r;
	struct fwc_nft_prim *p;

	c->name = fwc_chain_names[h];
	c->hook = h;
	c->policy_accept = def == FWC_ACT_ACCEPT;
	fwc_nft_chain_reserve(t, c, n + 6); /* with at most 6 base rules */
	r = fwc_nft_chain_add(t, c);
	fwc_nft_rule_add(t, r, FWC_NFT_P_CT_STATE)->lo =
	    FWC_NFT_CT_ESTABLISHED | FWC_NFT_CT_RELATED;
	fwc_nft_rule_add(t, r, FWC_NFT_P_ACCEPT);
	/* Loopback and neighbour discovery pass before the invalid-state
	 * drop: discovery packets may be untracked. */
	if (h == FWC_CHAIN_INPUT || filtered_out) {
		r = fwc_nft_chain_add(t, c);
		fwc_nft_rule_add(
		    t, r, h == FWC_CHAIN_INPUT ? FWC_NFT_P_IIF : FWC_NFT_P_OIF)
		    ->str = "lo";
		fwc_nft_rule_add(t, r, FWC_NFT_P_ACCEPT);
		r = fwc_nft_chain_add(t, c);
		p = fwc_nft_rule_add(t, r, FWC_NFT_P_ICMP_SET);
		p->family = FWC_FAM_IP6;
		p->set = nd;
		fwc_nft_rule_add(t, r, FWC_NFT_P_HOPLIMIT)->lo = 255;
		fwc_nft_rule_add(t, r, FWC_NFT_P_ACCEPT);
	}
	r = fwc_nft_chain_add(t, c);
	fwc_nft_rule_add(t, r, FWC_NFT_P_CT_STATE)->lo = FWC_NFT_CT_INVALID;
	fwc_nft_rule_add(t, r, FWC_NFT_P_DROP);
	return c;
}

/* Ends the base chain c after its IR rules: the rejects of a reject
 * default. */
static void
end_chain(struct fwc_nft_table *t, struct fwc_nft_chain *c)
{
	struct fwc_nft_rule *r;

	if (t->rs->chain_default[c->hook] != FWC_ACT_REJECT)
		return;
	r = fwc_nft_chain_add(t, c);
	fwc_nft_rule_add(t, r, FWC_NFT_P_L4PROTO)->proto = FWC_PROTO_TCP;
	fwc_nft_rule_add(t, r, FWC_NFT_P_COUNTER);
	fwc_nft_rule_add(t, r, FWC_NFT_P_REJECT_TCP);
	r = fwc_nft_chain_add(t, c);
	fwc_nft_rule_add(t, r, FWC_NFT_P_COUNTER);
	fwc_nft_rule_add(t, r, FWC_NFT_P_REJECT_ICMPX);
}

/* The base chains in hook order, each IR rule lowered into its chain in
 * one pass over the rules. */
static void
lower_chains(struct fwc_nft_table *t, struct fwc_nft_set **addr,
    const struct fwc_nft_set *nd)
{
	const struct fwc_ruleset *rs = t->rs;
	struct fwc_nft_chain *of[FWC_CHAIN_NR] = { NULL };
	size_t n[FWC_CHAIN_NR] = { 0 };
	size_t i;

	for (i = 0; i < rs->n_rules; i++)
		n[rs->rules[i].chain]++; /* assert_rule checked the range */
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i])
			of[i] = begin_chain(t, nd, (enum fwc_chain)i, n[i]);
	for (i = 0; i < rs->n_rules; i++)
		lower_rule(t, addr, of[rs->rules[i].chain], &rs->rules[i]);
	for (i = 0; i < t->n_chains; i++)
		end_chain(t, &t->chains[i]);
}

/* fwc_nft_model_build(), shedding rs's rules into a (when a is not
 * NULL) before the dispatch layout. */
static int
build(struct fwc_nft_table *t, const struct fwc_ruleset *rs,
    struct fwc_arena *a, struct fwc_ruleset *shed, struct fwc_diag *dg)
{
	bool want_nd;
	const char *nd_name = NULL;
	struct fwc_nft_set **addr;
	struct fwc_nft_set *nd = NULL;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->rs = rs;
	fwc_emit_names_init(&t->names, IDENT_MAX);
	fwc_emit_map_init(&t->lists);
	/* Interface names go into the table verbatim: never build one that
	 * the check would refuse, whether or not the caller ran it. */
	if (fwc_nft_model_check(rs, dg) < 0)
		return -1;
	t->a = fwc_arena_new();
	want_nd = rs->has_chain[FWC_CHAIN_INPUT] ||
		  (rs->has_chain[FWC_CHAIN_OUTPUT] &&
		      rs->chain_default[FWC_CHAIN_OUTPUT] != FWC_ACT_ACCEPT);
	addr = make_sets(t, want_nd, &nd_name);
	/* Rules may create no new list sets now: make_sets saw them all,
	 * so the neighbour discovery set can go last. */
	if (want_nd) {
		nd = add_set(t, nd_name, FWC_NFT_KEY_ICMPV6);
		nd->el = fwc_xcalloc(FWC_ARRAY_SIZE(nd_types), sizeof(*nd->el));
		for (i = 0; i < FWC_ARRAY_SIZE(nd_types); i++)
			nd->el[i].lo = nd->el[i].hi = nd_types[i];
		nd->n_el = FWC_ARRAY_SIZE(nd_types);
	}
	lower_chains(t, addr, nd);
	free(addr);
	if (a != NULL)
		fwc_nft_model_shed(t, a, shed);
	fwc_nft_model_dispatch(t);
	return 0;
}

int
fwc_nft_model_build(
    struct fwc_nft_table *t, const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	return build(t, rs, NULL, NULL, dg);
}

int
fwc_nft_model_build_lean(struct fwc_nft_table *t, struct fwc_ruleset *rs,
    struct fwc_arena *a, struct fwc_diag *dg)
{
	return build(t, rs, a, rs, dg);
}

void
fwc_nft_model_release(struct fwc_nft_table *t)
{
	size_t i;

	for (i = 0; i < t->n_sets; i++) {
		free(t->sets[i]->el);
		free(t->sets[i]->extra);
		free(t->sets[i]->vel);
	}
	free(t->sets);
	free(t->dchains);
	fwc_emit_map_release(&t->lists);
	fwc_emit_names_release(&t->names);
	fwc_arena_release(t->a);
	memset(t, 0, sizeof(*t));
}

void
fwc_nft_format_range(
    struct fwc_strbuf *sb, const struct fwc_nft_set *s, size_t i)
{
	const struct fwc_nft_range *e = &s->el[i];
	const char *name;

	switch (s->key) {
	case FWC_NFT_KEY_ICMP:
	case FWC_NFT_KEY_ICMPV6:
		name = fwc_icmp_type_name(
		    (int)e->lo, s->key == FWC_NFT_KEY_ICMPV6);
		if (name != NULL)
			fwc_strbuf_adds(sb, name);
		else
			fwc_strbuf_addf(sb, "%u", (unsigned int)e->lo);
		break;
	case FWC_NFT_KEY_SERVICE:
		if (e->lo == e->hi)
			fwc_strbuf_addf(sb, "%u", (unsigned int)e->lo);
		else
			fwc_strbuf_addf(sb, "%u-%u", (unsigned int)e->lo,
			    (unsigned int)e->hi);
		break;
	case FWC_NFT_KEY_IPV4:
	case FWC_NFT_KEY_IPV6:
	case FWC_NFT_KEY_IFNAME:
	case FWC_NFT_KEY_NR:
		FWC_BUG("set '%s' has no ranges", s->name);
	}
}

static const char *
fam_kw(enum fwc_family f)
{
	return f == FWC_FAM_IP4 ? "ip" : "ip6";
}

static void
emit_prim(struct fwc_strbuf *out, const struct fwc_nft_prim *p)
{
	const char *name;

	switch (p->kind) {
	case FWC_NFT_P_IIFNAME:
		fwc_emit_s3(out, "iifname \"", p->str, "\"");
		break;
	case FWC_NFT_P_OIFNAME:
		fwc_emit_s3(out, "oifname \"", p->str, "\"");
		break;
	case FWC_NFT_P_IIF:
		fwc_emit_s3(out, "iif \"", p->str, "\"");
		break;
	case FWC_NFT_P_OIF:
		fwc_emit_s3(out, "oif \"", p->str, "\"");
		break;
	case FWC_NFT_P_NFPROTO:
		fwc_strbuf_adds(out, p->family == FWC_FAM_IP4
					 ? "meta nfproto ipv4"
					 : "meta nfproto ipv6");
		break;
	case FWC_NFT_P_SADDR:
	case FWC_NFT_P_DADDR:
		fwc_emit_s3(out, fam_kw(p->family),
		    p->kind == FWC_NFT_P_SADDR ? " saddr @" : " daddr @",
		    p->set->name);
		break;
	case FWC_NFT_P_L4PROTO:
		/* Only these names are nft keywords; others would need
		 * /etc/protocols at load time, so they stay numbers. */
		switch (p->proto) {
		case FWC_PROTO_TCP:
			fwc_strbuf_adds(out, "meta l4proto tcp");
			break;
		case FWC_PROTO_UDP:
			fwc_strbuf_adds(out, "meta l4proto udp");
			break;
		case FWC_PROTO_ICMP:
			fwc_strbuf_adds(out, "meta l4proto icmp");
			break;
		case FWC_PROTO_ICMP6:
			fwc_strbuf_adds(out, "meta l4proto icmpv6");
			break;
		default:
			fwc_strbuf_adds(out, "meta l4proto ");
			fwc_strbuf_addu(out, (unsigned long)p->proto);
			break;
		}
		break;
	case FWC_NFT_P_DPORT:
	case FWC_NFT_P_SPORT:
		fwc_emit_s3(out, fwc_nft_port_proto_kw(p->proto),
		    p->kind == FWC_NFT_P_DPORT ? " dport " : " sport ", NULL);
		fwc_strbuf_addu(out, p->lo);
		if (p->hi != p->lo) {
			fwc_strbuf_addc(out, '-');
			fwc_strbuf_addu(out, p->hi);
		}
		break;
	case FWC_NFT_P_DPORT_SET:
	case FWC_NFT_P_SPORT_SET:
		fwc_emit_s3(out, fwc_nft_port_proto_kw(p->proto),
		    p->kind == FWC_NFT_P_DPORT_SET ? " dport @" : " sport @",
		    p->set->name);
		break;
	case FWC_NFT_P_ICMP_TYPE:
		fwc_strbuf_adds(out,
		    p->family == FWC_FAM_IP6 ? "icmpv6 type " : "icmp type ");
		name = fwc_icmp_type_name((int)p->lo, p->family == FWC_FAM_IP6);
		if (name != NULL)
			fwc_strbuf_adds(out, name);
		else
			fwc_strbuf_addu(out, p->lo);
		break;
	case FWC_NFT_P_ICMP_SET:
		fwc_emit_s3(out,
		    p->family == FWC_FAM_IP6 ? "icmpv6 type @" : "icmp type @",
		    p->set->name, NULL);
		break;
	case FWC_NFT_P_HOPLIMIT:
		fwc_strbuf_adds(out, "ip6 hoplimit ");
		fwc_strbuf_addu(out, p->lo);
		break;
	case FWC_NFT_P_CT_STATE:
		fwc_strbuf_adds(out, "ct state ");
		if (p->lo == FWC_NFT_CT_INVALID)
			fwc_strbuf_adds(out, "invalid");
		else if (p->lo == (FWC_NFT_CT_ESTABLISHED | FWC_NFT_CT_RELATED))
			fwc_strbuf_adds(out, "established,related");
		else
			FWC_BUG("ct state bits %u", (unsigned int)p->lo);
		break;
	case FWC_NFT_P_LOG:
		fwc_emit_s3(out, "log prefix \"", p->str, "\"");
		break;
	case FWC_NFT_P_COUNTER:
		fwc_strbuf_adds(out, "counter");
		break;
	case FWC_NFT_P_ACCEPT:
		fwc_strbuf_adds(out, "accept");
		break;
	case FWC_NFT_P_DROP:
		fwc_strbuf_adds(out, "drop");
		break;
	case FWC_NFT_P_REJECT_TCP:
		fwc_strbuf_adds(out, "reject with tcp reset");
		break;
	case FWC_NFT_P_REJECT_ICMPX:
		fwc_strbuf_adds(out, "reject with icmpx port-unreachable");
		break;
	case FWC_NFT_P_IIFNAME_VMAP:
	case FWC_NFT_P_OIFNAME_VMAP:
		fwc_emit_s3(out,
		    p->kind == FWC_NFT_P_IIFNAME_VMAP ? "iifname vmap @"
						      : "oifname vmap @",
		    p->set->name, NULL);
		break;
	case FWC_NFT_P_SADDR_VMAP:
	case FWC_NFT_P_DADDR_VMAP:
		fwc_emit_s3(out, fam_kw(p->family),
		    p->kind == FWC_NFT_P_SADDR_VMAP ? " saddr vmap @"
						    : " daddr vmap @",
		    p->set->name);
		break;
	case FWC_NFT_P_JUMP:
		fwc_emit_s3(out, "jump ", p->str, NULL);
		break;
	case FWC_NFT_P_NR:
		FWC_BUG("bad primitive");
	}
}

void
fwc_nft_format_rule(struct fwc_strbuf *out, const struct fwc_nft_rule *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (i > 0)
			fwc_strbuf_addc(out, ' ');
		emit_prim(out, &r->p[i]);
	}
	if (r->comment != NULL)
		fwc_emit_s3(out, " comment \"", r->comment, "\"");
}

/* Visits the rules of t that lower an IR rule, in a fixed order: with
 * origins NULL, stores each one's index among the rules at base in idx
 * (when idx is not NULL); else points each at its origin in origins.
 * Returns how many there are. */
static size_t
each_origin(struct fwc_nft_table *t, const struct fwc_ir_rule *base,
    uint32_t *idx, const struct fwc_origin *origins)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n_chains + t->n_dchains; i++) {
		struct fwc_nft_chain *c = i < t->n_chains
					      ? &t->chains[i]
					      : &t->dchains[i - t->n_chains];

		for (size_t j = 0; j < c->n_rules; j++) {
			struct fwc_nft_rule *r = &c->rules[j];

			if (r->origin == NULL)
				continue;
			if (origins != NULL)
				r->origin = &origins[idx[k]];
			else if (idx != NULL)
				idx[k] = (uint32_t)(fwc_nft_rule_ir(r) - base);
			k++;
		}
	}
	return k;
}

void
fwc_nft_model_shed(
    struct fwc_nft_table *t, struct fwc_arena *a, struct fwc_ruleset *rs)
{
	size_t n = each_origin(t, rs->rules, NULL, NULL);
	/* Each rule's index first: the block moves. */
	uint32_t *idx = fwc_xmalloc((n ? n : 1) * sizeof(*idx));
	const struct fwc_origin *origins;

	if (t->rs != rs)
		FWC_BUG("shedding another ruleset's rules");
	each_origin(t, rs->rules, idx, NULL);
	origins = fwc_ruleset_keep_origins(a, rs);
	if (origins != NULL)
		each_origin(t, NULL, idx, origins);
	free(idx);
}
