/* The netsh backend: lowers the canonical ruleset of one Windows host to a
 * cmd.exe script of `netsh advfirewall` commands. The script deletes every
 * rule named "fwc" (the one name that all of its rules share), adds the
 * rules of the policy under that name, then sets the default inbound and
 * outbound actions, the logging switches and the firewall state of all
 * profiles. Running it again gives the same firewall, whatever an earlier
 * version of the script added.
 *
 * Guarantees: the output depends on the ruleset alone, is plain ASCII
 * with LF line endings and a final newline, and holds no text from the
 * policy that is not reduced to [A-Za-z0-9 ._:@+/=,-] (no quote, '%',
 * '!', '^', '&', '|', '<', '>' or line break can reach cmd.exe). Every
 * netsh rule is of one address family (a rule without addresses gets the
 * whole range of its family as remote address), holds at most 1,000
 * addresses or ports per list and fits cmd.exe's 8,191-character line.
 * Input that netsh cannot express (gateways, interfaces, DNS names, ports
 * of protocols other than tcp and udp) is refused by netsh_check, never
 * dropped. */
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

/* The name of every rule the script adds, and so the one it deletes. */
#define RULE_NAME "fwc"
#define NETSH_FW  "netsh advfirewall firewall"
#define NETSH_SET "netsh advfirewall set allprofiles"
/* Set after any netsh command that failed; tested at the end. */
#define FAIL_VAR "fwc_failed"

#define CMD_LINE_MAX 8191 /* cmd.exe, including the line end */
#define LIST_MAX     1000 /* addresses or ports in one list */
#define ADDR_CHARS   5800 /* characters of both address lists */
#define PORT_CHARS   800  /* characters of one port list */
#define FLOW_MAX     128  /* bytes of a flow name in a description */
#define FILE_MAX     128  /* bytes of a file name in a description */
#define NOTE_MAX     96	  /* bytes of a derivation note */
#define HEADER_FIELD 128  /* bytes of a name shown in the header */
#define FQDN_SHOWN   64	  /* bytes of a DNS name shown in a message */

/* The values of one list condition (remoteip=, localport=...), cut into
 * pieces that each fit one netsh rule. A NULL piece stands for "no
 * condition"; no piece at all means the rule matches nothing. */
struct pieces {
	char **v; /* heap, each heap or NULL */
	size_t n;
	size_t cap;
};

struct netsh {
	const struct fwc_ruleset *rs;
	struct fwc_strbuf *body; /* the commands after the header */
	size_t n_added;		 /* netsh rules added */
	bool log_allowed;	 /* a logging accept rule was seen */
	bool log_dropped;	 /* a logging drop or reject rule was seen */
};

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

static size_t
count_types(const struct fwc_ir_rule *r)
{
	size_t n = 0;
	unsigned int t;

	for (t = 0; t < 256; t++)
		n += fwc_rule_has_type(r, t);
	return n;
}

