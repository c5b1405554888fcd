/* Unit tests of the JSON reader (backends/json_read.c): values, escapes,
 * places, and the errors of damaged or hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "json_read.h"

static struct fwc_json *
parse(struct fwc_arena *a, const char *s, const char **why, uint32_t *line,
    uint32_t *col)
{
	*why = NULL;
	*line = *col = 0;
	return fwc_json_parse(a, s, strlen(s), why, line, col);
}

static void
test_json_values(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	const char *why;
	uint32_t l;
	uint32_t c;
	const struct fwc_json *j = parse(a,
	    "{\"a\": [1, -2.5e3, true, false, null, \"x\"],\n"
	    " \"b\": {\"c\": \"\\u00e9\\ud83d\\ude00\\n\\\"\\/\"}, \"d\": {}}",
	    &why, &l, &c);
	const struct fwc_json *arr;
	long v;

	(void)state;
	assert_non_null(j);
	assert_int_equal(j->type, FWC_JSON_OBJ);
	assert_int_equal(j->n, 3);
	arr = fwc_json_get(j, "a");
	assert_int_equal(arr->type, FWC_JSON_ARR);
	assert_int_equal(arr->n, 6);
	assert_true(fwc_json_int(arr->v[0], 0, 10, &v));
	assert_int_equal(v, 1);
	/* Not an integer, or out of range. */
	assert_false(fwc_json_int(arr->v[1], -10000, 10000, &v));
	assert_false(fwc_json_int(arr->v[0], 2, 10, &v));
	assert_string_equal(arr->v[1]->s, "-2.5e3");
	assert_true(arr->v[2]->b);
	assert_false(arr->v[3]->b);
	assert_int_equal(arr->v[4]->type, FWC_JSON_NULL);
	assert_string_equal(fwc_json_str(arr->v[5]), "x");
	assert_null(fwc_json_str(arr->v[0]));
	/* UTF-8 of U+00E9 and of the pair for U+1F600. */
	assert_string_equal(
	    fwc_json_str(fwc_json_get(fwc_json_get(j, "b"), "c")),
	    "\xc3\xa9\xf0\x9f\x98\x80\n\"/");
	/* Places: "b" is on line 2, column 7. */
	assert_int_equal(fwc_json_get(j, "b")->line, 2);
	assert_int_equal(fwc_json_get(j, "b")->col, 7);
	assert_int_equal(fwc_json_get(j, "d")->n, 0);
	assert_null(fwc_json_get(j, "zz"));
	assert_null(fwc_json_get(arr, "a"));
	fwc_arena_release(a);
}

static void
expect_error(const char *s, const char *why_want, uint32_t line, uint32_t col)
{
	struct fwc_arena *a = fwc_arena_new();
	const char *why;
	uint32_t l;
	uint32_t c;

	assert_null(parse(a, s, &why, &l, &c));
	assert_string_equal(why, why_want);
	assert_int_equal(l, line);
	assert_int_equal(c, col);
	fwc_arena_release(a);
}

static void
test_json_errors(void **state)
{
	char deep[200];

	(void)state;
	expect_error("[1, 2,]", "not a JSON value", 1, 7);
	expect_error("{\"a\": 1,\n \"b\" 2}", "expected ':'", 2, 6);
	expect_error("[\"abc", "unterminated string", 1, 6);
	expect_error("[\"a\nb\"]", "control character in a string", 1, 4);
	expect_error("[\"\\x\"]", "bad escape in a string", 1, 4);
	expect_error("[\"\\ud800\"]", "lone surrogate in \\u escape", 1, 9);
	expect_error("[\"\\u0000\"]", "NUL in a string", 1, 9);
	expect_error("[1] [2]", "text after the JSON value", 1, 5);
	expect_error("[01]", "expected ',' or ']'", 1, 3);
	expect_error("[1.]", "bad number", 1, 4);
	expect_error("", "unexpected end of the text", 1, 1);
	expect_error("{1: 2}", "expected a member name", 1, 2);
	expect_error("[tru]", "not a JSON value", 1, 2);
	/* Nesting beyond the limit. */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	expect_error(deep, "nested too deeply", 1, FWC_JSON_MAX_DEPTH + 2);
}

static void
test_json_nul(void **state)
{
	struct fwc_arena *a = fwc_arena_new();
	const char *why;
	uint32_t l;
	uint32_t c;

	(void)state;
	assert_null(fwc_json_parse(a, "[1,\n 2\0]", 8, &why, &l, &c));
	assert_string_equal(why, "NUL byte in the text");
	assert_int_equal(l, 2);
	assert_int_equal(c, 3);
	fwc_arena_release(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
