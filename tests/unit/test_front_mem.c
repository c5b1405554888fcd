/* Unit tests of the front end's memory savings on large policies:
 *  - parse.c reads the address items that parse into intervals at once
 *    (struct fwc_ivls) and keeps only the others as items: the sets,
 *    the diagnostics and their order must be those of reading every
 *    item in sema.c (mixed families, bad values between good ones,
 *    hosts' single addresses, endpoints' names between addresses);
 *  - fwc_addrset_own() normalises in place; fwc_addrset_subset() steps
 *    through the larger set (checked against a bitmap);
 *  - "host outside every boundary" is decided without the union of every
 *    boundary, also for a host covered piecewise by two;
 *  - our XML reader takes over the array of a large element's children
 *    rather than copying it (xml_scan.c take_pend()): the tree must stay
 *    that of libxml2's tree path, wherever the element stands;
 *  - sets that lie end to end move into their union
 *    (fwc_addrset_union_n_move()), and a later union of them is that
 *    array: a flow from the boundaries an interface faces holds no copy
 *    of their addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"
#include "fwc/strbuf.h"
#include "fwc/xml.h"
#include "xtree_diff.h"

#include "diag_fixture.h"

/* Parses and resolves doc (called "t.xml"); returns sema's result. */
static int
resolve(struct fx *f, const char *doc, struct fwc_policy **p)
{
	static const struct fwc_options opt = { .no_includes = true };

	assert_int_equal(
	    fwc_parse_buffer(f->a, &f->dg, &opt, "t.xml", doc, strlen(doc), p),
	    0);
	return fwc_sema(f->a, &f->dg, &opt, *p);
}

static struct fwc_u128
v4(uint32_t a)
{
	struct fwc_u128 u = { 0, a };

	return u;
}

static struct fwc_u128
v6(uint64_t hi, uint64_t lo)
{
	struct fwc_u128 u = { hi, lo };

	return u;
}

static void
assert_ivl(const struct fwc_addrset *s, enum fwc_family fam, size_t i,
    struct fwc_u128 lo, struct fwc_u128 hi)
{
	assert_true(i < s->n[fam]);
	assert_true(s->v[fam][i].lo.hi == lo.hi && s->v[fam][i].lo.lo == lo.lo);
	assert_true(s->v[fam][i].hi.hi == hi.hi && s->v[fam][i].hi.lo == hi.lo);
}

#define HEAD "<policy name=\"p\" version=\"1\">\n"

/* Good and bad values of every kind, IPv6 out of order between IPv4:
 * the set is exact and the errors come in document order. */
static void
test_front_mem_boundary_mixed_items(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	const struct fwc_addrset *s;
	static const char doc[] = HEAD "<boundary name=\"b\">\n"
				       "<subnet>2001:db8:2::/48</subnet>\n"
				       "<subnet>10.0.2.0/24</subnet>\n"
				       "<subnet>10.0.0.1/24</subnet>\n"
				       "<range>10.0.1.0-10.0.1.255</range>\n"
				       "<prefix>2001:db8:1:2</prefix>\n"
				       "<range>10.9.0.9-10.9.0.1</range>\n"
				       "<address>10.0.5.7</address>\n"
				       "<subnet>2001:db8:1::/64</subnet>\n"
				       "<prefix>10.0.0.0/8</prefix>\n"
				       "<address>10.0.6.0-10.0.6.3</address>\n"
				       "<address>nonsense</address>\n"
				       "<exclude>10.0.2.128/25</exclude>\n"
				       "</boundary>\n"
				       "</policy>\n";

	assert_int_equal(resolve(f, doc, &p), -1);
	assert_string_equal(diag_text(f),
	    "t.xml:5:9: error: bad subnet '10.0.0.1/24': host bits set\n"
	    "t.xml:8:8: error: bad range '10.9.0.9-10.9.0.1': first address is greater than last\n"
	    "t.xml:11:9: error: bad prefix '10.0.0.0/8': not an IPv6 prefix\n"
	    "t.xml:13:10: error: bad address 'nonsense': not an IPv4 or IPv6 address\n");
	s = p->boundaries.v[0]->addrs;
	/* 10.0.1.0/24 and 10.0.2.0/25 (after the exclude) are adjacent. */
	assert_int_equal(s->n[FWC_FAM_IP4], 3);
	assert_ivl(s, FWC_FAM_IP4, 0, v4(0x0a000100), v4(0x0a00027f));
	assert_ivl(s, FWC_FAM_IP4, 1, v4(0x0a000507), v4(0x0a000507));
	assert_ivl(s, FWC_FAM_IP4, 2, v4(0x0a000600), v4(0x0a000603));
	assert_int_equal(s->n[FWC_FAM_IP6], 3);
	assert_ivl(s, FWC_FAM_IP6, 0, v6(0x20010db800010000, 0),
	    v6(0x20010db800010000, ~0ull));
	assert_ivl(s, FWC_FAM_IP6, 1, v6(0x20010db800010002, 0),
	    v6(0x20010db800010002, ~0ull));
	assert_ivl(s, FWC_FAM_IP6, 2, v6(0x20010db800020000, 0),
	    v6(0x20010db80002ffff, ~0ull));
}

