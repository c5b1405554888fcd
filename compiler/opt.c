/* Fifth stage of the pipeline: canonical form of every ruleset. Sets are
 * sorted by name and family and numbered; rules are ordered by chain, then
 * deny and reject before accept (the order-free semantics made explicit),
 * then by their order of creation, which follows the policy. The result is
 * byte-for-byte reproducible. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/ir.h"
#include "fwc/names.h"
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

static uint64_t
rule_hash(const struct fwc_ir_rule *r)
{
	uint64_t h = 14695981039346656037ull;
	uintptr_t p[4] = { (uintptr_t)r->src, (uintptr_t)r->dst, 0, 0 };
	int v[6] = { r->action, r->chain, r->family, r->proto, r->has_types,
		r->log };

	h = fwc_hash_bytes(h, v, sizeof(v));
	h = fwc_hash_bytes(h, p, sizeof(p));
	if (r->iif)
		h = fwc_hash_bytes(h, r->iif, strlen(r->iif));
	if (r->oif)
		h = fwc_hash_bytes(h, r->oif, strlen(r->oif) + 1);
	if (r->dport.n)
		h = fwc_hash_bytes(
		    h, r->dport.v, r->dport.n * sizeof(*r->dport.v));
	if (r->sport.n)
		h = fwc_hash_bytes(
		    h, r->sport.v, r->sport.n * sizeof(*r->sport.v));
	return fwc_hash_bytes(h, r->types, sizeof(r->types));
}

static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Same match and verdict (the origin may differ). */
static bool
rule_same(const struct fwc_ir_rule *a, const struct fwc_ir_rule *b)
{
	return a->action == b->action && a->chain == b->chain &&
	       a->family == b->family && str_eq(a->iif, b->iif) &&
	       str_eq(a->oif, b->oif) && a->src == b->src && a->dst == b->dst &&
	       a->proto == b->proto &&
	       fwc_portset_equal(&a->dport, &b->dport) &&
	       fwc_portset_equal(&a->sport, &b->sport) &&
	       a->has_types == b->has_types && a->log == b->log &&
	       memcmp(a->types, b->types, sizeof(a->types)) == 0;
}

/* Drops rules identical to an earlier one (the first keeps its origin). */
static void
dedupe(struct fwc_ruleset *rs)
{
	size_t cap = 64;
	const struct fwc_ir_rule **tab;
	size_t k = 0;

	while (cap < 2 * rs->n_rules)
		cap *= 2;
	tab = fwc_xcalloc(cap, sizeof(*tab));
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		size_t j = (size_t)rule_hash(r) & (cap - 1);
		bool dup = false;

		for (; tab[j] != NULL; j = (j + 1) & (cap - 1)) {
			if (rule_same(tab[j], r)) {
				dup = true;
				break;
			}
		}
		if (dup)
			continue;
		rs->rules[k] = *r;
		tab[j] = &rs->rules[k];
		k++;
	}
	free(tab);
	rs->n_rules = k;
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
	dedupe(rs);
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
    const struct fwc_options *opt, const char *path, struct fwc_program **out)
{
	struct fwc_policy *p = NULL;

	*out = NULL;
	if (fwc_parse_file(a, dg, opt, path, &p) < 0 ||
	    fwc_sema(a, dg, opt, p) < 0 || fwc_place(a, dg, p, out) < 0 ||
	    fwc_opt(a, dg, *out) < 0)
		return -1;
	(*out)->source = p;
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
	(*out)->source = p;
	return 0;
}
