/* Unit tests of the pf backend (backends/pf.c): rulesets built by hand,
 * exact output text, the located errors of the check, and every output
 * run through our pf grammar checker, tests/tools/pfcheck.py (skipped
 * with a note when python3 or the checker is missing: pfctl itself does
 * not run here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

extern const struct fwc_backend fwc_backend_pf;

#define MAX_SETS   32
#define MAX_RULES  40
#define MAX_IFACES 8
#define PFCHECK	   "tests/tools/pfcheck.py"

struct fx {
	struct fwc_arena *a;
	struct fwc_diag dg;
	FILE *diag;
	struct fwc_ruleset *rs;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct fwc_ruleset *rs;

	assert_non_null(fx);
	fx->a = fwc_arena_new();
	fx->diag = tmpfile();
	assert_non_null(fx->diag);
	fwc_diag_init(&fx->dg, fx->diag);
	rs = fwc_arena_alloc(fx->a, sizeof(*rs));
	rs->name = "gw1";
	rs->kind = FWC_EP_GATEWAY;
	rs->os = "bsd";
	rs->target = "pf";
	rs->policy = "site";
	rs->loc = (struct fwc_loc){ "site.xml", 10, 3 };
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_ACCEPT;
	rs->has_chain[FWC_CHAIN_INPUT] = true;
	rs->has_chain[FWC_CHAIN_FORWARD] = true;
	rs->has_chain[FWC_CHAIN_OUTPUT] = true;
	rs->sets = fwc_arena_alloc(fx->a, MAX_SETS * sizeof(*rs->sets));
	rs->rules = fwc_arena_alloc(fx->a, MAX_RULES * sizeof(*rs->rules));
	rs->ifaces = fwc_arena_alloc(fx->a, MAX_IFACES * sizeof(*rs->ifaces));
	fx->rs = rs;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fclose(fx->diag);
	fwc_arena_release(fx->a);
	free(fx);
	return 0;
}

/* Makes the ruleset a host's: no forward chain, no interfaces. */
static void
make_host(struct fx *fx, const char *name)
{
	fx->rs->kind = FWC_EP_HOST;
	fx->rs->name = name;
	fx->rs->has_chain[FWC_CHAIN_FORWARD] = false;
}

/* Everything written to the diagnostic sink so far. */
static char *
diag_text(struct fx *fx)
{
	long n;
	char *s;

	fflush(fx->diag);
	n = ftell(fx->diag);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(fx->diag);
	assert_int_equal(fread(s, 1, (size_t)n, fx->diag), (size_t)n);
	return s;
}

/* Asserts that the diagnostics so far are exactly expect. */
static void
assert_diag(struct fx *fx, const char *expect)
{
	char *got = diag_text(fx);

	if (strcmp(got, expect) != 0)
		fprintf(stderr, "--- got:\n%s--- end\n", got);
	assert_string_equal(got, expect);
	free(got);
}

static void
add_iface(struct fx *fx, const char *name, const char *boundaries)
{
	struct fwc_ir_iface *i;

	assert_true(fx->rs->n_ifaces < MAX_IFACES);
	i = &fx->rs->ifaces[fx->rs->n_ifaces++];
	i->name = name;
	i->boundaries = boundaries;
	i->is_any = strcmp(boundaries, "any") == 0;
	i->loc = (struct fwc_loc){ "site.xml",
		(uint32_t)(11 + fx->rs->n_ifaces), 5 };
}

/* Adds a set of family fam made from the addresses, CIDRs and ranges in
 * the NULL-terminated list; its comment is its name. */