/* The same list without errors: the set takes the parsed intervals over
 * and sorts them in place. */
static void
test_front_mem_boundary_sorted_in_place(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	const struct fwc_addrset *s;
	static const char doc[] = HEAD "<boundary name=\"b\">\n"
				       "<subnet>2001:db8:3::/48</subnet>\n"
				       "<subnet>10.0.9.0/24</subnet>\n"
				       "<subnet>2001:db8:1::/48</subnet>\n"
				       "<subnet>10.0.1.0/24</subnet>\n"
				       "<subnet>2001:db8:2::/48</subnet>\n"
				       "<subnet>10.0.2.0/24</subnet>\n"
				       "</boundary>\n"
				       "</policy>\n";

	assert_int_equal(resolve(f, doc, &p), 0);
	assert_string_equal(diag_text(f), "");
	s = p->boundaries.v[0]->addrs;
	assert_int_equal(s->n[FWC_FAM_IP4], 2);
	assert_ivl(s, FWC_FAM_IP4, 0, v4(0x0a000100), v4(0x0a0002ff));
	assert_ivl(s, FWC_FAM_IP4, 1, v4(0x0a000900), v4(0x0a0009ff));
	assert_int_equal(s->n[FWC_FAM_IP6], 1);
	assert_ivl(s, FWC_FAM_IP6, 0, v6(0x20010db800010000, 0),
	    v6(0x20010db80003ffff, ~0ull));
}

/* Hosts read one address per item: a prefix length is an error with its
 * hint, a host with only bad addresses is not "without address", one
 * without any is. */
static void
test_front_mem_host_items(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	static const char doc[] =
	    HEAD "<boundary name=\"lan\"><subnet>10.0.0.0/8</subnet>"
		 "<subnet>2001:db8::/32</subnet></boundary>\n"
		 "<host name=\"a\"><address>10.0.0.1/32</address></host>\n"
		 "<host name=\"b\"/>\n"
		 "<host name=\"c\"><address>2001:db8::1</address>"
		 "<address>10.1.2.3</address></host>\n"
		 "</policy>\n";

	assert_int_equal(resolve(f, doc, &p), -1);
	assert_string_equal(diag_text(f),
	    "t.xml:3:25: error: bad address '10.0.0.1/32': not an IPv4 or IPv6 address (a host address takes no prefix length)\n"
	    "t.xml:4:7: warning: host 'b' has no address\n");
	assert_true(fwc_addrset_is_empty(p->hosts.v[0]->addrs));
	assert_int_equal(p->hosts.v[2]->addrs->n[FWC_FAM_IP4], 1);
	assert_ivl(p->hosts.v[2]->addrs, FWC_FAM_IP4, 0, v4(0x0a010203),
	    v4(0x0a010203));
	assert_int_equal(p->hosts.v[2]->addrs->n[FWC_FAM_IP6], 1);
	assert_ivl(p->hosts.v[2]->addrs, FWC_FAM_IP6, 0,
	    v6(0x20010db800000000, 1), v6(0x20010db800000000, 1));
}

