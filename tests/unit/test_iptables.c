/* Unit tests of the iptables and ip6tables backends (backends/iptables.c):
 * rulesets built by hand, exact output text, the checks, and, when run as
 * root with iptables installed, `iptables-restore --test` (and the legacy
 * variant, which also catches unknown jump targets) of every output in a
 * fresh network namespace, plus one real load. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

extern const struct fwc_backend fwc_backend_iptables;
extern const struct fwc_backend fwc_backend_ip6tables;

#define MAX_SETS  32
#define MAX_RULES 48

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
	memset(rs, 0, sizeof(*rs));
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
	memset(rs->rules, 0, MAX_RULES * sizeof(*rs->rules));
	fx->rs = rs;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fwc_diag_release(&fx->dg);
	fclose(fx->diag);
	fwc_arena_release(fx->a);
	free(fx);
	return 0;
}

/* Everything written to the diagnostic sink so far (free it). */
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

/* Parses "a", "a/len" or "a-b" of family fam. */
static struct fwc_ivl
ivl(const char *e, enum fwc_family fam)
{
	struct fwc_ivl v;
	enum fwc_family f;
	const char *why = NULL;
	int rc;

	if (strchr(e, '-') != NULL) {
		rc = fwc_range_parse(e, &f, &v, &why);
	} else if (strchr(e, '/') != NULL) {
		rc = fwc_cidr_parse(e, &f, &v, &why);
	} else {
		rc = fwc_addr_parse(e, &f, &v.lo, &why);
		v.hi = v.lo;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(f, fam);
	return v;
}

static struct fwc_ir_set *
add_set_ivls(struct fx *fx, const char *name, enum fwc_family fam,
    const struct fwc_ivl *v, size_t n)
{
	struct fwc_ir_set *s = fwc_arena_alloc(fx->a, sizeof(*s));
	struct fwc_addrset *as;

	memset(s, 0, sizeof(*s));
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

/* Adds a set of family fam made from the addresses, CIDRs and ranges in
 * the NULL-terminated list. */
static struct fwc_ir_set *
add_set(struct fx *fx, const char *name, enum fwc_family fam, ...)
{
	struct fwc_ivl v[16];
	const char *e;
	size_t n = 0;
	va_list ap;

	va_start(ap, fam);
	while ((e = va_arg(ap, const char *)) != NULL) {
		assert_true(n < 16);
		v[n++] = ivl(e, fam);
	}
	va_end(ap);
	return add_set_ivls(fx, name, fam, v, n);
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
	char buf[256];
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

/* True when commands run as root and unshare works; says once why not. */
static bool
can_test(void)
{
	static int known = -1;

	if (known < 0) {
		known =
		    geteuid() == 0 &&
		    system("command -v iptables-restore >/dev/null 2>&1 && "
			   "command -v ip6tables-restore >/dev/null 2>&1 && "
			   "unshare -n true 2>/dev/null") == 0;
		if (!known)
			printf("note: not root, or iptables-restore or unshare "
			       "missing: skipping the iptables-restore --test "
			       "checks\n");
	}
	return known;
}

/* True when the legacy (x_tables) restore works here: it checks more
 * than the nf_tables one, which accepts jumps to unknown chains. */
static bool
can_test_legacy(void)
{
	static int known = -1;

	if (known < 0) {
		known = can_test() &&
			system("command -v iptables-legacy-restore >/dev/null "
			       "2>&1 && printf '*filter\\nCOMMIT\\n' | unshare "
			       "-n iptables-legacy-restore --test "
			       ">/dev/null 2>&1") == 0;
		if (can_test() && !known)
			printf("note: iptables-legacy-restore unusable here: "
			       "testing with the default variant only\n");
	}
	return known;
}

/* Writes text to a new temporary file; returns its name (free it). */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/fwc-test-ipt-XXXXXX");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int run(const char *fmt, ...) FWC_PRINTF(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return system(cmd);
}

/* Asserts that the restore tool of target accepts text, in a fresh
 * network namespace. */
static void
restore_accepts(const char *target, const char *text)
{
	const char *tool =
	    strcmp(target, "iptables") == 0 ? "iptables" : "ip6tables";
	char *path;
	int rc;

	if (!can_test())
		return;
	path = write_temp(text);
	rc = run("unshare -n %s-restore --test < %s", tool, path);
	if (rc == 0 && can_test_legacy())
		rc =
		    run("unshare -n %s-legacy-restore --test < %s", tool, path);
	unlink(path);
	free(path);
	if (rc != 0) {
		fprintf(stderr, "%s-restore --test rejected:\n%s", tool, text);
		fail();
	}
}

/* The output of target for the fixture's ruleset, after checking that it
 * is deterministic, well formed and accepted by the restore tool. */
static char *
emit(struct fx *fx, const char *target)
{
	const struct fwc_backend *be = fwc_backend_find(target);
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
	assert_true(sb.len > strlen("COMMIT\n"));
	assert_string_equal(
	    sb.buf + sb.len - strlen("\nCOMMIT\n"), "\nCOMMIT\n");
	assert_null(strchr(sb.buf, '\r'));
	assert_int_equal(fx->dg.errors, 0);
	fwc_strbuf_release(&again);
	restore_accepts(target, sb.buf);
	text = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return text;
}

/* Asserts that the output of target is the concatenation of the
 * NULL-terminated list of parts (each below C's 4095-byte literal
 * minimum). */
static void
assert_output(struct fx *fx, const char *target, ...)
{
	struct fwc_strbuf expect;
	const char *part;
	char *got = emit(fx, target);
	va_list ap;

	fwc_strbuf_init(&expect);
	va_start(ap, target);
	while ((part = va_arg(ap, const char *)) != NULL)
		fwc_strbuf_adds(&expect, part);
	va_end(ap);
	if (strcmp(got, expect.buf) != 0)
		fprintf(stderr, "--- got:\n%s--- end\n", got);
	assert_string_equal(got, expect.buf);
	fwc_strbuf_release(&expect);
	free(got);
}

static size_t
count_lines_with(const char *text, const char *needle)
{
	size_t n = 0;
	const char *p = text;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

#define HEADER(kind, name, fam, tool)                                   \
	"# Generated by fwc " FWC_VERSION " from policy site for " kind \
	" " name ", " fam " rules only.\n"                              \
	"# Do not edit: fwc rewrites this file from the policy.\n"      \
	"# Load with `" tool " < FILE`: it replaces the filter table.\n"

#define HEADER4(kind, name) HEADER(kind, name, "IPv4", "iptables-restore")
#define HEADER6(kind, name) HEADER(kind, name, "IPv6", "ip6tables-restore")

#define INPUT_BASE4                                                   \
	"# input\n"                                                   \
	"-A FWC-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j " \
	"ACCEPT\n"                                                    \
	"-A FWC-INPUT -i lo -j ACCEPT\n"                              \
	"-A FWC-INPUT -m conntrack --ctstate INVALID -j DROP\n"

#define ND(chain, type)                                                    \
	"-A " chain " -p ipv6-icmp -m icmp6 --icmpv6-type " type " -m hl " \
	"--hl-eq 255 -j ACCEPT\n"

#define ND_RULES(chain)                      \
	ND(chain, "neighbour-solicitation")  \
	ND(chain, "neighbour-advertisement") \
	ND(chain, "router-solicitation") ND(chain, "router-advertisement")

#define INPUT_BASE6                                                   \
	"# input\n"                                                   \
	"-A FWC-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j " \
	"ACCEPT\n"                                                    \
	"-A FWC-INPUT -i lo -j ACCEPT\n" ND_RULES(                    \
	    "FWC-INPUT") "-A FWC-INPUT -m conntrack --ctstate INVALID -j DROP\n"

#define FORWARD_BASE                                                    \
	"# forward\n"                                                   \
	"-A FWC-FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j " \
	"ACCEPT\n"                                                      \
	"-A FWC-FORWARD -m conntrack --ctstate INVALID -j DROP\n"

#define OUTPUT_OPEN                                                    \
	"# output\n"                                                   \
	"-A FWC-OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j " \
	"ACCEPT\n"                                                     \
	"-A FWC-OUTPUT -m conntrack --ctstate INVALID -j DROP\n"

static void
test_iptables_minimal_host(void **state)
{
	struct fx *fx = *state;

	fx->rs->kind = FWC_EP_HOST;
	fx->rs->name = "web01";
	fx->rs->has_chain[FWC_CHAIN_FORWARD] = false;
	assert_output(fx, "iptables",
	    HEADER4("host", "web01") "*filter\n"
				     ":INPUT DROP [0:0]\n"
				     ":FORWARD ACCEPT [0:0]\n"
				     ":OUTPUT ACCEPT [0:0]\n"
				     ":FWC-INPUT - [0:0]\n"
				     "-A INPUT -j FWC-INPUT\n"
				     "\n" INPUT_BASE4 "\n"
				     "COMMIT\n",
	    NULL);
	assert_output(fx, "ip6tables",
	    HEADER6("host", "web01") "*filter\n"
				     ":INPUT DROP [0:0]\n"
				     ":FORWARD ACCEPT [0:0]\n"
				     ":OUTPUT ACCEPT [0:0]\n"
				     ":FWC-INPUT - [0:0]\n"
				     "-A INPUT -j FWC-INPUT\n"
				     "\n" INPUT_BASE6 "\n"
				     "COMMIT\n",
	    NULL);
}

/* The gateway of test_nft.c and more: sets of several intervals in
 * helper chains (shared where equal), one-interval sets inline, log and
 * reject at every depth, ICMP types, protocol numbers, an empty set. */
static void
build_gateway(struct fx *fx)
{
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *lan4 = add_set(fx, "hq-lan", FWC_FAM_IP4,
	    "10.1.0.0/16", "10.2.0.10-10.2.0.250", "10.9.9.9", NULL);
	struct fwc_ir_set *lan6 = add_set(fx, "hq-lan", FWC_FAM_IP6,
	    "2001:db8:1::/48", "2001:db8:2::5-2001:db8:2::9", NULL);
	struct fwc_ir_set *mp4 = add_set(fx, "management-point", FWC_FAM_IP4,
	    "10.0.0.12", "10.0.0.13", NULL);
	struct fwc_ir_set *mp6 =
	    add_set(fx, "management-point", FWC_FAM_IP6, "2001:db8::12", NULL);
	struct fwc_ir_set *srv4 =
	    add_set(fx, "servers", FWC_FAM_IP4, "10.0.0.20", "10.0.0.30", NULL);
	struct fwc_ir_set *guest =
	    add_set(fx, "guest", FWC_FAM_IP4, "192.168.50.0/24", NULL);
	struct fwc_ir_set *none = add_set(fx, "nobody", FWC_FAM_IP4, NULL);
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
	r->src = lan4;
	r->dst = srv4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "no-gre");
	r->action = FWC_ACT_DROP;
	r->proto = 47;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "no-gre");
	r->action = FWC_ACT_DROP;
	r->proto = 47;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "no-udp6");
	r->action = FWC_ACT_REJECT;
	r->proto = FWC_PROTO_UDP;
	r->src = lan6;
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
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "client-to-srv");
	r->src = lan4;
	r->dst = srv4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "443");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "dns-to-srv");
	r->src = lan4;
	r->dst = srv4;
	r->proto = FWC_PROTO_UDP;
	r->dport = ports(fx, "53");
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
	r->src = guest;
	r->proto = FWC_PROTO_UDP;
	r->sport = ports(fx, "1024-65535,53");
	r->dport = ports(fx, "80,443,10123");
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
	set_type(r, 143);
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "icmp6-any");
	r->proto = FWC_PROTO_ICMP6;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "icmp-any");
	r->proto = FWC_PROTO_ICMP;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "sctp");
	r->proto = 132;
	r->dport = ports(fx, "5060");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "udplite");
	r->proto = 136;
	r->sport = ports(fx, "7");
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "nobody");
	r->dst = none;
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
}

