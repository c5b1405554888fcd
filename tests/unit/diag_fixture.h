/* A fixture shared by unit tests that compile policies and check the
 * messages: an arena, diagnostics written to a temporary file, and the
 * text written so far. Include after cmocka.h. A test whose fixture
 * holds more (a directory, a path) keeps its own struct and uses
 * fx_sink_text() alone. */
#ifndef FWC_TEST_DIAG_FIXTURE_H
#define FWC_TEST_DIAG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "fwc/arena.h"
#include "fwc/diag.h"

/* What sink holds from its start, in buf (size bytes, NUL-terminated). */
static inline const char *
fx_sink_text(FILE *sink, char *buf, size_t size)
{
	size_t n;

	fflush(sink);
	rewind(sink);
	n = fread(buf, 1, size - 1, sink);
	buf[n] = '\0';
	return buf;
}

#ifndef FX_NO_DIAG_FIXTURE
struct fx {
	struct fwc_arena *a;
	struct fwc_diag dg;
	FILE *sink;
	char text[8192];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->a = fwc_arena_new();
	f->sink = tmpfile();
	assert_non_null(f->sink);
	fwc_diag_init(&f->dg, f->sink);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	fwc_diag_release(&f->dg);
	fwc_arena_release(f->a);
	fclose(f->sink);
	free(f);
	return 0;
}

/* The diagnostics written so far. */
static const char *
diag_text(struct fx *f)
{
	return fx_sink_text(f->sink, f->text, sizeof(f->text));
}
#endif

#endif
