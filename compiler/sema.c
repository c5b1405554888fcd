/* Third stage of the pipeline: name resolution and value checking. Builds
 * the namespaces (network objects, services, proxies, AD sites) honouring
 * override="true", resolves every reference (with did-you-mean), parses
 * addresses and ports, composes services and boundaries (with cycle
 * detection), subtracts excludes and computes the address set of every
 * network object. After success every sema field of the policy is set. */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/names.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"

enum nskind {
	NS_BOUNDARY = FWC_REF_BOUNDARY,
	NS_ROLE = FWC_REF_ROLE,
	NS_HOST = FWC_REF_HOST,
	NS_ENDPOINT = FWC_REF_ENDPOINT,
	NS_GATEWAY = FWC_REF_GATEWAY,
	NS_BGROUP = FWC_REF_BGROUP,
};

static const char *const kind_names[] = {
	[FWC_REF_ANY] = "boundary",
	[FWC_REF_BOUNDARY] = "boundary",
	[FWC_REF_ROLE] = "role",
	[FWC_REF_HOST] = "host",
	[FWC_REF_ENDPOINT] = "endpoint",
	[FWC_REF_GATEWAY] = "gateway",
	[FWC_REF_BGROUP] = "boundary group",
	[FWC_REF_ADDRESS] = "address",
};

struct sctx {
	struct fwc_arena *a;
	struct fwc_diag *dg;
	const struct fwc_options *opt;
	struct fwc_policy *p;
	struct fwc_map net; /* network objects */
	struct fwc_map svc; /* services */
	struct fwc_map proxies;
	struct fwc_map adsites;
	void *any_ref; /* the reference to "any" flows share */
};

/* Address sets gathered for one fwc_addrset_union_n(): uniting them one
 * at a time would cost time quadratic in the number of sets. Scratch on
 * the heap, freed by set_union(). */
struct setvec {
	const struct fwc_addrset **v;
	size_t n;
	size_t cap;
};

