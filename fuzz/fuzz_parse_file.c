/* libFuzzer harness comparing a policy read from a file with the same
 * bytes read from memory. From a file, our XML reader hands flows and
 * address leaves to parse.c as it reads them (the sink of
 * compiler/parse.c: no tree nodes for them, flows put back in their
 * place among the other elements); from memory, parse.c walks the whole
 * element tree. Both must give the same exit, the same diagnostics,
 * byte for byte, and the same rulesets (IR dumps). Any difference
 * aborts. Inputs stay below the size from which files are mapped
 * (-max_len), so the file is read into memory like the buffer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The result of one compilation: exit, diagnostics, IR dumps. */
struct result {
	int rc;
	char *text;
	size_t len;
};

static void
differ(const char *what)
{
	fprintf(stderr, "fuzz_parse_file: file and memory differ: %s\n", what);
	abort();
}

static char scratch[64];

static void
unlink_scratch(void)
{
	unlink(scratch);
}

/* A file of this process's own, made once, removed at exit. */
static const char *
scratch_path(void)
{
	if (scratch[0] == '\0') {
		int fd;

		snprintf(scratch, sizeof(scratch), "/tmp/fwc-fuzz-XXXXXX");
		fd = mkstemp(scratch);
		if (fd < 0) {
			perror("fuzz_parse_file: mkstemp");
			abort();
		}
		close(fd);
		atexit(unlink_scratch);
	}
	return scratch;
}

static void
compile(struct result *r, const char *path, const uint8_t *data, size_t size,
    bool from_file)
{
	struct fwc_options opt = { 0 };
	struct fwc_diag dg;
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_program *prog = NULL;
	struct fwc_strbuf sb;
	FILE *f = open_memstream(&r->text, &r->len);

	if (f == NULL)
		abort();
	opt.no_includes = true;
	fwc_diag_init(&dg, f);
	dg.sorted = true;
	r->rc = from_file ? fwc_compile_file(a, &dg, &opt, path, &prog)
			  : fwc_compile_buffer(a, &dg, &opt, path,
				(const char *)data, size, &prog);
	fwc_diag_flush(&dg);
	fwc_diag_release(&dg);
	fwc_strbuf_init(&sb);
	if (r->rc == 0)
		for (size_t i = 0; i < prog->n_eps; i++)
			fwc_ir_dump(prog->eps[i], &sb);
	fwrite(sb.buf, 1, sb.len, f);
	fwc_strbuf_release(&sb);
	fclose(f);
	fwc_arena_release(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = scratch_path();
	FILE *f = fopen(path, "wb");
	struct result rf;
	struct result rm;

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror("fuzz_parse_file: cannot write the input");
		abort();
	}
	compile(&rf, path, data, size, true);
	compile(&rm, path, data, size, false);
	if (rf.rc != rm.rc)
		differ("exit");
	if (rf.len != rm.len || memcmp(rf.text, rm.text, rf.len) != 0) {
		fprintf(stderr, "== file\n%.*s\n== memory\n%.*s\n", (int)rf.len,
		    rf.text, (int)rm.len, rm.text);
		differ("diagnostics or rulesets");
	}
	free(rf.text);
	free(rm.text);
	return 0;
}
