/* Second stage of the pipeline: turns the element trees of the root policy
 * file and every file it includes into one struct fwc_policy. Values stay
 * raw text with their locations (sema.c checks them); this module checks
 * names, list syntax and includes (search path, cycles, repeats).
 * Address children of definitions (a boundary of 100,000 <subnet>s) are
 * taken from the XML reader as it reads them (sink_take()) and kept as
 * intervals only, and flows (10,000 <allow>s) become their struct
 * fwc_flow as they are read: they never become tree nodes. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"
#include "fwc/xml.h"

#define MAX_INCLUDE_DEPTH 16
#define MAX_NAME	  64
/* Entries in one address definition (boundary, host, role...) and in one
 * service: sets are built by merging entry by entry, and service ports
 * cost quadratic time (20,000 ports took 12 s and 1.6 GB). */
#define MAX_SET_ITEMS	  262144
#define MAX_SERVICE_ITEMS 1024

struct kindmap {
	const char *elem;
	enum fwc_item_kind kind;
};

/* Address intervals taken from the XML reader as it reads (struct
 * fwc_xml_sink), one family: small on the heap, then in a mapping that
 * reserves room for every element a file may hold, so that it never
 * moves and only the pages written are resident. */
struct ivpool {
	struct fwc_ivl *v;
	size_t n;
	size_t cap;
	size_t map; /* bytes reserved, or 0: v is on the heap */
};

/* What was taken of one definition's children. */
struct taken {
	uint32_t line; /* the definition's position */
	uint32_t col;
	uint32_t s4; /* its IPv4 intervals: pool4.v[s4..s4 + n4) */
	uint32_t n4;
	uint32_t s6; /* its IPv6 ones: pool6.v[s6..s6 + n6) */
	uint32_t n6;
	uint32_t n_seen; /* its children that read_items() counts */
};

/* A flow taken from the XML reader (sink_flow()), waiting for
 * parse_root() to put it in its place. */
struct held {
	struct fwc_flow *f;
	size_t slot; /* the root's children kept in the tree before it */
};

struct pctx;

/* The sink of one file: what was taken, by definition in document
 * order, and the flows taken, in document order. */
struct sink {
	struct ivpool pool4;
	struct ivpool pool6;
	struct taken *g;
	size_t n_g;
	size_t cap_g;
	size_t g_map; /* bytes reserved for g, or 0: g is on the heap */
	size_t head;  /* the next one read_items() looks at */
	/* The last parent seen, and its children's kind map. */
	const char *pname;
	const struct kindmap *map;
	size_t n_map;
	bool single;
	struct pctx *c;
	struct held *fl;
	size_t n_fl;
	size_t cap_fl;
	size_t fl_map;	/* bytes reserved for fl, or 0: fl is on the heap */
	size_t fl_head; /* the next one parse_root() puts in place */
	size_t kept;	/* children of the root left in the tree so far */
};

struct pctx {
	struct fwc_arena *a;
	struct fwc_diag *dg;
	const struct fwc_options *opt;
	struct fwc_policy *p;
	/* Canonical paths of the files being read (include stack) and of
	 * every file read so far. */
	const char *stack[MAX_INCLUDE_DEPTH + 1];
	const char *stack_name[MAX_INCLUDE_DEPTH + 1]; /* as opened */
	struct fwc_loc stack_loc[MAX_INCLUDE_DEPTH + 1];
	size_t depth;
	const char **seen;
	size_t n_seen;
	size_t cap_seen;
	unsigned int flow_index;
	struct sink *sink; /* of the file being read, or NULL */
};

static const char *
attr(const struct fwc_xnode *n, const char *name, struct fwc_loc *loc)
{
	const struct fwc_xattr *at = fwc_xnode_attr(n, name);

	if (at == NULL)
		return NULL;
	if (loc != NULL)
		*loc = at->loc;
	return at->value;
}

static bool
valid_name(const char *s)
{
	size_t i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
		(s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == '-'))
			return false;
	}
	return i <= MAX_NAME;
}

/* Reports a bad name; returns false when name is not acceptable. */
static bool
check_name(struct pctx *c, const char *s, const struct fwc_loc *loc)
{
	if (valid_name(s))
		return true;
	if (strlen(s) > MAX_NAME && s[0] != '\0')
		fwc_error(c->dg, loc,
		    "name '%.64s...' is longer than %d characters", s,
		    MAX_NAME);
	else
		fwc_error(c->dg, loc,
		    "invalid name '%s' (expected a letter or digit, then letters, digits, '.', '_' or '-')",
		    s);
	return false;
}

/* Splits a whitespace-separated attribute value into words. loc is the
 * attribute's name and nlen its length (see fwc_word_next()). */
static struct fwc_words
split_words(
    struct pctx *c, const char *s, const struct fwc_loc *loc, size_t nlen)
{
	struct fwc_words w = { NULL, 0 };
	/* Count first: most lists hold one word, and a large policy has
	 * hundreds of thousands of them. */
	size_t n = fwc_word_count(s);
	const char *p = s;
	const char *start;
	size_t len;
	struct fwc_loc wl;

	if (n == 0)
		return w;
	w.v = fwc_arena_alloc(c->a, n * sizeof(*w.v));
	while ((len = fwc_word_next(&p, s, loc, nlen, &start, &wl)) != 0) {
		/* The usual single word is the whole (arena-owned, never
		 * modified) value: share it rather than copy it. */
		w.v[w.n].s = start == s && *p == '\0'
				 ? s
				 : fwc_arena_strndup(c->a, start, len);
		w.v[w.n++].loc = wl;
	}
	return w;
}

