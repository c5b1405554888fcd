/* Dispatch trees (see nft_tree.h): interfaces first, then the atoms of the
 * source sets, then the atoms of the destination sets; identical leaves
 * are shared. */
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/atoms.h"
#include "fwc/util.h"
#include "nft_tree.h"

enum level { LV_IIF, LV_OIF, LV_SRC, LV_DST, LV_LEAF };

struct leaf_slot {
	uint64_t hash;
	struct fwc_dt_node *node;
};

struct ctx {
	struct fwc_arena *a;
	enum fwc_family family;
	size_t leaf_max;
	struct fwc_dt_node **nodes;
	size_t n_nodes;
	size_t cap_nodes;
	struct leaf_slot *leaves; /* heap, open addressing */
	size_t cap_leaves;
	size_t n_leaves;
};

static struct fwc_dt_node *
new_node(struct ctx *c, enum fwc_dt_kind kind)
{
	struct fwc_dt_node *nd = fwc_arena_alloc(c->a, sizeof(*nd));

	nd->kind = kind;
	nd->id = (unsigned int)c->n_nodes;
	FWC_VEC_PUSH(c->a, c->nodes, c->n_nodes, c->cap_nodes, nd);
	return nd;
}

static uint64_t
hash_rules(const struct fwc_dt_key *const *r, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint64_t)(uintptr_t)r[i];
		h *= 1099511628211ull;
	}
	return h ^ n;
}

static struct fwc_dt_node *
leaf(struct ctx *c, const struct fwc_dt_key *const *r, size_t n)
{
	uint64_t h = hash_rules(r, n);
	size_t p;
	struct fwc_dt_node *nd;

	if (2 * (c->n_leaves + 1) > c->cap_leaves) {
		struct leaf_slot *old = c->leaves;
		size_t oc = c->cap_leaves;

		c->cap_leaves = oc ? 2 * oc : 64;
		c->leaves = fwc_xcalloc(c->cap_leaves, sizeof(*c->leaves));
		for (size_t i = 0; i < oc; i++) {
			if (old[i].node == NULL)
				continue;
			p = (size_t)old[i].hash & (c->cap_leaves - 1);
			while (c->leaves[p].node != NULL)
				p = (p + 1) & (c->cap_leaves - 1);
			c->leaves[p] = old[i];
		}
		free(old);
	}
	p = (size_t)h & (c->cap_leaves - 1);
	for (; c->leaves[p].node != NULL; p = (p + 1) & (c->cap_leaves - 1)) {
		nd = c->leaves[p].node;
		if (c->leaves[p].hash == h && nd->n_rules == n &&
		    memcmp(nd->rules, r, n * sizeof(*r)) == 0)
			return nd;
	}
	nd = new_node(c, FWC_DT_LEAF);
	nd->rules = fwc_arena_alloc(c->a, (n ? n : 1) * sizeof(*r));
	memcpy(nd->rules, r, n * sizeof(*r));
	nd->n_rules = n;
	c->leaves[p].hash = h;
	c->leaves[p].node = nd;
	c->n_leaves++;
	return nd;
}

static struct fwc_dt_node *build(
    struct ctx *c, const struct fwc_dt_key *const *r, size_t n, int lv);

static const char *
rule_if(const struct fwc_dt_key *r, int lv)
{
	return lv == LV_IIF ? r->iif : r->oif;
}

static int
str_cmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static struct fwc_dt_node *
by_interface(struct ctx *c, const struct fwc_dt_key *const *r, size_t n, int lv)
{
	const char **names = fwc_xmalloc(n * sizeof(*names));
	size_t *which = fwc_xmalloc(n * sizeof(*which)); /* n_names: any */
	size_t n_names = 0;
	size_t n_any = 0;
	const struct fwc_dt_key **sub;
	struct fwc_dt_node *nd;
	size_t k;

	for (size_t i = 0; i < n; i++) {
		if (rule_if(r[i], lv) != NULL)
			names[n_names++] = rule_if(r[i], lv);
		else
			n_any++;
	}
	qsort(names, n_names, sizeof(*names), str_cmp);
	k = 0;
	for (size_t i = 0; i < n_names; i++)
		if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
			names[k++] = names[i];
	n_names = k;
	if (n_names == 0 || (n_names == 1 && n_any == 0)) {
		free(which);
		free(names);
		return build(c, r, n, lv + 1);
	}
	/* Each rule's branch, found once: comparing numbers below instead
	 * of names keeps a branch's pass over the rules cheap. */
	for (size_t i = 0; i < n; i++) {
		const char *f = rule_if(r[i], lv);
		const char **hit;

		which[i] = n_names;
		if (f == NULL)
			continue;
		hit = bsearch(&f, names, n_names, sizeof(*names), str_cmp);
		if (hit == NULL)
			FWC_BUG("interface name lost");
		which[i] = (size_t)(hit - names);
	}
	nd = new_node(c, lv == LV_IIF ? FWC_DT_IIF : FWC_DT_OIF);
	nd->br = fwc_arena_alloc(c->a, n_names * sizeof(*nd->br));
	nd->n_br = n_names;
	sub = fwc_xmalloc(n * sizeof(*sub));
	for (size_t b = 0; b < n_names; b++) {
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (which[i] == b || which[i] == n_names)
				sub[m++] = r[i];
		nd->br[b].ifname = names[b];
		nd->br[b].child = build(c, sub, m, lv + 1);
	}
	if (n_any > 0) {
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (which[i] == n_names)
				sub[m++] = r[i];
		nd->other = build(c, sub, m, lv + 1);
	}
	free(sub);
	free(which);
	free(names);
	return nd;
}

