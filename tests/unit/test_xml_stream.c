/* The XML front end reads a policy in one of two ways (compiler/xml.c):
 * streaming with libxml2's validating reader, or through libxml2's tree,
 * which also explains errors. This test reads every policy of the tests,
 * the examples, the library and the fuzz corpus both ways and checks:
 *  - when the streaming path accepts a document, the tree path accepts it
 *    too and gives the same tree (names, attributes, values, text and
 *    every location);
 *  - when the streaming path gives up, it reported nothing;
 *  - every valid policy of the tests, examples and library is read by the
 *    streaming path (a valid policy read the slow way is a regression).
 * Plus hand-made documents for the cases where the two could differ:
 * entities, character references, CDATA, comments in text, text split by
 * elements, blanks, attributes over several lines. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/xml.h"
#include "xtree_diff.h"

struct tally {
	unsigned int files;
	unsigned int streamed; /* accepted by the streaming path */
	unsigned int tree_ok;  /* accepted by the tree path */
	unsigned int gave_up_valid;
	char first_gave_up[512];
};

static void
same_tree(
    const struct fwc_xnode *s, const struct fwc_xnode *t, const char *file)
{
	char buf[512];
	const char *d = xtree_diff(s, t, buf, sizeof(buf));

	if (d != NULL) {
		fprintf(stderr, "%s: %s\n", file, d);
		fail();
	}
}

/* Reads one document both ways and compares. Returns whether the
 * streaming path accepted it. */
static bool
compare_buffer(struct tally *ty, const char *name, const char *buf, size_t len,
    bool must_stream_if_valid)
{
	struct fwc_xml_limits ls = { .path = FWC_XML_PATH_STREAM };
	struct fwc_xml_limits lt = { .path = FWC_XML_PATH_TREE };
	struct fwc_arena *as = fwc_arena_new();
	struct fwc_arena *at = fwc_arena_new();
	struct fwc_diag ds;
	struct fwc_diag dt;
	char *ms = NULL;
	char *mt = NULL;
	size_t ns = 0;
	size_t nt = 0;
	FILE *fs = open_memstream(&ms, &ns);
	FILE *ft = open_memstream(&mt, &nt);
	struct fwc_xnode *rs = NULL;
	struct fwc_xnode *rt = NULL;
	int s;
	int t;

	assert_non_null(fs);
	assert_non_null(ft);
	fwc_diag_init(&ds, fs);
	fwc_diag_init(&dt, ft);
	s = fwc_xml_parse_buffer(as, &ds, name, buf, len, &ls, &rs);
	t = fwc_xml_parse_buffer(at, &dt, name, buf, len, &lt, &rt);
	ty->files++;
	if (t == 0)
		ty->tree_ok++;
	if (s == 0) {
		ty->streamed++;
		if (t != 0) {
			fprintf(stderr, "%s: streaming accepts, tree rejects\n",
			    name);
			fail();
		}
		same_tree(rs, rt, name);
	}
	fwc_diag_flush(&ds);
	fwc_diag_flush(&dt);
	fclose(fs);
	fclose(ft);
	if (s != 0) {
		/* Only the checks both paths share (size, encoding,
		 * attribute counts) may have reported, and then the tree
		 * path reports exactly the same. */
		if (ns != 0 && (t == 0 || strcmp(ms, mt) != 0)) {
			fprintf(stderr,
			    "%s: streaming gave up with its own report:\n%s",
			    name, ms);
			fail();
		}
		if (t == 0 && dt.warnings == 0 && must_stream_if_valid) {
			if (ty->gave_up_valid++ == 0)
				snprintf(ty->first_gave_up,
				    sizeof(ty->first_gave_up), "%s", name);
		}
	}
	free(ms);
	free(mt);
	fwc_arena_release(as);
	fwc_arena_release(at);
	return s == 0;
}

static void
compare_file(struct tally *ty, const char *path, bool must_stream_if_valid)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	compare_buffer(ty, path, buf, (size_t)n, must_stream_if_valid);
	free(buf);
}

/* Every regular file under dir (recursively) whose name ends in suffix
 * ("" for all). */