static struct fwc_ir_set *
add_set(struct fx *fx, const char *name, enum fwc_family fam, ...)
{
	struct fwc_ir_set *s = fwc_arena_alloc(fx->a, sizeof(*s));
	struct fwc_ivl v[16];
	struct fwc_addrset *as;
	const char *e;
	size_t n = 0;
	va_list ap;

	va_start(ap, fam);
	while ((e = va_arg(ap, const char *)) != NULL) {
		enum fwc_family f;
		const char *why = NULL;
		int rc;

		assert_true(n < 16);
		if (strchr(e, '-') != NULL) {
			rc = fwc_range_parse(e, &f, &v[n], &why);
		} else if (strchr(e, '/') != NULL) {
			rc = fwc_cidr_parse(e, &f, &v[n], &why);
		} else {
			rc = fwc_addr_parse(e, &f, &v[n].lo, &why);
			v[n].hi = v[n].lo;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(f, fam);
		n++;
	}
	va_end(ap);
	as = fam == FWC_FAM_IP4 ? fwc_addrset_from(fx->a, v, n, NULL, 0)
				: fwc_addrset_from(fx->a, NULL, 0, v, n);
	s->name = name;
	s->comment = name;
	s->family = fam;
	s->v = as->v[fam];
	s->n = as->n[fam];
	s->id = (unsigned int)fx->rs->n_sets;
	assert_true(fx->rs->n_sets < MAX_SETS);
	fx->rs->sets[fx->rs->n_sets++] = s;
	return s;
}

/* Adds an accept rule of family fam in chain c from the flow called
 * flow, matching everything. */
static struct fwc_ir_rule *
add_rule(struct fx *fx, enum fwc_chain c, enum fwc_family fam, const char *flow)
{
	struct fwc_ir_rule *r;

	assert_true(fx->rs->n_rules < MAX_RULES);
	r = &fx->rs->rules[fx->rs->n_rules++];
	r->action = FWC_ACT_ACCEPT;
	r->chain = c;
	r->family = fam;
	r->proto = FWC_PROTO_ANY;
	r->origin.flow = flow;
	r->origin.loc =
	    (struct fwc_loc){ "site.xml", (uint32_t)(20 + fx->rs->n_rules), 5 };
	r->origin.from = "a";
	r->origin.to = "b";
	r->origin.service = "any";
	return r;
}

/* Adds a forward rule from iif to oif. */
static struct fwc_ir_rule *
add_fwd(struct fx *fx, enum fwc_family fam, const char *flow, const char *iif,
    const char *oif)
{
	struct fwc_ir_rule *r = add_rule(fx, FWC_CHAIN_FORWARD, fam, flow);

	r->iif = iif;
	r->oif = oif;
	return r;
}

/* A port set from "80,443,8000-8080". */
static struct fwc_portset
ports(struct fx *fx, const char *list)
{
	struct fwc_pivl v[64];
	size_t n = 0;
	char buf[128];
	char *save = NULL;
	char *tok;

	assert_true(strlen(list) < sizeof(buf));
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *why = NULL;

		assert_true(n < 64);
		assert_int_equal(fwc_port_parse(tok, false, &v[n], &why), 0);
		n++;
	}
	return *fwc_portset_from(fx->a, v, n);
}

static void
set_type(struct fwc_ir_rule *r, unsigned int t)
{
	r->has_types = true;
	r->types[t / 8] |= (uint8_t)(1u << (t % 8));
}

static bool
have_pfcheck(void)
{
	static int known = -1;

	if (known < 0) {
		known = access(PFCHECK, R_OK) == 0 &&
			system("command -v python3 >/dev/null 2>&1") == 0;
		if (!known)
			printf("note: python3 or " PFCHECK " missing: "
			       "skipping the pf grammar checks\n");
	}
	return known;
}

/* Writes text to a new temporary file; returns its name (free it). */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/fwc-test-pf-XXXXXX");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Asserts that our pf grammar checker accepts text. */
static void
pfcheck_accepts(const char *text)
{
	char cmd[512];
	char *path;
	int rc;

	if (!have_pfcheck())
		return;
	path = write_temp(text);
	snprintf(cmd, sizeof(cmd), "python3 " PFCHECK " %s >&2", path);
	rc = system(cmd);
	unlink(path);
	free(path);
	if (rc != 0) {
		fprintf(stderr, PFCHECK " rejected:\n%s", text);
		fail();
	}
}