/* An endpoint's names and addresses: errors in document order. */
static void
test_front_mem_endpoint_items(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	static const char doc[] = HEAD "<endpoint name=\"e\">\n"
				       "<address>10.0.0.1</address>\n"
				       "<fqdn>bad..name</fqdn>\n"
				       "<address>10.0.0.300</address>\n"
				       "<fqdn>ok.example.com</fqdn>\n"
				       "<address>10.0.0.2</address>\n"
				       "</endpoint>\n"
				       "</policy>\n";

	assert_int_equal(resolve(f, doc, &p), -1);
	assert_string_equal(diag_text(f),
	    "t.xml:4:7: error: bad DNS name 'bad..name' (expected a name such as 'host.example.com' or '*.example.com')\n"
	    "t.xml:5:10: error: bad address '10.0.0.300': not an IPv4 or IPv6 address\n");
	assert_int_equal(p->endpoints.v[0]->n_fqdns, 1);
	assert_string_equal(p->endpoints.v[0]->fqdns[0], "ok.example.com");
	assert_int_equal(p->endpoints.v[0]->addrs->n[FWC_FAM_IP4], 1);
	assert_ivl(p->endpoints.v[0]->addrs, FWC_FAM_IP4, 0, v4(0x0a000001),
	    v4(0x0a000002));
}

/* A host whose addresses lie in two boundaries is inside; one address
 * outside every boundary is not. */
static void
test_front_mem_hosts_in_boundaries(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	static const char doc[] =
	    HEAD "<boundary name=\"lo\"><range>10.0.0.0-10.0.0.127</range>"
		 "</boundary>\n"
		 "<boundary name=\"hi\"><subnet>10.0.0.128/25</subnet>"
		 "<subnet>2001:db8::/64</subnet></boundary>\n"
		 "<host name=\"both\"><address>10.0.0.100</address>"
		 "<address>10.0.0.200</address><address>2001:db8::5</address>"
		 "</host>\n"
		 "<host name=\"out\"><address>10.0.0.50</address>"
		 "<address>10.0.1.1</address></host>\n"
		 "<host name=\"out6\"><address>2001:db9::1</address></host>\n"
		 "</policy>\n";

	assert_int_equal(resolve(f, doc, &p), 0);
	assert_string_equal(diag_text(f),
	    "t.xml:5:7: warning: host 'out' is outside every boundary\n"
	    "t.xml:6:7: warning: host 'out6' is outside every boundary\n");
}

/* fwc_addrset_own() sorts and merges in place and keeps the arrays. */
static void
test_front_mem_addrset_own(void **state)
{
	struct fx *f = *state;
	struct fwc_ivl v[5];
	struct fwc_addrset *s;

	v[0].lo = v4(50), v[0].hi = v4(60);
	v[1].lo = v4(10), v[1].hi = v4(20);
	v[2].lo = v4(21), v[2].hi = v4(30);
	v[3].lo = v6(1, 0), v[3].hi = v6(1, 9);
	v[4].lo = v6(0, 5), v[4].hi = v6(1, 2);
	s = fwc_addrset_own(f->a, v, 3, v + 3, 2);
	assert_ptr_equal(s->v[FWC_FAM_IP4], v);
	assert_ptr_equal(s->v[FWC_FAM_IP6], v + 3);
	assert_int_equal(s->n[FWC_FAM_IP4], 2);
	assert_ivl(s, FWC_FAM_IP4, 0, v4(10), v4(30));
	assert_ivl(s, FWC_FAM_IP4, 1, v4(50), v4(60));
	assert_int_equal(s->n[FWC_FAM_IP6], 1);
	assert_ivl(s, FWC_FAM_IP6, 0, v6(0, 5), v6(1, 9));
	s = fwc_addrset_own(f->a, NULL, 0, NULL, 0);
	assert_true(fwc_addrset_is_empty(s));
}

/* A random set over 0..n-1 with its bitmap: runs of random lengths. */
static struct fwc_addrset *
random_runs(struct fwc_arena *a, unsigned char *bits, unsigned int n,
    unsigned int density)
{
	struct fwc_ivl *v = fwc_arena_alloc(a, n * sizeof(*v));
	size_t k = 0;

	memset(bits, 0, n);
	for (unsigned int i = 0; i < n;) {
		unsigned int len = 1 + (unsigned int)rand() % 8;

		if ((unsigned int)rand() % 100 < density) {
			v[k].lo = v4(i);
			for (; len > 0 && i < n; len--)
				bits[i++] = 1;
			v[k].hi = v4(i - 1);
			k++;
		} else {
			i += len;
		}
	}
	return fwc_addrset_from(a, v, k, NULL, 0);
}

