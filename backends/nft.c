/* The nftables backend: lowers one canonical ruleset to a script for
 * `nft -f`. The script replaces the table `inet fwc` atomically (create it,
 * delete it, create it again with its contents, all in one transaction)
 * and touches nothing else.
 *
 * Guarantees: the output depends on the ruleset alone (set, chain and rule
 * order as in the IR, identifiers derived from names and contents), ends
 * with a newline, and holds no text from the policy that is not
 * sanitised: interface names are checked (nft_check), everything else
 * that reaches a comment, log prefix or string is reduced to
 * [A-Za-z0-9 ._:@+/=,-]. Every list of more than one element is a named
 * set, because anonymous sets inside rules make loading quadratic
 * (pitfalls.md); a rule without an address set says `meta nfproto` so
 * that its family is never lost. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define TABLE "inet fwc"

#define IFNAME_MAX    15 /* IFNAMSIZ - 1 */
#define IFNAME_EXPECT "1 to 15 bytes of [A-Za-z0-9._-]"
#define COMMENT_MAX   128 /* NFTNL_UDATA_COMMENT_MAXLEN */
#define PREFIX_MAX    127 /* NF_LOG_PREFIXLEN - 1 */
#define IDENT_MAX     96  /* well below NFT_SET_MAXNAMELEN */
#define LONG_NAME     48  /* longer content-derived names get a hash */
#define HEADER_FIELD  128 /* bytes of a name shown in the header */
#define FQDN_MAX      253

/* A named set that rules share, made from a list of ports or ICMP
 * types. */
struct list_set {
	const char *id;	  /* owned by the names table */
	const char *type; /* nft data type */
	bool interval;	  /* holds ranges */
	char *elements;	  /* heap: "80, 443" */
};

struct nft {
	const struct fwc_ruleset *rs;
	struct fwc_strbuf *out;
	struct fwc_emit_names names;
	const char **set_ids;	   /* heap; per rs->sets index */
	struct fwc_emit_map lists; /* content key -> struct list_set * */
	struct list_set **lv;	   /* heap; in first-use order */
	size_t n_lv;
	size_t cap_lv;
	const char *nd_id; /* the neighbour discovery type set, or NULL */
	bool in_table;	   /* an item of the table body was written */
};

/* ICMPv6 types that must pass before conntrack has a say: neighbour and
 * router discovery, which travel with hop limit 255 only on the link. */
static const unsigned int nd_types[] = { 135, 136, 133, 134 };

static bool
ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	size_t i;

	if (s == NULL)
		return true;
	if (n == 0 || n > IFNAME_MAX)
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

