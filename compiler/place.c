/* Fourth stage of the pipeline: placement. Expands every flow into
 * directed address pairs (boundary-group scope with non-transitive
 * fallback, proxies for internet endpoints, bidirectional flows), then
 * decides, for each enforcement point, which chain and interfaces each
 * pair needs: gateway forward rules per (ingress, egress) interface pair
 * with the source part behind ingress and the destination part behind
 * egress (anti-spoofing), gateway input/output for flows that name the
 * gateway or its addresses, host input (and output under egress filter)
 * for flows that name the host. The result is one IR ruleset per
 * enforcement point, with shared named sets; fwc_opt() orders it. */
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/names.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"

/* One side of a directed pair. */
struct side {
	const struct fwc_addrset *all;	 /* every address */
	const struct fwc_addrset *named; /* without the 'any' built-in */
	const char *const *fqdns;	 /* plain DNS names (destinations) */
	size_t n_fqdns;
	const char *label; /* for set names */
	bool wild;	   /* stands for wildcard DNS names:
			    * any address, but only towards
			    * the gateways' 'any' side */
};

/* A directed pair: what a flow allows or denies after expansion. */
struct xflow {
	enum fwc_action act;
	struct side src;
	struct side dst;
	const struct fwc_svc_match *m;
	size_t n_m;
	bool log;
	struct fwc_origin origin;
};

struct setkey {
	uint64_t hash;
	struct fwc_ir_set *set;
};

/* A ruleset under construction. Its rules grow on the heap, where
 * realloc() moves large blocks without copying them, and the arena
 * adopts the array at the end: growing it in the arena by doubling would
 * leave as much again behind, and copying it out would hold it twice. */
struct rsb {
	struct fwc_ruleset *rs;
	size_t cap_rules;
	size_t cap_sets;
	struct setkey *tab; /* open addressing on content hash */
	size_t tab_cap;
	struct fwc_map names[FWC_FAM_NR]; /* set name -> set, per family */
};

/* An enforcement point being placed: a gateway (with what lies behind
 * each of its interfaces) or a host. */
struct ep {
	struct rsb b;
	const struct fwc_gateway *g; /* NULL for a host */
	const struct fwc_host *h;
	const struct fwc_addrset **behind;     /* per interface of g */
	const struct fwc_addrset **dst_behind; /* scratch, per interface */
};

/* A named object's address set of one family, to name sets after it. */
struct known {
	uint64_t hash;
	enum fwc_family family;
	const struct fwc_addrset *addrs;
	const char *name; /* NULL = empty slot */
};

struct plctx {
	struct fwc_arena *a;
	struct known *known; /* open addressing on content hash */
	size_t known_cap;
	struct fwc_diag *dg;
	const struct fwc_policy *p;
	/* The directed pairs of the flow being placed: a heap vector,
	 * reused from flow to flow. */
	struct xflow *xf;
	size_t n_xf;
	size_t cap_xf;
	unsigned int empty_lib; /* library flows matching no address */
	const char *root_file;
};

static const struct fwc_svc_match any_match = { .proto = FWC_PROTO_ANY };

/* Sets. */

static uint64_t
set_hash(enum fwc_family f, const struct fwc_ivl *v, size_t n,
    const char *const *fq, size_t nfq)
{
	uint64_t h = fwc_hash_bytes(14695981039346656037ull, &f, sizeof(f));

	if (n)
		h = fwc_hash_bytes(h, v, n * sizeof(*v));
	for (size_t i = 0; i < nfq; i++)
		h = fwc_hash_bytes(h, fq[i], strlen(fq[i]) + 1);
	return h;
}

static bool
set_same(const struct fwc_ir_set *s, enum fwc_family f, const struct fwc_ivl *v,
    size_t n, const char *const *fq, size_t nfq)
{
	if (s->family != f || s->n != n || s->n_fqdns != nfq)
		return false;
	/* Placement shares interval arrays (fwc_addrset_meet): the same
	 * pointer is the same content, without reading it. */
	if (n && s->v != v && memcmp(s->v, v, n * sizeof(*v)) != 0)
		return false;
	for (size_t i = 0; i < nfq; i++)
		if (strcmp(s->fqdns[i], fq[i]) != 0)
			return false;
	return true;
}

static void
tab_insert(struct rsb *b, uint64_t h, struct fwc_ir_set *s)
{
	size_t i = (size_t)h & (b->tab_cap - 1);

	while (b->tab[i].set != NULL)
		i = (i + 1) & (b->tab_cap - 1);
	b->tab[i].hash = h;
	b->tab[i].set = s;
}

/* The name of the first boundary or host whose addresses of family f
 * are exactly v, or NULL. */
static const char *
known_name(const struct plctx *c, uint64_t h, enum fwc_family f,
    const struct fwc_ivl *v, size_t n)
{
	if (c->known_cap == 0)
		return NULL;
	for (size_t i = (size_t)h & (c->known_cap - 1); c->known[i].name;
	     i = (i + 1) & (c->known_cap - 1)) {
		const struct known *k = &c->known[i];

		if (k->hash == h && k->family == f && k->addrs->n[f] == n &&
		    memcmp(k->addrs->v[f], v, n * sizeof(*v)) == 0)
			return k->name;
	}
	return NULL;
}