/* fwc_addrset_subset() against the bitmaps, sets of very different
 * sizes included (where it steps far through the larger one). */
static void
test_front_mem_subset_against_bitmap(void **state)
{
	struct fx *f = *state;
	enum { N = 4096 };
	static unsigned char bx[N];
	static unsigned char by[N];
	unsigned int yes = 0;

	srand(11);
	for (int round = 0; round < 400; round++) {
		struct fwc_addrset *x =
		    random_runs(f->a, bx, N, round % 2 ? 2 : 40);
		struct fwc_addrset *y =
		    random_runs(f->a, by, N, round % 3 ? 95 : 50);
		bool want = true;

		for (unsigned int i = 0; i < N; i++)
			if (bx[i] && !by[i])
				want = false;
		/* Make some of them true: y gets x's addresses. */
		if (round % 4 == 0) {
			const struct fwc_addrset *u =
			    fwc_addrset_union(f->a, x, y);

			want = true;
			assert_true(fwc_addrset_subset(x, u));
			assert_int_equal(
			    fwc_addrset_subset(u, x), fwc_addrset_equal(u, x));
			continue;
		}
		yes += want;
		assert_int_equal(fwc_addrset_subset(x, y), want);
	}
	assert_true(yes > 0);
	assert_true(fwc_addrset_subset(&fwc_addrset_empty, &fwc_addrset_empty));
}

/* n intervals of family fam, every other address from base on (no two
 * adjacent), in a set of their own. */
static struct fwc_addrset *
spaced_set(struct fwc_arena *a, enum fwc_family fam, uint64_t base, size_t n)
{
	struct fwc_ivl *v = calloc(n, sizeof(*v));
	struct fwc_addrset *s;

	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		v[i].lo = fam == FWC_FAM_IP4 ? v4((uint32_t)(base + 2 * i))
					     : v6(1, base + 2 * i);
		v[i].hi = v[i].lo;
	}
	s = fam == FWC_FAM_IP4 ? fwc_addrset_from(a, v, n, NULL, 0)
			       : fwc_addrset_from(a, NULL, 0, v, n);
	free(v);
	return s;
}

/* A heap copy of one family's intervals of s, to compare after a move. */
static struct fwc_ivl *
copy_fam(const struct fwc_addrset *s, enum fwc_family fam)
{
	struct fwc_ivl *c = malloc(s->n[fam] * sizeof(*c) + 1);

	assert_non_null(c);
	memcpy(c, s->v[fam], s->n[fam] * sizeof(*c));
	return c;
}

/* Counts the calls and answers yes, but no for the set in ctx->keep. */
struct alone_log {
	const struct fwc_addrset *keep;
	unsigned int calls;
	unsigned int kept;
};

static bool
alone_cb(void *ctx, const struct fwc_addrset *s, enum fwc_family f)
{
	struct alone_log *log = ctx;

	assert_int_equal(f, FWC_FAM_IP4);
	log->calls++;
	if (s == log->keep) {
		log->kept++;
		return false;
	}
	return true;
}

/* Four sets end to end (given out of order, 20,000 intervals each, more
 * than a move gives back at a time): their union is their concatenation
 * in address order, each set now points at its part of it with the same
 * contents, and a later union of them, or of two neighbours, is the same
 * memory. Sets out of order or next to each other stay where they are,
 * and their unions are exact. A set whose old array another set still
 * reads moves, and the old array stays as it was. */
