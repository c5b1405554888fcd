/* Fifth stage of the pipeline: canonical form of every ruleset. Sets are
 * sorted by name and family and numbered; rules are ordered by chain, then
 * deny and reject before accept (the order-free semantics made explicit),
 * then by their order of creation, which follows the policy. The result is
 * byte-for-byte reproducible. */
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"

struct keyed {
	const struct fwc_ir_rule *r;
	size_t idx;
};

static int
set_cmp(const void *x, const void *y)
{
	const struct fwc_ir_set *a = *(const struct fwc_ir_set *const *)x;
	const struct fwc_ir_set *b = *(const struct fwc_ir_set *const *)y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return (int)a->family - (int)b->family;
}

static int
rank(enum fwc_action a)
{
	return a == FWC_ACT_ACCEPT ? 1 : 0;
}

static int
rule_cmp(const void *x, const void *y)
{
	const struct keyed *a = x;
	const struct keyed *b = y;

	if (a->r->chain != b->r->chain)
		return (int)a->r->chain - (int)b->r->chain;
	if (rank(a->r->action) != rank(b->r->action))
		return rank(a->r->action) - rank(b->r->action);
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void
opt_ruleset(struct fwc_arena *a, struct fwc_ruleset *rs)
{
	struct keyed *k;
	struct fwc_ir_rule *out;

	if (rs->n_sets > 1)
		qsort(rs->sets, rs->n_sets, sizeof(*rs->sets), set_cmp);
	for (size_t i = 0; i < rs->n_sets; i++)
		rs->sets[i]->id = (unsigned int)i;
	if (rs->n_rules < 2)
		return;
	k = fwc_xmalloc(rs->n_rules * sizeof(*k));
	for (size_t i = 0; i < rs->n_rules; i++) {
		k[i].r = &rs->rules[i];
		k[i].idx = i;
	}
	qsort(k, rs->n_rules, sizeof(*k), rule_cmp);
	out = fwc_arena_alloc(a, rs->n_rules * sizeof(*out));
	for (size_t i = 0; i < rs->n_rules; i++)
		out[i] = *k[i].r;
	free(k);
	rs->rules = out;
}

int
fwc_opt(struct fwc_arena *a, struct fwc_diag *dg, struct fwc_program *prog)
{
	(void)dg;
	for (size_t i = 0; i < prog->n_eps; i++)
		opt_ruleset(a, prog->eps[i]);
	return 0;
}

int
fwc_compile_file(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *path,
    struct fwc_program **out)
{
	struct fwc_policy *p = NULL;

	*out = NULL;
	if (fwc_parse_file(a, dg, opt, path, &p) < 0 ||
	    fwc_sema(a, dg, opt, p) < 0 || fwc_place(a, dg, p, out) < 0 ||
	    fwc_opt(a, dg, *out) < 0)
		return -1;
	return 0;
}

int
fwc_compile_buffer(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *name, const char *buf,
    size_t len, struct fwc_program **out)
{
	struct fwc_policy *p = NULL;

	*out = NULL;
	if (fwc_parse_buffer(a, dg, opt, name, buf, len, &p) < 0 ||
	    fwc_sema(a, dg, opt, p) < 0 || fwc_place(a, dg, p, out) < 0 ||
	    fwc_opt(a, dg, *out) < 0)
		return -1;
	return 0;
}
