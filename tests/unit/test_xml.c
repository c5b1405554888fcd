/* Unit tests of the XML front end: element and attribute positions, text,
 * the plain tree of a valid policy, hostile input (DTDs, entities, size,
 * depth and count limits, encodings) and the wording of schema errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/strbuf.h"
#include "fwc/xml.h"

/* Generous bound for each hostile case: they take milliseconds, an
 * expansion or a quadratic scan would take minutes. */
#define FAST_SECONDS 5.0

struct fx {
	struct fwc_arena *a;
	struct fwc_diag dg;
	FILE *out;
	char tmp[64]; /* temporary file to remove, or "" */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->a = fwc_arena_new();
	f->out = tmpfile();
	if (f->out == NULL)
		return -1;
	fwc_diag_init(&f->dg, f->out);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->tmp[0] != '\0')
		unlink(f->tmp);
	fclose(f->out);
	fwc_arena_release(f->a);
	free(f);
	return 0;
}

/* Everything written to the diagnostic sink so far. */
static const char *
diag_text(struct fx *f)
{
	long n;
	char *s;

	fflush(f->out);
	n = ftell(f->out);
	assert_true(n >= 0);
	s = fwc_arena_alloc(f->a, (size_t)n + 1);
	rewind(f->out);
	assert_int_equal(fread(s, 1, (size_t)n, f->out), (size_t)n);
	s[n] = '\0';
	fseek(f->out, 0, SEEK_END);
	return s;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct fwc_xnode *
parse_ok(struct fx *f, const char *src)
{
	struct fwc_xnode *root = NULL;
	int rc;

	rc = fwc_xml_parse_buffer(
	    f->a, &f->dg, "t.xml", src, strlen(src), NULL, &root);
	assert_string_equal(diag_text(f), "");
	assert_int_equal(rc, 0);
	assert_non_null(root);
	return root;
}

/* Parses n bytes of src with lim and checks the exact diagnostics, and
 * that it took less than FAST_SECONDS. */
static void
fails_n(struct fx *f, const char *src, size_t n,
    const struct fwc_xml_limits *lim, const char *expect)
{
	struct fwc_xnode *root = NULL;
	double t0;
	int rc;

	/* Each parse starts with an empty sink. */
	assert_int_equal(ftruncate(fileno(f->out), 0), 0);
	rewind(f->out);
	fwc_diag_init(&f->dg, f->out);
	t0 = now();
	rc = fwc_xml_parse_buffer(f->a, &f->dg, "t.xml", src, n, lim, &root);
	assert_true(now() - t0 < FAST_SECONDS);
	assert_string_equal(diag_text(f), expect);
	assert_int_equal(rc, -1);
	assert_null(root);
	assert_true(fwc_diag_failed(&f->dg));
}

static void
fails(struct fx *f, const char *src, const char *expect)
{
	fails_n(f, src, strlen(src), NULL, expect);
}

#define assert_loc(loc, l, c)                             \
	do {                                              \
		assert_string_equal((loc).file, "t.xml"); \
		assert_int_equal((loc).line, (l));        \
		assert_int_equal((loc).col, (c));         \
	} while (0)

/* Writes n bytes of src to a new temporary file named in f->tmp. */
static void
write_tmp(struct fx *f, const char *src, size_t n)
{
	int fd;

	snprintf(f->tmp, sizeof(f->tmp), "/tmp/fwc-test-xml-XXXXXX");
	fd = mkstemp(f->tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, src, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/*
 * Positions and text.
 */

static void
test_xml_positions(void **state)
{
	struct fx *f = *state;
	/* Columns count bytes: a tab is 1, "é" and "ü" are 2 each. */
	const char *src =
	    "<policy name=\"p\" version=\"1\">\n"
	    "\t<role name=\"r\"/>\n"
	    "  <!-- \xC3\xA9 \xC3\xBC --> <host\n"
	    "      name=\"h\"\tos = 'linux'>\n"
	    "\t\t<address>\n"
	    "\t\t  10.0.0.1\n"
	    "\t\t</address>\n"
	    "</host><role name=\"\xC3\xA9t\xC3\xA9\"/></policy>\n";
	const struct fwc_xnode *root = parse_ok(f, src);
	const struct fwc_xnode *host;

	assert_string_equal(root->name, "policy");
	assert_loc(root->loc, 1, 1);
	assert_int_equal(root->n_attrs, 2);
	assert_loc(root->attrs[0].loc, 1, 9);
	assert_loc(root->attrs[1].loc, 1, 18);
	assert_int_equal(root->n_kids, 3);
	assert_loc(root->kids[0].loc, 2, 2);
	assert_loc(root->kids[0].attrs[0].loc, 2, 8);
	host = &root->kids[1];
	assert_string_equal(host->name, "host");
	assert_loc(host->loc, 3, 18);
	assert_string_equal(host->attrs[0].name, "name");
	assert_loc(host->attrs[0].loc, 4, 7);
	assert_string_equal(host->attrs[1].name, "os");
	assert_string_equal(host->attrs[1].value, "linux");
	assert_loc(host->attrs[1].loc, 4, 16);
	assert_int_equal(host->n_kids, 1);
	assert_loc(host->kids[0].loc, 5, 3);
	assert_string_equal(host->kids[0].text, "10.0.0.1");
	assert_loc(host->kids[0].text_loc, 6, 5);
	assert_loc(root->kids[2].loc, 8, 8);
	assert_string_equal(root->kids[2].attrs[0].value, "\xC3\xA9t\xC3\xA9");
}

/* CRLF line ends, a byte order mark, and a start tag far into the input
 * (libxml2 discards consumed input as it goes). */
static void
test_xml_positions_far(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	const struct fwc_xnode *root;
	size_t i;

	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(
	    &sb, "\xEF\xBB\xBF<policy name=\"p\" version=\"1\">\r\n");
	for (i = 0; i < 5000; i++)
		fwc_strbuf_adds(&sb, "<!-- padding padding padding -->\r\n");
	fwc_strbuf_adds(&sb, "   <role\r\n name=\"r\"/></policy>\r\n");
	root = parse_ok(f, sb.buf);
	fwc_strbuf_release(&sb);
	assert_loc(root->loc, 1, 1);
	assert_int_equal(root->n_kids, 1);
	assert_loc(root->kids[0].loc, 5002, 4);
	assert_loc(root->kids[0].attrs[0].loc, 5003, 2);
}

static void
test_xml_text_trimmed(void **state)
{
	struct fx *f = *state;
	const struct fwc_xnode *root = parse_ok(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "<boundary name=\"b\">\n"
	    "  <subnet> \t10.0.0.0/8\n </subnet>\n"
	    "  <range><!-- c -->\n   <![CDATA[ 10.1.0.1-]]>10.1.0.9 </range>\n"
	    "  <address>&#x31;0.0.0.1&lt;</address>\n"
	    "  <prefix>   </prefix>\n"
	    "</boundary></policy>\n");
	const struct fwc_xnode *b = &root->kids[0];

	assert_null(root->text);
	assert_int_equal(b->n_kids, 4);
	assert_string_equal(b->kids[0].text, "10.0.0.0/8");
	assert_loc(b->kids[0].text_loc, 3, 13);
	assert_string_equal(b->kids[1].text, "10.1.0.1-10.1.0.9");
	assert_loc(b->kids[1].text_loc, 6, 14);
	assert_string_equal(b->kids[2].text, "10.0.0.1<");
	assert_loc(b->kids[2].text_loc, 7, 12);
	assert_null(b->kids[3].text);
}

static void
test_xml_valid_policy(void **state)
{
	struct fx *f = *state;
	const struct fwc_xnode *root = parse_ok(f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!-- A site. -->\n"
	    "<policy name=\"site\" version=\"1\" default=\"reject\">\n"
	    "  <include href=\"configmgr.xml\"/>\n"
	    "  <service name=\"rpc\" override=\"true\">\n"
	    "    <port protocol=\"tcp\" port=\"135\" source-port=\"1024-65535\"/>\n"
	    "    <source-port protocol=\"udp\" port=\"67\"/>\n"
	    "    <icmp type=\"echo-request\" code=\"0\"/>\n"
	    "    <icmp6 type=\"echo-request\"/>\n"
	    "    <protocol value=\"gre\"/>\n"
	    "    <service ref=\"smb\"/>\n"
	    "  </service>\n"
	    "  <boundary name=\"hq\" description=\"Head office\">\n"
	    "    <subnet>10.1.0.0/16</subnet><range>10.2.0.1-10.2.0.9</range>\n"
	    "    <prefix>2001:db8::/48</prefix><address>10.9.9.9</address>\n"
	    "    <ad-site>Paris</ad-site><boundary ref=\"b2\"/>\n"
	    "    <exclude>10.1.99.0/24</exclude>\n"
	    "  </boundary>\n"
	    "  <ad-site name=\"Paris\"><subnet>10.30.0.0/16</subnet></ad-site>\n"
	    "  <role name=\"client\"><boundary ref=\"hq\"/></role>\n"
	    "  <host name=\"mp01\" os=\"windows\" roles=\"management-point\"\n"
	    "        proxy=\"corp\" firewall=\"on\" egress=\"filter\" "
	    "target=\"netsh\">\n"
	    "    <address>10.0.0.12</address>\n"
	    "  </host>\n"
	    "  <endpoint name=\"mu\"><fqdn>*.update.microsoft.com</fqdn>"
	    "<address>203.0.113.0/24</address></endpoint>\n"
	    "  <proxy name=\"corp\" host=\"proxy01\" port=\"8080\"/>\n"
	    "  <boundary-group name=\"g\"><boundary ref=\"hq\"/>"
	    "<site-system host=\"mp01\"/>"
	    "<fallback group=\"dc\" roles=\"distribution-point\" "
	    "never=\"true\"/></boundary-group>\n"
	    "  <allow from=\"client\" to=\"management-point\" "
	    "service=\"http https\" scope=\"boundary-group\" name=\"c-mp\" "
	    "description=\"d\" via=\"corp\" log=\"off\" "
	    "bidirectional=\"false\"/>\n"
	    "  <deny from=\"a\" to=\"b\" service=\"any\" log=\"on\"/>\n"
	    "  <reject from=\"a\" to=\"b\" service=\"any\"/>\n"
	    "  <gateway name=\"gw\" os=\"bsd\" egress=\"open\">\n"
	    "    <address>10.0.0.1</address>\n"
	    "    <interface name=\"em0\" boundary=\"hq any\" "
	    "description=\"inside\"/>\n"
	    "  </gateway>\n"
	    "</policy>\n");
	const struct fwc_xattr *at;

	assert_string_equal(root->name, "policy");
	assert_loc(root->loc, 3, 1);
	assert_int_equal(root->n_kids, 13);
	assert_string_equal(root->kids[0].name, "include");
	assert_string_equal(root->kids[1].name, "service");
	assert_int_equal(root->kids[1].n_kids, 6);
	assert_string_equal(root->kids[1].kids[5].name, "service");
	at = fwc_xnode_attr(&root->kids[1].kids[0], "source-port");
	assert_non_null(at);
	assert_string_equal(at->value, "1024-65535");
	assert_null(fwc_xnode_attr(&root->kids[1].kids[0], "code"));
	assert_int_equal(root->kids[2].n_kids, 7);
	assert_string_equal(root->kids[2].kids[4].text, "Paris");
	assert_string_equal(root->kids[5].name, "host");
	assert_int_equal(root->kids[5].n_attrs, 7);
	assert_string_equal(
	    fwc_xnode_attr(&root->kids[5], "target")->value, "netsh");
	assert_string_equal(root->kids[12].name, "gateway");
	assert_string_equal(root->kids[12].kids[1].attrs[1].value, "hq any");
	assert_null(root->kids[12].kids[1].text);
}

/* Attribute values are normalised: references decoded, newlines and tabs
 * turned into spaces. */
static void
test_xml_attribute_values(void **state)
{
	struct fx *f = *state;
	const struct fwc_xnode *root = parse_ok(f,
	    "<policy name=\"p\" version=\"1\" "
	    "description=\"a&amp;b &lt;&#x41;&gt;\n\tc &quot;'\"/>");

	assert_string_equal(
	    fwc_xnode_attr(root, "description")->value, "a&b <A>  c \"'");
	assert_null(fwc_xnode_attr(root, "default"));
}

/*
 * Hostile input.
 */

static const char laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE policy [\n"
    " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
    " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
    " <!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
    "]>\n"
    "<policy name=\"p\" version=\"1\">&h;</policy>\n";

static void
test_xml_billion_laughs(void **state)
{
	struct fx *f = *state;

	fails(f, laughs,
	    "t.xml:2:1: error: DTDs and entity declarations are not "
	    "allowed\n");
	assert_true(fwc_arena_size(f->a) < (1u << 20));
}

static void
test_xml_external_entity_file(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	    "<policy name=\"&x;\" version=\"1\"/>\n",
	    "t.xml:1:1: error: DTDs and entity declarations are not "
	    "allowed\n");
}

static void
test_xml_external_entity_network(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<?xml version=\"1.0\"?>\n"
	    "<!-- comment -->  <!DOCTYPE p [\n"
	    "<!ENTITY x SYSTEM \"http://203.0.113.1/x\">]>\n"
	    "<policy name=\"&x;\" version=\"1\"/>\n",
	    "t.xml:2:19: error: DTDs and entity declarations are not "
	    "allowed\n");
}

static void
test_xml_external_dtd(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<!DOCTYPE policy SYSTEM \"http://203.0.113.1/policy.dtd\">\n"
	    "<policy name=\"p\" version=\"1\"/>\n",
	    "t.xml:1:1: error: DTDs and entity declarations are not "
	    "allowed\n");
}

static void
test_xml_parameter_entities(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<!DOCTYPE policy [\n"
	    "  <!ENTITY % r SYSTEM \"http://203.0.113.1/evil.dtd\">\n"
	    "  %r;\n"
	    "  <!ENTITY % p \"<!ENTITY &#x25; q 'x'>\"> %p;\n"
	    "]>\n"
	    "<policy name=\"p\" version=\"1\"/>\n",
	    "t.xml:1:1: error: DTDs and entity declarations are not "
	    "allowed\n");
}

static void
test_xml_undeclared_entity(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <role name=\"&ouml;\"/>\n"
	    "</policy>\n",
	    "t.xml:2:15: error: undefined entity '&ouml;' (only &lt; &gt; "
	    "&amp; &apos; &quot; and character references are allowed)\n");
}

