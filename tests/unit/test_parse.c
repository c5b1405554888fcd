/* Unit tests of parse.c: the include search path (including file's
 * directory, then -I directories, then the library), files included twice
 * (read once), include cycles with their chain, names and list syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	char text[4096];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->a = fwc_arena_new();
	f->sink = tmpfile();
	fwc_diag_init(&f->dg, f->sink);
	strcpy(f->dir, "/tmp/fwc-parse-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	fwc_diag_release(&f->dg);
	fwc_arena_release(f->a);
	fclose(f->sink);
	free(f);
	return 0;
}

static void
put(struct fx *f, const char *rel, const char *text)
{
	char path[256];
	FILE *fp;
	char *slash;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static const char *
diag_text(struct fx *f)
{
	return fx_sink_text(f->sink, f->text, sizeof(f->text));
}

static int
parse(struct fx *f, const char *rel, const char *const *inc, size_t n_inc,
    const char *lib, struct fwc_policy **p)
{
	char path[256];
	char cwd[256];
	struct fwc_options opt;
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.include_dirs = inc;
	opt.n_include_dirs = n_inc;
	opt.library_dir = lib;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	snprintf(path, sizeof(path), "%s", rel);
	rc = fwc_parse_file(f->a, &f->dg, &opt, path, p);
	assert_int_equal(chdir(cwd), 0);
	return rc;
}

#define HEAD "<policy name=\"p\" version=\"1\">\n"

static void
test_parse_include_search_order(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;
	static const char *const inc[] = { "inc1", "inc2" };

	put(f, "site/root.xml",
	    HEAD "<include href=\"a.xml\"/><include href=\"b.xml\"/>"
		 "<include href=\"c.xml\"/></policy>\n");
	/* a.xml next to the including file wins over inc1/a.xml. */
	put(f, "site/a.xml", HEAD "<role name=\"from-site\"/></policy>\n");
	put(f, "inc1/a.xml", HEAD "<role name=\"from-inc1\"/></policy>\n");
	/* b.xml: the first -I directory wins over the second. */
	put(f, "inc1/b.xml", HEAD "<role name=\"b-inc1\"/></policy>\n");
	put(f, "inc2/b.xml", HEAD "<role name=\"b-inc2\"/></policy>\n");
	/* c.xml: only in the library. */
	put(f, "lib/c.xml", HEAD "<role name=\"c-lib\"/></policy>\n");
	assert_int_equal(parse(f, "site/root.xml", inc, 2, "lib", &p), 0);
	assert_int_equal(p->roles.n, 3);
	assert_string_equal(p->roles.v[0]->d.name, "from-site");
	assert_string_equal(p->roles.v[1]->d.name, "b-inc1");
	assert_string_equal(p->roles.v[2]->d.name, "c-lib");
	assert_int_equal(p->n_files, 4);
}

static void
test_parse_diamond_include_read_once(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;

	put(f, "root.xml",
	    HEAD
	    "<include href=\"x.xml\"/><include href=\"y.xml\"/></policy>\n");
	put(f, "x.xml", HEAD "<include href=\"common.xml\"/></policy>\n");
	put(f, "y.xml", HEAD "<include href=\"./common.xml\"/></policy>\n");
	put(f, "common.xml", HEAD "<role name=\"shared\"/></policy>\n");
	assert_int_equal(parse(f, "root.xml", NULL, 0, NULL, &p), 0);
	assert_int_equal(p->roles.n, 1);
	assert_string_equal(diag_text(f), "");
}

static void
test_parse_include_cycle_chain(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;

	put(f, "root.xml", HEAD "<include href=\"x.xml\"/></policy>\n");
	put(f, "x.xml", HEAD "<include href=\"y.xml\"/></policy>\n");
	put(f, "y.xml", HEAD "  <include href=\"root.xml\"/></policy>\n");
	assert_int_equal(parse(f, "root.xml", NULL, 0, NULL, &p), -1);
	assert_string_equal(diag_text(f),
	    "y.xml:2:12: error: include cycle: 'root.xml' is already being read\n"
	    "x.xml:2:10: note: included from here\n"
	    "root.xml:2:10: note: included from here\n");
}

static void
test_parse_missing_include(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;

	put(f, "root.xml", HEAD "<include href=\"nope.xml\"/></policy>\n");
	assert_int_equal(parse(f, "root.xml", NULL, 0, "lib", &p), -1);
	assert_string_equal(diag_text(f),
	    "root.xml:2:10: error: cannot find included file 'nope.xml'\n"
	    "root.xml:2:10: note: searched in '.'\n"
	    "root.xml:2:10: note: searched in 'lib'\n");
}

static void
test_parse_names_and_lists(void **state)
{
	struct fx *f = *state;
	struct fwc_policy *p = NULL;

	put(f, "root.xml",
	    HEAD "<role name=\"-bad\"/>\n"
		 "<host name=\"h\" roles=\"  a   b\tc \"/>\n"
		 "<allow from=\" \" to=\"x\" service=\"y\"/>\n"
		 "</policy>\n");
	assert_int_equal(parse(f, "root.xml", NULL, 0, NULL, &p), -1);
	assert_int_equal(p->hosts.v[0]->roles.n, 3);
	assert_string_equal(p->hosts.v[0]->roles.v[2].s, "c");
	/* Each word is located at its own column. */
	assert_int_equal(p->hosts.v[0]->roles.v[1].loc.col, 29);
	assert_string_equal(diag_text(f),
	    "root.xml:2:7: error: invalid name '-bad' (expected a letter or digit, then letters, digits, '.', '_' or '-')\n"
	    "root.xml:4:8: error: attribute 'from' is empty\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_parse_include_search_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_diamond_include_read_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_include_cycle_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_missing_include, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_names_and_lists, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
