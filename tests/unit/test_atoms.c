/* Atoms of interval sets against a brute-force membership table on a
 * small value space, over many random set families; plus the full IPv6
 * space edge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/atoms.h"

#define SPACE 256

static uint32_t rng = 12345;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static struct fwc_u128
u(uint64_t x)
{
	struct fwc_u128 r = { 0, x };

	return r;
}

/* A random normalised set over [0, SPACE) from a membership bitmap. */
static void
random_set(struct fwc_arena *a, unsigned char *mem, struct fwc_atom_input *in)
{
	struct fwc_ivl *v = fwc_arena_alloc(a, SPACE * sizeof(*v));
	size_t n = 0;
	int kind = (int)rnd(4);

	for (int x = 0; x < SPACE; x++)
		mem[x] = 0;
	if (kind == 0) { /* a few wide ranges */
		for (int k = (int)rnd(3) + 1; k > 0; k--) {
			int lo = (int)rnd(SPACE), len = (int)rnd(80);

			for (int x = lo; x < SPACE && x <= lo + len; x++)
				mem[x] = 1;
		}
	} else if (kind == 1) { /* scattered points */
		for (int k = (int)rnd(12); k > 0; k--)
			mem[rnd(SPACE)] = 1;
	} else if (kind == 2) { /* aligned blocks, like CIDRs */
		for (int k = (int)rnd(3) + 1; k > 0; k--) {
			int sz = 1 << rnd(7), lo = (int)rnd(SPACE / sz) * sz;

			for (int x = lo; x < lo + sz; x++)
				mem[x] = 1;
		}
	} else {
		in->full = rnd(2) == 0;
		if (in->full) {
			memset(mem, 1, SPACE);
			in->v = NULL;
			in->n = 0;
			return;
		}
	}
	in->full = 0;
	for (int x = 0; x < SPACE; x++) {
		if (!mem[x])
			continue;
		if (n > 0 && v[n - 1].hi.lo + 1 == (uint64_t)x)
			v[n - 1].hi = u((uint64_t)x);
		else
			v[n++] =
			    (struct fwc_ivl){ u((uint64_t)x), u((uint64_t)x) };
	}
	in->v = v;
	in->n = n;
}

static void
test_random_families(void **state)
{
	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct fwc_arena *a = fwc_arena_new();
		size_t n_in = rnd(12);
		struct fwc_atom_input in[12];
		unsigned char mem[12][SPACE];
		struct fwc_atom *at;
		size_t n_at;
		int owner[SPACE];

		memset(in, 0, sizeof(in));
		for (size_t i = 0; i < n_in; i++)
			random_set(a, mem[i], &in[i]);
		fwc_atoms_build(a, in, n_in, u(SPACE - 1), &at, &n_at);
		for (int x = 0; x < SPACE; x++)
			owner[x] = -1;
		for (size_t k = 0; k < n_at; k++) {
			assert_true(at[k].n > 0);
			assert_true(at[k].n_members > 0);
			for (size_t j = 0; j < at[k].n; j++) {
				assert_true(
				    at[k].v[j].lo.lo <= at[k].v[j].hi.lo);
				if (j > 0) /* ascending, non-adjacent */
					assert_true(at[k].v[j - 1].hi.lo + 1 <
						    at[k].v[j].lo.lo);
				for (uint64_t x = at[k].v[j].lo.lo;
				     x <= at[k].v[j].hi.lo; x++) {
					assert_int_equal(owner[x], -1);
					owner[x] = (int)k;
				}
			}
			if (k > 0) /* ordered by lowest value */
				assert_true(
				    at[k - 1].v[0].lo.lo < at[k].v[0].lo.lo);
		}
		for (int x = 0; x < SPACE; x++) {
			size_t m = 0;

			for (size_t i = 0; i < n_in; i++)
				m += mem[i][x];
			if (m == 0) {
				assert_int_equal(owner[x], -1);
				continue;
			}
			assert_true(owner[x] >= 0);
			assert_int_equal(at[owner[x]].n_members, m);
			m = 0;
			for (size_t i = 0; i < n_in; i++)
				if (mem[i][x])
					assert_int_equal(
					    at[owner[x]].members[m++], i);
		}
		/* Coarsest: no two atoms have the same members. */
		for (size_t k = 0; k < n_at; k++)
			for (size_t j = k + 1; j < n_at; j++)
				assert_false(
				    at[k].n_members == at[j].n_members &&
				    memcmp(at[k].members, at[j].members,
					at[k].n_members *
					    sizeof(*at[k].members)) == 0);
		fwc_arena_release(a);
	}
}

static void
test_full_ipv6_space(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_u128 max = { UINT64_MAX, UINT64_MAX };
	struct fwc_ivl tail = { { UINT64_MAX, 0 }, max };
	struct fwc_atom_input in[2] = { { NULL, 0, 1 }, { &tail, 1, 0 } };
	struct fwc_atom *at;
	size_t n_at;

	(void)state;
	fwc_atoms_build(a, in, 2, max, &at, &n_at);
	assert_int_equal(n_at, 2);
	assert_int_equal(at[0].n_members, 1);
	assert_true(at[0].v[0].hi.hi == UINT64_MAX - 1 &&
		    at[0].v[0].hi.lo == UINT64_MAX);
	assert_int_equal(at[1].n_members, 2);
	assert_true(
	    at[1].v[0].hi.hi == UINT64_MAX && at[1].v[0].hi.lo == UINT64_MAX);
	fwc_atoms_build(a, in, 0, max, &at, &n_at);
	assert_int_equal(n_at, 0);
	fwc_arena_release(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_families),
		cmocka_unit_test(test_full_ipv6_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
