/* Unit tests of the nftables backend (backends/nft.c) and of the backend
 * helpers (backends/emit.c): rulesets built by hand, exact output text,
 * and, when run as root with nft installed, `nft -c -f` of every output
 * and one real load, twice, in a fresh network namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emit.h"
#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

extern const struct fwc_backend fwc_backend_nft;

#define MAX_SETS  32
#define MAX_RULES 32

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
	rs->os = "linux";
	rs->target = "nft";
	rs->policy = "site";
	rs->loc = (struct fwc_loc){ "site.xml", 10, 3 };
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_ACCEPT;
	rs->has_chain[FWC_CHAIN_INPUT] = true;
	rs->has_chain[FWC_CHAIN_FORWARD] = true;
	rs->sets = fwc_arena_alloc(fx->a, MAX_SETS * sizeof(*rs->sets));
	rs->rules = fwc_arena_alloc(fx->a, MAX_RULES * sizeof(*rs->rules));
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

/* Adds a set of family fam made from the addresses, CIDRs and ranges in
 * the NULL-terminated list. */
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
have_nft(void)
{
	static int known = -1;

	if (known < 0) {
		known = geteuid() == 0 &&
			system("command -v nft >/dev/null 2>&1 && "
			       "command -v unshare >/dev/null 2>&1") == 0;
		if (!known)
			printf("note: not root or nft/unshare missing: "
			       "skipping the nft -c -f checks\n");
	}
	return known;
}

/* Writes text to a new temporary file; returns its name (free it). */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/fwc-test-nft-XXXXXX");
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

/* Asserts that nft accepts text, checked in a fresh network namespace. */
static void
nft_accepts(const char *text)
{
	char cmd[512];
	char *path;
	int rc;

	if (!have_nft())
		return;
	path = write_temp(text);
	snprintf(cmd, sizeof(cmd), "unshare -n nft -c -f %s", path);
	rc = system(cmd);
	unlink(path);
	free(path);
	if (rc != 0) {
		fprintf(stderr, "nft -c -f rejected:\n%s", text);
		fail();
	}
}

