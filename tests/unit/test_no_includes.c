/* Unit tests of fwc_options.no_includes (parse.c), which the fuzz
 * harnesses set so that a fuzzed <include> reads no file: an include of an
 * existing file, by absolute and by relative path, is an error at its
 * href and the file is not read; without the option the same include
 * is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"

#define FX_NO_DIAG_FIXTURE
#include "diag_fixture.h"

struct fx {
	struct fwc_arena *a;
	struct fwc_diag dg;
	FILE *sink;
	char dir[64];
	char path[128];
	char text[1024];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	FILE *inc;

	f->a = fwc_arena_new();
	f->sink = tmpfile();
	fwc_diag_init(&f->dg, f->sink);
	strcpy(f->dir, "/tmp/fwc-noinc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/inc.xml", f->dir);
	inc = fopen(f->path, "w");
	assert_non_null(inc);
	fputs("<policy name=\"inc\" version=\"1\"><service name=\"s\">"
	      "<port protocol=\"tcp\" port=\"1\"/></service></policy>\n",
	    inc);
	assert_int_equal(fclose(inc), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	fwc_diag_release(&f->dg);
	fwc_arena_release(f->a);
	fclose(f->sink);
	free(f);
	return 0;
}

static const char *
diag_text(struct fx *f)
{
	return fx_sink_text(f->sink, f->text, sizeof(f->text));
}

static int
parse(struct fx *f, const char *href, bool no_includes, struct fwc_policy **p)
{
	struct fwc_options opt;
	char buf[512];

	memset(&opt, 0, sizeof(opt));
	opt.no_includes = no_includes;
	snprintf(buf, sizeof(buf),
	    "<policy name=\"x\" version=\"1\"><include href=\"%s\"/></policy>",
	    href);
	return fwc_parse_buffer(
	    f->a, &f->dg, &opt, "buf.xml", buf, strlen(buf), p);
}

static void
test_no_includes_absolute(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	char want[512];

	assert_int_equal(parse(f, f->path, true, &p), -1);
	snprintf(want, sizeof(want),
	    "buf.xml:1:39: error: include '%s': includes are disabled\n",
	    f->path);
	assert_string_equal(diag_text(f), want);
	assert_int_equal(p->services.n, 0);
}

static void
test_no_includes_relative(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;

	assert_int_equal(parse(f, "../../../etc/passwd", true, &p), -1);
	assert_string_equal(diag_text(f),
	    "buf.xml:1:39: error: include '../../../etc/passwd': includes are disabled\n");
}

static void
test_no_includes_off_reads(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;

	assert_int_equal(parse(f, f->path, false, &p), 0);
	assert_string_equal(diag_text(f), "");
	assert_int_equal(p->services.n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_no_includes_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_includes_relative, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_includes_off_reads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