static void
test_xml_too_large_buffer(void **state)
{
	struct fx *f = *state;
	struct fwc_xml_limits lim = { .max_bytes = 16 };

	fails_n(f, "<policy name=\"p\" version=\"1\"/>", 30, &lim,
	    "t.xml: error: file is too large (30 bytes, limit 16)\n");
}

static void
test_xml_too_large_file(void **state)
{
	struct fx *f = *state;
	struct fwc_xml_limits lim = { .max_bytes = 100 };
	struct fwc_xnode *root = NULL;
	char src[200];
	char expect[256];

	memset(src, ' ', sizeof(src));
	memcpy(src, "<policy name=\"p\" version=\"1\"/>", 30);
	write_tmp(f, src, sizeof(src));
	assert_int_equal(
	    fwc_xml_parse_file(f->a, &f->dg, f->tmp, &lim, &root), -1);
	assert_null(root);
	snprintf(expect, sizeof(expect),
	    "%s: error: file is too large (200 bytes, limit 100)\n", f->tmp);
	assert_string_equal(diag_text(f), expect);
}

/* A sparse file over the default limit (16 MiB) is refused from its size
 * alone: nothing is read. */
static void
test_xml_too_large_default(void **state)
{
	struct fx *f = *state;
	struct fwc_xnode *root = NULL;
	char expect[256];
	double t0;

	write_tmp(f, "<policy", 7);
	assert_int_equal(truncate(f->tmp, 17L << 20), 0);
	t0 = now();
	assert_int_equal(
	    fwc_xml_parse_file(f->a, &f->dg, f->tmp, NULL, &root), -1);
	assert_true(now() - t0 < 0.5);
	snprintf(expect, sizeof(expect),
	    "%s: error: file is too large (17825792 bytes, limit 16777216)\n",
	    f->tmp);
	assert_string_equal(diag_text(f), expect);
	assert_true(fwc_arena_size(f->a) < (1u << 20));
}