static bool
seen(const void *const *v, size_t n, const void *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/* Reports a set with DNS names once, at the first rule that uses it. */
static void
check_fqdns(const struct fwc_ir_set *s, const struct fwc_ir_rule *r,
    const void ***bad, size_t *n_bad, struct fwc_diag *dg)
{
	struct fwc_strbuf name;
	struct fwc_strbuf fqdn;

	if (s == NULL || s->n_fqdns == 0 ||
	    seen((const void *const *)*bad, *n_bad, s))
		return;
	*bad = fwc_xrealloc(*bad, (*n_bad + 1) * sizeof(**bad));
	(*bad)[(*n_bad)++] = s;
	fwc_strbuf_init(&name);
	fwc_strbuf_init(&fqdn);
	fwc_emit_safe(&name, s->name, HEADER_FIELD);
	fwc_emit_safe(&fqdn, s->fqdns[0], FQDN_SHOWN);
	fwc_error(dg, &r->origin.loc,
	    "target 'netsh' cannot express DNS names (set '%s' holds "
	    "'%s'%s); use --resolve",
	    name.buf, fqdn.buf, s->n_fqdns > 1 ? " and others" : "");
	fwc_strbuf_release(&name);
	fwc_strbuf_release(&fqdn);
}

static int
netsh_check(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	const void **bad = NULL;
	size_t n_bad = 0;
	unsigned int errors = 0;
	struct fwc_strbuf shown;
	size_t i;

	if (rs->kind != FWC_EP_HOST) {
		fwc_strbuf_init(&shown);
		fwc_emit_safe(&shown, rs->name, HEADER_FIELD);
		fwc_error(dg, &rs->loc,
		    "target 'netsh' cannot configure gateway '%s': netsh only "
		    "configures the firewall of the Windows host it runs on",
		    shown.buf);
		fwc_strbuf_release(&shown);
		return -1;
	}
	for (i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		char buf[8];

		if (r->iif != NULL || r->oif != NULL) {
			fwc_error(dg, &r->origin.loc,
			    "target 'netsh' cannot express interface "
			    "matches");
			errors++;
		}
		if ((r->dport.n > 0 || r->sport.n > 0) &&
		    r->proto != FWC_PROTO_TCP && r->proto != FWC_PROTO_UDP) {
			fwc_error(dg, &r->origin.loc,
			    "target 'netsh' cannot express ports of protocol "
			    "'%s' (only of tcp and udp)",
			    fwc_proto_name(r->proto, buf));
			errors++;
		}
		check_fqdns(r->src, r, &bad, &n_bad, dg);
		check_fqdns(r->dst, r, &bad, &n_bad, dg);
	}
	free(bad);
	return errors > 0 || n_bad > 0 ? -1 : 0;
}

/* Checks the parts of a rule that the IR contract fixes; a violation is
 * a compiler bug, not an input error. */
static void
assert_rule(const struct fwc_ruleset *rs, const struct fwc_ir_rule *r)
{
	const struct fwc_ir_set *sets[2] = { r->src, r->dst };
	size_t i;

	if (r->chain != FWC_CHAIN_INPUT && r->chain != FWC_CHAIN_OUTPUT)
		FWC_BUG("host rule in chain %d", (int)r->chain);
	if (!rs->has_chain[r->chain])
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

static void
pieces_push(struct pieces *p, char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		p->v = fwc_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = s;
}

static void
pieces_release(struct pieces *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
	p->cap = 0;
}

/* Adds one element to the piece being built in cur, first closing it
 * when the element would take it over max_chars or LIST_MAX elements. */
static void
pieces_add(struct pieces *p, struct fwc_strbuf *cur, size_t *count,
    const char *elem, size_t max_chars)
{
	if (*count > 0 &&
	    (*count == LIST_MAX || cur->len + 1 + strlen(elem) > max_chars)) {
		pieces_push(p, fwc_strbuf_detach(cur, NULL));
		*count = 0;
	}
	if (*count > 0)
		fwc_strbuf_addc(cur, ',');
	fwc_strbuf_adds(cur, elem);
	(*count)++;
}

static void
pieces_close(struct pieces *p, struct fwc_strbuf *cur, size_t count)
{
	if (count > 0)
		pieces_push(p, fwc_strbuf_detach(cur, NULL));
}

static bool
is_full_family(enum fwc_family f, const struct fwc_ivl *iv)
{
	uint64_t top_lo = f == FWC_FAM_IP4 ? 0xffffffffu : UINT64_MAX;
	uint64_t top_hi = f == FWC_FAM_IP4 ? 0 : UINT64_MAX;

	return iv->lo.hi == 0 && iv->lo.lo == 0 && iv->hi.hi == top_hi &&
	       iv->hi.lo == top_lo;
}

/* One address list element: "a", "a/len" or "a-b". The whole family is
 * written as a range, not as a /0 prefix. */
static void
add_ivl(struct fwc_strbuf *sb, enum fwc_family f, const struct fwc_ivl *iv)
{
	if (is_full_family(f, iv)) {
		fwc_addr_format(sb, f, iv->lo);
		fwc_strbuf_addc(sb, '-');
		fwc_addr_format(sb, f, iv->hi);
		return;
	}
	fwc_ivl_format(sb, f, iv);
}

/* The pieces of an address condition on set s, each at most max_chars
 * long. A NULL set is no condition, unless family_only: then it is the
 * whole family, so that a rule without addresses never matches the other
 * family too. */
static void
addr_pieces(const struct fwc_ir_set *s, enum fwc_family f, bool family_only,
    size_t max_chars, struct pieces *p)
{
	struct fwc_strbuf cur;
	struct fwc_strbuf elem;
	size_t count = 0;
	size_t i;

	if (s == NULL && !family_only) {
		pieces_push(p, NULL);
		return;
	}
	fwc_strbuf_init(&cur);
	fwc_strbuf_init(&elem);
	if (s == NULL) {
		struct fwc_ivl all = { { 0, 0 }, { 0, 0xffffffffu } };

		if (f == FWC_FAM_IP6)
			all.hi = (struct fwc_u128){ UINT64_MAX, UINT64_MAX };
		add_ivl(&elem, f, &all);
		pieces_add(p, &cur, &count, elem.buf, max_chars);
	} else {
		for (i = 0; i < s->n; i++) {
			fwc_strbuf_reset(&elem);
			add_ivl(&elem, f, &s->v[i]);
			pieces_add(p, &cur, &count, elem.buf, max_chars);
		}
	}
	pieces_close(p, &cur, count);
	fwc_strbuf_release(&cur);
	fwc_strbuf_release(&elem);
}

static size_t
longest(const struct pieces *p)
{
	size_t max = 0;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i] != NULL && strlen(p->v[i]) > max)
			max = strlen(p->v[i]);
	return max;
}

