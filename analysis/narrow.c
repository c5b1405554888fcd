/* Narrowing (analysis/narrow.h). In a ruleset whose drop and reject rules
 * all come before its accept rules, a packet is accepted iff some accept
 * rule matches it and no other rule does: its fate depends only on the
 * set of rules matching it (and, between drop and reject, on the order
 * of the deny rules among them, which must then be the same on both
 * sides). Rules are compared by content (action and
 * every match, sets by their addresses, not their names), so when OLD and
 * NEW hold the same multiset of rules apart from a few, only packets
 * matched by one of those few can change fate. That region is built from
 * the differing rules alone, and only the rules whose boxes intersect
 * the box of a differing rule (found through an index of the differing
 * rules by destination interval) take part in building the verdict
 * sets. */
#include "narrow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/util.h"

struct key {
	uint64_t a, b;
	size_t idx;
};

static void
mix(struct key *k, uint64_t v)
{
	k->a = (k->a ^ v) * 0x100000001b3ull;
	k->a ^= k->a >> 29;
	k->b = (k->b + v) * 0x9e3779b97f4a7c15ull;
	k->b ^= k->b >> 31;
}

static void
mix_str(struct key *k, const char *s)
{
	if (s == NULL) {
		mix(k, 0x5a5a);
		return;
	}
	mix(k, 0xa5a5);
	for (; *s; s++)
		mix(k, (unsigned char)*s);
}

static void
mix_set(struct key *k, const struct fwc_ir_set *s)
{
	if (s == NULL) {
		mix(k, 0x77);
		return;
	}
	mix(k, (uint64_t)s->family + 1000);
	mix(k, s->n);
	for (size_t i = 0; i < s->n; i++) {
		mix(k, s->v[i].lo.hi);
		mix(k, s->v[i].lo.lo);
		mix(k, s->v[i].hi.hi);
		mix(k, s->v[i].hi.lo);
	}
}

static void
mix_ports(struct key *k, const struct fwc_portset *p)
{
	mix(k, p->n + 2000);
	for (size_t i = 0; i < p->n; i++)
		mix(k, ((uint64_t)p->v[i].lo << 16) | p->v[i].hi);
}

static struct key
rule_key(const struct fwc_ir_rule *r, size_t idx)
{
	struct key k = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull, idx };

	mix(&k, (uint64_t)r->action);
	mix(&k, (uint64_t)r->family);
	mix_str(&k, r->iif);
	mix_str(&k, r->oif);
	mix_set(&k, r->src);
	mix_set(&k, r->dst);
	mix(&k, (uint64_t)(r->proto + 1));
	mix_ports(&k, &r->dport);
	mix_ports(&k, &r->sport);
	mix(&k, r->has_types);
	if (r->has_types)
		for (int i = 0; i < 32; i++)
			mix(&k, r->types[i]);
	return k;
}

static int
cmp_key(const void *x, const void *y)
{
	const struct key *a = x;
	const struct key *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return 0;
}

static bool
deny_first(const struct fwc_ruleset *rs, enum fwc_chain c)
{
	bool seen_accept = false;

	for (size_t i = 0; i < rs->n_rules; i++) {
		if (rs->rules[i].chain != c)
			continue;
		if (rs->rules[i].action == FWC_ACT_ACCEPT)
			seen_accept = true;
		else if (seen_accept)
			return false;
	}
	return true;
}

static bool
sets_meet(const struct fwc_ir_set *a, const struct fwc_ir_set *b)
{
	size_t i = 0;
	size_t j = 0;

	if (a == NULL || b == NULL)
		return true;
	if (a->family != b->family)
		return false;
	while (i < a->n && j < b->n) {
		if (fwc_u128_cmp(a->v[i].hi, b->v[j].lo) < 0)
			i++;
		else if (fwc_u128_cmp(b->v[j].hi, a->v[i].lo) < 0)
			j++;
		else
			return true;
	}
	return false;
}

