/* Unit tests of the large-input paths added for speed (issue 6): the
 * union of many sets at once, intersection, difference and overlap of a
 * small set with a large one (binary search), and arena chunks of 2 MiB
 * and more (mapped, zeroed). Each is checked against a bitmap model over
 * 0..4095 on random sets of very different sizes. */
#include "rand_fixture.h"

#define SPACE 4096

/* A random set of up to max_n intervals (max_len addresses long at most)
 * over 0..SPACE-1, and its bitmap. */
static struct fwc_addrset *
bulk_set(unsigned char *bits, size_t max_n, unsigned int max_len)
{
	struct fwc_ivl *v = calloc(max_n + 1, sizeof(*v));
	size_t n = (size_t)rand() % (max_n + 1);
	struct fwc_addrset *s;

	assert_non_null(v);
	memset(bits, 0, SPACE);
	for (size_t i = 0; i < n; i++) {
		unsigned int lo = (unsigned int)(rand() % SPACE);
		unsigned int hi = lo + (unsigned int)(rand() % max_len);

		if (hi >= SPACE)
			hi = SPACE - 1;
		v[i].lo.lo = lo;
		v[i].hi.lo = hi;
		for (unsigned int k = lo; k <= hi; k++)
			bits[k] = 1;
	}
	s = fwc_addrset_from(A, v, n, NULL, 0);
	free(v);
	return s;
}

static void
check_bits(const struct fwc_addrset *s, const unsigned char *bits)
{
	for (unsigned int k = 0; k < SPACE; k++) {
		struct fwc_u128 v = { 0, k };

		assert_int_equal(
		    fwc_addrset_contains(s, FWC_FAM_IP4, v), bits[k]);
	}
	for (size_t i = 1; i < s->n[FWC_FAM_IP4]; i++)
		assert_true(s->v[FWC_FAM_IP4][i].lo.lo >
			    s->v[FWC_FAM_IP4][i - 1].hi.lo + 1);
}

static void
test_bulk_sets_union_n(void **state)
{
	static unsigned char bits[SPACE];
	static unsigned char want[SPACE];
	const struct fwc_addrset *sets[40];

	(void)state;
	srand(7);
	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)(rand() % 40);

		memset(want, 0, sizeof(want));
		for (size_t i = 0; i < n; i++) {
			sets[i] = bulk_set(bits, 1 + (size_t)(rand() % 30),
			    1 + (unsigned int)(rand() % 200));
			for (int k = 0; k < SPACE; k++)
				want[k] |= bits[k];
		}
		check_bits(fwc_addrset_union_n(A, sets, n), want);
	}
}

static void
test_bulk_sets_small_against_large(void **state)
{
	static unsigned char a[SPACE];
	static unsigned char b[SPACE];
	static unsigned char r[SPACE];

	(void)state;
	srand(11);
	for (int round = 0; round < 600; round++) {
		/* x has a few intervals, y up to a thousand short ones; every
		 * other round the other way round. */
		struct fwc_addrset *x = bulk_set(a, 4, 300);
		struct fwc_addrset *y = bulk_set(b, 1000, 6);
		bool ov = false;

		if (round % 2) {
			struct fwc_addrset *t = x;

			x = y;
			y = t;
			for (int k = 0; k < SPACE; k++) {
				unsigned char c = a[k];

				a[k] = b[k];
				b[k] = c;
			}
		}
		for (int k = 0; k < SPACE; k++) {
			r[k] = a[k] & b[k];
			ov |= a[k] && b[k];
		}
		check_bits(fwc_addrset_inter(A, x, y), r);
		assert_int_equal(fwc_addrset_overlaps(x, y), ov);
		for (int k = 0; k < SPACE; k++)
			r[k] = a[k] & !b[k];
		check_bits(fwc_addrset_minus(A, x, y), r);
	}
}

static void
test_bulk_sets_huge_chunks(void **state)
{
	size_t before = fwc_arena_size(A);
	unsigned char *big;
	unsigned char *small;

	(void)state;
	/* A block of its own of more than 2 MiB, and enough small ones to
	 * need several full-size chunks: all zeroed, all usable. */
	big = fwc_arena_alloc(A, (size_t)5 << 20);
	for (size_t i = 0; i < ((size_t)5 << 20); i += 4096)
		assert_int_equal(big[i], 0);
	memset(big, 0xAB, (size_t)5 << 20);
	for (int i = 0; i < 20000; i++) {
		small = fwc_arena_alloc(A, 300);
		for (int k = 0; k < 300; k++)
			assert_int_equal(small[k], 0);
		memset(small, 0xCD, 300);
	}
	assert_int_equal(big[((size_t)5 << 20) - 1], 0xAB);
	assert_true(fwc_arena_size(A) - before >= ((size_t)5 << 20) + 6000000);
}

/* Chunks released by one arena are reused by the next (arena.c keeps
 * them): what the next one gets must be zeroed all the same, whether it
 * was a full-size chunk or a smaller mapped one. */
static void
test_bulk_sets_reused_chunks_zeroed(void **state)
{
	(void)state;
	for (int round = 0; round < 3; round++) {
		struct fwc_arena *b = fwc_arena_new();

		/* Small blocks grow the chunks up to their full 4 MiB;
		 * 600 KiB and 3 MiB blocks get mapped chunks of their own. */
		for (int i = 0; i < 40000; i++) {
			unsigned char *p = fwc_arena_alloc(b, 300);

			for (int k = 0; k < 300; k++)
				assert_int_equal(p[k], 0);
			memset(p, 0xEE, 300);
		}
		for (size_t n = (size_t)600 << 10; n <= ((size_t)3 << 20);
		     n *= 5) {
			unsigned char *p = fwc_arena_alloc(b, n);

			for (size_t k = 0; k < n; k += 512)
				assert_int_equal(p[k], 0);
			assert_int_equal(p[n - 1], 0);
			memset(p, 0xEF, n);
		}
		fwc_arena_release(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_bulk_sets_union_n, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_sets_small_against_large, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_sets_huge_chunks, setup_arena, teardown),
		cmocka_unit_test(test_bulk_sets_reused_chunks_zeroed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