static void
test_front_mem_union_moves_sets(void **state)
{
	struct fx *f = *state;
	enum { N = 20000 };
	struct fwc_addrset *b[4];
	const struct fwc_ivl *old[4];
	struct fwc_ivl *saved[4];
	const struct fwc_addrset *in[4];
	const struct fwc_addrset *u;
	const struct fwc_addrset *again;
	const struct fwc_addrset *pair[2];
	struct fwc_addrset *x;
	struct fwc_addrset *y;
	struct fwc_addrset *lent;
	const struct fwc_addrset *one;
	struct fwc_ivl *lent_saved;
	struct alone_log log = { NULL, 0, 0 };
	static const int order[4] = { 2, 0, 3, 1 };

	for (int i = 0; i < 4; i++) {
		b[i] = spaced_set(f->a, FWC_FAM_IP4, 1000000u * (uint64_t)i, N);
		old[i] = b[i]->v[FWC_FAM_IP4];
		saved[i] = copy_fam(b[i], FWC_FAM_IP4);
	}
	for (int i = 0; i < 4; i++)
		in[i] = b[order[i]];
	u = fwc_addrset_union_n_move(f->a, in, 4, alone_cb, &log);
	assert_int_equal(log.calls, 4);
	assert_int_equal(u->n[FWC_FAM_IP4], 4 * N);
	assert_int_equal(u->n[FWC_FAM_IP6], 0);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(
		    b[i]->v[FWC_FAM_IP4], u->v[FWC_FAM_IP4] + i * N);
		assert_ptr_not_equal(b[i]->v[FWC_FAM_IP4], old[i]);
		assert_int_equal(b[i]->n[FWC_FAM_IP4], N);
		assert_memory_equal(
		    b[i]->v[FWC_FAM_IP4], saved[i], N * sizeof(struct fwc_ivl));
		free(saved[i]);
	}
	again = fwc_addrset_union_n(f->a, in, 4);
	assert_ptr_equal(again->v[FWC_FAM_IP4], u->v[FWC_FAM_IP4]);
	assert_int_equal(again->n[FWC_FAM_IP4], 4 * N);
	pair[0] = b[2];
	pair[1] = b[1];
	again = fwc_addrset_union_n(f->a, pair, 2);
	assert_ptr_equal(again->v[FWC_FAM_IP4], b[1]->v[FWC_FAM_IP4]);
	assert_int_equal(again->n[FWC_FAM_IP4], 2 * N);
	/* Two sets whose intervals interleave: the general union. */
	x = spaced_set(f->a, FWC_FAM_IP6, 0, 3);
	y = spaced_set(f->a, FWC_FAM_IP6, 1, 3);
	pair[0] = x;
	pair[1] = y;
	old[0] = x->v[FWC_FAM_IP6];
	u = fwc_addrset_union_n_move(f->a, pair, 2, alone_cb, &log);
	assert_ptr_equal(x->v[FWC_FAM_IP6], old[0]);
	assert_int_equal(u->n[FWC_FAM_IP6], 1);
	assert_ivl(u, FWC_FAM_IP6, 0, v6(1, 0), v6(1, 5));
	/* y right after x, the last address of x next to the first of y:
	 * joined into one interval, nothing moves. */
	x = spaced_set(f->a, FWC_FAM_IP4, 10, 1);
	y = spaced_set(f->a, FWC_FAM_IP4, 11, 2);
	pair[0] = y;
	pair[1] = x;
	old[0] = x->v[FWC_FAM_IP4];
	u = fwc_addrset_union_n_move(f->a, pair, 2, alone_cb, &log);
	assert_ptr_equal(x->v[FWC_FAM_IP4], old[0]);
	assert_int_equal(u->n[FWC_FAM_IP4], 2);
	assert_ivl(u, FWC_FAM_IP4, 0, v4(10), v4(11));
	assert_ivl(u, FWC_FAM_IP4, 1, v4(13), v4(13));
	/* A set whose array another one shares: the caller says so, and
	 * the other still reads the old array. */
	lent = spaced_set(f->a, FWC_FAM_IP4, 100000, N);
	lent_saved = copy_fam(lent, FWC_FAM_IP4);
	one = fwc_addrset_union_n(f->a, (const struct fwc_addrset **)&lent, 1);
	assert_ptr_equal(one->v[FWC_FAM_IP4], lent->v[FWC_FAM_IP4]);
	x = spaced_set(f->a, FWC_FAM_IP4, 200000, N);
	pair[0] = x;
	pair[1] = lent;
	log.calls = 0;
	log.keep = lent;
	u = fwc_addrset_union_n_move(f->a, pair, 2, alone_cb, &log);
	assert_int_equal(log.calls, 2);
	assert_int_equal(log.kept, 1);
	assert_ptr_equal(lent->v[FWC_FAM_IP4], u->v[FWC_FAM_IP4]);
	assert_ptr_equal(x->v[FWC_FAM_IP4], u->v[FWC_FAM_IP4] + N);
	assert_int_equal(u->n[FWC_FAM_IP4], 2 * N);
	assert_memory_equal(
	    one->v[FWC_FAM_IP4], lent_saved, N * sizeof(struct fwc_ivl));
	assert_memory_equal(
	    u->v[FWC_FAM_IP4], lent_saved, N * sizeof(struct fwc_ivl));
	free(lent_saved);
	/* Without a word from the caller nothing is given back. */
	x = spaced_set(f->a, FWC_FAM_IP4, 300000, N);
	y = spaced_set(f->a, FWC_FAM_IP4, 400000, N);
	pair[0] = x;
	pair[1] = y;
	u = fwc_addrset_union_n_move(f->a, pair, 2, NULL, NULL);
	assert_ptr_equal(x->v[FWC_FAM_IP4], u->v[FWC_FAM_IP4]);
	assert_ptr_equal(y->v[FWC_FAM_IP4], u->v[FWC_FAM_IP4] + N);
}

