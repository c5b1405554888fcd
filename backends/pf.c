/* The pf backend: lowers one canonical ruleset to a pf.conf(5) for
 * `pfctl -f` on OpenBSD and FreeBSD. Loading the file replaces the whole
 * main ruleset of pf and defines the tables it names.
 *
 * pf has no forward hook: a forwarded packet is filtered once inbound on
 * the interface where it arrives and once outbound on the interface where
 * it leaves, and a state created by the inbound pass does not cover the
 * outbound leg (pf keys states by direction). So a forward rule becomes
 * two rules: the inbound leg, `pass in on IN`, which also tags the packet
 * (and, through its state, every later packet of the connection) with the
 * name of IN; and the outbound leg, `pass out on OUT ... tagged IN`,
 * which creates the second state. A forward deny is split the same way,
 * because only the outbound leg knows both interfaces: its inbound leg
 * passes and tags like an allow's (pf refuses a tag without state, so it
 * keeps state too), and its outbound leg, `block out on OUT ... tagged
 * IN`, drops or refuses. The outbound section is the forward chain in IR
 * order (denies first), each rule matched completely; the inbound section
 * only passes, into it, what some forward rule may match. After the
 * outbound legs, every packet still tagged is a forwarded packet that no
 * rule decided and meets the forward default; only untagged packets, the
 * machine's own traffic, reach the output rules. Every rule is `quick`,
 * so the first match decides, and the IR order carries over.
 *
 * Guarantees: the output depends on the ruleset alone, ends with a
 * newline, and holds no text from the policy that is not checked or
 * sanitised: interface names and DNS names are checked (pf_check), every
 * other text that reaches a comment or a label is reduced to
 * [A-Za-z0-9 ._:@+/=,-]. Identifiers are unique and within pf's limits. */
#include <stdbool.h>
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
#define TABLE_MAX     31  /* PF_TABLE_NAME_SIZE - 1 */
#define TAG_MAX	      63  /* PF_TAG_NAME_SIZE - 1 */
#define LABEL_MAX     63  /* PF_RULE_LABEL_SIZE - 1 */
#define MACRO_MAX     63  /* ours: short enough to read */
#define HEADER_FIELD  128 /* bytes of a name shown in the header */
#define COMMENT_MAX   128 /* bytes of a set's name above its table */
#define FQDN_MAX      253
#define FQDN_LABEL    63
#define INLINE_MAX    4 /* table entries kept on the table's line */
#define ICMP_TYPES_NR 256

/* An interface that the output names. */
struct pf_if {
	const char *name;  /* borrowed from the ruleset */
	const char *macro; /* owned by pf.macros */
	const char *tag;   /* owned by pf.tags; NULL when no forward rule
			    * enters through this interface */
};

struct pf {
	const struct fwc_ruleset *rs;
	struct fwc_strbuf *out;
	struct fwc_emit_names macros;
	struct fwc_emit_names tables;
	struct fwc_emit_names tags;
	const char **table_ids; /* heap; per rs->sets index, NULL when no
				 * rule uses the set */
	struct pf_if *ifs;	/* heap; ruleset interfaces, then others in
				 * rule order */
	size_t n_ifs;
	size_t cap_ifs;
	bool self_table; /* the table <fwc_self> is written */
};

/* How one IR rule becomes one pf rule. */
struct leg {
	bool out;	     /* direction out, else in */
	bool pass;	     /* a pass whatever the rule's action */
	const char *ifname;  /* interface of `on`, or NULL */
	const char *tag;     /* tag to set, or NULL */
	const char *tagged;  /* tag required, or NULL */
	bool log;	     /* log matches */
	const char *any_dst; /* what a NULL destination set is written as */
};

#define SELF_TABLE "fwc_self"

/* Words that pfctl's lexer turns into keywords (OpenBSD and FreeBSD).
 * An interface name is written through a macro, whose value pfctl reads
 * again as bare words, so a name must not be one of these. Sorted. */
