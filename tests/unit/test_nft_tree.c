/* Dispatch trees against the reference evaluator: for random rulesets
 * (interfaces, nested and overlapping address sets, DNS-filled sets,
 * protocols and ports, denies before allows), every random packet that
 * walks the tree to a leaf gets, by first match over the leaf's rules,
 * exactly the verdict and the deciding rule of the whole ruleset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/eval.h"
#include "fwc/ir.h"
#include "nft_tree.h"

static uint32_t rng = 777;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static const char *const ifs[] = { "eth0", "eth1", "eth2", "wan" };

static struct fwc_u128
v4(uint32_t x)
{
	struct fwc_u128 r = { 0, x };

	return r;
}

/* Addresses 10.0.0.0 + [0, 512): small enough that random packets hit
 * every set edge. */
#define BASE 0x0a000000u
#define SPAN 512u

static const struct fwc_ir_set *
random_set(struct fwc_arena *a)
{
	struct fwc_ir_set *s;
	struct fwc_ivl *v;
	uint32_t at = 0;
	size_t n = 0;

	if (rnd(4) == 0)
		return NULL; /* any address */
	s = fwc_arena_alloc(a, sizeof(*s));
	v = fwc_arena_alloc(a, 8 * sizeof(*v));
	s->family = FWC_FAM_IP4;
	for (int k = (int)rnd(4) + 1; k > 0 && at < SPAN; k--) {
		uint32_t lo = at + rnd(SPAN / 4);
		uint32_t hi = lo + rnd(SPAN / 4);

		if (lo >= SPAN)
			break;
		if (hi >= SPAN)
			hi = SPAN - 1;
		v[n].lo = v4(BASE + lo);
		v[n].hi = v4(BASE + hi);
		n++;
		at = hi + 2;
	}
	s->v = v;
	s->n = n;
	if (rnd(10) == 0) { /* filled from DNS at apply time */
		static const char *const names[] = { "x.example" };

		s->fqdns = names;
		s->n_fqdns = 1;
	}
	return s;
}

static void
random_rule(struct fwc_arena *a, struct fwc_ir_rule *r, enum fwc_action act)
{
	static const int protos[] = { FWC_PROTO_ANY, FWC_PROTO_TCP,
		FWC_PROTO_UDP, FWC_PROTO_ICMP };

	memset(r, 0, sizeof(*r));
	r->action = act;
	r->chain = FWC_CHAIN_FORWARD;
	r->family = FWC_FAM_IP4;
	r->iif = rnd(3) ? ifs[rnd(4)] : NULL;
	r->oif = rnd(3) ? ifs[rnd(4)] : NULL;
	r->src = random_set(a);
	r->dst = random_set(a);
	r->proto = protos[rnd(4)];
	if ((r->proto == FWC_PROTO_TCP || r->proto == FWC_PROTO_UDP) &&
	    rnd(2)) {
		struct fwc_pivl *p = fwc_arena_alloc(a, sizeof(*p));

		p->lo = (uint16_t)rnd(8);
		p->hi = (uint16_t)(p->lo + rnd(3));
		r->dport.v = p;
		r->dport.n = 1;
	}
	r->origin.flow = "random";
}

/* What the tree reads of r. */
static void
key_of(struct fwc_dt_key *k, const struct fwc_ir_rule *r)
{
	k->iif = r->iif;
	k->oif = r->oif;
	k->src = r->src;
	k->dst = r->dst;
}

