/* Binary form of a compiled program (analysis/ir_wire.h). Layout: a
 * magic word, then the program's fields in declaration order. Strings
 * and address sets are written once and then referred to by number, so
 * that what the compiler shares (file names, interface names, the sets
 * many rules point at) is shared again after reading: the diff keys its
 * set cache on set pointers. */
#include "ir_wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define WIRE_MAGIC 0x31524963775f0a01ull /* version 1 */
#define NONE	   UINT32_MAX

/* Pointer -> number, open addressing. */
struct ptrmap {
	const void **key;
	uint32_t *val;
	size_t cap;
	size_t n;
};

static size_t
ptr_hash(const void *p, size_t cap)
{
	return (size_t)(((uintptr_t)p >> 3) * 0x9e3779b97f4a7c15ull) &
	       (cap - 1);
}

static uint32_t *ptrmap_slot(struct ptrmap *m, const void *p);

static void
ptrmap_grow(struct ptrmap *m)
{
	struct ptrmap o = *m;

	m->cap = o.cap ? 2 * o.cap : 1024;
	m->n = 0;
	m->key = fwc_xcalloc(m->cap, sizeof(*m->key));
	m->val = fwc_xcalloc(m->cap, sizeof(*m->val));
	for (size_t i = 0; i < o.cap; i++)
		if (o.key[i] != NULL)
			*ptrmap_slot(m, o.key[i]) = o.val[i];
	free(o.key);
	free(o.val);
}

/* The value slot of p, inserted (with value NONE) when missing. */
static uint32_t *
ptrmap_slot(struct ptrmap *m, const void *p)
{
	size_t h;

	if (2 * (m->n + 1) > m->cap)
		ptrmap_grow(m);
	h = ptr_hash(p, m->cap);
	while (m->key[h] != NULL && m->key[h] != p)
		h = (h + 1) & (m->cap - 1);
	if (m->key[h] == NULL) {
		m->key[h] = p;
		m->val[h] = NONE;
		m->n++;
	}
	return &m->val[h];
}

static void
ptrmap_free(struct ptrmap *m)
{
	free(m->key);
	free(m->val);
}

struct writer {
	struct fwc_strbuf *out;
	struct ptrmap strs;
	uint32_t n_strs;
};

static void
put(struct writer *w, const void *p, size_t n)
{
	if (n > 0) /* empty arrays may be NULL */
		fwc_strbuf_addn(w->out, p, n);
}

