/* Unit tests of the three-valued diff (accept, drop, reject): on random
 * deny-first rulesets with drop, reject and accept rules, where NEW is OLD
 * with one rule changed (often only drop <-> reject) or two deny rules
 * swapped, (1) narrowing (analysis/narrow.c) gives the same four change
 * sets as the comparison of the whole packet space, and (2) every random
 * packet lies in the change set that the brute-force evaluator
 * (analysis/eval.c) gives its pair of fates. Then fwc_diff_programs() on
 * compiled policies: a deny turned into a reject, a default turned into
 * reject. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diff.h"
#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/eval.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/space.h"
#include "narrow.h"
#include "rand_fixture.h"

/* Drop, reject and accept rules, half of them accept. */
static const enum fwc_action acts[] = { FWC_ACT_DROP, FWC_ACT_REJECT,
	FWC_ACT_ACCEPT, FWC_ACT_ACCEPT };

static struct fwc_ruleset *
mkruleset(size_t n)
{
	struct fwc_ruleset *rs = fwc_arena_alloc(A, sizeof(*rs));

	rs->name = "gw";
	rs->rules = fwc_arena_alloc(A, (n + 1) * sizeof(*rs->rules));
	for (size_t i = 0; i < n; i++)
		mkrule(&rs->rules[i], acts);
	rs->n_rules = n;
	deny_first(rs);
	rs->has_chain[FWC_CHAIN_FORWARD] = true;
	rs->chain_default[FWC_CHAIN_FORWARD] =
	    rnd(2) ? FWC_ACT_DROP : FWC_ACT_REJECT;
	return rs;
}

/* NEW from OLD: one rule's action flipped between drop and reject, one
 * rule replaced, or two deny rules of different actions swapped. */
static struct fwc_ruleset *
mutate(const struct fwc_ruleset *o)
{
	struct fwc_ruleset *n = fwc_arena_alloc(A, sizeof(*n));
	size_t nd = 0;

	*n = *o;
	n->rules = fwc_arena_alloc(A, (o->n_rules + 1) * sizeof(*n->rules));
	memcpy(n->rules, o->rules, o->n_rules * sizeof(*n->rules));
	while (nd < n->n_rules && n->rules[nd].action != FWC_ACT_ACCEPT)
		nd++;
	switch (rnd(3)) {
	case 0:
		if (nd > 0) {
			struct fwc_ir_rule *r = &n->rules[rnd((uint32_t)nd)];

			r->action = r->action == FWC_ACT_DROP ? FWC_ACT_REJECT
							      : FWC_ACT_DROP;
		}
		break;
	case 1:
		mkrule(&n->rules[rnd((uint32_t)n->n_rules)], acts);
		deny_first(n);
		break;
	default:
		if (nd > 1) {
			size_t i = rnd((uint32_t)nd);
			size_t j = rnd((uint32_t)nd);
			struct fwc_ir_rule t = n->rules[i];

			n->rules[i] = n->rules[j];
			n->rules[j] = t;
		}
		break;
	}
	return n;
}

/* The four change sets: newly accepted, no longer accepted, dropped ->
 * rejected, rejected -> dropped. */
static void
changes(const struct fwc_verdicts *vo, const struct fwc_verdicts *vn, int *c)
{
	c[0] = fwc_space_minus(vn->accept, vo->accept);
	c[1] = fwc_space_minus(vo->accept, vn->accept);
	c[2] = fwc_space_and(vn->reject, vo->drop);
	c[3] = fwc_space_and(vn->drop, vo->reject);
}

static int
kind_of(enum fwc_action o, enum fwc_action n)
{
	if (o == n)
		return -1;
	if (n == FWC_ACT_ACCEPT)
		return 0;
	if (o == FWC_ACT_ACCEPT)
		return 1;
	return n == FWC_ACT_REJECT ? 2 : 3;
}

static void
random_packet(struct fwc_packet *p)
{
	static const int protos[] = { FWC_PROTO_TCP, FWC_PROTO_TCP,
		FWC_PROTO_UDP, FWC_PROTO_ICMP, 47 };

	memset(p, 0, sizeof(*p));
	p->family = FWC_FAM_IP4;
	p->chain = FWC_CHAIN_FORWARD;
	p->iif = rnd(3) == 0 ? NULL : ifn[rnd(2)];
	p->oif = rnd(3) == 0 ? NULL : ifn[rnd(2)];
	p->src.lo = 0x0a000000u + rnd(90);
	p->dst.lo = 0x0a000000u + rnd(90);
	p->proto = protos[rnd(5)];
	p->icmp_type = -1;
	if (p->proto == FWC_PROTO_TCP || p->proto == FWC_PROTO_UDP) {
		p->dport = (uint16_t)rnd(130);
		p->sport = (uint16_t)(1024 + rnd(100));
	} else if (p->proto == FWC_PROTO_ICMP) {
		p->icmp_type = (int)rnd(20);
	}
}