static char *
emit(struct fx *fx)
{
	const struct fwc_backend *be = fwc_backend_find("nft");
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
	assert_int_equal(fx->dg.errors, 0);
	fwc_strbuf_release(&again);
	nft_accepts(sb.buf);
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

#define HEADER(kind, name)                                              \
	"#!/usr/sbin/nft -f\n"                                          \
	"# Generated by fwc " FWC_VERSION " from policy site for " kind \
	" " name ".\n"                                                  \
	"# Do not edit: fwc rewrites this file from the policy.\n"      \
	"# Loading it replaces the table inet fwc atomically.\n"        \
	"\n"                                                            \
	"table inet fwc\n"                                              \
	"delete table inet fwc\n"                                       \
	"\n"                                                            \
	"table inet fwc {\n"

#define ND_SET                                                       \
	"\tset nd_types {\n"                                         \
	"\t\ttype icmpv6_type\n"                                     \
	"\t\telements = { nd-neighbor-solicit, nd-neighbor-advert, " \
	"nd-router-solicit, nd-router-advert }\n"                    \
	"\t}\n"

#define INPUT_BASE                                                   \
	"\tchain input {\n"                                          \
	"\t\ttype filter hook input priority filter; policy drop;\n" \
	"\t\tct state established,related accept\n"                  \
	"\t\tiif \"lo\" accept\n"                                    \
	"\t\ticmpv6 type @nd_types ip6 hoplimit 255 accept\n"        \
	"\t\tct state invalid drop\n"

static void
test_nft_minimal_host(void **state)
{
	struct fx *fx = *state;

	fx->rs->kind = FWC_EP_HOST;
	fx->rs->name = "web01";
	fx->rs->has_chain[FWC_CHAIN_FORWARD] = false;
	assert_output(fx, HEADER("host", "web01") ND_SET "\n" INPUT_BASE "\t}\n"
							 "}\n");
}

static void
test_nft_gateway(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *lan4 = add_set(fx, "hq-lan", FWC_FAM_IP4,
	    "10.1.0.0/16", "10.2.0.10-10.2.0.250", "10.9.9.9", NULL);
	struct fwc_ir_set *lan6 =
	    add_set(fx, "hq-lan", FWC_FAM_IP6, "2001:db8:1::/48", NULL);
	struct fwc_ir_set *mp4 = add_set(fx, "management-point", FWC_FAM_IP4,
	    "10.0.0.12", "10.0.0.13", NULL);
	struct fwc_ir_set *mp6 =
	    add_set(fx, "management-point", FWC_FAM_IP6, "2001:db8::12", NULL);
	struct fwc_ir_set *guest =
	    add_set(fx, "guest", FWC_FAM_IP4, "192.168.50.0/24", NULL);
	struct fwc_ir_rule *r;

	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_REJECT;
	rs->has_chain[FWC_CHAIN_OUTPUT] = true;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_ACCEPT;

	/* Denies first, as the IR orders them. */
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "guest-block");
	r->action = FWC_ACT_REJECT;
	r->src = guest;
	r->dst = lan4;
	r->iif = "eth2";
	r->oif = "eth0";
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "no-ssh");
	r->action = FWC_ACT_REJECT;
	r->dst = mp4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "no-gre");
	r->action = FWC_ACT_DROP;
	r->proto = 47;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "client-to-mp");
	r->src = lan4;
	r->dst = mp4;
	r->iif = "eth0";
	r->oif = "eth1";
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443,10123");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "client-to-mp");
	r->src = lan6;
	r->dst = mp6;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443,10123");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "rpc");
	r->dst = mp4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "49152-65535");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "dhcp");
	r->src = lan4;
	r->proto = FWC_PROTO_UDP;
	r->sport = ports(fx, "68");
	r->dport = ports(fx, "67");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "multi-udp");
	r->src = lan4;
	r->proto = FWC_PROTO_UDP;
	r->sport = ports(fx, "1024-65535,53");
	r->dport = ports(fx, "80,443,10123");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "ping");
	r->src = lan4;
	r->proto = FWC_PROTO_ICMP;
	set_type(r, 8);
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "icmp-diag");
	r->proto = FWC_PROTO_ICMP;
	set_type(r, 0);
	set_type(r, 3);
	set_type(r, 11);
	set_type(r, 200);
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "ping6");
	r->dst = mp6;
	r->proto = FWC_PROTO_ICMP6;
	set_type(r, 128);
	set_type(r, 129);
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "icmp6-any");
	r->proto = FWC_PROTO_ICMP6;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "icmp-any");
	r->proto = FWC_PROTO_ICMP;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "udp-any");
	r->dst = mp6;
	r->proto = FWC_PROTO_UDP;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "sctp");
	r->proto = 132;
	r->dport = ports(fx, "5060");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "sctp-any");
	r->proto = 132;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "admin-ssh");
	r->src = mp4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "admin-any");
	r->src = mp6;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "no-telnet-out");
	r->action = FWC_ACT_DROP;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "23");
	r->oif = "eth2";

	assert_output(fx,
	    HEADER("gateway",
		"gw1") "\tset hq_lan_v4 {\n"
		       "\t\ttype ipv4_addr\n"
		       "\t\tflags interval\n"
		       "\t\telements = {\n"
		       "\t\t\t10.1.0.0/16,\n"
		       "\t\t\t10.2.0.10-10.2.0.250,\n"
		       "\t\t\t10.9.9.9\n"
		       "\t\t}\n"
		       "\t}\n"
		       "\n"
		       "\tset hq_lan_v6 {\n"
		       "\t\ttype ipv6_addr\n"
		       "\t\tflags interval\n"
		       "\t\telements = {\n"
		       "\t\t\t2001:db8:1::/48\n"
		       "\t\t}\n"
		       "\t}\n"
		       "\n"
		       "\tset management_point_v4 {\n"
		       "\t\ttype ipv4_addr\n"
		       "\t\tflags interval\n"
		       "\t\telements = {\n"
		       "\t\t\t10.0.0.12/31\n"
		       "\t\t}\n"
		       "\t}\n"
		       "\n"
		       "\tset management_point_v6 {\n"
		       "\t\ttype ipv6_addr\n"
		       "\t\tflags interval\n"
		       "\t\telements = {\n"
		       "\t\t\t2001:db8::12\n"
		       "\t\t}\n"
		       "\t}\n"
		       "\n"
		       "\tset guest_v4 {\n"
		       "\t\ttype ipv4_addr\n"
		       "\t\tflags interval\n"
		       "\t\telements = {\n"
		       "\t\t\t192.168.50.0/24\n"
		       "\t\t}\n"
		       "\t}\n"
		       "\n"
		       "\tset ports_80_443_10123 {\n"
		       "\t\ttype inet_service\n"
		       "\t\telements = { 80, 443, 10123 }\n"
		       "\t}\n"
		       "\n"
		       "\tset ports_53_1024to65535 {\n"
		       "\t\ttype inet_service\n"
		       "\t\tflags interval\n"
		       "\t\telements = { 53, 1024-65535 }\n"
		       "\t}\n"
		       "\n"
		       "\tset icmp_0_3_11_200 {\n"
		       "\t\ttype icmp_type\n"
		       "\t\telements = { echo-reply, destination-unreachable, "
		       "time-exceeded, 200 }\n"
		       "\t}\n"
		       "\n"
		       "\tset icmpv6_128_129 {\n"
		       "\t\ttype icmpv6_type\n"
		       "\t\telements = { echo-request, echo-reply }\n"
		       "\t}\n"
		       "\n" ND_SET "\n" INPUT_BASE
		       "\t\tip saddr @management_point_v4 tcp dport 22 "
		       "log prefix \"fwc accept admin-ssh: \" counter accept "
		       "comment \"admin-ssh\"\n"
		       "\t\tip6 saddr @management_point_v6 counter accept "
		       "comment \"admin-any\"\n"
		       "\t}\n"
		       "\n"
		       "\tchain forward {\n"
		       "\t\ttype filter hook forward priority filter; policy drop;\n"
		       "\t\tct state established,related accept\n"
		       "\t\tct state invalid drop\n"
		       "\t\tiifname \"eth2\" oifname \"eth0\" ip saddr @guest_v4 "
		       "ip daddr @hq_lan_v4 log prefix \"fwc reject guest-block: \" "
		       "counter reject with icmpx port-unreachable "
		       "comment \"guest-block\"\n"
		       "\t\tip daddr @management_point_v4 tcp dport 22 counter "
		       "reject with tcp reset comment \"no-ssh\"\n"
		       "\t\tmeta nfproto ipv6 meta l4proto 47 counter drop "
		       "comment \"no-gre\"\n"
		       "\t\tiifname \"eth0\" oifname \"eth1\" ip saddr @hq_lan_v4 "
		       "ip daddr @management_point_v4 tcp dport @ports_80_443_10123 "
		       "counter accept comment \"client-to-mp\"\n"
		       "\t\tip6 saddr @hq_lan_v6 ip6 daddr @management_point_v6 "
		       "tcp dport @ports_80_443_10123 counter accept "
		       "comment \"client-to-mp\"\n"
		       "\t\tip daddr @management_point_v4 tcp dport 49152-65535 "
		       "counter accept comment \"rpc\"\n"
		       "\t\tip saddr @hq_lan_v4 udp dport 67 udp sport 68 counter "
		       "accept comment \"dhcp\"\n"
		       "\t\tip saddr @hq_lan_v4 udp dport @ports_80_443_10123 "
		       "udp sport @ports_53_1024to65535 counter accept "
		       "comment \"multi-udp\"\n"
		       "\t\tip saddr @hq_lan_v4 icmp type echo-request counter accept "
		       "comment \"ping\"\n"
		       "\t\tmeta nfproto ipv4 icmp type @icmp_0_3_11_200 "
		       "log prefix \"fwc accept icmp-diag: \" counter accept "
		       "comment \"icmp-diag\"\n"
		       "\t\tip6 daddr @management_point_v6 icmpv6 type "
		       "@icmpv6_128_129 counter accept comment \"ping6\"\n"
		       "\t\tmeta nfproto ipv6 meta l4proto icmpv6 counter accept "
		       "comment \"icmp6-any\"\n"
		       "\t\tmeta nfproto ipv4 meta l4proto icmp counter accept "
		       "comment \"icmp-any\"\n"
		       "\t\tip6 daddr @management_point_v6 meta l4proto udp counter "
		       "accept comment \"udp-any\"\n"
		       "\t\tmeta nfproto ipv4 sctp dport 5060 counter accept "
		       "comment \"sctp\"\n"
		       "\t\tmeta nfproto ipv4 meta l4proto 132 counter accept "
		       "comment \"sctp-any\"\n"
		       "\t\tmeta l4proto tcp counter reject with tcp reset\n"
		       "\t\tcounter reject with icmpx port-unreachable\n"
		       "\t}\n"
		       "\n"
		       "\tchain output {\n"
		       "\t\ttype filter hook output priority filter; policy accept;\n"
		       "\t\tct state established,related accept\n"
		       "\t\tct state invalid drop\n"
		       "\t\toifname \"eth2\" meta nfproto ipv4 tcp dport 23 counter "
		       "drop comment \"no-telnet-out\"\n"
		       "\t}\n"
		       "}\n");
}