static void
port_pieces(const struct fwc_portset *ps, struct pieces *p)
{
	struct fwc_strbuf cur;
	char elem[16];
	size_t count = 0;
	size_t i;

	if (ps->n == 0) {
		pieces_push(p, NULL);
		return;
	}
	fwc_strbuf_init(&cur);
	for (i = 0; i < ps->n; i++) {
		const struct fwc_pivl *v = &ps->v[i];

		if (v->lo == v->hi)
			snprintf(elem, sizeof(elem), "%u", (unsigned int)v->lo);
		else
			snprintf(elem, sizeof(elem), "%u-%u",
			    (unsigned int)v->lo, (unsigned int)v->hi);
		pieces_add(p, &cur, &count, elem, PORT_CHARS);
	}
	pieces_close(p, &cur, count);
	fwc_strbuf_release(&cur);
}

/* The protocol= value, for ICMP type t or -1 for every type. */
static void
add_protocol(struct fwc_strbuf *sb, const struct fwc_ir_rule *r, int t)
{
	switch (r->proto) {
	case FWC_PROTO_TCP:
		fwc_strbuf_adds(sb, "tcp");
		break;
	case FWC_PROTO_UDP:
		fwc_strbuf_adds(sb, "udp");
		break;
	case FWC_PROTO_ICMP:
	case FWC_PROTO_ICMP6:
		fwc_strbuf_adds(
		    sb, r->proto == FWC_PROTO_ICMP ? "icmpv4" : "icmpv6");
		if (t >= 0)
			fwc_strbuf_addf(sb, ":%d,any", t);
		break;
	case FWC_PROTO_ANY:
		fwc_strbuf_adds(sb, "any");
		break;
	default:
		fwc_strbuf_addf(sb, "%d", r->proto);
		break;
	}
}

/* Appends s made safe; when it is longer than max bytes, "..." and its
 * last max bytes, since the end of a path names the file. */
static void
add_tail(struct fwc_strbuf *sb, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len > max) {
		fwc_strbuf_adds(sb, "...");
		s += len - max;
	}
	fwc_emit_safe(sb, s, max);
}

/* The description of a rule: "flow (file:line, note)". Unnamed flows are
 * called "file:line" already, so the place is not repeated. */
static void
add_description(struct fwc_strbuf *sb, const struct fwc_origin *o)
{
	const char *flow = o->flow;
	const char *note = o->note;
	struct fwc_strbuf place;
	bool named;

	fwc_strbuf_init(&place);
	if (o->loc.file != NULL)
		fwc_strbuf_addf(
		    &place, "%s:%u", o->loc.file, (unsigned int)o->loc.line);
	named = flow != NULL && flow[0] != '\0' && strcmp(flow, place.buf) != 0;
	if (named)
		fwc_emit_safe(sb, flow, FLOW_MAX);
	if (place.len > 0 || (note != NULL && note[0] != '\0')) {
		if (named)
			fwc_strbuf_adds(sb, " (");
		if (o->loc.file != NULL) {
			add_tail(sb, o->loc.file, FILE_MAX);
			fwc_strbuf_addf(sb, ":%u", (unsigned int)o->loc.line);
		}
		if (note != NULL && note[0] != '\0') {
			if (o->loc.file != NULL)
				fwc_strbuf_adds(sb, ", ");
			fwc_emit_safe(sb, note, NOTE_MAX);
		}
		if (named)
			fwc_strbuf_addc(sb, ')');
	} else if (!named) {
		fwc_strbuf_adds(sb, "policy rule");
	}
	fwc_strbuf_release(&place);
}