/* Adds name for each family of s unless an earlier object has exactly
 * those addresses (the first one names the set): one probe sequence
 * both looks and finds the free slot. */
static void
add_known(struct plctx *c, const struct fwc_addrset *s, const char *name)
{
	for (int f = 0; f < FWC_FAM_NR; f++) {
		uint64_t h;
		size_t i;
		bool dup = false;

		if (s == NULL || s->n[f] == 0)
			continue;
		h = set_hash((enum fwc_family)f, s->v[f], s->n[f], NULL, 0);
		for (i = (size_t)h & (c->known_cap - 1); c->known[i].name;
		     i = (i + 1) & (c->known_cap - 1)) {
			const struct known *k = &c->known[i];

			if (k->hash == h && (int)k->family == f &&
			    k->addrs->n[f] == s->n[f] &&
			    memcmp(k->addrs->v[f], s->v[f],
				s->n[f] * sizeof(*s->v[f])) == 0) {
				dup = true;
				break;
			}
		}
		if (dup)
			continue;
		c->known[i].hash = h;
		c->known[i].family = (enum fwc_family)f;
		c->known[i].addrs = s;
		c->known[i].name = name;
	}
}

static size_t
known_entries(const struct fwc_addrset *s)
{
	return s == NULL ? 0
			 : (s->n[FWC_FAM_IP4] != 0) + (s->n[FWC_FAM_IP6] != 0);
}

/* Boundaries first, then hosts: a set is named after the most general
 * object with exactly its addresses. Roles are left out: one host often
 * holds several, and the name would mislead. */
static void
build_known(struct plctx *c)
{
	const struct fwc_policy *p = c->p;
	size_t n = 1;

	/* At most half full: one entry per family with addresses. */
	for (size_t i = 0; i < p->boundaries.n; i++)
		n += known_entries(p->boundaries.v[i]->addrs);
	for (size_t i = 0; i < p->hosts.n; i++)
		n += known_entries(p->hosts.v[i]->addrs);
	c->known_cap = 64;
	while (c->known_cap < 2 * n)
		c->known_cap *= 2;
	c->known = fwc_xcalloc(c->known_cap, sizeof(*c->known));
	for (size_t i = 0; i < p->boundaries.n; i++)
		add_known(
		    c, p->boundaries.v[i]->addrs, p->boundaries.v[i]->d.name);
	for (size_t i = 0; i < p->hosts.n; i++)
		add_known(c, p->hosts.v[i]->addrs, p->hosts.v[i]->d.name);
}

static struct fwc_ir_set *
intern_set(struct plctx *c, struct rsb *b, enum fwc_family f,
    const struct fwc_ivl *v, size_t n, const char *const *fq, size_t nfq,
    const char *label, const char *where)
{
	uint64_t h = set_hash(f, v, n, fq, nfq);
	struct fwc_ir_set *s;
	size_t i;

	if ((b->rs->n_sets + 1) * 2 > b->tab_cap) {
		struct setkey *old = b->tab;
		size_t ocap = b->tab_cap;

		b->tab_cap = ocap ? ocap * 2 : 64;
		b->tab = fwc_xcalloc(b->tab_cap, sizeof(*b->tab));
		for (i = 0; i < ocap; i++)
			if (old[i].set != NULL)
				tab_insert(b, old[i].hash, old[i].set);
		free(old);
	}
	for (i = (size_t)h & (b->tab_cap - 1); b->tab[i].set != NULL;
	     i = (i + 1) & (b->tab_cap - 1))
		if (b->tab[i].hash == h &&
		    set_same(b->tab[i].set, f, v, n, fq, nfq))
			return b->tab[i].set;
	/* A boundary or host with exactly these addresses names the set;
	 * else the label (the flow's names, restricted to an interface or a
	 * host when they were). */
	if (where != NULL)
		label = fwc_arena_printf(c->a, "%s@%s", label, where);
	if (nfq == 0) {
		const char *k = known_name(c, h, f, v, n);

		if (k != NULL)
			label = k;
	}
	s = fwc_arena_alloc(c->a, sizeof(*s));
	s->family = f;
	s->v = v;
	s->n = n;
	s->fqdns = fq;
	s->n_fqdns = nfq;
	s->comment = label;
	/* Names are unique per family; a clash gets a numeric suffix. */
	for (unsigned int k = 2;; k++) {
		const char *name =
		    k == 2 ? label
			   : fwc_arena_printf(c->a, "%s-%u", label, k - 1);

		if (b->names[f].slots == NULL)
			fwc_map_init(&b->names[f]);
		if (fwc_map_get(&b->names[f], name) == NULL) {
			fwc_map_put(&b->names[f], name, s, 0);
			s->name = name;
			break;
		}
	}
	tab_insert(b, h, s);
	FWC_VEC_PUSH(c->a, b->rs->sets, b->rs->n_sets, b->cap_sets, s);
	return s;
}

/* Rules. */

static void
push_rule(struct rsb *b, const struct fwc_ir_rule *r)
{
	struct fwc_ruleset *rs = b->rs;

	if (rs->n_rules == b->cap_rules) {
		b->cap_rules = b->cap_rules ? 2 * b->cap_rules : 16;
		rs->rules =
		    fwc_xrealloc(rs->rules, b->cap_rules * sizeof(*rs->rules));
	}
	rs->rules[rs->n_rules++] = *r;
}

