/* Lint (analysis/lint.h). The flow findings are exact: for every
 * enforcement point and chain, each flow's accepted packets are built as a
 * BDD from the rules that carry its name, and compared with the union of
 * the deny and reject rules (dead: nothing left) and with the union of
 * every other flow's accepts (redundant: nothing new). A flow is reported
 * only when that holds at every enforcement point where it has rules;
 * redundancy only for flows of the root file (a library flow is often
 * redundant where one host plays several roles, which is not a mistake).
 * The definition findings (root file only) read the resolved policy. */
#include "lint.h"

#include <stdlib.h>
#include <string.h>

#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/policy.h"
#include "fwc/space.h"
#include "fwc/util.h"

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

static void
lint_chain(const struct fwc_ruleset *rs, enum fwc_chain c, struct fstate *st,
    size_t nf)
{
	struct fwc_space sp;
	int *acc = fwc_xcalloc(nf + 1, sizeof(int));
	int *den = fwc_xcalloc(nf + 1, sizeof(int));
	size_t *list = fwc_xcalloc(nf + 1, sizeof(size_t));
	size_t *dlist = fwc_xcalloc(nf + 1, sizeof(size_t));
	int *pre;
	int *suf;
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
	/* Unions of the flows before and after each one, for "every other
	 * flow" in linear time. */
	pre = fwc_xcalloc(nl + 1, sizeof(int));
	suf = fwc_xcalloc(nl + 1, sizeof(int));
	pre[0] = fwc_space_get(anon);
	for (size_t i = 0; i < nl; i++)
		pre[i + 1] = fwc_space_or(pre[i], acc[list[i]]);
	suf[nl] = fwc_space_false();
	for (size_t i = nl; i-- > 0;)
		suf[i] = fwc_space_or(suf[i + 1], acc[list[i]]);
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
			int others = fwc_space_or(pre[i], suf[i + 1]);
			int cov = fwc_space_or(others, d_all);

			if (!covered(a, cov)) {
				s->redundant = false;
			} else {
				for (size_t j = 0; j < nl && s->redundant; j++)
					if (j != i && meets(a, acc[list[j]]))
						add_by(s, st[list[j]].f->id);
			}
			fwc_space_put(others);
			fwc_space_put(cov);
			for (size_t j = 0; j < nd; j++)
				if (meets(a, den[dlist[j]]))
					add_partial(&st[dlist[j]], s->f->id);
		}
	}
	for (size_t i = 0; i <= nl; i++) {
		fwc_space_put(pre[i]);
		fwc_space_put(suf[i]);
	}
	for (size_t i = 0; i < nf; i++) {
		fwc_space_put(acc[i]);
		fwc_space_put(den[i]);
	}
	fwc_space_put(d_all);
	fwc_space_put(anon);
	free(pre);
	free(suf);
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

/* Boundaries that share addresses without one containing the other. */
static void
lint_boundaries(const struct fwc_policy *p, struct fwc_diag *dg)
{
	size_t n = p->boundaries.n;

	if (n > 2000)
		return;
	for (size_t j = 0; j < n; j++) {
		const struct fwc_boundary *b = p->boundaries.v[j];

		if (b->addrs == NULL || !in_root(p, &b->d.loc))
			continue;
		for (size_t i = 0; i < j; i++) {
			const struct fwc_boundary *a = p->boundaries.v[i];

			if (a->addrs == NULL ||
			    !fwc_addrset_overlaps(a->addrs, b->addrs) ||
			    fwc_addrset_subset(a->addrs, b->addrs) ||
			    fwc_addrset_subset(b->addrs, a->addrs))
				continue;
			fwc_warning(dg, &b->d.nloc,
			    "boundary '%s' overlaps boundary '%s' without containing it or lying inside it",
			    b->d.name, a->d.name);
			fwc_note(
			    dg, &a->d.nloc, "boundary '%s' is here", a->d.name);
		}
	}
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
