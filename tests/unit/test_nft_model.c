/* Unit tests of the shared nft model (backends/nft_model.c) that the text
 * and netlink backends both read: which sets exist in which order, how
 * lists of ports become shared sets, the base rules of each chain, and
 * the primitives of a policy rule, from a small policy compiled in
 * memory. Expected values are written from the policy by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nft_model.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"

static const char policy[] =
    "<policy name=\"m\" version=\"1\" default=\"drop\">\n"
    "<service name=\"web\"><port protocol=\"tcp\" port=\"80\"/>"
    "<port protocol=\"tcp\" port=\"443\"/></service>\n"
    "<service name=\"ssh\"><port protocol=\"tcp\" port=\"22\"/></service>\n"
    "<boundary name=\"lan\"><subnet>10.1.0.0/24</subnet></boundary>\n"
    "<boundary name=\"dmz\"><subnet>10.2.0.0/24</subnet></boundary>\n"
    "<host name=\"web01\"><address>10.2.0.10</address></host>\n"
    "<host name=\"web02\"><address>10.2.0.20</address></host>\n"
    "<allow name=\"to-web1\" from=\"lan\" to=\"web01\" service=\"web\"/>\n"
    "<allow name=\"to-web2\" from=\"lan\" to=\"web02\" service=\"web\"/>\n"
    "<deny name=\"no-ssh\" from=\"lan\" to=\"web02\" service=\"ssh\" "
    "log=\"on\"/>\n"
    "<gateway name=\"gw\" os=\"linux\">\n"
    "<address>10.2.0.1</address>\n"
    "<interface name=\"lan0\" boundary=\"lan\"/>\n"
    "<interface name=\"dmz0\" boundary=\"dmz\"/>\n"
    "</gateway>\n"
    "</policy>\n";

struct fx {
	struct fwc_arena *a;
	struct fwc_diag dg;
	FILE *diag;
	struct fwc_nft_table t;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct fwc_options opt;
	struct fwc_program *prog = NULL;
	const struct fwc_ruleset *rs;

	assert_non_null(fx);
	memset(&opt, 0, sizeof(opt));
	opt.no_includes = true;
	fx->a = fwc_arena_new();
	fx->diag = tmpfile();
	assert_non_null(fx->diag);
	fwc_diag_init(&fx->dg, fx->diag);
	assert_int_equal(fwc_compile_buffer(fx->a, &fx->dg, &opt, "m.xml",
			     policy, strlen(policy), &prog),
	    0);
	rs = fwc_program_find(prog, "gw");
	assert_non_null(rs);
	assert_int_equal(fwc_nft_model_build(&fx->t, rs, &fx->dg), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fwc_nft_model_release(&fx->t);
	fwc_diag_release(&fx->dg);
	fclose(fx->diag);
	fwc_arena_release(fx->a);
	free(fx);
	return 0;
}

static const struct fwc_nft_set *
find_set(const struct fwc_nft_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (strcmp(t->sets[i]->name, name) == 0)
			return t->sets[i];
	fail_msg("no set %s", name);
	abort();
}

static const struct fwc_nft_chain *
find_chain(const struct fwc_nft_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	fail_msg("no chain %s", name);
	abort();
}

static char *
rule_text(const struct fwc_nft_rule *r)
{
	struct fwc_strbuf sb;
	char *s;

	fwc_strbuf_init(&sb);
	fwc_nft_format_rule(&sb, r);
	s = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return s;
}

/* One shared port set for both web flows; set ids follow the order. */
static void
test_nft_model_sets(void **state)
{
	struct fx *fx = *state;
	const struct fwc_nft_set *ports = find_set(&fx->t, "ports_80_443");
	const struct fwc_nft_set *lan = find_set(&fx->t, "lan_v4");
	size_t n_ports = 0;

	assert_non_null(ports);
	assert_non_null(lan);
	assert_int_equal(ports->key, FWC_NFT_KEY_SERVICE);
	assert_false(ports->interval);
	assert_int_equal(ports->n_el, 2);
	assert_int_equal(ports->el[0].lo, 80);
	assert_int_equal(ports->el[1].lo, 443);
	assert_int_equal(lan->key, FWC_NFT_KEY_IPV4);
	assert_true(lan->interval);
	assert_non_null(lan->ir);
	for (size_t i = 0; i < fx->t.n_sets; i++) {
		assert_int_equal(fx->t.sets[i]->id, i + 1);
		n_ports += strncmp(fx->t.sets[i]->name, "ports_", 6) == 0;
	}
	assert_int_equal(n_ports, 1);
	/* The gateway has an input chain: the neighbour discovery set comes
	 * last, with the four discovery types. */
	assert_string_equal(fx->t.sets[fx->t.n_sets - 1]->name, "nd_types");
	assert_int_equal(fx->t.sets[fx->t.n_sets - 1]->n_el, 4);
}

static void
test_nft_model_base_rules(void **state)
{
	struct fx *fx = *state;
	const struct fwc_nft_chain *in = find_chain(&fx->t, "input");
	const struct fwc_nft_chain *fw = find_chain(&fx->t, "forward");
	static const char *const want_in[] = {
		"ct state established,related accept",
		"iif \"lo\" accept",
		"icmpv6 type @nd_types ip6 hoplimit 255 accept",
		"ct state invalid drop",
	};

	assert_non_null(in);
	assert_non_null(fw);
	assert_false(in->policy_accept);
	assert_true(in->n_rules >= 4);
	for (size_t i = 0; i < 4; i++) {
		char *s = rule_text(&in->rules[i]);

		assert_string_equal(s, want_in[i]);
		assert_null(in->rules[i].origin);
		free(s);
	}
}