static void
test_tree_equals_eval(void **state)
{
	size_t leaves_seen = 0, max_leaf = 0;

	(void)state;
	for (int round = 0; round < 100; round++) {
		struct fwc_arena *a = fwc_arena_new();
		struct fwc_ruleset rs;
		size_t n = rnd(120) + 1;
		size_t n_deny = rnd((uint32_t)n + 1);
		struct fwc_dt_key *keys;
		const struct fwc_dt_key **ptr;
		struct fwc_dt t;

		memset(&rs, 0, sizeof(rs));
		rs.kind = FWC_EP_GATEWAY;
		rs.chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_DROP;
		rs.has_chain[FWC_CHAIN_FORWARD] = true;
		rs.rules = fwc_arena_alloc(a, n * sizeof(*rs.rules));
		rs.n_rules = n;
		keys = fwc_arena_alloc(a, n * sizeof(*keys));
		ptr = fwc_arena_alloc(a, n * sizeof(*ptr));
		for (size_t i = 0; i < n; i++) {
			random_rule(a, &rs.rules[i],
			    i < n_deny
				? (rnd(2) ? FWC_ACT_DROP : FWC_ACT_REJECT)
				: FWC_ACT_ACCEPT);
			key_of(&keys[i], &rs.rules[i]);
			ptr[i] = &keys[i];
		}
		fwc_dt_build(a, ptr, n, FWC_FAM_IP4, 1 + rnd(6), &t);
		for (int k = 0; k < 1000; k++) {
			struct fwc_packet p;
			const struct fwc_dt_node *lf;
			long want_rule, got_rule = -1;
			enum fwc_action want, got;

			memset(&p, 0, sizeof(p));
			p.family = FWC_FAM_IP4;
			p.chain = FWC_CHAIN_FORWARD;
			p.iif = rnd(5) ? ifs[rnd(4)] : "other0";
			p.oif = rnd(5) ? ifs[rnd(4)] : "other1";
			p.src = v4(BASE + rnd(SPAN + 8) - 4);
			p.dst = v4(BASE + rnd(SPAN + 8) - 4);
			p.proto = rnd(3) ? FWC_PROTO_TCP : FWC_PROTO_ICMP;
			p.dport = (uint16_t)rnd(12);
			p.icmp_type = p.proto == FWC_PROTO_ICMP ? 8 : -1;
			want = fwc_eval_packet(&rs, &p, &want_rule);
			lf = fwc_dt_walk(&t, p.iif, p.oif, p.src, p.dst);
			got = rs.chain_default[FWC_CHAIN_FORWARD];
			if (lf != NULL) {
				leaves_seen++;
				if (lf->n_rules > max_leaf)
					max_leaf = lf->n_rules;
				for (size_t i = 0; i < lf->n_rules; i++) {
					const struct fwc_ir_rule *r =
					    &rs.rules[lf->rules[i] - keys];

					if (fwc_eval_rule_matches(r, &p)) {
						got = r->action;
						got_rule = r - rs.rules;
						break;
					}
				}
			}
			assert_int_equal(got, want);
			assert_int_equal(got_rule, want_rule);
		}
		fwc_arena_release(a);
	}
	assert_true(leaves_seen > 0);
	print_message("leaves reached %zu times, largest leaf %zu rules\n",
	    leaves_seen, max_leaf);
}

/* Many flows between distinct boundaries: leaves stay small. */
static void
test_leaves_stay_small(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	size_t n = 20000;
	struct fwc_ir_rule *r = fwc_arena_alloc(a, n * sizeof(*r));
	struct fwc_dt_key *keys = fwc_arena_alloc(a, n * sizeof(*keys));
	const struct fwc_dt_key **ptr = fwc_arena_alloc(a, n * sizeof(*ptr));
	struct fwc_dt t;
	size_t max_leaf = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct fwc_ir_set *s = fwc_arena_alloc(a, sizeof(*s));
		struct fwc_ir_set *d = fwc_arena_alloc(a, sizeof(*d));
		struct fwc_ivl *sv = fwc_arena_alloc(a, sizeof(*sv));
		struct fwc_ivl *dv = fwc_arena_alloc(a, sizeof(*dv));

		sv->lo = v4(BASE + (uint32_t)(i % 5000) * 256);
		sv->hi = v4(BASE + (uint32_t)(i % 5000) * 256 + 255);
		dv->lo = dv->hi = v4(0xc0000000u + (uint32_t)i);
		s->v = sv;
		s->n = 1;
		d->v = dv;
		d->n = 1;
		r[i].action = FWC_ACT_ACCEPT;
		r[i].chain = FWC_CHAIN_FORWARD;
		r[i].iif = ifs[i % 2];
		r[i].oif = ifs[2 + i % 2];
		r[i].src = s;
		r[i].dst = d;
		r[i].proto = FWC_PROTO_TCP;
		key_of(&keys[i], &r[i]);
		ptr[i] = &keys[i];
	}
	fwc_dt_build(a, ptr, n, FWC_FAM_IP4, 8, &t);
	for (size_t k = 0; k < t.n_nodes; k++)
		if (t.nodes[k]->kind == FWC_DT_LEAF &&
		    t.nodes[k]->n_rules > max_leaf)
			max_leaf = t.nodes[k]->n_rules;
	assert_true(max_leaf <= 8);
	assert_true(t.root != NULL && t.root->kind == FWC_DT_IIF);
	fwc_arena_release(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_equals_eval),
		cmocka_unit_test(test_leaves_stay_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
