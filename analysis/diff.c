/* Semantic diff (analysis/diff.h). For each enforcement point present in
 * both programs and each chain, the accepted, rejected and dropped sets of
 * new connections are built as BDDs over one shared interface table: the
 * accepted sets are subtracted both ways, and the dropped set of one side
 * is met with the rejected set of the other.
 * Each difference is split by the rule that decides it in NEW, then by the
 * rule that decides it in OLD (first match, else the chain default), then
 * into product regions described with the names of the accepting flow's
 * sets. Only rules that can overlap a changed rule are turned into BDDs:
 * rules present identically on both sides cannot change any packet's fate
 * outside the boxes of the rules that differ. */
#include "diff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/strbuf.h"
#include "narrow.h"

#define MAX_BOXES 16

bool fwc_diff_whole_space;

static void
add_change(
    struct fwc_arena *a, struct fwc_diff *d, const struct fwc_diff_change *c)
{
	FWC_VEC_PUSH(a, d->changes, d->n_changes, d->cap_changes, *c);
}

/* The rules of one group on one side: indices into the ruleset (ascending)
 * and each rule's packet set within the group's region (empty for rules
 * to skip). */
struct side {
	const struct fwc_ruleset *rs;
	const size_t *idx;
	size_t n;
	int *rb;
};

/* One part of a region: the packets that rule (NULL = the default)
 * decides; idx is its rule index, SIZE_MAX for the default. */
struct part {
	const struct fwc_ir_rule *rule;
	size_t idx;
	int set;
};

/* Splits region r by the rule of s that decides each packet (first match
 * in stored order, else the default); returns the number of non-empty
 * parts, in rule order with the default last, in *out (heap). */
static size_t
split(const struct side *s, enum fwc_chain c, int r, struct part **out)
{
	int rem = fwc_space_get(r);
	size_t n = 0;
	size_t cap = 16;
	struct part *p = fwc_xmalloc(cap * sizeof(*p));

	for (size_t k = 0; k < s->n && !fwc_space_is_empty(rem); k++) {
		const struct fwc_ir_rule *rule = &s->rs->rules[s->idx[k]];
		int x;
		int m;

		if (rule->chain != c || !s->rs->has_chain[c] ||
		    fwc_space_is_empty(s->rb[k]))
			continue;
		x = fwc_space_and(s->rb[k], rem);
		if (fwc_space_is_empty(x)) {
			fwc_space_put(x);
			continue;
		}
		if (n + 1 == cap) {
			cap *= 2;
			p = fwc_xrealloc(p, cap * sizeof(*p));
		}
		p[n].rule = rule;
		p[n].idx = s->idx[k];
		p[n].set = x;
		n++;
		m = fwc_space_minus(rem, x);
		fwc_space_put(rem);
		rem = m;
	}
	if (!fwc_space_is_empty(rem)) {
		p[n].rule = NULL;
		p[n].idx = SIZE_MAX;
		p[n].set = rem;
		n++;
	} else {
		fwc_space_put(rem);
	}
	*out = p;
	return n;
}

static enum fwc_action
chain_default(const struct fwc_ruleset *rs, enum fwc_chain c)
{
	return rs->has_chain[c] ? rs->chain_default[c] : FWC_ACT_ACCEPT;
}