static bool
fam_equal(
    const struct fwc_addrset *x, const struct fwc_addrset *y, enum fwc_family f)
{
	return x->n[f] == y->n[f] &&
	       (x->n[f] == 0 ||
		   memcmp(x->v[f], y->v[f], x->n[f] * sizeof(*x->v[f])) == 0);
}

/* Adds the rules of xf on one chain and interface pair. s and d are the
 * placed address parts; fqdns are added to the destination when
 * with_fqdns. swhere and dwhere name what s and d were restricted to (an
 * interface, "gateway" or a host), for the names of new sets. */
static void
add_rules(struct plctx *c, struct rsb *b, const struct xflow *xf,
    enum fwc_chain chain, const char *iif, const char *oif,
    const struct fwc_addrset *s, const struct fwc_addrset *d, bool with_fqdns,
    const char *swhere, const char *dwhere)
{
	if (xf->act == FWC_ACT_ACCEPT &&
	    b->rs->chain_default[chain] == FWC_ACT_ACCEPT)
		return; /* an unfiltered chain accepts it anyway */
	for (int f = 0; f < FWC_FAM_NR; f++) {
		size_t nfq = with_fqdns ? xf->dst.n_fqdns : 0;
		const struct fwc_ir_set *ss = NULL;
		const struct fwc_ir_set *ds = NULL;

		if (s->n[f] == 0 || (d->n[f] == 0 && nfq == 0))
			continue;
		if (!fwc_addrset_fam_full(s, (enum fwc_family)f))
			ss = intern_set(c, b, (enum fwc_family)f, s->v[f],
			    s->n[f], NULL, 0, xf->src.label,
			    fam_equal(s, xf->src.all, (enum fwc_family)f)
				? NULL
				: swhere);
		if (!fwc_addrset_fam_full(d, (enum fwc_family)f) || nfq)
			ds = intern_set(c, b, (enum fwc_family)f, d->v[f],
			    d->n[f], xf->dst.fqdns, nfq, xf->dst.label,
			    fam_equal(d, xf->dst.all, (enum fwc_family)f)
				? NULL
				: dwhere);
		for (size_t i = 0; i < xf->n_m; i++) {
			const struct fwc_svc_match *m = &xf->m[i];
			struct fwc_ir_rule r;

			if ((m->proto == FWC_PROTO_ICMP && f != FWC_FAM_IP4) ||
			    (m->proto == FWC_PROTO_ICMP6 && f != FWC_FAM_IP6))
				continue;
			memset(&r, 0, sizeof(r));
			r.action = xf->act;
			r.chain = chain;
			r.family = (enum fwc_family)f;
			r.iif = iif;
			r.oif = oif;
			r.src = ss;
			r.dst = ds;
			r.proto = m->proto;
			r.dport = m->dport;
			r.sport = m->sport;
			r.has_types = m->has_types;
			memcpy(r.types, m->types, sizeof(r.types));
			r.log = xf->log;
			r.origin = xf->origin;
			push_rule(b, &r);
		}
	}
}

/* The addresses of a pair that make an enforcement point enforce it on its
 * own traffic. An allow opens an enforcement point's own services only
 * when it names them ('any' does not); a deny or reject applies wherever
 * its addresses reach, 'any' included (failing closed). */
static const struct fwc_addrset *
own_dst(const struct xflow *xf)
{
	return xf->act == FWC_ACT_ACCEPT ? xf->dst.named : xf->dst.all;
}

static const struct fwc_addrset *
own_src(const struct xflow *xf)
{
	return xf->act == FWC_ACT_ACCEPT ? xf->src.named : xf->src.all;
}

/* What lives behind each interface of g, the gateway's own addresses
 * excepted: a packet from or to those is the gateway's own traffic
 * (input or output), never forwarded. */
static void
ep_gateway_init(struct plctx *c, struct ep *ep, const struct fwc_gateway *g)
{
	ep->g = g;
	ep->behind =
	    fwc_arena_alloc(c->a, (g->n_ifaces + 1) * sizeof(*ep->behind));
	ep->dst_behind = fwc_xcalloc(g->n_ifaces + 1, sizeof(*ep->dst_behind));
	for (size_t i = 0; i < g->n_ifaces; i++)
		ep->behind[i] =
		    fwc_addrset_minus(c->a, g->ifaces[i].addrs, g->addrs);
}

/* Intersections share their operands where they can (fwc_addrset_meet):
 * a flow usually lies behind one interface of many, and then placing it
 * costs lookups and no memory. */
