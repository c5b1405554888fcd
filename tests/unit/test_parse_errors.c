/* Unit tests of the backend output parsers on small hand-written inputs:
 * what each accepts and what it turns it into, and the exact located
 * error for what it does not understand (backends/<target>_parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/eval.h"
#include "fwc/ir.h"

struct fx {
	struct fwc_arena *a;
	struct fwc_ruleset *rs;
	char err[4096];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->a = fwc_arena_new();
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fwc_arena_release(fx->a);
	free(fx);
	return 0;
}

/* Parses text with target; returns the hook's result, the diagnostics in
 * fx->err and the ruleset in fx->rs. */
static int
parse(struct fx *fx, const char *target, const char *text)
{
	const struct fwc_backend *be = fwc_backend_find(target);
	struct fwc_diag dg;
	FILE *sink = tmpfile();
	size_t n;
	int rc;

	assert_non_null(be);
	assert_non_null(be->parse);
	assert_non_null(sink);
	fwc_diag_init(&dg, sink);
	fx->rs = fwc_arena_alloc(fx->a, sizeof(*fx->rs));
	rc = be->parse(fx->a, "out", text, strlen(text), fx->rs, &dg);
	rewind(sink);
	n = fread(fx->err, 1, sizeof(fx->err) - 1, sink);
	fx->err[n] = '\0';
	fclose(sink);
	fwc_diag_release(&dg);
	return rc;
}

static enum fwc_action
verdict(const struct fx *fx, enum fwc_chain c, enum fwc_family f,
    const char *src, const char *dst, int proto, uint16_t dport)
{
	struct fwc_packet p;
	enum fwc_family fam;
	const char *why;

	memset(&p, 0, sizeof(p));
	p.chain = c;
	p.family = f;
	p.iif = "eth0";
	p.oif = "eth1";
	assert_int_equal(fwc_addr_parse(src, &fam, &p.src, &why), 0);
	assert_int_equal(fwc_addr_parse(dst, &fam, &p.dst, &why), 0);
	p.proto = proto;
	p.sport = 40000;
	p.dport = dport;
	p.icmp_type = -1;
	return fwc_eval_packet(fx->rs, &p, NULL);
}

static void
test_parse_nft_rules_and_defaults(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(
	    parse(fx, "nft",
		"table inet fwc {\n"
		"\tset s_v4 {\n\t\ttype ipv4_addr\n\t\tflags "
		"interval\n"
		"\t\telements = { 10.0.0.0/24,\n\t\t\t10.0.1.5-"
		"10.0.1.9 }\n\t}\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; "
		"policy drop;\n"
		"\t\tct state established,related accept\n"
		"\t\tct state invalid drop\n"
		"\t\tiifname \"eth0\" ip saddr @s_v4 tcp dport { 22, "
		"80-81 } counter packets 3 bytes 9 accept comment "
		"\"web\"\n"
		"\t\tmeta l4proto tcp counter reject with tcp reset\n"
		"\t\tcounter reject\n"
		"\t}\n"
		"}\n"),
	    0);
	assert_string_equal(fx->err, "");
	/* Two reject catch-alls folded into the default. */
	assert_int_equal(fx->rs->n_rules, 1);
	assert_int_equal(
	    fx->rs->chain_default[FWC_CHAIN_FORWARD], FWC_ACT_REJECT);
	assert_true(fx->rs->has_chain[FWC_CHAIN_FORWARD]);
	assert_false(fx->rs->has_chain[FWC_CHAIN_INPUT]);
	assert_string_equal(fx->rs->rules[0].origin.flow, "web");
	assert_int_equal(fx->rs->rules[0].origin.loc.line, 12);
	assert_string_equal(fx->rs->rules[0].origin.loc.file, "out");
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "10.0.1.9",
			     "1.2.3.4", 6, 81),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4,
			     "10.0.1.10", "1.2.3.4", 6, 81),
	    FWC_ACT_REJECT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "10.0.0.1",
			     "1.2.3.4", 6, 82),
	    FWC_ACT_REJECT);
}

static void
test_parse_nft_errors(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(parse(fx, "nft", "table ip filter {\n}\n"), -1);
	assert_string_equal(fx->err,
	    "out:1:7: error: expected table 'inet fwc', found 'ip filter'\n");
	assert_int_equal(
	    parse(fx, "nft",
		"table inet fwc {\n"
		"\tset a_v4 {\n\t\ttype ipv4_addr\n\t\telements = "
		"{ 10.0.0.1/8 }\n\t}\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy "
		"drop;\n"
		"\t\tip6 saddr @a_v4 accept\n"
		"\t\tip saddr 10.0.0.1 queue\n"
		"\t}\n}\n"),
	    -1);
	assert_string_equal(fx->err,
	    "out:4:16: error: bad address '10.0.0.1/8': host bits set\n"
	    "out:8:13: error: set 'a_v4' holds IPv4 addresses, used with "
	    "'ip6'\n"
	    "out:9:21: error: expected a match or a verdict, found 'queue'\n");
}

