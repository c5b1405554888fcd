/* `fwc query POLICY --from X --to Y (--service S | --proto P --port N)`:
 * follows one connection through the enforcement points of a policy and
 * prints the verdict at each with the deciding flow. X and Y are names of
 * the policy (host, boundary, role, endpoint, gateway) or literal
 * addresses; the connection uses the first address of each (of the same
 * family), and the service's first protocol and port. The path: the source
 * host's firewall (output), every gateway where the source and the
 * destination lie behind different interfaces (forward), or whose own
 * address is the destination (input) or the source (output), then the
 * destination host's firewall (input). Exit 0 when every enforcement point
 * on the path accepts, 1 when one blocks (or the policy is rejected). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/cli.h"
#include "fwc/diag.h"
#include "fwc/eval.h"
#include "fwc/ir.h"
#include "fwc/policy.h"
#include "fwc/strbuf.h"
#include "region.h"

const struct fwc_command fwc_cmd_query;

/* The addresses a name or literal stands for, or NULL. */
static const struct fwc_addrset *
resolve(struct fwc_arena *a, const struct fwc_policy *p, const char *name)
{
	struct fwc_ivl iv;
	enum fwc_family fam;
	const char *why;

#define LOOK(vec, field)                                      \
	for (size_t i = 0; i < p->vec.n; i++)                 \
		if (strcmp(p->vec.v[i]->d.name, name) == 0 && \
		    p->vec.v[i]->field != NULL)               \
			return p->vec.v[i]->field;
	LOOK(hosts, addrs)
	LOOK(boundaries, addrs)
	LOOK(roles, addrs)
	LOOK(endpoints, addrs)
	LOOK(gateways, addrs)
	LOOK(bgroups, addrs)
#undef LOOK
	if (fwc_cidr_parse(name, &fam, &iv, &why) == 0 ||
	    fwc_range_parse(name, &fam, &iv, &why) == 0 ||
	    fwc_addr_parse(name, &fam, &iv.lo, &why) == 0) {
		if (fwc_addr_parse(name, &fam, &iv.lo, &why) == 0)
			iv.hi = iv.lo;
		return fam == FWC_FAM_IP4
			   ? fwc_addrset_from(a, &iv, 1, NULL, 0)
			   : fwc_addrset_from(a, NULL, 0, &iv, 1);
	}
	return NULL;
}

static bool
contains(const struct fwc_addrset *s, enum fwc_family f, struct fwc_u128 v)
{
	return s != NULL && fwc_addrset_contains(s, f, v);
}

/* The interface of gateway g behind which address v lies, or NULL. */
static const struct fwc_iface *
iface_of(const struct fwc_gateway *g, enum fwc_family f, struct fwc_u128 v)
{
	const struct fwc_iface *any = NULL;

	for (size_t i = 0; i < g->n_ifaces; i++) {
		if (g->ifaces[i].is_any)
			any = &g->ifaces[i];
		else if (contains(g->ifaces[i].addrs, f, v))
			return &g->ifaces[i];
	}
	return any;
}

struct hop {
	const struct fwc_ruleset *rs;
	enum fwc_chain chain;
	const char *iif;
	const char *oif;
};

static bool
show_hop(const struct hop *h, struct fwc_packet *p)
{
	struct fwc_strbuf sb;
	enum fwc_action v;
	long rule = -1;

	p->chain = h->chain;
	p->iif = h->iif;
	p->oif = h->oif;
	v = h->rs->has_chain[h->chain] ? fwc_eval_packet(h->rs, p, &rule)
				       : FWC_ACT_ACCEPT;
	fwc_strbuf_init(&sb);
	fwc_decider_format(&sb, rule >= 0 ? &h->rs->rules[rule] : NULL, v);
	printf("  %s %s %s", h->rs->kind == FWC_EP_GATEWAY ? "gateway" : "host",
	    h->rs->name, fwc_chain_names[h->chain]);
	if (h->iif != NULL)
		printf(" in %s", h->iif);
	if (h->oif != NULL)
		printf(" out %s", h->oif);
	printf(": %s (%s)\n", fwc_action_names[v], sb.buf);
	fwc_strbuf_release(&sb);
	return v == FWC_ACT_ACCEPT;
}

static int
run_query(const struct fwc_program *prog, const struct fwc_policy *pol,
    struct fwc_packet *p, const char *from, const char *to)
{
	struct hop hops[64];
	size_t n = 0;
	struct fwc_strbuf sb;
	bool ok = true;
	const char *blocked = NULL;

