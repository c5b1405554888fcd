/* Unit tests of the diff's speed-ups, each against the plain computation:
 * (1) the narrowed, grouped diff (analysis/narrow.c groups, analysis/diff.c)
 * renders exactly what the comparison of the whole packet space with every
 * rule renders, on random rulesets with several changes (text and JSON);
 * (2) range sets built one node per bit hold exactly [lo, hi]; (3) a
 * compiled program survives the binary form that the diff's child process
 * sends (analysis/ir_wire.c) with an identical IR dump, and damaged input
 * is refused. */
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
#include "fwc/strbuf.h"
#include "ir_wire.h"
#include "narrow.h"
#include "rand_fixture.h"

/* One or two intervals among 2048 addresses, so that some rules overlap
 * and most do not: several groups per chain. */
static struct fwc_ir_set *
spread_set(void)
{
	struct fwc_ir_set *s = fwc_arena_alloc(A, sizeof(*s));
	size_t n = 1 + rnd(2);
	struct fwc_ivl *v = fwc_arena_alloc(A, n * sizeof(*v));
	uint64_t at = 0x0a000000u;

	for (size_t i = 0; i < n; i++) {
		at += rnd(1024);
		v[i].lo.hi = v[i].hi.hi = 0;
		v[i].lo.lo = at;
		at += rnd(24);
		v[i].hi.lo = at;
		at += 2;
	}
	s->family = FWC_FAM_IP4;
	s->v = v;
	s->n = n;
	s->name = fwc_arena_printf(A, "s%u", rnd(1000));
	return s;
}

static void
spread_rule(struct fwc_ir_rule *r, unsigned int no)
{
	static const enum fwc_action acts[] = { FWC_ACT_DROP, FWC_ACT_REJECT,
		FWC_ACT_ACCEPT, FWC_ACT_ACCEPT, FWC_ACT_ACCEPT };
	static const int protos[] = { FWC_PROTO_TCP, FWC_PROTO_TCP,
		FWC_PROTO_UDP, FWC_PROTO_ICMP, FWC_PROTO_ANY, 47 };
	struct fwc_pivl *p;

	memset(r, 0, sizeof(*r));
	r->action = acts[rnd(5)];
	r->chain = rnd(4) ? FWC_CHAIN_FORWARD : FWC_CHAIN_INPUT;
	r->family = FWC_FAM_IP4;
	r->iif = rnd(2) ? ifn[rnd(3)] : NULL;
	r->oif = rnd(2) ? ifn[rnd(3)] : NULL;
	r->src = rnd(6) ? spread_set() : NULL;
	r->dst = rnd(8) ? spread_set() : NULL;
	r->proto = protos[rnd(6)];
	if ((r->proto == FWC_PROTO_TCP || r->proto == FWC_PROTO_UDP) &&
	    rnd(3)) {
		p = fwc_arena_alloc(A, sizeof(*p));
		p->lo = (uint16_t)rnd(100);
		p->hi = (uint16_t)(p->lo + rnd(20));
		r->dport.v = p;
		r->dport.n = 1;
	}
	if (r->proto == FWC_PROTO_ICMP && rnd(2)) {
		r->has_types = true;
		r->types[0] = (uint8_t)(1 + rnd(255));
	}
	r->origin.flow = fwc_arena_printf(A, "f%u", no);
	r->origin.loc.file = "t.xml";
	r->origin.loc.line = no;
}

static struct fwc_program *
wrap(struct fwc_ruleset *rs)
{
	struct fwc_program *p = fwc_arena_alloc(A, sizeof(*p));

	memset(p, 0, sizeof(*p));
	p->eps = fwc_arena_alloc(A, sizeof(*p->eps));
	p->eps[0] = rs;
	p->n_eps = 1;
	return p;
}

#define N_RULES 32

static struct fwc_ruleset *
mkruleset(unsigned int *no)
{
	struct fwc_ruleset *rs = fwc_arena_alloc(A, sizeof(*rs));

	memset(rs, 0, sizeof(*rs));
	rs->name = "gw";
	rs->rules = fwc_arena_alloc(A, (2 * N_RULES) * sizeof(*rs->rules));
	for (size_t i = 0; i < N_RULES; i++)
		spread_rule(&rs->rules[i], (*no)++);
	rs->n_rules = N_RULES;
	deny_first(rs);
	rs->has_chain[FWC_CHAIN_FORWARD] = true;
	rs->has_chain[FWC_CHAIN_INPUT] = true;
	rs->chain_default[FWC_CHAIN_FORWARD] =
	    rnd(2) ? FWC_ACT_DROP : FWC_ACT_REJECT;
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	return rs;
}