static const char *const pf_keywords[] = { "af-to", "all", "allow-opts", "altq",
	"anchor", "antispoof", "any", "bandwidth", "binat", "binat-anchor",
	"binat-to", "bitmask", "block", "block-policy", "bridge-to", "buckets",
	"burst", "cbq", "code", "codelq", "debug", "default", "delay",
	"divert-packet", "divert-reply", "divert-to", "dnpipe", "dnqueue",
	"drop", "dup-to", "ether", "fail-policy", "fairq", "fastroute", "file",
	"fingerprints", "flags", "floating", "flows", "flush", "for",
	"fragment", "from", "global", "group", "hfsc", "hogs", "hostid",
	"icmp-type", "icmp6-type", "if-bound", "in", "include", "inet", "inet6",
	"interval", "keep", "keepcounters", "l3", "label", "least-states",
	"limit", "linkshare", "load", "log", "loginterface", "map-e-portset",
	"match", "max", "max-mss", "max-pkt-rate", "max-src-conn",
	"max-src-conn-rate", "max-src-nodes", "max-src-states", "min",
	"min-ttl", "modulate", "nat", "nat-anchor", "nat-to", "no", "no-df",
	"no-route", "no-sync", "on", "once", "optimization", "os", "out",
	"overload", "parent", "pass", "pflow", "port", "prio", "priority",
	"priq", "probability", "proto", "qlimit", "quantum", "queue", "quick",
	"random", "random-id", "rdomain", "rdr", "rdr-anchor", "rdr-to",
	"realtime", "reassemble", "received-on", "reply-to", "require-order",
	"return", "return-icmp", "return-icmp6", "return-rst", "ridentifier",
	"round-robin", "route", "route-to", "rtable", "rule",
	"ruleset-optimization", "scrub", "set", "set-tos", "skip", "sloppy",
	"source-hash", "source-track", "state", "state-defaults",
	"state-policy", "static-port", "sticky-address", "syncookies",
	"synproxy", "table", "tag", "tagged", "target", "tbrsize", "timeout",
	"to", "tos", "ttl", "upperlimit", "urpf-failed", "user", "weight" };

/* ICMP type names that pfctl knows on both systems; other types are
 * written as numbers, which pfctl always accepts. */
struct icmp_name {
	unsigned int type;
	const char *name;
};

static const struct icmp_name icmp4_names[] = { { 0, "echorep" },
	{ 3, "unreach" }, { 4, "squench" }, { 5, "redir" }, { 6, "althost" },
	{ 8, "echoreq" }, { 9, "routeradv" }, { 10, "routersol" },
	{ 11, "timex" }, { 12, "paramprob" }, { 13, "timereq" },
	{ 14, "timerep" }, { 15, "inforeq" }, { 16, "inforep" },
	{ 17, "maskreq" }, { 18, "maskrep" } };

static const struct icmp_name icmp6_names[] = { { 1, "unreach" },
	{ 2, "toobig" }, { 3, "timex" }, { 4, "paramprob" }, { 128, "echoreq" },
	{ 129, "echorep" }, { 133, "routersol" }, { 134, "routeradv" },
	{ 135, "neighbrsol" }, { 136, "neighbradv" }, { 137, "redir" } };

static int
cmp_keyword(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool
is_keyword(const char *s)
{
	return bsearch(s, pf_keywords, FWC_ARRAY_SIZE(pf_keywords),
		   sizeof(pf_keywords[0]), cmp_keyword) != NULL;
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when pfctl reads s, written bare, as one interface name: the
 * characters the language allows, a first character that starts a word
 * in pfctl's lexer, neither a number nor a keyword. */
static bool
ifname_ok(const char *s)
{
	size_t n = strlen(s);
	bool digits = true;
	size_t i;

	if (n == 0 || n > IFNAME_MAX)
		return false;
	if (!is_alpha(s[0]) && !is_digit(s[0]) && s[0] != '_')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '_' &&
		    c != '-')
			return false;
		digits = digits && is_digit(c);
	}
	return !digits && !is_keyword(s);
}

/* True when s is a DNS name that pfctl resolves and cannot read as
 * anything else: dot-separated labels of letters, digits and '-', at
 * least two labels, the last one not all digits (so that it is never an
 * address). */
static bool
fqdn_ok(const char *s)
{
	size_t n = strlen(s);
	size_t label = 0;
	size_t labels = 1;
	bool digits = true;
	size_t i;

	if (n == 0 || n > FQDN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			labels++;
			digits = true;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > FQDN_LABEL)
			return false;
		digits = digits && is_digit(c);
	}
	return label > 0 && s[n - 1] != '-' && labels >= 2 && !digits;
}

/* The place of the first rule that uses set s, else the ruleset's. */
static const struct fwc_loc *
set_loc(const struct fwc_ruleset *rs, const struct fwc_ir_set *s)
{
	size_t i;

	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].src == s || rs->rules[i].dst == s)
			return &rs->rules[i].origin.loc;
	return &rs->loc;
}