/* The deny comes first in forward, logged, with its flow as comment and
 * its IR rule for error reports. */
static void
test_nft_model_policy_rule(void **state)
{
	struct fx *fx = *state;
	const struct fwc_nft_chain *fw = find_chain(&fx->t, "forward");
	const struct fwc_nft_rule *r;
	char *s;

	assert_non_null(fw);
	assert_true(fw->n_rules >= 5);
	r = &fw->rules[2];
	s = rule_text(r);
	assert_string_equal(s,
	    "iifname \"lan0\" oifname \"dmz0\" ip saddr @lan_v4 ip daddr "
	    "@web02_v4 tcp dport 22 log prefix \"fwc drop no-ssh: \" counter "
	    "drop comment \"no-ssh\"");
	free(s);
	assert_non_null(fwc_nft_rule_ir(r));
	assert_string_equal(r->origin->flow, "no-ssh");
	assert_int_equal(r->origin->loc.line, 10);
	assert_int_equal(r->p[0].kind, FWC_NFT_P_IIFNAME);
	assert_int_equal(r->p[r->n - 1].kind, FWC_NFT_P_DROP);
}

/* Every rule of t in order, as text, with its origin's flow and line. */
static char *
rules_with_origins(const struct fwc_nft_table *t)
{
	struct fwc_strbuf sb;
	char *s;

	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < t->n_chains + t->n_dchains; i++) {
		const struct fwc_nft_chain *c =
		    i < t->n_chains ? &t->chains[i]
				    : &t->dchains[i - t->n_chains];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct fwc_origin *o = c->rules[j].origin;

			fwc_strbuf_addf(&sb, "%s: ", c->name);
			fwc_nft_format_rule(&sb, &c->rules[j]);
			if (o != NULL)
				fwc_strbuf_addf(&sb, " <- %s %s:%u:%u %s -> %s",
				    o->flow, o->loc.file,
				    (unsigned int)o->loc.line,
				    (unsigned int)o->loc.col, o->from, o->to);
			fwc_strbuf_addc(&sb, '\n');
		}
	}
	s = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return s;
}

/* After fwc_nft_model_shed(), the model reads nothing of the IR rules,
 * which are gone, and every rule keeps its primitives and its origin;
 * in the dispatch layout too, where leaf chains copy the flat rules; and
 * fwc_nft_model_build_lean(), which sheds them before the layout, makes
 * the same model. */
static void
test_nft_model_shed(void **state)
{
	struct fx *fx = *state;

	struct fwc_strbuf big;

	/* The fixture's policy, with 16 more hosts and flows: enough rules
	 * for dispatch chains. */
	fwc_strbuf_init(&big);
	fwc_strbuf_addn(&big, policy, strlen(policy) - strlen("</policy>\n"));
	for (int i = 0; i < 16; i++)
		fwc_strbuf_addf(&big,
		    "<host name=\"h%d\"><address>10.2.0.%d</address></host>\n"
		    "<allow name=\"to-h%d\" from=\"lan\" to=\"h%d\" "
		    "service=\"web\"/>\n",
		    i, 100 + i, i, i);
	fwc_strbuf_adds(&big, "</policy>\n");
	for (int tree = 0; tree < 2; tree++) {
		struct fwc_arena *a = fwc_arena_new();
		struct fwc_options opt;
		struct fwc_program *prog = NULL;
		struct fwc_ruleset *rs;
		struct fwc_nft_table t;
		char *before;
		char *after;

		memset(&opt, 0, sizeof(opt));
		opt.no_includes = true;
		assert_int_equal(
		    fwc_nft_layout_parse(tree ? "tree" : "auto"), 0);
		assert_int_equal(fwc_compile_buffer(a, &fx->dg, &opt, "m.xml",
				     big.buf, big.len, &prog),
		    0);
		rs = fwc_program_find(prog, "gw");
		assert_non_null(rs);
		assert_int_equal(fwc_nft_model_build(&t, rs, &fx->dg), 0);
		assert_true(tree ? t.n_dchains > 0 : t.n_dchains == 0);
		before = rules_with_origins(&t);
		assert_non_null(strstr(before, "<- no-ssh m.xml:10:"));
		fwc_nft_model_shed(&t, a, rs);
		assert_null(rs->rules);
		after = rules_with_origins(&t);
		assert_string_equal(after, before);
		free(after);
		fwc_nft_model_release(&t);
		fwc_arena_release(a);
		/* Shed before the dispatch layout, which then reads the
		 * rules' primitives only: the same model. */
		a = fwc_arena_new();
		assert_int_equal(fwc_compile_buffer(a, &fx->dg, &opt, "m.xml",
				     big.buf, big.len, &prog),
		    0);
		rs = fwc_program_find(prog, "gw");
		assert_int_equal(
		    fwc_nft_model_build_lean(&t, rs, a, &fx->dg), 0);
		assert_null(rs->rules);
		after = rules_with_origins(&t);
		assert_string_equal(after, before);
		free(before);
		free(after);
		fwc_nft_model_release(&t);
		fwc_arena_release(a);
	}
	fwc_strbuf_release(&big);
	assert_int_equal(fwc_nft_layout_parse("auto"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_nft_model_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_model_base_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_model_policy_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nft_model_shed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