static void
test_nft_filtered_output_reject(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *dns =
	    add_set(fx, "dns", FWC_FAM_IP6, "2001:db8::53", NULL);
	struct fwc_ir_rule *r;

	rs->kind = FWC_EP_HOST;
	rs->name = "h1";
	rs->has_chain[FWC_CHAIN_FORWARD] = false;
	rs->has_chain[FWC_CHAIN_OUTPUT] = true;
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_REJECT;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_REJECT;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "dns");
	r->dst = dns;
	r->proto = FWC_PROTO_UDP;
	r->dport = ports(fx, "53");
	assert_output(fx,
	    HEADER("host",
		"h1") "\tset dns_v6 {\n"
		      "\t\ttype ipv6_addr\n"
		      "\t\tflags interval\n"
		      "\t\telements = {\n"
		      "\t\t\t2001:db8::53\n"
		      "\t\t}\n"
		      "\t}\n"
		      "\n" ND_SET "\n" INPUT_BASE
		      "\t\tmeta l4proto tcp counter reject with tcp reset\n"
		      "\t\tcounter reject with icmpx port-unreachable\n"
		      "\t}\n"
		      "\n"
		      "\tchain output {\n"
		      "\t\ttype filter hook output priority filter; policy drop;\n"
		      "\t\tct state established,related accept\n"
		      "\t\toif \"lo\" accept\n"
		      "\t\ticmpv6 type @nd_types ip6 hoplimit 255 accept\n"
		      "\t\tct state invalid drop\n"
		      "\t\tip6 daddr @dns_v6 udp dport 53 counter accept "
		      "comment \"dns\"\n"
		      "\t\tmeta l4proto tcp counter reject with tcp reset\n"
		      "\t\tcounter reject with icmpx port-unreachable\n"
		      "\t}\n"
		      "}\n");
}