static void
test_xml_file_ok(void **state)
{
	struct fx *f = *state;
	struct fwc_xnode *root = NULL;
	const char *src =
	    "<policy name=\"p\" version=\"1\">\n <role name=\"r\"/>"
	    "</policy>\n";

	write_tmp(f, src, strlen(src));
	assert_int_equal(
	    fwc_xml_parse_file(f->a, &f->dg, f->tmp, NULL, &root), 0);
	assert_string_equal(diag_text(f), "");
	assert_string_equal(root->kids[0].loc.file, f->tmp);
	assert_int_equal(root->kids[0].loc.line, 2);
	assert_int_equal(root->kids[0].loc.col, 2);
}

static void
test_xml_missing_file(void **state)
{
	struct fx *f = *state;
	struct fwc_xnode *root = NULL;

	assert_int_equal(fwc_xml_parse_file(
			     f->a, &f->dg, "/nonexistent/fwc.xml", NULL, &root),
	    -1);
	assert_string_equal(diag_text(f),
	    "/nonexistent/fwc.xml: error: cannot open: No such file or "
	    "directory\n");
}

static void
test_xml_directory(void **state)
{
	struct fx *f = *state;
	struct fwc_xnode *root = NULL;

	assert_int_equal(
	    fwc_xml_parse_file(f->a, &f->dg, "/", NULL, &root), -1);
	assert_string_equal(
	    diag_text(f), "/: error: cannot read: Is a directory\n");
}

