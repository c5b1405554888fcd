/* Lint (analysis/lint.h). The flow findings are exact: for every
 * enforcement point and chain, each flow's accepted packets are built as a
 * BDD from the rules that carry its name, and compared with the union of
 * the deny and reject rules (dead: nothing left) and with the union of
 * every other flow's accepts (redundant: nothing new), of which only the
 * flows whose rules meet its own (an index by destination interval) can
 * matter. A flow is reported
 * only when that holds at every enforcement point where it has rules;
 * redundancy only for flows of the root file (a library flow is often
 * redundant where one host plays several roles, which is not a mistake).
 * The definition findings (root file only) read the resolved policy. */
#include "lint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/policy.h"
#include "fwc/space.h"
#include "fwc/util.h"
#include "narrow.h"

#define MAX_BY	  3
#define MAX_PAIRS 4

struct fstate {
	const struct fwc_flow *f;
	bool has_rules; /* accept rules at some enforcement point */
	bool dead;	/* all of them covered by denies */
	bool redundant; /* all covered by denies and other flows */
	const char *by[MAX_BY];
	size_t n_by;
	const char *partial[MAX_PAIRS]; /* allows this deny partly cuts */
	size_t n_partial;
	size_t more_partial;
};

static int
cmp_id(const void *x, const void *y)
{
	const struct fstate *a = x;
	const struct fstate *b = y;

	return strcmp(a->f->id, b->f->id);
}

static struct fstate *
find(struct fstate *v, size_t n, const char *id)
{
	struct fwc_flow key;
	struct fstate k;

	if (id == NULL)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.id = id;
	k.f = &key;
	return bsearch(&k, v, n, sizeof(*v), cmp_id);
}

static void
add_by(struct fstate *s, const char *id)
{
	for (size_t i = 0; i < s->n_by; i++)
		if (strcmp(s->by[i], id) == 0)
			return;
	if (s->n_by < MAX_BY)
		s->by[s->n_by++] = id;
}

static void
add_partial(struct fstate *d, const char *id)
{
	for (size_t i = 0; i < d->n_partial; i++)
		if (strcmp(d->partial[i], id) == 0)
			return;
	if (d->n_partial < MAX_PAIRS)
		d->partial[d->n_partial++] = id;
	else
		d->more_partial++;
}

static void
or_into(int *acc, int b)
{
	int x = fwc_space_or(*acc, b);

	fwc_space_put(*acc);
	*acc = x;
}

static bool
covered(int a, int by)
{
	int x = fwc_space_minus(a, by);
	bool r = fwc_space_is_empty(x);

	fwc_space_put(x);
	return r;
}

static bool
meets(int a, int b)
{
	int x = fwc_space_and(a, b);
	bool r = !fwc_space_is_empty(x);

	fwc_space_put(x);
	return r;
}

/* The flows other than `self` whose accept rules meet a rule of `self`
 * (their boxes intersect): only those can share a packet with it. */
struct cands {
	const struct fwc_ruleset *rs;
	const size_t *rule_flow; /* per rule: flow index, or SIZE_MAX */
	size_t *mark;		 /* per flow: stamp of the last query */
	size_t stamp;
	size_t self;
	size_t *v; /* flow indices found */
	size_t n;
};

static void
cand_hit(void *ctx, const struct fwc_ir_rule *hit)
{
	struct cands *c = ctx;
	size_t k = c->rule_flow[hit - c->rs->rules];

	if (k == SIZE_MAX || k == c->self || c->mark[k] == c->stamp)
		return;
	c->mark[k] = c->stamp;
	c->v[c->n++] = k;
}

static const size_t *cand_pos; /* for cmp_pos: position of each flow */

static int
cmp_pos(const void *x, const void *y)
{
	size_t a = cand_pos[*(const size_t *)x];
	size_t b = cand_pos[*(const size_t *)y];

	return a < b ? -1 : a > b;
}

