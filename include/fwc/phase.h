/* Per-phase cost figures for profiling large policies: with FWC_PHASES=1
 * in the environment, each fwc_phase_mark() prints one line to stderr
 * with the wall and CPU time the phase took since the previous mark and
 * the process's peak resident memory so far. Without it every call is a
 * cheap no-op, and the output of fwc is unchanged. */
#ifndef FWC_PHASE_H
#define FWC_PHASE_H

#include <stdbool.h>

struct fwc_arena;

/* True when the environment has FWC_PHASES=1. */
bool fwc_phase_enabled(void);
/* Reads FWC_PHASES and starts timing: the next fwc_phase_mark() measures
 * from here. Called by fwc_compile_file() and fwc_compile_buffer() before
 * parsing; marks before the first start print nothing. */
void fwc_phase_start(void);
/* Ends the phase called name (parse, sema, place, opt, emit...) and
 * starts the next one. a, when not NULL, adds the bytes its arena has
 * obtained from the system so far. */
void fwc_phase_mark(const char *name, const struct fwc_arena *a);

#endif