static struct fwc_dt_node *
by_address(struct ctx *c, const struct fwc_dt_key *const *r, size_t n, int lv)
{
	struct fwc_atom_input *in = fwc_xcalloc(n, sizeof(*in));
	struct fwc_u128 max = { 0, 0xffffffffull };
	struct fwc_atom *at;
	size_t n_at;
	struct fwc_dt_node *nd;
	const struct fwc_dt_key **sub;
	struct fwc_arena *scratch;

	if (c->family == FWC_FAM_IP6)
		max.hi = max.lo = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct fwc_ir_set *s =
		    lv == LV_SRC ? r[i]->src : r[i]->dst;

		/* A set that DNS names fill later: any address, here. */
		if (s == NULL || s->n_fqdns > 0)
			in[i].full = 1;
		else {
			in[i].v = s->v;
			in[i].n = s->n;
		}
	}
	/* The atoms live only as long as this node is built: only their
	 * intervals stay, as the branches' keys, copied at their size. */
	scratch = fwc_arena_new();
	fwc_atoms_build(scratch, in, n, max, &at, &n_at);
	free(in);
	if (n_at == 1 && at[0].n_members == n) {
		fwc_arena_release(scratch);
		return build(c, r, n, lv + 1); /* divides nothing */
	}
	nd = new_node(c, lv == LV_SRC ? FWC_DT_SRC : FWC_DT_DST);
	nd->br = fwc_arena_alloc(c->a, (n_at ? n_at : 1) * sizeof(*nd->br));
	nd->n_br = n_at;
	sub = fwc_xmalloc(n * sizeof(*sub));
	for (size_t k = 0; k < n_at; k++) {
		struct fwc_ivl *v = fwc_arena_alloc(c->a, at[k].n * sizeof(*v));

		memcpy(v, at[k].v, at[k].n * sizeof(*v));
		for (size_t m = 0; m < at[k].n_members; m++)
			sub[m] = r[at[k].members[m]];
		nd->br[k].v = v;
		nd->br[k].n = at[k].n;
		nd->br[k].child = build(c, sub, at[k].n_members, lv + 1);
	}
	free(sub);
	fwc_arena_release(scratch);
	return nd;
}

static struct fwc_dt_node *
build(struct ctx *c, const struct fwc_dt_key *const *r, size_t n, int lv)
{
	if (n == 0)
		return NULL;
	if (n <= c->leaf_max || lv == LV_LEAF)
		return leaf(c, r, n);
	if (lv == LV_IIF || lv == LV_OIF)
		return by_interface(c, r, n, lv);
	return by_address(c, r, n, lv);
}

void
fwc_dt_build(struct fwc_arena *a, const struct fwc_dt_key *const *rules,
    size_t n, enum fwc_family family, size_t leaf_max, struct fwc_dt *out)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.family = family;
	c.leaf_max = leaf_max ? leaf_max : 1;
	out->root = build(&c, rules, n, LV_IIF);
	out->nodes = c.nodes;
	out->n_nodes = c.n_nodes;
	free(c.leaves);
}

const struct fwc_dt_node *
fwc_dt_walk(const struct fwc_dt *t, const char *iif, const char *oif,
    struct fwc_u128 src, struct fwc_u128 dst)
{
	const struct fwc_dt_node *nd = t->root;

	while (nd != NULL && nd->kind != FWC_DT_LEAF) {
		const struct fwc_dt_node *next = nd->other;

		for (size_t b = 0; b < nd->n_br; b++) {
			const struct fwc_dt_branch *br = &nd->br[b];
			bool hit = false;

			if (nd->kind == FWC_DT_IIF || nd->kind == FWC_DT_OIF) {
				const char *f =
				    nd->kind == FWC_DT_IIF ? iif : oif;

				hit = f != NULL && strcmp(f, br->ifname) == 0;
			} else {
				struct fwc_u128 x =
				    nd->kind == FWC_DT_SRC ? src : dst;

				for (size_t k = 0; k < br->n && !hit; k++)
					hit =
					    fwc_u128_cmp(br->v[k].lo, x) <= 0 &&
					    fwc_u128_cmp(x, br->v[k].hi) <= 0;
			}
			if (hit) {
				next = br->child;
				break;
			}
		}
		nd = next;
	}
	return nd;
}