static void
set_push(struct setvec *sv, const struct fwc_addrset *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 8;
		sv->v = fwc_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

/* True when the intervals of family f of o, another set than s, lie
 * in memory that s's do too. */
static bool
shares(
    const struct fwc_addrset *o, const struct fwc_addrset *s, enum fwc_family f)
{
	uintptr_t olo;
	uintptr_t ohi;
	uintptr_t slo = (uintptr_t)s->v[f];
	uintptr_t shi = (uintptr_t)(s->v[f] + s->n[f]);

	if (o == NULL || o == s || o->n[f] == 0)
		return false;
	olo = (uintptr_t)o->v[f];
	ohi = (uintptr_t)(o->v[f] + o->n[f]);
	return olo < shi && slo < ohi;
}

#define SHARED_IN(vec, s, f)                                      \
	do {                                                      \
		for (size_t i_ = 0; i_ < (vec).n; i_++)           \
			if (shares((vec).v[i_]->addrs, (s), (f))) \
				return false;                     \
	} while (0)

/* For fwc_addrset_union_n_move(): true when no set of the policy p but s
 * refers to s's intervals of family f, which may then go. Every set that
 * outlives the function making it hangs off a definition by then (the
 * flows' references come after the last union that moves). Reads every
 * definition, but only for the few arrays large enough to give back. */
static bool
alone_in_policy(void *p_, const struct fwc_addrset *s, enum fwc_family f)
{
	const struct fwc_policy *p = p_;

	SHARED_IN(p->adsites, s, f);
	SHARED_IN(p->boundaries, s, f);
	SHARED_IN(p->roles, s, f);
	SHARED_IN(p->hosts, s, f);
	SHARED_IN(p->endpoints, s, f);
	SHARED_IN(p->bgroups, s, f);
	SHARED_IN(p->gateways, s, f);
	for (size_t i = 0; i < p->gateways.n; i++)
		for (size_t j = 0; j < p->gateways.v[i]->n_ifaces; j++)
			if (shares(p->gateways.v[i]->ifaces[j].addrs, s, f))
				return false;
	return true;
}

/* The union of the gathered sets; frees the scratch. With c, for a union
 * in the policy's arena, sets that lie end to end move into it
 * (fwc_addrset_union_n_move()): a large boundary is then held once,
 * however many interfaces and flows unite it with its neighbours. */
static const struct fwc_addrset *
set_union(struct fwc_arena *a, struct setvec *sv, struct sctx *c)
{
	const struct fwc_addrset *s =
	    c != NULL ? fwc_addrset_union_n_move(
			    a, sv->v, sv->n, alone_in_policy, c->p)
		      : fwc_addrset_union_n(a, sv->v, sv->n);

	free(sv->v);
	memset(sv, 0, sizeof(*sv));
	return s;
}

/* Namespaces. */

static void
define(struct sctx *c, struct fwc_map *m, struct fwc_def *d, void *obj,
    int kind, const char *what)
{
	struct fwc_map_slot *s;

	if (d->name[0] == '\0')
		return;
	s = fwc_map_get(m, d->name);
	if (s == NULL) {
		fwc_map_put(m, d->name, obj, kind);
		return;
	}
	{
		const struct fwc_def *old = s->val;

		if (!d->override) {
			fwc_error(
			    c->dg, &d->nloc, "duplicate name '%s'", d->name);
			fwc_note(c->dg, &old->loc,
			    "'%s' is first defined here (use override=\"true\" to replace it)",
			    d->name);
			return;
		}
		if (s->kind != kind) {
			fwc_error(c->dg, &d->nloc,
			    "%s '%s' cannot override the %s of the same name",
			    what, d->name, kind_names[s->kind]);
			fwc_note(c->dg, &old->loc, "the %s is defined here",
			    kind_names[s->kind]);
			return;
		}
		fwc_note(c->dg, &d->nloc,
		    "%s '%s' overrides the definition at %s:%u", what, d->name,
		    old->loc.file, (unsigned int)old->loc.line);
		s->val = obj;
	}
}

/* The definitions that survived overriding are those in the maps; mark
 * the replaced ones by clearing their name so later loops skip them. */
static bool
live(const struct fwc_map *m, const struct fwc_def *d)
{
	const struct fwc_map_slot *s;

	if (d->name[0] == '\0')
		return false;
	s = fwc_map_get(m, d->name);
	return s != NULL && s->val == d;
}

static void
unknown(struct sctx *c, const struct fwc_loc *loc, const struct fwc_map *m,
    const char *what, const char *name)
{
	const char *sug = fwc_map_suggest(m, name);

	if (sug != NULL)
		fwc_error(c->dg, loc, "unknown %s '%s'; did you mean '%s'?",
		    what, name, sug);
	else
		fwc_error(c->dg, loc, "unknown %s '%s'", what, name);
}

static void *
lookup(struct sctx *c, const struct fwc_map *m, const char *name, int kind,
    const struct fwc_loc *loc, const char *what)
{
	const struct fwc_map_slot *s = fwc_map_get(m, name);

	if (s == NULL) {
		unknown(c, loc, m, what, name);
		return NULL;
	}
	if (kind >= 0 && s->kind != kind) {
		fwc_error(c->dg, loc, "'%s' is a %s, not a %s", name,
		    kind_names[s->kind], what);
		return NULL;
	}
	((struct fwc_def *)s->val)->used = true;
	return s->val;
}

/* Addresses. */

/* Parsed intervals per family: heap scratch, freed by ivl_set(). */
struct ivlvec {
	struct fwc_ivl *v[FWC_FAM_NR];
	size_t n[FWC_FAM_NR];
	size_t cap[FWC_FAM_NR];
};

static void
ivl_push(struct ivlvec *iv, enum fwc_family f, struct fwc_ivl x)
{
	if (iv->n[f] == iv->cap[f]) {
		iv->cap[f] = iv->cap[f] ? 2 * iv->cap[f] : 4;
		iv->v[f] =
		    fwc_xrealloc(iv->v[f], iv->cap[f] * sizeof(*iv->v[f]));
	}
	iv->v[f][iv->n[f]++] = x;
}

/* The normalised set of the gathered intervals; frees the scratch. */
static const struct fwc_addrset *
ivl_set(struct sctx *c, struct ivlvec *iv)
{
	const struct fwc_addrset *s = fwc_addrset_from(c->a, iv->v[FWC_FAM_IP4],
	    iv->n[FWC_FAM_IP4], iv->v[FWC_FAM_IP6], iv->n[FWC_FAM_IP6]);

	for (int f = 0; f < FWC_FAM_NR; f++)
		free(iv->v[f]);
	memset(iv, 0, sizeof(*iv));
	return s;
}

int
fwc_item_addr_parse(enum fwc_item_kind kind, const char *v, bool single,
    enum fwc_family *f, struct fwc_ivl *x, const char **why)
{
	switch (kind) {
	case FWC_ITEM_SUBNET:
		return fwc_cidr_parse(v, f, x, why);
	case FWC_ITEM_RANGE:
		return fwc_range_parse(v, f, x, why);
	case FWC_ITEM_PREFIX:
		*f = FWC_FAM_IP6;
		return fwc_prefix_parse(v, x, why);
	case FWC_ITEM_ADDRESS:
	case FWC_ITEM_EXCLUDE:
		if (strchr(v, '/') != NULL && !single)
			return fwc_cidr_parse(v, f, x, why);
		if (strchr(v, '-') != NULL && !single)
			return fwc_range_parse(v, f, x, why);
		if (fwc_addr_parse(v, f, &x->lo, why) < 0)
			return -1;
		x->hi = x->lo;
		return 0;
	default:
		FWC_BUG("not an address item");
	}
}

/* Parses an address item into iv. single: only one address is allowed
 * (hosts, gateways). */
static int
addr_item(
    struct sctx *c, const struct fwc_item *it, struct ivlvec *iv, bool single)
{
	enum fwc_family f;
	struct fwc_ivl x;
	const char *why = NULL;
	const char *v = it->value;

	if (fwc_item_addr_parse(it->kind, v, single, &f, &x, &why) == 0) {
		ivl_push(iv, f, x);
		return 0;
	}
	switch (it->kind) {
	case FWC_ITEM_SUBNET:
		fwc_error(c->dg, &it->vloc, "bad subnet '%s': %s", v, why);
		break;
	case FWC_ITEM_RANGE:
		fwc_error(c->dg, &it->vloc, "bad range '%s': %s", v, why);
		break;
	case FWC_ITEM_PREFIX:
		fwc_error(c->dg, &it->vloc, "bad prefix '%s': %s", v, why);
		break;
	default:
		fwc_error(c->dg, &it->vloc, "bad address '%s': %s%s", v, why,
		    single && strchr(v, '/')
			? " (a host address takes no prefix length)"
			: "");
		break;
	}
	return -1;
}

/* The set of the address items: those parse.c read (pre, whose
 * intervals the set takes over) and those in iv. */
static const struct fwc_addrset *
pre_set(struct sctx *c, struct ivlvec *iv, struct fwc_ivls *pre)
{
	const struct fwc_addrset *s;

	if (iv->n[FWC_FAM_IP4] == 0 && iv->n[FWC_FAM_IP6] == 0) {
		/* pre->v is NULL when nothing was read (no offset then). */
		s = fwc_addrset_own(c->a, pre->v, pre->n4,
		    pre->n6 ? pre->v + pre->n4 : NULL, pre->n6);
		memset(pre, 0, sizeof(*pre));
		return s;
	}
	for (size_t i = 0; i < pre->n4 + pre->n6; i++)
		ivl_push(
		    iv, i < pre->n4 ? FWC_FAM_IP4 : FWC_FAM_IP6, pre->v[i]);
	memset(pre, 0, sizeof(*pre));
	return ivl_set(c, iv);
}

/* The set of a definition's address items: pre, and the items left in
 * items (which do not parse: their errors are reported here). */
static const struct fwc_addrset *
addr_items(struct sctx *c, const struct fwc_item *items, size_t n,
    struct fwc_ivls *pre, bool single)
{
	struct ivlvec iv;

	memset(&iv, 0, sizeof(iv));
	for (size_t i = 0; i < n; i++) {
		switch (items[i].kind) {
		case FWC_ITEM_SUBNET:
		case FWC_ITEM_RANGE:
		case FWC_ITEM_PREFIX:
		case FWC_ITEM_ADDRESS:
			addr_item(c, &items[i], &iv, single);
			break;
		default:
			break;
		}
	}
	return pre_set(c, &iv, pre);
}

static void resolve_boundary(struct sctx *c, struct fwc_boundary *b);

static const struct fwc_addrset *
boundary_ref(struct sctx *c, const char *name, const struct fwc_loc *loc)
{
	struct fwc_boundary *b;

	if (strcmp(name, "any") == 0)
		return fwc_addrset_all();
	b = lookup(c, &c->net, name, NS_BOUNDARY, loc, "boundary");
	if (b == NULL)
		return &fwc_addrset_empty;
	resolve_boundary(c, b);
	return b->addrs ? b->addrs : &fwc_addrset_empty;
}

static void
resolve_boundary(struct sctx *c, struct fwc_boundary *b)
{
	struct ivlvec ex;
	struct setvec parts;
	const struct fwc_addrset *s;
	bool has_ex = false;

	if (b->state == 2)
		return;
	if (b->state == 1) {
		fwc_error(c->dg, &b->d.loc, "boundary '%s' contains itself",
		    b->d.name);
		b->addrs = &fwc_addrset_empty;
		b->state = 2;
		return;
	}
	b->state = 1;
	memset(&ex, 0, sizeof(ex));
	memset(&parts, 0, sizeof(parts));
	s = addr_items(c, b->items, b->n_items, &b->pre, false);
	for (size_t i = 0; i < b->n_items; i++) {
		const struct fwc_item *it = &b->items[i];

		if (it->kind == FWC_ITEM_REF) {
			set_push(&parts, boundary_ref(c, it->value, &it->vloc));
		} else if (it->kind == FWC_ITEM_ADSITE) {
			struct fwc_adsite *ad = lookup(c, &c->adsites,
			    it->value, -1, &it->vloc, "AD site");

			if (ad != NULL && ad->addrs != NULL)
				set_push(&parts, ad->addrs);
		} else if (it->kind == FWC_ITEM_EXCLUDE) {
			addr_item(c, it, &ex, false);
			has_ex = true;
		}
	}
	/* Most boundaries are their own addresses only. */
	if (parts.n > 0) {
		set_push(&parts, s);
		s = set_union(c->a, &parts, c);
	}
	if (has_ex) {
		bool was_empty = fwc_addrset_is_empty(s);

		s = fwc_addrset_minus(c->a, s, ivl_set(c, &ex));
		if (!was_empty && fwc_addrset_is_empty(s))
			fwc_warning(c->dg, &b->d.nloc,
			    "boundary '%s' is empty after exclusion",
			    b->d.name);
	}
	b->addrs = s;
	b->state = 2;
}

/* Services. */

struct matchvec {
	struct fwc_svc_match *v;
	size_t n;
	size_t cap;
};

static void resolve_service(struct sctx *c, struct fwc_service *s);

static bool
is_port_proto(int p)
{
	return p == FWC_PROTO_TCP || p == FWC_PROTO_UDP || p == 132 || p == 136;
}

static int
port_item(struct sctx *c, const struct fwc_item *it, struct matchvec *mv)
{
	struct fwc_svc_match m;
	struct fwc_pivl pv;
	const char *why = NULL;
	int proto = it->protocol ? fwc_proto_parse(it->protocol) : -1;

	memset(&m, 0, sizeof(m));
	if (!is_port_proto(proto)) {
		fwc_error(c->dg, &it->loc,
		    "protocol '%s' has no ports (expected tcp, udp, sctp or udplite)",
		    it->protocol ? it->protocol : "");
		return -1;
	}
	m.proto = proto;
	if (fwc_port_parse(it->value, false, &pv, &why) < 0) {
		fwc_error(
		    c->dg, &it->vloc, "bad port '%s': %s", it->value, why);
		return -1;
	}
	if (it->kind == FWC_ITEM_PORT) {
		m.dport = *fwc_portset_from(c->a, &pv, 1);
		if (it->sport != NULL) {
			if (fwc_port_parse(it->sport, false, &pv, &why) < 0) {
				fwc_error(c->dg, &it->loc,
				    "bad source port '%s': %s", it->sport, why);
				return -1;
			}
			m.sport = *fwc_portset_from(c->a, &pv, 1);
		}
	} else {
		m.sport = *fwc_portset_from(c->a, &pv, 1);
	}
	FWC_VEC_PUSH(c->a, mv->v, mv->n, mv->cap, m);
	return 0;
}

static int
icmp_item(struct sctx *c, const struct fwc_item *it, struct matchvec *mv)
{
	bool v6 = it->kind == FWC_ITEM_ICMP6;
	struct fwc_svc_match m;
	int t = fwc_icmp_type_parse(it->value, v6);

	memset(&m, 0, sizeof(m));
	if (t < 0) {
		fwc_error(c->dg, &it->vloc, "unknown %s type '%s'",
		    v6 ? "ICMPv6" : "ICMP", it->value);
		return -1;
	}
	if (it->code != NULL) {
		fwc_error(c->dg, &it->loc,
		    "ICMP codes are not supported; match the whole type '%s'",
		    it->value);
		return -1;
	}
	m.proto = v6 ? FWC_PROTO_ICMP6 : FWC_PROTO_ICMP;
	m.has_types = true;
	m.types[t / 8] |= (uint8_t)(1u << (t % 8));
	FWC_VEC_PUSH(c->a, mv->v, mv->n, mv->cap, m);
	return 0;
}

/* Merges matches: per protocol and source ports, destination ports and
 * ICMP types are united; a match without ports absorbs the others. */
static void
merge_matches(struct sctx *c, struct matchvec *mv, struct fwc_svc_match **out_v,
    size_t *out_n)
{
	struct matchvec out;

	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < mv->n; i++) {
		const struct fwc_svc_match *m = &mv->v[i];
		size_t j;

		for (j = 0; j < out.n; j++) {
			struct fwc_svc_match *o = &out.v[j];

			if (o->proto != m->proto ||
			    !fwc_portset_equal(&o->sport, &m->sport))
				continue;
			if (m->has_types != o->has_types &&
			    (m->proto == FWC_PROTO_ICMP ||
				m->proto == FWC_PROTO_ICMP6)) {
				o->has_types = false; /* all types */
				break;
			}
			if (o->has_types) {
				for (int b = 0; b < 32; b++)
					o->types[b] |= m->types[b];
			} else if (o->dport.n == 0 || m->dport.n == 0) {
				o->dport.n = 0;
				o->dport.v = NULL;
			} else {
				o->dport = *fwc_portset_union(
				    c->a, &o->dport, &m->dport);
			}
			break;
		}
		if (j == out.n)
			FWC_VEC_PUSH(c->a, out.v, out.n, out.cap, *m);
	}
	/* A protocol-wide match without source ports absorbs the rest of
	 * that protocol. */
	for (size_t i = 0; i < out.n; i++) {
		struct fwc_svc_match *o = &out.v[i];

		if (o->dport.n == 0 && o->sport.n == 0 && !o->has_types) {
			size_t k = 0;

			for (size_t j = 0; j < out.n; j++)
				if (j == i || out.v[j].proto != o->proto ||
				    o->proto == FWC_PROTO_ANY)
					out.v[k++] = out.v[j];
			if (k != out.n) {
				out.n = k;
				i = (size_t)-1;
			}
		}
	}
	*out_v = out.v;
	*out_n = out.n;
}