static void
place_gateway(struct plctx *c, struct ep *ep, const struct xflow *xf)
{
	const struct fwc_gateway *g = ep->g;
	struct rsb *b = &ep->b;
	const struct fwc_addrset *to_gw =
	    fwc_addrset_meet(c->a, own_dst(xf), g->addrs);
	const struct fwc_addrset *from_gw =
	    fwc_addrset_meet(c->a, own_src(xf), g->addrs);
	bool dst_done = false;

	for (size_t i = 0; i < g->n_ifaces; i++) {
		const struct fwc_iface *in = &g->ifaces[i];
		const struct fwc_addrset *s =
		    fwc_addrset_meet(c->a, xf->src.all, ep->behind[i]);
		const char *sw = in->name;

		if (!fwc_addrset_is_empty(to_gw) && !fwc_addrset_is_empty(s))
			add_rules(c, b, xf, FWC_CHAIN_INPUT, in->name, NULL, s,
			    to_gw, false, sw, "gateway");
		if (!fwc_addrset_is_empty(from_gw) &&
		    !(xf->dst.wild && !in->is_any)) {
			const struct fwc_addrset *d =
			    fwc_addrset_meet(c->a, xf->dst.all, ep->behind[i]);

			add_rules(c, b, xf, FWC_CHAIN_OUTPUT, NULL, in->name,
			    from_gw, d, in->is_any, "gateway", sw);
		}
		if (fwc_addrset_is_empty(s))
			continue;
		/* The destination's part behind each interface, once per
		 * pair rather than once per ingress interface. */
		if (!dst_done) {
			for (size_t e = 0; e < g->n_ifaces; e++)
				ep->dst_behind[e] = fwc_addrset_meet(
				    c->a, xf->dst.all, ep->behind[e]);
			dst_done = true;
		}
		for (size_t e = 0; e < g->n_ifaces; e++) {
			const struct fwc_iface *out = &g->ifaces[e];
			const struct fwc_addrset *d = ep->dst_behind[e];

			if (e == i)
				continue;
			if (xf->dst.wild && !out->is_any)
				continue;
			if (fwc_addrset_is_empty(d) &&
			    !(out->is_any && xf->dst.n_fqdns))
				continue;
			add_rules(c, b, xf, FWC_CHAIN_FORWARD, in->name,
			    out->name, s, d, out->is_any, sw, out->name);
		}
	}
}

static void
place_host(struct plctx *c, struct ep *ep, const struct xflow *xf)
{
	const struct fwc_host *h = ep->h;
	struct rsb *b = &ep->b;
	const char *hw = h->d.name;
	const struct fwc_addrset *to_h =
	    fwc_addrset_meet(c->a, own_dst(xf), h->addrs);
	const struct fwc_addrset *from_h =
	    fwc_addrset_meet(c->a, own_src(xf), h->addrs);

	/* A host's traffic to itself goes over loopback, accepted by the
	 * base rules: leave the host's own addresses out. */
	if (!fwc_addrset_is_empty(to_h))
		add_rules(c, b, xf, FWC_CHAIN_INPUT, NULL, NULL,
		    fwc_addrset_minus(c->a, xf->src.all, h->addrs), to_h, false,
		    hw, hw);
	if (!fwc_addrset_is_empty(from_h))
		add_rules(c, b, xf, FWC_CHAIN_OUTPUT, NULL, NULL, from_h,
		    fwc_addrset_minus(c->a, xf->dst.all, h->addrs), true, hw,
		    hw);
}

/* Expansion of flows into directed pairs. */

/* The flow's from or to attribute with its words joined by '+', for set
 * names; the attribute itself when it is one word already. */
static const char *
label_of(struct plctx *c, const char *attr)
{
	char *s;
	char *o;
	bool sp = false;

	if (attr[strcspn(attr, " \t\n\r")] == '\0')
		return attr;
	s = fwc_arena_strdup(c->a, attr);
	o = s;

	for (const char *p = attr; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			sp = o != s;
			continue;
		}
		if (sp)
			*o++ = '+';
		sp = false;
		*o++ = *p;
	}
	*o = '\0';
	return s;
}

static void
push_xf(struct plctx *c, const struct xflow *xf)
{
	if (c->n_xf == c->cap_xf) {
		c->cap_xf = c->cap_xf ? 2 * c->cap_xf : 16;
		c->xf = fwc_xrealloc(c->xf, c->cap_xf * sizeof(*c->xf));
	}
	c->xf[c->n_xf++] = *xf;
}

static void
flow_matches(
    const struct fwc_flow *f, const struct fwc_svc_match **m, size_t *n)
{
	if (f->svc_any) {
		*m = &any_match;
		*n = 1;
		return;
	}
	*m = f->m;
	*n = f->n_m;
}

static struct side
side_of(struct plctx *c, const struct fwc_ref *r, size_t n, bool want_ep,
    const char *label)
{
	struct side s;

	memset(&s, 0, sizeof(s));
	s.all = &fwc_addrset_empty;
	s.named = &fwc_addrset_empty;
	s.label = label;
	/* The sets to unite, all in the first n slots and named ones in
	 * the next n: on the stack for the usual few references. */
	const struct fwc_addrset *buf[16];
	const struct fwc_addrset **all =
	    2 * n <= FWC_ARRAY_SIZE(buf) ? buf
					 : fwc_xmalloc(2 * n * sizeof(*all));
	const struct fwc_addrset **named = all + n;
	size_t n_all = 0;
	size_t n_named = 0;

	for (size_t i = 0; i < n; i++) {
		if ((r[i].kind == FWC_REF_ENDPOINT) != want_ep ||
		    fwc_addrset_is_empty(r[i].addrs))
			continue;
		all[n_all++] = r[i].addrs;
		if (r[i].kind != FWC_REF_ANY)
			named[n_named++] = r[i].addrs;
	}
	/* One reference, the usual case, shares its set; several are
	 * united in one pass (one at a time would copy the growing result
	 * again for each), shared when no "any" is among them. */
	if (n_all == 1)
		s.all = all[0];
	else if (n_all > 1)
		s.all = fwc_addrset_union_n(c->a, all, n_all);
	if (n_named == n_all && n_all > 0)
		s.named = s.all;
	else if (n_named == 1)
		s.named = named[0];
	else if (n_named > 1)
		s.named = fwc_addrset_union_n(c->a, named, n_named);
	if (all != buf)
		free(all);
	return s;
}