static bool
ports_meet(const struct fwc_portset *a, const struct fwc_portset *b)
{
	if (a->n == 0 || b->n == 0)
		return true;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (a->v[i].lo <= b->v[j].hi &&
			    b->v[j].lo <= a->v[i].hi)
				return true;
	return false;
}

static bool
ifs_meet(const char *a, const char *b)
{
	return a == NULL || b == NULL || strcmp(a, b) == 0;
}

/* True when some packet matches both rules (their boxes intersect). */
static bool
rules_meet(const struct fwc_ir_rule *a, const struct fwc_ir_rule *b)
{
	if (a->family != b->family || a->chain != b->chain ||
	    !ifs_meet(a->iif, b->iif) || !ifs_meet(a->oif, b->oif))
		return false;
	if (a->proto != FWC_PROTO_ANY && b->proto != FWC_PROTO_ANY &&
	    a->proto != b->proto)
		return false;
	if (!ports_meet(&a->dport, &b->dport) ||
	    !ports_meet(&a->sport, &b->sport))
		return false;
	if (a->has_types && b->has_types) {
		bool any = false;

		for (int i = 0; i < 32; i++)
			any |= (a->types[i] & b->types[i]) != 0;
		if (!any)
			return false;
	}
	return sets_meet(a->dst, b->dst) && sets_meet(a->src, b->src);
}

/* The changed rules, indexed by the destination intervals they match
 * (rules without a destination set are kept apart and tried always). */
struct dst_entry {
	struct fwc_ivl iv;
	enum fwc_family fam;
	const struct fwc_ir_rule *r;
	size_t id; /* the caller's number for r */
};

struct changed {
	struct dst_entry *v; /* sorted by fam, then iv.lo */
	size_t n;
	size_t cap;
	const struct fwc_ir_rule **wild; /* dst == NULL */
	size_t *wild_id;
	size_t n_wild;
	size_t cap_wild;
	struct fwc_u128 *maxhi; /* running maximum of iv.hi over v[0..i] */
};

static void
changed_add(struct changed *c, const struct fwc_ir_rule *r, size_t id)
{
	if (r->dst == NULL) {
		if (c->n_wild == c->cap_wild) {
			c->cap_wild = c->cap_wild ? 2 * c->cap_wild : 16;
			c->wild = fwc_xrealloc(
			    c->wild, c->cap_wild * sizeof(*c->wild));
			c->wild_id = fwc_xrealloc(
			    c->wild_id, c->cap_wild * sizeof(*c->wild_id));
		}
		c->wild_id[c->n_wild] = id;
		c->wild[c->n_wild++] = r;
		return;
	}
	for (size_t i = 0; i < r->dst->n; i++) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->v = fwc_xrealloc(c->v, c->cap * sizeof(*c->v));
		}
		c->v[c->n].iv = r->dst->v[i];
		c->v[c->n].fam = r->dst->family;
		c->v[c->n].r = r;
		c->v[c->n].id = id;
		c->n++;
	}
}

static int
cmp_entry(const void *x, const void *y)
{
	const struct dst_entry *a = x;
	const struct dst_entry *b = y;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	return fwc_u128_cmp(a->iv.lo, b->iv.lo);
}

static void
changed_finish(struct changed *c)
{
	if (c->n > 0)
		qsort(c->v, c->n, sizeof(*c->v), cmp_entry);
	c->maxhi = fwc_xmalloc((c->n + 1) * sizeof(*c->maxhi));
	for (size_t i = 0; i < c->n; i++) {
		c->maxhi[i] = c->v[i].iv.hi;
		if (i > 0 && c->v[i].fam == c->v[i - 1].fam &&
		    fwc_u128_cmp(c->maxhi[i - 1], c->maxhi[i]) > 0)
			c->maxhi[i] = c->maxhi[i - 1];
	}
}

/* Calls fn for every indexed rule that meets r (possibly more than once),
 * until fn returns true; returns whether it did. */