static void
check_fqdns(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	struct fwc_strbuf shown;
	size_t i;
	size_t k;

	fwc_strbuf_init(&shown);
	for (i = 0; i < rs->n_sets; i++) {
		const struct fwc_ir_set *s = rs->sets[i];

		for (k = 0; k < s->n_fqdns; k++) {
			if (fqdn_ok(s->fqdns[k]))
				continue;
			fwc_strbuf_reset(&shown);
			fwc_emit_safe(&shown, s->fqdns[k], FQDN_MAX);
			fwc_error(dg, set_loc(rs, s),
			    "target 'pf' cannot express DNS name '%s' in a "
			    "table (expected two or more dot-separated labels "
			    "of letters, digits and '-', the last one not a "
			    "number)",
			    shown.buf);
		}
	}
	fwc_strbuf_release(&shown);
}

static bool
same_loc(const struct fwc_loc *a, const struct fwc_loc *b)
{
	return a->line == b->line && a->col == b->col &&
	       (a->file == b->file || (a->file != NULL && b->file != NULL &&
					  strcmp(a->file, b->file) == 0));
}

/* Reports what pf cannot express in rule i. A flow's rules sit next to
 * each other in the IR and share its place: a problem that the previous
 * rule already reported there is not repeated. */
static void
check_rule(const struct fwc_ruleset *rs, size_t i, struct fwc_diag *dg)
{
	const struct fwc_ir_rule *r = &rs->rules[i];
	const struct fwc_ir_rule *prev = i > 0 ? &rs->rules[i - 1] : NULL;
	bool again =
	    prev != NULL && same_loc(&prev->origin.loc, &r->origin.loc);
	bool ports = r->dport.n > 0 || r->sport.n > 0;
	char buf[8];

	if (ports && r->proto != FWC_PROTO_TCP && r->proto != FWC_PROTO_UDP &&
	    !(again && prev->proto == r->proto &&
		(prev->dport.n > 0 || prev->sport.n > 0)))
		fwc_error(dg, &r->origin.loc,
		    "target 'pf' cannot express ports of protocol '%s' (pf "
		    "matches ports of tcp and udp only)",
		    fwc_proto_name(r->proto, buf));
	if (r->proto == 0 && !(again && prev->proto == 0))
		fwc_error(dg, &r->origin.loc,
		    "target 'pf' cannot express protocol 0 (pf reads "
		    "'proto 0' as any protocol)");
	if (r->chain == FWC_CHAIN_FORWARD && r->iif == NULL &&
	    !(again && prev->chain == FWC_CHAIN_FORWARD && prev->iif == NULL))
		fwc_error(dg, &r->origin.loc,
		    "target 'pf' cannot express a forward rule without an "
		    "input interface");
}

static void
check_ifname(struct fwc_emit_bad_ifnames *bad, const char *name,
    const struct fwc_loc *loc, struct fwc_diag *dg)
{
	fwc_emit_check_ifname(bad, "pf", name, name == NULL || ifname_ok(name),
	    "1 to 15 bytes of [A-Za-z0-9._-], starting with a letter, digit "
	    "or '_', neither a number nor a pf keyword",
	    loc, dg);
}

static int
pf_check(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	unsigned int errors = dg->errors;
	struct fwc_emit_bad_ifnames bad = { NULL, 0 };
	size_t i;

	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		check_ifname(&bad, r->iif, &r->origin.loc, dg);
		check_ifname(&bad, r->oif, &r->origin.loc, dg);
		check_rule(rs, i, dg);
	}
	for (i = 0; i < rs->n_ifaces; i++)
		check_ifname(&bad, rs->ifaces[i].name, &rs->ifaces[i].loc, dg);
	fwc_emit_bad_ifnames_release(&bad);
	check_fqdns(rs, dg);
	if (rs->has_chain[FWC_CHAIN_FORWARD] && !rs->has_chain[FWC_CHAIN_INPUT])
		fwc_error(dg, &rs->loc,
		    "target 'pf' cannot express a forward chain without an "
		    "input chain (pf tells them apart only by the rules)");
	if (rs->has_chain[FWC_CHAIN_FORWARD] &&
	    rs->has_chain[FWC_CHAIN_INPUT] &&
	    rs->chain_default[FWC_CHAIN_FORWARD] !=
		rs->chain_default[FWC_CHAIN_INPUT])
		fwc_error(dg, &rs->loc,
		    "target 'pf' cannot express different defaults for the "
		    "input and forward chains (both meet pf's inbound "
		    "default)");
	return dg->errors > errors ? -1 : 0;
}