static bool
has_role(const struct fwc_host *h, const struct fwc_role *r)
{
	for (size_t i = 0; i < h->n_role_v; i++)
		if (h->role_v[i] == r)
			return true;
	return false;
}

static bool
words_has_role(const struct fwc_words *w, const struct fwc_role *r)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].s, r->d.name) == 0)
			return true;
	return false;
}

static bool
in_list(struct fwc_role *const *v, size_t n, const struct fwc_role *r)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == r)
			return true;
	return false;
}

/* True when host h, a to-host of a scoped flow, is served to members of
 * the group through the fallback link set of g towards n. */
static bool
fallback_serves(const struct fwc_bgroup *g, const struct fwc_bgroup *n,
    const struct fwc_host *h, struct fwc_role *const *roles, size_t n_roles)
{
	for (size_t ri = 0; ri < n_roles; ri++) {
		const struct fwc_role *r = roles[ri];
		bool linked = false;
		bool cancelled = false;

		if (!has_role(h, r))
			continue;
		for (size_t i = 0; i < g->n_fb; i++) {
			const struct fwc_fallback *fb = &g->fb[i];

			if (fb->to != n)
				continue;
			if (fb->roles.n != 0 && !words_has_role(&fb->roles, r))
				continue;
			if (fb->never)
				cancelled = true;
			else
				linked = true;
		}
		if (linked && !cancelled)
			return true;
	}
	return false;
}

static bool
host_in(const struct fwc_bgroup *g, const struct fwc_host *h)
{
	for (size_t i = 0; i < g->n_hosts; i++)
		if (g->hosts[i] == h)
			return true;
	return false;
}

static void
expand_scoped(
    struct plctx *c, const struct fwc_flow *f, const struct xflow *base)
{
	struct fwc_host **hosts = NULL;
	size_t n_hosts = 0;
	size_t cap_hosts = 0;
	struct fwc_role **roles = NULL;
	size_t n_roles = 0;
	size_t cap_roles = 0;
	const struct fwc_policy *p = c->p;

	for (size_t i = 0; i < f->n_dst; i++) {
		const struct fwc_ref *r = &f->dst[i];

		if (r->kind == FWC_REF_ROLE) {
			struct fwc_role *role = r->obj;

			FWC_VEC_PUSH(c->a, roles, n_roles, cap_roles, role);
			for (size_t j = 0; j < role->n_hosts; j++)
				FWC_VEC_PUSH(c->a, hosts, n_hosts, cap_hosts,
				    role->hosts[j]);
		} else if (r->kind == FWC_REF_HOST) {
			struct fwc_host *h = r->obj;

			FWC_VEC_PUSH(c->a, hosts, n_hosts, cap_hosts, h);
			for (size_t j = 0; j < h->n_role_v; j++)
				if (!in_list(roles, n_roles, h->role_v[j]))
					FWC_VEC_PUSH(c->a, roles, n_roles,
					    cap_roles, h->role_v[j]);
		} else {
			struct fwc_loc l = fwc_flow_ref_loc(f, true, i);

			fwc_warning(c->dg, &l,
			    "flow '%s' is scoped to boundary groups: '%s' is not a host or role and is ignored",
			    f->id, r->s);
		}
	}
	for (size_t gi = 0; gi < p->bgroups.n; gi++) {
		const struct fwc_bgroup *g = p->bgroups.v[gi];
		const struct fwc_addrset *s =
		    fwc_addrset_inter(c->a, base->src.all, g->addrs);
		const struct fwc_addrset *own = &fwc_addrset_empty;

		if (fwc_addrset_is_empty(s))
			continue;
		for (size_t i = 0; i < n_hosts; i++)
			if (host_in(g, hosts[i]))
				own = fwc_addrset_union(
				    c->a, own, hosts[i]->addrs);
		if (!fwc_addrset_is_empty(own)) {
			struct xflow x = *base;

			x.src.all = x.src.named = s;
			x.src.label = fwc_arena_printf(
			    c->a, "%s@%s", base->src.label, g->d.name);
			x.dst.all = x.dst.named = own;
			x.dst.label = fwc_arena_printf(
			    c->a, "%s@%s", base->dst.label, g->d.name);
			x.origin.note = fwc_arena_printf(
			    c->a, "boundary group %s", g->d.name);
			push_xf(c, &x);
		}
		/* Fallback neighbours, each once, not transitively. */
		for (size_t li = 0; li < g->n_fb; li++) {
			const struct fwc_bgroup *n = g->fb[li].to;
			const struct fwc_addrset *fbd = &fwc_addrset_empty;
			bool seen = false;

			if (n == NULL)
				continue;
			for (size_t lj = 0; lj < li; lj++)
				if (g->fb[lj].to == n)
					seen = true;
			if (seen)
				continue;
			for (size_t i = 0; i < n_hosts; i++)
				if (host_in(n, hosts[i]) &&
				    fallback_serves(
					g, n, hosts[i], roles, n_roles))
					fbd = fwc_addrset_union(
					    c->a, fbd, hosts[i]->addrs);
			if (fwc_addrset_is_empty(fbd))
				continue;
			{
				struct xflow x = *base;

				x.src.all = x.src.named = s;
				x.src.label = fwc_arena_printf(
				    c->a, "%s@%s", base->src.label, g->d.name);
				x.dst.all = x.dst.named = fbd;
				x.dst.label = fwc_arena_printf(c->a, "%s@%s>%s",
				    base->dst.label, g->d.name, n->d.name);
				x.origin.note = fwc_arena_printf(c->a,
				    "boundary group %s, fallback to %s",
				    g->d.name, n->d.name);
				push_xf(c, &x);
			}
		}
	}
}