static void
test_nft_hostile_text(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	static const char *const fqdns[] = { "a.example.com",
		"b.example.com\n}\nflush ruleset" };
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;

	rs->policy = "p\"; flush ruleset; #";
	rs->name = "gw\nflush ruleset";
	rs->has_chain[FWC_CHAIN_INPUT] = false;
	s = add_set(fx, "x\"y", FWC_FAM_IP4, "10.0.0.1", NULL);
	s->comment = "c\" } flush ruleset \\ \x01 \xc3\xa9";
	s->fqdns = fqdns;
	s->n_fqdns = 2;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "a\"; drop; #");
	r->src = s;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "$(reboot)`id`");
	r->action = FWC_ACT_DROP;
	r->log = true;
	r = add_rule(
	    fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "line1\nflush ruleset\r\n");
	assert_output(fx,
	    "#!/usr/sbin/nft -f\n"
	    "# Generated by fwc " FWC_VERSION " from policy "
	    "p__ flush ruleset_ _ for gateway gw_flush ruleset.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Loading it replaces the table inet fwc atomically.\n"
	    "\n"
	    "table inet fwc\n"
	    "delete table inet fwc\n"
	    "\n"
	    "table inet fwc {\n"
	    "\tset x_y_v4 {\n"
	    "\t\ttype ipv4_addr\n"
	    "\t\tflags interval\n"
	    "\t\tcomment \"c_ _ flush ruleset _ _ __\"\n"
	    "\t\t# fqdn: a.example.com\n"
	    "\t\t# fqdn: b.example.com___flush ruleset\n"
	    "\t\telements = {\n"
	    "\t\t\t10.0.0.1\n"
	    "\t\t}\n"
	    "\t}\n"
	    "\n"
	    "\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy drop;\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid drop\n"
	    "\t\tip saddr @x_y_v4 log prefix \"fwc accept a__ drop_ _: \" "
	    "counter accept comment \"a__ drop_ _\"\n"
	    "\t\tmeta nfproto ipv4 log prefix \"fwc drop __reboot__id_: \" "
	    "counter drop comment \"__reboot__id_\"\n"
	    "\t\tmeta nfproto ipv4 counter accept "
	    "comment \"line1_flush ruleset__\"\n"
	    "\t}\n"
	    "}\n");
}

