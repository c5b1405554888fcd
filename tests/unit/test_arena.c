/* Unit tests of the arena: zeroed aligned allocations, growing arrays,
 * and heap blocks handed over with fwc_arena_adopt() (counted in the
 * arena's size, freed by fwc_arena_release(): ASan and valgrind runs of
 * this test find a leak or a double free). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/util.h"

static void
test_arena_alloc_zeroed_aligned(void **state)
{
	struct fwc_arena *a = fwc_arena_new();

	(void)state;
	for (size_t n = 1; n < 5000000; n = n * 3 + 1) {
		unsigned char *p = fwc_arena_alloc(a, n);

		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (size_t i = 0; i < n; i += 4093)
			assert_int_equal(p[i], 0);
		assert_int_equal(p[n - 1], 0);
		memset(p, 0xff, n);
	}
	fwc_arena_release(a);
}

static void
test_arena_adopt(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	size_t before = fwc_arena_size(a);
	int *v = NULL;

	(void)state;
	assert_null(fwc_arena_adopt(a, NULL, 0));
	assert_int_equal(fwc_arena_size(a), before);
	/* More blocks than the adopted list holds at first. */
	for (int k = 0; k < 40; k++) {
		v = fwc_xmalloc(1000 * sizeof(*v));
		for (int i = 0; i < 1000; i++)
			v[i] = k * i;
		assert_ptr_equal(fwc_arena_adopt(a, v, 1000 * sizeof(*v)), v);
	}
	assert_int_equal(fwc_arena_size(a), before + 40 * 1000 * sizeof(*v));
	/* Adopted memory stays valid alongside arena allocations. */
	fwc_arena_alloc(a, 3u << 20);
	assert_int_equal(v[999], 39 * 999);
	fwc_arena_release(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_zeroed_aligned),
		cmocka_unit_test(test_arena_adopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
