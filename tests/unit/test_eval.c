/* Unit tests of the reference packet evaluation (analysis/eval.c) on
 * rulesets built by hand: first match in stored order, chain defaults,
 * and every kind of match (chain, family, interfaces, sets at their
 * interval edges, protocol, ports at range edges, ICMP types). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/eval.h"
#include "fwc/ir.h"

#define MAX_RULES 16

struct fx {
	struct fwc_arena *a;
	struct fwc_ruleset *rs;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct fwc_ruleset *rs;

	assert_non_null(fx);
	fx->a = fwc_arena_new();
	rs = fwc_arena_alloc(fx->a, sizeof(*rs));
	rs->name = "gw1";
	rs->kind = FWC_EP_GATEWAY;
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_REJECT;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_ACCEPT;
	rs->rules = fwc_arena_alloc(fx->a, MAX_RULES * sizeof(*rs->rules));
	fx->rs = rs;
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

static struct fwc_ir_rule *
add_rule(struct fx *fx, enum fwc_action act, enum fwc_chain chain,
    enum fwc_family fam)
{
	struct fwc_ir_rule *r = &fx->rs->rules[fx->rs->n_rules++];

	assert_true(fx->rs->n_rules <= MAX_RULES);
	memset(r, 0, sizeof(*r));
	r->action = act;
	r->chain = chain;
	r->family = fam;
	r->proto = FWC_PROTO_ANY;
	return r;
}

/* A set from "a-b" or CIDR texts of one family. */
static struct fwc_ir_set *
make_set(struct fx *fx, enum fwc_family fam, const char *const *txt, size_t n)
{
	struct fwc_ivl *v = fwc_arena_alloc(fx->a, n * sizeof(*v));
	struct fwc_ir_set *s = fwc_arena_alloc(fx->a, sizeof(*s));
	struct fwc_addrset *as;

	for (size_t i = 0; i < n; i++) {
		enum fwc_family f;
		const char *why;

		if (strchr(txt[i], '/') != NULL)
			assert_int_equal(
			    fwc_cidr_parse(txt[i], &f, &v[i], &why), 0);
		else
			assert_int_equal(
			    fwc_range_parse(txt[i], &f, &v[i], &why), 0);
		assert_int_equal(f, fam);
	}
	as = fam == FWC_FAM_IP4 ? fwc_addrset_from(fx->a, v, n, NULL, 0)
				: fwc_addrset_from(fx->a, NULL, 0, v, n);
	s->name = "s";
	s->family = fam;
	s->v = as->v[fam];
	s->n = as->n[fam];
	return s;
}

static struct fwc_u128
addr(const char *s)
{
	struct fwc_u128 v;
	enum fwc_family f;
	const char *why;

	assert_int_equal(fwc_addr_parse(s, &f, &v, &why), 0);
	return v;
}

static struct fwc_packet
pkt4(enum fwc_chain chain, const char *src, const char *dst, int proto,
    uint16_t dport)
{
	struct fwc_packet p = { 0 };

	p.family = FWC_FAM_IP4;
	p.chain = chain;
	p.src = addr(src);
	p.dst = addr(dst);
	p.proto = proto;
	p.sport = 40000;
	p.dport = dport;
	p.icmp_type = -1;
	return p;
}

static void
test_eval_default_per_chain(void **state)
{
	struct fx *fx = *state;
	struct fwc_packet p =
	    pkt4(FWC_CHAIN_INPUT, "10.0.0.1", "10.0.0.2", FWC_PROTO_TCP, 22);
	long rule = 7;

	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_DROP);
	assert_int_equal(rule, -1);
	p.chain = FWC_CHAIN_FORWARD;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_REJECT);
	p.chain = FWC_CHAIN_OUTPUT;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_ACCEPT);
	assert_int_equal(rule, -1);
}