static void
test_nft_long_text_truncated(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;
	char flow[301];
	char *out;
	const char *p;
	const char *q;

	memset(flow, 'f', 300);
	flow[300] = '\0';
	fx->rs->has_chain[FWC_CHAIN_INPUT] = false;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, flow);
	r->action = FWC_ACT_REJECT;
	r->log = true;
	out = emit(fx);
	p = strstr(out, "log prefix \"");
	assert_non_null(p);
	p += strlen("log prefix \"");
	q = strchr(p, '"');
	assert_int_equal(q - p, 127);
	assert_memory_equal(q - 2, ": ", 2);
	p = strstr(out, "comment \"");
	assert_non_null(p);
	p += strlen("comment \"");
	q = strchr(p, '"');
	assert_int_equal(q - p, 128);
	free(out);
}

static void
test_nft_set_names_unique(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;
	char *out;
	char longname[201];
	size_t i;

	memset(longname, 'n', 200);
	longname[200] = '\0';
	add_set(fx, "hq-lan", FWC_FAM_IP4, "10.0.0.1", NULL);
	add_set(fx, "hq_lan", FWC_FAM_IP4, "10.0.0.2", NULL);
	add_set(fx, "hq.lan", FWC_FAM_IP4, "10.0.0.3", NULL);
	add_set(fx, "1st", FWC_FAM_IP4, "10.0.0.4", NULL);
	add_set(fx, "ip", FWC_FAM_IP6, "::1", NULL);
	add_set(fx, "nd-types", FWC_FAM_IP4, "10.0.0.5", NULL);
	add_set(fx, longname, FWC_FAM_IP4, "10.0.0.6", NULL);
	add_set(fx, longname, FWC_FAM_IP6, "::2", NULL);
	add_set(fx, "all", FWC_FAM_IP4, "0.0.0.0/0", NULL);
	add_set(fx, "all", FWC_FAM_IP6, "::/0", NULL);
	add_set(fx, "fqdn-only", FWC_FAM_IP4, NULL);
	for (i = 0; i < fx->rs->n_sets; i++) {
		r = add_rule(fx, FWC_CHAIN_INPUT, fx->rs->sets[i]->family, "f");
		r->dst = fx->rs->sets[i];
	}
	out = emit(fx);
	assert_non_null(strstr(out, "\tset hq_lan_v4 {\n"));
	assert_non_null(strstr(out, "\tset hq_lan_v4_2 {\n"));
	assert_non_null(strstr(out, "\tset hq_lan_v4_3 {\n"));
	assert_non_null(strstr(out, "\tset _1st_v4 {\n"));
	assert_non_null(strstr(out, "\tset ip_v6 {\n"));
	assert_non_null(strstr(out, "\tset nd_types_v4 {\n"));
	assert_non_null(strstr(out, "\tset all_v4 {\n"));
	assert_non_null(strstr(out, "\t\t\t0.0.0.0/0\n"));
	assert_non_null(strstr(out, "\t\t\t::/0\n"));
	assert_non_null(strstr(out, "\tset fqdn_only_v4 {\n"
				    "\t\ttype ipv4_addr\n"
				    "\t\tflags interval\n"
				    "\t}\n"));
	assert_non_null(strstr(out, "ip daddr @hq_lan_v4_3 counter"));
	/* 96 bytes at most, suffix kept. */
	assert_non_null(strstr(out, "\tset nnnnnnnnnn"));
	{
		const char *p = strstr(out, "\tset nnn") + strlen("\tset ");
		const char *e = strchr(p, ' ');

		assert_int_equal(e - p, 96);
		assert_memory_equal(e - 3, "_v4", 3);
	}
	free(out);
}

