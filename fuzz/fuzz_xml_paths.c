/* libFuzzer harness comparing the ways the XML front end reads a
 * document (compiler/xml.c): its own reader (compiler/xml_scan.c) and
 * libxml2's streaming reader, each against libxml2's tree. When a fast
 * path accepts an input, the tree path must accept it too and give the
 * same tree, locations included; when it gives up, it must have reported
 * nothing of its own. Any difference aborts. The same check runs over
 * the project's policies in tests/unit/test_xml_stream.c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/xml.h"

#include "../tests/unit/xtree_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
differ(const char *what)
{
	fprintf(stderr, "fuzz_xml_paths: the two paths differ: %s\n", what);
	abort();
}

/* Reads data by path and by the tree path and compares. */
static void
compare(const uint8_t *data, size_t size, enum fwc_xml_path path)
{
	const struct fwc_xml_limits ls = { .path = path };
	const struct fwc_xml_limits lt = { .path = FWC_XML_PATH_TREE };
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

	if (fs == NULL || ft == NULL)
		abort();
	fwc_diag_init(&ds, fs);
	fwc_diag_init(&dt, ft);
	s = fwc_xml_parse_buffer(
	    as, &ds, "fuzz.xml", (const char *)data, size, &ls, &rs);
	t = fwc_xml_parse_buffer(
	    at, &dt, "fuzz.xml", (const char *)data, size, &lt, &rt);
	if (s == 0) {
		if (t != 0)
			differ(path == FWC_XML_PATH_SCAN
				   ? "scan accepts, tree rejects"
				   : "streaming accepts, tree rejects");
		char buf[512];

		if (xtree_diff(rs, rt, buf, sizeof(buf)) != NULL)
			differ(buf);
	}
	fwc_diag_flush(&ds);
	fwc_diag_flush(&dt);
	fclose(fs);
	fclose(ft);
	if (s == 0 && nt != 0)
		differ("fast path accepts, tree path reports");
	if (s != 0 && ns != 0 && (t == 0 || strcmp(ms, mt) != 0))
		differ("fast path gave up with a report of its own");
	free(ms);
	free(mt);
	fwc_arena_release(as);
	fwc_arena_release(at);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	compare(data, size, FWC_XML_PATH_SCAN);
	compare(data, size, FWC_XML_PATH_STREAM);
	return 0;
}