static size_t
count_types(const struct fwc_ir_rule *r)
{
	size_t n = 0;
	unsigned int t;

	for (t = 0; t < ICMP_TYPES_NR; t++)
		n += fwc_rule_has_type(r, t);
	return n;
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
	if (r->proto == FWC_PROTO_ICMP && r->family != FWC_FAM_IP4)
		FWC_BUG("icmp in an ipv6 rule");
	if (r->proto == FWC_PROTO_ICMP6 && r->family != FWC_FAM_IP6)
		FWC_BUG("icmpv6 in an ipv4 rule");
	if (r->has_types &&
	    ((r->proto != FWC_PROTO_ICMP && r->proto != FWC_PROTO_ICMP6) ||
		count_types(r) == 0))
		FWC_BUG("icmp types without icmp, or none");
}

static void
assert_ruleset(const struct fwc_ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n_sets; i++)
		if (rs->sets[i]->id != i)
			FWC_BUG("set '%s' has id %u at %zu", rs->sets[i]->name,
			    rs->sets[i]->id, i);
	for (i = 0; i < FWC_CHAIN_NR; i++)
		if (rs->has_chain[i] &&
		    (unsigned int)rs->chain_default[i] >= FWC_ACT_NR)
			FWC_BUG("bad default of chain %zu", i);
	if ((rs->has_chain[FWC_CHAIN_INPUT] &&
		rs->chain_default[FWC_CHAIN_INPUT] == FWC_ACT_ACCEPT) ||
	    (rs->has_chain[FWC_CHAIN_FORWARD] &&
		rs->chain_default[FWC_CHAIN_FORWARD] == FWC_ACT_ACCEPT))
		FWC_BUG("unfiltered input or forward chain");
	for (i = 0; i < rs->n_rules; i++)
		assert_rule(rs, &rs->rules[i]);
}

static struct pf_if *
find_if(const struct pf *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->n_ifs; i++)
		if (strcmp(x->ifs[i].name, name) == 0)
			return &x->ifs[i];
	return NULL;
}

/* The interface called name, which name_things() has registered. */
static struct pf_if *
iface(const struct pf *x, const char *name)
{
	struct pf_if *pi = find_if(x, name);

	if (pi == NULL)
		FWC_BUG("interface '%s' has no macro", name);
	return pi;
}

/* Gives the interface called name a macro, once. */
static void
add_if(struct pf *x, const char *name)
{
	struct fwc_strbuf base;
	struct pf_if *pi;

	if (name == NULL || find_if(x, name) != NULL)
		return;
	if (x->n_ifs == x->cap_ifs) {
		x->cap_ifs = x->cap_ifs ? x->cap_ifs * 2 : 8;
		x->ifs = fwc_xrealloc(x->ifs, x->cap_ifs * sizeof(*x->ifs));
	}
	pi = &x->ifs[x->n_ifs++];
	/* Older pfctl wants macro names that start with a letter. */
	fwc_strbuf_init(&base);
	if (!is_alpha(name[0]))
		fwc_strbuf_adds(&base, "if_");
	fwc_strbuf_adds(&base, name);
	pi->name = name;
	pi->macro = fwc_emit_names_add(&x->macros, base.buf, "_if");
	pi->tag = NULL;
	fwc_strbuf_release(&base);
}

/* First pass: macros, tags and table names, in a fixed order. */
static void
name_things(struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf base;
	bool *used;
	size_t i;

	for (i = 0; i < rs->n_ifaces; i++)
		add_if(x, rs->ifaces[i].name);
	for (i = 0; i < rs->n_rules; i++) {
		add_if(x, rs->rules[i].iif);
		add_if(x, rs->rules[i].oif);
	}
	/* Mark the interfaces through which forward rules enter, then
	 * name their tags in interface order, like the macros. */
	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].chain == FWC_CHAIN_FORWARD)
			iface(x, rs->rules[i].iif)->tag = "";
	fwc_strbuf_init(&base);
	for (i = 0; i < x->n_ifs; i++) {
		if (x->ifs[i].tag == NULL)
			continue;
		fwc_strbuf_reset(&base);
		fwc_strbuf_addf(&base, "fwd_%s", x->ifs[i].name);
		x->ifs[i].tag = fwc_emit_names_add(&x->tags, base.buf, "");
	}
	fwc_strbuf_release(&base);
	/* pf filters forwarded packets and packets for this machine with
	 * the same inbound rules: a rule of either chain that matches any
	 * destination is kept to its own kind by the machine's addresses,
	 * which pfctl puts in the table at load time. */
	if (rs->has_chain[FWC_CHAIN_FORWARD])
		for (i = 0; i < rs->n_rules; i++)
			if (rs->rules[i].dst == NULL &&
			    rs->rules[i].chain != FWC_CHAIN_OUTPUT)
				x->self_table = true;
	if (x->self_table && !fwc_emit_names_reserve(&x->tables, SELF_TABLE))
		FWC_BUG("reserved table name taken");
	used = fwc_xcalloc(rs->n_sets + 1, sizeof(*used));
	for (i = 0; i < rs->n_rules; i++) {
		if (rs->rules[i].src != NULL)
			used[rs->rules[i].src->id] = true;
		if (rs->rules[i].dst != NULL)
			used[rs->rules[i].dst->id] = true;
	}
	x->table_ids = fwc_xcalloc(rs->n_sets + 1, sizeof(*x->table_ids));
	for (i = 0; i < rs->n_sets; i++)
		if (used[i])
			x->table_ids[i] = fwc_emit_names_add(&x->tables,
			    rs->sets[i]->name,
			    rs->sets[i]->family == FWC_FAM_IP4 ? "_v4" : "_v6");
	free(used);
}