static void
lint_chain(const struct fwc_ruleset *rs, enum fwc_chain c, struct fstate *st,
    size_t nf)
{
	struct fwc_space sp;
	int *acc = fwc_xcalloc(nf + 1, sizeof(int));
	int *den = fwc_xcalloc(nf + 1, sizeof(int));
	size_t *list = fwc_xcalloc(nf + 1, sizeof(size_t));
	size_t *dlist = fwc_xcalloc(nf + 1, sizeof(size_t));
	size_t *rule_flow;
	size_t *first;
	size_t *pos;
	size_t *by_flow;
	struct fwc_rule_index *ix;
	struct cands cd;
	size_t nl = 0;
	size_t nd = 0;
	int d_all = fwc_space_false();
	int anon = fwc_space_false();

	fwc_space_reset(&sp);
	fwc_space_add_ifaces(&sp, rs);
	for (size_t i = 0; i < nf; i++)
		acc[i] = den[i] = fwc_space_false();
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		struct fstate *s;
		size_t k;
		int b;

		if (r->chain != c)
			continue;
		s = find(st, nf, r->origin.flow);
		b = fwc_space_rule(&sp, r);
		if (r->action != FWC_ACT_ACCEPT) {
			or_into(&d_all, b);
			if (s != NULL) {
				k = (size_t)(s - st);
				if (fwc_space_is_empty(den[k]))
					dlist[nd++] = k;
				or_into(&den[k], b);
			}
		} else if (s == NULL) {
			or_into(&anon, b);
		} else {
			k = (size_t)(s - st);
			if (fwc_space_is_empty(acc[k]))
				list[nl++] = k;
			or_into(&acc[k], b);
		}
		fwc_space_put(b);
	}
	/* "Every other flow" is, for each flow, the union of the flows whose
	 * accept rules meet its own (found through an index by destination
	 * interval), and of the accept rules without a flow: the others
	 * share no packet with it. Their order in `list` is kept, so that
	 * the flows named are the first ones that meet it. */
	rule_flow = fwc_xmalloc((rs->n_rules + 1) * sizeof(size_t));
	first = fwc_xcalloc(nf + 2, sizeof(size_t));
	pos = fwc_xcalloc(nf + 1, sizeof(size_t));
	ix = fwc_rule_index_new();
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		struct fstate *s = NULL;

		rule_flow[i] = SIZE_MAX;
		if (r->chain != c || r->action != FWC_ACT_ACCEPT ||
		    (s = find(st, nf, r->origin.flow)) == NULL)
			continue;
		rule_flow[i] = (size_t)(s - st);
		first[rule_flow[i] + 1]++;
		fwc_rule_index_add(ix, r);
	}
	fwc_rule_index_finish(ix);
	/* Accept rules grouped by flow: by_flow[first[k]..first[k + 1]). */
	for (size_t k = 0; k < nf; k++)
		first[k + 1] += first[k];
	by_flow = fwc_xmalloc((first[nf] + 1) * sizeof(size_t));
	{
		size_t *fill = fwc_xcalloc(nf + 1, sizeof(size_t));

		for (size_t i = 0; i < rs->n_rules; i++)
			if (rule_flow[i] != SIZE_MAX)
				by_flow[first[rule_flow[i]] +
					fill[rule_flow[i]]++] = i;
		free(fill);
	}
	for (size_t i = 0; i < nl; i++)
		pos[list[i]] = i;
	memset(&cd, 0, sizeof(cd));
	cd.rs = rs;
	cd.rule_flow = rule_flow;
	cd.mark = fwc_xcalloc(nf + 1, sizeof(size_t));
	cd.v = fwc_xmalloc((nf + 1) * sizeof(size_t));
	for (size_t i = 0; i < nl; i++) {
		struct fstate *s = &st[list[i]];
		int a = acc[list[i]];
		bool dead = covered(a, d_all);

		s->has_rules = true;
		if (!dead)
			s->dead = false;
		if (dead) {
			for (size_t j = 0; j < nd; j++)
				if (meets(a, den[dlist[j]]))
					add_by(s, st[dlist[j]].f->id);
		} else {
			int others = fwc_space_get(anon);
			int cov;

			cd.self = list[i];
			cd.stamp = i + 1;
			cd.n = 0;
			for (size_t k = first[list[i]]; k < first[list[i] + 1];
			     k++)
				fwc_rule_index_each(
				    ix, &rs->rules[by_flow[k]], cand_hit, &cd);
			cand_pos = pos;
			if (cd.n > 1)
				qsort(cd.v, cd.n, sizeof(*cd.v), cmp_pos);
			for (size_t j = 0; j < cd.n; j++)
				or_into(&others, acc[cd.v[j]]);
			cov = fwc_space_or(others, d_all);
			if (!covered(a, cov)) {
				s->redundant = false;
			} else {
				for (size_t j = 0; j < cd.n && s->redundant;
				     j++)
					if (meets(a, acc[cd.v[j]]))
						add_by(s, st[cd.v[j]].f->id);
			}
			fwc_space_put(others);
			fwc_space_put(cov);
			for (size_t j = 0; j < nd; j++)
				if (meets(a, den[dlist[j]]))
					add_partial(&st[dlist[j]], s->f->id);
		}
	}
	fwc_rule_index_free(ix);
	free(cd.mark);
	free(cd.v);
	free(rule_flow);
	free(first);
	free(pos);
	free(by_flow);
	for (size_t i = 0; i < nf; i++) {
		fwc_space_put(acc[i]);
		fwc_space_put(den[i]);
	}
	fwc_space_put(d_all);
	fwc_space_put(anon);
	free(acc);
	free(den);
	free(list);
	free(dlist);
}

