/* Unit tests of the packet-space engine (analysis/space.c): the verdict
 * sets of random rulesets against the brute-force evaluator of
 * analysis/eval.c on thousands of random packets, region decomposition
 * (boxes cover the set exactly and are disjoint), intervals, counts and
 * example packets. */
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
#include "fwc/space.h"
#include "rand_fixture.h"

static const char *const ifnames[] = { "eth0", "eth1", "eth2" };
static const int protos[] = { FWC_PROTO_TCP, FWC_PROTO_UDP, FWC_PROTO_ICMP,
	FWC_PROTO_ICMP6, 47 };

/* Small universes, so that random packets hit random rules often: IPv4
 * 10.0.0.0-10.0.0.63, IPv6 2001:db8::0-3f, ports 0-99, types 0-15. */
static struct fwc_u128
rnd_addr(enum fwc_family f)
{
	struct fwc_u128 v;

	if (f == FWC_FAM_IP4) {
		v.hi = 0;
		v.lo = 0x0a000000u + rnd(64);
	} else {
		v.hi = 0x20010db800000000ull;
		v.lo = rnd(64);
	}
	if (rnd(20) == 0) /* sometimes outside */
		v.lo += 1000;
	return v;
}

static struct fwc_ir_set *
rnd_set(enum fwc_family f)
{
	struct fwc_ir_set *s = fwc_arena_alloc(A, sizeof(*s));
	size_t n = 1 + rnd(3);
	struct fwc_ivl *v = fwc_arena_alloc(A, n * sizeof(*v));
	struct fwc_u128 at = rnd_addr(f);

	at.lo &= ~0x3full;
	at.lo += rnd(16);
	for (size_t i = 0; i < n; i++) {
		v[i].lo = at;
		v[i].hi = at;
		v[i].hi.lo += rnd(12);
		at = v[i].hi;
		at.lo += 2 + rnd(8);
	}
	s->family = f;
	s->v = v;
	s->n = n;
	s->name = "s";
	return s;
}

static struct fwc_portset
rnd_ports(void)
{
	struct fwc_portset ps = { NULL, 0 };
	struct fwc_pivl *v;
	uint16_t at;

	if (rnd(3) == 0)
		return ps;
	ps.n = 1 + rnd(2);
	v = fwc_arena_alloc(A, ps.n * sizeof(*v));
	at = (uint16_t)rnd(50);
	for (size_t i = 0; i < ps.n; i++) {
		v[i].lo = at;
		v[i].hi = (uint16_t)(at + rnd(10));
		at = (uint16_t)(v[i].hi + 2 + rnd(10));
	}
	ps.v = v;
	return ps;
}

static void
rnd_rule(struct fwc_ir_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->action = (enum fwc_action)rnd(3);
	r->chain = (enum fwc_chain)rnd(FWC_CHAIN_NR);
	r->family = (enum fwc_family)rnd(2);
	if (rnd(2))
		r->iif = ifnames[rnd(3)];
	if (rnd(2))
		r->oif = ifnames[rnd(3)];
	if (rnd(4))
		r->src = rnd_set(r->family);
	if (rnd(4))
		r->dst = rnd_set(r->family);
	r->proto = FWC_PROTO_ANY;
	if (rnd(4)) {
		r->proto = protos[rnd(FWC_ARRAY_SIZE(protos))];
		if (r->proto == FWC_PROTO_TCP || r->proto == FWC_PROTO_UDP) {
			r->dport = rnd_ports();
			if (rnd(4) == 0)
				r->sport = rnd_ports();
		}
		if ((r->proto == FWC_PROTO_ICMP && r->family == FWC_FAM_IP4) ||
		    (r->proto == FWC_PROTO_ICMP6 && r->family == FWC_FAM_IP6)) {
			if (rnd(2)) {
				r->has_types = true;
				for (int k = 0; k < 3; k++) {
					unsigned int t = rnd(16);

					r->types[t / 8] |=
					    (uint8_t)(1u << (t % 8));
				}
			}
		}
	}
}

