/* Unit tests of fwc_ruleset_move(): every ruleset of a policy, moved out
 * of the compilation's arena and the arena released, dumps and lowers to
 * the same bytes as before; its rules change hands instead of being
 * copied; sharing is kept; a ruleset whose rules the arena did not adopt
 * is copied whole. */
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
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"
#include "fwc/strbuf.h"

/* FQDN sets, a proxy, a bidirectional flow (notes), shared services,
 * two families, a host firewall and a gateway. */
static const char policy[] =
    "<policy name=\"mv\" version=\"1\" default=\"drop\">\n"
    "<service name=\"web\"><port protocol=\"tcp\" port=\"80\"/>"
    "<port protocol=\"tcp\" port=\"443\"/></service>\n"
    "<service name=\"ssh\"><port protocol=\"tcp\" port=\"22\"/></service>\n"
    "<endpoint name=\"partner\"><fqdn>api.partner.example</fqdn>"
    "<address>203.0.113.0/24</address>"
    "<address>2001:db8:ff::/64</address></endpoint>\n"
    "<boundary name=\"lan\"><subnet>10.1.0.0/24</subnet>"
    "<subnet>2001:db8:1::/64</subnet></boundary>\n"
    "<boundary name=\"dmz\"><subnet>10.2.0.0/24</subnet></boundary>\n"
    "<host name=\"proxy01\" os=\"linux\" firewall=\"on\">"
    "<address>10.2.0.10</address></host>\n"
    "<proxy name=\"px\" host=\"proxy01\" port=\"8080\"/>\n"
    "<host name=\"web02\"><address>10.2.0.20</address></host>\n"
    "<allow name=\"to-web\" from=\"lan\" to=\"web02\" service=\"web\"/>\n"
    "<allow name=\"peer\" from=\"lan\" to=\"dmz\" service=\"ssh\" "
    "bidirectional=\"true\"/>\n"
    "<allow name=\"out\" from=\"lan\" to=\"partner\" service=\"web\" "
    "via=\"px\"/>\n"
    "<deny name=\"no-ssh\" from=\"lan\" to=\"web02\" service=\"ssh\" "
    "log=\"on\"/>\n"
    "<gateway name=\"gw\" os=\"linux\">\n"
    "<address>10.2.0.1</address>\n"
    "<interface name=\"lan0\" boundary=\"lan\"/>\n"
    "<interface name=\"dmz0\" boundary=\"dmz\"/>\n"
    "<interface name=\"wan0\" boundary=\"any\"/>\n"
    "</gateway>\n"
    "</policy>\n";

static const char *const targets[] = { "nft", "iptables", "ip6tables", "pf" };
#define N_TEXTS (1 + sizeof(targets) / sizeof(targets[0]))

/* The IR dump and every target's text of rs, concatenated. */
static char *
texts(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	struct fwc_strbuf sb;
	char *t;

	fwc_strbuf_init(&sb);
	fwc_ir_dump(rs, &sb);
	for (size_t i = 0; i < N_TEXTS - 1; i++) {
		const struct fwc_backend *be = fwc_backend_find(targets[i]);

		int rc;

		assert_non_null(be);
		fwc_strbuf_addf(&sb, "\n== %s\n", targets[i]);
		/* A target may refuse a ruleset (iptables and DNS names):
		 * then the refusal is what must not change. */
		rc = be->emit(rs, &sb, dg);
		fwc_strbuf_addf(&sb, "\n== %s: %d\n", targets[i], rc);
		if (i == 0)
			assert_int_equal(rc, 0);
	}
	t = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb); /* detach left it initialised */
	return t;
}

static struct fwc_program *
compile(struct fwc_arena *a, struct fwc_diag *dg)
{
	struct fwc_options opt;
	struct fwc_program *prog = NULL;

	memset(&opt, 0, sizeof(opt));
	opt.no_includes = true;
	assert_int_equal(fwc_compile_buffer(a, dg, &opt, "mv.xml", policy,
			     strlen(policy), &prog),
	    0);
	assert_true(prog->n_eps >= 2);
	return prog;
}

