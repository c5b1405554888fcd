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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/strbuf.h"
#include "narrow.h"

#define MAX_BOXES 16

static void
add_change(
    struct fwc_arena *a, struct fwc_diff *d, const struct fwc_diff_change *c)
{
	FWC_VEC_PUSH(a, d->changes, d->n_changes, d->cap_changes, *c);
}

/* Splits region r by the rule of rs that decides each packet. Calls fn
 * for each non-empty part with the rule (NULL = default). */
struct part {
	const struct fwc_ir_rule *rule;
	int set;
};

static size_t
split(const struct fwc_ruleset *rs, enum fwc_chain c, const int *rb, int r,
    struct part *out, size_t max)
{
	int rem = fwc_space_get(r);
	size_t n = 0;

	for (size_t i = 0; i < rs->n_rules && !fwc_space_is_empty(rem); i++) {
		const struct fwc_ir_rule *rule = &rs->rules[i];
		int x;
		int m;

		if (rule->chain != c || !rs->has_chain[c] ||
		    fwc_space_is_empty(rb[i]))
			continue;
		x = fwc_space_and(rb[i], rem);
		if (fwc_space_is_empty(x) || n == max - 1) {
			fwc_space_put(x);
			continue;
		}
		out[n].rule = rule;
		out[n].set = x;
		n++;
		m = fwc_space_minus(rem, x);
		fwc_space_put(rem);
		rem = m;
	}
	if (!fwc_space_is_empty(rem)) {
		out[n].rule = NULL;
		out[n].set = rem;
		n++;
	} else {
		fwc_space_put(rem);
	}
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

		fwc_region_describe(a, sp, &boxes[i], set, namer, &c.t);
		c.n_regions = 1;
		for (int f = 0; f < FWC_F_NR; f++) {
			int x = fwc_space_and(prod, boxes[i].f[f]);

			fwc_space_put(prod);
			prod = x;
		}
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

#define MAX_PARTS 256

static void
diff_region(struct fwc_arena *a, struct fwc_diff *d, const struct fwc_space *sp,
    const struct fwc_ruleset *o, const struct fwc_ruleset *n, const int *rb_o,
    const int *rb_n, enum fwc_chain c, int region, enum fwc_diff_what what)
{
	struct part *np = fwc_xmalloc(MAX_PARTS * sizeof(*np));
	struct part *op = fwc_xmalloc(MAX_PARTS * sizeof(*op));
	size_t nn = split(n, c, rb_n, region, np, MAX_PARTS);
	size_t no = split(o, c, rb_o, region, op, MAX_PARTS);

	/* Each packet of the region has one decider on each side: the parts
	 * of the two splits pair up. */
	for (size_t i = 0; i < nn; i++) {
		for (size_t j = 0; j < no; j++) {
			struct fwc_diff_change t;
			int x = fwc_space_and(np[i].set, op[j].set);

			if (fwc_space_is_empty(x)) {
				fwc_space_put(x);
				continue;
			}
			memset(&t, 0, sizeof(t));
			t.what = what;
			t.allow = what == FWC_DIFF_ALLOW;
			t.ep = n->name;
			t.kind = n->kind;
			t.chain = c;
			t.new_rule = np[i].rule;
			t.old_rule = op[j].rule;
			t.new_def = chain_default(n, c);
			t.old_def = chain_default(o, c);
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

/* The packet set of each used rule of chain c within `within`. */
static int *
rule_sets(const struct fwc_space *sp, const struct fwc_ruleset *rs,
    enum fwc_chain c, const bool *use, int within)
{
	int *rb = fwc_xcalloc(rs->n_rules + 1, sizeof(int));

	for (size_t i = 0; i < rs->n_rules; i++) {
		int b;

		rb[i] = fwc_space_false();
		if (rs->rules[i].chain != c || !use[i])
			continue;
		b = fwc_space_rule(sp, &rs->rules[i]);
		rb[i] = fwc_space_and(b, within);
		fwc_space_put(b);
	}
	return rb;
}

static void
rule_sets_free(int *rb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fwc_space_put(rb[i]);
	free(rb);
}

static void
diff_ep(struct fwc_arena *a, struct fwc_diff *d, const struct fwc_ruleset *o,
    const struct fwc_ruleset *n)
{
	struct fwc_space sp;
	bool *use_o = fwc_xcalloc(o->n_rules + 1, sizeof(bool));
	bool *use_n = fwc_xcalloc(n->n_rules + 1, sizeof(bool));

	fwc_space_reset(&sp);
	fwc_space_add_ifaces(&sp, o);
	fwc_space_add_ifaces(&sp, n);
	for (int ci = 0; ci < FWC_CHAIN_NR; ci++) {
		enum fwc_chain c = (enum fwc_chain)ci;
		struct fwc_verdicts vo;
		struct fwc_verdicts vn;
		int *rb_o;
		int *rb_n;
		int within;
		int na;
		int nd;
		int nr;
		int ndr;

		if (!o->has_chain[c] && !n->has_chain[c])
			continue;
		within = fwc_narrow(&sp, o, n, c, use_o, use_n);
		if (fwc_space_is_empty(within)) {
			fwc_space_put(within);
			continue;
		}
		rb_o = rule_sets(&sp, o, c, use_o, within);
		rb_n = rule_sets(&sp, n, c, use_n, within);
		fwc_space_chain_sets(o, c, within, rb_o, &vo);
		fwc_space_chain_sets(n, c, within, rb_n, &vn);
		na = fwc_space_minus(vn.accept, vo.accept);
		nd = fwc_space_minus(vo.accept, vn.accept);
		nr = fwc_space_and(vn.reject, vo.drop);
		ndr = fwc_space_and(vn.drop, vo.reject);
		if (!fwc_space_is_empty(na))
			diff_region(
			    a, d, &sp, o, n, rb_o, rb_n, c, na, FWC_DIFF_ALLOW);
		if (!fwc_space_is_empty(nd))
			diff_region(
			    a, d, &sp, o, n, rb_o, rb_n, c, nd, FWC_DIFF_DENY);
		if (!fwc_space_is_empty(nr))
			diff_region(a, d, &sp, o, n, rb_o, rb_n, c, nr,
			    FWC_DIFF_REJECT);
		if (!fwc_space_is_empty(ndr))
			diff_region(
			    a, d, &sp, o, n, rb_o, rb_n, c, ndr, FWC_DIFF_DROP);
		rule_sets_free(rb_o, o->n_rules);
		rule_sets_free(rb_n, n->n_rules);
		fwc_space_put(na);
		fwc_space_put(nd);
		fwc_space_put(nr);
		fwc_space_put(ndr);
		fwc_space_verdicts_put(&vo);
		fwc_space_verdicts_put(&vn);
		fwc_space_put(within);
	}
	free(use_o);
	free(use_n);
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
	return strcmp(a->text, b->text);
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
