/* The IR's shared tables (action, chain, protocol and ICMP type names) and
 * fwc_ir_dump(), the stable text rendering of a ruleset that the golden
 * tests compare (fwc compile --dump-ir). The dump shows every field of
 * every node; it depends on the ruleset alone, so equal rulesets give
 * equal bytes. */
#include "fwc/ir.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fwc/strbuf.h"
#include "fwc/util.h"

const char *const fwc_action_names[FWC_ACT_NR] = {
	[FWC_ACT_ACCEPT] = "accept",
	[FWC_ACT_DROP] = "drop",
	[FWC_ACT_REJECT] = "reject",
};

const char *const fwc_chain_names[FWC_CHAIN_NR] = {
	[FWC_CHAIN_INPUT] = "input",
	[FWC_CHAIN_FORWARD] = "forward",
	[FWC_CHAIN_OUTPUT] = "output",
};

struct ir_name {
	const char *name;
	int value;
};

/* Protocol names: the first entry of a value is the one printed, and is
 * spelt the way nftables, iptables and /etc/protocols all accept, except
 * for ICMPv6, printed "icmpv6" (an nft keyword that needs no
 * /etc/protocols). Later entries of a value are aliases for parsing. */
static const struct ir_name protos[] = {
	{ "icmp", 1 },
	{ "igmp", 2 },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "dccp", 33 },
	{ "ipv6", 41 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "icmpv6", 58 },
	{ "ipv6-icmp", 58 },
	{ "icmp6", 58 },
	{ "ospf", 89 },
	{ "ospfigp", 89 },
	{ "pim", 103 },
	{ "vrrp", 112 },
	{ "l2tp", 115 },
	{ "sctp", 132 },
	{ "udplite", 136 },
};

/* ICMP type names as nftables spells them (nft describe icmp type). */
static const struct ir_name icmp4_types[] = {
	{ "echo-reply", 0 },
	{ "destination-unreachable", 3 },
	{ "source-quench", 4 },
	{ "redirect", 5 },
	{ "echo-request", 8 },
	{ "router-advertisement", 9 },
	{ "router-solicitation", 10 },
	{ "time-exceeded", 11 },
	{ "parameter-problem", 12 },
	{ "timestamp-request", 13 },
	{ "timestamp-reply", 14 },
	{ "info-request", 15 },
	{ "info-reply", 16 },
	{ "address-mask-request", 17 },
	{ "address-mask-reply", 18 },
};

/* ICMPv6 type names as nftables spells them (nft describe icmpv6 type);
 * "mld-listener-reduction" is nft's alias of "mld-listener-done". */
static const struct ir_name icmp6_types[] = {
	{ "destination-unreachable", 1 },
	{ "packet-too-big", 2 },
	{ "time-exceeded", 3 },
	{ "parameter-problem", 4 },
	{ "echo-request", 128 },
	{ "echo-reply", 129 },
	{ "mld-listener-query", 130 },
	{ "mld-listener-report", 131 },
	{ "mld-listener-done", 132 },
	{ "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 },
	{ "router-renumbering", 138 },
	{ "ind-neighbor-solicit", 141 },
	{ "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 },
};

static const char *
name_of(const struct ir_name *t, size_t n, int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

/* Parses a decimal number 0..255 without sign or spaces; -1 otherwise. */
static int
parse_u8(const char *s)
{
	int v = 0;
	size_t i;

	if (s[0] == '\0')
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 255 ? v : -1;
}

struct fwc_ruleset *
fwc_program_find(const struct fwc_program *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_eps; i++)
		if (strcmp(p->eps[i]->name, name) == 0)
			return p->eps[i];
	return NULL;
}

const char *
fwc_proto_name(int proto, char buf[8])
{
	const char *s;

	if (proto == FWC_PROTO_ANY)
		return "any";
	s = name_of(protos, FWC_ARRAY_SIZE(protos), proto);
	if (s != NULL)
		return s;
	snprintf(buf, 8, "%d", proto);
	return buf;
}

int
fwc_proto_parse(const char *s)
{
	size_t i;

	for (i = 0; i < FWC_ARRAY_SIZE(protos); i++)
		if (strcasecmp(protos[i].name, s) == 0)
			return protos[i].value;
	return parse_u8(s);
}

const char *
fwc_icmp_type_name(int type, bool v6)
{
	if (v6)
		return name_of(icmp6_types, FWC_ARRAY_SIZE(icmp6_types), type);
	return name_of(icmp4_types, FWC_ARRAY_SIZE(icmp4_types), type);
}

int
fwc_icmp_type_parse(const char *s, bool v6)
{
	const struct ir_name *t = v6 ? icmp6_types : icmp4_types;
	size_t n =
	    v6 ? FWC_ARRAY_SIZE(icmp6_types) : FWC_ARRAY_SIZE(icmp4_types);
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(t[i].name, s) == 0)
			return t[i].value;
	return parse_u8(s);
}

/* The dump. Strings are always written quoted, with '"', '\\' and every
 * byte outside printable ASCII escaped, so that hostile names can neither
 * break a line nor look like another field; a NULL string is the bare
 * word none. */

static void
put_str(struct fwc_strbuf *sb, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fwc_strbuf_adds(sb, "none");
		return;
	}
	fwc_strbuf_addc(sb, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fwc_strbuf_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fwc_strbuf_addf(sb, "\\x%02x", (unsigned int)*p);
		else
			fwc_strbuf_addc(sb, (char)*p);
	}
	fwc_strbuf_addc(sb, '"');
}