static char *
emit(struct fx *fx)
{
	const struct fwc_backend *be = fwc_backend_find("pf");
	struct fwc_strbuf sb;
	struct fwc_strbuf again;
	char *text;

	assert_non_null(be);
	fwc_strbuf_init(&sb);
	fwc_strbuf_init(&again);
	assert_int_equal(be->check(fx->rs, &fx->dg), 0);
	assert_int_equal(be->emit(fx->rs, &sb, &fx->dg), 0);
	assert_int_equal(be->emit(fx->rs, &again, &fx->dg), 0);
	assert_string_equal(sb.buf, again.buf);
	assert_true(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	assert_null(strchr(sb.buf, '\r'));
	assert_int_equal(fx->dg.errors, 0);
	fwc_strbuf_release(&again);
	pfcheck_accepts(sb.buf);
	text = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return text;
}

static void
assert_output(struct fx *fx, const char *expect)
{
	char *got = emit(fx);

	if (strcmp(got, expect) != 0)
		fprintf(stderr, "--- got:\n%s--- end\n", got);
	assert_string_equal(got, expect);
	free(got);
}

/* Same, for an expected text given in parts (ISO C caps the length of
 * one string literal), the last one NULL. */
static void
assert_output_parts(struct fx *fx, const char *const *parts)
{
	struct fwc_strbuf expect;
	size_t i;

	fwc_strbuf_init(&expect);
	for (i = 0; parts[i] != NULL; i++)
		fwc_strbuf_adds(&expect, parts[i]);
	assert_output(fx, expect.buf);
	fwc_strbuf_release(&expect);
}

#define HEADER(kind, name)                                              \
	"# Generated by fwc " FWC_VERSION " from policy site for " kind \
	" " name ".\n"                                                  \
	"# Do not edit: fwc rewrites this file from the policy.\n"      \
	"# Check it with pfctl -nf FILE; load it with pfctl -f FILE,\n" \
	"# which replaces the whole main ruleset.\n"                    \
	"\n"                                                            \
	"set state-policy floating\n"                                   \
	"set skip on lo\n"

#define QUICK_NOTE                                                       \
	"\n"                                                             \
	"# Every rule below the defaults is quick: the first rule that " \
	"matches\n"                                                      \
	"# decides. Replies pass on the state of their connection.\n"

#define ND_PASS                                                         \
	"pass quick inet6 proto ipv6-icmp all icmp6-type { routersol, " \
	"routeradv, neighbrsol, neighbradv } no state\n"

#define PASS_OUT                               \
	"pass out quick inet all keep state\n" \
	"pass out quick inet6 all keep state\n"

static void
test_pf_minimal_host(void **state)
{
	struct fx *fx = *state;

	make_host(fx, "web01");
	assert_output(fx,
	    HEADER("host", "web01") QUICK_NOTE "block drop all\n" ND_PASS "\n"
					       "# output: from this machine "
					       "(not filtered but for "
					       "denies)\n" PASS_OUT);
}

static void
test_pf_gateway(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *gw4 =
	    add_set(fx, "gw1", FWC_FAM_IP4, "10.0.0.1", NULL);
	struct fwc_ir_set *lan4 = add_set(fx, "hq-lan", FWC_FAM_IP4,
	    "10.1.0.0/16", "10.2.0.10-10.2.0.20", "10.9.9.9", NULL);
	struct fwc_ir_set *lan6 =
	    add_set(fx, "hq-lan", FWC_FAM_IP6, "2001:db8:1::/48", NULL);
	struct fwc_ir_set *mp4 = add_set(fx, "management-point", FWC_FAM_IP4,
	    "10.0.0.12", "10.0.0.13", NULL);
	struct fwc_ir_set *mp6 =
	    add_set(fx, "management-point", FWC_FAM_IP6, "2001:db8::12", NULL);
	struct fwc_ir_set *guest =
	    add_set(fx, "guest", FWC_FAM_IP4, "192.168.50.0/24", NULL);
	struct fwc_ir_rule *r;
	static const char *const expect[] = {
		HEADER("gateway",
		    "gw1") "\n"
			   "em0_if = \"em0\"\n"
			   "em1_if = \"em1\"\n"
			   "em2_if = \"em2\"\n"
			   "\n"
			   "# the addresses of this machine when the file is "
			   "loaded\n"
			   "table <fwc_self> const { self }\n"
			   "\n"
			   "# gw1\n"
			   "table <gw1_v4> const { 10.0.0.1 }\n"
			   "\n"
			   "# hq-lan\n"
			   "table <hq_lan_v4> const { \\\n"
			   "\t10.1.0.0/16, \\\n"
			   "\t10.2.0.10/31, \\\n"
			   "\t10.2.0.12/30, \\\n"
			   "\t10.2.0.16/30, \\\n"
			   "\t10.2.0.20, \\\n"
			   "\t10.9.9.9 \\\n"
			   "}\n"
			   "\n"
			   "# hq-lan\n"
			   "table <hq_lan_v6> const { 2001:db8:1::/48 }\n"
			   "\n"
			   "# management-point\n"
			   "table <management_point_v4> const { 10.0.0.12/31 "
			   "}\n"
			   "\n"
			   "# management-point\n"
			   "table <management_point_v6> const { 2001:db8::12 "
			   "}\n"
			   "\n"
			   "# guest\n"
			   "table <guest_v4> const { "
			   "192.168.50.0/24 }\n" QUICK_NOTE
			   "block return all\n" ND_PASS,
		"\n"
		"# input: to this machine\n"
		"pass in log quick on $em1_if inet proto tcp from "
		"<management_point_v4> to <gw1_v4> port 22 flags S/SA keep "
		"state label \"admin-ssh\"\n"
		"pass in quick on $em1_if inet6 from <management_point_v6> to "
		"<fwc_self> keep state label \"admin-any\"\n"
		"\n"
		"# forward, inbound leg: pass what a forward rule may match "
		"and tag\n"
		"# the interface it came in on; the outbound leg decides\n"
		"pass in quick on $em2_if inet from <guest_v4> to "
		"<hq_lan_v4> keep state tag fwd_em2 label \"guest-block\"\n"
		"pass in quick on $em0_if inet proto tcp from any to "
		"<management_point_v4> port 22 flags S/SA keep state tag "
		"fwd_em0 label \"no-ssh\"\n"
		"pass in quick on $em2_if inet6 proto 47 from any to ! "
		"<fwc_self> keep state tag fwd_em2 label \"no-gre\"\n"
		"pass in quick on $em0_if inet proto tcp from <hq_lan_v4> to "
		"<management_point_v4> port { 80, 443, 10123 } flags S/SA keep "
		"state tag fwd_em0 label \"client-to-mp\"\n"
		"pass in quick on $em0_if inet6 proto tcp from <hq_lan_v6> to "
		"<management_point_v6> port { 80, 443, 10123 } flags S/SA keep "
		"state tag fwd_em0 label \"client-to-mp\"\n"
		"pass in quick on $em0_if inet proto tcp from any to "
		"<management_point_v4> port 49152:65535 flags S/SA keep state "
		"tag fwd_em0 label \"rpc\"\n"
		"pass in quick on $em0_if inet proto udp from <hq_lan_v4> port "
		"68 to ! <fwc_self> port 67 keep state tag fwd_em0 label "
		"\"dhcp\"\n"
		"pass in quick on $em0_if inet proto udp from <hq_lan_v4> port "
		"{ 53, 1024:65535 } to ! <fwc_self> port { 80, 443, 10123 } "
		"keep state tag fwd_em0 label \"multi-udp\"\n"
		"pass in quick on $em0_if inet proto icmp from <hq_lan_v4> to "
		"! <fwc_self> icmp-type echoreq keep state tag fwd_em0 label "
		"\"ping\"\n"
		"pass in log quick on $em0_if inet proto icmp from any to ! "
		"<fwc_self> icmp-type { echorep, unreach, timex, 200 } keep "
		"state tag fwd_em0 label \"icmp-diag\"\n"
		"pass in quick on $em0_if inet6 proto ipv6-icmp from any to "
		"<management_point_v6> icmp6-type { echoreq, echorep } keep "
		"state tag fwd_em0 label \"ping6\"\n"
		"pass in quick on $em0_if inet6 proto ipv6-icmp from any to ! "
		"<fwc_self> keep state tag fwd_em0 label \"icmp6-any\"\n"
		"pass in quick on $em1_if inet6 proto udp from any to "
		"<hq_lan_v6> keep state tag fwd_em1 label \"udp-any\"\n"
		"pass in quick on $em1_if inet proto 132 from any to ! "
		"<fwc_self> keep state tag fwd_em1 label \"sctp-any\"\n",
		"\n"
		"# forward, outbound leg: the forward rules, denies first, "
		"then the\n"
		"# forward default\n"
		"block return out log quick on $em0_if inet from <guest_v4> "
		"to <hq_lan_v4> tagged fwd_em2 label \"guest-block\"\n"
		"block return out quick on $em1_if inet proto tcp from any to "
		"<management_point_v4> port 22 tagged fwd_em0 label "
		"\"no-ssh\"\n"
		"block drop out quick on $em1_if inet6 proto 47 all tagged "
		"fwd_em2 label \"no-gre\"\n"
		"pass out quick on $em1_if inet proto tcp from <hq_lan_v4> to "
		"<management_point_v4> port { 80, 443, 10123 } tagged fwd_em0 "
		"flags S/SA keep state label \"client-to-mp\"\n"
		"pass out quick on $em1_if inet6 proto tcp from <hq_lan_v6> to "
		"<management_point_v6> port { 80, 443, 10123 } tagged fwd_em0 "
		"flags S/SA keep state label \"client-to-mp\"\n"
		"pass out quick on $em1_if inet proto tcp from any to "
		"<management_point_v4> port 49152:65535 tagged fwd_em0 flags "
		"S/SA keep state label \"rpc\"\n"
		"pass out quick on $em1_if inet proto udp from <hq_lan_v4> "
		"port 68 to any port 67 tagged fwd_em0 keep state label "
		"\"dhcp\"\n"
		"pass out quick on $em2_if inet proto udp from <hq_lan_v4> "
		"port { 53, 1024:65535 } to any port { 80, 443, 10123 } tagged "
		"fwd_em0 keep state label \"multi-udp\"\n"
		"pass out quick on $em2_if inet proto icmp from <hq_lan_v4> to "
		"any icmp-type echoreq tagged fwd_em0 keep state label "
		"\"ping\"\n"
		"pass out quick on $em2_if inet proto icmp all icmp-type { "
		"echorep, unreach, timex, 200 } tagged fwd_em0 keep state "
		"label \"icmp-diag\"\n"
		"pass out quick on $em1_if inet6 proto ipv6-icmp from any to "
		"<management_point_v6> icmp6-type { echoreq, echorep } tagged "
		"fwd_em0 keep state label \"ping6\"\n"
		"pass out quick on $em2_if inet6 proto ipv6-icmp all tagged "
		"fwd_em0 keep state label \"icmp6-any\"\n"
		"pass out quick on $em0_if inet6 proto udp from any to "
		"<hq_lan_v6> tagged fwd_em1 keep state label \"udp-any\"\n"
		"pass out quick on $em2_if inet proto 132 all tagged fwd_em1 "
		"keep state label \"sctp-any\"\n"
		"block return out quick inet all tagged fwd_em0\n"
		"block return out quick inet6 all tagged fwd_em0\n"
		"block return out quick inet all tagged fwd_em1\n"
		"block return out quick inet6 all tagged fwd_em1\n"
		"block return out quick inet all tagged fwd_em2\n"
		"block return out quick inet6 all tagged fwd_em2\n"
		"\n"
		"# output: from this machine (not filtered but for "
		"denies)\n"
		"block drop out quick on $em2_if inet proto tcp from any to "
		"any port 23 label \"no-telnet-out\"\n" PASS_OUT,
		NULL,
	};

	add_iface(fx, "em0", "hq-lan");
	add_iface(fx, "em1", "servers");
	add_iface(fx, "em2", "any");
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_REJECT;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_REJECT;

	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "admin-ssh");
	r->iif = "em1";
	r->src = mp4;
	r->dst = gw4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "admin-any");
	r->iif = "em1";
	r->src = mp6;
	/* Denies first, as the IR orders them. */
	r = add_fwd(fx, FWC_FAM_IP4, "guest-block", "em2", "em0");
	r->action = FWC_ACT_REJECT;
	r->src = guest;
	r->dst = lan4;
	r->log = true;
	r = add_fwd(fx, FWC_FAM_IP4, "no-ssh", "em0", "em1");
	r->action = FWC_ACT_REJECT;
	r->dst = mp4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	r = add_fwd(fx, FWC_FAM_IP6, "no-gre", "em2", "em1");
	r->action = FWC_ACT_DROP;
	r->proto = 47;
	r = add_fwd(fx, FWC_FAM_IP4, "client-to-mp", "em0", "em1");
	r->src = lan4;
	r->dst = mp4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443,10123");
	r = add_fwd(fx, FWC_FAM_IP6, "client-to-mp", "em0", "em1");
	r->src = lan6;
	r->dst = mp6;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443,10123");
	r = add_fwd(fx, FWC_FAM_IP4, "rpc", "em0", "em1");
	r->dst = mp4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "49152-65535");
	r = add_fwd(fx, FWC_FAM_IP4, "dhcp", "em0", "em1");
	r->src = lan4;
	r->proto = FWC_PROTO_UDP;
	r->sport = ports(fx, "68");
	r->dport = ports(fx, "67");
	r = add_fwd(fx, FWC_FAM_IP4, "multi-udp", "em0", "em2");
	r->src = lan4;
	r->proto = FWC_PROTO_UDP;
	r->sport = ports(fx, "1024-65535,53");
	r->dport = ports(fx, "80,443,10123");
	r = add_fwd(fx, FWC_FAM_IP4, "ping", "em0", "em2");
	r->src = lan4;
	r->proto = FWC_PROTO_ICMP;
	set_type(r, 8);
	r = add_fwd(fx, FWC_FAM_IP4, "icmp-diag", "em0", "em2");
	r->proto = FWC_PROTO_ICMP;
	set_type(r, 0);
	set_type(r, 3);
	set_type(r, 11);
	set_type(r, 200);
	r->log = true;
	r = add_fwd(fx, FWC_FAM_IP6, "ping6", "em0", "em1");
	r->dst = mp6;
	r->proto = FWC_PROTO_ICMP6;
	set_type(r, 128);
	set_type(r, 129);
	r = add_fwd(fx, FWC_FAM_IP6, "icmp6-any", "em0", "em2");
	r->proto = FWC_PROTO_ICMP6;
	r = add_fwd(fx, FWC_FAM_IP6, "udp-any", "em1", "em0");
	r->dst = lan6;
	r->proto = FWC_PROTO_UDP;
	r = add_fwd(fx, FWC_FAM_IP4, "sctp-any", "em1", "em2");
	r->proto = 132;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "no-telnet-out");
	r->action = FWC_ACT_DROP;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "23");
	r->oif = "em2";

	assert_output_parts(fx, expect);
}