/* The value lists of one netsh rule; NULL members are left out. */
struct cond {
	int type; /* ICMP type, or -1 for every type */
	const char *lport;
	const char *rport;
	const char *lip;
	const char *rip;
};

static void
emit_add(struct netsh *x, const struct fwc_ir_rule *r, const struct cond *c)
{
	struct fwc_strbuf line;

	fwc_strbuf_init(&line);
	fwc_strbuf_addf(&line,
	    NETSH_FW " add rule name=\"" RULE_NAME
		     "\" dir=%s action=%s description=\"",
	    r->chain == FWC_CHAIN_INPUT ? "in" : "out",
	    r->action == FWC_ACT_ACCEPT ? "allow" : "block");
	add_description(&line, &r->origin);
	fwc_strbuf_adds(&line, "\" protocol=");
	add_protocol(&line, r, c->type);
	if (c->lport != NULL)
		fwc_strbuf_addf(&line, " localport=%s", c->lport);
	if (c->rport != NULL)
		fwc_strbuf_addf(&line, " remoteport=%s", c->rport);
	if (c->rip != NULL)
		fwc_strbuf_addf(&line, " remoteip=%s", c->rip);
	if (c->lip != NULL)
		fwc_strbuf_addf(&line, " localip=%s", c->lip);
	fwc_strbuf_adds(&line, " profile=any enable=yes");
	/* The limits above keep every line far below this. */
	if (line.len + 2 >= CMD_LINE_MAX)
		FWC_BUG("netsh line of %zu bytes", line.len);
	fwc_strbuf_addn(x->body, line.buf, line.len);
	fwc_strbuf_adds(x->body, "\nif errorlevel 1 set " FAIL_VAR "=1\n");
	fwc_strbuf_release(&line);
	x->n_added++;
}

/* One IR rule: the cross product of its pieces, one ICMP type each. */
static void
emit_rule(struct netsh *x, const struct fwc_ir_rule *r)
{
	bool in = r->chain == FWC_CHAIN_INPUT;
	const struct fwc_ir_set *remote = in ? r->src : r->dst;
	const struct fwc_ir_set *local = in ? r->dst : r->src;
	struct pieces rip = { 0 };
	struct pieces lip = { 0 };
	struct pieces lport = { 0 };
	struct pieces rport = { 0 };
	int types[256];
	size_t n_types = 0;
	struct cond c;
	size_t a, b, d, e, t;

	assert_rule(x->rs, r);
	if (r->log && r->action == FWC_ACT_ACCEPT)
		x->log_allowed = true;
	else if (r->log)
		x->log_dropped = true;
	/* The local addresses are the host's own, usually few: the remote
	 * ones get the room that they leave. */
	addr_pieces(local, r->family, false, ADDR_CHARS / 2, &lip);
	addr_pieces(remote, r->family, remote == NULL && local == NULL,
	    ADDR_CHARS - longest(&lip), &rip);
	port_pieces(in ? &r->dport : &r->sport, &lport);
	port_pieces(in ? &r->sport : &r->dport, &rport);
	if (r->has_types) {
		for (t = 0; t < 256; t++)
			if (fwc_rule_has_type(r, (unsigned int)t))
				types[n_types++] = (int)t;
	} else {
		types[n_types++] = -1;
	}
	for (a = 0; a < rip.n; a++)
		for (b = 0; b < lip.n; b++)
			for (d = 0; d < lport.n; d++)
				for (e = 0; e < rport.n; e++)
					for (t = 0; t < n_types; t++) {
						c.type = types[t];
						c.rip = rip.v[a];
						c.lip = lip.v[b];
						c.lport = lport.v[d];
						c.rport = rport.v[e];
						emit_add(x, r, &c);
					}
	pieces_release(&rip);
	pieces_release(&lip);
	pieces_release(&lport);
	pieces_release(&rport);
}