struct proxied {
	const struct fwc_proxy *proxy;
	const struct fwc_addrset *src;
};

static void
add_proxied(struct plctx *c, struct proxied **v, size_t *n, size_t *cap,
    const struct fwc_proxy *x, const struct fwc_addrset *s)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*v)[i].proxy == x) {
			(*v)[i].src = fwc_addrset_union(c->a, (*v)[i].src, s);
			return;
		}
	}
	{
		struct proxied pr = { x, s };

		FWC_VEC_PUSH(c->a, *v, *n, *cap, pr);
	}
}

static void
expand_endpoints(
    struct plctx *c, const struct fwc_flow *f, const struct xflow *base)
{
	struct proxied *pv = NULL;
	size_t n_pv = 0;
	size_t cap_pv = 0;
	const struct fwc_addrset *direct = base->src.all;
	const struct fwc_addrset *proxied_all = &fwc_addrset_empty;

	if (f->action == FWC_ACT_ACCEPT) {
		if (fwc_flow_proxy(f) != NULL) {
			add_proxied(c, &pv, &n_pv, &cap_pv, fwc_flow_proxy(f),
			    base->src.all);
		} else if (fwc_flow_via(f) == NULL) {
			for (size_t i = 0; i < f->n_src; i++) {
				const struct fwc_ref *r = &f->src[i];

				if (r->kind == FWC_REF_HOST) {
					const struct fwc_host *h = r->obj;

					if (h->proxy != NULL)
						add_proxied(c, &pv, &n_pv,
						    &cap_pv, h->proxy,
						    h->addrs);
				} else if (r->kind == FWC_REF_ROLE) {
					const struct fwc_role *role = r->obj;

					for (size_t j = 0; j < role->n_hosts;
					     j++)
						if (role->hosts[j]->proxy)
							add_proxied(c, &pv,
							    &n_pv, &cap_pv,
							    role->hosts[j]
								->proxy,
							    role->hosts[j]
								->addrs);
				}
			}
		}
		for (size_t i = 0; i < n_pv; i++)
			proxied_all =
			    fwc_addrset_union(c->a, proxied_all, pv[i].src);
		direct = fwc_addrset_minus(c->a, base->src.all, proxied_all);
		if (fwc_flow_proxy(f) != NULL)
			direct = &fwc_addrset_empty;
	}
	for (size_t i = 0; i < f->n_dst; i++) {
		const struct fwc_ref *r = &f->dst[i];
		const struct fwc_endpoint *e = r->obj;
		struct xflow x = *base;
		struct fwc_loc rl;

		if (r->kind != FWC_REF_ENDPOINT)
			continue;
		rl = fwc_flow_ref_loc(f, true, i);
		x.dst.all = x.dst.named = e->addrs;
		x.dst.fqdns = e->fqdns;
		x.dst.n_fqdns = e->n_fqdns;
		x.dst.label = e->d.name;
		/* Direct part. */
		if (!fwc_addrset_is_empty(direct)) {
			if (e->has_wildcard && f->action == FWC_ACT_ACCEPT) {
				fwc_warning(c->dg, &rl,
				    "flow '%s' to wildcard endpoint '%s' has no proxy: left out (route it through a proxy with via=, or give the endpoint addresses)",
				    f->id, e->d.name);
			} else {
				if (e->has_wildcard)
					fwc_warning(c->dg, &rl,
					    "deny flow '%s': the wildcard names of endpoint '%s' cannot be enforced by address; only its addresses and plain names are denied",
					    f->id, e->d.name);
				x.src.all = direct;
				x.src.named = fwc_addrset_inter(
				    c->a, direct, base->src.named);
				push_xf(c, &x);
			}
		}
		/* Through each proxy: the source reaches only the proxy. */
		for (size_t j = 0; j < n_pv; j++) {
			const struct fwc_proxy *px = pv[j].proxy;
			struct xflow y = x;

			if (px->host == NULL)
				continue;
			y.src.all = y.src.named = px->host->addrs;
			y.src.label = px->host->d.name;
			if (e->has_wildcard) {
				y.dst.all = fwc_addrset_all();
				y.dst.named = &fwc_addrset_empty;
				y.dst.wild = true;
				y.dst.fqdns = NULL;
				y.dst.n_fqdns = 0;
			}
			y.origin.note =
			    fwc_arena_printf(c->a, "via proxy %s", px->d.name);
			if (e->has_wildcard)
				fwc_note(c->dg, &rl,
				    "flow '%s': proxy '%s' checks the wildcard names of endpoint '%s'; the network only limits '%s' to the flow's services",
				    f->id, px->d.name, e->d.name,
				    px->host->d.name);
			push_xf(c, &y);
		}
	}
	for (size_t j = 0; j < n_pv; j++) {
		const struct fwc_proxy *px = pv[j].proxy;
		struct xflow z = *base;
		struct fwc_svc_match *m;
		struct fwc_pivl pp;

		if (px->host == NULL)
			continue;
		m = fwc_arena_alloc(c->a, sizeof(*m));
		pp.lo = pp.hi = px->portnum;
		m->proto = FWC_PROTO_TCP;
		m->dport = *fwc_portset_from(c->a, &pp, 1);
		z.m = m;
		z.n_m = 1;
		z.src.all = pv[j].src;
		z.src.named =
		    fwc_addrset_inter(c->a, pv[j].src, base->src.named);
		z.dst.all = z.dst.named = px->host->addrs;
		z.dst.label = px->host->d.name;
		z.origin.note =
		    fwc_arena_printf(c->a, "to proxy %s", px->d.name);
		push_xf(c, &z);
	}
}

