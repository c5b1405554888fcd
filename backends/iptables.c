/* The iptables backends: lower one canonical ruleset to input for
 * `iptables-restore` (the IPv4 rules only) or `ip6tables-restore` (the
 * IPv6 rules only). Each output is one `*filter` table: the built-in
 * chains get their policy and one jump into fwc's own chains FWC-INPUT,
 * FWC-FORWARD and FWC-OUTPUT, which hold the stateful base rules and the
 * rules of the IR in its order (denies before allows).
 *
 * iptables has no address sets without ipset, and a rule matching n
 * sources and m destinations must not become n * m rules. A rule's
 * address matches therefore live in helper chains: the rule in fwc's
 * chain matches interfaces, protocol and ports and jumps to a chain with
 * one line per source interval, each jumping to a chain with one line
 * per destination interval, each ending in the verdict. A packet that
 * matches nothing returns to the next rule, so verdicts keep the IR's
 * order and denies still override allows. Helper chains depend on their
 * content alone and are shared by every rule that needs the same one, so
 * the output grows linearly with the number of intervals.
 *
 * Guarantees: the output depends on the ruleset alone (chains in first-use
 * order, names derived from set and flow names), is LF-terminated with a
 * final newline, holds no address of the other family (checked while
 * writing; a violation is an internal error), and holds no text from the
 * policy that is not sanitised: interface names are checked, everything
 * that reaches a comment or log prefix is reduced to
 * [A-Za-z0-9 ._:@+/=,-], chain names to [A-Za-z0-9_]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "parsers.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define IFNAME_MAX    15  /* IFNAMSIZ - 1 */
#define CHAIN_MAX     28  /* XT_EXTENSION_MAXNAMELEN - 1 */
#define COMMENT_MAX   255 /* XT_MAX_COMMENT_LEN - 1; longer is cut */
#define PREFIX_MAX    29  /* sizeof(ipt_log_info.prefix) - 1 */
#define MULTIPORT_MAX 15  /* XT_MULTI_PORTS; a range takes two */
#define HEADER_FIELD  128 /* bytes of a name shown in the header */
#define SHOWN_MAX     253 /* bytes of a DNS name shown in an error */
#define MAX_STAGES    4

/* What one output is made of: the family it holds and its target name. */
struct flavour {
	const char *name;    /* "iptables" or "ip6tables" */
	const char *restore; /* the loading command */
	enum fwc_family fam;
	const char *fam_name; /* "IPv4" */
	const char *other;    /* the companion target */
	const char *reject;   /* reject-with for everything but tcp */
};

static const struct flavour flavour4 = {
	.name = "iptables",
	.restore = "iptables-restore",
	.fam = FWC_FAM_IP4,
	.fam_name = "IPv4",
	.other = "ip6tables",
	.reject = "icmp-port-unreachable",
};

static const struct flavour flavour6 = {
	.name = "ip6tables",
	.restore = "ip6tables-restore",
	.fam = FWC_FAM_IP6,
	.fam_name = "IPv6",
	.other = "iptables",
	.reject = "icmp6-port-unreachable",
};

static const char *const builtin_names[FWC_CHAIN_NR] = {
	[FWC_CHAIN_INPUT] = "INPUT",
	[FWC_CHAIN_FORWARD] = "FORWARD",
	[FWC_CHAIN_OUTPUT] = "OUTPUT",
};

static const char *const own_names[FWC_CHAIN_NR] = {
	[FWC_CHAIN_INPUT] = "FWC-INPUT",
	[FWC_CHAIN_FORWARD] = "FWC-FORWARD",
	[FWC_CHAIN_OUTPUT] = "FWC-OUTPUT",
};

/* ICMP type names that iptables and ip6tables know for a whole type
 * (`iptables -p icmp -h`); other types are written as numbers, which
 * match every code of the type just as the names do. */
static const char *const icmp4_names[256] = {
	[0] = "echo-reply",
	[3] = "destination-unreachable",
	[4] = "source-quench",
	[5] = "redirect",
	[8] = "echo-request",
	[9] = "router-advertisement",
	[10] = "router-solicitation",
	[11] = "time-exceeded",
	[12] = "parameter-problem",
	[13] = "timestamp-request",
	[14] = "timestamp-reply",
	[17] = "address-mask-request",
	[18] = "address-mask-reply",
};

static const char *const icmp6_names[256] = {
	[1] = "destination-unreachable",
	[2] = "packet-too-big",
	[3] = "time-exceeded",
	[4] = "parameter-problem",
	[128] = "echo-request",
	[129] = "echo-reply",
	[133] = "router-solicitation",
	[134] = "router-advertisement",
	[135] = "neighbour-solicitation",
	[136] = "neighbour-advertisement",
	[137] = "redirect",
};