static void
test_iptables_gateway_v4(void **state)
{
	struct fx *fx = *state;

	build_gateway(fx);
	assert_output(fx, "iptables",
	    "# Generated by fwc " FWC_VERSION
	    " from policy site for gateway gw1, IPv4 "
	    "rules only.\n"
	    "# The other 6 rules of this enforcement point are in the output "
	    "of -t ip6tables.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `iptables-restore < FILE`: it replaces the filter "
	    "table.\n"
	    "*filter\n"
	    ":INPUT DROP [0:0]\n"
	    ":FORWARD DROP [0:0]\n"
	    ":OUTPUT ACCEPT [0:0]\n"
	    ":FWC-INPUT - [0:0]\n"
	    ":FWC-FORWARD - [0:0]\n"
	    ":FWC-OUTPUT - [0:0]\n"
	    ":fwc_log_guest_block - [0:0]\n"
	    ":fwc_d_hq_lan_reject - [0:0]\n"
	    ":fwc_d_servers_reject - [0:0]\n"
	    ":fwc_s_hq_lan - [0:0]\n"
	    ":fwc_s_hq_lan_accept - [0:0]\n"
	    ":fwc_d_servers_accept - [0:0]\n"
	    ":fwc_s_hq_lan_2 - [0:0]\n"
	    ":fwc_d_nobody_accept - [0:0]\n"
	    "-A INPUT -j FWC-INPUT\n"
	    "-A FORWARD -j FWC-FORWARD\n"
	    "-A OUTPUT -j FWC-OUTPUT\n"
	    "\n"
	    "# input\n"
	    "-A FWC-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-INPUT -i lo -j ACCEPT\n",
	    "-A FWC-INPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-INPUT -p tcp -m tcp --dport 22 -s 10.0.0.12/31 -m "
	    "comment --comment \"admin-ssh\" -j LOG --log-prefix \"fwc "
	    "accept admin-ssh: \"\n"
	    "-A FWC-INPUT -p tcp -m tcp --dport 22 -s 10.0.0.12/31 -m "
	    "comment --comment \"admin-ssh\" -j ACCEPT\n"
	    "\n"
	    "# forward\n"
	    "-A FWC-FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-FORWARD -i eth2 -o eth0 -s 192.168.50.0/24 -m comment "
	    "--comment \"guest-block\" -j fwc_d_hq_lan_reject\n"
	    "-A FWC-FORWARD -p tcp -m tcp --dport 22 -m comment --comment "
	    "\"no-ssh\" -j fwc_s_hq_lan\n"
	    "-A FWC-FORWARD -p 47 -m comment --comment \"no-gre\" -j LOG "
	    "--log-prefix \"fwc drop no-gre: \"\n"
	    "-A FWC-FORWARD -p 47 -m comment --comment \"no-gre\" -j DROP\n"
	    "-A FWC-FORWARD -i eth0 -o eth1 -p tcp -m multiport --dports "
	    "80,443,10123 -d 10.0.0.12/31 -m comment --comment "
	    "\"client-to-mp\" -j fwc_s_hq_lan_accept\n"
	    "-A FWC-FORWARD -p tcp -m tcp --dport 443 -m comment --comment "
	    "\"client-to-srv\" -j fwc_s_hq_lan_2\n"
	    "-A FWC-FORWARD -p udp -m udp --dport 53 -m comment --comment "
	    "\"dns-to-srv\" -j fwc_s_hq_lan_2\n"
	    "-A FWC-FORWARD -p tcp -m tcp --dport 49152:65535 -d "
	    "10.0.0.12/31 -m comment --comment \"rpc\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p udp -m udp --sport 68 --dport 67 -m comment "
	    "--comment \"dhcp\" -j fwc_s_hq_lan_accept\n"
	    "-A FWC-FORWARD -p udp -m multiport --dports 80,443,10123 -m ",
	    "multiport --sports 53,1024:65535 -s 192.168.50.0/24 -m comment "
	    "--comment \"multi-udp\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type echo-reply -m "
	    "comment --comment \"icmp-diag\" -j LOG --log-prefix \"fwc "
	    "accept icmp-diag: \"\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type echo-reply -m "
	    "comment --comment \"icmp-diag\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type "
	    "destination-unreachable -m comment --comment \"icmp-diag\" -j "
	    "LOG --log-prefix \"fwc accept icmp-diag: \"\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type "
	    "destination-unreachable -m comment --comment \"icmp-diag\" -j "
	    "ACCEPT\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type time-exceeded -m "
	    "comment --comment \"icmp-diag\" -j LOG --log-prefix \"fwc "
	    "accept icmp-diag: \"\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type time-exceeded -m "
	    "comment --comment \"icmp-diag\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type 200 -m comment "
	    "--comment \"icmp-diag\" -j LOG --log-prefix \"fwc accept "
	    "icmp-diag: \"\n"
	    "-A FWC-FORWARD -p icmp -m icmp --icmp-type 200 -m comment "
	    "--comment \"icmp-diag\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p icmp -m comment --comment \"icmp-any\" -j "
	    "ACCEPT\n"
	    "-A FWC-FORWARD -p 132 -m multiport --dports 5060 -m comment "
	    "--comment \"sctp\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p 136 -m multiport --sports 7 -m comment "
	    "--comment \"udplite\" -j ACCEPT\n"
	    "-A FWC-FORWARD -m comment --comment \"nobody\" -j ",
	    "fwc_d_nobody_accept\n"
	    "-A FWC-FORWARD -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A FWC-FORWARD -j REJECT --reject-with icmp-port-unreachable\n"
	    "\n"
	    "# output\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-OUTPUT -o eth2 -p tcp -m tcp --dport 23 -m comment "
	    "--comment \"no-telnet-out\" -j DROP\n"
	    "\n"
	    "# fwc_log_guest_block: log, then the verdict\n"
	    "-A fwc_log_guest_block -m comment --comment \"guest-block\" -j "
	    "LOG --log-prefix \"fwc reject guest-block: \"\n"
	    "-A fwc_log_guest_block -m comment --comment \"guest-block\" -j "
	    "REJECT --reject-with icmp-port-unreachable\n"
	    "\n"
	    "# fwc_d_hq_lan_reject: destination addresses in set 'hq-lan'\n"
	    "-A fwc_d_hq_lan_reject -d 10.1.0.0/16 -j fwc_log_guest_block\n"
	    "-A fwc_d_hq_lan_reject -m iprange --dst-range "
	    "10.2.0.10-10.2.0.250 -j fwc_log_guest_block\n"
	    "-A fwc_d_hq_lan_reject -d 10.9.9.9 -j fwc_log_guest_block\n"
	    "\n"
	    "# fwc_d_servers_reject: destination addresses in set 'servers'\n"
	    "-A fwc_d_servers_reject -p tcp -d 10.0.0.20 -j REJECT "
	    "--reject-with tcp-reset\n"
	    "-A fwc_d_servers_reject -p tcp -d 10.0.0.30 -j REJECT "
	    "--reject-with tcp-reset\n"
	    "\n"
	    "# fwc_s_hq_lan: source addresses in set 'hq-lan'\n",
	    "-A fwc_s_hq_lan -s 10.1.0.0/16 -j fwc_d_servers_reject\n"
	    "-A fwc_s_hq_lan -m iprange --src-range 10.2.0.10-10.2.0.250 -j "
	    "fwc_d_servers_reject\n"
	    "-A fwc_s_hq_lan -s 10.9.9.9 -j fwc_d_servers_reject\n"
	    "\n"
	    "# fwc_s_hq_lan_accept: source addresses in set 'hq-lan'\n"
	    "-A fwc_s_hq_lan_accept -s 10.1.0.0/16 -j ACCEPT\n"
	    "-A fwc_s_hq_lan_accept -m iprange --src-range "
	    "10.2.0.10-10.2.0.250 -j ACCEPT\n"
	    "-A fwc_s_hq_lan_accept -s 10.9.9.9 -j ACCEPT\n"
	    "\n"
	    "# fwc_d_servers_accept: destination addresses in set 'servers'\n"
	    "-A fwc_d_servers_accept -d 10.0.0.20 -j ACCEPT\n"
	    "-A fwc_d_servers_accept -d 10.0.0.30 -j ACCEPT\n"
	    "\n"
	    "# fwc_s_hq_lan_2: source addresses in set 'hq-lan'\n"
	    "-A fwc_s_hq_lan_2 -s 10.1.0.0/16 -j fwc_d_servers_accept\n"
	    "-A fwc_s_hq_lan_2 -m iprange --src-range 10.2.0.10-10.2.0.250 "
	    "-j fwc_d_servers_accept\n"
	    "-A fwc_s_hq_lan_2 -s 10.9.9.9 -j fwc_d_servers_accept\n"
	    "\n"
	    "# fwc_d_nobody_accept: destination addresses in set 'nobody'\n"
	    "\n"
	    "COMMIT\n",
	    NULL);
}