static void
resolve_service(struct sctx *c, struct fwc_service *s)
{
	struct matchvec mv;

	if (s->state == 2)
		return;
	if (s->state == 1) {
		fwc_error(c->dg, &s->d.loc, "service '%s' contains itself",
		    s->d.name);
		s->state = 2;
		return;
	}
	s->state = 1;
	memset(&mv, 0, sizeof(mv));
	for (size_t i = 0; i < s->n_items; i++) {
		const struct fwc_item *it = &s->items[i];

		switch (it->kind) {
		case FWC_ITEM_PORT:
		case FWC_ITEM_SRCPORT:
			port_item(c, it, &mv);
			break;
		case FWC_ITEM_ICMP:
		case FWC_ITEM_ICMP6:
			icmp_item(c, it, &mv);
			break;
		case FWC_ITEM_PROTO: {
			struct fwc_svc_match m;
			int p = fwc_proto_parse(it->value);

			memset(&m, 0, sizeof(m));
			if (p < 0) {
				fwc_error(c->dg, &it->vloc,
				    "unknown protocol '%s'", it->value);
				break;
			}
			m.proto = p;
			FWC_VEC_PUSH(c->a, mv.v, mv.n, mv.cap, m);
			break;
		}
		case FWC_ITEM_REF: {
			struct fwc_service *r = lookup(
			    c, &c->svc, it->value, -1, &it->vloc, "service");

			if (r == NULL)
				break;
			resolve_service(c, r);
			for (size_t j = 0; j < r->n_m; j++)
				FWC_VEC_PUSH(c->a, mv.v, mv.n, mv.cap, r->m[j]);
			break;
		}
		default:
			FWC_BUG("bad service item");
		}
	}
	if (s->n_items == 0)
		fwc_error(c->dg, &s->d.loc, "service '%s' is empty", s->d.name);
	merge_matches(c, &mv, &s->m, &s->n_m);
	s->state = 2;
}