/* ICMPv6 types that must pass before conntrack has a say: neighbour and
 * router discovery, which travel with hop limit 255 only on the link. */
static const unsigned int nd_types[] = { 135, 136, 133, 134 };

/* A growable list of heap strings. */
struct strv {
	char **v;
	size_t n;
	size_t cap;
};

/* One step of a rule's match that may need several lines: each
 * alternative is a fragment of a line (" -s 10.0.0.0/8"), and a packet
 * passes the step when it matches one of them. */
enum stage_kind {
	ST_DPORT, /* destination ports, or both when each is one interval */
	ST_SPORT,
	ST_TYPE, /* ICMP types */
	ST_SRC,
	ST_DST,
};

struct stage {
	enum stage_kind kind;
	const struct fwc_ir_set *set; /* ST_SRC and ST_DST */
	struct strv alt;
};

/* A helper chain: its lines are written after fwc's own chains. */
struct chain {
	const char *name;	/* owned by the names table */
	char *note;		/* heap: a comment line for the reader */
	struct fwc_strbuf body; /* "-A name ...\n" lines */
};

struct ipt {
	const struct fwc_ruleset *rs;
	const struct flavour *fl;
	struct fwc_emit_names names;
	struct fwc_emit_map chains; /* content key -> struct chain * */
	struct chain **cv;	    /* heap; in creation order */
	size_t n_cv;
	size_t cap_cv;
	struct fwc_strbuf own[FWC_CHAIN_NR]; /* lines of FWC-<chain> */
};

static void
strv_push(struct strv *sv, const char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = fwc_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = fwc_xstrdup(s);
}

static void
strv_release(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
	sv->cap = 0;
}