static int
nft_check(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	struct fwc_emit_bad_ifnames bad = { NULL, 0 };
	size_t n_bad;
	size_t i;

	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		fwc_emit_check_ifname(&bad, "nft", r->iif, ifname_ok(r->iif),
		    IFNAME_EXPECT, &r->origin.loc, dg);
		fwc_emit_check_ifname(&bad, "nft", r->oif, ifname_ok(r->oif),
		    IFNAME_EXPECT, &r->origin.loc, dg);
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

/* The nft keyword of a port protocol. */
static const char *
port_proto_kw(int proto)
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

/* Returns the identifier of the named set of elements, creating it on
 * first use. key is the content spelt for an identifier ("80_443"),
 * which is unique per content within one type. */
static const char *
list_set(struct nft *x, const char *type, const char *prefix, const char *key,
    size_t n, bool interval, const char *elements)
{
	struct fwc_strbuf full;
	struct list_set *ls;
	char *base;

	fwc_strbuf_init(&full);
	fwc_strbuf_addf(&full, "%s %s", type, key);
	ls = (struct list_set *)fwc_emit_map_get(&x->lists, full.buf);
	if (ls == NULL) {
		ls = fwc_xcalloc(1, sizeof(*ls));
		base = list_base(prefix, key, n);
		ls->id = fwc_emit_names_add(&x->names, base, "");
		free(base);
		ls->type = type;
		ls->interval = interval;
		ls->elements = fwc_xstrdup(elements);
		fwc_emit_map_put(&x->lists, full.buf, ls);
		if (x->n_lv == x->cap_lv) {
			x->cap_lv = x->cap_lv ? x->cap_lv * 2 : 16;
			x->lv = fwc_xrealloc(x->lv, x->cap_lv * sizeof(*x->lv));
		}
		x->lv[x->n_lv++] = ls;
	}
	fwc_strbuf_release(&full);
	return ls->id;
}

static const char *
port_set(struct nft *x, const struct fwc_portset *ps)
{
	struct fwc_strbuf key;
	struct fwc_strbuf el;
	bool interval = false;
	const char *id;
	size_t i;

	fwc_strbuf_init(&key);
	fwc_strbuf_init(&el);
	for (i = 0; i < ps->n; i++) {
		const struct fwc_pivl *p = &ps->v[i];

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
	fwc_emit_ports(&el, ps, ", ", '-');
	id = list_set(
	    x, "inet_service", "ports", key.buf, ps->n, interval, el.buf);
	fwc_strbuf_release(&key);
	fwc_strbuf_release(&el);
	return id;
}

static void
add_type_name(struct fwc_strbuf *sb, unsigned int t, bool v6)
{
	const char *name = fwc_icmp_type_name((int)t, v6);

	if (name != NULL)
		fwc_strbuf_adds(sb, name);
	else
		fwc_strbuf_addf(sb, "%u", t);
}

static size_t
count_types(const struct fwc_ir_rule *r)
{
	size_t n = 0;
	unsigned int t;

	for (t = 0; t < 256; t++)
		n += fwc_rule_has_type(r, t);
	return n;
}

static const char *
icmp_set(struct nft *x, const struct fwc_ir_rule *r, bool v6)
{
	struct fwc_strbuf key;
	struct fwc_strbuf el;
	const char *id;
	unsigned int t;

	fwc_strbuf_init(&key);
	fwc_strbuf_init(&el);
	for (t = 0; t < 256; t++) {
		if (!fwc_rule_has_type(r, t))
			continue;
		if (key.len > 0) {
			fwc_strbuf_addc(&key, '_');
			fwc_strbuf_adds(&el, ", ");
		}
		fwc_strbuf_addf(&key, "%u", t);
		add_type_name(&el, t, v6);
	}
	id = list_set(x, v6 ? "icmpv6_type" : "icmp_type",
	    v6 ? "icmpv6" : "icmp", key.buf, count_types(r), false, el.buf);
	fwc_strbuf_release(&key);
	fwc_strbuf_release(&el);
	return id;
}

/* Checks the parts of a rule that the IR contract fixes; a violation is
 * a compiler bug, not an input error. */
static void
assert_rule(const struct nft *x, const struct fwc_ir_rule *r)
{
	const struct fwc_ruleset *rs = x->rs;
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

/* First pass: identifiers of every set, in a fixed order (the neighbour
 * discovery set, address sets as in the IR, then lists by first use). */
static void
name_sets(struct nft *x)
{
	const struct fwc_ruleset *rs = x->rs;
	size_t i;

	if (rs->has_chain[FWC_CHAIN_INPUT] ||
	    (rs->has_chain[FWC_CHAIN_OUTPUT] &&
		rs->chain_default[FWC_CHAIN_OUTPUT] != FWC_ACT_ACCEPT)) {
		x->nd_id = "nd_types";
		if (!fwc_emit_names_reserve(&x->names, x->nd_id))
			FWC_BUG("reserved name taken");
	}
	x->set_ids = fwc_xcalloc(rs->n_sets, sizeof(*x->set_ids));
	for (i = 0; i < rs->n_sets; i++) {
		const struct fwc_ir_set *s = rs->sets[i];

		if (s->id != i)
			FWC_BUG("set '%s' has id %u at %zu", s->name, s->id, i);
		x->set_ids[i] = fwc_emit_names_add(&x->names, s->name,
		    s->family == FWC_FAM_IP4 ? "_v4" : "_v6");
	}
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		assert_rule(x, r);
		if (r->dport.n > 1)
			port_set(x, &r->dport);
		if (r->sport.n > 1)
			port_set(x, &r->sport);
		if (r->has_types && count_types(r) > 1)
			icmp_set(x, r, r->proto == FWC_PROTO_ICMP6);
	}
}

static void
emit_header(const struct nft *x)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = x->out;

	fwc_strbuf_adds(out, "#!/usr/sbin/nft -f\n");
	fwc_strbuf_adds(out, "# Generated by fwc " FWC_VERSION " from policy ");
	fwc_emit_safe(out, rs->policy, HEADER_FIELD);
	fwc_strbuf_addf(
	    out, " for %s ", rs->kind == FWC_EP_GATEWAY ? "gateway" : "host");
	fwc_emit_safe(out, rs->name, HEADER_FIELD);
	fwc_strbuf_adds(out, ".\n");
	fwc_strbuf_adds(out,
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Loading it replaces the table " TABLE " atomically.\n\n");
	fwc_strbuf_adds(out, "table " TABLE "\ndelete table " TABLE "\n\n");
	fwc_strbuf_adds(out, "table " TABLE " {\n");
}

/* Separates the sets and chains of the table body by blank lines. */
static void
begin_item(struct nft *x)
{
	if (x->in_table)
		fwc_strbuf_addc(x->out, '\n');
	x->in_table = true;
}

static void
emit_addr_set(struct nft *x, size_t i)
{
	const struct fwc_ir_set *s = x->rs->sets[i];
	struct fwc_strbuf *out = x->out;
	size_t k;

	begin_item(x);
	fwc_strbuf_addf(out, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n",
	    x->set_ids[i],
	    s->family == FWC_FAM_IP4 ? "ipv4_addr" : "ipv6_addr");
	if (s->comment != NULL && s->comment[0] != '\0') {
		fwc_strbuf_adds(out, "\t\tcomment \"");
		fwc_emit_safe(out, s->comment, COMMENT_MAX);
		fwc_strbuf_adds(out, "\"\n");
	}
	for (k = 0; k < s->n_fqdns; k++) {
		fwc_strbuf_adds(out, "\t\t# fqdn: ");
		fwc_emit_safe(out, s->fqdns[k], FQDN_MAX);
		fwc_strbuf_addc(out, '\n');
	}
	if (s->n > 0) {
		fwc_strbuf_adds(out, "\t\telements = {\n\t\t\t");
		fwc_emit_ivls(out, s->family, s->v, s->n, ",\n\t\t\t");
		fwc_strbuf_adds(out, "\n\t\t}\n");
	}
	fwc_strbuf_adds(out, "\t}\n");
}

static void
emit_list_set(struct nft *x, const struct list_set *ls)
{
	begin_item(x);
	fwc_strbuf_addf(x->out, "\tset %s {\n\t\ttype %s\n", ls->id, ls->type);
	if (ls->interval)
		fwc_strbuf_adds(x->out, "\t\tflags interval\n");
	fwc_strbuf_addf(x->out, "\t\telements = { %s }\n\t}\n", ls->elements);
}

static void
emit_nd_set(struct nft *x)
{
	size_t i;

	begin_item(x);
	fwc_strbuf_addf(x->out, "\tset %s {\n\t\ttype icmpv6_type\n", x->nd_id);
	fwc_strbuf_adds(x->out, "\t\telements = { ");
	for (i = 0; i < FWC_ARRAY_SIZE(nd_types); i++) {
		if (i > 0)
			fwc_strbuf_adds(x->out, ", ");
		add_type_name(x->out, nd_types[i], true);
	}
	fwc_strbuf_adds(x->out, " }\n\t}\n");
}

static void
emit_ports(struct nft *x, const char *kw, const char *dir,
    const struct fwc_portset *ps)
{
	if (ps->n == 0)
		return;
	fwc_strbuf_addf(x->out, "%s %s ", kw, dir);
	if (ps->n == 1)
		fwc_emit_ports(x->out, ps, "", '-');
	else
		fwc_strbuf_addf(x->out, "@%s", port_set(x, ps));
	fwc_strbuf_addc(x->out, ' ');
}

static void
emit_proto(struct nft *x, const struct fwc_ir_rule *r)
{
	struct fwc_strbuf *out = x->out;
	bool v6 = r->proto == FWC_PROTO_ICMP6;

	if (r->proto == FWC_PROTO_ANY)
		return;
	if (r->dport.n > 0 || r->sport.n > 0) {
		emit_ports(x, port_proto_kw(r->proto), "dport", &r->dport);
		emit_ports(x, port_proto_kw(r->proto), "sport", &r->sport);
		return;
	}
	if (r->has_types) {
		fwc_strbuf_adds(out, v6 ? "icmpv6 type " : "icmp type ");
		if (count_types(r) == 1) {
			unsigned int t = 0;

			while (!fwc_rule_has_type(r, t))
				t++;
			add_type_name(out, t, v6);
		} else {
			fwc_strbuf_addf(out, "@%s", icmp_set(x, r, v6));
		}
		fwc_strbuf_addc(out, ' ');
		return;
	}
	/* Only these names are nft keywords; others would need
	 * /etc/protocols at load time, so they stay numbers. */
	switch (r->proto) {
	case FWC_PROTO_TCP:
		fwc_strbuf_adds(out, "meta l4proto tcp ");
		break;
	case FWC_PROTO_UDP:
		fwc_strbuf_adds(out, "meta l4proto udp ");
		break;
	case FWC_PROTO_ICMP:
		fwc_strbuf_adds(out, "meta l4proto icmp ");
		break;
	case FWC_PROTO_ICMP6:
		fwc_strbuf_adds(out, "meta l4proto icmpv6 ");
		break;
	default:
		fwc_strbuf_addf(out, "meta l4proto %d ", r->proto);
		break;
	}
}

static void
emit_rule(struct nft *x, const struct fwc_ir_rule *r)
{
	struct fwc_strbuf *out = x->out;
	const char *fam = r->family == FWC_FAM_IP4 ? "ip" : "ip6";
	const char *flow = r->origin.flow;
	const char *act = fwc_action_names[r->action];

	fwc_strbuf_adds(out, "\t\t");
	if (r->iif != NULL)
		fwc_strbuf_addf(out, "iifname \"%s\" ", r->iif);
	if (r->oif != NULL)
		fwc_strbuf_addf(out, "oifname \"%s\" ", r->oif);
	if (r->src != NULL)
		fwc_strbuf_addf(
		    out, "%s saddr @%s ", fam, x->set_ids[r->src->id]);
	if (r->dst != NULL)
		fwc_strbuf_addf(
		    out, "%s daddr @%s ", fam, x->set_ids[r->dst->id]);
	if (r->src == NULL && r->dst == NULL)
		fwc_strbuf_addf(out, "meta nfproto %s ",
		    r->family == FWC_FAM_IP4 ? "ipv4" : "ipv6");
	emit_proto(x, r);
	if (r->log) {
		size_t room = PREFIX_MAX - strlen("fwc  : ") - strlen(act);

		fwc_strbuf_addf(out, "log prefix \"fwc %s", act);
		if (flow != NULL && flow[0] != '\0') {
			fwc_strbuf_addc(out, ' ');
			fwc_emit_safe(out, flow, room);
		}
		fwc_strbuf_adds(out, ": \" ");
	}
	fwc_strbuf_adds(out, "counter ");
	switch (r->action) {
	case FWC_ACT_ACCEPT:
	case FWC_ACT_DROP:
		fwc_strbuf_adds(out, act);
		break;
	case FWC_ACT_REJECT:
		if (r->proto == FWC_PROTO_TCP)
			fwc_strbuf_adds(out, "reject with tcp reset");
		else
			fwc_strbuf_adds(
			    out, "reject with icmpx port-unreachable");
		break;
	case FWC_ACT_NR:
		FWC_BUG("bad action");
	}
	if (flow != NULL && flow[0] != '\0') {
		fwc_strbuf_adds(out, " comment \"");
		fwc_emit_safe(out, flow, COMMENT_MAX);
		fwc_strbuf_addc(out, '"');
	}
	fwc_strbuf_addc(out, '\n');
}

static void
emit_chain(struct nft *x, enum fwc_chain c)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = x->out;
	enum fwc_action def = rs->chain_default[c];
	const char *name = fwc_chain_names[c];
	size_t i;

	begin_item(x);
	fwc_strbuf_addf(out,
	    "\tchain %s {\n"
	    "\t\ttype filter hook %s priority filter; policy %s;\n"
	    "\t\tct state established,related accept\n",
	    name, name, def == FWC_ACT_ACCEPT ? "accept" : "drop");
	/* Loopback and neighbour discovery pass before the invalid-state
	 * drop: discovery packets may be untracked. */
	if (c == FWC_CHAIN_INPUT)
		fwc_strbuf_adds(out, "\t\tiif \"lo\" accept\n");
	if (c == FWC_CHAIN_OUTPUT && def != FWC_ACT_ACCEPT)
		fwc_strbuf_adds(out, "\t\toif \"lo\" accept\n");
	if (c == FWC_CHAIN_INPUT ||
	    (c == FWC_CHAIN_OUTPUT && def != FWC_ACT_ACCEPT))
		fwc_strbuf_addf(out,
		    "\t\ticmpv6 type @%s ip6 hoplimit 255 accept\n", x->nd_id);
	fwc_strbuf_adds(out, "\t\tct state invalid drop\n");
	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].chain == c)
			emit_rule(x, &rs->rules[i]);
	if (def == FWC_ACT_REJECT)
		fwc_strbuf_adds(out,
		    "\t\tmeta l4proto tcp counter reject with tcp reset\n"
		    "\t\tcounter reject with icmpx port-unreachable\n");
	fwc_strbuf_adds(out, "\t}\n");
}