static void
test_nft_long_lists(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;
	char *out;
	unsigned int t;

	fx->rs->has_chain[FWC_CHAIN_FORWARD] = false;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "many-ports");
	r->proto = FWC_PROTO_UDP;
	r->dport =
	    ports(fx, "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "all-icmp6");
	r->proto = FWC_PROTO_ICMP6;
	for (t = 0; t < 256; t++)
		set_type(r, t);
	out = emit(fx);
	assert_non_null(strstr(out, "udp dport @ports_1_n18_"));
	assert_non_null(strstr(out, "icmpv6 type @icmpv6_0_n256_"));
	assert_non_null(strstr(out,
	    "\t\telements = { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, "
	    "27, 29, 31, 33, 35 }\n"));
	assert_non_null(strstr(out, ", nd-neighbor-advert, nd-redirect, "
				    "router-renumbering, 139, 140, "
				    "ind-neighbor-solicit, "));
	free(out);
}

static void
test_nft_check_ifnames(void **state)
{
	struct fx *fx = *state;
	const struct fwc_backend *be = fwc_backend_find("nft");
	struct fwc_strbuf sb;
	struct fwc_ir_rule *r;
	char *text;

	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f1");
	r->iif = "eth0";
	r->oif = "a-very-long-interface0";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f2");
	r->iif = "eth0\" accept";
	r->oif = "a-very-long-interface0";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f3");
	r->iif = "eth*";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f4");
	r->iif = "";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f5");
	r->iif = "123456789012345";
	r->oif = "v.l_a-N";
	assert_int_equal(be->check(fx->rs, &fx->dg), -1);
	text = diag_text(fx);
	assert_string_equal(text,
	    "site.xml:21:5: error: target 'nft' cannot express interface "
	    "name 'a-very-long-interface0' (expected 1 to 15 bytes of "
	    "[A-Za-z0-9._-])\n"
	    "site.xml:22:5: error: target 'nft' cannot express interface "
	    "name 'eth0_ accept' (expected 1 to 15 bytes of "
	    "[A-Za-z0-9._-])\n"
	    "site.xml:23:5: error: target 'nft' cannot express interface "
	    "name 'eth_' (expected 1 to 15 bytes of [A-Za-z0-9._-])\n"
	    "site.xml:24:5: error: target 'nft' cannot express interface "
	    "name '' (expected 1 to 15 bytes of [A-Za-z0-9._-])\n");
	free(text);
	assert_int_equal(fx->dg.errors, 4);
	/* emit refuses too, and writes nothing. */
	fwc_strbuf_init(&sb);
	assert_int_equal(be->emit(fx->rs, &sb, &fx->dg), -1);
	assert_int_equal(sb.len, 0);
	fwc_strbuf_release(&sb);
}