/* Many sets (more than a union sorts to look for an order): in order
 * they are concatenated, out of order sorted and merged; both exact. */
static void
test_front_mem_union_many_sets(void **state)
{
	struct fx *f = *state;
	enum { K = 300 };
	const struct fwc_addrset *in[K];
	const struct fwc_addrset *u;

	/* 3i, in order: K single addresses. */
	for (int i = 0; i < K; i++)
		in[i] = spaced_set(f->a, FWC_FAM_IP6, 3 * (uint64_t)i, 1);
	u = fwc_addrset_union_n(f->a, in, K);
	assert_int_equal(u->n[FWC_FAM_IP6], K);
	for (int i = 0; i < K; i++)
		assert_ivl(u, FWC_FAM_IP6, (size_t)i, v6(1, 3 * (uint64_t)i),
		    v6(1, 3 * (uint64_t)i));
	/* 3j and 3j + 2 for every j, the sets in an order of their own:
	 * 3j + 2 and 3(j + 1) are adjacent and join. */
	for (int i = 0; i < K; i++)
		in[i] = spaced_set(
		    f->a, FWC_FAM_IP6, 3 * (uint64_t)((i * 7) % K), 2);
	u = fwc_addrset_union_n(f->a, in, K);
	assert_int_equal(u->n[FWC_FAM_IP6], K + 1);
	assert_ivl(u, FWC_FAM_IP6, 0, v6(1, 0), v6(1, 0));
	assert_ivl(u, FWC_FAM_IP6, 1, v6(1, 2), v6(1, 3));
	assert_ivl(u, FWC_FAM_IP6, K, v6(1, 3 * (uint64_t)K - 1),
	    v6(1, 3 * (uint64_t)K - 1));
}

/* The policy of the apply benchmark in small: one interface faces four
 * large boundaries and one flow comes from the same four. The interface's
 * union holds the boundaries' addresses once (the boundaries point into
 * it), and the flow's set in the ruleset is that same array: no copy. A
 * role of big0 alone shares big0's first array, which must stay as it
 * was (sema asks before giving pages back). */