static void
def_init(struct pctx *c, struct fwc_def *d, const struct fwc_xnode *n)
{
	const char *ov;

	d->loc = n->loc;
	d->nloc = n->loc;
	d->name = attr(n, "name", &d->nloc);
	if (d->name == NULL)
		d->name = "";
	else
		check_name(c, d->name, &d->nloc);
	d->description = attr(n, "description", NULL);
	ov = attr(n, "override", NULL);
	d->override = ov != NULL && strcmp(ov, "true") == 0;
}

static void
item_text(struct pctx *c, struct fwc_item *it, const struct fwc_xnode *k,
    enum fwc_item_kind kind)
{
	it->kind = kind;
	it->loc = k->loc;
	it->vloc = k->text ? k->text_loc : k->loc;
	/* The tree's text dies with the tree. */
	it->value = k->text ? fwc_arena_strdup(c->a, k->text) : "";
	if (k->text == NULL)
		fwc_error(c->dg, &k->loc, "<%s> is empty", k->name);
}

static void
item_ref(struct pctx *c, struct fwc_item *it, const struct fwc_xnode *k,
    const char *aname)
{
	it->kind = FWC_ITEM_REF;
	it->loc = k->loc;
	it->vloc = k->loc;
	it->value = attr(k, aname, &it->vloc);
	if (it->value == NULL) {
		fwc_error(c->dg, &k->loc, "missing attribute '%s' on <%s>",
		    aname, k->name);
		it->value = "";
	}
}

static bool
is_addr_kind(enum fwc_item_kind k)
{
	return k == FWC_ITEM_SUBNET || k == FWC_ITEM_RANGE ||
	       k == FWC_ITEM_PREFIX || k == FWC_ITEM_ADDRESS;
}

static size_t
kind_index(const struct fwc_xnode *k, const struct kindmap *map, size_t n_map)
{
	size_t j;

	for (j = 0; j < n_map; j++)
		if (strcmp(k->name, map[j].elem) == 0)
			break;
	return j;
}

static const struct kindmap addr_items[] = {
	{ "subnet", FWC_ITEM_SUBNET },
	{ "range", FWC_ITEM_RANGE },
	{ "prefix", FWC_ITEM_PREFIX },
	{ "address", FWC_ITEM_ADDRESS },
};

static const struct kindmap boundary_items[] = {
	{ "subnet", FWC_ITEM_SUBNET },
	{ "range", FWC_ITEM_RANGE },
	{ "prefix", FWC_ITEM_PREFIX },
	{ "address", FWC_ITEM_ADDRESS },
	{ "ad-site", FWC_ITEM_ADSITE },
	{ "boundary", FWC_ITEM_REF },
	{ "exclude", FWC_ITEM_EXCLUDE },
};

static const struct kindmap ref_items[] = {
	{ "boundary", FWC_ITEM_REF },
};

static const struct kindmap endpoint_items[] = {
	{ "fqdn", FWC_ITEM_FQDN },
	{ "address", FWC_ITEM_ADDRESS },
};

/* Pools from 64 KiB of intervals on live in a mapping of their own. */
#define POOL_MAP ((size_t)64 << 10)
/* Offset in a pool's mapping from which it asks for huge pages. */
#define POOL_HUGE ((size_t)4 << 20)

/* len bytes of room that never moves, only the pages written being
 * resident (no huge pages: fwc_mem_map() would ask for them), or NULL. */
static void *
reserve(size_t len)
{
#ifdef MAP_ANONYMOUS
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
#else
	(void)len;
	return NULL;
#endif
}

static void
pool_grow(struct ivpool *p)
{
	size_t max = fwc_xml_default_limits.max_elements;
	size_t cap = p->cap ? 2 * p->cap : 64;
	void *m = NULL;

	if (p->map != 0)
		FWC_BUG("address pool overflow");
	/* Room for every element a file may hold (our reader gives up
	 * before max_elements): it never moves, and the pages never
	 * written cost nothing. */
	if (cap * sizeof(*p->v) >= POOL_MAP && p->n < max)
		m = reserve(max * sizeof(*p->v));
	if (m == NULL) {
		p->v = fwc_xrealloc(p->v, cap * sizeof(*p->v));
		p->cap = cap;
		return;
	}
#ifdef MADV_HUGEPAGE
	/* Beyond POOL_HUGE, huge pages: a pool of a million intervals
	 * took 2,000 page faults a file, a fifth of its reading time;
	 * below, pages of 4 kB, so that a list of 100,000 is resident to
	 * the page. */
	(void)madvise((char *)m + POOL_HUGE, max * sizeof(*p->v) - POOL_HUGE,
	    MADV_HUGEPAGE);
#endif
	memcpy(m, p->v, p->n * sizeof(*p->v));
	free(p->v);
	p->v = m;
	p->cap = max;
	p->map = max * sizeof(*p->v);
}

static void
pool_push(struct ivpool *p, const struct fwc_ivl *x)
{
	if (p->n == p->cap)
		pool_grow(p);
	p->v[p->n++] = *x;
}

static void
pool_free(struct ivpool *p)
{
	fwc_mem_free(p->v, p->map);
	memset(p, 0, sizeof(*p));
}

/* Room for one more record. A reservation for as many as a file may
 * hold elements, like the pools: grown on the heap, the smaller copies
 * left there stayed resident for the rest of the run. */
static void
taken_grow(struct sink *sk)
{
	size_t max = fwc_xml_default_limits.max_elements;
	void *m = NULL;

	if (sk->g_map != 0)
		FWC_BUG("too many address records");
	if (sk->g == NULL && (m = reserve(max * sizeof(*sk->g))) != NULL) {
		sk->g = m;
		sk->cap_g = max;
		sk->g_map = max * sizeof(*sk->g);
		return;
	}
	sk->cap_g = sk->cap_g ? 2 * sk->cap_g : 64;
	sk->g = fwc_xrealloc(sk->g, sk->cap_g * sizeof(*sk->g));
}