static void
test_iptables_gateway_v6(void **state)
{
	struct fx *fx = *state;

	build_gateway(fx);
	assert_output(fx, "ip6tables",
	    "# Generated by fwc " FWC_VERSION
	    " from policy site for gateway gw1, IPv6 "
	    "rules only.\n"
	    "# The other 16 rules of this enforcement point are in the "
	    "output of -t iptables.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `ip6tables-restore < FILE`: it replaces the filter "
	    "table.\n"
	    "*filter\n"
	    ":INPUT DROP [0:0]\n"
	    ":FORWARD DROP [0:0]\n"
	    ":OUTPUT ACCEPT [0:0]\n"
	    ":FWC-INPUT - [0:0]\n"
	    ":FWC-FORWARD - [0:0]\n"
	    ":FWC-OUTPUT - [0:0]\n"
	    ":fwc_s_hq_lan_reject - [0:0]\n"
	    ":fwc_s_hq_lan_accept - [0:0]\n"
	    "-A INPUT -j FWC-INPUT\n"
	    "-A FORWARD -j FWC-FORWARD\n"
	    "-A OUTPUT -j FWC-OUTPUT\n"
	    "\n"
	    "# input\n"
	    "-A FWC-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-INPUT -i lo -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "router-solicitation -m hl --hl-eq 255 -j ACCEPT\n",
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "router-advertisement -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-INPUT -s 2001:db8::12 -m comment --comment \"admin-any\" "
	    "-j ACCEPT\n"
	    "\n"
	    "# forward\n"
	    "-A FWC-FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-FORWARD -p 47 -m comment --comment \"no-gre\" -j LOG "
	    "--log-prefix \"fwc drop no-gre: \"\n"
	    "-A FWC-FORWARD -p 47 -m comment --comment \"no-gre\" -j DROP\n"
	    "-A FWC-FORWARD -p udp -m comment --comment \"no-udp6\" -j "
	    "fwc_s_hq_lan_reject\n"
	    "-A FWC-FORWARD -p tcp -m multiport --dports 80,443,10123 -d "
	    "2001:db8::12 -m comment --comment \"client-to-mp\" -j "
	    "fwc_s_hq_lan_accept\n"
	    "-A FWC-FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type echo-request "
	    "-d 2001:db8::12 -m comment --comment \"ping6\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type echo-reply "
	    "-d 2001:db8::12 -m comment --comment \"ping6\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type 143 -d "
	    "2001:db8::12 -m comment --comment \"ping6\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p ipv6-icmp -m comment --comment \"icmp6-any\" "
	    "-j ACCEPT\n"
	    "-A FWC-FORWARD -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A FWC-FORWARD -j REJECT --reject-with icmp6-port-unreachable\n"
	    "\n"
	    "# output\n",
	    "-A FWC-OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "\n"
	    "# fwc_s_hq_lan_reject: source addresses in set 'hq-lan'\n"
	    "-A fwc_s_hq_lan_reject -s 2001:db8:1::/48 -j REJECT "
	    "--reject-with icmp6-port-unreachable\n"
	    "-A fwc_s_hq_lan_reject -m iprange --src-range "
	    "2001:db8:2::5-2001:db8:2::9 -j REJECT --reject-with "
	    "icmp6-port-unreachable\n"
	    "\n"
	    "# fwc_s_hq_lan_accept: source addresses in set 'hq-lan'\n"
	    "-A fwc_s_hq_lan_accept -s 2001:db8:1::/48 -j ACCEPT\n"
	    "-A fwc_s_hq_lan_accept -m iprange --src-range "
	    "2001:db8:2::5-2001:db8:2::9 -j ACCEPT\n"
	    "\n"
	    "COMMIT\n",
	    NULL);
}