static void
names(char *buf, size_t cap, const char *const *v, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len + 8 < cap; i++) {
		int w = snprintf(buf + len, cap - len, "%s'%s'",
		    i == 0 ? "" : (i + 1 == n ? " and " : ", "), v[i]);

		if (w < 0)
			break;
		len += (size_t)w;
		if (len >= cap)
			len = cap - 1;
	}
}

static bool
in_root(const struct fwc_policy *p, const struct fwc_loc *l)
{
	return p->n_files > 0 && l->file != NULL &&
	       strcmp(l->file, p->files[0]) == 0;
}

static void
lint_flows(const struct fwc_program *prog, const struct fwc_policy *p,
    struct fwc_diag *dg)
{
	size_t nf = p->flows.n;
	struct fstate *st = fwc_xcalloc(nf + 1, sizeof(*st));
	char buf[512];

	for (size_t i = 0; i < nf; i++) {
		st[i].f = p->flows.v[i];
		st[i].dead = st[i].redundant = true;
	}
	qsort(st, nf, sizeof(*st), cmp_id);
	fwc_space_init();
	for (size_t e = 0; e < prog->n_eps; e++)
		for (int c = 0; c < FWC_CHAIN_NR; c++)
			if (prog->eps[e]->has_chain[c])
				lint_chain(
				    prog->eps[e], (enum fwc_chain)c, st, nf);
	for (size_t i = 0; i < nf; i++) {
		const struct fstate *s = &st[i];

		if (s->f->action != FWC_ACT_ACCEPT) {
			if (s->n_partial == 0)
				continue;
			names(buf, sizeof(buf), s->partial, s->n_partial);
			fwc_note(dg, &s->f->loc,
			    "%s flow '%s' cuts part of what flow%s %s allow%s%s",
			    fwc_action_names[s->f->action], s->f->id,
			    s->n_partial + s->more_partial > 1 ? "s" : "", buf,
			    s->n_partial + s->more_partial > 1 ? "" : "s",
			    s->more_partial ? " (and more)" : "");
			continue;
		}
		if (!s->has_rules)
			continue;
		names(buf, sizeof(buf), s->by, s->n_by);
		if (s->n_by == 0)
			strcpy(buf, "other rules");
		if (s->dead)
			fwc_warning(dg, &s->f->loc,
			    "flow '%s' is dead: everything it allows is denied by %s",
			    s->f->id, buf);
		else if (s->redundant && in_root(p, &s->f->loc))
			fwc_warning(dg, &s->f->loc,
			    "flow '%s' is redundant: everything it allows is already allowed by %s",
			    s->f->id, buf);
	}
	free(st);
}

static void
lint_defs(const struct fwc_policy *p, struct fwc_diag *dg)
{
	for (size_t i = 0; i < p->services.n; i++) {
		const struct fwc_def *d = &p->services.v[i]->d;

		if (!d->used && in_root(p, &d->loc))
			fwc_warning(dg, &d->nloc, "service '%s' is never used",
			    d->name);
	}
	for (size_t i = 0; i < p->boundaries.n; i++) {
		const struct fwc_def *d = &p->boundaries.v[i]->d;

		if (!d->used && in_root(p, &d->loc))
			fwc_warning(dg, &d->nloc, "boundary '%s' is never used",
			    d->name);
	}
	for (size_t i = 0; i < p->roles.n; i++) {
		const struct fwc_def *d = &p->roles.v[i]->d;

		if (!d->used && in_root(p, &d->loc))
			fwc_warning(
			    dg, &d->nloc, "role '%s' is never used", d->name);
	}
}

/* Boundaries that share addresses without one containing the other.
 * Candidate pairs come from one sweep over every boundary's intervals
 * sorted by start: an interval meets exactly the earlier ones still open
 * at its start. That is O(N log N) for N intervals plus the overlapping
 * pairs, which are then checked for containment. Reported in the order
 * of the later boundary, then the earlier one. */
struct bivl {
	enum fwc_family fam;
	struct fwc_ivl v;
	size_t b; /* boundary index */
};

struct bpair {
	size_t lo; /* earlier boundary */
	size_t hi; /* later boundary */
};

static int
cmp_bivl(const void *x, const void *y)
{
	const struct bivl *a = x;
	const struct bivl *b = y;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	return fwc_u128_cmp(a->v.lo, b->v.lo);
}