/* Room for one more taken flow: on the heap, then (from POOL_MAP
 * bytes) in a reservation for as many as a file may hold elements, as
 * pool_grow() does, so that no smaller copies stay in the heap. */
static void
held_grow(struct sink *sk)
{
	size_t max = fwc_xml_default_limits.max_elements;
	size_t cap = sk->cap_fl ? 2 * sk->cap_fl : 64;
	void *m = NULL;

	if (sk->fl_map != 0)
		FWC_BUG("too many flows taken");
	if (cap * sizeof(*sk->fl) >= POOL_MAP && sk->n_fl < max)
		m = reserve(max * sizeof(*sk->fl));
	if (m == NULL) {
		sk->fl = fwc_xrealloc(sk->fl, cap * sizeof(*sk->fl));
		sk->cap_fl = cap;
		return;
	}
	memcpy(m, sk->fl, sk->n_fl * sizeof(*sk->fl));
	free(sk->fl);
	sk->fl = m;
	sk->cap_fl = max;
	sk->fl_map = max * sizeof(*sk->fl);
}

/* Frees the records of what was taken (address records and flows). */
static void
taken_free(struct sink *sk)
{
	fwc_mem_free(sk->g, sk->g_map);
	sk->g = NULL;
	sk->cap_g = 0;
	sk->g_map = 0;
	fwc_mem_free(sk->fl, sk->fl_map);
	sk->fl = NULL;
	sk->n_fl = 0;
	sk->cap_fl = 0;
	sk->fl_map = 0;
	sk->fl_head = 0;
}

/* The action of the flow element called e; false for other elements. */
static bool
flow_action(const char *e, enum fwc_action *act)
{
	if (strcmp(e, "allow") == 0)
		*act = FWC_ACT_ACCEPT;
	else if (strcmp(e, "deny") == 0)
		*act = FWC_ACT_DROP;
	else if (strcmp(e, "reject") == 0)
		*act = FWC_ACT_REJECT;
	else
		return false;
	return true;
}

static bool sink_flow(struct sink *sk, const struct fwc_xnode *kid);

/* The sink's wants(): the flows among the root's children, whose
 * attributes then reach the tree only if sink_flow() leaves them there. */
static bool
sink_wants(void *ctx, unsigned int depth, const char *name)
{
	enum fwc_action act;

	(void)ctx;
	return depth == 1 && flow_action(name, &act);
}

/* The sink's take(): takes the flows among the root's children
 * (sink_flow()) and the address children of the root's children
 * (boundaries, hosts...) that read_items() would read into intervals,
 * turning each into its interval at once; read_items() finds them by
 * their definition's position. */
static bool
sink_take(void *ctx, const struct fwc_xnode *parent, unsigned int depth,
    const struct fwc_xnode *kid)
{
	struct sink *sk = ctx;
	struct taken *g;
	size_t j;
	enum fwc_family f;
	struct fwc_ivl x;
	const char *why;

	if (depth == 1)
		return sink_flow(sk, kid);
	if (depth != 2)
		return false;
	if (parent->name != sk->pname) {
		const char *e = parent->name;

		sk->pname = e;
		sk->single = false;
		sk->n_map = FWC_ARRAY_SIZE(addr_items);
		if (strcmp(e, "boundary") == 0) {
			sk->map = boundary_items;
			sk->n_map = FWC_ARRAY_SIZE(boundary_items);
		} else if (strcmp(e, "ad-site") == 0) {
			sk->map = addr_items;
		} else if (strcmp(e, "host") == 0 ||
			   strcmp(e, "gateway") == 0) {
			sk->map = addr_items;
			sk->single = true;
		} else if (strcmp(e, "endpoint") == 0) {
			sk->map = endpoint_items;
			sk->n_map = FWC_ARRAY_SIZE(endpoint_items);
		} else {
			sk->map = NULL;
		}
	}
	if (sk->map == NULL)
		return false;
	j = kind_index(kid, sk->map, sk->n_map);
	if (j == sk->n_map)
		return false; /* read_items() does not count it */
	g = sk->n_g > 0 ? &sk->g[sk->n_g - 1] : NULL;
	if (g == NULL || g->line != parent->loc.line ||
	    g->col != parent->loc.col) {
		/* A definition where nothing was taken needs no record. */
		if (g == NULL || g->n4 + g->n6 > 0) {
			if (sk->n_g == sk->cap_g)
				taken_grow(sk);
			g = &sk->g[sk->n_g++];
		}
		memset(g, 0, sizeof(*g));
		g->line = parent->loc.line;
		g->col = parent->loc.col;
		g->s4 = (uint32_t)sk->pool4.n;
		g->s6 = (uint32_t)sk->pool6.n;
	}
	/* read_items() stops at its limit: what lies beyond stays in the
	 * tree, where it finds it. */
	if (g->n_seen++ >= MAX_SET_ITEMS || !is_addr_kind(sk->map[j].kind) ||
	    kid->text == NULL ||
	    fwc_item_addr_parse(
		sk->map[j].kind, kid->text, sk->single, &f, &x, &why) != 0)
		return false;
	if (f == FWC_FAM_IP4) {
		pool_push(&sk->pool4, &x);
		g->n4++;
	} else {
		pool_push(&sk->pool6, &x);
		g->n6++;
	}
	return true;
}

static void
sink_reset(void *ctx)
{
	struct sink *sk = ctx;

	pool_free(&sk->pool4);
	pool_free(&sk->pool6);
	sk->n_g = 0;
	sk->head = 0;
	sk->pname = NULL;
	/* The flows taken stay in the arena, unused. */
	sk->n_fl = 0;
	sk->fl_head = 0;
	sk->kept = 0;
}

