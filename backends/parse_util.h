/* Helpers shared by the parsers that read a text backend's output back
 * into a ruleset (backends/<target>_parse.c, the .parse hook of struct
 * fwc_backend): located errors, a line cursor, address and port text,
 * sets and rules allocated from the arena, and the final fold of trailing
 * catch-all rules into chain defaults.
 *
 * Every parser produces first-match form: rules are tried in stored
 * order, the first that matches decides, else the chain default
 * (include/fwc/eval.h). */
#ifndef FWC_PARSE_UTIL_H
#define FWC_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwc/addr.h"
#include "fwc/ir.h"
#include "fwc/util.h"

struct fwc_arena;
struct fwc_diag;

struct fwc_pctx {
	struct fwc_arena *a;
	struct fwc_diag *dg;
	const char *file;	  /* for diagnostics and origins */
	struct fwc_ruleset *rs;	  /* the result */
	char *text;		  /* NUL-terminated arena copy of the input */
	size_t len;		  /* bytes of text */
	size_t pos;		  /* cursor of fwc_pctx_next_line */
	uint32_t line;		  /* line of the last line returned */
	unsigned int errors;	  /* errors reported by this parse */
	struct fwc_ir_set **sets; /* arena vector */
	size_t n_sets;
	size_t cap_sets;
	struct fwc_ir_rule *rules; /* arena vector */
	size_t n_rules;
	size_t cap_rules;
};

/* Starts a parse of text[0..len) into rs (zeroed by the caller); file
 * NULL means "<output>". */
void fwc_pctx_init(struct fwc_pctx *p, struct fwc_arena *a, const char *file,
    const char *text, size_t len, struct fwc_ruleset *rs, struct fwc_diag *dg);
/* Reports "file:line:col: error: ..." and counts it. */
void fwc_pctx_error(struct fwc_pctx *p, uint32_t line, uint32_t col,
    const char *fmt, ...) FWC_PRINTF(4, 5);
/* The next line (without its newline, NUL-terminated in place, a final
 * '\r' removed), or NULL at the end; p->line is its number. */
char *fwc_pctx_next_line(struct fwc_pctx *p);

/* Parses "a", "a/len" (strict) or "a-b" into one interval; returns 0, or
 * -1 with *why set. */
int fwc_pctx_addr_ivl(
    const char *s, enum fwc_family *fam, struct fwc_ivl *out, const char **why);
/* Parses a port number 0..65535; -1 when s is not one. */
long fwc_pctx_port(const char *s);

/* A new set of family fam holding the normalised union of v[0..n),
 * registered in the result under name (a copy is kept). */
struct fwc_ir_set *fwc_pctx_add_set(struct fwc_pctx *p, const char *name,
    enum fwc_family fam, const struct fwc_ivl *v, size_t n,
    const char *comment);
/* The set registered under name, or NULL. */
struct fwc_ir_set *fwc_pctx_find_set(
    const struct fwc_pctx *p, const char *name);
/* A normalised port set from unsorted, possibly overlapping intervals. */
struct fwc_portset fwc_pctx_ports(
    struct fwc_pctx *p, const struct fwc_pivl *v, size_t n);

/* Appends a copy of *r to the result (origin strings are borrowed: keep
 * them in the arena) and returns the stored rule. */
struct fwc_ir_rule *fwc_pctx_add_rule(
    struct fwc_pctx *p, const struct fwc_ir_rule *r);
/* A rule template: proto any, everything else empty; origin.loc at line
 * of p->file. */
void fwc_pctx_rule_init(
    const struct fwc_pctx *p, struct fwc_ir_rule *r, uint32_t line);

/* True when r matches every packet of its chain and family apart from an
 * optional protocol condition. */
bool fwc_pctx_is_catch_all(const struct fwc_ir_rule *r, bool allow_proto);
/* For each chain: when, for every family in fams (bit 1 << family), the
 * last rule of that chain and family is a catch-all without a protocol
 * condition, all with the same action, that action becomes the chain's
 * default, and the trailing catch-alls (with or without a protocol
 * condition) of that action are removed: the meaning is unchanged. */
void fwc_pctx_fold_defaults(struct fwc_pctx *p, unsigned int fams);
/* Moves the sets and rules into p->rs; returns 0, or -1 when an error
 * was reported. */
int fwc_pctx_finish(struct fwc_pctx *p);

#endif