static void
test_xml_deep_nesting(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	size_t i;

	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(&sb, "<policy name=\"p\" version=\"1\">\n");
	for (i = 0; i < 10000; i++)
		fwc_strbuf_adds(&sb, "<boundary>");
	for (i = 0; i < 10000; i++)
		fwc_strbuf_adds(&sb, "</boundary>");
	fwc_strbuf_adds(&sb, "</policy>\n");
	/* The 33rd level is the 32nd <boundary>, at 1 + 31 * 10. */
	fails(f, sb.buf,
	    "t.xml:2:311: error: elements nested too deeply (limit 32)\n");
	fwc_strbuf_release(&sb);
	assert_true(fwc_arena_size(f->a) < (1u << 20));
}

static void
test_xml_depth_limit(void **state)
{
	struct fx *f = *state;
	struct fwc_xml_limits lim = { .max_depth = 2 };
	const char *src = "<policy name=\"p\" version=\"1\">"
			  "<role name=\"r\"><boundary ref=\"b\"/></role>"
			  "</policy>";

	fails_n(f, src, strlen(src), &lim,
	    "t.xml:1:45: error: elements nested too deeply (limit 2)\n");
}

static void
test_xml_element_limit(void **state)
{
	struct fx *f = *state;
	struct fwc_xml_limits lim = { .max_elements = 3 };
	const char *src = "<policy name=\"p\" version=\"1\">\n"
			  "<role name=\"a\"/>\n<role name=\"b\"/>\n"
			  "<role name=\"c\"/>\n</policy>";

	fails_n(f, src, strlen(src), &lim,
	    "t.xml:4:1: error: too many elements (limit 3)\n");
}