static void
describe_part(struct fwc_arena *a, struct fwc_diff *d,
    const struct fwc_space *sp, struct fwc_diff_change *tmpl, int set)
{
	struct fwc_box boxes[MAX_BOXES];
	size_t n = fwc_space_boxes(set, boxes, MAX_BOXES);
	const struct fwc_ir_rule *namer = tmpl->new_rule;

	/* Name the region after the rule that accepts it, else after the
	 * deciding rule of NEW, else of OLD. */
	if (tmpl->what == FWC_DIFF_DENY ||
	    (tmpl->what != FWC_DIFF_ALLOW && namer == NULL))
		namer = tmpl->old_rule;

	if (n > MAX_BOXES) {
		/* Too many pieces: one over-approximating line, exact count. */
		struct fwc_box pb;
		struct fwc_diff_change c = *tmpl;
		struct fwc_strbuf sb;

		for (size_t i = 0; i < MAX_BOXES; i++)
			fwc_space_box_put(&boxes[i]);
		for (int f = 0; f < FWC_F_NR; f++)
			pb.f[f] = fwc_space_project(set, (enum fwc_field)f);
		fwc_region_describe(a, sp, &pb, set, namer, &c.t);
		c.n_regions = n;
		c.box_idx = 0;
		fwc_space_example(sp, set, &c.ex);
		c.ex.chain = c.chain;
		fwc_strbuf_init(&sb);
		fwc_region_format(&sb, &c.t);
		c.text = fwc_arena_strdup(a, sb.buf);
		fwc_strbuf_release(&sb);
		fwc_space_box_put(&pb);
		add_change(a, d, &c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct fwc_diff_change c = *tmpl;
		struct fwc_strbuf sb;
		int prod = fwc_space_get(set);

		/* The packets of box i: all of set when it is one box. */
		for (int f = 0; f < FWC_F_NR && n > 1; f++) {
			int x = fwc_space_and(prod, boxes[i].f[f]);

			fwc_space_put(prod);
			prod = x;
		}
		fwc_region_describe(a, sp, &boxes[i], prod, namer, &c.t);
		c.n_regions = 1;
		c.box_idx = i;
		fwc_space_example(sp, prod, &c.ex);
		c.ex.chain = c.chain;
		fwc_space_put(prod);
		fwc_strbuf_init(&sb);
		fwc_region_format(&sb, &c.t);
		c.text = fwc_arena_strdup(a, sb.buf);
		fwc_strbuf_release(&sb);
		fwc_space_box_put(&boxes[i]);
		add_change(a, d, &c);
	}
}

static void
diff_region(struct fwc_arena *a, struct fwc_diff *d, const struct fwc_space *sp,
    const struct side *os, const struct side *ns, enum fwc_chain c, int region,
    enum fwc_diff_what what)
{
	struct part *np;
	struct part *op;
	size_t nn = split(ns, c, region, &np);
	size_t no = split(os, c, region, &op);
	/* Rules whose boxes do not meet share no packet, unless interface
	 * names beyond the table's limit share an index. */
	bool by_box = sp->n_ifnames < FWC_SPACE_MAX_IFACES;

	/* Each packet of the region has one decider on each side: the parts
	 * of the two splits pair up. */
	for (size_t i = 0; i < nn; i++) {
		for (size_t j = 0; j < no; j++) {
			struct fwc_diff_change t;
			int x;

			if (by_box && np[i].rule != NULL &&
			    op[j].rule != NULL &&
			    !fwc_rules_meet(np[i].rule, op[j].rule))
				continue;
			x = fwc_space_and(np[i].set, op[j].set);
			if (fwc_space_is_empty(x)) {
				fwc_space_put(x);
				continue;
			}
			memset(&t, 0, sizeof(t));
			t.what = what;
			t.allow = what == FWC_DIFF_ALLOW;
			t.ep = ns->rs->name;
			t.kind = ns->rs->kind;
			t.chain = c;
			t.new_rule = np[i].rule;
			t.old_rule = op[j].rule;
			t.new_idx = np[i].idx;
			t.old_idx = op[j].idx;
			t.new_def = chain_default(ns->rs, c);
			t.old_def = chain_default(os->rs, c);
			describe_part(a, d, sp, &t, x);
			fwc_space_put(x);
		}
	}
	for (size_t i = 0; i < nn; i++)
		fwc_space_put(np[i].set);
	for (size_t j = 0; j < no; j++)
		fwc_space_put(op[j].set);
	free(np);
	free(op);
}

/* The packet set of each rule of a side (empty for other chains). */
static void
side_sets(const struct fwc_space *sp, struct side *s, enum fwc_chain c)
{
	s->rb = fwc_xcalloc(s->n + 1, sizeof(int));
	for (size_t k = 0; k < s->n; k++) {
		const struct fwc_ir_rule *r = &s->rs->rules[s->idx[k]];

		s->rb[k] =
		    r->chain == c ? fwc_space_rule(sp, r) : fwc_space_false();
	}
}

/* Restricts the side's sets to within; a changed rule's set (changed may
 * be NULL) is part of within already. */
static void
side_within(struct side *s, int within, const bool *changed)
{
	for (size_t k = 0; k < s->n; k++) {
		int x;

		if (changed != NULL && changed[s->idx[k]])
			continue;
		x = fwc_space_and(s->rb[k], within);
		fwc_space_put(s->rb[k]);
		s->rb[k] = x;
	}
}

static void
side_free(struct side *s)
{
	for (size_t k = 0; k < s->n; k++)
		fwc_space_put(s->rb[k]);
	free(s->rb);
}

/* What a side does with the new connections of within (first match over
 * its rules, else the chain default; a chain the ruleset does not have
 * accepts everything): as fwc_space_chain_sets() over the side's rules. */
static void
side_verdicts(const struct side *s, enum fwc_chain c, int within,
    struct fwc_verdicts *out)
{
	enum fwc_action def = chain_default(s->rs, c);
	int acc =
	    fwc_space_get(def == FWC_ACT_ACCEPT ? within : fwc_space_false());
	int rej =
	    fwc_space_get(def == FWC_ACT_REJECT ? within : fwc_space_false());
	int all;

	/* Backwards: a rule decides every packet it matches, overriding what
	 * the rules after it would have decided. */
	for (size_t k = s->n; k-- > 0;) {
		const struct fwc_ir_rule *r = &s->rs->rules[s->idx[k]];
		int m;
		int x;

		if (r->chain != c || !s->rs->has_chain[c] ||
		    fwc_space_is_empty(s->rb[k]))
			continue;
		m = fwc_space_and(s->rb[k], within);
		if (!fwc_space_is_empty(m)) {
			x = r->action == FWC_ACT_ACCEPT
				? fwc_space_or(acc, m)
				: fwc_space_minus(acc, m);
			fwc_space_put(acc);
			acc = x;
			x = r->action == FWC_ACT_REJECT
				? fwc_space_or(rej, m)
				: fwc_space_minus(rej, m);
			fwc_space_put(rej);
			rej = x;
		}
		fwc_space_put(m);
	}
	out->accept = acc;
	out->reject = rej;
	all = fwc_space_or(acc, rej);
	out->drop = fwc_space_minus(within, all);
	fwc_space_put(all);
}

/* Compares one group of rules of chain c within `within` (the sides'
 * sets restricted to it). */
static void
diff_group(struct fwc_arena *a, struct fwc_diff *d, const struct fwc_space *sp,
    const struct side *os, const struct side *ns, enum fwc_chain c, int within)
{
	struct fwc_verdicts vo;
	struct fwc_verdicts vn;
	int ch[FWC_DIFF_WHAT_NR];

	side_verdicts(os, c, within, &vo);
	side_verdicts(ns, c, within, &vn);
	ch[FWC_DIFF_ALLOW] = fwc_space_minus(vn.accept, vo.accept);
	ch[FWC_DIFF_DENY] = fwc_space_minus(vo.accept, vn.accept);
	ch[FWC_DIFF_REJECT] = fwc_space_and(vn.reject, vo.drop);
	ch[FWC_DIFF_DROP] = fwc_space_and(vn.drop, vo.reject);
	for (int w = 0; w < FWC_DIFF_WHAT_NR; w++) {
		if (!fwc_space_is_empty(ch[w]))
			diff_region(
			    a, d, sp, os, ns, c, ch[w], (enum fwc_diff_what)w);
		fwc_space_put(ch[w]);
	}
	fwc_space_verdicts_put(&vo);
	fwc_space_verdicts_put(&vn);
}

/* The part of a group's packet set where its rules can differ: the union
 * of its changed rules' sets. */
static int
group_within(const struct side *os, const struct side *ns,
    const struct fwc_narrow_groups *g)
{
	int w = fwc_space_false();

	for (int side = 0; side < 2; side++) {
		const struct side *s = side ? ns : os;
		const bool *changed = side ? g->changed_n : g->changed_o;

		for (size_t k = 0; k < s->n; k++) {
			int x;

			if (!changed[s->idx[k]])
				continue;
			x = fwc_space_or(w, s->rb[k]);
			fwc_space_put(w);
			w = x;
		}
	}
	return w;
}

static void
diff_ep(struct fwc_arena *a, struct fwc_diff *d, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n)
{
	struct fwc_space sp;

	fwc_space_reset(&sp);
	fwc_space_add_ifaces(&sp, o);
	fwc_space_add_ifaces(&sp, n);
	for (int ci = 0; ci < FWC_CHAIN_NR; ci++) {
		enum fwc_chain c = (enum fwc_chain)ci;
		struct fwc_narrow_groups g;

		if (!o->has_chain[c] && !n->has_chain[c])
			continue;
		fwc_narrow_groups(&sp, o, n, c, fwc_diff_whole_space, &g);
		for (size_t k = 0; k < g.n; k++) {
			const struct fwc_narrow_group *gr = &g.v[k];
			struct side os = { o, gr->o, gr->n_o, NULL };
			struct side ns = { n, gr->n, gr->n_n, NULL };
			int within;

			side_sets(&sp, &os, c);
			side_sets(&sp, &ns, c);
			within = g.whole ? fwc_space_domain()
					 : group_within(&os, &ns, &g);
			if (!fwc_space_is_empty(within)) {
				side_within(
				    &os, within, g.whole ? NULL : g.changed_o);
				side_within(
				    &ns, within, g.whole ? NULL : g.changed_n);
				diff_group(a, d, &sp, &os, &ns, c, within);
			}
			fwc_space_put(within);
			side_free(&os);
			side_free(&ns);
		}
		fwc_narrow_groups_free(&g);
	}
}

static int
cmp_change(const void *x, const void *y)
{
	const struct fwc_diff_change *a = x;
	const struct fwc_diff_change *b = y;
	int r;

	if (a->what != b->what)
		return a->what < b->what ? -1 : 1;
	if (a->t.count != b->t.count)
		return a->t.count > b->t.count ? -1 : 1;
	r = strcmp(a->ep, b->ep);
	if (r != 0)
		return r;
	if (a->chain != b->chain)
		return a->chain < b->chain ? -1 : 1;
	r = strcmp(a->text, b->text);
	if (r != 0)
		return r;
	if (a->new_idx != b->new_idx)
		return a->new_idx < b->new_idx ? -1 : 1;
	if (a->old_idx != b->old_idx)
		return a->old_idx < b->old_idx ? -1 : 1;
	if (a->box_idx != b->box_idx)
		return a->box_idx < b->box_idx ? -1 : 1;
	return 0;
}

static void
add_ep(struct fwc_arena *a, struct fwc_diff *d, const struct fwc_ruleset *rs,
    enum fwc_diff_ep_status st)
{
	struct fwc_diff_ep e;

	e.name = rs->name;
	e.kind = rs->kind;
	e.status = st;
	e.n_rules = rs->n_rules;
	FWC_VEC_PUSH(a, d->eps, d->n_eps, d->cap_eps, e);
}

bool
fwc_diff_programs(struct fwc_arena *a, const struct fwc_program *old,
    const struct fwc_program *new, const char *only, struct fwc_diff *out)
{
	memset(out, 0, sizeof(*out));
	fwc_space_init();
	for (size_t i = 0; i < new->n_eps; i++) {
		const struct fwc_ruleset *n = new->eps[i];
		const struct fwc_ruleset *o = fwc_program_find(old, n->name);

		if (only != NULL && strcmp(only, n->name) != 0)
			continue;
		if (o == NULL || o->kind != n->kind)
			add_ep(a, out, n, FWC_DIFF_EP_ADDED);
		if (o != NULL && o->kind != n->kind)
			add_ep(a, out, o, FWC_DIFF_EP_REMOVED);
		if (o != NULL && o->kind == n->kind)
			diff_ep(a, out, o, n);
	}
	for (size_t i = 0; i < old->n_eps; i++) {
		const struct fwc_ruleset *o = old->eps[i];

		if (only != NULL && strcmp(only, o->name) != 0)
			continue;
		if (fwc_program_find(new, o->name) == NULL)
			add_ep(a, out, o, FWC_DIFF_EP_REMOVED);
	}
	if (out->n_changes > 0)
		qsort(out->changes, out->n_changes, sizeof(*out->changes),
		    cmp_change);
	for (size_t i = 0; i < out->n_changes; i++) {
		double cnt = out->changes[i].t.count;

		switch (out->changes[i].what) {
		case FWC_DIFF_ALLOW:
			out->allowed += cnt;
			out->n_allowed++;
			break;
		case FWC_DIFF_DENY:
			out->denied += cnt;
			out->n_denied++;
			break;
		case FWC_DIFF_REJECT:
			out->rejected += cnt;
			out->n_rejected++;
			break;
		case FWC_DIFF_DROP:
		case FWC_DIFF_WHAT_NR:
			out->dropped += cnt;
			out->n_dropped++;
			break;
		}
	}
	return out->n_changes > 0 || out->n_eps > 0;
}

/* Per enum fwc_diff_what: text, Markdown and JSON names. */
static const char *const what_text[] = { "NEW ALLOW", "NEW DENY", "NOW REJECT",
	"NOW DROP" };
static const char *const what_md[] = { "**allow**", "**deny**",
	"**now reject**", "**now drop**" };
static const char *const what_json[] = { "allow", "deny", "reject", "drop" };

static const char *const kind_names[] = {
	[FWC_EP_GATEWAY] = "gateway",
	[FWC_EP_HOST] = "host",
};

static void
add_count(struct fwc_strbuf *sb, double n)
{
	if (n < 1e15)
		fwc_strbuf_addf(sb, "%.0f", n);
	else
		fwc_strbuf_addf(sb, "%.3e", n);
}

static void
add_plural(struct fwc_strbuf *sb, double n, const char *what)
{
	add_count(sb, n);
	fwc_strbuf_addf(sb, " %s%s", what, n == 1 ? "" : "s");
}

static void
render_text(const struct fwc_diff *d, const char *ol, const char *nl,
    struct fwc_strbuf *sb)
{
	fwc_strbuf_addf(sb, "--- %s\n+++ %s\n", ol, nl);
	for (size_t i = 0; i < d->n_changes; i++) {
		const struct fwc_diff_change *c = &d->changes[i];

		fwc_strbuf_addf(sb, "%s %s at %s; new: ", what_text[c->what],
		    c->text, c->ep);
		fwc_decider_format(sb, c->new_rule, c->new_def);
		fwc_strbuf_adds(sb, "; old: ");
		fwc_decider_format(sb, c->old_rule, c->old_def);
		fwc_strbuf_addf(sb, "\n    %s %s", kind_names[c->kind],
		    fwc_chain_names[c->chain]);
		if (c->t.iif != NULL)
			fwc_strbuf_addf(sb, " in %s", c->t.iif);
		if (c->t.oif != NULL)
			fwc_strbuf_addf(sb, " out %s", c->t.oif);
		fwc_strbuf_adds(sb, ", ");
		add_plural(sb, c->t.count, "connection");
		if (c->n_regions > 1)
			fwc_strbuf_addf(sb, " in %zu regions", c->n_regions);
		fwc_strbuf_adds(sb, ", e.g. ");
		fwc_packet_format(sb, &c->ex);
		fwc_strbuf_adds(sb, "\n");
	}
	for (size_t i = 0; i < d->n_eps; i++)
		fwc_strbuf_addf(sb, "%s %s %s (%zu rule%s)\n",
		    d->eps[i].status == FWC_DIFF_EP_ADDED ? "NEW" : "REMOVED",
		    kind_names[d->eps[i].kind], d->eps[i].name,
		    d->eps[i].n_rules, d->eps[i].n_rules == 1 ? "" : "s");
	if (d->n_changes == 0 && d->n_eps == 0) {
		fwc_strbuf_adds(sb, "no difference\n");
		return;
	}
	fwc_strbuf_adds(sb, "summary: ");
	add_plural(sb, (double)d->n_allowed, "newly allowed region");
	fwc_strbuf_adds(sb, " (");
	add_plural(sb, d->allowed, "connection");
	fwc_strbuf_adds(sb, "), ");
	add_plural(sb, (double)d->n_denied, "newly denied region");
	fwc_strbuf_adds(sb, " (");
	add_plural(sb, d->denied, "connection");
	fwc_strbuf_adds(sb, ")");
	if (d->n_rejected > 0) {
		fwc_strbuf_adds(sb, ", ");
		add_plural(sb, (double)d->n_rejected, "region");
		fwc_strbuf_adds(sb, " now rejected instead of dropped (");
		add_plural(sb, d->rejected, "connection");
		fwc_strbuf_adds(sb, ")");
	}
	if (d->n_dropped > 0) {
		fwc_strbuf_adds(sb, ", ");
		add_plural(sb, (double)d->n_dropped, "region");
		fwc_strbuf_adds(sb, " now dropped instead of rejected (");
		add_plural(sb, d->dropped, "connection");
		fwc_strbuf_adds(sb, ")");
	}
	if (d->n_eps > 0) {
		fwc_strbuf_adds(sb, ", ");
		add_plural(
		    sb, (double)d->n_eps, "enforcement point added or removed");
	}
	fwc_strbuf_adds(sb, "\n");
}

static void
md_escape(struct fwc_strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fwc_strbuf_adds(sb, "\\|");
		else
			fwc_strbuf_addc(sb, *s);
	}
}