/* Endpoints. */

static bool
valid_fqdn(const char *s, bool *wild)
{
	size_t label = 0;
	size_t len = strlen(s);

	*wild = false;
	if (s[0] == '*' && s[1] == '.') {
		*wild = true;
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 253 || s[len - 1] == '.')
		return false;
	for (; *s; s++) {
		char ch = *s;

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Resolves name now (--resolve) into iv; 0 or -1. */
static int
resolve_dns(struct sctx *c, const struct fwc_item *it, struct ivlvec *iv)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(it->value, NULL, &hints, &res);
	if (rc != 0) {
		fwc_error(c->dg, &it->vloc, "cannot resolve '%s': %s",
		    it->value, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *r = res; r != NULL; r = r->ai_next) {
		char host[64];
		struct fwc_ivl x;
		enum fwc_family f;
		const char *why;

		if (getnameinfo(r->ai_addr, r->ai_addrlen, host, sizeof(host),
			NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		if (fwc_addr_parse(host, &f, &x.lo, &why) < 0)
			continue;
		x.hi = x.lo;
		ivl_push(iv, f, x);
	}
	freeaddrinfo(res);
	return 0;
}

static void
resolve_endpoint(struct sctx *c, struct fwc_endpoint *e)
{
	struct ivlvec iv;
	size_t cap = 0;

	memset(&iv, 0, sizeof(iv));
	for (size_t i = 0; i < e->n_items; i++) {
		const struct fwc_item *it = &e->items[i];
		bool wild;

		if (it->kind == FWC_ITEM_ADDRESS) {
			addr_item(c, it, &iv, false);
			continue;
		}
		if (!valid_fqdn(it->value, &wild)) {
			fwc_error(c->dg, &it->vloc,
			    "bad DNS name '%s' (expected a name such as 'host.example.com' or '*.example.com')",
			    it->value);
			continue;
		}
		if (wild) {
			e->has_wildcard = true;
		} else if (c->opt->resolve) {
			resolve_dns(c, it, &iv);
		} else {
			FWC_VEC_PUSH(
			    c->a, e->fqdns, e->n_fqdns, cap, it->value);
		}
	}
	if (e->n_fqdns > 1) {
		size_t k = 1;

		qsort(e->fqdns, e->n_fqdns, sizeof(*e->fqdns), str_cmp);
		for (size_t i = 1; i < e->n_fqdns; i++)
			if (strcmp(e->fqdns[i], e->fqdns[k - 1]) != 0)
				e->fqdns[k++] = e->fqdns[i];
		e->n_fqdns = k;
	}
	e->addrs = pre_set(c, &iv, &e->pre);
}

/* Hosts, roles, proxies, boundary groups, gateways. */

/* Adds h to the hosts of r, the n_role_v - 1 first roles of h being
 * done: each host is resolved once, so h can only be in r->hosts already
 * when it names r twice, which its own short list tells without
 * scanning the role's hosts (thousands for a client role). */
static void
add_role_host(struct sctx *c, struct fwc_role *r, struct fwc_host *h)
{
	for (size_t i = 0; i + 1 < h->n_role_v; i++)
		if (h->role_v[i] == r)
			return;
	FWC_VEC_PUSH(c->a, r->hosts, r->n_hosts, r->cap_hosts, h);
}

static void
resolve_host(struct sctx *c, struct fwc_host *h)
{
	size_t cap = 0;
	/* Counted before addr_items() takes the intervals over. */
	bool none = h->n_items == 0 && h->pre.n4 + h->pre.n6 == 0;

	h->addrs = addr_items(c, h->items, h->n_items, &h->pre, true);
	if (none)
		fwc_warning(
		    c->dg, &h->d.nloc, "host '%s' has no address", h->d.name);
	for (size_t i = 0; i < h->roles.n; i++) {
		struct fwc_role *r = lookup(c, &c->net, h->roles.v[i].s,
		    NS_ROLE, &h->roles.v[i].loc, "role");

		if (r == NULL)
			continue;
		FWC_VEC_PUSH(c->a, h->role_v, h->n_role_v, cap, r);
		add_role_host(c, r, h);
	}
	if (h->proxy_name != NULL)
		h->proxy = lookup(
		    c, &c->proxies, h->proxy_name, -1, &h->proxy_loc, "proxy");
	if (h->firewall != NULL)
		h->enforces = strcmp(h->firewall, "on") == 0;
	else
		h->enforces = h->os != NULL && strcmp(h->os, "windows") == 0;
	if (h->target != NULL && fwc_backend_find(h->target) == NULL)
		fwc_error(
		    c->dg, &h->target_loc, "unknown target '%s'", h->target);
}

static void
resolve_role(struct sctx *c, struct fwc_role *r)
{
	struct setvec parts;

	memset(&parts, 0, sizeof(parts));
	for (size_t i = 0; i < r->n_items; i++)
		set_push(&parts,
		    boundary_ref(c, r->items[i].value, &r->items[i].vloc));
	for (size_t i = 0; i < r->n_hosts; i++)
		set_push(&parts, r->hosts[i]->addrs);
	r->addrs = set_union(c->a, &parts, c);
}

static void
resolve_proxy(struct sctx *c, struct fwc_proxy *x)
{
	struct fwc_pivl pv;
	const char *why;

	x->host =
	    lookup(c, &c->net, x->host_name, NS_HOST, &x->host_loc, "host");
	if (fwc_port_parse(x->port, false, &pv, &why) < 0)
		fwc_error(c->dg, &x->port_loc, "bad proxy port '%s': %s",
		    x->port, why);
	else if (pv.lo != pv.hi)
		fwc_error(c->dg, &x->port_loc,
		    "bad proxy port '%s': a proxy listens on one port",
		    x->port);
	else
		x->portnum = pv.lo;
}

static void
resolve_bgroup(struct sctx *c, struct fwc_bgroup *g)
{
	struct setvec parts;
	size_t cap = 0;

	memset(&parts, 0, sizeof(parts));
	for (size_t i = 0; i < g->n_items; i++)
		set_push(&parts,
		    boundary_ref(c, g->items[i].value, &g->items[i].vloc));
	g->addrs = set_union(c->a, &parts, c);
	for (size_t i = 0; i < g->n_systems; i++) {
		struct fwc_host *h = lookup(c, &c->net, g->systems[i].s,
		    NS_HOST, &g->systems[i].loc, "host");

		if (h != NULL)
			FWC_VEC_PUSH(c->a, g->hosts, g->n_hosts, cap, h);
	}
	for (size_t i = 0; i < g->n_fb; i++) {
		struct fwc_fallback *f = &g->fb[i];

		f->to = lookup(
		    c, &c->net, f->group, NS_BGROUP, &f->loc, "boundary group");
		if (f->to == g) {
			fwc_error(c->dg, &f->loc,
			    "boundary group '%s' falls back to itself",
			    g->d.name);
			f->to = NULL;
		}
		for (size_t j = 0; j < f->roles.n; j++)
			lookup(c, &c->net, f->roles.v[j].s, NS_ROLE,
			    &f->roles.v[j].loc, "role");
	}
}

static const struct fwc_addrset *
ref_addrs(struct sctx *c, const struct fwc_word *w, const char *what)
{
	const struct fwc_map_slot *s;

	if (strcmp(w->s, "any") == 0)
		return fwc_addrset_all();
	s = fwc_map_get(&c->net, w->s);
	if (s == NULL) {
		unknown(c, &w->loc, &c->net, what, w->s);
		return &fwc_addrset_empty;
	}
	((struct fwc_def *)s->val)->used = true;
	switch (s->kind) {
	case FWC_REF_BOUNDARY:
		return ((struct fwc_boundary *)s->val)->addrs;
	case FWC_REF_ROLE:
		return ((struct fwc_role *)s->val)->addrs;
	case FWC_REF_HOST:
		return ((struct fwc_host *)s->val)->addrs;
	default:
		fwc_error(c->dg, &w->loc, "'%s' is a %s, not a %s", w->s,
		    kind_names[s->kind], what);
		return &fwc_addrset_empty;
	}
}

static bool
valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
			*s == '-' || *s == '@'))
			return false;
	return true;
}

static void
resolve_gateway(struct sctx *c, struct fwc_gateway *g)
{
	const struct fwc_addrset *others = &fwc_addrset_empty;
	struct setvec all_named = { NULL, 0, 0 };
	struct fwc_iface *any = NULL;

	g->addrs = addr_items(c, g->items, g->n_items, &g->pre, true);
	for (size_t i = 0; i < g->n_ifaces; i++) {
		struct fwc_iface *f = &g->ifaces[i];
		const struct fwc_addrset *s = &fwc_addrset_empty;
		struct setvec parts = { NULL, 0, 0 };

		if (!valid_ifname(f->name))
			fwc_error(c->dg, &f->loc,
			    "bad interface name '%s' (1 to 15 letters, digits, '.', '_', '-' or '@')",
			    f->name);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(g->ifaces[j].name, f->name) == 0) {
				fwc_error(c->dg, &f->loc,
				    "interface '%s' is declared twice on gateway '%s'",
				    f->name, g->d.name);
				fwc_note(c->dg, &g->ifaces[j].loc,
				    "first declared here");
				break;
			}
		}
		for (size_t j = 0; j < f->boundaries.n; j++) {
			const struct fwc_word *w = &f->boundaries.v[j];

			if (strcmp(w->s, "any") == 0) {
				if (any != NULL && any != f)
					fwc_error(c->dg, &w->loc,
					    "only one interface of gateway '%s' can face 'any' (also '%s')",
					    g->d.name, any->name);
				any = f;
				f->is_any = true;
				continue;
			}
			set_push(&parts, ref_addrs(c, w, "boundary"));
		}
		if (parts.n > 0)
			s = set_union(c->a, &parts, c);
		f->addrs = s;
		if (!f->is_any) {
			for (size_t j = 0; j < i; j++) {
				const struct fwc_iface *o = &g->ifaces[j];

				if (o->is_any || o->addrs == NULL ||
				    !fwc_addrset_overlaps(o->addrs, s))
					continue;
				fwc_warning(c->dg, &f->loc,
				    "addresses behind interface '%s' are also behind interface '%s' of gateway '%s'",
				    f->name, o->name, g->d.name);
				fwc_note(c->dg, &o->loc,
				    "interface '%s' is here", o->name);
				break;
			}
			set_push(&all_named, s);
		}
	}
	/* Only the interface facing 'any' needs the others' union (as
	 * large as every address behind the gateway). */
	if (any != NULL) {
		if (all_named.n > 0)
			others = set_union(c->a, &all_named, c);
		any->addrs = fwc_addrset_union(c->a, any->addrs,
		    fwc_addrset_minus(c->a, fwc_addrset_all(), others));
	}
	free(all_named.v);
	if (g->n_ifaces == 0)
		fwc_warning(c->dg, &g->d.nloc,
		    "gateway '%s' has no interface: it forwards nothing",
		    g->d.name);
}