static void
test_eval_first_match_wins(void **state)
{
	struct fx *fx = *state;
	struct fwc_packet p =
	    pkt4(FWC_CHAIN_INPUT, "10.0.0.1", "10.0.0.2", FWC_PROTO_TCP, 22);
	struct fwc_pivl p22 = { 22, 22 };
	struct fwc_ir_rule *r;
	long rule = 0;

	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	r->proto = FWC_PROTO_TCP;
	r->dport = (struct fwc_portset){ &p22, 1 };
	add_rule(fx, FWC_ACT_REJECT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_ACCEPT);
	assert_int_equal(rule, 0);
	p.dport = 23;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_REJECT);
	assert_int_equal(rule, 1);
	p.proto = FWC_PROTO_UDP;
	p.dport = 22;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_REJECT);
	assert_int_equal(rule, 1);
}

static void
test_eval_chain_and_family(void **state)
{
	struct fx *fx = *state;
	struct fwc_packet p =
	    pkt4(FWC_CHAIN_FORWARD, "10.0.0.1", "10.0.0.2", FWC_PROTO_UDP, 53);
	long rule = 0;

	add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_FORWARD, FWC_FAM_IP6);
	add_rule(fx, FWC_ACT_DROP, FWC_CHAIN_FORWARD, FWC_FAM_IP4);
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_DROP);
	assert_int_equal(rule, 2);
	p.family = FWC_FAM_IP6;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_ACCEPT);
	assert_int_equal(rule, 1);
	p.chain = FWC_CHAIN_OUTPUT;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_ACCEPT);
	assert_int_equal(rule, -1);
}

static void
test_eval_interfaces(void **state)
{
	struct fx *fx = *state;
	struct fwc_packet p =
	    pkt4(FWC_CHAIN_FORWARD, "10.0.0.1", "10.0.0.2", FWC_PROTO_TCP, 80);
	struct fwc_ir_rule *r;
	long rule = 0;

	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_FORWARD, FWC_FAM_IP4);
	r->iif = "eth0";
	r->oif = "eth1";
	p.iif = "eth0";
	p.oif = "eth1";
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_ACCEPT);
	p.oif = "eth2";
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_REJECT);
	p.oif = NULL;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_REJECT);
	/* A prefix of the name is a different interface. */
	p.iif = "eth";
	p.oif = "eth1";
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_REJECT);
	r->iif = NULL;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule), FWC_ACT_ACCEPT);
}

static void
test_eval_set_edges(void **state)
{
	struct fx *fx = *state;
	static const char *const src4[] = { "10.0.0.0/24", "10.0.2.5-10.0.2.9",
		"192.168.1.1-192.168.1.1" };
	static const char *const dst6[] = {
		"2001:db8::/64", "::1-::1",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	};
	static const struct {
		const char *a;
		bool in;
	} s4[] = { { "9.255.255.255", false }, { "10.0.0.0", true },
		{ "10.0.0.255", true }, { "10.0.1.0", false },
		{ "10.0.2.4", false }, { "10.0.2.5", true },
		{ "10.0.2.9", true }, { "10.0.2.10", false },
		{ "192.168.1.0", false }, { "192.168.1.1", true },
		{ "192.168.1.2", false }, { "0.0.0.0", false },
		{ "255.255.255.255", false } };
	static const struct {
		const char *a;
		bool in;
	} d6[] = { { "::", false }, { "::1", true }, { "::2", false },
		{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false },
		{ "2001:db8::", true },
		{ "2001:db8::ffff:ffff:ffff:ffff", true },
		{ "2001:db8:0:1::", false },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffef", false },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0", true },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true } };
	struct fwc_ir_rule *r;
	struct fwc_packet p;
	long rule = 0;

	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	r->src = make_set(fx, FWC_FAM_IP4, src4, FWC_ARRAY_SIZE(src4));
	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP6);
	r->dst = make_set(fx, FWC_FAM_IP6, dst6, FWC_ARRAY_SIZE(dst6));
	for (size_t i = 0; i < FWC_ARRAY_SIZE(s4); i++) {
		p = pkt4(FWC_CHAIN_INPUT, s4[i].a, "1.2.3.4", 6, 1);
		assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule),
		    s4[i].in ? FWC_ACT_ACCEPT : FWC_ACT_DROP);
		assert_int_equal(rule, s4[i].in ? 0 : -1);
		assert_int_equal(
		    fwc_eval_set_contains(fx->rs->rules[0].src, p.src),
		    s4[i].in);
	}
	for (size_t i = 0; i < FWC_ARRAY_SIZE(d6); i++) {
		memset(&p, 0, sizeof(p));
		p.family = FWC_FAM_IP6;
		p.chain = FWC_CHAIN_INPUT;
		p.src = addr("2001:db8::1");
		p.dst = addr(d6[i].a);
		p.proto = FWC_PROTO_UDP;
		p.icmp_type = -1;
		assert_int_equal(fwc_eval_packet(fx->rs, &p, &rule),
		    d6[i].in ? FWC_ACT_ACCEPT : FWC_ACT_DROP);
		assert_int_equal(rule, d6[i].in ? 1 : -1);
	}
}