/* Loads a script twice in one namespace: the second load must replace
 * the table atomically, leaving each chain once. */
static void
test_nft_load_twice(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;
	char *out;
	char *path;
	char *list;
	char cmd[512];
	FILE *f;
	char line[512];
	int n_input = 0;
	int n_forward = 0;
	int n_set = 0;

	if (!have_nft()) {
		skip();
		return;
	}
	s = add_set(fx, "lan", FWC_FAM_IP4, "10.0.0.0/8",
	    "192.168.1.1-192.168.1.9", NULL);
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "web");
	r->src = s;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443");
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "ssh6");
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	out = emit(fx);
	path = write_temp(out);
	list = write_temp("");
	snprintf(cmd, sizeof(cmd),
	    "unshare -n sh -c 'nft -f %s && nft -f %s && "
	    "nft list table inet fwc' > %s",
	    path, path, list);
	assert_int_equal(system(cmd), 0);
	f = fopen(list, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		n_input += strcmp(line, "\tchain input {\n") == 0;
		n_forward += strcmp(line, "\tchain forward {\n") == 0;
		n_set += strcmp(line, "\tset lan_v4 {\n") == 0;
	}
	fclose(f);
	assert_int_equal(n_input, 1);
	assert_int_equal(n_forward, 1);
	assert_int_equal(n_set, 1);
	unlink(path);
	unlink(list);
	free(path);
	free(list);
	free(out);
}

static void
test_nft_backend_table(void **state)
{
	const struct fwc_backend *const *v;
	const struct fwc_backend *be;
	size_t n = 0;

	(void)state;
	be = fwc_backend_find("nft");
	assert_non_null(be);
	assert_ptr_equal(be, &fwc_backend_nft);
	assert_int_equal(be->abi, FWC_BACKEND_ABI);
	assert_int_equal(
	    be->caps, FWC_CAP_IPV6 | FWC_CAP_SETS | FWC_CAP_LOG | FWC_CAP_FQDN);
	assert_null(fwc_backend_find("nope"));
	v = fwc_backend_list(&n);
	assert_true(n >= 1);
	assert_ptr_equal(v[0], be);
}

static void
test_nft_emit_safe(void **state)
{
	struct fwc_strbuf sb;

	(void)state;
	fwc_strbuf_init(&sb);
	assert_int_equal(fwc_emit_safe(&sb, "Az09 ._:@+/=,-", 100), 14);
	assert_string_equal(sb.buf, "Az09 ._:@+/=,-");
	fwc_strbuf_reset(&sb);
	assert_int_equal(
	    fwc_emit_safe(&sb, "a\"b\\c'd$e;f#g\th\ni\xffj", 100), 19);
	assert_string_equal(sb.buf, "a_b_c_d_e_f_g_h_i_j");
	fwc_strbuf_reset(&sb);
	assert_int_equal(fwc_emit_safe(&sb, "abcdef", 3), 3);
	assert_string_equal(sb.buf, "abc");
	fwc_strbuf_reset(&sb);
	assert_int_equal(fwc_emit_safe(&sb, NULL, 3), 0);
	assert_string_equal(sb.buf, "");
	fwc_strbuf_release(&sb);
}