static void
test_pf_host_reject(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *h6 =
	    add_set(fx, "h1", FWC_FAM_IP6, "2001:db8::10", NULL);
	struct fwc_ir_set *dns =
	    add_set(fx, "dns", FWC_FAM_IP6, "2001:db8::53", NULL);
	struct fwc_ir_rule *r;

	make_host(fx, "h1");
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_REJECT;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_REJECT;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "ssh");
	r->dst = h6;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "dns");
	r->src = h6;
	r->dst = dns;
	r->proto = FWC_PROTO_UDP;
	r->dport = ports(fx, "53");
	assert_output(fx,
	    HEADER("host",
		"h1") "\n"
		      "# h1\n"
		      "table <h1_v6> const { 2001:db8::10 }\n"
		      "\n"
		      "# dns\n"
		      "table <dns_v6> const { 2001:db8::53 }\n" QUICK_NOTE
		      "block return all\n" ND_PASS "\n"
		      "# input: to this machine\n"
		      "pass in quick inet6 proto tcp from any to <h1_v6> port "
		      "22 flags S/SA keep state label \"ssh\"\n"
		      "\n"
		      "# output: from this machine\n"
		      "pass out quick inet6 proto udp from <h1_v6> to <dns_v6> "
		      "port 53 keep state label \"dns\"\n");
}