static bool
ifname_ok(const char *s)
{
	size_t n = strlen(s);
	size_t i;

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

/* The -p argument: names only for what iptables knows without
 * /etc/protocols, numbers for the rest. */
static const char *
proto_arg(int proto, char buf[8])
{
	switch (proto) {
	case FWC_PROTO_TCP:
		return "tcp";
	case FWC_PROTO_UDP:
		return "udp";
	case FWC_PROTO_ICMP:
		return "icmp";
	case FWC_PROTO_ICMP6:
		return "ipv6-icmp";
	default:
		snprintf(buf, 8, "%d", proto);
		return buf;
	}
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

/* The (set, flow) pairs already reported. */
struct seen {
	const struct fwc_ir_set **set; /* heap */
	const struct fwc_loc **loc;    /* heap; borrowed locations */
	size_t n;
};

static bool
same_loc(const struct fwc_loc *a, const struct fwc_loc *b)
{
	if (a->line != b->line || a->col != b->col)
		return false;
	if (a->file == NULL || b->file == NULL)
		return a->file == b->file;
	return strcmp(a->file, b->file) == 0;
}

/* Records the pair; false when it was there already. */
static bool
seen_add(struct seen *sn, const struct fwc_ir_set *s, const struct fwc_loc *l)
{
	size_t i;

	for (i = 0; i < sn->n; i++)
		if (sn->set[i] == s && same_loc(sn->loc[i], l))
			return false;
	sn->set = fwc_xrealloc(sn->set, (sn->n + 1) * sizeof(*sn->set));
	sn->loc = fwc_xrealloc(sn->loc, (sn->n + 1) * sizeof(*sn->loc));
	sn->set[sn->n] = s;
	sn->loc[sn->n] = l;
	sn->n++;
	return true;
}

static void
seen_release(struct seen *sn)
{
	free(sn->set);
	free(sn->loc);
}

/* Reports each bad interface name once, at the first rule that uses
 * it. */
static int
check_ifname(const struct flavour *fl, const char *name,
    const struct fwc_ir_rule *r, struct strv *bad, struct fwc_diag *dg)
{
	struct fwc_strbuf shown;
	size_t i;

	if (name == NULL || ifname_ok(name))
		return 0;
	for (i = 0; i < bad->n; i++)
		if (strcmp(bad->v[i], name) == 0)
			return -1;
	strv_push(bad, name);
	fwc_strbuf_init(&shown);
	fwc_emit_safe(&shown, name, 64);
	fwc_error(dg, &r->origin.loc,
	    "target '%s' cannot express interface name '%s' (expected 1 to "
	    "%d bytes of [A-Za-z0-9._-])",
	    fl->name, shown.buf, IFNAME_MAX);
	fwc_strbuf_release(&shown);
	return -1;
}

/* DNS names are filled into nft sets at apply time; iptables has no
 * sets to fill, so they must be resolved before. One error per flow and
 * set. */
static int
check_fqdns(const struct flavour *fl, const struct fwc_ir_set *s,
    const struct fwc_ir_rule *r, struct seen *sn, struct fwc_diag *dg)
{
	struct fwc_strbuf name;
	struct fwc_strbuf set;
	struct fwc_strbuf more;

	if (s == NULL || s->n_fqdns == 0)
		return 0;
	if (!seen_add(sn, s, &r->origin.loc))
		return -1;
	fwc_strbuf_init(&name);
	fwc_strbuf_init(&set);
	fwc_strbuf_init(&more);
	fwc_emit_safe(&name, s->fqdns[0], SHOWN_MAX);
	fwc_emit_safe(&set, s->name, HEADER_FIELD);
	if (s->n_fqdns > 1)
		fwc_strbuf_addf(&more, " and %zu more", s->n_fqdns - 1);
	fwc_error(dg, &r->origin.loc,
	    "target '%s' cannot express DNS names ('%s'%s in set '%s'); use "
	    "--resolve",
	    fl->name, name.buf, more.buf, set.buf);
	fwc_strbuf_release(&name);
	fwc_strbuf_release(&set);
	fwc_strbuf_release(&more);
	return -1;
}

static int
check_flavour(
    const struct flavour *fl, const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	struct strv bad = { 0 };
	struct seen sn = { 0 };
	int rc = 0;
	size_t i;

	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		if (r->family != fl->fam)
			continue;
		if (check_ifname(fl, r->iif, r, &bad, dg) < 0)
			rc = -1;
		if (check_ifname(fl, r->oif, r, &bad, dg) < 0)
			rc = -1;
		if (check_fqdns(fl, r->src, r, &sn, dg) < 0)
			rc = -1;
		if (check_fqdns(fl, r->dst, r, &sn, dg) < 0)
			rc = -1;
		/* `-p 0` means every protocol to iptables. One error per
		 * flow: the set NULL stands for this check in sn. */
		if (r->proto == 0 && seen_add(&sn, NULL, &r->origin.loc))
			fwc_error(dg, &r->origin.loc,
			    "target '%s' cannot express IP protocol 0 (it "
			    "means every protocol there)",
			    fl->name);
		if (r->proto == 0)
			rc = -1;
	}
	strv_release(&bad);
	seen_release(&sn);
	return rc;
}

static int
ipt_check(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	return check_flavour(&flavour4, rs, dg);
}

static int
ip6t_check(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	return check_flavour(&flavour6, rs, dg);
}

/* Checks the parts of a rule that the IR contract fixes; a violation is
 * a compiler bug, not an input error. */
static void
assert_rule(const struct ipt *x, const struct fwc_ir_rule *r)
{
	const struct fwc_ruleset *rs = x->rs;
	const struct fwc_ir_set *sets[2] = { r->src, r->dst };
	size_t i;

	if ((unsigned int)r->chain >= FWC_CHAIN_NR || !rs->has_chain[r->chain])
		FWC_BUG("rule in absent chain %d", (int)r->chain);
	if ((unsigned int)r->action >= FWC_ACT_NR)
		FWC_BUG("bad action %d", (int)r->action);
	if (r->family != x->fl->fam)
		FWC_BUG("rule of the wrong family");
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

/* Appends one interval of the output's family as a match. An address of
 * the other family must never reach the output: the set's family is
 * checked, and so is the text (only IPv6 addresses contain ':'). */
static void
add_addr_match(const struct ipt *x, struct fwc_strbuf *sb,
    const struct fwc_ir_set *s, const struct fwc_ivl *iv, bool src)
{
	enum fwc_family f = x->fl->fam;
	struct fwc_strbuf text;
	bool range;

	if (s->family != f)
		FWC_BUG("set '%s' of the wrong family in %s output", s->name,
		    x->fl->name);
	if (f == FWC_FAM_IP4 && (iv->hi.hi != 0 || iv->hi.lo > 0xffffffffu))
		FWC_BUG("IPv4 set '%s' holds a larger value", s->name);
	fwc_strbuf_init(&text);
	fwc_ivl_format(&text, f, iv);
	if ((strchr(text.buf, ':') != NULL) != (f == FWC_FAM_IP6))
		FWC_BUG("address '%s' in %s output", text.buf, x->fl->name);
	range = strchr(text.buf, '-') != NULL;
	if (range)
		fwc_emit_s3(sb,
		    src ? " -m iprange --src-range "
			: " -m iprange --dst-range ",
		    text.buf, NULL);
	else
		fwc_emit_s3(sb, src ? " -s " : " -d ", text.buf, NULL);
	fwc_strbuf_release(&text);
}

static void
addr_stage(
    const struct ipt *x, struct stage *st, const struct fwc_ir_set *s, bool src)
{
	struct fwc_strbuf sb;
	size_t i;

	st->kind = src ? ST_SRC : ST_DST;
	st->set = s;
	fwc_strbuf_init(&sb);
	for (i = 0; i < s->n; i++) {
		fwc_strbuf_reset(&sb);
		add_addr_match(x, &sb, s, &s->v[i], src);
		strv_push(&st->alt, sb.buf);
	}
	fwc_strbuf_release(&sb);
}

/* tcp and udp have their own match for one port or range; the other
 * port protocols go through multiport, which needs no extra module. */
static bool
has_port_match(int proto)
{
	return proto == FWC_PROTO_TCP || proto == FWC_PROTO_UDP;
}

static void
add_pivl(struct fwc_strbuf *sb, const struct fwc_pivl *p)
{
	const struct fwc_portset one = { p, 1 };

	fwc_emit_ports(sb, &one, ",", ':');
}

/* Splits a port set into multiport matches of at most MULTIPORT_MAX
 * ports each, a range counting as two. */
static void
multiport_stage(struct stage *st, const struct fwc_portset *ps, bool src)
{
	struct fwc_strbuf sb;
	size_t i = 0;

	fwc_strbuf_init(&sb);
	while (i < ps->n) {
		struct fwc_portset chunk;
		size_t slots = 0;
		size_t j = i;

		while (j < ps->n) {
			size_t w = ps->v[j].lo == ps->v[j].hi ? 1 : 2;

			if (slots + w > MULTIPORT_MAX)
				break;
			slots += w;
			j++;
		}
		chunk.v = ps->v + i;
		chunk.n = j - i;
		fwc_strbuf_reset(&sb);
		fwc_strbuf_addf(
		    &sb, " -m multiport --%s ", src ? "sports" : "dports");
		fwc_emit_ports(&sb, &chunk, ",", ':');
		strv_push(&st->alt, sb.buf);
		i = j;
	}
	fwc_strbuf_release(&sb);
}

static void
port_stages(const struct fwc_ir_rule *r, struct stage *st, size_t *ns)
{
	const char *kw = r->proto == FWC_PROTO_TCP ? "tcp" : "udp";
	struct fwc_strbuf sb;

	if (has_port_match(r->proto) && r->dport.n <= 1 && r->sport.n <= 1) {
		fwc_strbuf_init(&sb);
		fwc_strbuf_addf(&sb, " -m %s", kw);
		if (r->sport.n == 1) {
			fwc_strbuf_adds(&sb, " --sport ");
			add_pivl(&sb, &r->sport.v[0]);
		}
		if (r->dport.n == 1) {
			fwc_strbuf_adds(&sb, " --dport ");
			add_pivl(&sb, &r->dport.v[0]);
		}
		st[*ns].kind = ST_DPORT;
		strv_push(&st[(*ns)++].alt, sb.buf);
		fwc_strbuf_release(&sb);
		return;
	}
	if (r->dport.n > 0) {
		st[*ns].kind = ST_DPORT;
		multiport_stage(&st[(*ns)++], &r->dport, false);
	}
	if (r->sport.n > 0) {
		st[*ns].kind = ST_SPORT;
		multiport_stage(&st[(*ns)++], &r->sport, true);
	}
}

static void
type_stage(const struct ipt *x, const struct fwc_ir_rule *r, struct stage *st)
{
	bool v6 = x->fl->fam == FWC_FAM_IP6;
	struct fwc_strbuf sb;
	unsigned int t;

	st->kind = ST_TYPE;
	fwc_strbuf_init(&sb);
	for (t = 0; t < 256; t++) {
		const char *name = v6 ? icmp6_names[t] : icmp4_names[t];

		if (!fwc_rule_has_type(r, t))
			continue;
		fwc_strbuf_reset(&sb);
		fwc_strbuf_adds(&sb,
		    v6 ? " -m icmp6 --icmpv6-type " : " -m icmp --icmp-type ");
		if (name != NULL)
			fwc_strbuf_adds(&sb, name);
		else
			fwc_strbuf_addf(&sb, "%u", t);
		strv_push(&st->alt, sb.buf);
	}
	fwc_strbuf_release(&sb);
}

static bool
is_addr_stage(const struct stage *st)
{
	return st->kind == ST_SRC || st->kind == ST_DST;
}

/* The steps of a rule's match, in line order: ports or ICMP types (in
 * the rule of fwc's chain), then sources, then destinations. */
static size_t
build_stages(const struct ipt *x, const struct fwc_ir_rule *r,
    struct stage st[MAX_STAGES])
{
	size_t ns = 0;

	memset(st, 0, MAX_STAGES * sizeof(*st));
	if (r->dport.n > 0 || r->sport.n > 0)
		port_stages(r, st, &ns);
	else if (r->has_types && count_types(r) < 256)
		type_stage(x, r, &st[ns++]);
	if (r->src != NULL)
		addr_stage(x, &st[ns++], r->src, true);
	if (r->dst != NULL)
		addr_stage(x, &st[ns++], r->dst, false);
	return ns;
}

/* True when step k gets a chain of its own: an address step of other
 * than one interval (none: the chain is empty and matches nothing), or a
 * second port step of several multiport matches. Other steps are matched
 * in the rule of fwc's chain: a first step of ports or ICMP types as one
 * rule per alternative, a step of one alternative in every rule. */
static bool
is_chained(const struct stage *st, size_t k)
{
	if (is_addr_stage(&st[k]))
		return st[k].alt.n != 1;
	return k > 0 && st[k].alt.n > 1;
}

/* The helper chain stored under key, or a new empty one named from base
 * and suffix; *created says which. */
static struct chain *
intern_chain(struct ipt *x, const char *key, const char *base,
    const char *suffix, bool *created)
{
	struct chain *c = (struct chain *)fwc_emit_map_get(&x->chains, key);

	*created = c == NULL;
	if (c != NULL)
		return c;
	c = fwc_xcalloc(1, sizeof(*c));
	c->name = fwc_emit_names_add(&x->names, base, suffix);
	fwc_strbuf_init(&c->body);
	fwc_emit_map_put(&x->chains, key, c);
	if (x->n_cv == x->cap_cv) {
		x->cap_cv = x->cap_cv ? x->cap_cv * 2 : 16;
		x->cv = fwc_xrealloc(x->cv, x->cap_cv * sizeof(*x->cv));
	}
	x->cv[x->n_cv++] = c;
	return c;
}

static void
add_comment(struct fwc_strbuf *sb, const char *flow)
{
	if (flow == NULL || flow[0] == '\0')
		return;
	fwc_strbuf_adds(sb, " -m comment --comment \"");
	fwc_emit_safe(sb, flow, COMMENT_MAX);
	fwc_strbuf_addc(sb, '"');
}

/* " -j LOG --log-prefix "fwc drop flow: "", within the 29 bytes that
 * iptables keeps. */
static void
add_log(struct fwc_strbuf *sb, const struct fwc_ir_rule *r)
{
	const char *act = fwc_action_names[r->action];
	const char *flow = r->origin.flow;
	size_t room = PREFIX_MAX - strlen("fwc  : ") - strlen(act);

	fwc_strbuf_addf(sb, " -j LOG --log-prefix \"fwc %s", act);
	if (flow != NULL && flow[0] != '\0') {
		fwc_strbuf_addc(sb, ' ');
		fwc_emit_safe(sb, flow, room);
	}
	fwc_strbuf_adds(sb, ": \"");
}

/* The target of a rule's verdict; *tcp is set when its line must say
 * `-p tcp` (REJECT with a TCP reset is refused without it). */
static void
add_verdict(const struct ipt *x, struct fwc_strbuf *sb,
    const struct fwc_ir_rule *r, bool *tcp)
{
	*tcp = false;
	switch (r->action) {
	case FWC_ACT_ACCEPT:
		fwc_strbuf_adds(sb, " -j ACCEPT");
		break;
	case FWC_ACT_DROP:
		fwc_strbuf_adds(sb, " -j DROP");
		break;
	case FWC_ACT_REJECT:
		if (r->proto == FWC_PROTO_TCP) {
			fwc_strbuf_adds(
			    sb, " -j REJECT --reject-with tcp-reset");
			*tcp = true;
		} else {
			fwc_strbuf_addf(
			    sb, " -j REJECT --reject-with %s", x->fl->reject);
		}
		break;
	case FWC_ACT_NR:
		FWC_BUG("bad action");
	}
}

/* A chain that logs, then applies the verdict: where a verdict is
 * reached in a helper chain, one jump per interval replaces a pair of
 * lines. */
static const char *
log_chain(struct ipt *x, const struct fwc_ir_rule *r, const char *proto)
{
	struct fwc_strbuf key;
	struct fwc_strbuf base;
	struct chain *c;
	bool created;
	bool tcp;

	fwc_strbuf_init(&key);
	fwc_strbuf_init(&base);
	fwc_strbuf_adds(&key, "log");
	add_comment(&key, r->origin.flow);
	add_log(&key, r);
	add_verdict(x, &key, r, &tcp);
	fwc_strbuf_adds(&base, "fwc_log_");
	fwc_strbuf_adds(&base, r->origin.flow != NULL ? r->origin.flow : "");
	c = intern_chain(x, key.buf, base.buf, "", &created);
	if (created) {
		c->note = fwc_xstrdup("log, then the verdict");
		fwc_strbuf_addf(&c->body, "-A %s", c->name);
		add_comment(&c->body, r->origin.flow);
		add_log(&c->body, r);
		fwc_strbuf_addf(&c->body, "\n-A %s", c->name);
		if (tcp)
			fwc_strbuf_addf(&c->body, " -p %s", proto);
		add_comment(&c->body, r->origin.flow);
		add_verdict(x, &c->body, r, &tcp);
		fwc_strbuf_addc(&c->body, '\n');
	}
	fwc_strbuf_release(&key);
	fwc_strbuf_release(&base);
	return c->name;
}

/* The target that the lines of the next chain made end with. */
struct tail {
	struct fwc_strbuf cont; /* " -j ACCEPT", " -j fwc_d_x_accept" */
	bool tcp;		/* a line ending in cont must say -p tcp */
	bool verdict;		/* cont is the verdict, or logs and gives it */
};

static const char *
stage_note(enum stage_kind k)
{
	switch (k) {
	case ST_SRC:
		return "source addresses in set";
	case ST_DST:
		return "destination addresses in set";
	case ST_SPORT:
		return "source ports";
	case ST_DPORT:
		return "destination ports";
	case ST_TYPE:
		return "icmp types";
	}
	return "";
}

/* Moves step st into a helper chain whose lines end in tail, and makes
 * tail a jump to it. */
static void
chain_stage(struct ipt *x, const struct fwc_ir_rule *r, const struct stage *st,
    const char *proto, struct tail *tl)
{
	static const char *const verdict_words[FWC_ACT_NR] = {
		[FWC_ACT_ACCEPT] = "_accept",
		[FWC_ACT_DROP] = "_drop",
		[FWC_ACT_REJECT] = "_reject",
	};
	struct fwc_strbuf key;
	struct fwc_strbuf base;
	struct fwc_strbuf note;
	struct chain *c;
	bool need_p = tl->tcp || !is_addr_stage(st);
	bool created;
	size_t i;

	fwc_strbuf_init(&key);
	fwc_strbuf_init(&base);
	fwc_strbuf_addf(&key, "%d|", (int)st->kind);
	if (st->set != NULL)
		fwc_strbuf_addf(&key, "%u", st->set->id);
	else
		for (i = 0; i < st->alt.n; i++)
			fwc_strbuf_adds(&key, st->alt.v[i]);
	fwc_strbuf_addf(&key, "|%s|%s", need_p ? proto : "", tl->cont.buf);
	switch (st->kind) {
	case ST_SRC:
		fwc_strbuf_addf(&base, "fwc_s_%s", st->set->name);
		break;
	case ST_DST:
		fwc_strbuf_addf(&base, "fwc_d_%s", st->set->name);
		break;
	case ST_DPORT:
	case ST_SPORT:
	case ST_TYPE:
		fwc_strbuf_adds(&base, "fwc_ports");
		break;
	}
	c = intern_chain(x, key.buf, base.buf,
	    tl->verdict ? verdict_words[r->action] : "", &created);
	if (created) {
		fwc_strbuf_init(&note);
		fwc_strbuf_adds(&note, stage_note(st->kind));
		if (st->set != NULL) {
			fwc_strbuf_adds(&note, " '");
			fwc_emit_safe(&note, st->set->name, HEADER_FIELD);
			fwc_strbuf_addc(&note, '\'');
		}
		c->note = fwc_strbuf_detach(&note, NULL);
		fwc_strbuf_release(&note);
		for (i = 0; i < st->alt.n; i++) {
			fwc_strbuf_addf(&c->body, "-A %s", c->name);
			if (need_p)
				fwc_strbuf_addf(&c->body, " -p %s", proto);
			fwc_strbuf_addf(
			    &c->body, "%s%s\n", st->alt.v[i], tl->cont.buf);
		}
	}
	fwc_strbuf_reset(&tl->cont);
	fwc_emit_s3(&tl->cont, " -j ", c->name, NULL);
	tl->tcp = false;
	tl->verdict = false;
	fwc_strbuf_release(&key);
	fwc_strbuf_release(&base);
}

/* Appends the lines of one IR rule to fwc's chain: one per alternative
 * of its first step of ports or ICMP types (or one), preceded by a LOG
 * line when the verdict is given there, with every step of one
 * alternative folded in and the others moved to helper chains. */
static void
emit_rule(struct ipt *x, const struct fwc_ir_rule *r)
{
	struct fwc_strbuf *out = &x->own[r->chain];
	struct stage st[MAX_STAGES];
	struct fwc_strbuf head;
	struct fwc_strbuf fold;
	struct tail tl;
	const struct strv *main_alt = NULL;
	size_t ns;
	size_t k;
	char pbuf[8];
	const char *proto = NULL;
	bool nested = false;

	assert_rule(x, r);
	if (r->proto != FWC_PROTO_ANY)
		proto = proto_arg(r->proto, pbuf);
	ns = build_stages(x, r, st);
	fwc_strbuf_init(&fold);
	for (k = 0; k < ns; k++) {
		if (k == 0 && !is_addr_stage(&st[0]))
			main_alt = &st[0].alt;
		else if (is_chained(st, k))
			nested = true;
		else
			fwc_strbuf_adds(&fold, st[k].alt.v[0]);
	}
	/* Helper chains are made from the last step back, each ending in
	 * a jump to the one after it; the last ends in the verdict. */
	fwc_strbuf_init(&tl.cont);
	tl.tcp = false;
	tl.verdict = true;
	if (r->log && nested)
		fwc_strbuf_addf(&tl.cont, " -j %s", log_chain(x, r, proto));
	else
		add_verdict(x, &tl.cont, r, &tl.tcp);
	for (k = ns; k-- > 0;)
		if (is_chained(st, k))
			chain_stage(x, r, &st[k], proto, &tl);
	fwc_strbuf_init(&head);
	fwc_emit_s3(&head, "-A ", own_names[r->chain], NULL);
	if (r->iif != NULL)
		fwc_emit_s3(&head, " -i ", r->iif, NULL);
	if (r->oif != NULL)
		fwc_emit_s3(&head, " -o ", r->oif, NULL);
	if (proto != NULL)
		fwc_emit_s3(&head, " -p ", proto, NULL);
	for (k = 0; k < (main_alt != NULL ? main_alt->n : 1); k++) {
		const char *alt = main_alt != NULL ? main_alt->v[k] : "";

		if (r->log && !nested) {
			fwc_emit_s3(out, head.buf, alt, fold.buf);
			add_comment(out, r->origin.flow);
			add_log(out, r);
			fwc_strbuf_addc(out, '\n');
		}
		fwc_emit_s3(out, head.buf, alt, fold.buf);
		add_comment(out, r->origin.flow);
		fwc_emit_s3(out, tl.cont.buf, "\n", NULL);
	}
	fwc_strbuf_release(&head);
	fwc_strbuf_release(&fold);
	fwc_strbuf_release(&tl.cont);
	for (k = 0; k < ns; k++)
		strv_release(&st[k].alt);
}

/* A built-in chain's policy: fwc filters the chain (DROP, with REJECT
 * rules at the end of fwc's chain for a reject default) or leaves it
 * open (ACCEPT, also for a chain the ruleset does not have). */
static const char *
policy_of(const struct fwc_ruleset *rs, enum fwc_chain c)
{
	if (!rs->has_chain[c] || rs->chain_default[c] == FWC_ACT_ACCEPT)
		return "ACCEPT";
	return "DROP";
}

static void
emit_base(struct ipt *x, enum fwc_chain c)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = &x->own[c];
	const char *name = own_names[c];
	bool filtered = rs->chain_default[c] != FWC_ACT_ACCEPT;
	size_t i;

	fwc_strbuf_addf(out,
	    "-A %s -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n",
	    name);
	/* Loopback and neighbour discovery pass before the invalid-state
	 * drop: discovery packets may be untracked. */
	if (c == FWC_CHAIN_INPUT)
		fwc_strbuf_addf(out, "-A %s -i lo -j ACCEPT\n", name);
	if (c == FWC_CHAIN_OUTPUT && filtered)
		fwc_strbuf_addf(out, "-A %s -o lo -j ACCEPT\n", name);
	if (x->fl->fam == FWC_FAM_IP6 &&
	    (c == FWC_CHAIN_INPUT || (c == FWC_CHAIN_OUTPUT && filtered)))
		for (i = 0; i < FWC_ARRAY_SIZE(nd_types); i++)
			fwc_strbuf_addf(out,
			    "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type %s "
			    "-m hl --hl-eq 255 -j ACCEPT\n",
			    name, icmp6_names[nd_types[i]]);
	fwc_strbuf_addf(
	    out, "-A %s -m conntrack --ctstate INVALID -j DROP\n", name);
}

static void
emit_default(struct ipt *x, enum fwc_chain c)
{
	if (x->rs->chain_default[c] != FWC_ACT_REJECT)
		return;
	fwc_strbuf_addf(&x->own[c],
	    "-A %s -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A %s -j REJECT --reject-with %s\n",
	    own_names[c], own_names[c], x->fl->reject);
}

static void
emit_header(const struct ipt *x, struct fwc_strbuf *out)
{
	const struct fwc_ruleset *rs = x->rs;
	size_t other = 0;
	size_t i;

	for (i = 0; i < rs->n_rules; i++)
		other += rs->rules[i].family != x->fl->fam;
	fwc_strbuf_adds(out, "# Generated by fwc " FWC_VERSION " from policy ");
	fwc_emit_safe(out, rs->policy, HEADER_FIELD);
	fwc_strbuf_addf(
	    out, " for %s ", rs->kind == FWC_EP_GATEWAY ? "gateway" : "host");
	fwc_emit_safe(out, rs->name, HEADER_FIELD);
	fwc_strbuf_addf(out, ", %s rules only.\n", x->fl->fam_name);
	if (other > 0)
		fwc_strbuf_addf(out,
		    "# The other %zu rule%s of this enforcement point are in the "
		    "output of -t %s.\n",
		    other, other == 1 ? "" : "s", x->fl->other);
	fwc_strbuf_addf(out,
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `%s < FILE`: it replaces the filter table.\n",
	    x->fl->restore);
}

static void
release(struct ipt *x)
{
	size_t i;

	for (i = 0; i < x->n_cv; i++) {
		free(x->cv[i]->note);
		fwc_strbuf_release(&x->cv[i]->body);
		free(x->cv[i]);
	}
	free(x->cv);
	for (i = 0; i < FWC_CHAIN_NR; i++)
		fwc_strbuf_release(&x->own[i]);
	fwc_emit_map_release(&x->chains);
	fwc_emit_names_release(&x->names);
}

static int
emit_flavour(const struct flavour *fl, const struct fwc_ruleset *rs,
    struct fwc_strbuf *out, struct fwc_diag *dg)
{
	struct ipt x = { .rs = rs, .fl = fl };
	size_t i;

	/* What the check refuses would make the output wrong (interface
	 * names written verbatim, sets missing their DNS names, `-p 0`):
	 * never emit it, whether or not the caller ran the check. */
	if (check_flavour(fl, rs, dg) < 0)
		return -1;
	fwc_emit_names_init(&x.names, CHAIN_MAX);
	fwc_emit_map_init(&x.chains);
	for (i = 0; i < FWC_CHAIN_NR; i++) {
		fwc_strbuf_init(&x.own[i]);
		if (!fwc_emit_names_reserve(&x.names, own_names[i]))
			FWC_BUG("reserved name taken");
	}
	for (i = 0; i < rs->n_sets; i++)
		if (rs->sets[i]->id != i)
			FWC_BUG("set '%s' has id %u at %zu", rs->sets[i]->name,
			    rs->sets[i]->id, i);
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i])
			emit_base(&x, (enum fwc_chain)i);
	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].family == fl->fam)
			emit_rule(&x, &rs->rules[i]);
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i])
			emit_default(&x, (enum fwc_chain)i);

	emit_header(&x, out);
	fwc_strbuf_adds(out, "*filter\n");
	for (i = 0; i < FWC_CHAIN_NR; i++)
		fwc_strbuf_addf(out, ":%s %s [0:0]\n", builtin_names[i],
		    policy_of(rs, (enum fwc_chain)i));
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i])
			fwc_strbuf_addf(out, ":%s - [0:0]\n", own_names[i]);
	for (i = 0; i < x.n_cv; i++)
		fwc_strbuf_addf(out, ":%s - [0:0]\n", x.cv[i]->name);
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i])
			fwc_strbuf_addf(out, "-A %s -j %s\n", builtin_names[i],
			    own_names[i]);
	for (i = 0; i < FWC_CHAIN_NR; i++) {
		if (!rs->has_chain[i])
			continue;
		fwc_strbuf_addf(out, "\n# %s\n", fwc_chain_names[i]);
		fwc_strbuf_addn_flush(out, x.own[i].buf, x.own[i].len);
	}
	for (i = 0; i < x.n_cv; i++) {
		fwc_strbuf_addf(out, "\n# %s: %s\n", x.cv[i]->name,
		    x.cv[i]->note != NULL ? x.cv[i]->note : "");
		fwc_strbuf_addn_flush(
		    out, x.cv[i]->body.buf, x.cv[i]->body.len);
	}
	fwc_strbuf_adds(out, "\nCOMMIT\n");
	release(&x);
	return 0;
}

static int
ipt_emit(
    const struct fwc_ruleset *rs, struct fwc_strbuf *out, struct fwc_diag *dg)
{
	return emit_flavour(&flavour4, rs, out, dg);
}

static int
ip6t_emit(
    const struct fwc_ruleset *rs, struct fwc_strbuf *out, struct fwc_diag *dg)
{
	return emit_flavour(&flavour6, rs, out, dg);
}

const struct fwc_backend fwc_backend_iptables = {
	.abi = FWC_BACKEND_ABI,
	.name = "iptables",
	.summary = "iptables-restore input, IPv4 rules only (filter table; "
		   "pair with ip6tables)",
	.caps = FWC_CAP_LOG,
	.check = ipt_check,
	.emit = ipt_emit,
	.parse = fwc_iptables_parse,
};

const struct fwc_backend fwc_backend_ip6tables = {
	.abi = FWC_BACKEND_ABI,
	.name = "ip6tables",
	.summary = "ip6tables-restore input, IPv6 rules only (filter table; "
		   "pair with iptables)",
	.caps = FWC_CAP_IPV6 | FWC_CAP_LOG,
	.check = ip6t_check,
	.emit = ip6t_emit,
	.parse = fwc_ip6tables_parse,
};