/* The record of what was taken of the definition n, or NULL. */
static const struct taken *
taken_of(struct pctx *c, const struct fwc_xnode *n)
{
	struct sink *sk = c->sink;
	const struct taken *g;

	if (sk == NULL || sk->head == sk->n_g)
		return NULL;
	g = &sk->g[sk->head];
	if (g->n4 + g->n6 == 0 || g->line != n->loc.line ||
	    g->col != n->loc.col)
		return NULL;
	sk->head++;
	return g;
}

/* Makes the intervals of g pre's, without a copy when g holds a whole
 * pool of its own mapping (a boundary of 100,000 subnets): the arena
 * takes the mapping over. Returns false, changing nothing, otherwise. */
static bool
adopt_pool(struct pctx *c, const struct taken *g, struct fwc_ivls *pre)
{
	struct sink *sk = c->sink;
	struct ivpool *big;
	size_t sz = sizeof(*big->v);
	size_t used;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (g->n4 >= g->n6) {
		big = &sk->pool4;
		if (big->map == 0 || g->s4 != 0 || g->n4 != big->n)
			return false;
		if (g->n6 > 0)
			memcpy(big->v + g->n4, sk->pool6.v + g->s6, g->n6 * sz);
	} else {
		big = &sk->pool6;
		if (big->map == 0 || g->s6 != 0 || g->n6 != big->n)
			return false;
		if (g->n4 > 0) {
			memmove(big->v + g->n4, big->v, g->n6 * sz);
			memcpy(big->v, sk->pool4.v + g->s4, g->n4 * sz);
		}
	}
	used = ((size_t)(g->n4 + g->n6) * sz + page - 1) / page * page;
	if (used < big->map)
		fwc_mem_unmap((char *)big->v + used, big->map - used);
	pre->v = fwc_arena_adopt_map(c->a, big->v, used);
	pre->n4 = g->n4;
	pre->n6 = g->n6;
	memset(big, 0, sizeof(*big));
	return true;
}

/* Reads the children of a definition whose children are text items or
 * refs, using map; an element not in map is an error (the schema already
 * rejects them). With pre, the address items that parse go there as
 * intervals (single: as a host's or gateway's, one address each), not
 * into *out. */
static void
read_items(struct pctx *c, const struct fwc_xnode *n, const struct kindmap *map,
    size_t n_map, struct fwc_item **out, size_t *n_out, struct fwc_ivls *pre,
    bool single)
{
	size_t cap = 0;
	size_t n_addr = 0;
	size_t n_read = 0;
	size_t n6 = 0;
	const struct taken *g = pre != NULL ? taken_of(c, n) : NULL;
	size_t total;

	*out = NULL;
	*n_out = 0;
	/* Exact room for the usual case, where every child is an item. */
	for (size_t i = 0; i < n->n_kids && cap + n_addr < MAX_SET_ITEMS; i++) {
		size_t j = kind_index(&n->kids[i], map, n_map);

		if (j == n_map)
			continue;
		if (pre != NULL && is_addr_kind(map[j].kind))
			n_addr++;
		else
			cap++;
	}
	if (cap > 0)
		*out = fwc_arena_alloc(c->p->items_arena, cap * sizeof(**out));
	/* The children the XML reader handed over (sink_take()) come
	 * first: the others are those that do not parse, and those beyond
	 * the limit, which are not read. */
	total = n_addr + (g != NULL ? (size_t)g->n4 + g->n6 : 0);
	if (g != NULL) {
		n_read = (size_t)g->n4 + g->n6;
		if (n_addr > 0 || !adopt_pool(c, g, pre)) {
			pre->v = fwc_arena_alloc(c->a, total * sizeof(*pre->v));
			if (g->n4 > 0)
				memcpy(pre->v, c->sink->pool4.v + g->s4,
				    g->n4 * sizeof(*pre->v));
			pre->n4 = g->n4;
			/* IPv6 from the back, reversed (as below). */
			for (size_t i = 0; i < g->n6; i++)
				pre->v[total - 1 - i] =
				    c->sink->pool6.v[g->s6 + i];
			n6 = g->n6;
		}
	} else if (n_addr > 0) {
		pre->v = fwc_arena_alloc(c->a, n_addr * sizeof(*pre->v));
	}
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct fwc_xnode *k = &n->kids[i];
		size_t j = kind_index(k, map, n_map);
		struct fwc_item it;
		enum fwc_family f;
		struct fwc_ivl x;
		const char *why;

		if (j == n_map)
			continue; /* handled by the caller */
		if (n_read == MAX_SET_ITEMS) {
			fwc_error(c->dg, &k->loc,
			    "too many entries in <%s> (limit %d)", n->name,
			    MAX_SET_ITEMS);
			break;
		}
		n_read++;
		/* IPv4 from the front, IPv6 from the back (reversed). */
		if (pre != NULL && is_addr_kind(map[j].kind) &&
		    k->text != NULL &&
		    fwc_item_addr_parse(
			map[j].kind, k->text, single, &f, &x, &why) == 0) {
			if (f == FWC_FAM_IP4)
				pre->v[pre->n4++] = x;
			else
				pre->v[total - ++n6] = x;
			continue;
		}
		memset(&it, 0, sizeof(it));
		if (map[j].kind == FWC_ITEM_REF)
			item_ref(c, &it, k, "ref");
		else
			item_text(c, &it, k, map[j].kind);
		FWC_VEC_PUSH(c->p->items_arena, *out, *n_out, cap, it);
	}
	if (pre == NULL || n6 == 0)
		return;
	/* The IPv6 intervals in document order, after the IPv4 ones. */
	for (size_t i = 0; i < n6 / 2; i++) {
		struct fwc_ivl t = pre->v[total - n6 + i];

		pre->v[total - n6 + i] = pre->v[total - 1 - i];
		pre->v[total - 1 - i] = t;
	}
	memmove(pre->v + pre->n4, pre->v + total - n6, n6 * sizeof(*pre->v));
	pre->n6 = n6;
}