/* Flows. */

/* The next word of a flow's list attribute value s (see
 * fwc_word_next()), with its own string: s itself when it is the whole
 * value (the usual single word), else a copy. false at the end. */
static bool
next_word(struct sctx *c, const char **p, const char *s,
    const struct fwc_loc *loc, const char *name, struct fwc_word *w)
{
	const char *start;
	size_t len = fwc_word_next(p, s, loc, strlen(name), &start, &w->loc);

	if (len == 0)
		return false;
	w->s =
	    start == s && **p == '\0' ? s : fwc_arena_strndup(c->a, start, len);
	return true;
}

/* What the word w of a flow's from or to list refers to, in *r; false
 * when it names nothing (reported). */
static bool
resolve_word(struct sctx *c, const struct fwc_word *w, struct fwc_ref *r)
{
	const struct fwc_map_slot *s;
	enum fwc_family f;
	struct fwc_ivl x;
	const char *why;

	memset(r, 0, sizeof(*r));
	r->s = w->s;
	if (strcmp(r->s, "any") == 0) {
		r->kind = FWC_REF_ANY;
		r->addrs = fwc_addrset_all();
		return true;
	}
	s = fwc_map_get(&c->net, r->s);
	if (s == NULL) {
		/* A literal address, CIDR or range. */
		bool ok = (strchr(r->s, '/') &&
			      fwc_cidr_parse(r->s, &f, &x, &why) == 0) ||
			  (strchr(r->s, '-') &&
			      fwc_range_parse(r->s, &f, &x, &why) == 0) ||
			  (fwc_addr_parse(r->s, &f, &x.lo, &why) == 0 &&
			      (x.hi = x.lo, true));

		if (!ok) {
			unknown(c, &w->loc, &c->net, "name", r->s);
			return false;
		}
		r->kind = FWC_REF_ADDRESS;
		r->addrs = f == FWC_FAM_IP4
			       ? fwc_addrset_from(c->a, &x, 1, NULL, 0)
			       : fwc_addrset_from(c->a, NULL, 0, &x, 1);
		return true;
	}
	((struct fwc_def *)s->val)->used = true;
	r->kind = (enum fwc_ref_kind)s->kind;
	r->obj = s->val;
	switch (r->kind) {
	case FWC_REF_BOUNDARY:
		r->addrs = ((struct fwc_boundary *)r->obj)->addrs;
		break;
	case FWC_REF_ROLE:
		r->addrs = ((struct fwc_role *)r->obj)->addrs;
		break;
	case FWC_REF_HOST:
		r->addrs = ((struct fwc_host *)r->obj)->addrs;
		break;
	case FWC_REF_ENDPOINT:
		r->addrs = ((struct fwc_endpoint *)r->obj)->addrs;
		break;
	case FWC_REF_GATEWAY:
		r->addrs = ((struct fwc_gateway *)r->obj)->addrs;
		break;
	case FWC_REF_BGROUP:
		r->addrs = ((struct fwc_bgroup *)r->obj)->addrs;
		break;
	default:
		FWC_BUG("bad ref kind");
	}
	if (r->addrs == NULL)
		r->addrs = &fwc_addrset_empty;
	return true;
}