static void
emit_header(const struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = x->out;

	fwc_strbuf_adds(out, "# Generated by fwc " FWC_VERSION " from policy ");
	fwc_emit_safe(out, rs->policy, HEADER_FIELD);
	fwc_strbuf_addf(
	    out, " for %s ", rs->kind == FWC_EP_GATEWAY ? "gateway" : "host");
	fwc_emit_safe(out, rs->name, HEADER_FIELD);
	fwc_strbuf_adds(out, ".\n");
	fwc_strbuf_adds(out,
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Check it with pfctl -nf FILE; load it with pfctl -f FILE,\n"
	    "# which replaces the whole main ruleset.\n"
	    "\n"
	    "set state-policy floating\n"
	    "set skip on lo\n");
}

static void
emit_macros(const struct pf *x)
{
	size_t i;

	if (x->n_ifs == 0)
		return;
	fwc_strbuf_addc(x->out, '\n');
	for (i = 0; i < x->n_ifs; i++)
		fwc_strbuf_addf(
		    x->out, "%s = \"%s\"\n", x->ifs[i].macro, x->ifs[i].name);
}

/* Appends the entries of table s to sb, one per line: the CIDR blocks
 * of its intervals, then its DNS names. Returns the number of entries. */
static size_t
table_entries(struct fwc_strbuf *sb, const struct fwc_ir_set *s)
{
	size_t n = 0;
	size_t k;
	const char *p;

	fwc_emit_cidrs(sb, s->family, s->v, s->n, "\n");
	for (k = 0; k < s->n_fqdns; k++) {
		if (sb->len > 0)
			fwc_strbuf_addc(sb, '\n');
		fwc_strbuf_adds(sb, s->fqdns[k]);
	}
	if (sb->len > 0)
		n = 1;
	for (p = sb->buf; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

/* Appends the lines of el to out, separated by sep. */
static void
add_joined(struct fwc_strbuf *out, const char *el, const char *sep)
{
	const char *p;

	for (p = el; *p != '\0'; p++) {
		if (*p == '\n')
			fwc_strbuf_adds(out, sep);
		else
			fwc_strbuf_addc(out, *p);
	}
}

static void
emit_tables(const struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = x->out;
	struct fwc_strbuf el;
	size_t i;

	if (x->self_table)
		fwc_strbuf_adds(out,
		    "\n# the addresses of this machine when the file is "
		    "loaded\n"
		    "table <" SELF_TABLE "> const { self }\n");
	fwc_strbuf_init(&el);
	for (i = 0; i < rs->n_sets; i++) {
		const struct fwc_ir_set *s = rs->sets[i];
		size_t n;

		if (x->table_ids[i] == NULL)
			continue;
		fwc_strbuf_addc(out, '\n');
		if (s->comment != NULL && s->comment[0] != '\0') {
			fwc_strbuf_adds(out, "# ");
			fwc_emit_safe(out, s->comment, COMMENT_MAX);
			fwc_strbuf_addc(out, '\n');
		}
		/* Tables with DNS names stay writable, so that they can be
		 * refreshed with pfctl -T replace without a reload. */
		fwc_strbuf_addf(out, "table <%s> %s", x->table_ids[i],
		    s->n_fqdns > 0 ? "persist" : "const");
		fwc_strbuf_reset(&el);
		n = table_entries(&el, s);
		if (n > INLINE_MAX) {
			fwc_strbuf_adds(out, " { \\\n\t");
			add_joined(out, el.buf, ", \\\n\t");
			fwc_strbuf_adds(out, " \\\n}");
		} else if (n > 0) {
			fwc_strbuf_adds(out, " { ");
			add_joined(out, el.buf, ", ");
			fwc_strbuf_adds(out, " }");
		}
		fwc_strbuf_addc(out, '\n');
		fwc_strbuf_flush(out);
	}
	fwc_strbuf_release(&el);
}

static const char *
icmp_name(unsigned int t, bool v6)
{
	const struct icmp_name *v = v6 ? icmp6_names : icmp4_names;
	size_t n =
	    v6 ? FWC_ARRAY_SIZE(icmp6_names) : FWC_ARRAY_SIZE(icmp4_names);
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].type == t)
			return v[i].name;
	return NULL;
}