static bool
changed_walk(const struct changed *c, const struct fwc_ir_rule *r,
    bool (*fn)(void *ctx, const struct fwc_ir_rule *hit, size_t id), void *ctx)
{
	for (size_t k = 0; k < c->n_wild; k++)
		if (rules_meet(r, c->wild[k]) &&
		    fn(ctx, c->wild[k], c->wild_id[k]))
			return true;
	if (r->dst == NULL) {
		for (size_t k = 0; k < c->n; k++)
			if (rules_meet(r, c->v[k].r) &&
			    fn(ctx, c->v[k].r, c->v[k].id))
				return true;
		return false;
	}
	for (size_t i = 0; i < r->dst->n; i++) {
		const struct fwc_ivl *q = &r->dst->v[i];
		size_t lo = 0;
		size_t hi = c->n;

		/* Entries of this family starting at or before q->hi... */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (c->v[mid].fam < r->dst->family ||
			    (c->v[mid].fam == r->dst->family &&
				fwc_u128_cmp(c->v[mid].iv.lo, q->hi) <= 0))
				lo = mid + 1;
			else
				hi = mid;
		}
		/* ...walked back while some of them may still reach q->lo. */
		for (size_t k = lo; k-- > 0;) {
			if (c->v[k].fam != r->dst->family ||
			    fwc_u128_cmp(c->maxhi[k], q->lo) < 0)
				break;
			if (fwc_u128_cmp(c->v[k].iv.hi, q->lo) >= 0 &&
			    rules_meet(r, c->v[k].r) &&
			    fn(ctx, c->v[k].r, c->v[k].id))
				return true;
		}
	}
	return false;
}

static bool
stop_at_first(void *ctx, const struct fwc_ir_rule *hit, size_t id)
{
	(void)ctx;
	(void)hit;
	(void)id;
	return true;
}

/* True when rule r can match a packet that some changed rule matches. */
static bool
changed_meets(const struct changed *c, const struct fwc_ir_rule *r)
{
	return changed_walk(c, r, stop_at_first, NULL);
}

static void
changed_release(struct changed *c)
{
	free(c->v);
	free(c->wild);
	free(c->wild_id);
	free(c->maxhi);
}

/* The same index, for other users (lint): every indexed rule that meets
 * r, possibly more than once. */
struct each_ctx {
	void (*fn)(void *ctx, const struct fwc_ir_rule *hit);
	void *ctx;
};

static bool
each_hit(void *ctx, const struct fwc_ir_rule *hit, size_t id)
{
	(void)id;
	const struct each_ctx *e = ctx;

	e->fn(e->ctx, hit);
	return false;
}

static void
changed_each(const struct changed *c, const struct fwc_ir_rule *r,
    void (*fn)(void *ctx, const struct fwc_ir_rule *hit), void *ctx)
{
	struct each_ctx e = { fn, ctx };

	changed_walk(c, r, each_hit, &e);
}

struct fwc_rule_index {
	struct changed c;
};

struct fwc_rule_index *
fwc_rule_index_new(void)
{
	return fwc_xcalloc(1, sizeof(struct fwc_rule_index));
}

void
fwc_rule_index_add(struct fwc_rule_index *ix, const struct fwc_ir_rule *r)
{
	changed_add(&ix->c, r, 0);
}

void
fwc_rule_index_finish(struct fwc_rule_index *ix)
{
	changed_finish(&ix->c);
}

void
fwc_rule_index_each(const struct fwc_rule_index *ix,
    const struct fwc_ir_rule *r,
    void (*fn)(void *ctx, const struct fwc_ir_rule *hit), void *ctx)
{
	changed_each(&ix->c, r, fn, ctx);
}

void
fwc_rule_index_free(struct fwc_rule_index *ix)
{
	if (ix == NULL)
		return;
	changed_release(&ix->c);
	free(ix);
}

static void
use_all(const struct fwc_ruleset *rs, enum fwc_chain c, bool *use)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		use[i] = rs->rules[i].chain == c;
}

static void
add_changed(const struct fwc_space *sp, const struct fwc_ir_rule *r,
    int *within, struct changed *ch)
{
	int b = fwc_space_rule(sp, r);
	int x = fwc_space_or(*within, b);

	fwc_space_put(b);
	fwc_space_put(*within);
	*within = x;
	changed_add(ch, r, 0);
}