static void
test_pf_split_defaults(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;

	make_host(fx, "h2");
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_REJECT;
	assert_output(fx,
	    HEADER("host", "h2") QUICK_NOTE "block drop in all\n"
					    "block return out all\n" ND_PASS);
}

static void
test_pf_unfiltered_input(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;

	make_host(fx, "h3");
	fx->rs->has_chain[FWC_CHAIN_INPUT] = false;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "no-smtp");
	r->action = FWC_ACT_REJECT;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "25");
	assert_output(fx, HEADER("host", "h3") QUICK_NOTE
	    "block drop all\n" ND_PASS "\n"
	    "# input: not filtered\n"
	    "pass in quick inet all keep state\n"
	    "pass in quick inet6 all keep state\n"
	    "\n"
	    "# output: from this machine (not filtered but for denies)\n"
	    "block return out quick inet proto tcp from any to any port 25 "
	    "label \"no-smtp\"\n" PASS_OUT);
}

static void
test_pf_fqdn_tables(void **state)
{
	struct fx *fx = *state;
	static const char *const partner[] = { "api.partner.example" };
	static const char *const vendor[] = { "licence.vendor.example",
		"updates.vendor.example" };
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;

	make_host(fx, "app01");
	s = add_set(fx, "partner", FWC_FAM_IP4, "203.0.113.0/24", NULL);
	s->fqdns = partner;
	s->n_fqdns = 1;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "to-partner");
	r->action = FWC_ACT_DROP;
	r->dst = s;
	s = add_set(fx, "vendor", FWC_FAM_IP6, NULL);
	s->fqdns = vendor;
	s->n_fqdns = 2;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "to-vendor");
	r->action = FWC_ACT_DROP;
	r->dst = s;
	s = add_set(fx, "nothing", FWC_FAM_IP4, NULL);
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "from-nothing");
	r->src = s;
	add_set(fx, "unused", FWC_FAM_IP4, "10.0.0.1", NULL);
	assert_output(fx,
	    HEADER("host",
		"app01") "\n"
			 "# partner\n"
			 "table <partner_v4> persist { 203.0.113.0/24, "
			 "api.partner.example }\n"
			 "\n"
			 "# vendor\n"
			 "table <vendor_v6> persist { licence.vendor.example, "
			 "updates.vendor.example }\n"
			 "\n"
			 "# nothing\n"
			 "table <nothing_v4> const\n" QUICK_NOTE
			 "block drop all\n" ND_PASS "\n"
			 "# input: to this machine\n"
			 "pass in quick inet from <nothing_v4> to any keep "
			 "state label \"from-nothing\"\n"
			 "\n"
			 "# output: from this machine (not filtered but for "
			 "denies)\n"
			 "block drop out quick inet from any to <partner_v4> "
			 "label \"to-partner\"\n"
			 "block drop out quick inet6 from any to <vendor_v6> "
			 "label \"to-vendor\"\n" PASS_OUT);
}

