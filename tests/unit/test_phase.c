/* Unit tests of the phase timer: silent without FWC_PHASES=1, one line
 * per phase on stderr with it, each phase's own figures. */
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
#include "fwc/phase.h"

/* Runs the marks with stderr going to a file; returns what was
 * written. */
static char *
capture(void (*fn)(void))
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved;
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), 2) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
burn(void)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < 30000000ul; i++)
		x += i;
}

static void
three_phases(void)
{
	struct fwc_arena *a = fwc_arena_new();

	fwc_phase_start();
	fwc_phase_mark("parse", NULL);
	burn();
	fwc_arena_alloc(a, 3u << 20);
	fwc_phase_mark("sema", a);
	fwc_phase_mark("emit", NULL);
	fwc_arena_release(a);
}

static void
test_phase_lines(void **state)
{
	char parse_line[256];
	char *out;
	char *sema;
	char *emit;
	double wall;
	double cpu;

	(void)state;
	assert_int_equal(setenv("FWC_PHASES", "1", 1), 0);
	assert_true(fwc_phase_enabled());
	out = capture(three_phases);
	sema = strstr(out, "fwc: phase sema ");
	emit = strstr(out, "fwc: phase emit ");
	assert_ptr_equal(strstr(out, "fwc: phase parse "), out);
	assert_non_null(sema);
	assert_non_null(emit);
	/* One line each, in order. */
	assert_true(sema < emit);
	assert_int_equal(strchr(out, '\n') + 1 - out, sema - out);
	assert_non_null(strstr(out, "peak rss"));
	/* Only the mark given an arena names it, at 3 MB or more. */
	assert_true((size_t)(sema - out) < sizeof(parse_line));
	memcpy(parse_line, out, (size_t)(sema - out));
	parse_line[sema - out] = '\0';
	assert_null(strstr(parse_line, "arena"));
	assert_non_null(strstr(sema, "  arena "));
	assert_true(atoi(strstr(sema, "  arena ") + 8) >= 3);
	assert_null(strstr(emit, "arena"));
	/* The work was measured in sema, not in the phases around it. */
	assert_int_equal(
	    sscanf(sema, "fwc: phase sema wall %lf s cpu %lf s", &wall, &cpu),
	    2);
	assert_true(cpu > 0.005);
	assert_int_equal(
	    sscanf(emit, "fwc: phase emit wall %lf s cpu %lf s", &wall, &cpu),
	    2);
	assert_true(cpu < 0.005);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase_lines),
	};

	/* Without the variable, or with another value: nothing. */
	unsetenv("FWC_PHASES");
	if (fwc_phase_enabled()) {
		fprintf(stderr, "FWC_PHASES read wrongly\n");
		return 1;
	}
	if (capture(three_phases)[0] != '\0') {
		fprintf(stderr, "output without FWC_PHASES=1\n");
		return 1;
	}
	setenv("FWC_PHASES", "0", 1);
	if (capture(three_phases)[0] != '\0') {
		fprintf(stderr, "output with FWC_PHASES=0\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