static void
test_xml_value_limit(void **state)
{
	struct fx *f = *state;
	struct fwc_xml_limits lim = { .max_name = 8 };
	const char *src =
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <role name=\"123456789\" description=\"12345678\"/>"
	    "</policy>";

	fails_n(f, src, strlen(src), &lim,
	    "t.xml:2:9: error: value of attribute 'name' is too long (9 "
	    "bytes, limit 8)\n");
}

/* libxml2 2.9 checks duplicate attributes in quadratic time: thousands of
 * attributes are refused before it sees them. */
/* After a syntax error libxml2 is not let loose on the rest of the
 * input: here it would resume at the '<' inside the value. */
static void
test_xml_attribute_flood_after_error(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	size_t i;

	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(&sb, "<policy name=\"p\" version=\"1\">\n<role x=\"<b");
	for (i = 0; i < 200000; i++)
		fwc_strbuf_addf(&sb, " a%zu=''", i);
	fwc_strbuf_adds(&sb, "/>\"/></policy>");
	fails(f, sb.buf,
	    "t.xml:2:451: error: too many attributes on <b> (limit 64)\n");
	fwc_strbuf_release(&sb);
}

static void
test_xml_attribute_flood(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	size_t i;

	fwc_strbuf_init(&sb);
	fwc_strbuf_adds(&sb, "<policy name=\"p\" version=\"1\">\n<role");
	for (i = 0; i < 200000; i++)
		fwc_strbuf_addf(&sb, " a%zu=''", i);
	fwc_strbuf_adds(&sb, "/></policy>");
	/* The 65th attribute starts after "<role", ten " aN=''" and 54
	 * " aNN=''": at 5 + 60 + 378 + 1 + 1. */
	fails(f, sb.buf,
	    "t.xml:2:445: error: too many attributes on <role> (limit 64)\n");
	fwc_strbuf_release(&sb);
}

static void
test_xml_invalid_utf8(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "\t<role name=\"caf\xC3\xA9\" description=\"r\xE9sum\xE9\"/>\n"
	    "</policy>\n",
	    "t.xml:2:35: error: invalid UTF-8 (byte 0xe9)\n");
}

static void
test_xml_overlong_utf8(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy name=\"\xC0\xBC\" version=\"1\"/>",
	    "t.xml:1:15: error: invalid UTF-8 (byte 0xc0)\n");
	/* An encoded surrogate (U+D800). */
	fails(f, "<policy name=\"\xED\xA0\x80\" version=\"1\"/>",
	    "t.xml:1:15: error: invalid UTF-8 (byte 0xed)\n");
}

