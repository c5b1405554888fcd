/* The text helpers of backends/emit.c that the large outputs lean on:
 * decimal numbers and string runs without printf, sanitised text copied
 * in one piece, and unique identifiers built in stack buffers. Expected
 * texts are written out or made by snprintf, never by the code under
 * test. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit.h"
#include "fwc/strbuf.h"

static void
test_emit_u(void **state)
{
	static const unsigned long v[] = { 0, 7, 10, 99, 100, 65535,
		4294967295ul, ULONG_MAX };
	struct fwc_strbuf sb;
	char want[32];

	(void)state;
	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fwc_strbuf_reset(&sb);
		fwc_strbuf_adds(&sb, "x");
		fwc_strbuf_addu(&sb, v[i]);
		snprintf(want, sizeof(want), "x%lu", v[i]);
		assert_string_equal(sb.buf, want);
		assert_int_equal(sb.len, strlen(want));
	}
	fwc_strbuf_release(&sb);
}

static void
test_emit_s3(void **state)
{
	struct fwc_strbuf sb;

	(void)state;
	fwc_strbuf_init(&sb);
	fwc_emit_s3(&sb, "iifname \"", "eth0", "\"");
	fwc_emit_s3(&sb, NULL, " jump ", NULL);
	fwc_emit_s3(&sb, NULL, NULL, "end");
	assert_string_equal(sb.buf, "iifname \"eth0\" jump end");
	assert_int_equal(sb.len, strlen("iifname \"eth0\" jump end"));
	fwc_strbuf_release(&sb);
}

static void
test_emit_safe(void **state)
{
	struct fwc_strbuf sb;

	(void)state;
	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(&sb, "<");
	assert_int_equal(
	    fwc_emit_safe(
		&sb, "a\"b\\c;d$e#f\n g.h_i:j@k+l/m=n,o-p\xc3\xa9", 100),
	    34);
	fwc_strbuf_addc(&sb, '>');
	assert_string_equal(sb.buf, "<a_b_c_d_e_f_ g.h_i:j@k+l/m=n,o-p__>");
	/* At most max bytes; NULL appends nothing. */
	fwc_strbuf_reset(&sb);
	assert_int_equal(fwc_emit_safe(&sb, "abc\"def", 4), 4);
	assert_int_equal(fwc_emit_safe(&sb, NULL, 4), 0);
	assert_int_equal(fwc_emit_safe(&sb, "", 4), 0);
	assert_string_equal(sb.buf, "abc_");
	assert_int_equal(sb.len, 4);
	fwc_strbuf_release(&sb);
	assert_true(fwc_emit_safe_char('Z'));
	assert_true(fwc_emit_safe_char('-'));
	assert_false(fwc_emit_safe_char('\0'));
	assert_false(fwc_emit_safe_char('"'));
	assert_false(fwc_emit_safe_char(0x80));
}

static void
test_emit_names(void **state)
{
	struct fwc_emit_names nm;
	char base[300];
	const char *a;

	(void)state;
	fwc_emit_names_init(&nm, 20);
	assert_string_equal(fwc_emit_names_add(&nm, "lan", "_v4"), "lan_v4");
	assert_string_equal(fwc_emit_names_add(&nm, "lan", "_v4"), "lan_v4_2");
	assert_string_equal(fwc_emit_names_add(&nm, "lan", "_v4"), "lan_v4_3");
	assert_string_equal(fwc_emit_names_add(&nm, "9net", ""), "_9net");
	assert_string_equal(fwc_emit_names_add(&nm, "a-b.c d", ""), "a_b_c_d");
	assert_string_equal(fwc_emit_names_add(&nm, "", ""), "_");
	assert_true(fwc_emit_names_reserve(&nm, "nd_types"));
	assert_false(fwc_emit_names_reserve(&nm, "nd_types"));
	assert_string_equal(
	    fwc_emit_names_add(&nm, "nd", "_types"), "nd_types_2");
	/* Shortened to the 20-byte limit, the suffix kept whole. */
	assert_string_equal(
	    fwc_emit_names_add(&nm, "abcdefghijklmnopqrstuvwxyz", "_v6"),
	    "abcdefghijklmnopq_v6");
	assert_string_equal(
	    fwc_emit_names_add(&nm, "abcdefghijklmnopqrstuvwxyz", "_v6"),
	    "abcdefghijklmno_v6_2");
	/* A base longer than any stack buffer. */
	memset(base, 'q', sizeof(base) - 1);
	base[sizeof(base) - 1] = '\0';
	a = fwc_emit_names_add(&nm, base, "");
	assert_int_equal(strlen(a), 20);
	assert_string_equal(a, "qqqqqqqqqqqqqqqqqqqq");
	fwc_emit_names_release(&nm);
	/* Identifiers longer than the stack buffer of the builder. */
	fwc_emit_names_init(&nm, 400);
	a = fwc_emit_names_add(&nm, base, "_x");
	assert_int_equal(strlen(a), 301);
	assert_int_equal(a[298], 'q');
	assert_string_equal(a + 299, "_x");
	assert_string_equal(fwc_emit_names_add(&nm, base, "_x") + 299, "_x_2");
	fwc_emit_names_release(&nm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_u),
		cmocka_unit_test(test_emit_s3),
		cmocka_unit_test(test_emit_safe),
		cmocka_unit_test(test_emit_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