static void
put_loc(struct fwc_strbuf *sb, const struct fwc_loc *loc)
{
	if (loc->file == NULL) {
		fwc_strbuf_adds(sb, "none");
		return;
	}
	put_str(sb, loc->file);
	fwc_strbuf_addf(
	    sb, ":%u:%u", (unsigned int)loc->line, (unsigned int)loc->col);
}

static const char *
family_name(enum fwc_family f)
{
	switch (f) {
	case FWC_FAM_IP4:
		return "ipv4";
	case FWC_FAM_IP6:
		return "ipv6";
	case FWC_FAM_NR:
		break;
	}
	return "invalid";
}

static const char *
action_name(enum fwc_action a)
{
	return (unsigned int)a < FWC_ACT_NR ? fwc_action_names[a] : "invalid";
}

static void
put_ports(struct fwc_strbuf *sb, const char *what, const struct fwc_portset *ps)
{
	size_t i;

	fwc_strbuf_addf(sb, " %s ", what);
	if (ps->n == 0) {
		fwc_strbuf_adds(sb, "any");
		return;
	}
	for (i = 0; i < ps->n; i++) {
		if (i > 0)
			fwc_strbuf_addc(sb, ',');
		fwc_pivl_format(sb, &ps->v[i], '-');
	}
}

static void
put_set_ref(struct fwc_strbuf *sb, const char *what, const struct fwc_ir_set *s)
{
	fwc_strbuf_addf(sb, "%s ", what);
	if (s == NULL) {
		fwc_strbuf_adds(sb, "any");
		return;
	}
	fwc_strbuf_addf(sb, "#%u ", s->id);
	put_str(sb, s->name);
}

static void
dump_set(struct fwc_strbuf *sb, const struct fwc_ir_set *s)
{
	size_t i;

	fwc_strbuf_addf(sb, "set #%u ", s->id);
	put_str(sb, s->name);
	fwc_strbuf_addf(sb, " %s intervals %zu fqdns %zu\n",
	    family_name(s->family), s->n, s->n_fqdns);
	fwc_strbuf_adds(sb, "\tcomment ");
	put_str(sb, s->comment);
	fwc_strbuf_addc(sb, '\n');
	for (i = 0; i < s->n; i++) {
		fwc_strbuf_addc(sb, '\t');
		fwc_ivl_format(sb, s->family, &s->v[i]);
		fwc_strbuf_addc(sb, '\n');
	}
	for (i = 0; i < s->n_fqdns; i++) {
		fwc_strbuf_adds(sb, "\tfqdn ");
		put_str(sb, s->fqdns[i]);
		fwc_strbuf_addc(sb, '\n');
	}
}