static void
parse_service(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_service *s = fwc_arena_alloc(c->a, sizeof(*s));
	size_t cap = 0;

	def_init(c, &s->d, n);
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct fwc_xnode *k = &n->kids[i];
		struct fwc_item it;

		memset(&it, 0, sizeof(it));
		it.loc = k->loc;
		it.vloc = k->loc;
		if (strcmp(k->name, "service") == 0) {
			item_ref(c, &it, k, "ref");
		} else if (strcmp(k->name, "port") == 0 ||
			   strcmp(k->name, "source-port") == 0) {
			it.kind = k->name[0] == 'p' ? FWC_ITEM_PORT
						    : FWC_ITEM_SRCPORT;
			it.protocol = attr(k, "protocol", NULL);
			it.value = attr(k, "port", &it.vloc);
			it.sport = attr(k, "source-port", NULL);
		} else if (strcmp(k->name, "icmp") == 0 ||
			   strcmp(k->name, "icmp6") == 0) {
			it.kind = k->name[4] ? FWC_ITEM_ICMP6 : FWC_ITEM_ICMP;
			it.value = attr(k, "type", &it.vloc);
			it.code = attr(k, "code", NULL);
		} else if (strcmp(k->name, "protocol") == 0) {
			it.kind = FWC_ITEM_PROTO;
			it.value = attr(k, "value", &it.vloc);
		} else {
			continue;
		}
		if (s->n_items == MAX_SERVICE_ITEMS) {
			fwc_error(c->dg, &k->loc,
			    "too many entries in <service> (limit %d)",
			    MAX_SERVICE_ITEMS);
			break;
		}
		if (it.value == NULL)
			it.value = "";
		FWC_VEC_PUSH(c->p->items_arena, s->items, s->n_items, cap, it);
	}
	FWC_VEC_PUSH(
	    c->a, c->p->services.v, c->p->services.n, c->p->services.cap, s);
}

static void
parse_boundary(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_boundary *b = fwc_arena_alloc(c->a, sizeof(*b));

	def_init(c, &b->d, n);
	read_items(c, n, boundary_items, FWC_ARRAY_SIZE(boundary_items),
	    &b->items, &b->n_items, &b->pre, false);
	FWC_VEC_PUSH(c->a, c->p->boundaries.v, c->p->boundaries.n,
	    c->p->boundaries.cap, b);
}

static void
parse_adsite(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_adsite *s = fwc_arena_alloc(c->a, sizeof(*s));

	def_init(c, &s->d, n);
	read_items(c, n, addr_items, FWC_ARRAY_SIZE(addr_items), &s->items,
	    &s->n_items, &s->pre, false);
	FWC_VEC_PUSH(
	    c->a, c->p->adsites.v, c->p->adsites.n, c->p->adsites.cap, s);
}

static void
parse_role(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_role *r = fwc_arena_alloc(c->a, sizeof(*r));

	def_init(c, &r->d, n);
	read_items(c, n, ref_items, FWC_ARRAY_SIZE(ref_items), &r->items,
	    &r->n_items, NULL, false);
	FWC_VEC_PUSH(c->a, c->p->roles.v, c->p->roles.n, c->p->roles.cap, r);
}

static void
parse_host(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_host *h = fwc_arena_alloc(c->a, sizeof(*h));
	struct fwc_loc l = n->loc;
	const char *roles;

	def_init(c, &h->d, n);
	h->os = attr(n, "os", NULL);
	roles = attr(n, "roles", &l);
	if (roles != NULL)
		h->roles = split_words(c, roles, &l, 5);
	h->proxy_loc = n->loc;
	h->proxy_name = attr(n, "proxy", &h->proxy_loc);
	h->firewall = attr(n, "firewall", NULL);
	h->egress = attr(n, "egress", NULL);
	h->target_loc = n->loc;
	h->target = attr(n, "target", &h->target_loc);
	read_items(c, n, addr_items, FWC_ARRAY_SIZE(addr_items), &h->items,
	    &h->n_items, &h->pre, true);
	FWC_VEC_PUSH(c->a, c->p->hosts.v, c->p->hosts.n, c->p->hosts.cap, h);
}

static void
parse_endpoint(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_endpoint *e = fwc_arena_alloc(c->a, sizeof(*e));

	def_init(c, &e->d, n);
	read_items(c, n, endpoint_items, FWC_ARRAY_SIZE(endpoint_items),
	    &e->items, &e->n_items, &e->pre, false);
	FWC_VEC_PUSH(
	    c->a, c->p->endpoints.v, c->p->endpoints.n, c->p->endpoints.cap, e);
}

static void
parse_proxy(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_proxy *x = fwc_arena_alloc(c->a, sizeof(*x));

	def_init(c, &x->d, n);
	x->host_loc = n->loc;
	x->host_name = attr(n, "host", &x->host_loc);
	x->port_loc = n->loc;
	x->port = attr(n, "port", &x->port_loc);
	if (x->host_name == NULL)
		x->host_name = "";
	if (x->port == NULL)
		x->port = "";
	FWC_VEC_PUSH(
	    c->a, c->p->proxies.v, c->p->proxies.n, c->p->proxies.cap, x);
}