static void
test_pf_hostile_text(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;

	make_host(fx, "h\npass all");
	rs->policy = "p\"; pass all #\\";
	s = add_set(fx, "x\"y", FWC_FAM_IP4, "10.0.0.1", NULL);
	s->comment = "c\" } pass all \\\n\x01 \xc3\xa9";
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "a\" pass all #");
	r->src = s;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "$(reboot)`id`");
	r->action = FWC_ACT_DROP;
	r = add_rule(
	    fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "line1\npass all\r\nx\\");
	r->action = FWC_ACT_REJECT;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "");
	r->src = NULL;
	assert_output(fx,
	    "# Generated by fwc " FWC_VERSION " from policy p__ pass all __ "
	    "for host h_pass all.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Check it with pfctl -nf FILE; load it with pfctl -f FILE,\n"
	    "# which replaces the whole main ruleset.\n"
	    "\n"
	    "set state-policy floating\n"
	    "set skip on lo\n"
	    "\n"
	    "# c_ _ pass all ___ __\n"
	    "table <x_y_v4> const { 10.0.0.1 }\n" QUICK_NOTE
	    "block drop all\n" ND_PASS "\n"
	    "# input: to this machine\n"
	    "pass in log quick inet from <x_y_v4> to any keep state label \"a_ "
	    "pass all _\"\n"
	    "block drop in quick inet all label \"__reboot__id_\"\n"
	    "block return in quick inet all label \"line1_pass all__x_\"\n"
	    "pass in quick inet6 all keep state\n"
	    "\n"
	    "# output: from this machine (not filtered but for "
	    "denies)\n" PASS_OUT);
}

static void
test_pf_long_label_truncated(void **state)
{
	struct fx *fx = *state;
	char flow[301];
	char *out;
	const char *p;
	const char *q;

	memset(flow, 'f', 300);
	flow[300] = '\0';
	make_host(fx, "h");
	add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, flow);
	out = emit(fx);
	p = strstr(out, "label \"");
	assert_non_null(p);
	p += strlen("label \"");
	q = strchr(p, '"');
	assert_int_equal(q - p, 63);
	free(out);
}