static void
test_fate_narrowing_and_brute_force(void **state)
{
	size_t kinds_seen[4] = { 0, 0, 0, 0 };

	(void)state;
	rng_state = 11;
	for (int round = 0; round < 60; round++) {
		struct fwc_ruleset *o = mkruleset(14);
		struct fwc_ruleset *n = mutate(o);
		struct fwc_space sp;
		bool use_o[32];
		bool use_n[32];
		struct fwc_verdicts fo;
		struct fwc_verdicts fn;
		struct fwc_verdicts wo;
		struct fwc_verdicts wn;
		int dom = fwc_space_domain();
		int within;
		int full[4];
		int narrow[4];

		fwc_space_reset(&sp);
		fwc_space_add_ifaces(&sp, o);
		fwc_space_add_ifaces(&sp, n);
		fwc_space_chain(&sp, o, FWC_CHAIN_FORWARD, dom, NULL, &fo);
		fwc_space_chain(&sp, n, FWC_CHAIN_FORWARD, dom, NULL, &fn);
		within = fwc_narrow(&sp, o, n, FWC_CHAIN_FORWARD, use_o, use_n);
		fwc_space_chain(&sp, o, FWC_CHAIN_FORWARD, within, use_o, &wo);
		fwc_space_chain(&sp, n, FWC_CHAIN_FORWARD, within, use_n, &wn);
		changes(&fo, &fn, full);
		changes(&wo, &wn, narrow);
		for (int k = 0; k < 4; k++) {
			assert_true(fwc_space_equal(full[k], narrow[k]));
			if (!fwc_space_is_empty(full[k]))
				kinds_seen[k]++;
		}
		for (int i = 0; i < 120; i++) {
			struct fwc_packet p;
			int k;
			int pk;

			random_packet(&p);
			k = kind_of(fwc_eval_packet(o, &p, NULL),
			    fwc_eval_packet(n, &p, NULL));
			pk = fwc_space_packet(&sp, &p);
			for (int j = 0; j < 4; j++) {
				int x = fwc_space_and(pk, full[j]);

				assert_int_equal(
				    !fwc_space_is_empty(x), j == k);
				fwc_space_put(x);
			}
			fwc_space_put(pk);
		}
		for (int k = 0; k < 4; k++) {
			fwc_space_put(full[k]);
			fwc_space_put(narrow[k]);
		}
		fwc_space_verdicts_put(&fo);
		fwc_space_verdicts_put(&fn);
		fwc_space_verdicts_put(&wo);
		fwc_space_verdicts_put(&wn);
		fwc_space_put(within);
		fwc_space_put(dom);
	}
	/* The random cases did exercise every kind of change. */
	for (int k = 0; k < 4; k++)
		assert_true(kinds_seen[k] > 0);
}

static const char base[] =
    "<policy name=\"p\" version=\"1\" default=\"%s\">\n"
    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
    "<boundary name=\"lan\"><subnet>10.1.0.0/24</subnet></boundary>\n"
    "<boundary name=\"srv\"><subnet>10.0.0.0/24</subnet></boundary>\n"
    "<host name=\"web\"><address>10.0.0.5</address></host>\n"
    "<allow name=\"lan-web\" from=\"lan\" to=\"web\" service=\"https\"/>\n"
    "<%s name=\"no-web\" from=\"10.1.0.0/28\" to=\"web\" service=\"https\"/>\n"
    "<gateway name=\"gw\" os=\"linux\">\n"
    "<interface name=\"lan0\" boundary=\"lan\"/>\n"
    "<interface name=\"srv0\" boundary=\"srv\"/>\n"
    "</gateway>\n</policy>\n";

static struct fwc_program *
compile(const char *def, const char *deny)
{
	return compile_policy(base, def, deny);
}

static void
test_fate_deny_becomes_reject(void **state)
{
	struct fwc_diff d;

	(void)state;
	assert_true(fwc_diff_programs(
	    A, compile("drop", "deny"), compile("drop", "reject"), NULL, &d));
	assert_int_equal(d.n_allowed, 0);
	assert_int_equal(d.n_denied, 0);
	assert_int_equal(d.n_rejected, 1);
	assert_int_equal(d.n_dropped, 0);
	/* 16 sources x 1 destination x tcp/443. */
	assert_true(d.rejected == 16.0);
	assert_int_equal(d.changes[0].what, FWC_DIFF_REJECT);
	assert_string_equal(d.changes[0].new_rule->origin.flow, "no-web");
	assert_int_equal(d.changes[0].new_rule->action, FWC_ACT_REJECT);
	assert_int_equal(d.changes[0].old_rule->action, FWC_ACT_DROP);
	/* And back. */
	assert_true(fwc_diff_programs(
	    A, compile("drop", "reject"), compile("drop", "deny"), NULL, &d));
	assert_int_equal(d.n_rejected, 0);
	assert_int_equal(d.n_dropped, 1);
	assert_int_equal(d.changes[0].what, FWC_DIFF_DROP);
	/* Unchanged: equal. */
	assert_false(fwc_diff_programs(
	    A, compile("drop", "reject"), compile("drop", "reject"), NULL, &d));
}

static void
test_fate_default_becomes_reject(void **state)
{
	struct fwc_diff d;

	(void)state;
	assert_true(fwc_diff_programs(
	    A, compile("drop", "deny"), compile("reject", "deny"), NULL, &d));
	assert_int_equal(d.n_allowed, 0);
	assert_int_equal(d.n_denied, 0);
	assert_int_equal(d.n_dropped, 0);
	assert_true(d.n_rejected > 0);
	for (size_t i = 0; i < d.n_changes; i++) {
		assert_int_equal(d.changes[i].what, FWC_DIFF_REJECT);
		assert_null(d.changes[i].new_rule);
		assert_null(d.changes[i].old_rule);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_fate_narrowing_and_brute_force, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fate_deny_becomes_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fate_default_becomes_reject, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