static void
test_eval_empty_set_matches_nothing(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *empty = fwc_arena_alloc(fx->a, sizeof(*empty));
	struct fwc_packet p =
	    pkt4(FWC_CHAIN_INPUT, "10.0.0.1", "10.0.0.2", FWC_PROTO_TCP, 22);
	struct fwc_ir_rule *r;

	empty->family = FWC_FAM_IP4;
	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	r->dst = empty;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_DROP);
	r->dst = NULL;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_ACCEPT);
}

static void
test_eval_port_ranges(void **state)
{
	struct fx *fx = *state;
	static const struct fwc_pivl dp[] = { { 80, 80 }, { 8000, 8080 } };
	static const struct fwc_pivl sp[] = { { 1024, 65535 } };
	static const struct {
		uint16_t sport, dport;
		bool in;
	} cases[] = { { 40000, 79, false }, { 40000, 80, true },
		{ 40000, 81, false }, { 40000, 7999, false },
		{ 40000, 8000, true }, { 40000, 8080, true },
		{ 40000, 8081, false }, { 1023, 80, false }, { 1024, 80, true },
		{ 65535, 8080, true }, { 0, 80, false } };
	struct fwc_ir_rule *r;

	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	r->proto = FWC_PROTO_TCP;
	r->dport = (struct fwc_portset){ dp, 2 };
	r->sport = (struct fwc_portset){ sp, 1 };
	for (size_t i = 0; i < FWC_ARRAY_SIZE(cases); i++) {
		struct fwc_packet p = pkt4(FWC_CHAIN_INPUT, "10.0.0.1",
		    "10.0.0.2", FWC_PROTO_TCP, cases[i].dport);

		p.sport = cases[i].sport;
		assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL),
		    cases[i].in ? FWC_ACT_ACCEPT : FWC_ACT_DROP);
	}
}

static void
test_eval_icmp_types(void **state)
{
	struct fx *fx = *state;
	struct fwc_packet p =
	    pkt4(FWC_CHAIN_INPUT, "10.0.0.1", "10.0.0.2", FWC_PROTO_ICMP, 0);
	struct fwc_ir_rule *r;

	r = add_rule(fx, FWC_ACT_ACCEPT, FWC_CHAIN_INPUT, FWC_FAM_IP4);
	r->proto = FWC_PROTO_ICMP;
	r->has_types = true;
	r->types[8 / 8] |= 1u << (8 % 8); /* echo-request */
	r->types[3 / 8] |= 1u << (3 % 8); /* destination-unreachable */
	p.icmp_type = 8;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_ACCEPT);
	p.icmp_type = 3;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_ACCEPT);
	p.icmp_type = 0;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_DROP);
	p.icmp_type = 9;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_DROP);
	p.icmp_type = -1;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_DROP);
	r->has_types = false;
	p.icmp_type = 0;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_ACCEPT);
	p.proto = FWC_PROTO_TCP;
	assert_int_equal(fwc_eval_packet(fx->rs, &p, NULL), FWC_ACT_DROP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_eval_default_per_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_first_match_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_chain_and_family, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_interfaces, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_set_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_empty_set_matches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_port_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eval_icmp_types, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
