/* libFuzzer harness for the whole compiler: policy bytes go through the
 * XML front end, parse, sema, placement and opt (fwc_compile_buffer), then
 * through fwc_ir_dump and every text backend's check and emit for every
 * enforcement point. Includes are disabled, so a fuzzed <include> never
 * reads a file. Built with clang -fsanitize=fuzzer,address,undefined by
 * `make fuzz`, and with gcc against replay.c by `make check-fuzz-replay`. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *
null_sink(void)
{
	static FILE *sink;

	if (sink == NULL) {
		sink = fopen("/dev/null", "w");
		if (sink == NULL) {
			perror("fuzz_policy: /dev/null");
			abort();
		}
	}
	return sink;
}

static void
emit_all(const struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	size_t n_be = 0;
	const struct fwc_backend *const *be = fwc_backend_list(&n_be);
	struct fwc_strbuf sb;

	fwc_strbuf_init(&sb);
	fwc_ir_dump(rs, &sb);
	for (size_t i = 0; i < n_be; i++) {
		if (be[i]->emit == NULL)
			continue;
		if (be[i]->check != NULL && be[i]->check(rs, dg) < 0)
			continue;
		fwc_strbuf_reset(&sb);
		(void)be[i]->emit(rs, &sb, dg);
	}
	fwc_strbuf_release(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwc_options opt = { 0 };
	struct fwc_diag dg;
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_program *prog = NULL;

	opt.no_includes = true;
	fwc_diag_init(&dg, null_sink());
	if (fwc_compile_buffer(a, &dg, &opt, "fuzz.xml", (const char *)data,
		size, &prog) == 0) {
		for (size_t i = 0; i < prog->n_eps; i++)
			emit_all(prog->eps[i], &dg);
	}
	fwc_diag_flush(&dg);
	fwc_diag_release(&dg);
	fwc_arena_release(a);
	return 0;
}
