/* Unit tests of the arena: zeroed aligned allocations, growing arrays,
 * and heap blocks handed over with fwc_arena_adopt() (counted in the
 * arena's size, freed by fwc_arena_release(): ASan and valgrind runs of
 * this test find a leak or a double free). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static void
test_arena_disown(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_arena *b = fwc_arena_new();
	char *p = fwc_xmalloc(5000);
	char *q = fwc_xmalloc(70);
	size_t before;

	(void)state;
	fwc_arena_adopt(a, q, 70);
	fwc_arena_adopt(a, p, 5000);
	before = fwc_arena_size(a);
	assert_false(fwc_arena_disown(a, p + 1, 5000));
	assert_false(fwc_arena_disown(b, p, 5000));
	assert_true(fwc_arena_disown(a, p, 5000));
	assert_int_equal(fwc_arena_size(a), before - 5000);
	assert_false(fwc_arena_disown(a, p, 5000)); /* only once */
	/* b frees it now; a still frees q: a double free or a leak shows
	 * under ASan and valgrind. */
	fwc_arena_adopt(b, p, 5000);
	fwc_arena_release(a);
	fwc_arena_release(b);
}

static void
test_arena_strings_packed(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	char *s1;
	char *s2;
	char *big;
	char *s3;
	char *long_s = fwc_xmalloc(3000);
	void *p;

	(void)state;
	memset(long_s, 'x', 2999);
	long_s[2999] = '\0';
	s1 = fwc_arena_strdup(a, "eth0");
	s2 = fwc_arena_strndup(a, "10.0.0.0/8 and more", 10);
	/* Short strings lie end to end, each with its NUL. */
	assert_ptr_equal(s2, s1 + 5);
	assert_string_equal(s1, "eth0");
	assert_string_equal(s2, "10.0.0.0/8");
	big = fwc_arena_strdup(a, long_s);
	assert_string_equal(big, long_s);
	/* Other allocations stay aligned and zeroed among strings. */
	p = fwc_arena_alloc(a, 24);
	assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	assert_int_equal(((unsigned char *)p)[23], 0);
	s3 = fwc_arena_strdup(a, "");
	assert_string_equal(s3, "");
	assert_ptr_equal(s3, s2 + 11);
	/* Many strings: more than one block. */
	for (int i = 0; i < 20000; i++) {
		char *t = fwc_arena_printf(a, "name-%d", i);

		assert_string_equal(fwc_arena_strdup(a, t), t);
	}
	assert_string_equal(s1, "eth0");
	free(long_s);
	fwc_arena_release(a);
}

static void
test_arena_sub(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_arena *s1 = fwc_arena_sub(a);
	struct fwc_arena *s2 = fwc_arena_sub(a);
	struct fwc_arena *s3 = fwc_arena_sub(s2);
	size_t base = fwc_arena_size(a);
	size_t with;

	(void)state;
	fwc_arena_alloc(s1, 100000);
	fwc_arena_alloc(s3, 200000);
	with = fwc_arena_size(a);
	/* A parent's size counts its sub-arenas. */
	assert_true(with >= base + 300000);
	fwc_arena_release(s1);
	assert_true(fwc_arena_size(a) <= with - 100000);
	assert_true(fwc_arena_size(a) >= base + 200000);
	/* s2 and s3 go with a: a leak shows under ASan and valgrind. */
	fwc_arena_release(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_zeroed_aligned),
		cmocka_unit_test(test_arena_adopt),
		cmocka_unit_test(test_arena_disown),
		cmocka_unit_test(test_arena_strings_packed),
		cmocka_unit_test(test_arena_sub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