static int
cmp_bpair(const void *x, const void *y)
{
	const struct bpair *a = x;
	const struct bpair *b = y;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

static bool
boundary_checked(const struct fwc_policy *p, size_t i)
{
	return p->boundaries.v[i]->addrs != NULL;
}

/* The pairs of boundaries (at least one of the root file) whose address
 * sets meet, sorted and unique; *n receives the count. */
static struct bpair *
overlapping_pairs(const struct fwc_policy *p, size_t *n)
{
	size_t nb = p->boundaries.n;
	size_t n_iv = 0;
	size_t cap_iv = 0;
	size_t n_pr = 0;
	size_t cap_pr = 0;
	size_t n_act = 0;
	struct bivl *iv = NULL;
	struct bpair *pr = NULL;
	size_t *act;
	size_t k = 0;

	for (size_t i = 0; i < nb; i++) {
		const struct fwc_addrset *s = p->boundaries.v[i]->addrs;

		if (!boundary_checked(p, i))
			continue;
		for (int f = 0; f < FWC_FAM_NR; f++) {
			for (size_t j = 0; j < s->n[f]; j++) {
				if (n_iv == cap_iv) {
					cap_iv = cap_iv ? 2 * cap_iv : 64;
					iv = fwc_xrealloc(
					    iv, cap_iv * sizeof(*iv));
				}
				iv[n_iv].fam = (enum fwc_family)f;
				iv[n_iv].v = s->v[f][j];
				iv[n_iv].b = i;
				n_iv++;
			}
		}
	}
	if (n_iv > 0)
		qsort(iv, n_iv, sizeof(*iv), cmp_bivl);
	act = fwc_xmalloc((n_iv + 1) * sizeof(*act));
	for (size_t i = 0; i < n_iv; i++) {
		const struct bivl *x = &iv[i];

		/* Drop the open intervals that end before x starts. */
		k = 0;
		for (size_t j = 0; j < n_act; j++) {
			const struct bivl *y = &iv[act[j]];

			if (y->fam == x->fam &&
			    fwc_u128_cmp(y->v.hi, x->v.lo) >= 0)
				act[k++] = act[j];
		}
		n_act = k;
		for (size_t j = 0; j < n_act; j++) {
			size_t b = iv[act[j]].b;
			struct bpair q;

			if (b == x->b)
				continue;
			q.lo = b < x->b ? b : x->b;
			q.hi = b < x->b ? x->b : b;
			if (!in_root(p, &p->boundaries.v[q.hi]->d.loc))
				continue;
			if (n_pr == cap_pr) {
				cap_pr = cap_pr ? 2 * cap_pr : 64;
				pr = fwc_xrealloc(pr, cap_pr * sizeof(*pr));
			}
			pr[n_pr++] = q;
		}
		act[n_act++] = i;
	}
	free(act);
	free(iv);
	if (n_pr > 0)
		qsort(pr, n_pr, sizeof(*pr), cmp_bpair);
	k = 0;
	for (size_t i = 0; i < n_pr; i++)
		if (k == 0 || cmp_bpair(&pr[k - 1], &pr[i]) != 0)
			pr[k++] = pr[i];
	*n = k;
	return pr;
}

static void
lint_boundaries(const struct fwc_policy *p, struct fwc_diag *dg)
{
	size_t n = 0;
	struct bpair *pr = overlapping_pairs(p, &n);

	for (size_t i = 0; i < n; i++) {
		const struct fwc_boundary *a = p->boundaries.v[pr[i].lo];
		const struct fwc_boundary *b = p->boundaries.v[pr[i].hi];

		if (fwc_addrset_subset(a->addrs, b->addrs) ||
		    fwc_addrset_subset(b->addrs, a->addrs))
			continue;
		fwc_warning(dg, &b->d.nloc,
		    "boundary '%s' overlaps boundary '%s' without containing it or lying inside it",
		    b->d.name, a->d.name);
		fwc_note(dg, &a->d.nloc, "boundary '%s' is here", a->d.name);
	}
	free(pr);
}

/* Allow flows from or to 'any' on every service. */
static void
lint_broad(const struct fwc_policy *p, struct fwc_diag *dg)
{
	for (size_t i = 0; i < p->flows.n; i++) {
		const struct fwc_flow *f = p->flows.v[i];
		bool from_any = false;
		bool to_any = false;

		if (f->action != FWC_ACT_ACCEPT || !f->svc_any)
			continue;
		for (size_t k = 0; k < f->n_src; k++)
			from_any |= f->src[k].kind == FWC_REF_ANY;
		for (size_t k = 0; k < f->n_dst; k++)
			to_any |= f->dst[k].kind == FWC_REF_ANY;
		if (from_any || to_any)
			fwc_warning(dg, &f->loc,
			    "flow '%s' allows every service %s 'any'", f->id,
			    from_any && to_any ? "between 'any' and"
			    : from_any	       ? "from"
					       : "to");
	}
}

void
fwc_lint(const struct fwc_program *prog, struct fwc_diag *dg)
{
	const struct fwc_policy *p = prog->source;

	if (p == NULL)
		return;
	lint_flows(prog, p, dg);
	lint_defs(p, dg);
	lint_boundaries(p, dg);
	lint_broad(p, dg);
}