/* The reference r as a list of one: the one every flow shares for a
 * definition (and for "any"), a copy for a literal address. */
static struct fwc_ref *
shared_ref(struct sctx *c, const struct fwc_ref *r)
{
	void **slot = r->obj != NULL ? &((struct fwc_def *)r->obj)->shared
		      : r->kind == FWC_REF_ANY ? &c->any_ref
					       : NULL;
	struct fwc_ref *x;

	if (slot != NULL && *slot != NULL)
		return *slot;
	x = fwc_arena_alloc(c->a, sizeof(*x));
	*x = *r;
	if (slot != NULL)
		*slot = x;
	return x;
}

static void
resolve_refs(struct sctx *c, const struct fwc_flow *fl, const char *list,
    struct fwc_pos pos, const char *name, struct fwc_ref **out, uint32_t *n_out)
{
	size_t cap = fwc_word_count(list);
	size_t n = 0;
	const char *p = list;
	struct fwc_loc loc = fwc_flow_loc(fl, pos);
	struct fwc_word w;
	struct fwc_ref r;

	*out = NULL;
	if (cap == 1) {
		if (next_word(c, &p, list, &loc, name, &w) &&
		    resolve_word(c, &w, &r)) {
			*out = shared_ref(c, &r);
			n = 1;
		}
	} else if (cap > 1) {
		/* Sized once: a reference per word at most. */
		*out = fwc_arena_alloc(c->a, cap * sizeof(**out));
		while (next_word(c, &p, list, &loc, name, &w))
			if (resolve_word(c, &w, &r))
				(*out)[n++] = r;
	}
	*n_out = (uint32_t)n;
}