static void
test_move_every_ruleset(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	FILE *f = tmpfile();
	struct fwc_diag dg;
	struct fwc_program *prog;
	struct fwc_arena *dst[8];
	struct fwc_ruleset *moved[8];
	char *before[8];
	size_t n;

	(void)state;
	assert_non_null(f);
	fwc_diag_init(&dg, f);
	prog = compile(a, &dg);
	n = prog->n_eps;
	assert_true(n <= 8);
	for (size_t e = 0; e < n; e++)
		before[e] = texts(prog->eps[e], &dg);
	for (size_t e = 0; e < n; e++) {
		struct fwc_ruleset *rs = prog->eps[e];
		const struct fwc_ir_rule *rules = rs->rules;
		size_t bytes = rs->n_rules * sizeof(*rs->rules);
		size_t size_before = fwc_arena_size(a);

		dst[e] = fwc_arena_new();
		moved[e] = fwc_ruleset_move(dst[e], a, rs);
		assert_int_equal(moved[e]->n_rules, rs->n_rules);
		/* The rules changed hands: same block, counted in dst now. */
		assert_ptr_equal(moved[e]->rules, rules);
		assert_true(rs->n_rules > 0);
		assert_int_equal(fwc_arena_size(a), size_before - bytes);
		assert_true(fwc_arena_size(dst[e]) >= bytes);
	}
	/* Release the source, overwriting nothing first: a dangling
	 * pointer shows under ASan and valgrind (make san). */
	fwc_arena_release(a);
	for (size_t e = 0; e < n; e++) {
		char *after = texts(moved[e], &dg);
		const struct fwc_ruleset *rs = moved[e];

		assert_string_equal(after, before[e]);
		/* Rules share their sets: each is one of the ruleset's. */
		for (size_t i = 0; i < rs->n_rules; i++) {
			const struct fwc_ir_set *s = rs->rules[i].src;

			if (s != NULL)
				assert_ptr_equal(rs->sets[s->id], s);
			s = rs->rules[i].dst;
			if (s != NULL)
				assert_ptr_equal(rs->sets[s->id], s);
		}
		free(after);
		free(before[e]);
		fwc_arena_release(dst[e]);
	}
	fwc_diag_release(&dg);
	fclose(f);
}

/* A ruleset built by hand in an arena (no adopted rules): copied. */
static void
test_move_copies_arena_rules(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_arena *b = fwc_arena_new();
	struct fwc_ruleset *rs = fwc_arena_alloc(a, sizeof(*rs));
	struct fwc_ir_set *set = fwc_arena_alloc(a, sizeof(*set));
	struct fwc_ivl *iv = fwc_arena_alloc(a, sizeof(*iv));
	struct fwc_pivl *pv = fwc_arena_alloc(a, 2 * sizeof(*pv));
	struct fwc_ruleset *m;
	FILE *f = tmpfile();
	struct fwc_diag dg;
	char *before;
	char *after;

	(void)state;
	assert_non_null(f);
	fwc_diag_init(&dg, f);
	iv->lo.lo = 0x0a000000;
	iv->hi.lo = 0x0a0000ff;
	set->name = fwc_arena_strdup(a, "lan");
	set->family = FWC_FAM_IP4;
	set->v = iv;
	set->n = 1;
	pv[0].lo = pv[0].hi = 22;
	pv[1].lo = 80;
	pv[1].hi = 81;
	rs->name = fwc_arena_strdup(a, "gw");
	rs->kind = FWC_EP_GATEWAY;
	rs->os = "linux";
	rs->target = "nft";
	rs->policy = fwc_arena_strdup(a, "p");
	rs->has_chain[FWC_CHAIN_FORWARD] = true;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_DROP;
	rs->sets = fwc_arena_alloc(a, sizeof(*rs->sets));
	rs->sets[0] = set;
	rs->n_sets = 1;
	rs->rules = fwc_arena_alloc(a, 2 * sizeof(*rs->rules));
	rs->n_rules = 2;
	for (size_t i = 0; i < 2; i++) {
		struct fwc_ir_rule *r = &rs->rules[i];

		r->action = FWC_ACT_ACCEPT;
		r->chain = FWC_CHAIN_FORWARD;
		r->family = FWC_FAM_IP4;
		r->src = set;
		r->proto = FWC_PROTO_TCP;
		/* The second rule's ports are a longer view of the same
		 * array: the copy must hold both. */
		r->dport.v = pv;
		r->dport.n = i + 1;
		r->origin.flow = fwc_arena_strdup(a, i ? "f2" : "f1");
	}
	before = texts(rs, &dg);
	m = fwc_ruleset_move(b, a, rs);
	assert_ptr_not_equal(m->rules, rs->rules);
	fwc_arena_release(a);
	after = texts(m, &dg);
	assert_string_equal(after, before);
	assert_int_equal(m->rules[1].dport.n, 2);
	assert_int_equal(m->rules[1].dport.v[1].hi, 81);
	free(before);
	free(after);
	fwc_arena_release(b);
	fwc_diag_release(&dg);
	fclose(f);
}