static struct fwc_ruleset *
rnd_ruleset(size_t n)
{
	struct fwc_ruleset *rs = fwc_arena_alloc(A, sizeof(*rs));

	rs->name = "r";
	rs->n_rules = n;
	rs->rules = fwc_arena_alloc(A, (n ? n : 1) * sizeof(*rs->rules));
	for (size_t i = 0; i < n; i++)
		rnd_rule(&rs->rules[i]);
	for (int c = 0; c < FWC_CHAIN_NR; c++) {
		rs->has_chain[c] = rnd(5) != 0;
		rs->chain_default[c] = (enum fwc_action)rnd(3);
	}
	return rs;
}

static void
rnd_packet(struct fwc_packet *p)
{
	memset(p, 0, sizeof(*p));
	p->family = (enum fwc_family)rnd(2);
	p->chain = (enum fwc_chain)rnd(FWC_CHAIN_NR);
	p->iif = rnd(4) ? ifnames[rnd(3)] : (rnd(2) ? "other0" : NULL);
	p->oif = rnd(4) ? ifnames[rnd(3)] : NULL;
	p->src = rnd_addr(p->family);
	p->dst = rnd_addr(p->family);
	p->proto = protos[rnd(FWC_ARRAY_SIZE(protos))];
	if (rnd(10) == 0)
		p->proto = (int)rnd(256);
	p->icmp_type = -1;
	if (p->proto == FWC_PROTO_TCP || p->proto == FWC_PROTO_UDP ||
	    p->proto == 33 || p->proto == 132 || p->proto == 136) {
		p->dport = (uint16_t)rnd(100);
		p->sport = (uint16_t)rnd(100);
	}
	if ((p->proto == FWC_PROTO_ICMP && p->family == FWC_FAM_IP4) ||
	    (p->proto == FWC_PROTO_ICMP6 && p->family == FWC_FAM_IP6))
		p->icmp_type = (int)rnd(18);
}

static bool
member(const struct fwc_space *sp, int set, const struct fwc_packet *p)
{
	int pb = fwc_space_packet(sp, p);
	int x = fwc_space_and(pb, set);
	bool in = !fwc_space_is_empty(x);

	fwc_space_put(x);
	fwc_space_put(pb);
	return in;
}

/* The main property: for random rulesets and packets, the BDD verdict sets
 * agree with the first-match evaluator on every packet. */
static void
test_space_matches_eval(void **state)
{
	size_t checked = 0;

	(void)state;
	rng_state = 42;
	for (int round = 0; round < 60; round++) {
		struct fwc_ruleset *rs = rnd_ruleset(rnd(25));
		struct fwc_space sp;
		struct fwc_verdicts v[FWC_CHAIN_NR];
		int dom = fwc_space_domain();

		fwc_space_reset(&sp);
		fwc_space_add_ifaces(&sp, rs);
		for (int c = 0; c < FWC_CHAIN_NR; c++)
			fwc_space_chain(
			    &sp, rs, (enum fwc_chain)c, dom, NULL, &v[c]);
		for (int k = 0; k < 100; k++) {
			struct fwc_packet p;
			enum fwc_action want;
			int s;

			rnd_packet(&p);
			want = rs->has_chain[p.chain]
				   ? fwc_eval_packet(rs, &p, NULL)
				   : FWC_ACT_ACCEPT;
			s = want == FWC_ACT_ACCEPT
				? v[p.chain].accept
				: (want == FWC_ACT_REJECT ? v[p.chain].reject
							  : v[p.chain].drop);
			if (!member(&sp, s, &p))
				fail_msg("round %d packet %d: verdict %s not "
					 "in its set",
				    round, k, fwc_action_names[want]);
			checked++;
		}
		/* The three sets partition the domain. */
		for (int c = 0; c < FWC_CHAIN_NR; c++) {
			int u = fwc_space_or(v[c].accept, v[c].reject);
			int w = fwc_space_or(u, v[c].drop);
			int i = fwc_space_and(v[c].accept, v[c].reject);

			assert_true(fwc_space_equal(w, dom));
			assert_true(fwc_space_is_empty(i));
			fwc_space_put(u);
			fwc_space_put(w);
			fwc_space_put(i);
			fwc_space_verdicts_put(&v[c]);
		}
		fwc_space_put(dom);
	}
	assert_int_equal(checked, 6000);
}

/* An example packet of a set is in the set, and the evaluator gives it
 * the set's verdict. */