static void
parse_bgroup(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_bgroup *g = fwc_arena_alloc(c->a, sizeof(*g));
	size_t cap_sys = 0;
	size_t cap_fb = 0;

	def_init(c, &g->d, n);
	read_items(c, n, ref_items, FWC_ARRAY_SIZE(ref_items), &g->items,
	    &g->n_items, NULL, false);
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct fwc_xnode *k = &n->kids[i];

		if (strcmp(k->name, "site-system") == 0) {
			struct fwc_word w;

			w.loc = k->loc;
			w.s = attr(k, "host", &w.loc);
			if (w.s == NULL)
				w.s = "";
			FWC_VEC_PUSH(
			    c->a, g->systems, g->n_systems, cap_sys, w);
		} else if (strcmp(k->name, "fallback") == 0) {
			struct fwc_fallback f;
			struct fwc_loc rl = k->loc;
			const char *roles;
			const char *never;

			memset(&f, 0, sizeof(f));
			f.loc = k->loc;
			f.group = attr(k, "group", &f.loc);
			if (f.group == NULL)
				f.group = "";
			roles = attr(k, "roles", &rl);
			if (roles != NULL)
				f.roles = split_words(c, roles, &rl, 5);
			never = attr(k, "never", NULL);
			f.never = never != NULL && strcmp(never, "true") == 0;
			FWC_VEC_PUSH(c->a, g->fb, g->n_fb, cap_fb, f);
		}
	}
	FWC_VEC_PUSH(
	    c->a, c->p->bgroups.v, c->p->bgroups.n, c->p->bgroups.cap, g);
}

static void
parse_gateway(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_gateway *g = fwc_arena_alloc(c->a, sizeof(*g));
	size_t cap = 0;

	def_init(c, &g->d, n);
	g->os = attr(n, "os", NULL);
	g->egress = attr(n, "egress", NULL);
	g->target = attr(n, "target", NULL);
	read_items(c, n, addr_items, FWC_ARRAY_SIZE(addr_items), &g->items,
	    &g->n_items, &g->pre, true);
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct fwc_xnode *k = &n->kids[i];
		struct fwc_iface f;
		struct fwc_loc bl;

		if (strcmp(k->name, "interface") != 0)
			continue;
		memset(&f, 0, sizeof(f));
		f.loc = k->loc;
		f.name = attr(k, "name", &f.loc);
		if (f.name == NULL)
			f.name = "";
		bl = k->loc;
		f.boundary_attr = attr(k, "boundary", &bl);
		if (f.boundary_attr == NULL)
			f.boundary_attr = "";
		f.boundaries = split_words(c, f.boundary_attr, &bl, 8);
		if (f.boundaries.n == 0)
			fwc_error(c->dg, &bl,
			    "interface '%s' names no boundary", f.name);
		FWC_VEC_PUSH(c->a, g->ifaces, g->n_ifaces, cap, f);
	}
	FWC_VEC_PUSH(
	    c->a, c->p->gateways.v, c->p->gateways.n, c->p->gateways.cap, g);
}

/* A flow's list attribute name: its value ("" when absent) and the place
 * of its name (the element's when absent). Reports an empty list. */
static const char *
flow_list(struct pctx *c, const struct fwc_xnode *n, const char *name,
    struct fwc_pos *pos)
{
	struct fwc_loc l = n->loc;
	const char *raw = attr(n, name, &l);

	pos->line = l.line;
	pos->col = l.col;
	if (raw == NULL)
		return "";
	if (fwc_word_count(raw) == 0)
		fwc_error(c->dg, &l, "attribute '%s' is empty", name);
	return raw;
}

/* Whether read_flow() would report anything about n: a taker of flows
 * that may not report (the XML reader's sink) leaves such a flow on the
 * tree, where parse_root() finds it. */
static bool
flow_reports(const struct fwc_xnode *n)
{
	static const char *const lists[] = { "from", "to", "service" };
	const char *v = attr(n, "name", NULL);

	if (v != NULL && !valid_name(v))
		return true;
	for (size_t i = 0; i < FWC_ARRAY_SIZE(lists); i++) {
		v = attr(n, lists[i], NULL);
		if (v != NULL && fwc_word_count(v) == 0)
			return true;
	}
	return false;
}

/* Numbers f in document order and appends it to the policy. */
static void
add_flow(struct pctx *c, struct fwc_flow *f)
{
	f->index = c->flow_index++;
	FWC_VEC_PUSH(c->a, c->p->flows.v, c->p->flows.n, c->p->flows.cap, f);
}

/* The flow element n, not yet numbered nor in the policy. */
static struct fwc_flow *
read_flow(struct pctx *c, const struct fwc_xnode *n, enum fwc_action act)
{
	struct fwc_flow *f = fwc_arena_alloc(c->a, sizeof(*f));
	struct fwc_loc nl = n->loc;
	struct fwc_flow_opt o;
	const char *v;

	f->action = (uint8_t)act;
	f->loc = n->loc;
	f->name = attr(n, "name", &nl);
	if (f->name != NULL)
		check_name(c, f->name, &nl);
	f->id = f->name ? f->name
			: fwc_arena_printf(c->a, "%s:%u", n->loc.file,
			      (unsigned int)n->loc.line);
	f->from_attr = flow_list(c, n, "from", &f->from_pos);
	f->to_attr = flow_list(c, n, "to", &f->to_pos);
	f->service_attr = flow_list(c, n, "service", &f->service_pos);
	o.description = attr(n, "description", NULL);
	o.scope_loc = n->loc;
	o.scope = attr(n, "scope", &o.scope_loc);
	o.via_loc = n->loc;
	o.via = attr(n, "via", &o.via_loc);
	o.via_proxy = NULL;
	if (o.description != NULL || o.scope != NULL || o.via != NULL) {
		struct fwc_flow_opt *x = fwc_arena_alloc(c->a, sizeof(*x));

		*x = o;
		f->opt = x;
	}
	v = attr(n, "log", NULL);
	f->log = v != NULL && strcmp(v, "on") == 0;
	v = attr(n, "bidirectional", NULL);
	f->bidirectional = v != NULL && strcmp(v, "true") == 0;
	return f;
}