static void
walk(struct tally *ty, const char *dir, const char *suffix, bool must)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];
	struct stat st;
	size_t sl = strlen(suffix);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(ty, path, suffix, must);
		else if (S_ISREG(st.st_mode) && nl >= sl &&
			 strcmp(e->d_name + nl - sl, suffix) == 0)
			compare_file(ty, path, must);
	}
	closedir(d);
}

static void
test_project_policies(void **state)
{
	struct tally ty = { 0 };

	(void)state;
	walk(&ty, "tests/golden", ".xml", true);
	walk(&ty, "examples", ".xml", true);
	walk(&ty, "policies", ".xml", true);
	walk(&ty, "tests/review", ".xml", true);
	walk(&ty, "tests/hardening", ".xml", false);
	printf("xml stream: %u policies, %u valid, %u streamed\n", ty.files,
	    ty.tree_ok, ty.streamed);
	assert_true(ty.files > 50);
	assert_true(ty.streamed > 40);
	if (ty.gave_up_valid != 0) {
		fprintf(stderr, "%u valid policies not streamed, first: %s\n",
		    ty.gave_up_valid, ty.first_gave_up);
		fail();
	}
}

static void
test_fuzz_corpus(void **state)
{
	struct tally ty = { 0 };

	(void)state;
	walk(&ty, "fuzz/corpus/policy", "", false);
	walk(&ty, "fuzz/regressions/policy", "", false);
	printf("xml stream: fuzz corpus %u inputs, %u valid, %u streamed\n",
	    ty.files, ty.tree_ok, ty.streamed);
	assert_true(ty.files > 1000);
}

static const char *const cases[] = {
	"<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
	"<subnet>10.0.0.0/8</subnet></boundary></policy>",
	/* entities and character references in text and attributes */
	"<policy name=\"p&#x41;\" version=\"1\"><boundary name=\"b\">"
	"<subnet>&#49;0.0.0.0/8</subnet><address>  10.1.2.3&#32;</address>"
	"</boundary></policy>",
	"<policy name=\"p\" version=\"1\" description=\"a &lt; b &amp; "
	"&quot;c&quot;\"/>",
	/* CDATA and comments inside text */
	"<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
	"<subnet><![CDATA[10.0.0.0/8]]></subnet></boundary></policy>",
	"<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
	"<subnet>10.0<!-- c -->.0.0/8</subnet></boundary></policy>",
	"<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
	"<subnet><!-- c -->\n 10.0.0.0/8 <?pi x?></subnet></boundary>"
	"</policy>",
	"<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
	"<subnet> <![CDATA[ ]]> 10.0.0.0/8</subnet></boundary></policy>",
	/* attributes over several lines, both quotes, '>' in a value */
	"<?xml version=\"1.0\"?>\n<!-- head -->\n<policy\n  name='p'\n"
	"\tversion = \"1\" description=\"x > y\"\n>\n<boundary name=\"b\"\n"
	"><subnet\n>10.0.0.0/8</subnet\n></boundary\n></policy\n>\n",
	/* byte order mark and CRLF line ends */
	"\xEF\xBB\xBF<policy name=\"p\" version=\"1\">\r\n<boundary "
	"name=\"b\">\r\n<subnet>10.0.0.0/8</subnet>\r\n</boundary>\r\n"
	"</policy>\r\n",
	/* invalid: the streaming path must give up and report nothing */
	"<policy name=\"p\" version=\"1\"><bogus/></policy>",
	"<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
	"<subnet>10.0.0.0/8</subnet></boundary>",
	"<policy xmlns=\"urn:x\" name=\"p\" version=\"1\"/>",
	"<!DOCTYPE policy [<!ENTITY e \"x\">]><policy name=\"&e;\" "
	"version=\"1\"/>",
	"<policy name=\"p\" version=\"1\" name=\"q\"/>",
	"<policy name=\"p\" version=\"1\">&undefined;</policy>",
};

static void
test_edge_cases(void **state)
{
	struct tally ty = { 0 };
	char name[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "case%zu.xml", i);
		compare_buffer(&ty, name, cases[i], strlen(cases[i]), false);
	}
	/* The valid documents without mixed text are streamed. */
	assert_true(ty.streamed >= 6);
	assert_int_equal(ty.files, sizeof(cases) / sizeof(cases[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_cases),
		cmocka_unit_test(test_project_policies),
		cmocka_unit_test(test_fuzz_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