static void
emit_settings(struct netsh *x)
{
	const struct fwc_ruleset *rs = x->rs;
	bool block_in = rs->chain_default[FWC_CHAIN_INPUT] != FWC_ACT_ACCEPT;
	bool block_out = rs->has_chain[FWC_CHAIN_OUTPUT] &&
			 rs->chain_default[FWC_CHAIN_OUTPUT] != FWC_ACT_ACCEPT;
	const char *fail = "if errorlevel 1 set " FAIL_VAR "=1\n";

	fwc_strbuf_addf(x->body, NETSH_SET " firewallpolicy %s,%s\n%s",
	    block_in ? "blockinbound" : "allowinbound",
	    block_out ? "blockoutbound" : "allowoutbound", fail);
	fwc_strbuf_addf(x->body, NETSH_SET " logging droppedconnections %s\n%s",
	    x->log_dropped ? "enable" : "disable", fail);
	fwc_strbuf_addf(x->body, NETSH_SET " logging allowedconnections %s\n%s",
	    x->log_allowed ? "enable" : "disable", fail);
	fwc_strbuf_addf(x->body, NETSH_SET " state on\n%s", fail);
}

static void
emit_header(const struct netsh *x, struct fwc_strbuf *out)
{
	const struct fwc_ruleset *rs = x->rs;

	fwc_strbuf_adds(out,
	    "@echo off\n"
	    "setlocal DisableDelayedExpansion\n"
	    "rem Generated by fwc " FWC_VERSION " from policy ");
	fwc_emit_safe(out, rs->policy, HEADER_FIELD);
	fwc_strbuf_adds(out, " for host ");
	fwc_emit_safe(out, rs->name, HEADER_FIELD);
	fwc_strbuf_adds(out, ".\n");
	fwc_strbuf_addf(out,
	    "rem Do not edit: fwc rewrites this file from the policy.\n"
	    "rem Run it as Administrator. It deletes every Windows Firewall "
	    "rule named " RULE_NAME ",\n"
	    "rem adds the %zu rule%s below and sets the default actions, "
	    "logging and state\n"
	    "rem of all profiles: running it again gives the same firewall.\n"
	    "set " FAIL_VAR "=\n"
	    "fltmc >nul 2>&1\n"
	    "if errorlevel 1 echo fwc: error: run this script as "
	    "Administrator\n"
	    "if errorlevel 1 exit /b 2\n" NETSH_FW
	    " delete rule name=\"" RULE_NAME "\" >nul 2>&1\n",
	    x->n_added, x->n_added == 1 ? "" : "s");
}

static void
emit_footer(struct fwc_strbuf *out)
{
	fwc_strbuf_adds(out,
	    "if defined " FAIL_VAR " echo fwc: error: a netsh command "
	    "failed, the firewall is not as the policy says\n"
	    "if defined " FAIL_VAR " exit /b 1\n"
	    "exit /b 0\n");
}

static int
netsh_emit(
    const struct fwc_ruleset *rs, struct fwc_strbuf *out, struct fwc_diag *dg)
{
	struct fwc_strbuf body;
	struct netsh x = { .rs = rs, .body = &body };
	size_t i;

	/* Never write what the check would refuse, whether or not the
	 * caller ran it. */
	if (netsh_check(rs, dg) < 0)
		return -1;
	fwc_strbuf_init(&body);
	for (i = 0; i < rs->n_rules; i++)
		emit_rule(&x, &rs->rules[i]);
	emit_settings(&x);
	emit_header(&x, out);
	fwc_strbuf_addn_flush(out, body.buf, body.len);
	emit_footer(out);
	fwc_strbuf_release(&body);
	return 0;
}

const struct fwc_backend fwc_backend_netsh = {
	.abi = FWC_BACKEND_ABI,
	.name = "netsh",
	.summary = "Windows host firewall script of netsh advfirewall commands "
		   "(rules named fwc, replaced on each run)",
	.caps = FWC_CAP_IPV6 | FWC_CAP_LOG,
	.check = netsh_check,
	.emit = netsh_emit,
	.parse = fwc_netsh_parse,
};