static void
test_nft_emit_names(void **state)
{
	struct fwc_emit_names nm;
	char buf[32];
	int i;

	(void)state;
	fwc_emit_names_init(&nm, 16);
	assert_true(fwc_emit_names_reserve(&nm, "nd_types"));
	assert_false(fwc_emit_names_reserve(&nm, "nd_types"));
	assert_string_equal(
	    fwc_emit_names_add(&nm, "nd-types", ""), "nd_types_2");
	assert_string_equal(fwc_emit_names_add(&nm, "9a", "_v4"), "_9a_v4");
	assert_string_equal(fwc_emit_names_add(&nm, "", ""), "_");
	assert_string_equal(fwc_emit_names_add(&nm, "", ""), "__2");
	assert_string_equal(fwc_emit_names_add(&nm, "abcdefghijklmnopq", "_v6"),
	    "abcdefghijklm_v6");
	assert_string_equal(fwc_emit_names_add(&nm, "abcdefghijklmnopq", "_v6"),
	    "abcdefghijk_v6_2");
	/* Many names: the table grows and stays consistent. */
	for (i = 0; i < 500; i++) {
		snprintf(buf, sizeof(buf), "n%d", i);
		assert_string_equal(fwc_emit_names_add(&nm, buf, ""), buf);
	}
	assert_string_equal(fwc_emit_names_add(&nm, "n7", ""), "n7_2");
	fwc_emit_names_release(&nm);
}

static void
test_nft_emit_lists(void **state)
{
	struct fx *fx = *state;
	struct fwc_strbuf sb;
	struct fwc_portset ps = ports(fx, "8000-8080,22,443");
	struct fwc_ir_set *s4 = add_set(fx, "a", FWC_FAM_IP4, "10.0.0.1",
	    "10.0.0.3-10.0.0.9", "10.1.0.0/16", NULL);
	struct fwc_ir_set *s6 =
	    add_set(fx, "b", FWC_FAM_IP6, "2001:db8::1-2001:db8::3", NULL);
	struct fwc_emit_map m;
	int vals[3] = { 1, 2, 3 };

	fwc_strbuf_init(&sb);
	fwc_emit_ports(&sb, &ps, ", ", '-');
	assert_string_equal(sb.buf, "22, 443, 8000-8080");
	fwc_strbuf_reset(&sb);
	fwc_emit_ports(&sb, &ps, " ", ':');
	assert_string_equal(sb.buf, "22 443 8000:8080");
	fwc_strbuf_reset(&sb);
	fwc_emit_ivls(&sb, FWC_FAM_IP4, s4->v, s4->n, ", ");
	assert_string_equal(sb.buf, "10.0.0.1, 10.0.0.3-10.0.0.9, 10.1.0.0/16");
	fwc_strbuf_reset(&sb);
	fwc_emit_cidrs(&sb, FWC_FAM_IP4, s4->v, s4->n, " ");
	assert_string_equal(
	    sb.buf, "10.0.0.1 10.0.0.3 10.0.0.4/30 10.0.0.8/31 10.1.0.0/16");
	fwc_strbuf_reset(&sb);
	fwc_emit_cidrs(&sb, FWC_FAM_IP6, s6->v, s6->n, " ");
	assert_string_equal(sb.buf, "2001:db8::1 2001:db8::2/127");
	fwc_strbuf_release(&sb);

	fwc_emit_map_init(&m);
	assert_null(fwc_emit_map_get(&m, "x"));
	fwc_emit_map_put(&m, "x", &vals[0]);
	fwc_emit_map_put(&m, "y", &vals[1]);
	fwc_emit_map_put(&m, "x", &vals[2]);
	assert_ptr_equal(fwc_emit_map_get(&m, "x"), &vals[2]);
	assert_ptr_equal(fwc_emit_map_get(&m, "y"), &vals[1]);
	assert_null(fwc_emit_map_get(&m, "z"));
	fwc_emit_map_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_nft_minimal_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_filtered_output_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_hostile_text, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_long_text_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_set_names_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_check_ifnames, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_long_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_load_twice, setup, teardown),
		cmocka_unit_test(test_nft_backend_table),
		cmocka_unit_test(test_nft_emit_safe),
		cmocka_unit_test(test_nft_emit_names),
		cmocka_unit_test_setup_teardown(
		    test_nft_emit_lists, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