static void
test_iptables_filtered_output_reject(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *dns = add_set(
	    fx, "dns", FWC_FAM_IP6, "2001:db8::53", "2001:db8::153", NULL);
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
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "dns");
	r->dst = dns;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "53");
	r->log = true;
	assert_output(fx, "ip6tables",
	    "# Generated by fwc " FWC_VERSION
	    " from policy site for host h1, IPv6 "
	    "rules only.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `ip6tables-restore < FILE`: it replaces the filter "
	    "table.\n"
	    "*filter\n"
	    ":INPUT DROP [0:0]\n"
	    ":FORWARD ACCEPT [0:0]\n"
	    ":OUTPUT DROP [0:0]\n"
	    ":FWC-INPUT - [0:0]\n"
	    ":FWC-OUTPUT - [0:0]\n"
	    ":fwc_log_dns - [0:0]\n"
	    ":fwc_d_dns_accept - [0:0]\n"
	    "-A INPUT -j FWC-INPUT\n"
	    "-A OUTPUT -j FWC-OUTPUT\n"
	    "\n"
	    "# input\n"
	    "-A FWC-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-INPUT -i lo -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "router-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "router-advertisement -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-INPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-INPUT -p tcp -j REJECT --reject-with tcp-reset\n",
	    "-A FWC-INPUT -j REJECT --reject-with icmp6-port-unreachable\n"
	    "\n"
	    "# output\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-OUTPUT -o lo -j ACCEPT\n"
	    "-A FWC-OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "router-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type "
	    "router-advertisement -m hl --hl-eq 255 -j ACCEPT\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-OUTPUT -p udp -m udp --dport 53 -m comment --comment "
	    "\"dns\" -j fwc_d_dns_accept\n"
	    "-A FWC-OUTPUT -p tcp -m tcp --dport 53 -m comment --comment "
	    "\"dns\" -j fwc_d_dns_accept\n"
	    "-A FWC-OUTPUT -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A FWC-OUTPUT -j REJECT --reject-with icmp6-port-unreachable\n"
	    "\n"
	    "# fwc_log_dns: log, then the verdict\n"
	    "-A fwc_log_dns -m comment --comment \"dns\" -j LOG --log-prefix "
	    "\"fwc accept dns: \"\n"
	    "-A fwc_log_dns -m comment --comment \"dns\" -j ACCEPT\n"
	    "\n"
	    "# fwc_d_dns_accept: destination addresses in set 'dns'\n"
	    "-A fwc_d_dns_accept -d 2001:db8::53 -j fwc_log_dns\n"
	    "-A fwc_d_dns_accept -d 2001:db8::153 -j fwc_log_dns\n",
	    "\n"
	    "COMMIT\n",
	    NULL);
	assert_output(fx, "iptables",
	    "# Generated by fwc " FWC_VERSION
	    " from policy site for host h1, IPv4 "
	    "rules only.\n"
	    "# The other 2 rules of this enforcement point are in the output "
	    "of -t ip6tables.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `iptables-restore < FILE`: it replaces the filter "
	    "table.\n"
	    "*filter\n"
	    ":INPUT DROP [0:0]\n"
	    ":FORWARD ACCEPT [0:0]\n"
	    ":OUTPUT DROP [0:0]\n"
	    ":FWC-INPUT - [0:0]\n"
	    ":FWC-OUTPUT - [0:0]\n"
	    "-A INPUT -j FWC-INPUT\n"
	    "-A OUTPUT -j FWC-OUTPUT\n"
	    "\n"
	    "# input\n"
	    "-A FWC-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-INPUT -i lo -j ACCEPT\n"
	    "-A FWC-INPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-INPUT -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A FWC-INPUT -j REJECT --reject-with icmp-port-unreachable\n"
	    "\n"
	    "# output\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-OUTPUT -o lo -j ACCEPT\n"
	    "-A FWC-OUTPUT -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-OUTPUT -p tcp -j REJECT --reject-with tcp-reset\n",
	    "-A FWC-OUTPUT -j REJECT --reject-with icmp-port-unreachable\n"
	    "\n"
	    "COMMIT\n",
	    NULL);
}