static void
test_front_mem_flow_shares_interface_union(void **state)
{
	static const struct fwc_options opt = { .no_includes = true };
	struct fx *f = *state;
	struct fwc_strbuf sb;
	struct fwc_program *prog = NULL;
	const struct fwc_policy *p;
	const struct fwc_addrset *eth0;
	const struct fwc_addrset *r0;
	size_t k = 0;
	enum { PER = 3000 };

	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(&sb, "<policy name=\"p\" version=\"1\">\n");
	for (int b = 0; b < 4; b++) {
		fwc_strbuf_addf(&sb, "<boundary name=\"big%d\">\n", b);
		for (int i = 0; i < PER; i++) {
			int a = 2 * (b * PER + i);

			fwc_strbuf_addf(&sb,
			    "<subnet>10.%d.%d.%d/32</subnet>\n",
			    (a >> 16) & 255, (a >> 8) & 255, a & 255);
		}
		fwc_strbuf_adds(&sb, "</boundary>\n");
	}
	fwc_strbuf_adds(&sb,
	    "<service name=\"tls\"><port protocol=\"tcp\" port=\"443\"/>"
	    "</service>\n"
	    "<boundary name=\"srv\"><subnet>192.168.0.0/24</subnet>"
	    "</boundary>\n"
	    "<host name=\"web\"><address>192.168.0.10</address></host>\n"
	    "<role name=\"r0\"><boundary ref=\"big0\"/></role>\n"
	    "<allow name=\"many-to-web\" from=\"big0 big1 big2 big3\" "
	    "to=\"web\" service=\"tls\"/>\n"
	    "<gateway name=\"gw\" os=\"linux\">\n"
	    "<interface name=\"eth0\" boundary=\"big0 big1 big2 big3\"/>\n"
	    "<interface name=\"eth1\" boundary=\"srv\"/>\n"
	    "</gateway>\n</policy>\n");
	assert_int_equal(fwc_compile_buffer(f->a, &f->dg, &opt, "t.xml", sb.buf,
			     sb.len, &prog),
	    0);
	assert_string_equal(diag_text(f), "");
	p = prog->source;
	eth0 = p->gateways.v[0]->ifaces[0].addrs;
	assert_int_equal(eth0->n[FWC_FAM_IP4], 4 * PER);
	for (size_t i = 0; i < p->boundaries.n; i++) {
		const struct fwc_addrset *b = p->boundaries.v[i]->addrs;

		if (strncmp(p->boundaries.v[i]->d.name, "big", 3) != 0)
			continue;
		assert_ptr_equal(b->v[FWC_FAM_IP4],
		    eth0->v[FWC_FAM_IP4] +
			PER * (p->boundaries.v[i]->d.name[3] - '0'));
	}
	r0 = p->roles.v[0]->addrs;
	assert_int_equal(r0->n[FWC_FAM_IP4], PER);
	assert_ptr_not_equal(r0->v[FWC_FAM_IP4], eth0->v[FWC_FAM_IP4]);
	for (size_t i = 0; i < PER; i++)
		assert_ivl(r0, FWC_FAM_IP4, i,
		    v4(0x0a000000u + 2 * (uint32_t)i),
		    v4(0x0a000000u + 2 * (uint32_t)i));
	assert_int_equal(prog->n_eps, 1);
	while (k < prog->eps[0]->n_sets && prog->eps[0]->sets[k]->n != 4 * PER)
		k++;
	assert_true(k < prog->eps[0]->n_sets);
	assert_string_equal(
	    prog->eps[0]->sets[k]->comment, "big0+big1+big2+big3");
	assert_ptr_equal(prog->eps[0]->sets[k]->v, eth0->v[FWC_FAM_IP4]);
	fwc_strbuf_release(&sb);
}

/* A document with large elements placed where the reader takes their
 * children over (first among the root's children, after a few siblings,
 * after more siblings than children) or copies them (after as many
 * siblings as children and more), the root with thousands of children
 * too: read by our reader and by libxml2's tree path, the trees are the
 * same. */
static void
test_front_mem_large_elements_same_tree(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	struct fwc_xml_limits ls = { .path = FWC_XML_PATH_SCAN };
	struct fwc_xml_limits lt = { .path = FWC_XML_PATH_TREE };
	struct fwc_arena *tree = fwc_arena_new();
	struct fwc_xnode *rs = NULL;
	struct fwc_xnode *rt = NULL;
	char buf[512];
	const char *d;
	static const unsigned int big[] = { 5000, 4096, 6000, 9000 };
	unsigned int k = 0;

	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(&sb, HEAD);
	for (size_t b = 0; b < sizeof(big) / sizeof(big[0]); b++) {
		/* Siblings before it: none, 10, then enough that the next
		 * big element has more siblings before it than children. */
		unsigned int before = b == 0   ? 0
				      : b == 1 ? 10
				      : b == 2 ? 4000
					       : 0;

		for (unsigned int i = 0; i < before; i++)
			fwc_strbuf_addf(&sb,
			    "<boundary name=\"s%u\"><subnet>10.%u.%u.0/24"
			    "</subnet></boundary>\n",
			    k, (k >> 8) & 255, k & 255),
			    k++;
		fwc_strbuf_addf(&sb, "<boundary name=\"big%zu\">\n", b);
		for (unsigned int i = 0; i < big[b]; i++)
			fwc_strbuf_addf(&sb,
			    "  <subnet>172.%zu.%u.%u/32</subnet>\n", 16 + b,
			    (i >> 8) & 255, i & 255);
		fwc_strbuf_adds(&sb, "</boundary>\n");
	}
	fwc_strbuf_adds(&sb, "</policy>\n");
	assert_int_equal(fwc_xml_parse_buffer(
			     f->a, &f->dg, "big.xml", sb.buf, sb.len, &ls, &rs),
	    0);
	assert_int_equal(fwc_xml_parse_buffer(
			     tree, &f->dg, "big.xml", sb.buf, sb.len, &lt, &rt),
	    0);
	assert_string_equal(diag_text(f), "");
	assert_int_equal(rs->n_kids, k + 4);
	d = xtree_diff(rs, rt, buf, sizeof(buf));
	if (d != NULL) {
		fprintf(stderr, "%s\n", d);
		fail();
	}
	fwc_strbuf_release(&sb);
	fwc_arena_release(tree);
}