static void
parse_flow(struct pctx *c, const struct fwc_xnode *n, enum fwc_action act)
{
	add_flow(c, read_flow(c, n, act));
}

/* The sink's take() for a child of the root: takes a flow that
 * read_flow() reads without a word (the sink may not report: when the
 * reader gives up, libxml2 reads the file again and reports), making its
 * struct fwc_flow at once; parse_root() numbers it and puts it in its
 * place (flows_place()). Anything else stays in the tree, and counts for
 * the place of the flows after it. */
static bool
sink_flow(struct sink *sk, const struct fwc_xnode *kid)
{
	struct pctx *c = sk->c;
	enum fwc_action act;
	unsigned int errors = c->dg->errors;
	unsigned int warnings = c->dg->warnings;
	struct fwc_flow *f;

	if (!flow_action(kid->name, &act) || flow_reports(kid)) {
		sk->kept++;
		return false;
	}
	f = read_flow(c, kid, act);
	if (c->dg->errors != errors || c->dg->warnings != warnings)
		FWC_BUG("a flow taken from the XML reader was not silent");
	if (sk->n_fl == sk->cap_fl)
		held_grow(sk);
	sk->fl[sk->n_fl].f = f;
	sk->fl[sk->n_fl++].slot = sk->kept;
	return true;
}

/* Appends the flows taken from the file being read whose place is before
 * the root's kept child slot (after the last one: slot = their number),
 * in document order, as add_flow() would have at their place. */
static void
flows_place(struct pctx *c, size_t slot)
{
	struct sink *sk = c->sink;

	while (sk != NULL && sk->fl_head < sk->n_fl &&
	       sk->fl[sk->fl_head].slot == slot && !c->dg->stopped)
		add_flow(c, sk->fl[sk->fl_head++].f);
}

static int read_file(
    struct pctx *c, const char *path, const struct fwc_loc *from);

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Removes "." segments and "name/.." pairs from a relative or absolute
 * path, lexically (for messages; the file is opened by this path, and
 * realpath() decides identity). */
static const char *
tidy_path(struct fwc_arena *a, const char *path)
{
	char *out = fwc_arena_alloc(a, strlen(path) + 2);
	size_t n = 0;
	const char *p = path;
	bool abs = path[0] == '/';

	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.' && n > 0 &&
			   !(n >= 2 && out[n - 1] == '.' && out[n - 2] == '.' &&
			       (n == 2 || out[n - 3] == '/'))) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n > 0 || abs)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	if (n == 0)
		out[n++] = abs ? '/' : '.';
	out[n] = '\0';
	return out;
}

/* Notes for the include stack: where each file being read was included
 * from, innermost first. */
static void
include_chain(struct pctx *c)
{
	for (size_t j = c->depth; j-- > 1;)
		fwc_note(c->dg, &c->stack_loc[j], "included from here");
}

static void
parse_include(struct pctx *c, const struct fwc_xnode *n)
{
	struct fwc_loc hl = n->loc;
	const char *href = attr(n, "href", &hl);
	const char *dirs[64];
	size_t n_dirs = 0;
	char *dir;
	char *slash;
	const char *found = NULL;

	if (href == NULL || *href == '\0') {
		fwc_error(
		    c->dg, &n->loc, "missing attribute 'href' on <include>");
		return;
	}
	if (c->opt->no_includes) {
		fwc_error(
		    c->dg, &hl, "include '%s': includes are disabled", href);
		return;
	}
	if (strstr(href, "://") != NULL) {
		fwc_error(c->dg, &hl,
		    "include '%s': only local files can be included", href);
		return;
	}
	if (href[0] == '/') {
		if (is_file(href))
			found = href;
	} else {
		dir = fwc_arena_strdup(c->a, n->loc.file);
		slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = '\0';
		else
			dir = fwc_arena_strdup(c->a, ".");
		dirs[n_dirs++] = dir;
		for (size_t i = 0; i < c->opt->n_include_dirs && n_dirs < 62;
		     i++)
			dirs[n_dirs++] = c->opt->include_dirs[i];
		if (c->opt->library_dir != NULL)
			dirs[n_dirs++] = c->opt->library_dir;
		for (size_t i = 0; i < n_dirs && found == NULL; i++) {
			const char *cand = tidy_path(c->a,
			    fwc_arena_printf(c->a, "%s/%s", dirs[i], href));

			if (is_file(cand))
				found = cand;
		}
	}
	if (found == NULL) {
		fwc_error(c->dg, &hl, "cannot find included file '%s'", href);
		if (href[0] != '/') {
			for (size_t i = 0; i < n_dirs; i++)
				fwc_note(
				    c->dg, &hl, "searched in '%s'", dirs[i]);
		}
		include_chain(c);
		return;
	}
	read_file(c, found, &hl);
}