static void
md_decider(
    struct fwc_strbuf *sb, const struct fwc_ir_rule *r, enum fwc_action def)
{
	if (r == NULL) {
		fwc_strbuf_addf(sb, "default %s", fwc_action_names[def]);
		return;
	}
	fwc_strbuf_adds(sb, "`");
	md_escape(sb, r->origin.flow ? r->origin.flow : "?");
	fwc_strbuf_adds(sb, "`");
	if (r->origin.loc.file != NULL)
		fwc_strbuf_addf(sb, " (%s:%u)", r->origin.loc.file,
		    (unsigned int)r->origin.loc.line);
	if (r->origin.note != NULL) {
		fwc_strbuf_adds(sb, ", ");
		md_escape(sb, r->origin.note);
	}
}

static void
render_markdown(const struct fwc_diff *d, const char *ol, const char *nl,
    struct fwc_strbuf *sb)
{
	struct fwc_strbuf t;

	fwc_strbuf_adds(sb, "### Firewall policy change: `");
	md_escape(sb, ol);
	fwc_strbuf_adds(sb, "` → `");
	md_escape(sb, nl);
	fwc_strbuf_adds(sb, "`\n\n");
	if (d->n_changes == 0 && d->n_eps == 0) {
		fwc_strbuf_adds(sb, "No difference: every connection keeps its "
				    "fate at every enforcement point.\n");
		return;
	}
	fwc_strbuf_adds(sb, "**");
	add_plural(sb, d->allowed, "connection");
	fwc_strbuf_adds(sb, " newly allowed** in ");
	add_plural(sb, (double)d->n_allowed, "region");
	fwc_strbuf_adds(sb, ", **");
	add_plural(sb, d->denied, "connection");
	fwc_strbuf_adds(sb, " newly denied** in ");
	add_plural(sb, (double)d->n_denied, "region");
	if (d->n_rejected > 0) {
		fwc_strbuf_adds(sb, ", **");
		add_plural(sb, d->rejected, "connection");
		fwc_strbuf_adds(sb, " now rejected instead of dropped** in ");
		add_plural(sb, (double)d->n_rejected, "region");
	}
	if (d->n_dropped > 0) {
		fwc_strbuf_adds(sb, ", **");
		add_plural(sb, d->dropped, "connection");
		fwc_strbuf_adds(sb, " now dropped instead of rejected** in ");
		add_plural(sb, (double)d->n_dropped, "region");
	}
	fwc_strbuf_adds(sb, ".\n");
	if (d->n_changes > 0) {
		fwc_strbuf_adds(sb,
		    "\n| change | connections | at | new | old | count | example |\n"
		    "| --- | --- | --- | --- | --- | ---: | --- |\n");
		fwc_strbuf_init(&t);
		for (size_t i = 0; i < d->n_changes; i++) {
			const struct fwc_diff_change *c = &d->changes[i];

			fwc_strbuf_addf(sb, "| %s | ", what_md[c->what]);
			md_escape(sb, c->text);
			fwc_strbuf_addf(
			    sb, " | %s %s", c->ep, fwc_chain_names[c->chain]);
			if (c->t.iif != NULL)
				fwc_strbuf_addf(sb, " in %s", c->t.iif);
			if (c->t.oif != NULL)
				fwc_strbuf_addf(sb, " out %s", c->t.oif);
			fwc_strbuf_adds(sb, " | ");
			md_decider(sb, c->new_rule, c->new_def);
			fwc_strbuf_adds(sb, " | ");
			md_decider(sb, c->old_rule, c->old_def);
			fwc_strbuf_adds(sb, " | ");
			add_count(sb, c->t.count);
			fwc_strbuf_adds(sb, " | ");
			fwc_strbuf_reset(&t);
			fwc_packet_format(&t, &c->ex);
			fwc_strbuf_adds(sb, "`");
			fwc_strbuf_adds(sb, t.buf);
			fwc_strbuf_adds(sb, "` |\n");
		}
		fwc_strbuf_release(&t);
	}
	if (d->n_eps > 0) {
		fwc_strbuf_adds(sb, "\n");
		for (size_t i = 0; i < d->n_eps; i++)
			fwc_strbuf_addf(sb, "- %s %s `%s` (%zu rule%s)\n",
			    d->eps[i].status == FWC_DIFF_EP_ADDED ? "new"
								  : "removed",
			    kind_names[d->eps[i].kind], d->eps[i].name,
			    d->eps[i].n_rules,
			    d->eps[i].n_rules == 1 ? "" : "s");
	}
}