/* Elements of more children than fit in the reader's heap array
 * (xml_scan.c PEND_MAP: the array moves to a mapping of its own, which
 * the tree's arena then takes over): a boundary of 70,000 subnets after
 * a few siblings, and a root of 60,000 children. */
static void
test_front_mem_mapped_children_same_tree(void **state)
{
	struct fx *f = *state;
	struct fwc_xml_limits ls = { .path = FWC_XML_PATH_SCAN };
	struct fwc_xml_limits lt = { .path = FWC_XML_PATH_TREE };
	char buf[512];

	for (int shape = 0; shape < 2; shape++) {
		struct fwc_strbuf sb;
		struct fwc_arena *tree = fwc_arena_new();
		struct fwc_arena *scan = fwc_arena_new();
		struct fwc_arena *tt = fwc_arena_new();
		struct fwc_xnode *rs = NULL;
		struct fwc_xnode *rt = NULL;
		const char *d;
		char path[] = "/tmp/fwc-front-mem-XXXXXX";
		FILE *fp;

		fwc_strbuf_init(&sb);
		fwc_strbuf_adds(&sb, HEAD);
		if (shape == 0) {
			for (unsigned int i = 0; i < 3; i++)
				fwc_strbuf_addf(&sb,
				    "<host name=\"h%u\"><address>10.9.9.%u"
				    "</address></host>\n",
				    i, i);
			fwc_strbuf_adds(&sb, "<boundary name=\"big\">\n");
			for (unsigned int i = 0; i < 70000; i++)
				fwc_strbuf_addf(&sb,
				    "<subnet>10.%u.%u.%u/32</subnet>\n",
				    i >> 16, (i >> 8) & 255, i & 255);
			fwc_strbuf_adds(&sb, "</boundary>\n");
		} else {
			for (unsigned int i = 0; i < 60000; i++)
				fwc_strbuf_addf(
				    &sb, "<boundary name=\"b%u\"/>\n", i);
		}
		fwc_strbuf_adds(&sb, "</policy>\n");
		/* From a file (of over 1 MiB: read into a mapping), the
		 * skeleton in an arena of its own, as parse.c reads. */
		fp = fdopen(mkstemp(path), "w");
		assert_non_null(fp);
		assert_int_equal(fwrite(sb.buf, 1, sb.len, fp), sb.len);
		fclose(fp);
		assert_true(sb.len > (1u << 20));
		assert_int_equal(
		    fwc_xml_parse_file_tree(scan, tt, &f->dg, path, &ls, &rs),
		    0);
		unlink(path);
		assert_int_equal(fwc_xml_parse_buffer(tree, &f->dg, path,
				     sb.buf, sb.len, &lt, &rt),
		    0);
		assert_string_equal(diag_text(f), "");
		assert_int_equal(rs->n_kids, shape == 0 ? 4 : 60000);
		if (shape == 0)
			assert_int_equal(rs->kids[3].n_kids, 70000);
		d = xtree_diff(rs, rt, buf, sizeof(buf));
		if (d != NULL) {
			fprintf(stderr, "%s\n", d);
			fail();
		}
		fwc_strbuf_release(&sb);
		fwc_arena_release(tt);
		fwc_arena_release(scan);
		fwc_arena_release(tree);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_front_mem_boundary_mixed_items, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_boundary_sorted_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_host_items, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_endpoint_items, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_hosts_in_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_addrset_own, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_subset_against_bitmap, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_union_moves_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_union_many_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_flow_shares_interface_union, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_large_elements_same_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_front_mem_mapped_children_same_tree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