static int
nft_emit(
    const struct fwc_ruleset *rs, struct fwc_strbuf *out, struct fwc_diag *dg)
{
	struct nft x = { .rs = rs, .out = out };
	size_t i;

	/* Interface names go into the script verbatim: never emit one that
	 * the check would refuse, whether or not the caller ran it. */
	if (nft_check(rs, dg) < 0)
		return -1;
	fwc_emit_names_init(&x.names, IDENT_MAX);
	fwc_emit_map_init(&x.lists);
	name_sets(&x);
	emit_header(&x);
	for (i = 0; i < rs->n_sets; i++)
		emit_addr_set(&x, i);
	for (i = 0; i < x.n_lv; i++)
		emit_list_set(&x, x.lv[i]);
	if (x.nd_id != NULL)
		emit_nd_set(&x);
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i])
			emit_chain(&x, (enum fwc_chain)i);
	fwc_strbuf_adds(out, "}\n");
	for (i = 0; i < x.n_lv; i++) {
		free(x.lv[i]->elements);
		free(x.lv[i]);
	}
	free(x.lv);
	free(x.set_ids);
	fwc_emit_map_release(&x.lists);
	fwc_emit_names_release(&x.names);
	return 0;
}

const struct fwc_backend fwc_backend_nft = {
	.abi = FWC_BACKEND_ABI,
	.name = "nft",
	.summary = "nftables script for nft -f (table inet fwc, replaced "
		   "atomically)",
	.caps = FWC_CAP_IPV6 | FWC_CAP_SETS | FWC_CAP_LOG | FWC_CAP_FQDN,
	.check = nft_check,
	.emit = nft_emit,
};
