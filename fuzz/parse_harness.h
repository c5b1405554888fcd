/* The body of the backend parser harnesses (fuzz_<target>_parse.c): the
 * input bytes are handed to the parse hook of the backend FUZZ_BACKEND,
 * which reads a target's text back into a ruleset for `fwc verify`, then
 * a successfully parsed ruleset goes through fwc_ir_dump. A parser reads
 * files that the administrator points fwc at, which may have been edited
 * or be foreign, so it must reject anything without crashing. */
#ifndef FWC_FUZZ_PARSE_HARNESS_H
#define FWC_FUZZ_PARSE_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	static const struct fwc_backend *be;
	struct fwc_arena *a;
	struct fwc_ruleset *rs;
	struct fwc_diag dg;
	struct fwc_strbuf sb;

	if (sink == NULL) {
		sink = fopen("/dev/null", "w");
		be = fwc_backend_find(FUZZ_BACKEND);
		if (sink == NULL || be == NULL || be->parse == NULL) {
			fprintf(
			    stderr, "fuzz: no parser for '%s'\n", FUZZ_BACKEND);
			abort();
		}
	}
	a = fwc_arena_new();
	rs = fwc_arena_alloc(a, sizeof(*rs));
	memset(rs, 0, sizeof(*rs));
	fwc_diag_init(&dg, sink);
	if (be->parse(a, "fuzz." FUZZ_BACKEND, (const char *)data, size, rs,
		&dg) == 0 &&
	    dg.errors == 0) {
		fwc_strbuf_init(&sb);
		fwc_ir_dump(rs, &sb);
		fwc_strbuf_release(&sb);
	}
	fwc_diag_flush(&dg);
	fwc_diag_release(&dg);
	fwc_arena_release(a);
	return 0;
}

#endif
