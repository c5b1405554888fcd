/* Constant-time chains for the nft model: when a base chain holds many
 * rules of one family, they move into a dispatch tree (nft_tree.h). The
 * base chain keeps its stateful rules and gets one jump per family to the
 * tree's root; each lookup node becomes a chain with one verdict-map rule
 * (`iifname vmap @m`, `ip saddr vmap @m`, ...) and each leaf a chain with
 * the rules whole, as the flat layout writes them. A new connection then
 * meets at most about a dozen rules whatever the policy size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"
#include "nft_model.h"
#include "nft_tree.h"

static enum fwc_nft_layout layout = FWC_NFT_LAYOUT_AUTO;

int
fwc_nft_layout_parse(const char *s)
{
	if (strcmp(s, "auto") == 0)
		layout = FWC_NFT_LAYOUT_AUTO;
	else if (strcmp(s, "tree") == 0)
		layout = FWC_NFT_LAYOUT_TREE;
	else if (strcmp(s, "flat") == 0)
		layout = FWC_NFT_LAYOUT_FLAT;
	else
		return -1;
	return 0;
}

struct dctx {
	struct fwc_nft_table *t;
	const struct fwc_nft_chain *base;
	enum fwc_family family;
	const struct fwc_dt *tree;
	/* The keys of the rules of the family, in order, and the model
	 * rule of each. */
	const struct fwc_dt_key *keys;
	const struct fwc_nft_rule **of_key;
	const char **chain_of; /* chain name per node id */
};