static void
add_type(struct fwc_strbuf *sb, unsigned int t, bool v6)
{
	const char *name = icmp_name(t, v6);

	if (name != NULL)
		fwc_strbuf_adds(sb, name);
	else
		fwc_strbuf_addf(sb, "%u", t);
}

static void
emit_types(const struct pf *x, const struct fwc_ir_rule *r)
{
	struct fwc_strbuf *out = x->out;
	bool v6 = r->proto == FWC_PROTO_ICMP6;
	size_t n = count_types(r);
	bool first = true;
	unsigned int t;

	/* Every type is the same as no type match. */
	if (!r->has_types || n == ICMP_TYPES_NR)
		return;
	fwc_strbuf_adds(out, v6 ? " icmp6-type " : " icmp-type ");
	if (n > 1)
		fwc_strbuf_adds(out, "{ ");
	for (t = 0; t < ICMP_TYPES_NR; t++) {
		if (!fwc_rule_has_type(r, t))
			continue;
		if (!first)
			fwc_strbuf_adds(out, ", ");
		first = false;
		add_type(out, t, v6);
	}
	if (n > 1)
		fwc_strbuf_adds(out, " }");
}

static void
emit_ports(const struct pf *x, const struct fwc_portset *ps)
{
	if (ps->n == 0)
		return;
	fwc_strbuf_adds(x->out, " port ");
	if (ps->n == 1) {
		fwc_emit_ports(x->out, ps, "", ':');
		return;
	}
	fwc_strbuf_adds(x->out, "{ ");
	fwc_emit_ports(x->out, ps, ", ", ':');
	fwc_strbuf_adds(x->out, " }");
}

static void
emit_host(const struct pf *x, const struct fwc_ir_set *s, const char *any)
{
	if (s == NULL)
		fwc_strbuf_adds(x->out, any);
	else
		fwc_emit_s3(x->out, "<", x->table_ids[s->id], ">");
}

static void
emit_proto(const struct pf *x, int proto)
{
	switch (proto) {
	case FWC_PROTO_ANY:
		break;
	case FWC_PROTO_TCP:
		fwc_strbuf_adds(x->out, " proto tcp");
		break;
	case FWC_PROTO_UDP:
		fwc_strbuf_adds(x->out, " proto udp");
		break;
	case FWC_PROTO_ICMP:
		fwc_strbuf_adds(x->out, " proto icmp");
		break;
	case FWC_PROTO_ICMP6:
		fwc_strbuf_adds(x->out, " proto ipv6-icmp");
		break;
	default:
		/* Numbers need no /etc/protocols at load time. */
		fwc_strbuf_addf(x->out, " proto %d", proto);
		break;
	}
}

