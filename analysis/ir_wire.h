/* A compact binary form of a compiled program (every field of the IR of
 * include/fwc/ir.h except the source policy), for handing a program from
 * a child process that compiled it to its parent (analysis/child.c). Both
 * ends are the same binary on the same machine: integers are written in
 * native byte order. */
#ifndef FWC_IR_WIRE_H
#define FWC_IR_WIRE_H

#include <stddef.h>

#include "fwc/ir.h"

struct fwc_arena;
struct fwc_strbuf;

/* Appends p to out. */
void fwc_ir_wire_write(const struct fwc_program *p, struct fwc_strbuf *out);
/* Reads a program written by fwc_ir_wire_write() into arena a (its
 * source is NULL). Returns 0, or -1 when buf is not such a program. */
int fwc_ir_wire_read(
    struct fwc_arena *a, const char *buf, size_t len, struct fwc_program **out);

#endif