static void
test_iptables_hostile_text(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;

	rs->policy = "p\"\nCOMMIT\n*nat";
	rs->name = "gw\n-A INPUT -j ACCEPT";
	rs->has_chain[FWC_CHAIN_INPUT] = false;
	s = add_set(
	    fx, "x\"y -j ACCEPT", FWC_FAM_IP4, "10.0.0.1", "10.0.0.3", NULL);
	s->comment = "c\" \n-A INPUT -j ACCEPT \\ \x01 \xc3\xa9";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "a\"; -j ACCEPT #");
	r->src = s;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "$(reboot)`id`");
	r->action = FWC_ACT_DROP;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4,
	    "line1\n-A FORWARD -j ACCEPT\r\n");
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "");
	r->action = FWC_ACT_REJECT;
	r->log = true;
	assert_output(fx, "iptables",
	    "# Generated by fwc " FWC_VERSION
	    " from policy p__COMMIT__nat for gateway "
	    "gw_-A INPUT -j ACCEPT, IPv4 rules only.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `iptables-restore < FILE`: it replaces the filter "
	    "table.\n"
	    "*filter\n"
	    ":INPUT ACCEPT [0:0]\n"
	    ":FORWARD DROP [0:0]\n"
	    ":OUTPUT ACCEPT [0:0]\n"
	    ":FWC-FORWARD - [0:0]\n"
	    ":fwc_log_a____j_ACCEPT__ - [0:0]\n"
	    ":fwc_s_x_y__j_ACCEPT_accept - [0:0]\n"
	    "-A FORWARD -j FWC-FORWARD\n"
	    "\n"
	    "# forward\n"
	    "-A FWC-FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-FORWARD -m comment --comment \"a__ -j ACCEPT _\" -j "
	    "fwc_s_x_y__j_ACCEPT_accept\n"
	    "-A FWC-FORWARD -m comment --comment \"__reboot__id_\" -j LOG "
	    "--log-prefix \"fwc drop __reboot__id_: \"\n"
	    "-A FWC-FORWARD -m comment --comment \"__reboot__id_\" -j DROP\n"
	    "-A FWC-FORWARD -m comment --comment \"line1_-A FORWARD -j "
	    "ACCEPT__\" -j LOG --log-prefix \"fwc accept line1_-A FORWARD: "
	    "\"\n"
	    "-A FWC-FORWARD -m comment --comment \"line1_-A FORWARD -j "
	    "ACCEPT__\" -j ACCEPT\n"
	    "-A FWC-FORWARD -j LOG --log-prefix \"fwc reject: \"\n"
	    "-A FWC-FORWARD -j REJECT --reject-with icmp-port-unreachable\n",
	    "\n"
	    "# fwc_log_a____j_ACCEPT__: log, then the verdict\n"
	    "-A fwc_log_a____j_ACCEPT__ -m comment --comment \"a__ -j ACCEPT "
	    "_\" -j LOG --log-prefix \"fwc accept a__ -j ACCEPT _: \"\n"
	    "-A fwc_log_a____j_ACCEPT__ -m comment --comment \"a__ -j ACCEPT "
	    "_\" -j ACCEPT\n"
	    "\n"
	    "# fwc_s_x_y__j_ACCEPT_accept: source addresses in set 'x_y -j "
	    "ACCEPT'\n"
	    "-A fwc_s_x_y__j_ACCEPT_accept -s 10.0.0.1 -j "
	    "fwc_log_a____j_ACCEPT__\n"
	    "-A fwc_s_x_y__j_ACCEPT_accept -s 10.0.0.3 -j "
	    "fwc_log_a____j_ACCEPT__\n"
	    "\n"
	    "COMMIT\n",
	    NULL);
}

static void
test_iptables_many_ports(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *lan =
	    add_set(fx, "lan", FWC_FAM_IP4, "10.0.0.0/24", "10.0.2.0/24", NULL);
	struct fwc_ir_rule *r;

	fx->rs->has_chain[FWC_CHAIN_INPUT] = false;
	/* 18 ports: 15 and 3. */
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "many");
	r->proto = FWC_PROTO_UDP;
	r->dport =
	    ports(fx, "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35");
	/* 14 ports and a range that does not fit beside them. */
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "ranges");
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx,
	    "1,3,5,7,9,11,13,15,17,19,21,23,25,27,100-200,300-400,500-600,"
	    "700-800,900-1000,1100-1200,1300-1400,1500-1600");
	r->src = lan;
	r->log = true;
	/* Both directions split: the source ports get a chain. */
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "both");
	r->action = FWC_ACT_REJECT;
	r->proto = FWC_PROTO_TCP;
	r->dport =
	    ports(fx, "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35");
	r->sport =
	    ports(fx, "2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36");
	assert_output(fx, "iptables",
	    "# Generated by fwc " FWC_VERSION
	    " from policy site for gateway gw1, IPv4 "
	    "rules only.\n"
	    "# Do not edit: fwc rewrites this file from the policy.\n"
	    "# Load with `iptables-restore < FILE`: it replaces the filter "
	    "table.\n"
	    "*filter\n"
	    ":INPUT ACCEPT [0:0]\n"
	    ":FORWARD DROP [0:0]\n"
	    ":OUTPUT ACCEPT [0:0]\n"
	    ":FWC-FORWARD - [0:0]\n"
	    ":fwc_log_ranges - [0:0]\n"
	    ":fwc_s_lan_accept - [0:0]\n"
	    ":fwc_ports_reject - [0:0]\n"
	    "-A FORWARD -j FWC-FORWARD\n"
	    "\n"
	    "# forward\n"
	    "-A FWC-FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j "
	    "ACCEPT\n"
	    "-A FWC-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
	    "-A FWC-FORWARD -p udp -m multiport --dports "
	    "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29 -m comment --comment "
	    "\"many\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p udp -m multiport --dports 31,33,35 -m comment "
	    "--comment \"many\" -j ACCEPT\n"
	    "-A FWC-FORWARD -p tcp -m multiport --dports "
	    "1,3,5,7,9,11,13,15,17,19,21,23,25,27 -m comment --comment "
	    "\"ranges\" -j fwc_s_lan_accept\n"
	    "-A FWC-FORWARD -p tcp -m multiport --dports "
	    "100:200,300:400,500:600,700:800,900:1000,1100:1200,1300:1400 -m "
	    "comment --comment \"ranges\" -j fwc_s_lan_accept\n",
	    "-A FWC-FORWARD -p tcp -m multiport --dports 1500:1600 -m "
	    "comment --comment \"ranges\" -j fwc_s_lan_accept\n"
	    "-A FWC-FORWARD -p tcp -m multiport --dports "
	    "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29 -m comment --comment "
	    "\"both\" -j fwc_ports_reject\n"
	    "-A FWC-FORWARD -p tcp -m multiport --dports 31,33,35 -m comment "
	    "--comment \"both\" -j fwc_ports_reject\n"
	    "\n"
	    "# fwc_log_ranges: log, then the verdict\n"
	    "-A fwc_log_ranges -m comment --comment \"ranges\" -j LOG "
	    "--log-prefix \"fwc accept ranges: \"\n"
	    "-A fwc_log_ranges -m comment --comment \"ranges\" -j ACCEPT\n"
	    "\n"
	    "# fwc_s_lan_accept: source addresses in set 'lan'\n"
	    "-A fwc_s_lan_accept -s 10.0.0.0/24 -j fwc_log_ranges\n"
	    "-A fwc_s_lan_accept -s 10.0.2.0/24 -j fwc_log_ranges\n"
	    "\n"
	    "# fwc_ports_reject: source ports\n"
	    "-A fwc_ports_reject -p tcp -m multiport --sports "
	    "2,4,6,8,10,12,14,16,18,20,22,24,26,28,30 -j REJECT "
	    "--reject-with tcp-reset\n"
	    "-A fwc_ports_reject -p tcp -m multiport --sports 32,34,36 -j "
	    "REJECT --reject-with tcp-reset\n"
	    "\n"
	    "COMMIT\n",
	    NULL);
}

