/* Unit tests of interval-set arithmetic: parsing, normalisation, set
 * operations (checked against a bitmap on random sets), text. */
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
#include "fwc/strbuf.h"
#include "rand_fixture.h"

static const char *
fmt_set(const struct fwc_addrset *s)
{
	static char out[4096];
	struct fwc_strbuf sb;

	fwc_strbuf_init(&sb);
	for (int f = 0; f < FWC_FAM_NR; f++)
		for (size_t i = 0; i < s->n[f]; i++) {
			if (sb.len)
				fwc_strbuf_addc(&sb, ' ');
			fwc_ivl_format(&sb, (enum fwc_family)f, &s->v[f][i]);
		}
	snprintf(out, sizeof(out), "%s", sb.buf);
	fwc_strbuf_release(&sb);
	return out;
}

static struct fwc_addrset *
parse_set(const char *const *items, size_t n)
{
	struct fwc_ivl v4[16];
	struct fwc_ivl v6[16];
	size_t n4 = 0;
	size_t n6 = 0;

	for (size_t i = 0; i < n; i++) {
		enum fwc_family f;
		struct fwc_ivl x;
		const char *why;

		if (strchr(items[i], '/'))
			assert_int_equal(
			    fwc_cidr_parse(items[i], &f, &x, &why), 0);
		else if (strchr(items[i], '-'))
			assert_int_equal(
			    fwc_range_parse(items[i], &f, &x, &why), 0);
		else {
			assert_int_equal(
			    fwc_addr_parse(items[i], &f, &x.lo, &why), 0);
			x.hi = x.lo;
		}
		if (f == FWC_FAM_IP4)
			v4[n4++] = x;
		else
			v6[n6++] = x;
	}
	return fwc_addrset_from(A, v4, n4, v6, n6);
}

static void
test_addr_parse_errors(void **state)
{
	enum fwc_family f;
	struct fwc_ivl x;
	struct fwc_pivl p;
	const char *why = NULL;

	(void)state;
	assert_int_equal(fwc_cidr_parse("10.1.2.0/16", &f, &x, &why), -1);
	assert_string_equal(why, "host bits set");
	assert_int_equal(fwc_cidr_parse("10.1.0.0/33", &f, &x, &why), -1);
	assert_string_equal(why, "prefix length is not 0..32");
	assert_int_equal(fwc_cidr_parse("10.1.0.0", &f, &x, &why), -1);
	assert_string_equal(why, "missing '/length'");
	assert_int_equal(fwc_cidr_parse("2001:db8::1/64", &f, &x, &why), -1);
	assert_string_equal(why, "host bits set");
	assert_int_equal(
	    fwc_range_parse("10.0.0.9-10.0.0.1", &f, &x, &why), -1);
	assert_string_equal(why, "first address is greater than last");
	assert_int_equal(fwc_range_parse("10.0.0.1-::1", &f, &x, &why), -1);
	assert_string_equal(
	    why, "the two ends are of different address families");
	assert_int_equal(fwc_addr_parse("10.0.0.256", &f, &x.lo, &why), -1);
	assert_string_equal(why, "not an IPv4 or IPv6 address");
	assert_int_equal(fwc_port_parse("0", false, &p, &why), -1);
	assert_int_equal(fwc_port_parse("65536", false, &p, &why), -1);
	assert_int_equal(fwc_port_parse("90-80", false, &p, &why), -1);
	assert_string_equal(why, "first port is greater than last");
	assert_int_equal(fwc_port_parse("80-", false, &p, &why), -1);
	assert_int_equal(fwc_port_parse("49152-65535", false, &p, &why), 0);
	assert_int_equal(p.lo, 49152);
	assert_int_equal(p.hi, 65535);
}

static void
test_addr_prefix_configmgr(void **state)
{
	struct fwc_ivl x;
	const char *why = NULL;
	struct fwc_strbuf sb;

	(void)state;
	assert_int_equal(fwc_prefix_parse("2001:db8:1:2", &x, &why), 0);
	fwc_strbuf_init(&sb);
	fwc_ivl_format(&sb, FWC_FAM_IP6, &x);
	assert_string_equal(sb.buf, "2001:db8:1:2::/64");
	fwc_strbuf_release(&sb);
	assert_int_equal(fwc_prefix_parse("2001:db8:1", &x, &why), -1);
	assert_int_equal(fwc_prefix_parse("10.0.0.0/8", &x, &why), -1);
	assert_string_equal(why, "not an IPv6 prefix");
	assert_int_equal(fwc_prefix_parse("2001:db8:1::/48", &x, &why), 0);
}

static void
test_addr_normalise_and_format(void **state)
{
	static const char *const in[] = { "10.0.0.0/25", "10.0.0.128/25",
		"10.0.1.5", "10.0.1.6-10.0.1.9", "2001:db8::/64",
		"2001:db8:0:1::/64", "192.168.0.0/16", "192.168.3.0/24" };
	struct fwc_addrset *s;

	(void)state;
	s = parse_set(in, 8);
	assert_string_equal(fmt_set(s),
	    "10.0.0.0/24 10.0.1.5-10.0.1.9 192.168.0.0/16 2001:db8::/63");
}