static void
put_u32(struct writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void
put_u64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

/* NONE for NULL; a known string's number; or n_strs, then its length and
 * bytes, for a new one. */
static void
put_str(struct writer *w, const char *s)
{
	uint32_t *slot;
	size_t len;

	if (s == NULL) {
		put_u32(w, NONE);
		return;
	}
	slot = ptrmap_slot(&w->strs, s);
	if (*slot != NONE) {
		put_u32(w, *slot);
		return;
	}
	*slot = w->n_strs++;
	put_u32(w, *slot);
	len = strlen(s);
	put_u32(w, (uint32_t)len);
	put(w, s, len);
}

static void
put_loc(struct writer *w, const struct fwc_loc *l)
{
	put_str(w, l->file);
	put_u32(w, l->line);
	put_u32(w, l->col);
}

static void
put_ports(struct writer *w, const struct fwc_portset *p)
{
	put_u32(w, (uint32_t)p->n);
	put(w, p->v, p->n * sizeof(*p->v));
}

static void
put_set(struct writer *w, const struct fwc_ir_set *s)
{
	put_str(w, s->name);
	put_u32(w, (uint32_t)s->family);
	put_u32(w, (uint32_t)s->n);
	put(w, s->v, s->n * sizeof(*s->v));
	put_u32(w, (uint32_t)s->n_fqdns);
	for (size_t i = 0; i < s->n_fqdns; i++)
		put_str(w, s->fqdns[i]);
	put_str(w, s->comment);
	put_u32(w, s->id);
}

/* Number of set s (NONE for NULL); sets outside rs->sets are written
 * where first used. */
static void
put_set_ref(struct writer *w, struct ptrmap *sets, uint32_t *n_sets,
    const struct fwc_ir_set *s)
{
	uint32_t *slot;

	if (s == NULL) {
		put_u32(w, NONE);
		return;
	}
	slot = ptrmap_slot(sets, s);
	if (*slot != NONE) {
		put_u32(w, *slot);
		return;
	}
	*slot = (*n_sets)++;
	put_u32(w, *slot);
	put_set(w, s);
}

static void
put_rule(struct writer *w, struct ptrmap *sets, uint32_t *n_sets,
    const struct fwc_ir_rule *r)
{
	put_u32(w, (uint32_t)r->action);
	put_u32(w, (uint32_t)r->chain);
	put_u32(w, (uint32_t)r->family);
	put_str(w, r->iif);
	put_str(w, r->oif);
	put_set_ref(w, sets, n_sets, r->src);
	put_set_ref(w, sets, n_sets, r->dst);
	put_u32(w, (uint32_t)r->proto);
	put_ports(w, &r->dport);
	put_ports(w, &r->sport);
	put_u32(w, r->has_types);
	put(w, r->types, sizeof(r->types));
	put_u32(w, r->log);
	put_str(w, r->origin.flow);
	put_loc(w, &r->origin.loc);
	put_str(w, r->origin.from);
	put_str(w, r->origin.to);
	put_str(w, r->origin.service);
	put_str(w, r->origin.note);
}

static void
put_ruleset(struct writer *w, const struct fwc_ruleset *rs)
{
	struct ptrmap sets;
	uint32_t n_sets = 0;

	memset(&sets, 0, sizeof(sets));
	put_str(w, rs->name);
	put_u32(w, (uint32_t)rs->kind);
	put_str(w, rs->os);
	put_str(w, rs->target);
	put_str(w, rs->policy);
	put_loc(w, &rs->loc);
	for (int c = 0; c < FWC_CHAIN_NR; c++) {
		put_u32(w, (uint32_t)rs->chain_default[c]);
		put_u32(w, rs->has_chain[c]);
	}
	put_u32(w, (uint32_t)rs->n_ifaces);
	for (size_t i = 0; i < rs->n_ifaces; i++) {
		put_str(w, rs->ifaces[i].name);
		put_str(w, rs->ifaces[i].boundaries);
		put_u32(w, rs->ifaces[i].is_any);
		put_loc(w, &rs->ifaces[i].loc);
	}
	put_u32(w, (uint32_t)rs->n_sets);
	for (size_t i = 0; i < rs->n_sets; i++)
		put_set_ref(w, &sets, &n_sets, rs->sets[i]);
	put_u32(w, (uint32_t)rs->n_rules);
	for (size_t i = 0; i < rs->n_rules; i++)
		put_rule(w, &sets, &n_sets, &rs->rules[i]);
	ptrmap_free(&sets);
}

void
fwc_ir_wire_write(const struct fwc_program *p, struct fwc_strbuf *out)
{
	struct writer w;

	memset(&w, 0, sizeof(w));
	w.out = out;
	put_u64(&w, WIRE_MAGIC);
	put_str(&w, p->policy);
	put_u32(&w, (uint32_t)p->n_eps);
	for (size_t i = 0; i < p->n_eps; i++)
		put_ruleset(&w, p->eps[i]);
	put_u64(&w, WIRE_MAGIC);
	ptrmap_free(&w.strs);
}

struct reader {
	struct fwc_arena *a;
	const char *p;
	const char *end;
	bool bad;
	const char **strs;
	size_t n_strs;
	size_t cap_strs;
	struct fwc_ir_set **sets; /* of the current ruleset */
	size_t n_sets;
	size_t cap_sets;
};

static void
get(struct reader *r, void *dst, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
}

static uint32_t
get_u32(struct reader *r)
{
	uint32_t v;

	get(r, &v, sizeof(v));
	return v;
}

/* Length-checked count of n items of size sz still to come. */
static size_t
get_count(struct reader *r, size_t sz)
{
	uint32_t n = get_u32(r);

	if (sz > 0 && (size_t)(r->end - r->p) / sz < n) {
		r->bad = true;
		return 0;
	}
	return n;
}

static const char *
get_str(struct reader *r)
{
	uint32_t k = get_u32(r);
	uint32_t len;
	char *s;

	if (r->bad || k == NONE)
		return NULL;
	if (k < r->n_strs)
		return r->strs[k];
	if (k != r->n_strs) {
		r->bad = true;
		return NULL;
	}
	len = (uint32_t)get_count(r, 1);
	if (r->bad)
		return NULL;
	s = fwc_arena_strndup(r->a, r->p, len);
	r->p += len;
	if (r->n_strs == r->cap_strs) {
		r->cap_strs = r->cap_strs ? 2 * r->cap_strs : 1024;
		r->strs = fwc_xrealloc(r->strs, r->cap_strs * sizeof(*r->strs));
	}
	r->strs[r->n_strs++] = s;
	return s;
}

static void
get_loc(struct reader *r, struct fwc_loc *l)
{
	l->file = get_str(r);
	l->line = get_u32(r);
	l->col = get_u32(r);
}

static void *
get_array(struct reader *r, size_t n, size_t sz)
{
	void *v;

	if (n == 0 || r->bad)
		return NULL;
	v = fwc_arena_alloc(r->a, n * sz);
	get(r, v, n * sz);
	return v;
}

static void
get_ports(struct reader *r, struct fwc_portset *p)
{
	p->n = get_count(r, sizeof(struct fwc_pivl));
	p->v = get_array(r, p->n, sizeof(struct fwc_pivl));
}

static const struct fwc_ir_set *
get_set_ref(struct reader *r)
{
	uint32_t k = get_u32(r);
	struct fwc_ir_set *s;
	const char **fq;

	if (r->bad || k == NONE)
		return NULL;
	if (k < r->n_sets)
		return r->sets[k];
	if (k != r->n_sets) {
		r->bad = true;
		return NULL;
	}
	s = fwc_arena_alloc(r->a, sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->name = get_str(r);
	s->family = (enum fwc_family)get_u32(r);
	s->n = get_count(r, sizeof(struct fwc_ivl));
	s->v = get_array(r, s->n, sizeof(struct fwc_ivl));
	s->n_fqdns = get_count(r, sizeof(uint32_t));
	fq =
	    s->n_fqdns ? fwc_arena_alloc(r->a, s->n_fqdns * sizeof(*fq)) : NULL;
	for (size_t i = 0; i < s->n_fqdns; i++)
		fq[i] = get_str(r);
	s->fqdns = fq;
	s->comment = get_str(r);
	s->id = get_u32(r);
	if (r->n_sets == r->cap_sets) {
		r->cap_sets = r->cap_sets ? 2 * r->cap_sets : 1024;
		r->sets = fwc_xrealloc(r->sets, r->cap_sets * sizeof(*r->sets));
	}
	r->sets[r->n_sets++] = s;
	return s;
}

static void
get_rule(struct reader *r, struct fwc_ir_rule *x)
{
	memset(x, 0, sizeof(*x));
	x->action = (enum fwc_action)get_u32(r);
	x->chain = (enum fwc_chain)get_u32(r);
	x->family = (enum fwc_family)get_u32(r);
	x->iif = get_str(r);
	x->oif = get_str(r);
	x->src = get_set_ref(r);
	x->dst = get_set_ref(r);
	x->proto = (int)get_u32(r);
	get_ports(r, &x->dport);
	get_ports(r, &x->sport);
	x->has_types = get_u32(r) != 0;
	get(r, x->types, sizeof(x->types));
	x->log = get_u32(r) != 0;
	x->origin.flow = get_str(r);
	get_loc(r, &x->origin.loc);
	x->origin.from = get_str(r);
	x->origin.to = get_str(r);
	x->origin.service = get_str(r);
	x->origin.note = get_str(r);
	if ((unsigned int)x->action >= FWC_ACT_NR ||
	    (unsigned int)x->chain >= FWC_CHAIN_NR ||
	    (unsigned int)x->family >= FWC_FAM_NR)
		r->bad = true;
}

static struct fwc_ruleset *
get_ruleset(struct reader *r)
{
	struct fwc_ruleset *rs = fwc_arena_alloc(r->a, sizeof(*rs));

	memset(rs, 0, sizeof(*rs));
	r->n_sets = 0;
	rs->name = get_str(r);
	rs->kind = (enum fwc_ep_kind)get_u32(r);
	rs->os = get_str(r);
	rs->target = get_str(r);
	rs->policy = get_str(r);
	get_loc(r, &rs->loc);
	for (int c = 0; c < FWC_CHAIN_NR; c++) {
		rs->chain_default[c] = (enum fwc_action)get_u32(r);
		rs->has_chain[c] = get_u32(r) != 0;
	}
	rs->n_ifaces = get_count(r, 4 * sizeof(uint32_t));
	if (rs->n_ifaces > 0)
		rs->ifaces =
		    fwc_arena_alloc(r->a, rs->n_ifaces * sizeof(*rs->ifaces));
	for (size_t i = 0; i < rs->n_ifaces; i++) {
		rs->ifaces[i].name = get_str(r);
		rs->ifaces[i].boundaries = get_str(r);
		rs->ifaces[i].is_any = get_u32(r) != 0;
		get_loc(r, &rs->ifaces[i].loc);
	}
	rs->n_sets = get_count(r, sizeof(uint32_t));
	if (rs->n_sets > 0)
		rs->sets =
		    fwc_arena_alloc(r->a, rs->n_sets * sizeof(*rs->sets));
	for (size_t i = 0; i < rs->n_sets; i++)
		rs->sets[i] = (struct fwc_ir_set *)get_set_ref(r);
	rs->n_rules = get_count(r, 16 * sizeof(uint32_t));
	rs->rules =
	    fwc_arena_alloc(r->a, (rs->n_rules + 1) * sizeof(*rs->rules));
	for (size_t i = 0; i < rs->n_rules && !r->bad; i++)
		get_rule(r, &rs->rules[i]);
	return rs;
}

int
fwc_ir_wire_read(
    struct fwc_arena *a, const char *buf, size_t len, struct fwc_program **out)
{
	struct reader r;
	struct fwc_program *p = fwc_arena_alloc(a, sizeof(*p));
	uint64_t magic;

	memset(&r, 0, sizeof(r));
	memset(p, 0, sizeof(*p));
	r.a = a;
	r.p = buf;
	r.end = buf + len;
	get(&r, &magic, sizeof(magic));
	if (magic != WIRE_MAGIC)
		r.bad = true;
	p->policy = get_str(&r);
	p->n_eps = get_count(&r, sizeof(uint32_t));
	if (p->n_eps > 0 && !r.bad)
		p->eps = fwc_arena_alloc(a, p->n_eps * sizeof(*p->eps));
	for (size_t i = 0; i < p->n_eps && !r.bad; i++)
		p->eps[i] = get_ruleset(&r);
	get(&r, &magic, sizeof(magic));
	if (magic != WIRE_MAGIC || r.p != r.end)
		r.bad = true;
	free(r.strs);
	free(r.sets);
	if (r.bad)
		return -1;
	*out = p;
	return 0;
}
