/* Phase timer behind FWC_PHASES=1 (see docs/performance.md): the
 * pipeline marks the end of parse, sema, place and opt, and the CLI the
 * end of emit; each mark prints the phase's wall and CPU time and the
 * peak resident memory. This is a measuring aid for developers, the one
 * place outside main.c that writes to stderr, and only when asked to. */
#include "fwc/phase.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fwc/arena.h"

struct sample {
	double wall; /* seconds, monotonic clock */
	double user; /* seconds of user CPU time */
	double sys;  /* seconds of system CPU time */
	long rss_kb; /* peak resident set size, KiB */
};

static bool enabled; /* FWC_PHASES=1 at the last fwc_phase_start() */
static struct sample last;

bool
fwc_phase_enabled(void)
{
	const char *e = getenv("FWC_PHASES");

	return e != NULL && strcmp(e, "1") == 0;
}

static double
seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void
take(struct sample *s)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	getrusage(RUSAGE_SELF, &ru);
	s->wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	s->user = seconds(ru.ru_utime);
	s->sys = seconds(ru.ru_stime);
	s->rss_kb = ru.ru_maxrss;
}

void
fwc_phase_start(void)
{
	enabled = fwc_phase_enabled();
	if (enabled)
		take(&last);
}

void
fwc_phase_mark(const char *name, const struct fwc_arena *a)
{
	struct sample now;

	if (!enabled)
		return;
	take(&now);
	fprintf(stderr,
	    "fwc: phase %-6s wall %7.3f s  cpu %7.3f s (user %.3f, sys %.3f)  peak rss %6ld MB (%+ld)",
	    name, now.wall - last.wall,
	    (now.user - last.user) + (now.sys - last.sys), now.user - last.user,
	    now.sys - last.sys, now.rss_kb / 1024,
	    (now.rss_kb - last.rss_kb) / 1024);
	if (a != NULL)
		fprintf(stderr, "  arena %zu MB", fwc_arena_size(a) >> 20);
	fputc('\n', stderr);
	last = now;
}