static void
test_pf_names_unique(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;
	char longname[201];
	char *out;
	size_t i;

	memset(longname, 'n', 200);
	longname[200] = '\0';
	add_iface(fx, "eth.0", "a");
	add_iface(fx, "eth_0", "b");
	add_iface(fx, "0ge", "any");
	add_set(fx, "hq-lan", FWC_FAM_IP4, "10.0.0.1", NULL);
	add_set(fx, "hq_lan", FWC_FAM_IP4, "10.0.0.2", NULL);
	add_set(fx, "hq.lan", FWC_FAM_IP4, "10.0.0.3", NULL);
	add_set(fx, "1st", FWC_FAM_IP4, "10.0.0.4", NULL);
	add_set(fx, longname, FWC_FAM_IP4, "10.0.0.6", NULL);
	add_set(fx, longname, FWC_FAM_IP6, "::2", NULL);
	add_set(fx, "all", FWC_FAM_IP4, "0.0.0.0/0", NULL);
	add_set(fx, "all", FWC_FAM_IP6, "::/0", NULL);
	for (i = 0; i < fx->rs->n_sets; i++) {
		r = add_fwd(fx, fx->rs->sets[i]->family, "f",
		    i % 2 ? "eth.0" : "eth_0", "0ge");
		r->dst = fx->rs->sets[i];
	}
	out = emit(fx);
	assert_non_null(strstr(out, "eth_0_if = \"eth.0\"\n"
				    "eth_0_if_2 = \"eth_0\"\n"
				    "if_0ge_if = \"0ge\"\n"));
	assert_non_null(strstr(out, "table <hq_lan_v4> const"));
	assert_non_null(strstr(out, "table <hq_lan_v4_2> const"));
	assert_non_null(strstr(out, "table <hq_lan_v4_3> const"));
	assert_non_null(strstr(out, "table <_1st_v4> const"));
	assert_non_null(strstr(out, "table <all_v4> const { 0.0.0.0/0 }"));
	assert_non_null(strstr(out, "table <all_v6> const { ::/0 }"));
	assert_non_null(
	    strstr(out, "table <nnnnnnnnnnnnnnnnnnnnnnnnnnnn_v4> "));
	assert_non_null(
	    strstr(out, "table <nnnnnnnnnnnnnnnnnnnnnnnnnnnn_v6> "));
	assert_non_null(strstr(out, "pass in quick on $eth_0_if inet from any "
				    "to <hq_lan_v4_2> keep state tag "
				    "fwd_eth_0 label \"f\"\n"));
	assert_non_null(
	    strstr(out, "pass in quick on $eth_0_if_2 inet from any "
			"to <hq_lan_v4> keep state tag "
			"fwd_eth_0_2 label \"f\"\n"));
	assert_non_null(strstr(out, "pass out quick on $if_0ge_if inet from "
				    "any to <hq_lan_v4> tagged fwd_eth_0_2 "
				    "keep state label \"f\"\n"));
	free(out);
}

static void
test_pf_icmp_types(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;
	char *out;
	unsigned int t;

	make_host(fx, "h");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "all-icmp6");
	r->proto = FWC_PROTO_ICMP6;
	for (t = 0; t < 256; t++)
		set_type(r, t);
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "some-icmp6");
	r->proto = FWC_PROTO_ICMP6;
	for (t = 1; t < 256; t++)
		set_type(r, t);
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "icmp4");
	r->proto = FWC_PROTO_ICMP;
	set_type(r, 0);
	set_type(r, 6);
	set_type(r, 13);
	set_type(r, 30);
	set_type(r, 255);
	out = emit(fx);
	assert_non_null(strstr(out, "pass in quick inet6 proto ipv6-icmp all "
				    "keep state label \"all-icmp6\"\n"));
	assert_non_null(strstr(out, "icmp6-type { unreach, toobig, timex, "
				    "paramprob, 5, 6, "));
	assert_non_null(strstr(out, ", 127, echoreq, echorep, 130, 131, 132, "
				    "routersol, routeradv, neighbrsol, "
				    "neighbradv, redir, 138, "));
	assert_non_null(strstr(out, ", 254, 255 } keep state label "
				    "\"some-icmp6\"\n"));
	assert_non_null(strstr(out, "pass in quick inet proto icmp all "
				    "icmp-type { echorep, althost, timereq, "
				    "30, 255 } keep state label \"icmp4\"\n"));
	free(out);
}