/* NEW from OLD: a few rules replaced, removed, added or flipped between
 * drop and reject; now and then two deny rules swapped or a default
 * changed (where narrowing gives way to the whole comparison). */
static struct fwc_ruleset *
mutate(const struct fwc_ruleset *o, unsigned int *no)
{
	struct fwc_ruleset *n = fwc_arena_alloc(A, sizeof(*n));
	unsigned int k = 1 + rnd(5);

	*n = *o;
	n->rules = fwc_arena_alloc(A, (2 * N_RULES) * sizeof(*n->rules));
	memcpy(n->rules, o->rules, o->n_rules * sizeof(*n->rules));
	for (unsigned int m = 0; m < k; m++) {
		size_t i = rnd((uint32_t)n->n_rules);

		switch (rnd(4)) {
		case 0:
			spread_rule(&n->rules[i], (*no)++);
			break;
		case 1:
			memmove(&n->rules[i], &n->rules[i + 1],
			    (n->n_rules - i - 1) * sizeof(*n->rules));
			n->n_rules--;
			break;
		case 2:
			if (n->n_rules < 2 * N_RULES - 1)
				spread_rule(&n->rules[n->n_rules++], (*no)++);
			break;
		default:
			if (n->rules[i].action != FWC_ACT_ACCEPT)
				n->rules[i].action =
				    n->rules[i].action == FWC_ACT_DROP
					? FWC_ACT_REJECT
					: FWC_ACT_DROP;
			break;
		}
	}
	deny_first(n);
	if (rnd(10) == 0 && n->rules[0].action != FWC_ACT_ACCEPT &&
	    n->rules[1].action != FWC_ACT_ACCEPT) {
		struct fwc_ir_rule t = n->rules[0];

		n->rules[0] = n->rules[1];
		n->rules[1] = t;
	}
	if (rnd(10) == 0)
		n->chain_default[FWC_CHAIN_FORWARD] =
		    n->chain_default[FWC_CHAIN_FORWARD] == FWC_ACT_DROP
			? FWC_ACT_REJECT
			: FWC_ACT_DROP;
	return n;
}

static char *
render(const struct fwc_program *o, const struct fwc_program *n, bool whole,
    enum fwc_diff_format fmt)
{
	struct fwc_diff d;
	struct fwc_strbuf sb;
	char *r;

	fwc_diff_whole_space = whole;
	fwc_diff_programs(A, o, n, NULL, &d);
	fwc_diff_whole_space = false;
	fwc_strbuf_init(&sb);
	fwc_diff_render(&d, fmt, "old", "new", &sb);
	r = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb); /* detach starts a new buffer */
	return r;
}

static size_t
n_groups(const struct fwc_ruleset *o, const struct fwc_ruleset *n)
{
	struct fwc_space sp;
	struct fwc_narrow_groups g;
	size_t r;

	fwc_space_reset(&sp);
	fwc_space_add_ifaces(&sp, o);
	fwc_space_add_ifaces(&sp, n);
	fwc_narrow_groups(&sp, o, n, FWC_CHAIN_FORWARD, false, &g);
	r = g.whole ? 0 : g.n;
	fwc_narrow_groups_free(&g);
	return r;
}

static void
test_groups_equal_whole_space(void **state)
{
	unsigned int no = 1;
	size_t many_groups = 0;
	size_t whole = 0;
	size_t differ = 0;

	(void)state;
	rng_state = 5;
	for (int round = 0; round < 50; round++) {
		struct fwc_ruleset *o = mkruleset(&no);
		struct fwc_ruleset *n = mutate(o, &no);
		size_t ng = n_groups(o, n);

		for (int f = 0; f < 2; f++) {
			enum fwc_diff_format fmt =
			    f ? FWC_DIFF_JSON : FWC_DIFF_TEXT;
			char *a = render(wrap(o), wrap(n), false, fmt);
			char *b = render(wrap(o), wrap(n), true, fmt);

			assert_string_equal(a, b);
			if (f == 0 &&
			    strcmp(a + strlen(a) - 14, "no difference\n") != 0)
				differ++;
			free(a);
			free(b);
		}
		many_groups += ng >= 3;
		whole += ng == 0;
	}
	/* The cases did exercise several groups, the fallback and changes. */
	assert_true(many_groups > 5);
	assert_true(whole > 2);
	assert_true(differ > 30);
}

static struct fwc_u128
rnd128(void)
{
	struct fwc_u128 v;

	v.hi = ((uint64_t)rnd(1u << 31) << 33) ^ rnd(1u << 31);
	v.lo = ((uint64_t)rnd(1u << 31) << 33) ^ rnd(1u << 31);
	if (rnd(2))
		v.hi = 0;
	if (rnd(3) == 0)
		v.lo &= ~(uint64_t)rnd(1u << 16);
	return v;
}