static void
test_iptables_long_text_truncated(void **state)
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
	out = emit(fx, "iptables");
	p = strstr(out, "--log-prefix \"");
	assert_non_null(p);
	p += strlen("--log-prefix \"");
	q = strchr(p, '"');
	assert_int_equal(q - p, 29);
	assert_memory_equal(p, "fwc reject fff", 14);
	assert_memory_equal(q - 2, ": ", 2);
	p = strstr(out, "--comment \"");
	assert_non_null(p);
	p += strlen("--comment \"");
	q = strchr(p, '"');
	assert_int_equal(q - p, 255);
	free(out);
}

/* Chain names stay within 28 bytes and unique, whatever the set names. */
static void
test_iptables_chain_names(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *a;
	struct fwc_ir_set *b;
	struct fwc_ir_set *c;
	struct fwc_ir_rule *r;
	char longname[201];
	char *out;
	const char *p;

	memset(longname, 'n', 200);
	longname[200] = '\0';
	a = add_set(fx, longname, FWC_FAM_IP4, "10.0.0.1", "10.0.0.3", NULL);
	b = add_set(fx, "hq-lan", FWC_FAM_IP4, "10.0.1.1", "10.0.1.3", NULL);
	c = add_set(fx, "hq_lan", FWC_FAM_IP4, "10.0.2.1", "10.0.2.3", NULL);
	fx->rs->has_chain[FWC_CHAIN_INPUT] = false;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, longname);
	r->src = a;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, longname);
	r->action = FWC_ACT_DROP;
	r->dst = a;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f");
	r->src = b;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f");
	r->src = c;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "FWC-INPUT");
	r->src = c;
	r->dst = b;
	out = emit(fx, "iptables");
	assert_non_null(
	    strstr(out, "\n:fwc_log_nnnnnnnnnnnnnnnnnnnn - [0:0]\n"));
	assert_non_null(
	    strstr(out, "\n:fwc_log_nnnnnnnnnnnnnnnnnn_2 - [0:0]\n"));
	assert_non_null(
	    strstr(out, "\n:fwc_s_nnnnnnnnnnnnnnn_accept - [0:0]\n"));
	assert_non_null(
	    strstr(out, "\n:fwc_d_nnnnnnnnnnnnnnnnn_drop - [0:0]\n"));
	assert_non_null(strstr(out, "\n:fwc_s_hq_lan_accept - [0:0]\n"));
	assert_non_null(strstr(out, "\n:fwc_s_hq_lan_accept_2 - [0:0]\n"));
	assert_non_null(strstr(out, "\n:fwc_s_hq_lan - [0:0]\n"));
	assert_non_null(strstr(out, "\n:fwc_d_hq_lan_accept - [0:0]\n"));
	for (p = strstr(out, "\n:"); p != NULL; p = strstr(p + 1, "\n:"))
		assert_true(strcspn(p + 2, " ") <= 28);
	free(out);
}

/* Any number of sources and destinations costs lines in proportion to
 * their sum, not their product. */
static void
test_iptables_linear_size(void **state)
{
	struct fx *fx = *state;
	struct fwc_ivl v[200];
	struct fwc_ir_set *src;
	struct fwc_ir_set *dst;
	struct fwc_ir_rule *r;
	char *out;
	size_t i;

	for (i = 0; i < 200; i++) {
		v[i].lo.hi = 0;
		v[i].lo.lo = 0x0a000000u + 2 * i;
		v[i].hi = v[i].lo;
	}
	src = add_set_ivls(fx, "many-src", FWC_FAM_IP4, v, 200);
	for (i = 0; i < 200; i++) {
		v[i].lo.lo = 0x0b000000u + 2 * i;
		v[i].hi = v[i].lo;
	}
	dst = add_set_ivls(fx, "many-dst", FWC_FAM_IP4, v, 200);
	assert_int_equal(src->n, 200);
	assert_int_equal(dst->n, 200);
	for (i = 0; i < 3; i++) {
		r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "big");
		r->src = src;
		r->dst = dst;
		r->proto = FWC_PROTO_TCP;
		r->dport = ports(fx, i == 2 ? "443" : "80");
	}
	r->action = FWC_ACT_DROP;
	out = emit(fx, "iptables");
	/* One chain per set and verdict, shared by the rules that agree. */
	assert_int_equal(count_lines_with(out, "\n-A fwc_s_many_src "), 200);
	assert_int_equal(count_lines_with(out, "\n-A fwc_s_many_src_2 "), 200);
	assert_int_equal(
	    count_lines_with(out, "\n-A fwc_d_many_dst_accept "), 200);
	assert_int_equal(
	    count_lines_with(out, "\n-A fwc_d_many_dst_drop "), 200);
	assert_int_equal(count_lines_with(out, "\n-A "), 800 + 3 + 4 + 3);
	free(out);
}

/* Writes every "-s", "-d" and range argument of text, one a line. */
static void
addresses(const char *text, struct fwc_strbuf *sb)
{
	static const char *const opts[] = { " -s ", " -d ", " --src-range ",
		" --dst-range " };
	size_t i;

	for (i = 0; i < 4; i++) {
		const char *p = text;

		while ((p = strstr(p, opts[i])) != NULL) {
			p += strlen(opts[i]);
			fwc_strbuf_addn(sb, p, strcspn(p, " \n"));
			fwc_strbuf_addc(sb, '\n');
		}
	}
}

/* Each output holds only addresses of its family, every rule of it, and
 * no ICMP of the other family. */