static void
test_pf_check_errors(void **state)
{
	struct fx *fx = *state;
	const struct fwc_backend *be = fwc_backend_find("pf");
	static const char *const bad_fqdns[] = { "ok.example.com",
		"b.example.com\n}\npass all", "10.1", "em0", "-a.example" };
	struct fwc_strbuf sb;
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;

	add_iface(fx, "em0", "lan");
	add_iface(fx, "all", "any");
	add_fwd(fx, FWC_FAM_IP4, "f1", "em0", "a-very-long-interface0");
	add_fwd(fx, FWC_FAM_IP4, "f2", "em0\" pass", "123");
	add_fwd(fx, FWC_FAM_IP4, "f3", "-em0", "em0");
	add_fwd(fx, FWC_FAM_IP4, "f4", "in", "em0");
	r = add_fwd(fx, FWC_FAM_IP4, "sctp", "em0", "em0");
	r->proto = 132;
	r->dport = ports(fx, "5060");
	r = add_fwd(fx, FWC_FAM_IP6, "sctp", "em0", "em0");
	r->proto = 132;
	r->dport = ports(fx, "5060");
	r->origin.loc = fx->rs->rules[fx->rs->n_rules - 2].origin.loc;
	r = add_fwd(fx, FWC_FAM_IP4, "hopopt", "em0", "em0");
	r->proto = 0;
	add_fwd(fx, FWC_FAM_IP4, "no-iif", NULL, "em0");
	s = add_set(fx, "ep", FWC_FAM_IP4, NULL);
	s->fqdns = bad_fqdns;
	s->n_fqdns = 5;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "to-ep");
	r->action = FWC_ACT_DROP;
	r->dst = s;
	fx->rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_REJECT;
	assert_int_equal(be->check(fx->rs, &fx->dg), -1);
	assert_diag(fx,
	    "site.xml:21:5: error: target 'pf' cannot express interface name "
	    "'a-very-long-interface0' (expected 1 to 15 bytes of "
	    "[A-Za-z0-9._-], starting with a letter, digit or '_', neither a "
	    "number nor a pf keyword)\n"
	    "site.xml:22:5: error: target 'pf' cannot express interface name "
	    "'em0_ pass' (expected 1 to 15 bytes of [A-Za-z0-9._-], starting "
	    "with a letter, digit or '_', neither a number nor a pf keyword)\n"
	    "site.xml:22:5: error: target 'pf' cannot express interface name "
	    "'123' (expected 1 to 15 bytes of [A-Za-z0-9._-], starting with a "
	    "letter, digit or '_', neither a number nor a pf keyword)\n"
	    "site.xml:23:5: error: target 'pf' cannot express interface name "
	    "'-em0' (expected 1 to 15 bytes of [A-Za-z0-9._-], starting with a "
	    "letter, digit or '_', neither a number nor a pf keyword)\n"
	    "site.xml:24:5: error: target 'pf' cannot express interface name "
	    "'in' (expected 1 to 15 bytes of [A-Za-z0-9._-], starting with a "
	    "letter, digit or '_', neither a number nor a pf keyword)\n"
	    "site.xml:25:5: error: target 'pf' cannot express ports of "
	    "protocol 'sctp' (pf matches ports of tcp and udp only)\n"
	    "site.xml:27:5: error: target 'pf' cannot express protocol 0 (pf "
	    "reads 'proto 0' as any protocol)\n"
	    "site.xml:28:5: error: target 'pf' cannot express a forward rule "
	    "without an input interface\n"
	    "site.xml:13:5: error: target 'pf' cannot express interface name "
	    "'all' (expected 1 to 15 bytes of [A-Za-z0-9._-], starting with a "
	    "letter, digit or '_', neither a number nor a pf keyword)\n"
	    "site.xml:29:5: error: target 'pf' cannot express DNS name "
	    "'b.example.com___pass all' in a table (expected two or more "
	    "dot-separated labels of letters, digits and '-', the last one not "
	    "a number)\n"
	    "site.xml:29:5: error: target 'pf' cannot express DNS name '10.1' "
	    "in a table (expected two or more dot-separated labels of letters, "
	    "digits and '-', the last one not a number)\n"
	    "site.xml:29:5: error: target 'pf' cannot express DNS name 'em0' "
	    "in a table (expected two or more dot-separated labels of letters, "
	    "digits and '-', the last one not a number)\n"
	    "site.xml:29:5: error: target 'pf' cannot express DNS name "
	    "'-a.example' in a table (expected two or more dot-separated "
	    "labels of letters, digits and '-', the last one not a number)\n"
	    "site.xml:10:3: error: target 'pf' cannot express different "
	    "defaults for the input and forward chains (both meet pf's inbound "
	    "default)\n");
	/* emit refuses too, and writes nothing. */
	fwc_strbuf_init(&sb);
	assert_int_equal(be->emit(fx->rs, &sb, &fx->dg), -1);
	assert_int_equal(sb.len, 0);
	fwc_strbuf_release(&sb);
}

static void
test_pf_check_forward_without_input(void **state)
{
	struct fx *fx = *state;
	const struct fwc_backend *be = fwc_backend_find("pf");

	fx->rs->has_chain[FWC_CHAIN_INPUT] = false;
	assert_int_equal(be->check(fx->rs, &fx->dg), -1);
	assert_diag(fx,
	    "site.xml:10:3: error: target 'pf' cannot express a forward chain "
	    "without an input chain (pf tells them apart only by the rules)\n");
}

static void
test_pf_backend_table(void **state)
{
	const struct fwc_backend *be;

	(void)state;
	be = fwc_backend_find("pf");
	assert_non_null(be);
	assert_ptr_equal(be, &fwc_backend_pf);
	assert_int_equal(be->abi, FWC_BACKEND_ABI);
	assert_string_equal(be->name, "pf");
	assert_int_equal(
	    be->caps, FWC_CAP_IPV6 | FWC_CAP_SETS | FWC_CAP_LOG | FWC_CAP_FQDN);
	assert_non_null(be->check);
	assert_non_null(be->emit);
	assert_null(be->apply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_pf_minimal_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_host_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_split_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_unfiltered_input, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_fqdn_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_hostile_text, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_long_label_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_names_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_icmp_types, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_check_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pf_check_forward_without_input, setup, teardown),
		cmocka_unit_test(test_pf_backend_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