static void
test_addr_ops(void **state)
{
	static const char *const a[] = { "10.0.0.0/8", "2001:db8::/32" };
	static const char *const b[] = { "10.1.0.0/16", "10.3.0.0/16",
		"2001:db8:5::/48" };
	struct fwc_addrset *x = parse_set(a, 2);
	struct fwc_addrset *y = parse_set(b, 3);

	(void)state;
	assert_string_equal(fmt_set(fwc_addrset_minus(A, x, y)),
	    "10.0.0.0/16 10.2.0.0/16 10.4.0.0-10.255.255.255 "
	    "2001:db8::-2001:db8:4:ffff:ffff:ffff:ffff:ffff "
	    "2001:db8:6::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(fmt_set(fwc_addrset_inter(A, x, y)),
	    "10.1.0.0/16 10.3.0.0/16 2001:db8:5::/48");
	assert_true(fwc_addrset_subset(y, x));
	assert_false(fwc_addrset_subset(x, y));
	assert_true(fwc_addrset_overlaps(x, y));
	assert_true(fwc_addrset_fam_full(fwc_addrset_all(), FWC_FAM_IP6));
	assert_string_equal(
	    fmt_set(fwc_addrset_minus(A, fwc_addrset_all(), fwc_addrset_all())),
	    "");
	assert_string_equal(fmt_set(fwc_addrset_union(A, x, fwc_addrset_all())),
	    "0.0.0.0/0 ::/0");
}

static void
check_bits(const struct fwc_addrset *s, const unsigned char bits[256])
{
	for (unsigned int k = 0; k < 256; k++) {
		struct fwc_u128 v = { 0, k };

		assert_int_equal(
		    fwc_addrset_contains(s, FWC_FAM_IP4, v), bits[k]);
	}
	/* Normalised: sorted, disjoint and not adjacent. */
	for (size_t i = 1; i < s->n[FWC_FAM_IP4]; i++)
		assert_true(s->v[FWC_FAM_IP4][i].lo.lo >
			    s->v[FWC_FAM_IP4][i - 1].hi.lo + 1);
}

static void
test_addr_random_against_bitmap(void **state)
{
	unsigned char a[256];
	unsigned char b[256];
	unsigned char r[256];

	(void)state;
	srand(42);
	for (int round = 0; round < 3000; round++) {
		struct fwc_addrset *x = random_set(a, 40, true, false);
		struct fwc_addrset *y = random_set(b, 40, true, false);
		bool ov = false;
		bool sub = true;

		for (int k = 0; k < 256; k++)
			r[k] = a[k] | b[k];
		check_bits(fwc_addrset_union(A, x, y), r);
		for (int k = 0; k < 256; k++)
			r[k] = a[k] & b[k];
		check_bits(fwc_addrset_inter(A, x, y), r);
		for (int k = 0; k < 256; k++) {
			r[k] = a[k] & !b[k];
			ov |= a[k] && b[k];
			sub &= !a[k] || b[k];
		}
		check_bits(fwc_addrset_minus(A, x, y), r);
		assert_int_equal(fwc_addrset_overlaps(x, y), ov);
		assert_int_equal(fwc_addrset_subset(x, y), sub);
	}
}

static void
cidr_cb(void *ctx, struct fwc_u128 base, unsigned int len)
{
	struct fwc_strbuf *sb = ctx;

	fwc_addr_format(sb, FWC_FAM_IP4, base);
	fwc_strbuf_addf(sb, "/%u ", len);
}

static void
test_addr_cidr_decomposition(void **state)
{
	struct fwc_ivl x;
	enum fwc_family f;
	const char *why;
	struct fwc_strbuf sb;

	(void)state;
	assert_int_equal(
	    fwc_range_parse("10.0.0.1-10.0.0.14", &f, &x, &why), 0);
	fwc_strbuf_init(&sb);
	fwc_ivl_cidrs(f, &x, cidr_cb, &sb);
	assert_string_equal(sb.buf,
	    "10.0.0.1/32 10.0.0.2/31 10.0.0.4/30 10.0.0.8/30 10.0.0.12/31 "
	    "10.0.0.14/32 ");
	fwc_strbuf_release(&sb);
}

static void
test_addr_ports(void **state)
{
	struct fwc_pivl v[] = { { 443, 443 }, { 80, 80 }, { 81, 90 },
		{ 8530, 8531 }, { 85, 100 } };
	struct fwc_portset *s = fwc_portset_from(A, v, 5);

	(void)state;
	assert_int_equal(s->n, 3);
	assert_int_equal(s->v[0].lo, 80);
	assert_int_equal(s->v[0].hi, 100);
	assert_int_equal(s->v[1].lo, 443);
	assert_int_equal(s->v[2].hi, 8531);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_addr_parse_errors, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_prefix_configmgr, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_normalise_and_format, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_ops, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_random_against_bitmap, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_cidr_decomposition, setup_arena, teardown),
		cmocka_unit_test_setup_teardown(
		    test_addr_ports, setup_arena, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