static void
test_xml_utf16(void **state)
{
	struct fx *f = *state;
	static const char le[] = "\xFF\xFE<\0p\0o\0l\0i\0c\0y\0/\0>\0";
	static const char be[] = "\0<\0p\0/\0>";

	fails_n(f, le, sizeof(le) - 1, NULL,
	    "t.xml:1:1: error: unsupported encoding 'UTF-16' (policies must "
	    "be UTF-8)\n");
	fails_n(f, be, sizeof(be) - 1, NULL,
	    "t.xml:1:1: error: unsupported encoding 'UTF-16' (policies must "
	    "be UTF-8)\n");
}

static void
test_xml_declared_encoding(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<policy name=\"p\" version=\"1\"/>\n",
	    "t.xml:1:31: error: unsupported encoding 'ISO-8859-1' (policies "
	    "must be UTF-8)\n");
}

static void
test_xml_nul_byte(void **state)
{
	struct fx *f = *state;
	static const char src[] =
	    "<policy name=\"p\" version=\"1\">\0</policy>";

	fails_n(f, src, sizeof(src) - 1, NULL,
	    "t.xml:1:30: error: invalid character U+0000 (not allowed in "
	    "XML)\n");
}

/* Characters XML never allows are refused wherever they are, comments
 * and CDATA sections included. */
static void
test_xml_invalid_char(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "<!-- \x01 -->\n</policy>\n",
	    "t.xml:2:6: error: invalid character U+0001 (not allowed in "
	    "XML)\n");
	fails(f, "<policy name=\"p\" version=\"1\"><![CDATA[\xEF\xBF\xBE]]>",
	    "t.xml:1:39: error: invalid character U+FFFE (not allowed in "
	    "XML)\n");
	fails(f, "<policy name=\"p\" version=\"1\">&#x1;</policy>",
	    "t.xml:1:30: error: invalid character reference (U+0001 is not "
	    "allowed in XML)\n");
}

static void
test_xml_truncated(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <host name=\"h\">\n"
	    "    <address>10.0.0.1</addr",
	    "t.xml:3:28: error: expected '>'\n");
}

static void
test_xml_unclosed(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <host name=\"h\">\n",
	    "t.xml:3:1: error: unexpected end of file: <host> opened on line "
	    "2 is not closed\n");
}

static void
test_xml_syntax_messages(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy name=\"p\" version=\"1\">\n  <!-- x\n",
	    "t.xml:2:3: error: unterminated comment\n");
	fails(f, "<policy name=\"p\" version=\"1\">\n  <role name=r/>",
	    "t.xml:2:14: error: attribute value must be quoted\n");
	fails(f, "<policy name=\"p\" version=\"1\">\n  <role name=\"r",
	    "t.xml:2:16: error: unterminated attribute value\n");
	fails(f, "<policy name=\"p\" version=\"1\">\n  <role name=\"r\"",
	    "t.xml:2:17: error: unterminated start tag\n");
	fails(f, "<policy name=\"p\" version=\"1\">\n  <role name=\"r\"/x>",
	    "t.xml:2:17: error: expected a blank, '>' or '/>' after an "
	    "attribute\n");
	fails(f, "<policy name=\"p\" version=\"1\" description=\"a & b\"/>",
	    "t.xml:1:45: error: '&' must start a reference (write '&amp;' "
	    "for '&')\n");
	fails(f, "<policy name=\"p\" version=\"1\">\n<!DOCTYPE x></policy>",
	    "t.xml:2:1: error: unexpected markup declaration (DTDs and "
	    "entity declarations are not allowed)\n");
}

static void
test_xml_tag_mismatch(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <host name=\"\xC3\xA9\">\n"
	    "</policy>\n",
	    "t.xml:3:10: error: closing tag </policy> does not match <host> "
	    "opened on line 2\n");
}

/* libxml2 counts characters in its columns, we count bytes. */
static void
test_xml_syntax_column_bytes(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy name=\"\xC3\xA9\xC3\xA9\" version=\"1\" a=\"<\"/>",
	    "t.xml:1:36: error: unescaped '<' not allowed in attributes "
	    "values\n");
}