static void
test_iptables_family_separation(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *s4 = add_set(
	    fx, "dual", FWC_FAM_IP4, "10.0.0.1", "10.0.0.5-10.0.0.9", NULL);
	struct fwc_ir_set *s6 = add_set(fx, "dual", FWC_FAM_IP6, "2001:db8::1",
	    "::ffff:10.0.0.1", "2001:db8::5-2001:db8::9", NULL);
	struct fwc_ir_set *one4 =
	    add_set(fx, "one", FWC_FAM_IP4, "0.0.0.1", NULL);
	struct fwc_ir_set *one6 = add_set(fx, "one", FWC_FAM_IP6, "::1", NULL);
	struct fwc_ir_rule *r;
	struct fwc_strbuf a;
	char *v4;
	char *v6;
	const char *p;

	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "four");
	r->src = s4;
	r->dst = one4;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "six");
	r->src = s6;
	r->dst = one6;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "ping4");
	r->proto = FWC_PROTO_ICMP;
	r->dst = s4;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "ping6");
	r->proto = FWC_PROTO_ICMP6;
	r->src = s6;
	v4 = emit(fx, "iptables");
	v6 = emit(fx, "ip6tables");
	fwc_strbuf_init(&a);
	addresses(v4, &a);
	assert_string_equal(a.buf, "10.0.0.1\n"
				   "0.0.0.1\n"
				   "10.0.0.1\n"
				   "10.0.0.5-10.0.0.9\n"
				   "10.0.0.5-10.0.0.9\n");
	fwc_strbuf_reset(&a);
	addresses(v6, &a);
	assert_string_equal(a.buf, "::ffff:10.0.0.1\n"
				   "2001:db8::1\n"
				   "::1\n"
				   "2001:db8::5-2001:db8::9\n");
	fwc_strbuf_release(&a);
	assert_null(strstr(v4, "six"));
	assert_null(strstr(v4, "icmp6"));
	assert_null(strstr(v4, "ipv6-icmp"));
	assert_non_null(strstr(v4, "\"four\""));
	assert_non_null(strstr(v4, "-p icmp "));
	assert_null(strstr(v6, "four"));
	assert_null(strstr(v6, "-p icmp "));
	assert_null(strstr(v6, "icmp-port"));
	assert_non_null(strstr(v6, "\"six\""));
	/* No dotted quad outside an IPv4-mapped IPv6 address. */
	for (p = strstr(v6, "10.0.0."); p != NULL; p = strstr(p + 1, "10.0.0."))
		assert_memory_equal(p - 7, "::ffff:", 7);
	free(v4);
	free(v6);
}

/* Runs fn on the fixture in a child process; returns its wait status. */
static int
in_child(struct fx *fx, void (*fn)(struct fx *))
{
	pid_t pid;
	int status = 0;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(99);
		fn(fx);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
emit_v4(struct fx *fx)
{
	struct fwc_strbuf sb;

	fwc_strbuf_init(&sb);
	fwc_backend_iptables.emit(fx->rs, &sb, &fx->dg);
	fwc_strbuf_release(&sb);
}

static void
emit_v6(struct fx *fx)
{
	struct fwc_strbuf sb;

	fwc_strbuf_init(&sb);
	fwc_backend_ip6tables.emit(fx->rs, &sb, &fx->dg);
	fwc_strbuf_release(&sb);
}

/* A set of the wrong family behind a rule is a compiler bug: the output
 * must never be written with it. */
static void
test_iptables_family_assertion(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *s4 =
	    add_set(fx, "v4", FWC_FAM_IP4, "10.0.0.1", NULL);
	struct fwc_ir_set *s6 =
	    add_set(fx, "v6", FWC_FAM_IP6, "2001:db8::1", NULL);
	struct fwc_ir_rule *r4;
	struct fwc_ir_rule *r6;
	int st;

	r4 = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "four");
	r4->src = s4;
	r6 = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "six");
	r6->src = s6;
	st = in_child(fx, emit_v4);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(fx, emit_v6);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	r4->src = s6;
	st = in_child(fx, emit_v4);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	r4->src = s4;
	r6->dst = s4;
	st = in_child(fx, emit_v6);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	/* A set that claims the right family but holds the other's
	 * addresses. */
	r6->dst = NULL;
	s6->family = FWC_FAM_IP4;
	r4->src = s6;
	r6->src = NULL;
	st = in_child(fx, emit_v4);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

static void
test_iptables_fqdn_error(void **state)
{
	struct fx *fx = *state;
	static const char *const names[] = { "download.windowsupdate.com",
		"x\"; -j ACCEPT" };
	struct fwc_ir_set *s4;
	struct fwc_ir_set *s6;
	struct fwc_ir_set *plain;
	struct fwc_ir_rule *r;
	struct fwc_strbuf sb;
	char *text;

	s4 = add_set(fx, "microsoft-update", FWC_FAM_IP4, "203.0.113.1", NULL);
	s4->fqdns = names;
	s4->n_fqdns = 2;
	s6 = add_set(fx, "microsoft-update", FWC_FAM_IP6, NULL);
	s6->fqdns = names;
	s6->n_fqdns = 1;
	plain = add_set(fx, "lan", FWC_FAM_IP4, "10.0.0.0/8", NULL);
	/* Two rules of one flow: one error. */
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "to-mu");
	r->src = plain;
	r->dst = s4;
	r->iif = "eth0";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "to-mu");
	r->origin.loc = fx->rs->rules[0].origin.loc;
	r->dst = s4;
	r->iif = "eth1";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "from-mu");
	r->src = s4;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "to-mu");
	r->dst = s6;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "fine");
	r->dst = plain;
	assert_int_equal(fwc_backend_iptables.check(fx->rs, &fx->dg), -1);
	text = diag_text(fx);
	assert_string_equal(text,
	    "site.xml:21:5: error: target 'iptables' cannot express DNS "
	    "names ('download.windowsupdate.com' and 1 more in set "
	    "'microsoft-update'); use --resolve\n"
	    "site.xml:23:5: error: target 'iptables' cannot express DNS "
	    "names ('download.windowsupdate.com' and 1 more in set "
	    "'microsoft-update'); use --resolve\n");
	free(text);
	assert_int_equal(fx->dg.errors, 2);
	assert_int_equal(fwc_backend_ip6tables.check(fx->rs, &fx->dg), -1);
	text = diag_text(fx);
	assert_non_null(strstr(text,
	    "site.xml:24:5: error: target 'ip6tables' cannot express DNS "
	    "names ('download.windowsupdate.com' in set 'microsoft-update'); "
	    "use --resolve\n"));
	free(text);
	assert_int_equal(fx->dg.errors, 3);
	/* emit refuses too, and writes nothing. */
	fwc_strbuf_init(&sb);
	assert_int_equal(fwc_backend_iptables.emit(fx->rs, &sb, &fx->dg), -1);
	assert_int_equal(sb.len, 0);
	assert_int_equal(fwc_backend_ip6tables.emit(fx->rs, &sb, &fx->dg), -1);
	assert_int_equal(sb.len, 0);
	fwc_strbuf_release(&sb);
	/* The nft backend fills such sets at apply time: no error there. */
	fx->dg.errors = 0;
	assert_int_equal(fwc_backend_find("nft")->check(fx->rs, &fx->dg), 0);
}