static void
test_range_exact(void **state)
{
	(void)state;
	rng_state = 9;
	for (int i = 0; i < 3000; i++) {
		struct fwc_u128 lo = rnd128();
		struct fwc_u128 hi = rnd(4) ? rnd128() : lo;
		struct fwc_ivl v[2];
		int r;
		size_t n;

		if (rnd(2) && fwc_u128_cmp(lo, hi) > 0) {
			struct fwc_u128 t = lo;

			lo = hi;
			hi = t;
		}
		r = fwc_space_range(FWC_F_DST, lo, hi);
		n = fwc_space_intervals(r, FWC_F_DST, v, 2);
		if (fwc_u128_cmp(lo, hi) > 0) {
			assert_true(fwc_space_is_empty(r));
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(fwc_u128_cmp(v[0].lo, lo), 0);
			assert_int_equal(fwc_u128_cmp(v[0].hi, hi), 0);
		}
		fwc_space_put(r);
	}
	for (uint64_t lo = 0; lo < 70; lo += 3)
		for (uint64_t hi = lo; hi < 300; hi += 7) {
			struct fwc_u128 a = { 0, lo * 937 };
			struct fwc_u128 b = { 0, hi * 211 };
			struct fwc_ivl v[2];
			int r = fwc_space_range(FWC_F_DPORT, a, b);

			if (a.lo > b.lo) {
				assert_true(fwc_space_is_empty(r));
			} else {
				assert_int_equal(
				    fwc_space_intervals(r, FWC_F_DPORT, v, 2),
				    1);
				assert_true(v[0].lo.lo == a.lo);
				assert_true(v[0].hi.lo == b.lo);
			}
			fwc_space_put(r);
		}
}

static void
dump_all(const struct fwc_program *p, struct fwc_strbuf *sb)
{
	fwc_strbuf_addf(sb, "policy %s eps %zu\n", p->policy, p->n_eps);
	for (size_t i = 0; i < p->n_eps; i++)
		fwc_ir_dump(p->eps[i], sb);
}

static void
test_wire_round_trip(void **state)
{
	static const char *const files[] = { "examples/configmgr-site.xml",
		"tests/golden/ok/04-deny-reject-log.xml" };
	static const char *const inc[] = { "policies" };

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct fwc_diag dg;
		struct fwc_options opt;
		struct fwc_program *p = NULL;
		struct fwc_program *q = NULL;
		struct fwc_strbuf wire;
		struct fwc_strbuf d1;
		struct fwc_strbuf d2;
		FILE *sink = tmpfile();

		memset(&opt, 0, sizeof(opt));
		opt.include_dirs = inc;
		opt.n_include_dirs = 1;
		fwc_diag_init(&dg, sink);
		assert_int_equal(
		    fwc_compile_file(A, &dg, &opt, files[f], &p), 0);
		assert_false(fwc_diag_failed(&dg));
		fwc_diag_release(&dg);
		fclose(sink);
		assert_true(p->n_eps > 0);
		fwc_strbuf_init(&wire);
		fwc_ir_wire_write(p, &wire);
		assert_int_equal(
		    fwc_ir_wire_read(A, wire.buf, wire.len, &q), 0);
		fwc_strbuf_init(&d1);
		fwc_strbuf_init(&d2);
		dump_all(p, &d1);
		dump_all(q, &d2);
		assert_string_equal(d1.buf, d2.buf);
		/* Sets stay shared: rules that name one set point at one. */
		for (size_t e = 0; e < q->n_eps; e++)
			for (size_t r = 0; r < q->eps[e]->n_rules; r++) {
				const struct fwc_ir_set *s =
				    q->eps[e]->rules[r].src;

				if (s != NULL && s->id < q->eps[e]->n_sets &&
				    p->eps[e]->rules[r].src ==
					p->eps[e]->sets[s->id])
					assert_ptr_equal(
					    s, q->eps[e]->sets[s->id]);
			}
		/* Truncated or damaged input is refused. */
		for (size_t cut = 0; cut < wire.len; cut += 1 + wire.len / 97)
			assert_int_equal(
			    fwc_ir_wire_read(A, wire.buf, cut, &q), -1);
		wire.buf[0] ^= 1;
		assert_int_equal(
		    fwc_ir_wire_read(A, wire.buf, wire.len, &q), -1);
		fwc_strbuf_release(&wire);
		fwc_strbuf_release(&d1);
		fwc_strbuf_release(&d2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_equal_whole_space),
		cmocka_unit_test(test_range_exact),
		cmocka_unit_test(test_wire_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