static void
test_parse_nft_jumps_and_maps(void **state)
{
	struct fx *fx = *state;

	/* A dispatch tree: a verdict map on the input interface jumps to a
	 * chain per interface, one of them through a goto; a packet that
	 * falls off a jumped-to chain comes back, one that falls off a
	 * goto'd chain gets the policy. */
	assert_int_equal(parse(fx, "nft",
			     "table inet fwc {\n"
			     "\tmap by_if {\n\t\ttype ifname : verdict\n"
			     "\t\telements = { \"eth0\" : jump from_eth0,\n"
			     "\t\t\t\"eth2\" : goto from_eth2 }\n\t}\n"
			     "\tchain forward {\n"
			     "\t\ttype filter hook forward priority filter; "
			     "policy drop;\n"
			     "\t\tiifname vmap @by_if\n"
			     "\t\tmeta l4proto tcp accept comment \"tail\"\n"
			     "\t}\n"
			     "\tchain from_eth0 {\n"
			     "\t\tip saddr vmap { 10.0.0.0/8 : accept, "
			     "192.168.0.0/16 : drop }\n"
			     "\t\treturn\n"
			     "\t}\n"
			     "\tchain from_eth2 {\n"
			     "\t\tudp dport 53 accept comment \"dns\"\n"
			     "\t}\n"
			     "}\n"),
	    0);
	assert_string_equal(fx->err, "");
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "10.1.1.1",
			     "1.1.1.1", 17, 9),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4,
			     "192.168.1.1", "1.1.1.1", 6, 9),
	    FWC_ACT_DROP);
	/* Not in the eth0 map: back in forward, where tcp passes. */
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4,
			     "172.16.1.1", "1.1.1.1", 6, 9),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4,
			     "172.16.1.1", "1.1.1.1", 17, 9),
	    FWC_ACT_DROP);
	/* Through eth2 (goto): udp 53 passes, tcp does not come back. */
	{
		struct fwc_packet p;
		enum fwc_family fam;
		const char *why;

		memset(&p, 0, sizeof(p));
		p.chain = FWC_CHAIN_FORWARD;
		p.family = FWC_FAM_IP4;
		p.iif = "eth2";
		assert_int_equal(
		    fwc_addr_parse("10.1.1.1", &fam, &p.src, &why), 0);
		p.dst = p.src;
		p.proto = 17;
		p.dport = 53;
		p.icmp_type = -1;
		assert_int_equal(
		    fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_ACCEPT);
		p.proto = 6;
		assert_int_equal(
		    fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_DROP);
	}
	assert_int_equal(parse(fx, "nft",
			     "table inet fwc {\n"
			     "\tchain a {\n\t\tjump b\n\t}\n"
			     "\tchain b {\n\t\tjump a\n\t}\n"
			     "\tchain input {\n"
			     "\t\ttype filter hook input priority filter; "
			     "policy drop;\n"
			     "\t\tjump a\n\t\tjump nowhere\n\t}\n"
			     "}\n"),
	    -1);
	assert_string_equal(fx->err,
	    "out:6:3: error: chain 'a' is reached in a loop\n"
	    "out:11:3: error: unknown chain 'nowhere'\n");
}

static void
test_parse_iptables_flatten(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(
	    parse(fx, "iptables",
		"*filter\n"
		":INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n:h - [0:0]\n"
		"-A FORWARD -i eth0 -s 10.0.0.0/8 -m comment "
		"--comment \"x y\" -j h\n"
		"-A FORWARD -p tcp -m multiport --dports 22,80:81 -j "
		"ACCEPT\n"
		"-A h -d 192.168.0.0/16 -j DROP\n"
		"COMMIT\n"),
	    0);
	assert_string_equal(fx->err, "");
	assert_int_equal(fx->rs->n_rules, 2);
	assert_int_equal(fx->rs->rules[0].origin.loc.line, 8);
	assert_false(fx->rs->has_chain[FWC_CHAIN_OUTPUT]);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "10.1.2.3",
			     "192.168.1.1", 6, 22),
	    FWC_ACT_DROP);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "11.1.2.3",
			     "192.168.1.1", 6, 22),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "11.1.2.3",
			     "192.168.1.1", 6, 23),
	    FWC_ACT_DROP);
}

static void
test_parse_iptables_errors(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(parse(fx, "iptables",
			     "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
			     ":OUTPUT ACCEPT [0:0]\n"
			     "-A INPUT -s 2001:db8::/32 -j ACCEPT\n"
			     "-A INPUT ! -s 10.0.0.1 -j ACCEPT\n"
			     "-A INPUT -j RETURN\n"
			     "-A INPUT -m state --state NEW -j ACCEPT\n"
			     "COMMIT\n"),
	    -1);
	assert_string_equal(fx->err,
	    "out:5:13: error: IPv6 address '2001:db8::/32' in iptables input "
	    "(IPv4 only)\n"
	    "out:6:10: error: negated matches are not expected\n"
	    "out:7:13: error: RETURN is not expected\n"
	    "out:8:19: error: unexpected option '--state'\n");
}