static void
resolve_flow(struct sctx *c, struct fwc_flow *f)
{
	size_t cap = fwc_word_count(f->service_attr);
	size_t n_svc = 0;
	const char *p = f->service_attr;
	struct fwc_loc sl = fwc_flow_loc(f, f->service_pos);
	struct fwc_word sw;

	resolve_refs(
	    c, f, f->from_attr, f->from_pos, "from", &f->src, &f->n_src);
	resolve_refs(c, f, f->to_attr, f->to_pos, "to", &f->dst, &f->n_dst);
	for (size_t i = 0; i < f->n_src; i++) {
		struct fwc_loc l;

		if (f->src[i].kind != FWC_REF_ENDPOINT)
			continue;
		l = fwc_flow_ref_loc(f, false, i);
		fwc_error(c->dg, &l, "endpoint '%s' can only be a destination",
		    f->src[i].s);
	}
	/* One service: the list of one that its flows share. */
	if (cap > 1)
		f->svc = fwc_arena_alloc(c->a, cap * sizeof(*f->svc));
	while (next_word(c, &p, f->service_attr, &sl, "service", &sw)) {
		const struct fwc_word *w = &sw;
		struct fwc_service *s;

		if (strcmp(w->s, "any") == 0) {
			f->svc_any = true;
			continue;
		}
		s = lookup(c, &c->svc, w->s, -1, &w->loc, "service");
		if (s == NULL)
			continue;
		if (cap > 1) {
			f->svc[n_svc++] = s;
			continue;
		}
		if (s->d.shared == NULL) {
			struct fwc_service **one =
			    fwc_arena_alloc(c->a, sizeof(*one));

			*one = s;
			s->d.shared = one;
		}
		f->svc = s->d.shared;
		n_svc = 1;
	}
	f->n_svc = (uint32_t)n_svc;
	if (!f->svc_any && f->n_svc == 1 && f->svc[0]->state == 2) {
		/* One service: its matches are merged already, and merging
		 * them again would give a copy of the same. */
		f->m = f->svc[0]->m;
		f->n_m = (uint32_t)f->svc[0]->n_m;
	} else if (!f->svc_any) {
		struct matchvec mv;
		size_t n_m = 0;

		memset(&mv, 0, sizeof(mv));
		for (size_t i = 0; i < f->n_svc; i++)
			for (size_t j = 0; j < f->svc[i]->n_m; j++)
				FWC_VEC_PUSH(
				    c->a, mv.v, mv.n, mv.cap, f->svc[i]->m[j]);
		merge_matches(c, &mv, &f->m, &n_m);
		f->n_m = (uint32_t)n_m;
	}
	if (fwc_flow_via(f) != NULL && strcmp(f->opt->via, "none") != 0)
		f->opt->via_proxy = lookup(
		    c, &c->proxies, f->opt->via, -1, &f->opt->via_loc, "proxy");
	if (fwc_flow_scope(f) != NULL &&
	    strcmp(f->opt->scope, "boundary-group") == 0 &&
	    c->p->bgroups.n == 0)
		fwc_warning(c->dg, &f->opt->scope_loc,
		    "flow '%s' is scoped to boundary groups but the policy has none: it allows nothing",
		    f->id);
}

/* Flow names identify flows in diffs and diagnostics: unique. */
static void
check_flow_names(struct sctx *c)
{
	struct fwc_map m;

	fwc_map_init(&m);
	fwc_map_reserve(&m, c->p->flows.n);
	for (size_t i = 0; i < c->p->flows.n; i++) {
		struct fwc_flow *f = c->p->flows.v[i];
		const struct fwc_map_slot *s;

		if (f->name == NULL)
			continue;
		s = fwc_map_get(&m, f->name);
		if (s != NULL) {
			const struct fwc_flow *old = s->val;

			fwc_error(c->dg, &f->loc, "duplicate flow name '%s'",
			    f->name);
			fwc_note(c->dg, &old->loc, "'%s' is first used here",
			    f->name);
			continue;
		}
		fwc_map_put(&m, f->name, f, 0);
	}
	fwc_map_release(&m);
}

static void
build_namespaces(struct sctx *c)
{
	struct fwc_policy *p = c->p;

	fwc_map_reserve(&c->svc, p->services.n);
	fwc_map_reserve(&c->net, p->boundaries.n + p->roles.n + p->hosts.n +
				     p->endpoints.n + p->bgroups.n +
				     p->gateways.n);
	for (size_t i = 0; i < p->services.n; i++)
		define(c, &c->svc, &p->services.v[i]->d, p->services.v[i], 0,
		    "service");
	for (size_t i = 0; i < p->adsites.n; i++)
		define(c, &c->adsites, &p->adsites.v[i]->d, p->adsites.v[i], 0,
		    "AD site");
	for (size_t i = 0; i < p->proxies.n; i++)
		define(c, &c->proxies, &p->proxies.v[i]->d, p->proxies.v[i], 0,
		    "proxy");
	for (size_t i = 0; i < p->boundaries.n; i++)
		define(c, &c->net, &p->boundaries.v[i]->d, p->boundaries.v[i],
		    NS_BOUNDARY, "boundary");
	for (size_t i = 0; i < p->roles.n; i++)
		define(c, &c->net, &p->roles.v[i]->d, p->roles.v[i], NS_ROLE,
		    "role");
	for (size_t i = 0; i < p->hosts.n; i++)
		define(c, &c->net, &p->hosts.v[i]->d, p->hosts.v[i], NS_HOST,
		    "host");
	for (size_t i = 0; i < p->endpoints.n; i++)
		define(c, &c->net, &p->endpoints.v[i]->d, p->endpoints.v[i],
		    NS_ENDPOINT, "endpoint");
	for (size_t i = 0; i < p->bgroups.n; i++)
		define(c, &c->net, &p->bgroups.v[i]->d, p->bgroups.v[i],
		    NS_BGROUP, "boundary group");
	for (size_t i = 0; i < p->gateways.n; i++)
		define(c, &c->net, &p->gateways.v[i]->d, p->gateways.v[i],
		    NS_GATEWAY, "gateway");
}

