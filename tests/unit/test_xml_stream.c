/* The XML front end reads a policy in one of three ways (compiler/xml.c):
 * with its own reader (compiler/xml_scan.c), streaming with libxml2's
 * validating reader, or through libxml2's tree, which also explains
 * errors. This test reads every policy of the tests, the examples, the
 * library and the fuzz corpora each way and checks, for our reader and
 * for the streaming path against the tree path:
 *  - when the fast path accepts a document, the tree path accepts it
 *    too and gives the same tree (names, attributes, values, text and
 *    every location);
 *  - when the fast path gives up, it reported nothing;
 *  - every valid policy of the tests, examples and library is read by
 *    our reader (a valid policy read the slow way is a regression).
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

#include "../../compiler/xml_scan.h"

struct tally {
	unsigned int files;
	unsigned int streamed; /* accepted by the streaming path */
	unsigned int scanned;  /* accepted by our reader */
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

/* Reads one document by the fast path (FWC_XML_PATH_STREAM or _SCAN) and
 * the tree path, and compares. Returns whether the fast path accepted
 * it. */
static bool
compare_path(struct tally *ty, enum fwc_xml_path path, const char *name,
    const char *buf, size_t len, bool must_stream_if_valid)
{
	struct fwc_xml_limits ls = { .path = path };
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
	if (path == FWC_XML_PATH_SCAN) {
		ty->files++;
		if (t == 0)
			ty->tree_ok++;
	}
	if (s == 0) {
		if (path == FWC_XML_PATH_SCAN)
			ty->scanned++;
		else
			ty->streamed++;
		if (t != 0) {
			fprintf(stderr, "%s: %s accepts, tree rejects\n", name,
			    path == FWC_XML_PATH_SCAN ? "scan" : "streaming");
			fail();
		}
		same_tree(rs, rt, name);
	}
	fwc_diag_flush(&ds);
	fwc_diag_flush(&dt);
	fclose(fs);
	fclose(ft);
	if (s == 0 && nt != 0) {
		fprintf(stderr, "%s: fast path accepts, tree reports:\n%s",
		    name, mt);
		fail();
	}
	if (s != 0) {
		/* Only the checks both paths share (size, encoding,
		 * attribute counts) may have reported, and then the tree
		 * path reports exactly the same. */
		if (ns != 0 && (t == 0 || strcmp(ms, mt) != 0)) {
			fprintf(stderr,
			    "%s: fast path gave up with its own report:\n%s",
			    name, ms);
			fail();
		}
		if (t == 0 && dt.warnings == 0 && must_stream_if_valid &&
		    path == FWC_XML_PATH_SCAN) {
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

static bool
compare_buffer(struct tally *ty, const char *name, const char *buf, size_t len,
    bool must_stream_if_valid)
{
	(void)compare_path(ty, FWC_XML_PATH_STREAM, name, buf, len, false);
	return compare_path(
	    ty, FWC_XML_PATH_SCAN, name, buf, len, must_stream_if_valid);
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
	printf("xml paths: %u policies, %u valid, %u scanned, %u streamed\n",
	    ty.files, ty.tree_ok, ty.scanned, ty.streamed);
	assert_true(ty.files > 50);
	assert_true(ty.scanned > 40);
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
	walk(&ty, "fuzz/corpus/xml_paths", "", false);
	walk(&ty, "fuzz/regressions/xml_paths", "", false);
	printf("xml paths: fuzz corpora %u inputs, %u valid, %u scanned, "
	       "%u streamed\n",
	    ty.files, ty.tree_ok, ty.scanned, ty.streamed);
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

/* Documents for our reader (compiler/xml_scan.c), each with whether it
 * must read it (a valid document in its subset) or give up (anything
 * else; the tree path then decides, and compare_path() checks that the
 * reader never accepts what the tree path rejects). */
#define P "<policy name=\"p\" version=\"1\""
static const struct {
	const char *doc;
	bool scanned;
} scan_cases[] = {
	{ P "/>", true },
	{ "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>" P "/>",
	    true },
	{ "<?xml version=\"1.0\"?>\n<!-- a -->\n" P "/>\n<!-- b -->\n", true },
	/* line ends and blanks in values; character references are kept
	 * as they are */
	{ P " description=\"a\r\nb\rc\td\ne  f\"/>", true },
	{ P " description=\"&#10;&#13;&#9;&#x20;&#xe9;&#x10FFFF;&#65;\"/>",
	    true },
	{ P " description=\"&lt;&gt;&amp;&apos;&quot;'>]\"/>", true },
	{ P " description='\"\x7f \xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5'/>",
	    true },
	/* text: joined across comments, references, line ends */
	{ P "><boundary name=\"b\"><subnet>\r\n 10.0<!-- x -->.0.0&#47;8"
	    "\r\n</subnet><address>&#32; 10.0.0.1 \r</address></boundary>"
	    "</policy>",
	    true },
	{ P "><boundary name=\"b\"><subnet>&#32;</subnet></boundary></policy>",
	    true },
	{ P ">\n\n</policy>", true },
	{ P "><allow from=\"a\" to=\"b\" service=\"s\">\n </allow></policy>",
	    true },
	{ P "><boundary name=\"b\" ><subnet></subnet><subnet/></boundary >"
	    "</policy\n>",
	    true },
	{ "\xEF\xBB\xBF" P "\n\tdefault=\"reject\"/>", true },
	/* outside the subset, valid or not: gives up */
	{ P "><?pi x?></policy>", false },
	{ P "><boundary name=\"b\"><subnet><![CDATA[10.0.0.0/8]]></subnet>"
	    "</boundary></policy>",
	    false },
	{ "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" P "/>", false },
	{ "<?xml version=\"1.0\" encoding=\"ascii\"?>" P "/>", true },
	{ "<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" P "/>", true },
	{ "<?xml version=\"1.0\" encoding=\"utf8\"?>" P "/>", true },
	{ "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" P "/>", false },
	{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" P "/>", true },
	{ "<?xml version=\"1.1\"?>" P "/>", false },
	{ " <?xml version=\"1.0\"?>" P "/>", false },
	{ "<!DOCTYPE policy>" P "/>", false },
	{ P " xmlns=\"\"/>", false },
	{ P " xml:lang=\"en\"/>", false },
	{ "<x:policy xmlns:x=\"urn:x\" name=\"p\" version=\"1\"/>", false },
	{ P " description=\"\xc3\"/>", false },
	{ P " description=\"\xed\xa0\x80\"/>", false },
	{ P " description=\"\xef\xbf\xbe\"/>", false },
	{ P " description=\"\x01\"/>", false },
	{ P " description=\"&#xD800;\"/>", false },
	{ P " description=\"&#0;\"/>", false },
	{ P " description=\"&#x110000;\"/>", false },
	{ P " description=\"&#x100000041;\"/>", false },
	{ P " description=\"&#4294967361;\"/>", false },
	{ P " description=\"&#X41;\"/>", false },
	{ P " description=\"&nbsp;\"/>", false },
	{ P " description=\"a<b\"/>", false },
	{ P " description=\"&amp\"/>", false },
	{ P " name=\"q\"/>", false },
	{ "<policy name=\"p\"version=\"1\"/>", false },
	{ P "><!-- a -- b --></policy>", false },
	{ P "><!-- a ---></policy>", false },
	{ P "><boundary name=\"b\"><subnet>a]]>b</subnet></boundary>"
	    "</policy>",
	    false },
	{ P "><boundary name=\"b\"></boundry></policy>", false },
	{ P "/><policy/>", false },
	{ P "/>x", false },
	{ P ">", false },
	{ "", false },
	/* schema violations */
	{ "<policy name=\"p\"/>", false },
	{ P " version2=\"1\"/>", false },
	{ "<policy name=\"p\" version=\"2\"/>", false },
	{ "<policy name=\"p\" version=\" 1\"/>", false },
	{ P " default=\"allow\"/>", false },
	{ P ">text</policy>", false },
	{ P ">&#32;</policy>", false },
	{ P "><subnet>10.0.0.0/8</subnet></policy>", false },
	{ P "><boundary name=\"b\"><boundary name=\"c\"/></boundary>"
	    "</policy>",
	    false },
	{ P "><allow from=\"a\" to=\"b\" service=\"s\">x</allow></policy>",
	    false },
	{ "<boundary name=\"b\"/>", false },
};
#undef P

static void
test_scan_cases(void **state)
{
	struct tally ty = { 0 };
	char name[32];
	bool got;

	(void)state;
	assert_true(fwc_xml_scan_ready());
	for (size_t i = 0; i < sizeof(scan_cases) / sizeof(scan_cases[0]);
	     i++) {
		snprintf(name, sizeof(name), "scan%zu.xml", i);
		got = compare_path(&ty, FWC_XML_PATH_SCAN, name,
		    scan_cases[i].doc, strlen(scan_cases[i].doc), false);
		if (got != scan_cases[i].scanned) {
			fprintf(stderr, "%s: expected the reader to %s: %s\n",
			    name, scan_cases[i].scanned ? "read" : "give up",
			    scan_cases[i].doc);
			fail();
		}
	}
}

/* Limits reached make the reader give up; the tree path decides. */
static void
test_scan_limits(void **state)
{
	static const char doc[] = "<policy name=\"p\" version=\"1\" "
				  "description=\"0123456789\"><boundary "
				  "name=\"b\"><subnet>x</subnet></boundary>"
				  "</policy>";
	const struct fwc_xml_limits lims[] = {
		{ .path = FWC_XML_PATH_SCAN },
		{ .path = FWC_XML_PATH_SCAN, .max_bytes = sizeof(doc) - 1 },
		{ .path = FWC_XML_PATH_SCAN, .max_depth = 3 },
		{ .path = FWC_XML_PATH_SCAN, .max_elements = 3 },
		{ .path = FWC_XML_PATH_SCAN, .max_name = 10 },
		{ .path = FWC_XML_PATH_SCAN, .max_attrs = 3 },
	};
	struct fwc_diag dg;
	struct fwc_xnode *root;

	(void)state;
	for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		struct fwc_arena *a = fwc_arena_new();
		FILE *null = fopen("/dev/null", "w");
		int rc;

		assert_non_null(null);
		fwc_diag_init(&dg, null);
		rc = fwc_xml_parse_buffer(
		    a, &dg, "lim.xml", doc, sizeof(doc) - 1, &lims[i], &root);
		assert_int_equal(rc, i == 0 ? 0 : -1);
		assert_int_equal(dg.errors, 0);
		fwc_diag_flush(&dg);
		fclose(null);
		fwc_arena_release(a);
	}
}

/* A long comment, run of blanks or text (libxml2 refuses 10 MB ones)
 * makes the reader give up; these are valid, the tree path reads them. */
static void
test_scan_long_runs(void **state)
{
	static const char *const around[][2] = {
		{ "<policy name=\"p\" version=\"1\"><!--", "--></policy>" },
		{ "<policy name=\"p\" version=\"1\">", "</policy>" },
		{ "<policy name=\"p\" version=\"1\"><boundary name=\"b\">"
		  "<subnet>",
		    "10.0.0.0/8</subnet></boundary></policy>" },
	};
	size_t n = (1u << 20) + 1;
	char *doc = malloc(n + 200);
	struct tally ty = { 0 };
	size_t h;
	size_t t;

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
		for (size_t shorter = 0; shorter <= 4096; shorter += 4096) {
			h = strlen(around[i][0]);
			t = strlen(around[i][1]);
			memcpy(doc, around[i][0], h);
			memset(doc + h, ' ', n - shorter);
			memcpy(doc + h + n - shorter, around[i][1], t);
			/* The long run gives up, a little shorter is
			 * read. */
			assert_true(compare_path(&ty, FWC_XML_PATH_SCAN,
					"long.xml", doc, h + n - shorter + t,
					false) == (shorter != 0));
		}
	}
	assert_int_equal(ty.tree_ok, 6);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_cases),
		cmocka_unit_test(test_scan_cases),
		cmocka_unit_test(test_scan_limits),
		cmocka_unit_test(test_scan_long_runs),
		cmocka_unit_test(test_project_policies),
		cmocka_unit_test(test_fuzz_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
