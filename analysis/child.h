/* Work in a forked child process: the child runs a function that appends
 * its result to a buffer, and the parent collects the buffer, the
 * function's exit code and, separately, what the child wrote to stderr,
 * to be replayed in order (fwc diff compiles NEW in a child while it
 * compiles OLD itself, on the second processor core). */
#ifndef FWC_CHILD_H
#define FWC_CHILD_H

#include <stdio.h>
#include <sys/types.h>

struct fwc_strbuf;

struct fwc_child {
	pid_t pid;
	int fd;	   /* the result file, written by the child */
	FILE *err; /* the child's stderr (a temporary file) */
};

/* Starts a child running fn(ctx, out). Returns 0, or -1 when no child
 * could be started (then there is nothing to finish or cancel). */
int fwc_child_start(struct fwc_child *c,
    int (*fn)(void *ctx, struct fwc_strbuf *out), void *ctx);
/* Waits for the child; sets *rc to fn's return value and *buf, *len to
 * what it appended (heap, NUL-terminated). Returns 0, or -1 when the
 * child died or sent an incomplete result. Does not release c. */
int fwc_child_finish(struct fwc_child *c, int *rc, char **buf, size_t *len);
/* Copies what the child wrote to stderr to stderr. */
void fwc_child_replay(struct fwc_child *c);
/* Releases c; stops the child first when it still runs. */
void fwc_child_close(struct fwc_child *c);

#endif