static void
mark_use(const struct fwc_ruleset *rs, enum fwc_chain c,
    const struct changed *ch, bool *use)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		use[i] =
		    rs->rules[i].chain == c && changed_meets(ch, &rs->rules[i]);
}

/* Drop and reject rules decide in stored order: a packet matched by a
 * drop and a reject rule gets the verdict of the earlier one. So the
 * rules common to both sides (common_o, common_n by rule index) must
 * keep their order among the denies, else packets far from any changed
 * rule can turn from dropped to rejected. Compiled rulesets put every
 * drop before every reject (compiler/opt.c), where this check only ever
 * costs the narrowing, never changes a result; it stays because
 * narrowing takes any deny-first ruleset, and the space engine is
 * first-match (tests/unit/test_diff_fate.c swaps a drop and a reject). */
static bool
same_deny_order(const struct fwc_ruleset *o, const struct fwc_ruleset *n,
    enum fwc_chain c, const bool *common_o, const bool *common_n)
{
	size_t i = 0;
	size_t j = 0;

	for (;;) {
		struct key a;
		struct key b;

		while (
		    i < o->n_rules && (o->rules[i].chain != c || !common_o[i] ||
					  o->rules[i].action == FWC_ACT_ACCEPT))
			i++;
		while (
		    j < n->n_rules && (n->rules[j].chain != c || !common_n[j] ||
					  n->rules[j].action == FWC_ACT_ACCEPT))
			j++;
		if (i == o->n_rules || j == n->n_rules)
			return i == o->n_rules && j == n->n_rules;
		a = rule_key(&o->rules[i++], 0);
		b = rule_key(&n->rules[j++], 0);
		if (cmp_key(&a, &b) != 0)
			return false;
	}
}

/* Marks in changed_o / changed_n (arrays of n_rules, zeroed) the rules of
 * chain c that are not present on the other side with the same content
 * (as a multiset). Returns false when narrowing does not apply (see
 * fwc_narrow()); the marks are then meaningless. */
static bool
find_changed(const struct fwc_ruleset *o, const struct fwc_ruleset *n,
    enum fwc_chain c, bool *changed_o, bool *changed_n)
{
	struct key *tab;
	bool *used;
	size_t cap = 64;
	bool *common_o;
	bool *common_n;
	bool same;

	if (o->has_chain[c] != n->has_chain[c] ||
	    (o->has_chain[c] && o->chain_default[c] != n->chain_default[c]) ||
	    !deny_first(o, c) || !deny_first(n, c))
		return false;
	/* OLD's rules in a hash table by key (in rule order, so that equal
	 * rules pair up in order), each matched at most once by NEW's. */
	while (cap < 2 * o->n_rules + 2)
		cap *= 2;
	tab = fwc_xmalloc(cap * sizeof(*tab));
	used = fwc_xcalloc(cap, sizeof(bool));
	for (size_t h = 0; h < cap; h++)
		tab[h].idx = SIZE_MAX;
	common_o = fwc_xcalloc(o->n_rules + 1, sizeof(bool));
	common_n = fwc_xcalloc(n->n_rules + 1, sizeof(bool));
	for (size_t i = 0; i < o->n_rules; i++) {
		struct key k;
		size_t h;

		if (o->rules[i].chain != c)
			continue;
		k = rule_key(&o->rules[i], i);
		h = (size_t)k.a & (cap - 1);
		while (tab[h].idx != SIZE_MAX)
			h = (h + 1) & (cap - 1);
		tab[h] = k;
	}
	for (size_t j = 0; j < n->n_rules; j++) {
		struct key k;
		size_t h;

		if (n->rules[j].chain != c)
			continue;
		k = rule_key(&n->rules[j], j);
		h = (size_t)k.a & (cap - 1);
		while (tab[h].idx != SIZE_MAX &&
		       (used[h] || cmp_key(&tab[h], &k) != 0))
			h = (h + 1) & (cap - 1);
		if (tab[h].idx == SIZE_MAX) {
			changed_n[j] = true;
			continue;
		}
		used[h] = true;
		common_o[tab[h].idx] = true;
		common_n[j] = true;
	}
	for (size_t i = 0; i < o->n_rules; i++)
		changed_o[i] = o->rules[i].chain == c && !common_o[i];
	same = same_deny_order(o, n, c, common_o, common_n);
	free(common_o);
	free(common_n);
	free(tab);
	free(used);
	return same;
}