static void
test_space_examples(void **state)
{
	(void)state;
	rng_state = 7;
	for (int round = 0; round < 40; round++) {
		struct fwc_ruleset *rs = rnd_ruleset(1 + rnd(15));
		struct fwc_space sp;
		struct fwc_verdicts v;
		int dom = fwc_space_domain();
		enum fwc_chain c = (enum fwc_chain)rnd(FWC_CHAIN_NR);

		rs->has_chain[c] = true;
		fwc_space_reset(&sp);
		fwc_space_add_ifaces(&sp, rs);
		fwc_space_chain(&sp, rs, c, dom, NULL, &v);
		if (!fwc_space_is_empty(v.accept)) {
			struct fwc_packet p;

			fwc_space_example(&sp, v.accept, &p);
			p.chain = c;
			assert_true(member(&sp, v.accept, &p));
			assert_int_equal(
			    fwc_eval_packet(rs, &p, NULL), FWC_ACT_ACCEPT);
		}
		fwc_space_verdicts_put(&v);
		fwc_space_put(dom);
	}
}

/* Boxes of a set are disjoint products whose union is the set. */
static void
test_space_boxes_exact(void **state)
{
	(void)state;
	rng_state = 99;
	for (int round = 0; round < 40; round++) {
		struct fwc_ruleset *rs = rnd_ruleset(1 + rnd(10));
		struct fwc_space sp;
		struct fwc_verdicts v;
		int dom = fwc_space_domain();
		struct fwc_box boxes[256];
		size_t n;
		int u = fwc_space_false();

		rs->has_chain[FWC_CHAIN_FORWARD] = true;
		fwc_space_reset(&sp);
		fwc_space_add_ifaces(&sp, rs);
		fwc_space_chain(&sp, rs, FWC_CHAIN_FORWARD, dom, NULL, &v);
		n = fwc_space_boxes(v.accept, boxes, 256);
		if (n > 256) {
			for (size_t i = 0; i < 256; i++)
				fwc_space_box_put(&boxes[i]);
			fwc_space_verdicts_put(&v);
			fwc_space_put(dom);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			int prod = fwc_space_true();
			int x;

			for (int f = 0; f < FWC_F_NR; f++) {
				x = fwc_space_and(prod, boxes[i].f[f]);
				fwc_space_put(prod);
				prod = x;
			}
			x = fwc_space_and(prod, u);
			assert_true(fwc_space_is_empty(x));
			fwc_space_put(x);
			x = fwc_space_or(u, prod);
			fwc_space_put(u);
			u = x;
			fwc_space_put(prod);
			fwc_space_box_put(&boxes[i]);
		}
		assert_true(fwc_space_equal(u, v.accept));
		fwc_space_put(u);
		fwc_space_verdicts_put(&v);
		fwc_space_put(dom);
	}
}

static void
test_space_intervals_and_count(void **state)
{
	struct fwc_u128 lo = { 0, 0x0a000005u };
	struct fwc_u128 hi = { 0, 0x0a0000ffu };
	int r;
	struct fwc_ivl v[4];
	int fam;
	int t;
	int x;

	(void)state;
	r = fwc_space_range(FWC_F_SRC, lo, hi);
	assert_int_equal(fwc_space_intervals(r, FWC_F_SRC, v, 4), 1);
	assert_true(fwc_u128_cmp(v[0].lo, lo) == 0);
	assert_true(fwc_u128_cmp(v[0].hi, hi) == 0);
	/* 251 sources x 1 destination x tcp/22 in IPv4. */
	fam = fwc_space_family(FWC_FAM_IP4);
	x = fwc_space_and(r, fam);
	t = fwc_space_value(FWC_F_DST, 0x0a010101u);
	fwc_space_put(r);
	r = fwc_space_and(x, t);
	fwc_space_put(x);
	fwc_space_put(t);
	t = fwc_space_value(FWC_F_PROTO, FWC_PROTO_TCP);
	x = fwc_space_and(r, t);
	fwc_space_put(r);
	fwc_space_put(t);
	t = fwc_space_value(FWC_F_DPORT, 22);
	r = fwc_space_and(x, t);
	fwc_space_put(x);
	fwc_space_put(t);
	t = fwc_space_domain();
	x = fwc_space_and(r, t);
	assert_true(fwc_space_count(x) == 251.0);
	fwc_space_put(x);
	fwc_space_put(t);
	fwc_space_put(r);
	fwc_space_put(fam);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_space_matches_eval, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_space_examples, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_space_boxes_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_space_intervals_and_count, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