static bool
only_family(const struct fwc_addrset *s, enum fwc_family f)
{
	return s->n[f] != 0 && s->n[!f] == 0;
}

static void
expand_flow(struct plctx *c, const struct fwc_flow *f)
{
	struct xflow x;
	bool has_ep = false;
	bool has_plain = false;
	size_t first = c->n_xf;
	bool empty;

	memset(&x, 0, sizeof(x));
	x.act = f->action;
	x.log = f->log;
	x.origin.flow = f->id;
	x.origin.loc = f->loc;
	x.origin.from = f->from_attr;
	x.origin.to = f->to_attr;
	x.origin.service = f->service_attr;
	flow_matches(f, &x.m, &x.n_m);
	x.src = side_of(c, f->src, f->n_src, false, label_of(c, f->from_attr));
	for (size_t i = 0; i < f->n_dst; i++) {
		if (f->dst[i].kind == FWC_REF_ENDPOINT)
			has_ep = true;
		else
			has_plain = true;
	}
	x.dst = side_of(c, f->dst, f->n_dst, false, label_of(c, f->to_attr));
	empty = fwc_addrset_is_empty(x.src.all);
	if (!empty && !has_ep)
		empty = fwc_addrset_is_empty(x.dst.all);
	if (!empty && has_ep && !has_plain) {
		bool any_ep = false;

		for (size_t i = 0; i < f->n_dst; i++) {
			const struct fwc_endpoint *e = f->dst[i].obj;

			if (f->dst[i].kind == FWC_REF_ENDPOINT &&
			    (!fwc_addrset_is_empty(e->addrs) || e->n_fqdns ||
				e->has_wildcard))
				any_ep = true;
		}
		empty = !any_ep;
	}
	if (empty) {
		if (strcmp(f->loc.file, c->root_file) != 0 && !c->dg->verbose)
			c->empty_lib++;
		else if (strcmp(f->loc.file, c->root_file) != 0)
			fwc_note(c->dg, &f->loc,
			    "flow '%s' matches no address (from '%s' to '%s')",
			    f->id, f->from_attr, f->to_attr);
		else
			fwc_warning(c->dg, &f->loc,
			    "flow '%s' matches no address (from '%s' to '%s')",
			    f->id, f->from_attr, f->to_attr);
		return;
	}
	if (has_plain && !has_ep &&
	    ((only_family(x.src.all, FWC_FAM_IP4) &&
		 only_family(x.dst.all, FWC_FAM_IP6)) ||
		(only_family(x.src.all, FWC_FAM_IP6) &&
		    only_family(x.dst.all, FWC_FAM_IP4)))) {
		fwc_warning(c->dg, &f->loc,
		    "flow '%s' connects IPv%c-only sources to IPv%c-only destinations: it compiles to nothing",
		    f->id, only_family(x.src.all, FWC_FAM_IP4) ? '4' : '6',
		    only_family(x.src.all, FWC_FAM_IP4) ? '6' : '4');
		return;
	}
	if (fwc_flow_scope(f) != NULL &&
	    strcmp(f->opt->scope, "boundary-group") == 0) {
		expand_scoped(c, f, &x);
	} else {
		if (has_plain)
			push_xf(c, &x);
		if (has_ep)
			expand_endpoints(c, f, &x);
	}
	if (f->bidirectional) {
		size_t last = c->n_xf;

		for (size_t i = first; i < last; i++) {
			struct xflow r = c->xf[i];
			struct side t = r.src;

			if (r.dst.n_fqdns)
				continue; /* endpoints only answer */
			r.src = r.dst;
			r.dst = t;
			r.origin.note =
			    r.origin.note
				? fwc_arena_printf(c->a,
				      "%s, reverse direction", r.origin.note)
				: "reverse direction";
			push_xf(c, &r);
		}
	}
}

/* Enforcement points. */