int
fwc_narrow(const struct fwc_space *sp, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n, enum fwc_chain c, bool *use_o, bool *use_n)
{
	int within;
	struct changed ch;
	bool *changed_o = fwc_xcalloc(o->n_rules + 1, sizeof(bool));
	bool *changed_n = fwc_xcalloc(n->n_rules + 1, sizeof(bool));

	if (!find_changed(o, n, c, changed_o, changed_n)) {
		free(changed_o);
		free(changed_n);
		use_all(o, c, use_o);
		use_all(n, c, use_n);
		return fwc_space_domain();
	}
	within = fwc_space_false();
	memset(&ch, 0, sizeof(ch));
	for (size_t i = 0; i < o->n_rules; i++)
		if (changed_o[i])
			add_changed(sp, &o->rules[i], &within, &ch);
	for (size_t i = 0; i < n->n_rules; i++)
		if (changed_n[i])
			add_changed(sp, &n->rules[i], &within, &ch);
	free(changed_o);
	free(changed_n);
	changed_finish(&ch);
	mark_use(o, c, &ch, use_o);
	mark_use(n, c, &ch, use_n);
	changed_release(&ch);
	return within;
}

/* Groups: the changed rules are numbered (OLD's first, then NEW's) and
 * joined, with a union-find, whenever one rule of the chain meets two of
 * them; each rule that meets a changed rule joins that rule's group. */
static size_t
uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

struct hits {
	size_t *parent;
	size_t first; /* SIZE_MAX until the first hit */
};

static bool
join_hit(void *ctx, const struct fwc_ir_rule *hit, size_t id)
{
	struct hits *h = ctx;
	size_t a;
	size_t b;

	(void)hit;
	if (h->first == SIZE_MAX) {
		h->first = id;
		return false;
	}
	a = uf_find(h->parent, h->first);
	b = uf_find(h->parent, id);
	if (a != b)
		h->parent[a < b ? b : a] = a < b ? a : b;
	return false;
}

/* rep[i]: a changed rule that rule i meets, or SIZE_MAX. */
static void
join_side(const struct fwc_ruleset *rs, enum fwc_chain c,
    const struct changed *ch, size_t *parent, size_t *rep)
{
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct hits h = { parent, SIZE_MAX };

		if (rs->rules[i].chain == c)
			changed_walk(ch, &rs->rules[i], join_hit, &h);
		rep[i] = h.first;
	}
}

static void
group_all(const struct fwc_ruleset *o, const struct fwc_ruleset *n,
    enum fwc_chain c, struct fwc_narrow_groups *g)
{
	struct fwc_narrow_group *gr = fwc_xcalloc(1, sizeof(*gr));

	gr->o = fwc_xmalloc((o->n_rules + 1) * sizeof(size_t));
	gr->n = fwc_xmalloc((n->n_rules + 1) * sizeof(size_t));
	for (size_t i = 0; i < o->n_rules; i++)
		if (o->rules[i].chain == c)
			gr->o[gr->n_o++] = i;
	for (size_t i = 0; i < n->n_rules; i++)
		if (n->rules[i].chain == c)
			gr->n[gr->n_n++] = i;
	g->v = gr;
	g->n = 1;
}

/* Distributes the rules with rep[i] != SIZE_MAX to the groups. */
static void
fill_groups(const struct fwc_ruleset *rs, const size_t *rep, size_t *parent,
    const size_t *gid, struct fwc_narrow_groups *g, bool old)
{
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct fwc_narrow_group *gr;

		if (rep[i] == SIZE_MAX)
			continue;
		gr = &g->v[gid[uf_find(parent, rep[i])]];
		if (old)
			gr->o[gr->n_o++] = i;
		else
			gr->n[gr->n_n++] = i;
	}
}

