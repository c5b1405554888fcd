/* Unit tests of fwc_addrset_meet(), the intersection that shares its
 * operands: its content is checked against a bitmap on random sets, and
 * its sharing (the operand itself, the shared empty set) on chosen
 * ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "rand_fixture.h"

static struct fwc_ivl
ivl(uint64_t lo, uint64_t hi)
{
	struct fwc_ivl x;

	x.lo.hi = x.hi.hi = 0;
	x.lo.lo = lo;
	x.hi.lo = hi;
	return x;
}

static void
check_family(const struct fwc_addrset *s, enum fwc_family f,
    const unsigned char bits[256])
{
	for (unsigned int k = 0; k < 256; k++) {
		struct fwc_u128 v = { 0, k };

		assert_int_equal(fwc_addrset_contains(s, f, v), bits[k]);
	}
	for (size_t i = 1; i < s->n[f]; i++)
		assert_true(s->v[f][i].lo.lo > s->v[f][i - 1].hi.lo + 1);
}

static void
test_addr_meet_random_against_bitmap(void **state)
{
	unsigned char a[256];
	unsigned char b[256];
	unsigned char r[256];
	unsigned int shared = 0;

	(void)state;
	srand(7);
	for (int round = 0; round < 5000; round++) {
		bool xv6 = rand() % 3 == 0;
		bool yv6 = rand() % 3 == 0;
		struct fwc_addrset *x = random_set(a, 60, true, xv6);
		struct fwc_addrset *y = random_set(b, 60, rand() % 4 != 0, yv6);
		const struct fwc_addrset *m = fwc_addrset_meet(A, x, y);
		bool has_v4 = y->n[FWC_FAM_IP4] != 0;

		for (int k = 0; k < 256; k++)
			r[k] = a[k] & b[k] & has_v4;
		check_family(m, FWC_FAM_IP4, r);
		for (int k = 0; k < 256; k++)
			r[k] = a[k] & b[k] & xv6 & yv6;
		check_family(m, FWC_FAM_IP6, r);
		assert_true(fwc_addrset_equal(m, fwc_addrset_inter(A, x, y)));
		if (fwc_addrset_is_empty(m))
			assert_ptr_equal(m, &fwc_addrset_empty);
		else if (m == x || m == y)
			shared++;
	}
	/* Small random sets are often subsets of one another. */
	assert_true(shared > 100);
}

static void
test_addr_meet_shares_operands(void **state)
{
	struct fwc_ivl zone[3] = { ivl(0x0a000000, 0x0a00ffff),
		ivl(0x0a020000, 0x0a02ffff), ivl(0x0a040000, 0x0a04ffff) };
	struct fwc_ivl net = ivl(0x0a020100, 0x0a02011f);
	struct fwc_ivl other = ivl(0x0a030000, 0x0a0300ff);
	struct fwc_ivl v6 = ivl(1, 2);
	struct fwc_addrset *behind = fwc_addrset_from(A, zone, 3, NULL, 0);
	struct fwc_addrset *b = fwc_addrset_from(A, &net, 1, NULL, 0);
	struct fwc_addrset *o = fwc_addrset_from(A, &other, 1, NULL, 0);
	struct fwc_addrset *dual = fwc_addrset_from(A, &net, 1, &v6, 1);
	const struct fwc_addrset *m;

	(void)state;
	/* A boundary behind an interface: the boundary itself. */
	assert_ptr_equal(fwc_addrset_meet(A, b, behind), b);
	assert_ptr_equal(fwc_addrset_meet(A, behind, b), b);
	/* Not behind it: the shared empty set, whichever way round. */
	assert_ptr_equal(fwc_addrset_meet(A, o, behind), &fwc_addrset_empty);
	assert_ptr_equal(fwc_addrset_meet(A, behind, o), &fwc_addrset_empty);
	/* Every address of both families. */
	assert_ptr_equal(fwc_addrset_meet(A, dual, fwc_addrset_all()), dual);
	/* A family the other lacks is left out: a new set. */
	m = fwc_addrset_meet(A, dual, behind);
	assert_true(m != dual && m != behind);
	assert_true(fwc_addrset_equal(m, b));
	assert_ptr_equal(fwc_addrset_meet(A, &fwc_addrset_empty, behind),
	    &fwc_addrset_empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_addr_meet_random_against_bitmap, setup_arena,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_meet_shares_operands, setup_arena, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