static void
test_parse_pf_order(void **state)
{
	struct fx *fx = *state;

	/* The last matching non-quick rule wins, a quick one at once. */
	assert_int_equal(
	    parse(fx, "pf",
		"lan = \"eth0\"\n"
		"table <t> const { 10.0.0.0/8 }\n"
		"block return all\n"
		"pass in on $lan inet proto tcp from <t> to any port "
		"22 keep state\n"
		"block drop in quick inet from 10.9.0.0/16 to any\n"),
	    0);
	assert_string_equal(fx->err, "");
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.0.1",
			     "10.0.0.1", 6, 22),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.9.0.1",
			     "10.0.0.1", 6, 22),
	    FWC_ACT_DROP);
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.0.1",
			     "10.0.0.1", 6, 23),
	    FWC_ACT_REJECT);
	/* <fwc_self> tells input from forward; tags join the two legs. */
	assert_int_equal(
	    parse(fx, "pf",
		"lan = \"eth0\"\nwan = \"eth1\"\n"
		"table <fwc_self> const { self }\n"
		"table <t> const { 10.0.0.0/8 }\n"
		"block return all\n"
		"pass in quick on $lan inet proto tcp from <t> to "
		"<fwc_self> port 22 keep state\n"
		"pass in quick on $lan inet from <t> to ! <fwc_self> "
		"keep state tag fwd_lan\n"
		"pass out quick on $wan inet proto udp from <t> to "
		"any tagged fwd_lan keep state\n"
		"block drop out quick inet all tagged fwd_lan\n"
		"pass out quick inet all keep state\n"),
	    0);
	assert_string_equal(fx->err, "");
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.0.1",
			     "10.0.0.1", 6, 22),
	    FWC_ACT_ACCEPT);
	/* The forward allow is not an input allow. */
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.0.1",
			     "10.0.0.1", 17, 53),
	    FWC_ACT_REJECT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "10.1.0.1",
			     "8.8.8.8", 17, 53),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "10.1.0.1",
			     "8.8.8.8", 6, 53),
	    FWC_ACT_DROP);
	assert_int_equal(verdict(fx, FWC_CHAIN_FORWARD, FWC_FAM_IP4, "11.1.0.1",
			     "8.8.8.8", 17, 53),
	    FWC_ACT_REJECT);
	assert_int_equal(verdict(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "10.0.0.1",
			     "8.8.8.8", 6, 443),
	    FWC_ACT_ACCEPT);
	assert_int_equal(parse(fx, "pf",
			     "pass in all tag x\n"
			     "pass in quick from ! <nowhere> to any\n"
			     "pass out quick on $wan all\n"),
	    -1);
	assert_string_equal(fx->err,
	    "out:1:1: error: 'tag' is only expected on quick pass rules\n"
	    "out:2:22: error: unknown table '<nowhere>'\n"
	    "out:3:19: error: undefined macro '$wan'\n");
}

static void
test_parse_netsh_block_wins(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(
	    parse(fx, "netsh",
		"@echo off\n"
		"netsh advfirewall firewall add rule name=\"fwc\" "
		"dir=in action=allow description=\"web (x.xml:3)\" "
		"protocol=tcp localport=443 remoteip=10.0.0.0/8 "
		"profile=any enable=yes\n"
		"netsh advfirewall firewall add rule name=\"fwc\" "
		"dir=in action=block description=\"no\" protocol=any "
		"remoteip=10.9.0.0-10.9.255.255 profile=any "
		"enable=yes\n"
		"netsh advfirewall set allprofiles firewallpolicy "
		"blockinbound,allowoutbound\n"),
	    0);
	assert_string_equal(fx->err, "");
	assert_int_equal(fx->rs->n_rules, 2);
	assert_string_equal(fx->rs->rules[0].origin.flow, "no");
	assert_string_equal(fx->rs->rules[1].origin.flow, "web");
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.9.0.1",
			     "10.0.0.5", 6, 443),
	    FWC_ACT_DROP);
	assert_int_equal(verdict(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.8.0.1",
			     "10.0.0.5", 6, 443),
	    FWC_ACT_ACCEPT);
	assert_int_equal(verdict(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "10.0.0.5",
			     "1.1.1.1", 17, 53),
	    FWC_ACT_ACCEPT);
	assert_int_equal(parse(fx, "netsh",
			     "netsh advfirewall firewall add rule name=\"x\" "
			     "dir=in action=allow\n"
			     "echo hi & del x\n"
			     "netsh advfirewall firewall add rule name=\"fwc\" "
			     "dir=in action=bypass\n"),
	    -1);
	assert_string_equal(fx->err,
	    "out:1:37: error: rule name 'x' is not 'fwc'\n"
	    "out:2:9: error: cmd.exe metacharacter '&' outside the fixed "
	    "lines\n"
	    "out:3:55: error: unexpected 'action=bypass' in a netsh rule\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_parse_nft_rules_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_nft_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_nft_jumps_and_maps, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_iptables_flatten, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_iptables_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_pf_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_netsh_block_wins, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