	/* The source's host firewall, the gateways, the destination's. */
	for (size_t i = 0; i < pol->hosts.n && n < 64; i++) {
		const struct fwc_host *h = pol->hosts.v[i];
		const struct fwc_ruleset *rs =
		    fwc_program_find(prog, h->d.name);

		if (rs != NULL && rs->kind == FWC_EP_HOST &&
		    contains(h->addrs, p->family, p->src))
			hops[n++] =
			    (struct hop){ rs, FWC_CHAIN_OUTPUT, NULL, NULL };
	}
	for (size_t i = 0; i < pol->gateways.n && n < 64; i++) {
		const struct fwc_gateway *g = pol->gateways.v[i];
		const struct fwc_ruleset *rs =
		    fwc_program_find(prog, g->d.name);
		const struct fwc_iface *in = iface_of(g, p->family, p->src);
		const struct fwc_iface *out = iface_of(g, p->family, p->dst);

		if (rs == NULL || rs->kind != FWC_EP_GATEWAY)
			continue;
		if (contains(g->addrs, p->family, p->dst))
			hops[n++] = (struct hop){ rs, FWC_CHAIN_INPUT,
				in ? in->name : NULL, NULL };
		else if (contains(g->addrs, p->family, p->src))
			hops[n++] = (struct hop){ rs, FWC_CHAIN_OUTPUT, NULL,
				out ? out->name : NULL };
		else if (in != NULL && out != NULL && in != out)
			hops[n++] = (struct hop){ rs, FWC_CHAIN_FORWARD,
				in->name, out->name };
	}
	for (size_t i = 0; i < pol->hosts.n && n < 64; i++) {
		const struct fwc_host *h = pol->hosts.v[i];
		const struct fwc_ruleset *rs =
		    fwc_program_find(prog, h->d.name);

		if (rs != NULL && rs->kind == FWC_EP_HOST &&
		    contains(h->addrs, p->family, p->dst))
			hops[n++] =
			    (struct hop){ rs, FWC_CHAIN_INPUT, NULL, NULL };
	}
	fwc_strbuf_init(&sb);
	p->iif = p->oif = NULL;
	fwc_packet_format(&sb, p);
	printf("query: %s -> %s: %s\n", from, to, sb.buf);
	fwc_strbuf_release(&sb);
	if (n == 0)
		printf("  no enforcement point of policy '%s' is on the path\n",
		    prog->policy);
	for (size_t i = 0; i < n; i++) {
		if (!show_hop(&hops[i], p) && ok) {
			ok = false;
			blocked = hops[i].rs->name;
		}
	}
	if (ok)
		printf("verdict: accepted%s\n",
		    n == 0 ? " (nothing filters it)" : "");
	else
		printf("verdict: blocked at %s\n", blocked);
	return ok ? FWC_EXIT_OK : FWC_EXIT_REJECTED;
}

/* First address of s, preferring family want (or any when -1). */
static bool
first_addr(const struct fwc_addrset *s, int want, enum fwc_family *f,
    struct fwc_u128 *v)
{
	for (int k = 0; k < FWC_FAM_NR; k++) {
		if (want >= 0 && k != want)
			continue;
		if (s->n[k] > 0) {
			*f = (enum fwc_family)k;
			*v = s->v[k][0].lo;
			return true;
		}
	}
	return false;
}