static void
test_iptables_check_ifnames(void **state)
{
	struct fx *fx = *state;
	struct fwc_strbuf sb;
	struct fwc_ir_rule *r;
	char *text;

	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f1");
	r->iif = "eth0";
	r->oif = "a-very-long-interface0";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f2");
	r->iif = "eth0 -j ACCEPT";
	r->oif = "a-very-long-interface0";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f3");
	r->iif = "eth+";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f4");
	r->iif = "";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f5");
	r->iif = "123456789012345";
	r->oif = "v.l_a-N";
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f6");
	r->proto = 0;
	/* Another rule of the same flow: no second error. */
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "f6");
	r->origin.loc = fx->rs->rules[5].origin.loc;
	r->proto = 0;
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP6, "f7");
	r->iif = "!eth0";
	assert_int_equal(fwc_backend_iptables.check(fx->rs, &fx->dg), -1);
	text = diag_text(fx);
	assert_string_equal(text,
	    "site.xml:21:5: error: target 'iptables' cannot express interface "
	    "name 'a-very-long-interface0' (expected 1 to 15 bytes of "
	    "[A-Za-z0-9._-])\n"
	    "site.xml:22:5: error: target 'iptables' cannot express interface "
	    "name 'eth0 -j ACCEPT' (expected 1 to 15 bytes of "
	    "[A-Za-z0-9._-])\n"
	    "site.xml:23:5: error: target 'iptables' cannot express interface "
	    "name 'eth+' (expected 1 to 15 bytes of [A-Za-z0-9._-])\n"
	    "site.xml:24:5: error: target 'iptables' cannot express interface "
	    "name '' (expected 1 to 15 bytes of [A-Za-z0-9._-])\n"
	    "site.xml:26:5: error: target 'iptables' cannot express IP "
	    "protocol 0 (it means every protocol there)\n");
	free(text);
	assert_int_equal(fx->dg.errors, 5);
	fwc_strbuf_init(&sb);
	assert_int_equal(fwc_backend_iptables.emit(fx->rs, &sb, &fx->dg), -1);
	/* emit ran the check again: the same five errors. */
	assert_int_equal(fx->dg.errors, 10);
	assert_int_equal(sb.len, 0);
	fwc_strbuf_release(&sb);
	/* The IPv6 rule's interface is the ip6tables target's concern. */
	assert_int_equal(fwc_backend_ip6tables.check(fx->rs, &fx->dg), -1);
	text = diag_text(fx);
	assert_non_null(strstr(text,
	    "site.xml:28:5: error: target 'ip6tables' cannot express "
	    "interface name '_eth0' (expected 1 to 15 bytes of "
	    "[A-Za-z0-9._-])\n"));
	free(text);
	assert_int_equal(fx->dg.errors, 11);
}

static void
test_iptables_backend_table(void **state)
{
	const struct fwc_backend *const *v;
	const struct fwc_backend *be4;
	const struct fwc_backend *be6;
	size_t n = 0;

	(void)state;
	be4 = fwc_backend_find("iptables");
	be6 = fwc_backend_find("ip6tables");
	assert_ptr_equal(be4, &fwc_backend_iptables);
	assert_ptr_equal(be6, &fwc_backend_ip6tables);
	assert_int_equal(be4->abi, FWC_BACKEND_ABI);
	assert_int_equal(be6->abi, FWC_BACKEND_ABI);
	assert_int_equal(be4->caps, FWC_CAP_LOG);
	assert_int_equal(be6->caps, FWC_CAP_IPV6 | FWC_CAP_LOG);
	assert_non_null(be4->check);
	assert_non_null(be4->emit);
	assert_null(be4->apply);
	v = fwc_backend_list(&n);
	assert_true(n >= 3);
	assert_string_equal(v[0]->name, "nft");
	assert_ptr_equal(v[1], be4);
	assert_ptr_equal(v[2], be6);
}

/* Output of cmd (run with sh) in a heap string. */
static char *
capture(const char *cmd)
{
	struct fwc_strbuf sb;
	char buf[4096];
	size_t n;
	FILE *f = popen(cmd, "r");
	char *s;

	assert_non_null(f);
	fwc_strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwc_strbuf_addn(&sb, buf, n);
	assert_int_equal(pclose(f), 0);
	s = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return s;
}

/* Loads both outputs twice in one namespace: a full restore replaces the
 * filter table, leaving every chain and jump once; a foreign chain does
 * not survive. --noflush (documented) keeps the built-in chains' rules,
 * so a second jump appears. */
static void
test_iptables_load_twice(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *s;
	struct fwc_ir_rule *r;
	char *v4;
	char *v6;
	char *p4;
	char *p6;
	char *saved;
	char cmd[1024];

	if (!can_test()) {
		skip();
		return;
	}
	s = add_set(fx, "lan", FWC_FAM_IP4, "10.0.0.0/8",
	    "192.168.1.1-192.168.1.9", NULL);
	r = add_rule(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "a\"; -j ACCEPT #");
	r->src = s;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443");
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "ssh6");
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "22");
	v4 = emit(fx, "iptables");
	v6 = emit(fx, "ip6tables");
	p4 = write_temp(v4);
	p6 = write_temp(v6);
	snprintf(cmd, sizeof(cmd),
	    "unshare -n sh -c 'iptables -N OTHER && iptables-restore < %s && "
	    "iptables-restore < %s && ip6tables-restore < %s && "
	    "ip6tables-restore < %s && iptables-save && ip6tables-save && "
	    "iptables-restore --noflush < %s && iptables-save' "
	    "| grep -v \"^#\"",
	    p4, p4, p6, p6, p4);
	saved = capture(cmd);
	assert_int_equal(count_lines_with(saved, ":OTHER"), 0);
	assert_int_equal(count_lines_with(saved, ":fwc_s_lan_accept - "), 2);
	assert_int_equal(count_lines_with(saved, "-A INPUT -j FWC-INPUT\n"), 4);
	assert_int_equal(
	    count_lines_with(saved, "-A FORWARD -j FWC-FORWARD\n"), 4);
	assert_int_equal(count_lines_with(saved, "--icmpv6-type 135 "), 1);
	assert_int_equal(
	    count_lines_with(saved, "--comment \"a__ -j ACCEPT _\""), 6);
	assert_int_equal(count_lines_with(saved, "--log-prefix \"fwc accept "
						 "a__ -j ACCEPT _: \""),
	    2);
	unlink(p4);
	unlink(p6);
	free(p4);
	free(p6);
	free(saved);
	free(v4);
	free(v6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_iptables_minimal_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_gateway_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_gateway_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_filtered_output_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_hostile_text, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_many_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_long_text_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_chain_names, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_linear_size, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_family_separation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_family_assertion, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_fqdn_error, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_iptables_check_ifnames, setup, teardown),
		cmocka_unit_test(test_iptables_backend_table),
		cmocka_unit_test_setup_teardown(
		    test_iptables_load_twice, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