void
fwc_narrow_groups(const struct fwc_space *sp, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n, enum fwc_chain c, bool whole,
    struct fwc_narrow_groups *g)
{
	struct changed ch;
	size_t m = 0;
	size_t *parent;
	size_t *rep_o;
	size_t *rep_n;
	size_t *gid;
	size_t *cnt_o;
	size_t *cnt_n;

	memset(g, 0, sizeof(*g));
	g->changed_o = fwc_xcalloc(o->n_rules + 1, sizeof(bool));
	g->changed_n = fwc_xcalloc(n->n_rules + 1, sizeof(bool));
	if (whole || !find_changed(o, n, c, g->changed_o, g->changed_n)) {
		g->whole = true;
		group_all(o, n, c, g);
		return;
	}
	memset(&ch, 0, sizeof(ch));
	for (size_t i = 0; i < o->n_rules; i++)
		if (g->changed_o[i])
			changed_add(&ch, &o->rules[i], m++);
	for (size_t i = 0; i < n->n_rules; i++)
		if (g->changed_n[i])
			changed_add(&ch, &n->rules[i], m++);
	changed_finish(&ch);
	parent = fwc_xmalloc((m + 1) * sizeof(size_t));
	for (size_t k = 0; k < m; k++)
		parent[k] = k;
	rep_o = fwc_xmalloc((o->n_rules + 1) * sizeof(size_t));
	rep_n = fwc_xmalloc((n->n_rules + 1) * sizeof(size_t));
	join_side(o, c, &ch, parent, rep_o);
	join_side(n, c, &ch, parent, rep_n);
	changed_release(&ch);
	/* Past the interface table's limit, names share index 0, so rules
	 * that the index deems apart may share packets: one group. */
	if (sp->n_ifnames >= FWC_SPACE_MAX_IFACES)
		for (size_t k = 1; k < m; k++)
			parent[uf_find(parent, k)] = uf_find(parent, 0);
	gid = fwc_xmalloc((m + 1) * sizeof(size_t));
	cnt_o = fwc_xcalloc(m + 1, sizeof(size_t));
	cnt_n = fwc_xcalloc(m + 1, sizeof(size_t));
	for (size_t i = 0; i < o->n_rules; i++)
		if (rep_o[i] != SIZE_MAX)
			cnt_o[uf_find(parent, rep_o[i])]++;
	for (size_t i = 0; i < n->n_rules; i++)
		if (rep_n[i] != SIZE_MAX)
			cnt_n[uf_find(parent, rep_n[i])]++;
	for (size_t k = 0; k < m; k++)
		if (uf_find(parent, k) == k && cnt_o[k] + cnt_n[k] > 0)
			gid[k] = g->n++;
	g->v = fwc_xcalloc(g->n + 1, sizeof(*g->v));
	for (size_t k = 0; k < m; k++) {
		struct fwc_narrow_group *gr;

		if (uf_find(parent, k) != k || cnt_o[k] + cnt_n[k] == 0)
			continue;
		gr = &g->v[gid[k]];
		gr->o = fwc_xmalloc((cnt_o[k] + 1) * sizeof(size_t));
		gr->n = fwc_xmalloc((cnt_n[k] + 1) * sizeof(size_t));
	}
	fill_groups(o, rep_o, parent, gid, g, true);
	fill_groups(n, rep_n, parent, gid, g, false);
	free(parent);
	free(rep_o);
	free(rep_n);
	free(gid);
	free(cnt_o);
	free(cnt_n);
}

void
fwc_narrow_groups_free(struct fwc_narrow_groups *g)
{
	for (size_t k = 0; k < g->n; k++) {
		free(g->v[k].o);
		free(g->v[k].n);
	}
	free(g->v);
	free(g->changed_o);
	free(g->changed_n);
	memset(g, 0, sizeof(*g));
}

bool
fwc_rules_meet(const struct fwc_ir_rule *a, const struct fwc_ir_rule *b)
{
	return rules_meet(a, b);
}
