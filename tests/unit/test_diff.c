/* Unit tests of the diff: narrowing (analysis/narrow.c) never changes the
 * result, checked on random deny-first rulesets against the comparison of
 * the whole packet space; and fwc_diff_programs() on small in-memory
 * policies (an added flow, a reordering). */
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
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/space.h"
#include "narrow.h"
#include "rand_fixture.h"

/* A quarter drop rules, the rest accept; OLD and NEW take their rules
 * from a pool, so that they share most of them. */
static const enum fwc_action acts[] = { FWC_ACT_DROP, FWC_ACT_ACCEPT,
	FWC_ACT_ACCEPT, FWC_ACT_ACCEPT };

static struct fwc_ruleset *
mkruleset(const struct fwc_ir_rule *pool, size_t npool, size_t n)
{
	struct fwc_ruleset *rs = fwc_arena_alloc(A, sizeof(*rs));
	size_t k = 0;

	rs->name = "gw";
	rs->rules = fwc_arena_alloc(A, (2 * n + 1) * sizeof(*rs->rules));
	/* Deny first, as compiled rulesets are. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct fwc_ir_rule *r = &pool[rnd(npool)];

			if ((r->action == FWC_ACT_ACCEPT) == (pass == 1))
				rs->rules[k++] = *r;
		}
	rs->n_rules = k;
	rs->has_chain[FWC_CHAIN_FORWARD] = true;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_DROP;
	return rs;
}

static void
test_diff_narrowing_is_exact(void **state)
{
	(void)state;
	rng_state = 5;
	for (int round = 0; round < 80; round++) {
		struct fwc_ir_rule pool[30];
		struct fwc_ruleset *o;
		struct fwc_ruleset *n;
		struct fwc_space sp;
		bool use_o[64];
		bool use_n[64];
		struct fwc_verdicts fo;
		struct fwc_verdicts fn;
		struct fwc_verdicts wo;
		struct fwc_verdicts wn;
		int dom = fwc_space_domain();
		int within;
		int full;
		int narrow;
		int x;

		for (size_t i = 0; i < 30; i++)
			mkrule(&pool[i], acts);
		o = mkruleset(pool, 30, 20);
		n = mkruleset(pool, 30, 20);
		/* Make NEW mostly OLD: copy and change one rule. */
		if (rnd(2)) {
			n = fwc_arena_alloc(A, sizeof(*n));
			*n = *o;
			n->rules = fwc_arena_alloc(
			    A, (o->n_rules + 1) * sizeof(*n->rules));
			memcpy(
			    n->rules, o->rules, o->n_rules * sizeof(*n->rules));
			if (o->n_rules > 0)
				mkrule(
				    &n->rules[rnd((uint32_t)o->n_rules)], acts);
			/* Keep deny first. */
			deny_first(n);
		}
		fwc_space_reset(&sp);
		fwc_space_add_ifaces(&sp, o);
		fwc_space_add_ifaces(&sp, n);
		fwc_space_chain(&sp, o, FWC_CHAIN_FORWARD, dom, NULL, &fo);
		fwc_space_chain(&sp, n, FWC_CHAIN_FORWARD, dom, NULL, &fn);
		within = fwc_narrow(&sp, o, n, FWC_CHAIN_FORWARD, use_o, use_n);
		fwc_space_chain(&sp, o, FWC_CHAIN_FORWARD, within, use_o, &wo);
		fwc_space_chain(&sp, n, FWC_CHAIN_FORWARD, within, use_n, &wn);
		/* Newly allowed, both ways, must be equal. */
		full = fwc_space_minus(fn.accept, fo.accept);
		narrow = fwc_space_minus(wn.accept, wo.accept);
		assert_true(fwc_space_equal(full, narrow));
		fwc_space_put(full);
		fwc_space_put(narrow);
		full = fwc_space_minus(fo.accept, fn.accept);
		narrow = fwc_space_minus(wo.accept, wn.accept);
		assert_true(fwc_space_equal(full, narrow));
		/* And nothing differs outside the narrowed region. */
		x = fwc_space_minus(full, within);
		assert_true(fwc_space_is_empty(x));
		fwc_space_put(x);
		fwc_space_put(full);
		fwc_space_put(narrow);
		fwc_space_verdicts_put(&fo);
		fwc_space_verdicts_put(&fn);
		fwc_space_verdicts_put(&wo);
		fwc_space_verdicts_put(&wn);
		fwc_space_put(within);
		fwc_space_put(dom);
	}
}

static const char base[] =
    "<policy name=\"p\" version=\"1\" default=\"drop\">\n"
    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
    "<service name=\"ssh\"><port protocol=\"tcp\" port=\"22\"/></service>\n"
    "<boundary name=\"lan\"><subnet>10.1.0.0/24</subnet></boundary>\n"
    "<boundary name=\"srv\"><subnet>10.0.0.0/24</subnet></boundary>\n"
    "<host name=\"web\"><address>10.0.0.5</address></host>\n"
    "%s%s"
    "<gateway name=\"gw\" os=\"linux\">\n"
    "<interface name=\"lan0\" boundary=\"lan\"/>\n"
    "<interface name=\"srv0\" boundary=\"srv\"/>\n"
    "</gateway>\n</policy>\n";

static struct fwc_program *
compile(const char *a, const char *b)
{
	return compile_policy(base, a, b);
}

static const char web[] =
    "<allow name=\"lan-web\" from=\"lan\" to=\"web\" service=\"https\"/>\n";
static const char ssh[] =
    "<allow name=\"lan-ssh\" from=\"lan\" to=\"srv\" service=\"ssh\"/>\n";

static void
test_diff_added_flow(void **state)
{
	struct fwc_program *o;
	struct fwc_program *n;
	struct fwc_diff d;

	(void)state;
	o = compile(web, "");
	n = compile(web, ssh);
	assert_true(fwc_diff_programs(A, o, n, NULL, &d));
	assert_int_equal(d.n_allowed, 1);
	assert_int_equal(d.n_denied, 0);
	/* 256 sources x 256 destinations x tcp/22. */
	assert_true(d.allowed == 65536.0);
	assert_true(d.changes[0].allow);
	assert_string_equal(d.changes[0].new_rule->origin.flow, "lan-ssh");
	assert_null(d.changes[0].old_rule);
	assert_string_equal(d.changes[0].t.service, "tcp/22");
	/* The other way round: newly denied. */
	assert_true(fwc_diff_programs(A, n, o, NULL, &d));
	assert_int_equal(d.n_allowed, 0);
	assert_int_equal(d.n_denied, 1);
}

static void
test_diff_reordering_is_equal(void **state)
{
	struct fwc_diff d;

	(void)state;
	assert_false(fwc_diff_programs(
	    A, compile(web, ssh), compile(ssh, web), NULL, &d));
	assert_int_equal(d.n_changes, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_diff_narrowing_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_diff_added_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_diff_reordering_is_equal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