/* Writes the pf rule for r described by leg. */
static void
emit_rule(
    const struct pf *x, const struct fwc_ir_rule *r, const struct leg *leg)
{
	struct fwc_strbuf *out = x->out;
	const char *flow = r->origin.flow;
	enum fwc_action action = leg->pass ? FWC_ACT_ACCEPT : r->action;

	switch (action) {
	case FWC_ACT_ACCEPT:
		fwc_strbuf_adds(out, "pass");
		break;
	case FWC_ACT_DROP:
		fwc_strbuf_adds(out, "block drop");
		break;
	case FWC_ACT_REJECT:
		/* A TCP reset for tcp, ICMP unreachable for the rest. */
		fwc_strbuf_adds(out, "block return");
		break;
	case FWC_ACT_NR:
		FWC_BUG("bad action");
	}
	fwc_strbuf_adds(out, leg->out ? " out" : " in");
	if (leg->log)
		fwc_strbuf_adds(out, " log");
	fwc_strbuf_adds(out, " quick");
	if (leg->ifname != NULL)
		fwc_emit_s3(out, " on $", iface(x, leg->ifname)->macro, NULL);
	fwc_strbuf_adds(out, r->family == FWC_FAM_IP4 ? " inet" : " inet6");
	emit_proto(x, r->proto);
	if (r->src == NULL && r->dst == NULL && r->sport.n == 0 &&
	    r->dport.n == 0 && strcmp(leg->any_dst, "any") == 0) {
		fwc_strbuf_adds(out, " all");
	} else {
		fwc_strbuf_adds(out, " from ");
		emit_host(x, r->src, "any");
		emit_ports(x, &r->sport);
		fwc_strbuf_adds(out, " to ");
		emit_host(x, r->dst, leg->any_dst);
		emit_ports(x, &r->dport);
	}
	emit_types(x, r);
	if (leg->tagged != NULL)
		fwc_emit_s3(out, " tagged ", leg->tagged, NULL);
	if (action == FWC_ACT_ACCEPT)
		fwc_strbuf_adds(out, r->proto == FWC_PROTO_TCP
					 ? " flags S/SA keep state"
					 : " keep state");
	if (leg->tag != NULL)
		fwc_emit_s3(out, " tag ", leg->tag, NULL);
	if (flow != NULL && flow[0] != '\0') {
		fwc_strbuf_adds(out, " label \"");
		fwc_emit_safe(out, flow, LABEL_MAX);
		fwc_strbuf_addc(out, '"');
	}
	fwc_strbuf_addc(out, '\n');
	fwc_strbuf_flush(out);
}

static const char *
block_kw(enum fwc_action def)
{
	return def == FWC_ACT_REJECT ? "block return" : "block drop";
}

static bool
output_filtered(const struct fwc_ruleset *rs)
{
	return rs->has_chain[FWC_CHAIN_OUTPUT] &&
	       rs->chain_default[FWC_CHAIN_OUTPUT] != FWC_ACT_ACCEPT;
}

static size_t
count_rules(const struct fwc_ruleset *rs, enum fwc_chain c)
{
	size_t n = 0;
	size_t i;

	for (i = 0; i < rs->n_rules; i++)
		n += rs->rules[i].chain == c;
	return n;
}

/* The default block rules (not quick: they decide only when no quick
 * rule matches) and the neighbour discovery exception. */
static void
emit_defaults(const struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = x->out;
	enum fwc_action def_in = FWC_ACT_DROP;
	enum fwc_action def_out;

	if (rs->has_chain[FWC_CHAIN_INPUT])
		def_in = rs->chain_default[FWC_CHAIN_INPUT];
	else if (rs->has_chain[FWC_CHAIN_FORWARD])
		def_in = rs->chain_default[FWC_CHAIN_FORWARD];
	def_out =
	    output_filtered(rs) ? rs->chain_default[FWC_CHAIN_OUTPUT] : def_in;
	fwc_strbuf_adds(out,
	    "\n# Every rule below the defaults is quick: the first rule that "
	    "matches\n# decides. Replies pass on the state of their "
	    "connection.\n");
	if (def_in == def_out) {
		fwc_strbuf_addf(out, "%s all\n", block_kw(def_in));
	} else {
		fwc_strbuf_addf(out, "%s in all\n", block_kw(def_in));
		fwc_strbuf_addf(out, "%s out all\n", block_kw(def_out));
	}
	/* Neighbour and router discovery; a router never forwards them
	 * usefully, since receivers require hop limit 255. */
	fwc_strbuf_adds(out,
	    "pass quick inet6 proto ipv6-icmp all icmp6-type { routersol, "
	    "routeradv, neighbrsol, neighbradv } no state\n");
}

static void
emit_pass_all(const struct pf *x, const char *dir)
{
	fwc_strbuf_addf(x->out,
	    "pass %s quick inet all keep state\n"
	    "pass %s quick inet6 all keep state\n",
	    dir, dir);
}

static void
emit_input(const struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	size_t i;

	if (!rs->has_chain[FWC_CHAIN_INPUT]) {
		fwc_strbuf_adds(x->out, "\n# input: not filtered\n");
		emit_pass_all(x, "in");
		return;
	}
	if (count_rules(rs, FWC_CHAIN_INPUT) == 0)
		return;
	fwc_strbuf_adds(x->out, "\n# input: to this machine\n");
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		struct leg leg = { .ifname = r->iif,
			.log = r->log,
			.any_dst = x->self_table ? "<" SELF_TABLE ">" : "any" };

		if (r->chain == FWC_CHAIN_INPUT)
			emit_rule(x, r, &leg);
	}
}