static void
json_decider(
    struct fwc_strbuf *sb, const struct fwc_ir_rule *r, enum fwc_action def)
{
	if (r == NULL) {
		fwc_strbuf_addf(sb, "{\"default\": true, \"action\": \"%s\"}",
		    fwc_action_names[def]);
		return;
	}
	fwc_strbuf_addf(sb,
	    "{\"default\": false, \"action\": \"%s\", \"flow\": ",
	    fwc_action_names[r->action]);
	fwc_json_string(sb, r->origin.flow);
	fwc_strbuf_adds(sb, ", \"file\": ");
	fwc_json_string(sb, r->origin.loc.file);
	fwc_strbuf_addf(
	    sb, ", \"line\": %u, \"note\": ", (unsigned int)r->origin.loc.line);
	fwc_json_string(sb, r->origin.note);
	fwc_strbuf_adds(sb, "}");
}

static void
json_kv(struct fwc_strbuf *sb, const char *k, const char *v, bool comma)
{
	fwc_strbuf_addf(sb, "\"%s\": ", k);
	fwc_json_string(sb, v);
	if (comma)
		fwc_strbuf_adds(sb, ", ");
}

/* Line break inside a JSON object, without trailing blanks. */
static void
json_break(struct fwc_strbuf *sb)
{
	while (sb->len > 0 && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
	fwc_strbuf_adds(sb, "\n     ");
}

static void
render_json(const struct fwc_diff *d, const char *ol, const char *nl,
    struct fwc_strbuf *sb)
{
	struct fwc_strbuf t;

	fwc_strbuf_init(&t);
	fwc_strbuf_adds(sb, "{\n  ");
	json_kv(sb, "old", ol, true);
	json_kv(sb, "new", nl, true);
	fwc_strbuf_addf(sb, "\"equal\": %s,\n  \"allowed\": ",
	    d->n_changes == 0 && d->n_eps == 0 ? "true" : "false");
	add_count(sb, d->allowed);
	fwc_strbuf_adds(sb, ",\n  \"denied\": ");
	add_count(sb, d->denied);
	fwc_strbuf_adds(sb, ",\n  \"changes\": [");
	for (size_t i = 0; i < d->n_changes; i++) {
		const struct fwc_diff_change *c = &d->changes[i];

		fwc_strbuf_adds(sb, i ? ",\n    {" : "\n    {");
		json_kv(sb, "change", what_json[c->what], true);
		json_kv(sb, "enforcement_point", c->ep, true);
		json_kv(sb, "kind", kind_names[c->kind], true);
		json_kv(sb, "chain", fwc_chain_names[c->chain], true);
		json_kv(sb, "family", c->t.family, true);
		json_break(sb);
		json_kv(sb, "in", c->t.iif, true);
		json_kv(sb, "out", c->t.oif, true);
		json_kv(sb, "src_name", c->t.src_name, true);
		json_kv(sb, "src_part_of", c->t.src_part_of, true);
		json_kv(sb, "src", c->t.src, true);
		json_break(sb);
		json_kv(sb, "dst_name", c->t.dst_name, true);
		json_kv(sb, "dst_part_of", c->t.dst_part_of, true);
		json_kv(sb, "dst", c->t.dst, true);
		json_break(sb);
		json_kv(sb, "service", c->t.service, true);
		json_kv(sb, "sport", c->t.sport, true);
		fwc_strbuf_adds(sb, "\"connections\": ");
		add_count(sb, c->t.count);
		fwc_strbuf_addf(sb, ", \"regions\": %zu,", c->n_regions);
		json_break(sb);
		fwc_strbuf_reset(&t);
		fwc_packet_format(&t, &c->ex);
		json_kv(sb, "example", t.buf, false);
		fwc_strbuf_adds(sb, ",\n     \"new\": ");
		json_decider(sb, c->new_rule, c->new_def);
		fwc_strbuf_adds(sb, ",\n     \"old\": ");
		json_decider(sb, c->old_rule, c->old_def);
		fwc_strbuf_adds(sb, "}");
	}
	fwc_strbuf_adds(sb, d->n_changes ? "\n  ],\n" : "],\n");
	fwc_strbuf_adds(sb, "  \"enforcement_points\": [");
	for (size_t i = 0; i < d->n_eps; i++) {
		fwc_strbuf_adds(sb, i ? ",\n    {" : "\n    {");
		json_kv(sb, "name", d->eps[i].name, true);
		json_kv(sb, "kind", kind_names[d->eps[i].kind], true);
		json_kv(sb, "status",
		    d->eps[i].status == FWC_DIFF_EP_ADDED ? "added" : "removed",
		    true);
		fwc_strbuf_addf(sb, "\"rules\": %zu}", d->eps[i].n_rules);
	}
	fwc_strbuf_adds(sb, d->n_eps ? "\n  ]\n}\n" : "]\n}\n");
	fwc_strbuf_release(&t);
}

void
fwc_diff_render(const struct fwc_diff *d, enum fwc_diff_format fmt,
    const char *old_label, const char *new_label, struct fwc_strbuf *out)
{
	switch (fmt) {
	case FWC_DIFF_TEXT:
		render_text(d, old_label, new_label, out);
		break;
	case FWC_DIFF_JSON:
		render_json(d, old_label, new_label, out);
		break;
	case FWC_DIFF_MARKDOWN:
		render_markdown(d, old_label, new_label, out);
		break;
	}
}
