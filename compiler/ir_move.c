/* Moving one ruleset out of the compilation's arena, so that a command
 * that only lowers that ruleset can release everything else (the policy
 * objects, the other rulesets) before the backend runs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/ir.h"
#include "fwc/util.h"

/* Old address -> its copy, so that what the ruleset shares (sets, strings,
 * port lists) stays shared, and is copied once. Open addressing. */
struct slot {
	const void *from;
	void *to;
	size_t bytes; /* blocks: bytes copied */
};

struct mover {
	struct fwc_arena *dst;
	struct slot *tab;
	size_t cap; /* power of two */
	size_t n;
};

static size_t
slot_of(const struct mover *m, const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 17) & (m->cap - 1);

	while (m->tab[i].from != NULL && m->tab[i].from != p)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void
grow(struct mover *m)
{
	struct slot *old = m->tab;
	size_t oc = m->cap;

	m->cap = oc ? 2 * oc : 1024;
	m->tab = fwc_xcalloc(m->cap, sizeof(*m->tab));
	for (size_t i = 0; i < oc; i++)
		if (old[i].from != NULL)
			m->tab[slot_of(m, old[i].from)] = old[i];
	free(old);
}

/* The copy of p already made, or NULL; *at receives the slot for p. */
static void *
seen(struct mover *m, const void *p, size_t *at)
{
	if (4 * (m->n + 1) > 3 * m->cap)
		grow(m);
	*at = slot_of(m, p);
	return m->tab[*at].to;
}

static void *
remember(struct mover *m, size_t at, const void *from, void *to)
{
	m->tab[at].from = from;
	m->tab[at].to = to;
	m->n++;
	return to;
}

static const char *
str(struct mover *m, const char *s)
{
	size_t at;
	void *to;

	if (s == NULL)
		return NULL;
	to = seen(m, s, &at);
	return to ? to : remember(m, at, s, fwc_arena_strdup(m->dst, s));
}

/* A copy of the n elements of size elsz at p; one copy serves every
 * request for at most as many bytes at p. */
static void *
block(struct mover *m, const void *p, size_t n, size_t elsz)
{
	size_t at;
	void *to;

	if (p == NULL || n == 0)
		return NULL;
	to = seen(m, p, &at);
	if (to != NULL && m->tab[at].bytes >= n * elsz)
		return to;
	to = fwc_arena_alloc(m->dst, n * elsz);
	memcpy(to, p, n * elsz);
	if (m->tab[at].from == NULL)
		remember(m, at, p, to);
	m->tab[at].to = to;
	m->tab[at].bytes = n * elsz;
	return to;
}

/* A string met once, or again only right after itself (the rules of one
 * flow are neighbours): copied without a table entry. *last caches the
 * previous call's pair for the same field. */
static const char *
str_near(struct mover *m, const char *s, const char *last[2])
{
	if (s == NULL)
		return NULL;
	if (s != last[0]) {
		last[0] = s;
		last[1] = fwc_arena_strdup(m->dst, s);
	}
	return last[1];
}

static struct fwc_loc
loc(struct mover *m, struct fwc_loc l)
{
	l.file = str(m, l.file);
	return l;
}

static struct fwc_portset
ports(struct mover *m, struct fwc_portset ps)
{
	/* An empty set may still point somewhere: keep it empty. */
	ps.v = ps.n ? block(m, ps.v, ps.n, sizeof(*ps.v)) : NULL;
	return ps;
}

static struct fwc_ir_set *
set(struct mover *m, const struct fwc_ir_set *s)
{
	struct fwc_ir_set *c;
	const char **fq = NULL;
	size_t at;

	if (s == NULL)
		return NULL;
	c = seen(m, s, &at);
	if (c != NULL)
		return c;
	c = fwc_arena_alloc(m->dst, sizeof(*c));
	remember(m, at, s, c);
	*c = *s;
	c->name = s->name ? fwc_arena_strdup(m->dst, s->name) : NULL;
	c->comment = s->comment ? fwc_arena_strdup(m->dst, s->comment) : NULL;
	/* Each set is copied once: its intervals need no table entry. */
	if (s->n > 0) {
		struct fwc_ivl *v = fwc_arena_alloc(m->dst, s->n * sizeof(*v));

		memcpy(v, s->v, s->n * sizeof(*v));
		c->v = v;
	}
	if (s->n_fqdns > 0) {
		fq = fwc_arena_alloc(m->dst, s->n_fqdns * sizeof(*fq));
		for (size_t i = 0; i < s->n_fqdns; i++)
			fq[i] = str(m, s->fqdns[i]);
	}
	c->fqdns = fq;
	return c;
}