static void
emit_forward(const struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	struct fwc_strbuf *out = x->out;
	const char *kw = block_kw(rs->chain_default[FWC_CHAIN_FORWARD]);
	size_t i;

	if (!rs->has_chain[FWC_CHAIN_FORWARD] ||
	    count_rules(rs, FWC_CHAIN_FORWARD) == 0)
		return;
	/* In IR order, denies first: a connection that a deny refuses
	 * outbound passes inbound on the deny's leg, which does not log,
	 * and not on an allow's, which would log it as allowed. */
	fwc_strbuf_adds(out,
	    "\n# forward, inbound leg: pass what a forward rule may match and "
	    "tag\n# the interface it came in on; the outbound leg decides\n");
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		struct leg leg = { .pass = true,
			.ifname = r->iif,
			.log = r->action == FWC_ACT_ACCEPT && r->log,
			.any_dst =
			    x->self_table ? "! <" SELF_TABLE ">" : "any" };

		if (r->chain != FWC_CHAIN_FORWARD)
			continue;
		leg.tag = iface(x, r->iif)->tag;
		emit_rule(x, r, &leg);
	}
	fwc_strbuf_adds(out,
	    "\n# forward, outbound leg: the forward rules, denies first, then "
	    "the\n# forward default\n");
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		struct leg leg = { .out = true,
			.ifname = r->oif,
			.log = r->action != FWC_ACT_ACCEPT && r->log,
			.any_dst = "any" };

		if (r->chain != FWC_CHAIN_FORWARD)
			continue;
		leg.tagged = iface(x, r->iif)->tag;
		emit_rule(x, r, &leg);
	}
	for (i = 0; i < x->n_ifs; i++) {
		if (x->ifs[i].tag == NULL)
			continue;
		fwc_strbuf_addf(out,
		    "%s out quick inet all tagged %s\n"
		    "%s out quick inet6 all tagged %s\n",
		    kw, x->ifs[i].tag, kw, x->ifs[i].tag);
	}
}

static void
emit_output(const struct pf *x)
{
	const struct fwc_ruleset *rs = x->rs;
	size_t i;

	if (count_rules(rs, FWC_CHAIN_OUTPUT) > 0 || !output_filtered(rs))
		fwc_strbuf_addf(x->out, "\n# output: from this machine%s\n",
		    output_filtered(rs) ? ""
					: " (not filtered but for denies)");
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		struct leg leg = { .out = true,
			.ifname = r->oif,
			.log = r->log,
			.any_dst = "any" };

		if (r->chain == FWC_CHAIN_OUTPUT)
			emit_rule(x, r, &leg);
	}
	if (!output_filtered(rs))
		emit_pass_all(x, "out");
}

static int
pf_emit(
    const struct fwc_ruleset *rs, struct fwc_strbuf *out, struct fwc_diag *dg)
{
	struct pf x = { .rs = rs, .out = out };

	/* Interface and DNS names go into the file verbatim: never emit
	 * one that the check would refuse, whether or not the caller ran
	 * it. */
	if (pf_check(rs, dg) < 0)
		return -1;
	assert_ruleset(rs);
	fwc_emit_names_init(&x.macros, MACRO_MAX);
	fwc_emit_names_init(&x.tables, TABLE_MAX);
	fwc_emit_names_init(&x.tags, TAG_MAX);
	name_things(&x);
	emit_header(&x);
	emit_macros(&x);
	emit_tables(&x);
	emit_defaults(&x);
	emit_input(&x);
	emit_forward(&x);
	emit_output(&x);
	free(x.table_ids);
	free(x.ifs);
	fwc_emit_names_release(&x.tags);
	fwc_emit_names_release(&x.tables);
	fwc_emit_names_release(&x.macros);
	return 0;
}

const struct fwc_backend fwc_backend_pf = {
	.abi = FWC_BACKEND_ABI,
	.name = "pf",
	.summary = "pf.conf for pfctl -f on OpenBSD and FreeBSD (replaces the "
		   "main ruleset)",
	.caps = FWC_CAP_IPV6 | FWC_CAP_SETS | FWC_CAP_LOG | FWC_CAP_FQDN,
	.check = pf_check,
	.emit = pf_emit,
	.parse = fwc_pf_parse,
};