static struct fwc_nft_chain *
add_chain(struct fwc_nft_table *t, const char *name)
{
	struct fwc_nft_chain *c;

	if (t->n_dchains == t->cap_dchains) {
		t->cap_dchains = t->cap_dchains ? 2 * t->cap_dchains : 16;
		t->dchains = fwc_xrealloc(
		    t->dchains, t->cap_dchains * sizeof(*t->dchains));
	}
	c = &t->dchains[t->n_dchains++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->regular = true;
	return c;
}

static struct fwc_nft_set *
add_map(struct fwc_nft_table *t, const char *name, enum fwc_nft_key key)
{
	struct fwc_nft_set *s = fwc_arena_alloc(t->a, sizeof(*s));

	s->name = name;
	s->key = key;
	s->vmap = true;
	s->interval = key != FWC_NFT_KEY_IFNAME;
	if (t->n_sets == t->cap_sets) {
		t->cap_sets = t->cap_sets ? t->cap_sets * 2 : 16;
		t->sets = fwc_xrealloc(t->sets, t->cap_sets * sizeof(*t->sets));
	}
	t->sets[t->n_sets++] = s;
	s->id = (uint32_t)t->n_sets;
	return s;
}

static int
vel_cmp(const void *pa, const void *pb)
{
	const struct fwc_nft_vmap_el *a = pa;
	const struct fwc_nft_vmap_el *b = pb;

	if (a->iv.lo.hi != b->iv.lo.hi)
		return a->iv.lo.hi < b->iv.lo.hi ? -1 : 1;
	if (a->iv.lo.lo != b->iv.lo.lo)
		return a->iv.lo.lo < b->iv.lo.lo ? -1 : 1;
	return 0;
}

/* Chain names first (a node's map names its children), then contents. */
static void
name_nodes(struct dctx *d)
{
	const char *fam = d->family == FWC_FAM_IP4 ? "v4" : "v6";

	for (size_t i = 0; i < d->tree->n_nodes; i++) {
		char name[64];

		snprintf(
		    name, sizeof(name), "%s_%s_%zu", d->base->name, fam, i);
		d->chain_of[i] = fwc_emit_names_add(&d->t->names, name, "");
	}
}

static void
fill_node(struct dctx *d, const struct fwc_dt_node *nd)
{
	struct fwc_nft_table *t = d->t;
	struct fwc_nft_chain *c = add_chain(t, d->chain_of[nd->id]);
	struct fwc_nft_set *m;
	struct fwc_nft_rule *r;
	struct fwc_nft_prim *p;
	enum fwc_nft_key key;
	enum fwc_nft_prim_kind kind;
	size_t n_el = 0;

	if (nd->kind == FWC_DT_LEAF) {
		/* The rules whole, sharing the flat rules' primitives. */
		fwc_nft_chain_reserve(t, c, nd->n_rules);
		for (size_t i = 0; i < nd->n_rules; i++)
			*fwc_nft_chain_add(t, c) =
			    *d->of_key[nd->rules[i] - d->keys];
		return;
	}
	switch (nd->kind) {
	case FWC_DT_IIF:
		key = FWC_NFT_KEY_IFNAME;
		kind = FWC_NFT_P_IIFNAME_VMAP;
		break;
	case FWC_DT_OIF:
		key = FWC_NFT_KEY_IFNAME;
		kind = FWC_NFT_P_OIFNAME_VMAP;
		break;
	case FWC_DT_SRC:
	case FWC_DT_DST:
		key = d->family == FWC_FAM_IP4 ? FWC_NFT_KEY_IPV4
					       : FWC_NFT_KEY_IPV6;
		kind = nd->kind == FWC_DT_SRC ? FWC_NFT_P_SADDR_VMAP
					      : FWC_NFT_P_DADDR_VMAP;
		break;
	case FWC_DT_LEAF:
	default:
		FWC_BUG("bad node kind");
	}
	m = add_map(t, fwc_emit_names_add(&t->names, c->name, "_map"), key);
	for (size_t b = 0; b < nd->n_br; b++)
		n_el += key == FWC_NFT_KEY_IFNAME ? 1 : nd->br[b].n;
	m->vel = fwc_xcalloc(n_el ? n_el : 1, sizeof(*m->vel));
	for (size_t b = 0; b < nd->n_br; b++) {
		const struct fwc_dt_branch *br = &nd->br[b];
		const char *to = d->chain_of[br->child->id];

		if (key == FWC_NFT_KEY_IFNAME) {
			m->vel[m->n_vel].ifname = br->ifname;
			m->vel[m->n_vel++].chain = to;
			continue;
		}
		for (size_t k = 0; k < br->n; k++) {
			m->vel[m->n_vel].iv = br->v[k];
			m->vel[m->n_vel++].chain = to;
		}
	}
	/* Address maps list their intervals in address order. */
	if (key != FWC_NFT_KEY_IFNAME)
		qsort(m->vel, m->n_vel, sizeof(*m->vel), vel_cmp);
	fwc_nft_chain_reserve(t, c, nd->other != NULL ? 2 : 1);
	r = fwc_nft_chain_add(t, c);
	p = fwc_nft_rule_add(t, r, kind);
	p->family = (uint8_t)d->family;
	p->set = m;
	if (nd->other != NULL) {
		r = fwc_nft_chain_add(t, c);
		fwc_nft_rule_add(t, r, FWC_NFT_P_JUMP)->str =
		    d->chain_of[nd->other->id];
	}
}

/* The family of r, a rule that lowers an IR rule, and its key (what
 * the tree reads), from its primitives: the IR rules may be gone
 * (fwc_nft_model_shed()). -1 for a base rule. */
static int
rule_key(const struct fwc_nft_rule *r, struct fwc_dt_key *k)
{
	int fam = -1;

	memset(k, 0, sizeof(*k));
	if (r->origin == NULL)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct fwc_nft_prim *p = &r->p[i];

		switch (p->kind) {
		case FWC_NFT_P_IIFNAME:
			k->iif = p->str;
			break;
		case FWC_NFT_P_OIFNAME:
			k->oif = p->str;
			break;
		case FWC_NFT_P_SADDR:
			k->src = p->set->ir;
			fam = p->family;
			break;
		case FWC_NFT_P_DADDR:
			k->dst = p->set->ir;
			fam = p->family;
			break;
		case FWC_NFT_P_NFPROTO:
			fam = p->family;
			break;
		default:
			break;
		}
	}
	if (fam < 0)
		FWC_BUG("a policy rule of no family");
	return fam;
}