/* Drops the definitions that an override replaced, keeping order. */
#define KEEP_LIVE(c, m, vec)                                 \
	do {                                                 \
		size_t k_ = 0;                               \
		for (size_t i_ = 0; i_ < (vec).n; i_++)      \
			if (live((m), &(vec).v[i_]->d))      \
				(vec).v[k_++] = (vec).v[i_]; \
		(vec).n = k_;                                \
	} while (0)

static void
check_hosts_in_boundaries(struct sctx *c)
{
	const struct fwc_addrset *hosts;
	const struct fwc_addrset *covered;
	struct fwc_policy *p = c->p;
	struct setvec parts;
	struct fwc_arena *tmp;

	if (p->boundaries.n == 0)
		return;
	/* A host is inside the boundaries when inside their part that
	 * meets the hosts: that part is as small as the hosts' addresses,
	 * where the union of every boundary is as large as all of them (a
	 * million subnets). Scratch in an arena of its own, given back. */
	tmp = fwc_arena_new();
	memset(&parts, 0, sizeof(parts));
	for (size_t i = 0; i < p->hosts.n; i++)
		if (!fwc_addrset_is_empty(p->hosts.v[i]->addrs))
			set_push(&parts, p->hosts.v[i]->addrs);
	hosts = set_union(tmp, &parts, NULL);
	for (size_t i = 0; i < p->boundaries.n && !fwc_addrset_is_empty(hosts);
	     i++) {
		const struct fwc_addrset *m =
		    fwc_addrset_inter(tmp, p->boundaries.v[i]->addrs, hosts);

		if (!fwc_addrset_is_empty(m))
			set_push(&parts, m);
	}
	covered = set_union(tmp, &parts, NULL);
	for (size_t i = 0; i < p->hosts.n; i++) {
		struct fwc_host *h = p->hosts.v[i];

		if (!fwc_addrset_is_empty(h->addrs) &&
		    !fwc_addrset_subset(h->addrs, covered))
			fwc_warning(c->dg, &h->d.nloc,
			    "host '%s' is outside every boundary", h->d.name);
	}
	fwc_arena_release(tmp);
}

int
fwc_sema(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, struct fwc_policy *p)
{
	static const struct fwc_options none;
	struct sctx c;
	unsigned int before = dg->errors;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.dg = dg;
	c.opt = opt ? opt : &none;
	c.p = p;
	fwc_map_init(&c.net);
	fwc_map_init(&c.svc);
	fwc_map_init(&c.proxies);
	fwc_map_init(&c.adsites);
	build_namespaces(&c);
	KEEP_LIVE(&c, &c.svc, p->services);
	KEEP_LIVE(&c, &c.adsites, p->adsites);
	KEEP_LIVE(&c, &c.proxies, p->proxies);
	KEEP_LIVE(&c, &c.net, p->boundaries);
	KEEP_LIVE(&c, &c.net, p->roles);
	KEEP_LIVE(&c, &c.net, p->hosts);
	KEEP_LIVE(&c, &c.net, p->endpoints);
	KEEP_LIVE(&c, &c.net, p->bgroups);
	KEEP_LIVE(&c, &c.net, p->gateways);

	for (size_t i = 0; i < p->adsites.n; i++)
		p->adsites.v[i]->addrs = addr_items(&c, p->adsites.v[i]->items,
		    p->adsites.v[i]->n_items, &p->adsites.v[i]->pre, false);
	for (size_t i = 0; i < p->boundaries.n; i++)
		resolve_boundary(&c, p->boundaries.v[i]);
	for (size_t i = 0; i < p->services.n; i++)
		resolve_service(&c, p->services.v[i]);
	for (size_t i = 0; i < p->proxies.n; i++)
		resolve_proxy(&c, p->proxies.v[i]);
	for (size_t i = 0; i < p->hosts.n; i++)
		resolve_host(&c, p->hosts.v[i]);
	for (size_t i = 0; i < p->roles.n; i++)
		resolve_role(&c, p->roles.v[i]);
	for (size_t i = 0; i < p->endpoints.n; i++)
		resolve_endpoint(&c, p->endpoints.v[i]);
	for (size_t i = 0; i < p->bgroups.n; i++)
		resolve_bgroup(&c, p->bgroups.v[i]);
	for (size_t i = 0; i < p->gateways.n; i++)
		resolve_gateway(&c, p->gateways.v[i]);
	for (size_t i = 0; i < p->flows.n && !dg->stopped; i++)
		resolve_flow(&c, p->flows.v[i]);
	check_flow_names(&c);
	check_hosts_in_boundaries(&c);

	fwc_map_release(&c.net);
	fwc_map_release(&c.svc);
	fwc_map_release(&c.proxies);
	fwc_map_release(&c.adsites);
	return dg->errors > before ? -1 : 0;
}

/* Empties the items of every definition of one kind. */
#define DROP_ITEMS(vec)                                   \
	do {                                              \
		for (size_t i_ = 0; i_ < (vec).n; i_++) { \
			(vec).v[i_]->items = NULL;        \
			(vec).v[i_]->n_items = 0;         \
		}                                         \
	} while (0)

void
fwc_policy_drop_items(struct fwc_policy *p)
{
	DROP_ITEMS(p->services);
	DROP_ITEMS(p->adsites);
	DROP_ITEMS(p->boundaries);
	DROP_ITEMS(p->roles);
	DROP_ITEMS(p->hosts);
	DROP_ITEMS(p->endpoints);
	DROP_ITEMS(p->bgroups);
	DROP_ITEMS(p->gateways);
	fwc_arena_release(p->items_arena);
	p->items_arena = NULL;
}
