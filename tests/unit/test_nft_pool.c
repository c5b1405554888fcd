/* How the nft model stores rules (nft_model.h): primitives live end to
 * end in blocks of the table's arena and rules in arena arrays. A rule
 * that is not the one built last, or whose block is full, must move
 * without losing a primitive, and leaf copies share primitives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "nft_model.h"

static void
add_port(struct fwc_nft_table *t, struct fwc_nft_rule *r, unsigned int v)
{
	struct fwc_nft_prim *p = fwc_nft_rule_add(t, r, FWC_NFT_P_DPORT);

	p->proto = 6;
	p->lo = (uint16_t)v;
	p->hi = (uint16_t)(v + 1);
}

static void
check_ports(const struct fwc_nft_rule *r, unsigned int first, size_t n)
{
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r->p[i].kind, FWC_NFT_P_DPORT);
		assert_int_equal(r->p[i].proto, 6);
		assert_int_equal(r->p[i].lo, (uint16_t)(first + i));
		assert_int_equal(r->p[i].hi, (uint16_t)(first + i + 1));
	}
}

static void
test_nft_pool_interleaved(void **state)
{
	struct fwc_nft_table t;
	struct fwc_nft_rule a;
	struct fwc_nft_rule b;
	struct fwc_nft_prim *p;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	t.a = fwc_arena_new();
	add_port(&t, &a, 100);
	add_port(&t, &a, 101);
	add_port(&t, &b, 200);
	/* a is no longer the rule built last: it moves, b stays. */
	add_port(&t, &a, 102);
	check_ports(&a, 100, 3);
	check_ports(&b, 200, 1);
	add_port(&t, &b, 201);
	check_ports(&a, 100, 3);
	check_ports(&b, 200, 2);
	/* A new primitive is zeroed but for its kind. */
	p = fwc_nft_rule_add(&t, &b, FWC_NFT_P_JUMP);
	assert_int_equal(p->kind, FWC_NFT_P_JUMP);
	assert_int_equal(p->family, 0);
	assert_int_equal(p->proto, 0);
	assert_int_equal(p->lo, 0);
	assert_null(p->str);
	assert_int_equal(sizeof(*p), 16);
	fwc_nft_model_release(&t);
}

/* More primitives than one block holds, in one rule and across rules. */
static void
test_nft_pool_blocks(void **state)
{
	struct fwc_nft_table t;
	struct fwc_nft_rule *r;
	struct fwc_nft_rule big;
	size_t n_rules = 3000;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&big, 0, sizeof(big));
	t.a = fwc_arena_new();
	for (unsigned int i = 0; i < 10000; i++)
		add_port(&t, &big, i);
	check_ports(&big, 0, 10000);
	r = calloc(n_rules, sizeof(*r));
	assert_non_null(r);
	for (size_t k = 0; k < n_rules; k++)
		for (unsigned int i = 0; i < 5; i++)
			add_port(&t, &r[k], (unsigned int)k * 5 + i);
	for (size_t k = 0; k < n_rules; k++)
		check_ports(&r[k], (unsigned int)k * 5, 5);
	check_ports(&big, 0, 10000);
	free(r);
	fwc_nft_model_release(&t);
}

/* Chains grow in the arena, keep their rules when they do, and a reserve
 * is exact: a leaf of n rules takes room for n. */
static void
test_nft_pool_chains(void **state)
{
	struct fwc_nft_table t;
	struct fwc_nft_chain c;
	struct fwc_nft_chain leaf;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&c, 0, sizeof(c));
	memset(&leaf, 0, sizeof(leaf));
	t.a = fwc_arena_new();
	for (unsigned int i = 0; i < 1000; i++)
		add_port(&t, fwc_nft_chain_add(&t, &c), i);
	assert_int_equal(c.n_rules, 1000);
	assert_true(c.cap_rules >= 1000);
	for (unsigned int i = 0; i < 1000; i++)
		check_ports(&c.rules[i], i, 1);
	fwc_nft_chain_reserve(&t, &leaf, 3);
	assert_int_equal(leaf.cap_rules, 3);
	for (unsigned int i = 0; i < 3; i++)
		*fwc_nft_chain_add(&t, &leaf) = c.rules[500 + i];
	assert_int_equal(leaf.cap_rules, 3);
	for (unsigned int i = 0; i < 3; i++) {
		check_ports(&leaf.rules[i], 500 + i, 1);
		assert_ptr_equal(leaf.rules[i].p, c.rules[500 + i].p);
	}
	/* Reserving less than there is room for changes nothing. */
	fwc_nft_chain_reserve(&t, &leaf, 2);
	assert_int_equal(leaf.cap_rules, 3);
	fwc_nft_model_release(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_pool_interleaved),
		cmocka_unit_test(test_nft_pool_blocks),
		cmocka_unit_test(test_nft_pool_chains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