/* fwc_ruleset_keep_origins(): the origins of an adopted rules block, in
 * order, in what is left of the block; the arena counts only them; a
 * ruleset whose rules the arena did not adopt is left as it is. */
static void
test_keep_origins(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	FILE *f = tmpfile();
	struct fwc_diag dg;
	struct fwc_program *prog;
	struct fwc_ruleset *rs;
	struct fwc_origin *want;
	const struct fwc_origin *got;
	size_t n;
	size_t before;

	(void)state;
	assert_non_null(f);
	fwc_diag_init(&dg, f);
	prog = compile(a, &dg);
	rs = fwc_program_find(prog, "gw");
	assert_non_null(rs);
	n = rs->n_rules;
	assert_true(n >= 4);
	want = calloc(n, sizeof(*want));
	assert_non_null(want);
	for (size_t i = 0; i < n; i++)
		want[i] = rs->rules[i].origin;
	before = fwc_arena_size(a);
	got = fwc_ruleset_keep_origins(a, rs);
	assert_non_null(got);
	assert_null(rs->rules);
	assert_int_equal(rs->n_rules, 0);
	assert_int_equal(fwc_arena_size(a),
	    before - n * sizeof(struct fwc_ir_rule) + n * sizeof(*got));
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(got[i].flow, want[i].flow);
		assert_ptr_equal(got[i].from, want[i].from);
		assert_ptr_equal(got[i].to, want[i].to);
		assert_ptr_equal(got[i].service, want[i].service);
		assert_ptr_equal(got[i].note, want[i].note);
		assert_ptr_equal(got[i].loc.file, want[i].loc.file);
		assert_int_equal(got[i].loc.line, want[i].loc.line);
		assert_int_equal(got[i].loc.col, want[i].loc.col);
	}
	/* Nothing left to give: the same call changes nothing. */
	assert_null(fwc_ruleset_keep_origins(a, rs));
	free(want);
	fwc_arena_release(a);
	fwc_diag_release(&dg);
	fclose(f);
}

/* After the pipeline, the items that only name resolution reads are
 * gone, and what was made from them stays (the compiled policy is
 * whole: the first test lowers it). */
static void
test_items_dropped_after_sema(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	FILE *f = tmpfile();
	struct fwc_diag dg;
	struct fwc_program *prog;
	const struct fwc_policy *p;

	(void)state;
	assert_non_null(f);
	fwc_diag_init(&dg, f);
	prog = compile(a, &dg);
	p = prog->source;
	assert_non_null(p);
	assert_null(p->items_arena);
	assert_true(p->boundaries.n == 2 && p->services.n == 2);
	for (size_t i = 0; i < p->boundaries.n; i++) {
		assert_null(p->boundaries.v[i]->items);
		assert_int_equal(p->boundaries.v[i]->n_items, 0);
		assert_non_null(p->boundaries.v[i]->addrs);
	}
	for (size_t i = 0; i < p->services.n; i++) {
		assert_int_equal(p->services.v[i]->n_items, 0);
		assert_true(p->services.v[i]->n_m > 0);
	}
	assert_int_equal(p->endpoints.v[0]->n_items, 0);
	assert_int_equal(p->endpoints.v[0]->n_fqdns, 1);
	assert_string_equal(p->endpoints.v[0]->fqdns[0], "api.partner.example");
	fwc_arena_release(a);
	fwc_diag_release(&dg);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_every_ruleset),
		cmocka_unit_test(test_move_copies_arena_rules),
		cmocka_unit_test(test_keep_origins),
		cmocka_unit_test(test_items_dropped_after_sema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