/* Moves the rules of family f of chain c into a tree when there are more
 * than threshold of them; returns true when it did. */
static bool
dispatch_family(struct fwc_nft_table *t, struct fwc_arena *a,
    struct fwc_nft_chain *c, enum fwc_family f, size_t threshold)
{
	size_t cap = c->n_rules ? c->n_rules : 1;
	struct fwc_dt_key *keys = fwc_xmalloc(cap * sizeof(*keys));
	const struct fwc_dt_key **kp = fwc_xmalloc(cap * sizeof(*kp));
	const struct fwc_nft_rule **of_key = fwc_xmalloc(cap * sizeof(*of_key));
	size_t n = 0;
	struct fwc_dt tree;
	struct dctx d;
	struct fwc_nft_rule *jump;
	struct fwc_nft_rule *keep;
	size_t n_keep = 0;
	bool placed = false;

	for (size_t i = 0; i < c->n_rules; i++) {
		if (rule_key(&c->rules[i], &keys[n]) != (int)f)
			continue;
		kp[n] = &keys[n];
		of_key[n++] = &c->rules[i];
	}
	if (n <= threshold) {
		free(keys);
		free(kp);
		free(of_key);
		return false;
	}
	fwc_dt_build(a, kp, n, f, FWC_NFT_LEAF_MAX, &tree);
	memset(&d, 0, sizeof(d));
	d.t = t;
	d.base = c;
	d.family = f;
	d.tree = &tree;
	d.keys = keys;
	d.of_key = of_key;
	d.chain_of = fwc_xcalloc(tree.n_nodes, sizeof(*d.chain_of));
	name_nodes(&d);
	for (size_t i = 0; i < tree.n_nodes; i++)
		fill_node(&d, tree.nodes[i]);
	/* The base chain keeps the other family's rules and its own base
	 * rules, with one jump to the root where the first moved rule
	 * stood: counted first, since the chain's flat array (10,000 rules
	 * of 32 bytes) is abandoned to the arena. */
	n_keep = 1 + c->n_rules - n;
	keep = fwc_arena_alloc(t->a, n_keep * sizeof(*keep));
	c->cap_rules = n_keep;
	n_keep = 0;
	for (size_t i = 0, k = 0; i < c->n_rules; i++) {
		struct fwc_nft_rule *r = &c->rules[i];

		if (k < n && of_key[k] == r) {
			k++;
			if (placed)
				continue;
			jump = &keep[n_keep++];
			memset(jump, 0, sizeof(*jump));
			fwc_nft_rule_add(t, jump, FWC_NFT_P_NFPROTO)->family =
			    (uint8_t)f;
			fwc_nft_rule_add(t, jump, FWC_NFT_P_JUMP)->str =
			    d.chain_of[tree.root->id];
			placed = true;
			continue;
		}
		keep[n_keep++] = *r;
	}
	c->rules = keep; /* the old array is abandoned to the arena */
	c->n_rules = n_keep;
	free(d.chain_of);
	free(keys);
	free(kp);
	free(of_key);
	return true;
}

void
fwc_nft_model_dispatch(struct fwc_nft_table *t)
{
	struct fwc_arena *a;
	size_t threshold;

	if (layout == FWC_NFT_LAYOUT_FLAT)
		return;
	threshold = layout == FWC_NFT_LAYOUT_TREE ? FWC_NFT_LEAF_MAX
						  : FWC_NFT_AUTO_THRESHOLD;
	a = fwc_arena_new();
	for (size_t i = 0; i < t->n_chains; i++)
		for (int f = 0; f < FWC_FAM_NR; f++)
			dispatch_family(
			    t, a, &t->chains[i], (enum fwc_family)f, threshold);
	fwc_arena_release(a);
}