struct fwc_ruleset *
fwc_ruleset_move(
    struct fwc_arena *dst, struct fwc_arena *src, struct fwc_ruleset *rs)
{
	struct mover m = { .dst = dst };
	const char *last[5][2] = { { NULL, NULL } };
	struct fwc_ruleset *c = fwc_arena_alloc(dst, sizeof(*c));
	size_t rules_bytes = rs->n_rules * sizeof(*rs->rules);

	/* Room for every set and a few strings and port lists at once. */
	while (m.cap < rs->n_sets + rs->n_sets / 2 + 1024)
		m.cap = m.cap ? 2 * m.cap : 1024;
	m.tab = fwc_xcalloc(m.cap, sizeof(*m.tab));
	*c = *rs;
	c->name = str(&m, rs->name);
	c->os = str(&m, rs->os);
	c->target = str(&m, rs->target);
	c->policy = str(&m, rs->policy);
	c->loc = loc(&m, rs->loc);
	if (rs->n_ifaces > 0) {
		c->ifaces =
		    fwc_arena_alloc(dst, rs->n_ifaces * sizeof(*c->ifaces));
		for (size_t i = 0; i < rs->n_ifaces; i++) {
			c->ifaces[i] = rs->ifaces[i];
			c->ifaces[i].name = str(&m, rs->ifaces[i].name);
			c->ifaces[i].boundaries =
			    str(&m, rs->ifaces[i].boundaries);
			c->ifaces[i].loc = loc(&m, rs->ifaces[i].loc);
		}
	}
	if (rs->n_sets > 0) {
		c->sets = fwc_arena_alloc(dst, rs->n_sets * sizeof(*c->sets));
		for (size_t i = 0; i < rs->n_sets; i++)
			c->sets[i] = set(&m, rs->sets[i]);
	}
	/* The rules, the largest part, change hands rather than being
	 * copied when they are a heap block that src adopted. */
	if (rs->n_rules > 0 && fwc_arena_disown(src, rs->rules, rules_bytes))
		fwc_arena_adopt(dst, rs->rules, rules_bytes);
	else if (rs->n_rules > 0)
		c->rules =
		    block(&m, rs->rules, rs->n_rules, sizeof(*rs->rules));
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct fwc_ir_rule *r = &c->rules[i];

		r->iif = str(&m, r->iif);
		r->oif = str(&m, r->oif);
		r->src = set(&m, r->src);
		r->dst = set(&m, r->dst);
		r->dport = ports(&m, r->dport);
		r->sport = ports(&m, r->sport);
		r->origin.loc = loc(&m, r->origin.loc);
		/* The words of flows, many and each met once or by the
		 * neighbouring rules of its flow, stay out of the table. */
		r->origin.flow = str_near(&m, r->origin.flow, last[0]);
		r->origin.from = str_near(&m, r->origin.from, last[1]);
		r->origin.to = str_near(&m, r->origin.to, last[2]);
		r->origin.service = str_near(&m, r->origin.service, last[3]);
		r->origin.note = str_near(&m, r->origin.note, last[4]);
	}
	free(m.tab);
	return c;
}

bool
fwc_ruleset_move_pays(const struct fwc_ruleset *rs)
{
	size_t ivl = 0;

	for (size_t i = 0; i < rs->n_sets; i++)
		ivl += rs->sets[i]->n * sizeof(*rs->sets[i]->v);
	return ivl < rs->n_rules * 256;
}

const struct fwc_origin *
fwc_ruleset_keep_origins(struct fwc_arena *a, struct fwc_ruleset *rs)
{
	size_t n = rs->n_rules;
	struct fwc_origin *o;

	if (n == 0 || !fwc_arena_disown(a, rs->rules, n * sizeof(*rs->rules)))
		return NULL;
	/* In place, front to back: origin i goes to where rule i's bytes
	 * began at most, never past what is still to be read. */
	o = (struct fwc_origin *)(void *)rs->rules;
	for (size_t i = 0; i < n; i++)
		memmove(&o[i], &rs->rules[i].origin, sizeof(*o));
	o = fwc_xrealloc(o, n * sizeof(*o));
	fwc_arena_adopt(a, o, n * sizeof(*o));
	rs->rules = NULL;
	rs->n_rules = 0;
	return o;
}