static void
rsb_init(struct plctx *c, struct rsb *b, const char *name,
    enum fwc_ep_kind kind, const char *os, const char *target,
    const char *egress, struct fwc_loc loc)
{
	struct fwc_ruleset *rs = fwc_arena_alloc(c->a, sizeof(*rs));
	bool filter_out = egress != NULL && strcmp(egress, "filter") == 0;

	memset(b, 0, sizeof(*b));
	b->rs = rs;
	rs->name = name;
	rs->kind = kind;
	rs->os = os;
	rs->target = target;
	rs->policy = c->p->name;
	rs->loc = loc;
	rs->chain_default[FWC_CHAIN_INPUT] = c->p->default_action;
	rs->chain_default[FWC_CHAIN_FORWARD] = c->p->default_action;
	rs->chain_default[FWC_CHAIN_OUTPUT] =
	    filter_out ? c->p->default_action : FWC_ACT_ACCEPT;
	rs->has_chain[FWC_CHAIN_INPUT] = true;
	rs->has_chain[FWC_CHAIN_FORWARD] = kind == FWC_EP_GATEWAY;
	rs->has_chain[FWC_CHAIN_OUTPUT] = true;
}

/* Hands the rules to the arena, trimmed to size, and frees the
 * scratch. */
static void
rsb_finish(struct plctx *c, struct rsb *b)
{
	struct fwc_ruleset *rs = b->rs;

	if (rs->n_rules != 0)
		rs->rules = fwc_arena_adopt(c->a,
		    fwc_xrealloc(rs->rules, rs->n_rules * sizeof(*rs->rules)),
		    rs->n_rules * sizeof(*rs->rules));
	free(b->tab);
	for (int f = 0; f < FWC_FAM_NR; f++)
		fwc_map_release(&b->names[f]);
}

static const char *
default_target(const char *os)
{
	if (os != NULL && strcmp(os, "windows") == 0)
		return "netsh";
	if (os != NULL && strcmp(os, "bsd") == 0)
		return "pf";
	return "nft";
}

static int
ep_cmp(const void *x, const void *y)
{
	const struct fwc_ruleset *a = *(const struct fwc_ruleset *const *)x;
	const struct fwc_ruleset *b = *(const struct fwc_ruleset *const *)y;

	if (a->kind != b->kind)
		return a->kind == FWC_EP_GATEWAY ? -1 : 1;
	return strcmp(a->name, b->name);
}

int
fwc_place(struct fwc_arena *a, struct fwc_diag *dg, const struct fwc_policy *p,
    struct fwc_program **out)
{
	struct plctx c;
	struct fwc_program *prog = fwc_arena_alloc(a, sizeof(*prog));
	struct ep *eps;
	size_t n_eps = 0;
	size_t cap = 0;
	unsigned int before = dg->errors;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.dg = dg;
	c.p = p;
	c.root_file = p->n_files ? p->files[0] : "";
	prog->policy = p->name;
	build_known(&c);
	/* Every enforcement point is built at once, flow by flow: the
	 * directed pairs of a flow are placed as soon as they are made and
	 * never stored for the whole policy. Each ruleset still receives
	 * its rules and sets in flow order. */
	eps = fwc_xcalloc(p->gateways.n + p->hosts.n + 1, sizeof(*eps));
	for (size_t i = 0; i < p->gateways.n; i++) {
		const struct fwc_gateway *g = p->gateways.v[i];
		struct ep *ep = &eps[n_eps++];
		struct fwc_ir_iface *ifs;

		rsb_init(&c, &ep->b, g->d.name, FWC_EP_GATEWAY,
		    g->os ? g->os : "linux",
		    g->target ? g->target : default_target(g->os), g->egress,
		    g->d.loc);
		ifs = fwc_arena_alloc(a, (g->n_ifaces + 1) * sizeof(*ifs));
		for (size_t k = 0; k < g->n_ifaces; k++) {
			ifs[k].name = g->ifaces[k].name;
			ifs[k].boundaries = g->ifaces[k].boundary_attr;
			ifs[k].is_any = g->ifaces[k].is_any;
			ifs[k].loc = g->ifaces[k].loc;
		}
		ep->b.rs->ifaces = ifs;
		ep->b.rs->n_ifaces = g->n_ifaces;
		ep_gateway_init(&c, ep, g);
	}
	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct fwc_host *h = p->hosts.v[i];
		struct ep *ep = &eps[n_eps];

		if (!h->enforces)
			continue;
		n_eps++;
		rsb_init(&c, &ep->b, h->d.name, FWC_EP_HOST,
		    h->os ? h->os : "linux",
		    h->target ? h->target : default_target(h->os), h->egress,
		    h->d.loc);
		ep->h = h;
	}
	for (size_t i = 0; i < p->flows.n; i++) {
		c.n_xf = 0;
		expand_flow(&c, p->flows.v[i]);
		for (size_t k = 0; k < c.n_xf; k++)
			for (size_t e = 0; e < n_eps; e++) {
				if (eps[e].g != NULL)
					place_gateway(&c, &eps[e], &c.xf[k]);
				else
					place_host(&c, &eps[e], &c.xf[k]);
			}
	}
	if (c.empty_lib)
		fwc_note(dg, NULL,
		    "%u flows from included files match no address (roles not deployed in this policy); -v lists them",
		    c.empty_lib);
	for (size_t e = 0; e < n_eps; e++) {
		rsb_finish(&c, &eps[e].b);
		free(eps[e].dst_behind);
		FWC_VEC_PUSH(a, prog->eps, prog->n_eps, cap, eps[e].b.rs);
	}
	free(eps);
	free(c.xf);
	free(c.known);
	if (prog->n_eps > 1)
		qsort(prog->eps, prog->n_eps, sizeof(*prog->eps), ep_cmp);
	*out = prog;
	return dg->errors > before ? -1 : 0;
}