static void
test_xml_empty(void **state)
{
	struct fx *f = *state;

	fails(f, "", "t.xml:1:1: error: document is empty\n");
	fails_n(f, NULL, 0, NULL, "t.xml:1:1: error: document is empty\n");
	fails(f, " \n ", "t.xml:2:2: error: document has no root element\n");
	fails(f, "<?xml version=\"1.0\"?>\n<!-- nothing -->\n",
	    "t.xml:3:1: error: document has no root element\n");
	fails(f, "policy", "t.xml:1:1: error: start tag expected\n");
}

static void
test_xml_extra_content(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy name=\"p\" version=\"1\"/>\n<policy/>\n",
	    "t.xml:2:1: error: extra content after the root element\n");
}

static void
test_xml_duplicate_attribute(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy name=\"p\" version=\"1\" name=\"q\"/>",
	    "t.xml:1:38: error: attribute 'name' appears twice\n");
}

static void
test_xml_namespaces(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy xmlns=\"urn:fwc\" name=\"p\" version=\"1\"/>",
	    "t.xml:1:9: error: namespace declarations are not allowed "
	    "('xmlns')\n");
	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <x:role xmlns:x=\"urn:x\" name=\"r\"/>\n"
	    "  <xml:role name=\"r\"/>\n"
	    "</policy>",
	    "t.xml:2:11: error: namespace declarations are not allowed "
	    "('xmlns:x')\n"
	    "t.xml:3:3: error: element <xml:role> is in namespace "
	    "'http://www.w3.org/XML/1998/namespace' (policy elements have "
	    "no namespace)\n");
}

static void
test_xml_undefined_prefix(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n  <x:role name=\"r\"/>"
	    "</policy>",
	    "t.xml:2:3: error: undefined namespace prefix 'x' in "
	    "<x:role>\n");
}

/*
 * Schema errors, each at the offending node.
 */

static void
test_xml_schema_unexpected_element(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <zone name=\"z\"/>\n"
	    "  <service name=\"s\">\n"
	    "    <port protocol=\"tcp\" port=\"1\"/><range>1-2</range>\n"
	    "  </service>\n"
	    "</policy>\n",
	    "t.xml:2:3: error: unexpected element <zone> in <policy>\n"
	    "t.xml:4:36: error: unexpected element <range> in <service>\n");
}

static void
test_xml_schema_attribute_not_allowed(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <host name=\"h\"\n"
	    "        bar=\"1\"/>\n"
	    "  <gateway name=\"g\" os=\"linux\"><interface name=\"e\" "
	    "boundary=\"b\" override=\"true\"/></gateway>\n"
	    "</policy>\n",
	    "t.xml:3:9: error: attribute 'bar' is not allowed on <host>\n"
	    "t.xml:4:65: error: attribute 'override' is not allowed on "
	    "<interface>\n");
}

static void
test_xml_schema_missing_attribute(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <host os=\"linux\"/>\n"
	    "  <allow from=\"a\" to=\"b\"/>\n"
	    "</policy>\n",
	    "t.xml:2:3: error: missing attribute 'name' on <host>\n"
	    "t.xml:3:3: error: missing attribute 'service' on <allow>\n");
	fails(f, "<policy name=\"p\"/>",
	    "t.xml:1:1: error: missing attribute 'version' on <policy>\n");
}

static void
test_xml_schema_invalid_value(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\" default=\"accept\">\n"
	    "  <host name=\"h\" firewall=\"maybe\" os=\"Linux\"/>\n"
	    "  <gateway name=\"g\" os=\"windows\"/>\n"
	    "  <allow from=\"a\" to=\"b\" service=\"s\" log=\"on \"/>\n"
	    "</policy>\n",
	    "t.xml:1:30: error: invalid value 'accept' for attribute 'default' "
	    "of <policy> (expected drop or reject)\n"
	    "t.xml:2:18: error: invalid value 'maybe' for attribute 'firewall' "
	    "of <host> (expected on or off)\n"
	    "t.xml:2:35: error: invalid value 'Linux' for attribute 'os' of "
	    "<host> (expected windows, linux or bsd)\n"
	    "t.xml:3:21: error: invalid value 'windows' for attribute 'os' of "
	    "<gateway> (expected linux or bsd)\n"
	    "t.xml:4:38: error: invalid value 'on ' for attribute 'log' of "
	    "<allow> (expected on or off)\n");
}

static void
test_xml_schema_version(void **state)
{
	struct fx *f = *state;

	fails(f, "<policy name=\"p\" version=\"2\"/>",
	    "t.xml:1:18: error: invalid value '2' for attribute 'version' of "
	    "<policy> (expected 1)\n");
}