static void
dump_types(struct fwc_strbuf *sb, const struct fwc_ir_rule *r)
{
	bool v6 = r->proto == FWC_PROTO_ICMP6 ||
		  (r->proto != FWC_PROTO_ICMP && r->family == FWC_FAM_IP6);
	bool first = true;
	unsigned int t;

	fwc_strbuf_adds(sb, " types ");
	if (!r->has_types) {
		fwc_strbuf_adds(sb, "any");
		return;
	}
	for (t = 0; t < 256; t++) {
		const char *name;

		if (!fwc_rule_has_type(r, t))
			continue;
		if (!first)
			fwc_strbuf_addc(sb, ',');
		first = false;
		name = fwc_icmp_type_name((int)t, v6);
		if (name != NULL)
			fwc_strbuf_adds(sb, name);
		else
			fwc_strbuf_addf(sb, "%u", t);
	}
	if (first)
		fwc_strbuf_adds(sb, "none");
}

static void
dump_rule(struct fwc_strbuf *sb, size_t i, const struct fwc_ir_rule *r)
{
	const struct fwc_origin *o = &r->origin;
	char buf[8];

	fwc_strbuf_addf(sb, "rule %zu %s %s %s\n", i,
	    (unsigned int)r->chain < FWC_CHAIN_NR ? fwc_chain_names[r->chain]
						  : "invalid",
	    action_name(r->action), family_name(r->family));
	fwc_strbuf_adds(sb, "\tiif ");
	put_str(sb, r->iif);
	fwc_strbuf_adds(sb, " oif ");
	put_str(sb, r->oif);
	fwc_strbuf_adds(sb, "\n\t");
	put_set_ref(sb, "src", r->src);
	fwc_strbuf_addc(sb, ' ');
	put_set_ref(sb, "dst", r->dst);
	fwc_strbuf_addf(sb, "\n\tproto %s", fwc_proto_name(r->proto, buf));
	put_ports(sb, "dport", &r->dport);
	put_ports(sb, "sport", &r->sport);
	dump_types(sb, r);
	fwc_strbuf_addf(sb, " log %s\n", r->log ? "yes" : "no");
	fwc_strbuf_adds(sb, "\tflow ");
	put_str(sb, o->flow);
	fwc_strbuf_adds(sb, " at ");
	put_loc(sb, &o->loc);
	fwc_strbuf_adds(sb, "\n\tfrom ");
	put_str(sb, o->from);
	fwc_strbuf_adds(sb, " to ");
	put_str(sb, o->to);
	fwc_strbuf_adds(sb, " service ");
	put_str(sb, o->service);
	fwc_strbuf_adds(sb, "\n\tnote ");
	put_str(sb, o->note);
	fwc_strbuf_addc(sb, '\n');
}

void
fwc_ir_dump(const struct fwc_ruleset *rs, struct fwc_strbuf *out)
{
	size_t i;

	fwc_strbuf_adds(out, "ruleset ");
	put_str(out, rs->name);
	fwc_strbuf_addf(out, "\n\tkind %s\n\tos ",
	    rs->kind == FWC_EP_GATEWAY ? "gateway" : "host");
	put_str(out, rs->os);
	fwc_strbuf_adds(out, "\n\ttarget ");
	put_str(out, rs->target);
	fwc_strbuf_adds(out, "\n\tpolicy ");
	put_str(out, rs->policy);
	fwc_strbuf_adds(out, "\n\tat ");
	put_loc(out, &rs->loc);
	fwc_strbuf_addc(out, '\n');
	for (i = 0; i < FWC_CHAIN_NR; i++)
		fwc_strbuf_addf(out, "\tchain %s %s default %s\n",
		    fwc_chain_names[i], rs->has_chain[i] ? "present" : "absent",
		    action_name(rs->chain_default[i]));
	for (i = 0; i < rs->n_ifaces; i++) {
		const struct fwc_ir_iface *f = &rs->ifaces[i];

		fwc_strbuf_adds(out, "iface ");
		put_str(out, f->name);
		fwc_strbuf_adds(out, " boundaries ");
		put_str(out, f->boundaries);
		fwc_strbuf_addf(out, " any %s at ", f->is_any ? "yes" : "no");
		put_loc(out, &f->loc);
		fwc_strbuf_addc(out, '\n');
	}
	for (i = 0; i < rs->n_sets; i++)
		dump_set(out, rs->sets[i]);
	for (i = 0; i < rs->n_rules; i++)
		dump_rule(out, i, &rs->rules[i]);
	fwc_strbuf_addf(
	    out, "end sets %zu rules %zu\n", rs->n_sets, rs->n_rules);
}
