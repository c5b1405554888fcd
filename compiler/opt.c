/* Fifth stage of the pipeline: canonical form of every ruleset. Sets are
 * sorted by name and family and numbered; rules are ordered by chain, then
 * deny, then reject, then accept (the order-free semantics made explicit),
 * then by their order of creation, which follows the policy. The result is
 * byte-for-byte reproducible. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/ir.h"
#include "fwc/names.h"
#include "fwc/phase.h"
#include "fwc/pipeline.h"

/* Where each rule goes: order[i] is the index before sorting of the rule
 * that goes to place i. */
struct order {
	size_t idx;
	bool done; /* permute(): moved to its place */
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

/* A set with the first 8 bytes of its name, big-endian: most names
 * differ there, and comparing keys does not read the sets (each a cache
 * miss when a large policy has a hundred thousand of them). */
struct set_key {
	uint64_t prefix;
	struct fwc_ir_set *s;
};

static int
set_key_cmp(const void *x, const void *y)
{
	const struct set_key *a = x;
	const struct set_key *b = y;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return set_cmp(&a->s, &b->s);
}

/* Sorts the sets by name and family (set_cmp()). */
static void
sort_sets(struct fwc_ruleset *rs)
{
	struct set_key *k = fwc_xmalloc(rs->n_sets * sizeof(*k));

	for (size_t i = 0; i < rs->n_sets; i++) {
		const char *n = rs->sets[i]->name;
		uint64_t p = 0;

		for (int j = 0; j < 8 && n[j] != '\0'; j++)
			p |= (uint64_t)(unsigned char)n[j] << (56 - 8 * j);
		k[i].prefix = p;
		k[i].s = rs->sets[i];
	}
	qsort(k, rs->n_sets, sizeof(*k), set_key_cmp);
	for (size_t i = 0; i < rs->n_sets; i++)
		rs->sets[i] = k[i].s;
	free(k);
}

/* Denies, then rejects, then accepts: where a deny and a reject overlap
 * the packet is dropped, wherever either is written (order-free). */
static unsigned int
rank(enum fwc_action a)
{
	return a == FWC_ACT_DROP ? 0u : a == FWC_ACT_REJECT ? 1u : 2u;
}

/* The sort key: chain, then denies, rejects, accepts. */
#define N_KEYS (FWC_CHAIN_NR * 3)

static unsigned int
rule_key(const struct fwc_ir_rule *r)
{
	return (unsigned int)r->chain * 3u + rank(r->action);
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

/* A kept rule in dedupe()'s table; its hash is compared before the rule
 * itself is read. */
struct kept {
	uint64_t hash;
	const struct fwc_ir_rule *r; /* NULL = empty */
};

/* Drops rules identical to an earlier one (the first keeps its origin). */
static void
dedupe(struct fwc_ruleset *rs)
{
	size_t cap = 64;
	struct kept *tab;
	size_t k = 0;

	while (cap < 2 * rs->n_rules)
		cap *= 2;
	tab = fwc_xcalloc(cap, sizeof(*tab));
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		uint64_t h = rule_hash(r);
		size_t j = (size_t)h & (cap - 1);
		bool dup = false;

		for (; tab[j].r != NULL; j = (j + 1) & (cap - 1)) {
			if (tab[j].hash == h && rule_same(tab[j].r, r)) {
				dup = true;
				break;
			}
		}
		if (dup)
			continue;
		if (k != i)
			rs->rules[k] = *r;
		tab[j].hash = h;
		tab[j].r = &rs->rules[k];
		k++;
	}
	free(tab);
	rs->n_rules = k;
}

/* Puts the rules in the order of k (k[i].idx is the rule that goes to
 * place i) in place, cycle by cycle, with one rule of scratch: a second
 * array of every rule would double the largest part of the IR. */
static void
permute(struct fwc_ir_rule *rules, struct order *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fwc_ir_rule tmp;
		size_t j = i;

		if (k[i].idx == i || k[i].done)
			continue;
		tmp = rules[i];
		/* Follow the cycle: place j takes rule k[j].idx until the
		 * cycle closes at i. */
		while (k[j].idx != i) {
			size_t from = k[j].idx;

			rules[j] = rules[from];
			k[j].done = true;
			j = from;
		}
		rules[j] = tmp;
		k[j].done = true;
	}
}

/* Sorts the rules by key, keeping their order of creation within a key:
 * a counting sort, as there are only N_KEYS keys. */
static void
sort_rules(struct fwc_ruleset *rs)
{
	size_t start[N_KEYS] = { 0 };
	struct order *k = fwc_xmalloc(rs->n_rules * sizeof(*k));
	size_t sum = 0;

	for (size_t i = 0; i < rs->n_rules; i++)
		start[rule_key(&rs->rules[i])]++;
	for (unsigned int key = 0; key < N_KEYS; key++) {
		size_t n = start[key];

		start[key] = sum;
		sum += n;
	}
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct order *o = &k[start[rule_key(&rs->rules[i])]++];

		o->idx = i;
		o->done = false;
	}
	permute(rs->rules, k, rs->n_rules);
	free(k);
}

static void
opt_ruleset(struct fwc_ruleset *rs)
{
	if (rs->n_sets > 1)
		sort_sets(rs);
	for (size_t i = 0; i < rs->n_sets; i++)
		rs->sets[i]->id = (unsigned int)i;
	if (rs->n_rules < 2)
		return;
	dedupe(rs);
	sort_rules(rs);
}

int
fwc_opt(struct fwc_arena *a, struct fwc_diag *dg, struct fwc_program *prog)
{
	(void)a;
	(void)dg;
	for (size_t i = 0; i < prog->n_eps; i++)
		opt_ruleset(prog->eps[i]);
	return 0;
}

/* The stages after parsing, each timed under FWC_PHASES=1. */
static int
compile_policy(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, struct fwc_policy *p,
    struct fwc_program **out)
{
	if (fwc_sema(a, dg, opt, p) < 0)
		return -1;
	/* Nothing after name resolution reads the items as written. */
	fwc_policy_drop_items(p);
	fwc_phase_mark("sema", a);
	if (fwc_place(a, dg, p, out) < 0)
		return -1;
	fwc_phase_mark("place", a);
	if (fwc_opt(a, dg, *out) < 0)
		return -1;
	fwc_phase_mark("opt", a);
	return 0;
}

int
fwc_compile_file(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *path, struct fwc_program **out)
{
	struct fwc_policy *p = NULL;

	*out = NULL;
	fwc_phase_start();
	if (fwc_parse_file(a, dg, opt, path, &p) < 0)
		return -1;
	fwc_phase_mark("parse", a);
	if (compile_policy(a, dg, opt, p, out) < 0)
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
	fwc_phase_start();
	if (fwc_parse_buffer(a, dg, opt, name, buf, len, &p) < 0)
		return -1;
	fwc_phase_mark("parse", a);
	if (compile_policy(a, dg, opt, p, out) < 0)
		return -1;
	(*out)->source = p;
	return 0;
}