static void
test_xml_schema_text(void **state)
{
	struct fx *f = *state;

	fails(f,
	    "<policy name=\"p\" version=\"1\">\n"
	    "  <role name=\"r\"/>\n"
	    "  stray <role name=\"s\">x</role>\n"
	    "</policy>\n",
	    "t.xml:3:3: error: unexpected text in <policy>\n"
	    "t.xml:3:24: error: unexpected text in <role>\n");
}

static void
test_xml_schema_root(void **state)
{
	struct fx *f = *state;

	fails(f, "<policies name=\"p\" version=\"1\"/>",
	    "t.xml:1:1: error: unexpected root element <policies> (expected "
	    "<policy>)\n");
}

/* A value or name too long for a message is cut. */
static void
test_xml_schema_long_value(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	struct fwc_strbuf ex;
	size_t i;

	fwc_strbuf_init(&sb);
	fwc_strbuf_init(&ex);
	fwc_strbuf_adds(&sb, "<policy name=\"p\" version=\"1\" default=\"");
	for (i = 0; i < 100; i++)
		fwc_strbuf_adds(&sb, "x");
	fwc_strbuf_adds(&sb, "\"/>");
	fwc_strbuf_adds(&ex, "t.xml:1:30: error: invalid value '");
	for (i = 0; i < 64; i++)
		fwc_strbuf_adds(&ex, "x");
	fwc_strbuf_adds(&ex, "...' for attribute 'default' of <policy> "
			     "(expected drop or reject)\n");
	fails(f, sb.buf, ex.buf);
	fwc_strbuf_release(&sb);
	fwc_strbuf_release(&ex);
}

static void
test_xml_schema_error_limit(void **state)
{
	struct fx *f = *state;
	struct fwc_strbuf sb;
	struct fwc_strbuf ex;
	size_t i;

	fwc_strbuf_init(&sb);
	fwc_strbuf_init(&ex);
	fwc_strbuf_adds(&sb, "<policy name=\"p\" version=\"1\">\n");
	for (i = 0; i < 30; i++)
		fwc_strbuf_adds(&sb, "<zone/>\n");
	fwc_strbuf_adds(&sb, "</policy>\n");
	for (i = 0; i < 20; i++)
		fwc_strbuf_addf(&ex,
		    "t.xml:%zu:1: error: unexpected element <zone> in "
		    "<policy>\n",
		    i + 2);
	fwc_strbuf_adds(&ex, "fwc: note: too many errors, stopping\n");
	fails(f, sb.buf, ex.buf);
	fwc_strbuf_release(&sb);
	fwc_strbuf_release(&ex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_xml_positions),
		T(test_xml_positions_far),
		T(test_xml_text_trimmed),
		T(test_xml_valid_policy),
		T(test_xml_attribute_values),
		T(test_xml_billion_laughs),
		T(test_xml_external_entity_file),
		T(test_xml_external_entity_network),
		T(test_xml_external_dtd),
		T(test_xml_parameter_entities),
		T(test_xml_undeclared_entity),
		T(test_xml_too_large_buffer),
		T(test_xml_too_large_file),
		T(test_xml_too_large_default),
		T(test_xml_file_ok),
		T(test_xml_missing_file),
		T(test_xml_directory),
		T(test_xml_deep_nesting),
		T(test_xml_depth_limit),
		T(test_xml_element_limit),
		T(test_xml_value_limit),
		T(test_xml_attribute_flood),
		T(test_xml_attribute_flood_after_error),
		T(test_xml_invalid_utf8),
		T(test_xml_overlong_utf8),
		T(test_xml_utf16),
		T(test_xml_declared_encoding),
		T(test_xml_nul_byte),
		T(test_xml_invalid_char),
		T(test_xml_truncated),
		T(test_xml_unclosed),
		T(test_xml_syntax_messages),
		T(test_xml_tag_mismatch),
		T(test_xml_syntax_column_bytes),
		T(test_xml_empty),
		T(test_xml_extra_content),
		T(test_xml_duplicate_attribute),
		T(test_xml_namespaces),
		T(test_xml_undefined_prefix),
		T(test_xml_schema_unexpected_element),
		T(test_xml_schema_attribute_not_allowed),
		T(test_xml_schema_missing_attribute),
		T(test_xml_schema_invalid_value),
		T(test_xml_schema_version),
		T(test_xml_schema_text),
		T(test_xml_schema_root),
		T(test_xml_schema_long_value),
		T(test_xml_schema_error_limit),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