static void
parse_root(struct pctx *c, const struct fwc_xnode *root, bool is_main)
{
	if (is_main) {
		struct fwc_loc nl = root->loc;
		const char *def = attr(root, "default", NULL);

		c->p->name = attr(root, "name", &nl);
		if (c->p->name == NULL)
			c->p->name = "";
		else
			check_name(c, c->p->name, &nl);
		c->p->description = attr(root, "description", NULL);
		c->p->loc = root->loc;
		c->p->default_action = def != NULL && strcmp(def, "reject") == 0
					   ? FWC_ACT_REJECT
					   : FWC_ACT_DROP;
	}
	for (size_t i = 0; i < root->n_kids && !c->dg->stopped; i++) {
		const struct fwc_xnode *k = &root->kids[i];
		const char *e = k->name;
		enum fwc_action act;

		flows_place(c, i);
		if (c->dg->stopped)
			break;
		if (strcmp(e, "include") == 0)
			parse_include(c, k);
		else if (strcmp(e, "service") == 0)
			parse_service(c, k);
		else if (strcmp(e, "boundary") == 0)
			parse_boundary(c, k);
		else if (strcmp(e, "ad-site") == 0)
			parse_adsite(c, k);
		else if (strcmp(e, "role") == 0)
			parse_role(c, k);
		else if (strcmp(e, "host") == 0)
			parse_host(c, k);
		else if (strcmp(e, "endpoint") == 0)
			parse_endpoint(c, k);
		else if (strcmp(e, "proxy") == 0)
			parse_proxy(c, k);
		else if (strcmp(e, "boundary-group") == 0)
			parse_bgroup(c, k);
		else if (strcmp(e, "gateway") == 0)
			parse_gateway(c, k);
		else if (flow_action(e, &act))
			parse_flow(c, k, act);
		else
			fwc_error(c->dg, &k->loc,
			    "unexpected element <%s> in <policy>", e);
	}
	flows_place(c, root->n_kids);
}

/* Reads one file (the root when from is NULL) and its includes. */
static int
read_file(struct pctx *c, const char *path, const struct fwc_loc *from)
{
	char real[PATH_MAX];
	struct fwc_arena *tree;
	struct sink sk;
	struct sink *outer;
	struct fwc_xml_sink xs;
	struct fwc_xnode *root = NULL;
	const char *canon;
	size_t i;

	if (realpath(path, real) == NULL) {
		fwc_error(
		    c->dg, from, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < c->depth; i++) {
		if (strcmp(c->stack[i], real) == 0) {
			fwc_error(c->dg, from,
			    "include cycle: '%s' is already being read",
			    c->stack_name[i]);
			include_chain(c);
			return -1;
		}
	}
	for (i = 0; i < c->n_seen; i++)
		if (strcmp(c->seen[i], real) == 0)
			return 0; /* already read through another include */
	if (c->depth >= MAX_INCLUDE_DEPTH) {
		fwc_error(c->dg, from, "includes nested too deeply (limit %d)",
		    MAX_INCLUDE_DEPTH);
		return -1;
	}
	canon = fwc_arena_strdup(c->a, real);
	FWC_VEC_PUSH(c->a, c->seen, c->n_seen, c->cap_seen, canon);
	/* The tree is read once: its skeleton goes when the file is done. */
	tree = fwc_arena_new();
	memset(&sk, 0, sizeof(sk));
	sk.c = c;
	xs.take = sink_take;
	xs.reset = sink_reset;
	xs.ctx = &sk;
	xs.wants = sink_wants;
	if (fwc_xml_parse_file_sink(c->a, tree, c->dg, path, NULL, &xs, &root) <
	    0) {
		sink_reset(&sk);
		taken_free(&sk);
		fwc_arena_release(tree);
		if (from != NULL)
			fwc_note(c->dg, from, "included from here");
		include_chain(c);
		return -1;
	}
	FWC_VEC_PUSH(
	    c->a, c->p->files, c->p->n_files, c->p->cap_files, root->loc.file);
	fwc_diag_file(c->dg, root->loc.file);
	c->stack[c->depth] = canon;
	c->stack_name[c->depth] = root->loc.file;
	c->stack_loc[c->depth] = from ? *from : root->loc;
	c->depth++;
	outer = c->sink;
	c->sink = &sk;
	parse_root(c, root, from == NULL);
	c->sink = outer;
	c->depth--;
	sink_reset(&sk);
	taken_free(&sk);
	fwc_arena_release(tree);
	return 0;
}

static void
pctx_init(struct pctx *c, struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt)
{
	static const struct fwc_options none;

	memset(c, 0, sizeof(*c));
	c->a = a;
	c->dg = dg;
	c->opt = opt ? opt : &none;
	c->p = fwc_arena_alloc(a, sizeof(*c->p));
	c->p->items_arena = fwc_arena_sub(a);
	c->p->default_action = FWC_ACT_DROP;
	c->p->resolve = c->opt->resolve;
}

int
fwc_parse_file(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *path, struct fwc_policy **out)
{
	struct pctx c;
	unsigned int before = dg->errors;

	pctx_init(&c, a, dg, opt);
	read_file(&c, path, NULL);
	*out = c.p;
	return dg->errors > before ? -1 : 0;
}

int
fwc_parse_buffer(struct fwc_arena *a, struct fwc_diag *dg,
    const struct fwc_options *opt, const char *name, const char *buf,
    size_t len, struct fwc_policy **out)
{
	struct pctx c;
	struct fwc_xnode *root = NULL;
	unsigned int before = dg->errors;

	pctx_init(&c, a, dg, opt);
	*out = c.p;
	if (fwc_xml_parse_buffer(a, dg, name, buf, len, NULL, &root) < 0)
		return -1;
	FWC_VEC_PUSH(
	    c.a, c.p->files, c.p->n_files, c.p->cap_files, root->loc.file);
	fwc_diag_file(dg, root->loc.file);
	c.stack[0] = root->loc.file;
	c.stack_name[0] = root->loc.file;
	c.stack_loc[0] = root->loc;
	c.depth = 1;
	parse_root(&c, root, true);
	return dg->errors > before ? -1 : 0;
}