static int
run(int argc, char **argv)
{
	struct fwc_cli_policy_opts po;
	const char *policy = NULL;
	const char *from = NULL;
	const char *to = NULL;
	const char *service = NULL;
	const char *proto = NULL;
	const char *port = NULL;
	struct fwc_arena *a;
	struct fwc_program *prog = NULL;
	struct fwc_diag dg;
	const struct fwc_policy *pol;
	const struct fwc_addrset *sa;
	const struct fwc_addrset *da;
	struct fwc_packet p;
	enum fwc_family df;
	int rc;

	memset(&po, 0, sizeof(po));
	for (int i = 1; i < argc; i++) {
		int r = fwc_cli_policy_arg(&fwc_cmd_query, &po, argc, argv, &i);
		const char **slot = NULL;

		if (r < 0)
			return FWC_EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--from") == 0)
			slot = &from;
		else if (strcmp(argv[i], "--to") == 0)
			slot = &to;
		else if (strcmp(argv[i], "--service") == 0)
			slot = &service;
		else if (strcmp(argv[i], "--proto") == 0)
			slot = &proto;
		else if (strcmp(argv[i], "--port") == 0)
			slot = &port;
		if (slot != NULL) {
			if (i + 1 == argc)
				return fwc_cli_usage_error(&fwc_cmd_query,
				    "option '%s' needs a value", argv[i]);
			*slot = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return fwc_cli_usage_error(
			    &fwc_cmd_query, "unknown option '%s'", argv[i]);
		} else if (policy == NULL) {
			policy = argv[i];
		} else {
			return fwc_cli_usage_error(&fwc_cmd_query,
			    "unexpected argument '%s'", argv[i]);
		}
	}
	if (policy == NULL || from == NULL || to == NULL ||
	    (service == NULL) == (proto == NULL))
		return fwc_cli_usage_error(&fwc_cmd_query,
		    "query needs a policy, --from, --to and either --service or --proto");
	memset(&p, 0, sizeof(p));
	p.icmp_type = -1;
	if (proto != NULL) {
		struct fwc_pivl pv;
		const char *why;

		p.proto = fwc_proto_parse(proto);
		if (p.proto < 0)
			return fwc_cli_usage_error(
			    &fwc_cmd_query, "unknown protocol '%s'", proto);
		if (port != NULL) {
			if (fwc_port_parse(port, false, &pv, &why) < 0)
				return fwc_cli_usage_error(&fwc_cmd_query,
				    "bad port '%s': %s", port, why);
			p.dport = pv.lo;
		}
	}
	a = fwc_arena_new();
	rc = fwc_cli_compile(policy, &po, a, &dg, &prog);
	if (rc != 0) {
		fwc_arena_release(a);
		return rc;
	}
	pol = prog->source;
	sa = resolve(a, pol, from);
	da = resolve(a, pol, to);
	if (sa == NULL || da == NULL) {
		fprintf(stderr,
		    "fwc: error: '%s' is neither a name with "
		    "addresses in policy '%s' nor an address\n",
		    sa == NULL ? from : to, prog->policy);
		fwc_arena_release(a);
		return FWC_EXIT_REJECTED;
	}
	if (service != NULL) {
		const struct fwc_service *svc = NULL;

		for (size_t i = 0; i < pol->services.n; i++)
			if (strcmp(pol->services.v[i]->d.name, service) == 0)
				svc = pol->services.v[i];
		if (svc == NULL || svc->n_m == 0) {
			fprintf(stderr,
			    "fwc: error: no service '%s' in policy '%s'\n",
			    service, prog->policy);
			fwc_arena_release(a);
			return FWC_EXIT_REJECTED;
		}
		p.proto = svc->m[0].proto < 0 ? FWC_PROTO_TCP : svc->m[0].proto;
		if (svc->m[0].dport.n > 0)
			p.dport = svc->m[0].dport.v[0].lo;
	}
	if (!first_addr(sa, -1, &p.family, &p.src) ||
	    !first_addr(da, (int)p.family, &df, &p.dst)) {
		fprintf(stderr,
		    "fwc: error: '%s' and '%s' have no addresses "
		    "of one family\n",
		    from, to);
		fwc_arena_release(a);
		return FWC_EXIT_REJECTED;
	}
	if (p.proto == FWC_PROTO_TCP || p.proto == FWC_PROTO_UDP)
		p.sport = 1024;
	if (p.proto == FWC_PROTO_ICMP6 && p.family == FWC_FAM_IP4)
		p.proto = FWC_PROTO_ICMP;
	if ((p.proto == FWC_PROTO_ICMP && p.family == FWC_FAM_IP4) ||
	    (p.proto == FWC_PROTO_ICMP6 && p.family == FWC_FAM_IP6))
		p.icmp_type = p.family == FWC_FAM_IP4 ? 8 : 128;
	rc = run_query(prog, pol, &p, from, to);
	fflush(stdout);
	fwc_arena_release(a);
	return rc;
}

const struct fwc_command fwc_cmd_query = { "query",
	"       fwc query   POLICY --from X --to Y (--service S | --proto P [--port N])\n",
	"  query POLICY ...                the path of one connection through the\n"
	"                                  enforcement points and the verdict and\n"
	"                                  deciding flow at each\n",
	run };
