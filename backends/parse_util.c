/* Helpers shared by the backend output parsers (see parse_util.h). All
 * results live in the caller's arena; nothing here knows a target's
 * syntax beyond lines, addresses and ports. */
#include "parse_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/strbuf.h"

void
fwc_pctx_init(struct fwc_pctx *p, struct fwc_arena *a, const char *file,
    const char *text, size_t len, struct fwc_ruleset *rs, struct fwc_diag *dg)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	p->dg = dg;
	p->file = file != NULL ? file : "<output>";
	p->rs = rs;
	p->text = fwc_arena_strndup(a, text, len);
	/* A NUL inside the text ends it here; report it rather than read
	 * less than was given. */
	p->len = strlen(p->text);
	if (p->len != len) {
		uint32_t line = 1;

		for (size_t i = 0; i < p->len; i++)
			line += p->text[i] == '\n';
		fwc_pctx_error(p, line, 1, "NUL byte in the output");
	}
}

void
fwc_pctx_error(
    struct fwc_pctx *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
	struct fwc_loc loc = { p->file, line, col };
	struct fwc_strbuf sb;
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fwc_strbuf_init(&sb);
	/* Parsed text may hold anything: never echo control bytes. */
	for (const unsigned char *s = (const unsigned char *)buf; *s; s++) {
		if (*s < 0x20 || *s >= 0x7f)
			fwc_strbuf_addf(&sb, "\\x%02x", (unsigned int)*s);
		else
			fwc_strbuf_addc(&sb, (char)*s);
	}
	p->errors++;
	fwc_error(p->dg, &loc, "%s", sb.buf);
	fwc_strbuf_release(&sb);
}

char *
fwc_pctx_next_line(struct fwc_pctx *p)
{
	char *s;
	char *nl;
	size_t n;

	if (p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = strchr(s, '\n');
	n = nl != NULL ? (size_t)(nl - s) : strlen(s);
	p->pos += n + (nl != NULL);
	s[n] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		s[n - 1] = '\0';
	p->line++;
	return s;
}

int
fwc_pctx_addr_ivl(
    const char *s, enum fwc_family *fam, struct fwc_ivl *out, const char **why)
{
	if (strchr(s, '/') != NULL)
		return fwc_cidr_parse(s, fam, out, why);
	if (strchr(s, '-') != NULL)
		return fwc_range_parse(s, fam, out, why);
	if (fwc_addr_parse(s, fam, &out->lo, why) < 0)
		return -1;
	out->hi = out->lo;
	return 0;
}

long
fwc_pctx_port(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 65535 ? v : -1;
}

struct fwc_ir_set *
fwc_pctx_add_set(struct fwc_pctx *p, const char *name, enum fwc_family fam,
    const struct fwc_ivl *v, size_t n, const char *comment)
{
	struct fwc_ir_set *s = fwc_arena_alloc(p->a, sizeof(*s));
	struct fwc_addrset *as = fam == FWC_FAM_IP4
				     ? fwc_addrset_from(p->a, v, n, NULL, 0)
				     : fwc_addrset_from(p->a, NULL, 0, v, n);

	s->name = fwc_arena_strdup(p->a, name);
	s->family = fam;
	s->v = as->v[fam];
	s->n = as->n[fam];
	s->comment = comment != NULL ? fwc_arena_strdup(p->a, comment) : NULL;
	s->id = (unsigned int)p->n_sets;
	FWC_VEC_PUSH(p->a, p->sets, p->n_sets, p->cap_sets, s);
	return s;
}

struct fwc_ir_set *
fwc_pctx_find_set(const struct fwc_pctx *p, const char *name)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (strcmp(p->sets[i]->name, name) == 0)
			return p->sets[i];
	return NULL;
}

static int
pivl_cmp(const void *x, const void *y)
{
	const struct fwc_pivl *a = x;
	const struct fwc_pivl *b = y;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->hi > b->hi) - (a->hi < b->hi);
}

struct fwc_portset
fwc_pctx_ports(struct fwc_pctx *p, const struct fwc_pivl *v, size_t n)
{
	struct fwc_pivl *w = fwc_arena_alloc(p->a, (n ? n : 1) * sizeof(*w));
	size_t k = 0;

	if (n > 0)
		memcpy(w, v, n * sizeof(*w));
	qsort(w, n, sizeof(*w), pivl_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && (uint32_t)w[i].lo <= (uint32_t)w[k - 1].hi + 1) {
			if (w[i].hi > w[k - 1].hi)
				w[k - 1].hi = w[i].hi;
			continue;
		}
		w[k++] = w[i];
	}
	return (struct fwc_portset){ w, k };
}

void
fwc_pctx_rule_init(
    const struct fwc_pctx *p, struct fwc_ir_rule *r, uint32_t line)
{
	memset(r, 0, sizeof(*r));
	r->proto = FWC_PROTO_ANY;
	r->origin.loc.file = p->file;
	r->origin.loc.line = line;
	r->origin.loc.col = 1;
}

struct fwc_ir_rule *
fwc_pctx_add_rule(struct fwc_pctx *p, const struct fwc_ir_rule *r)
{
	FWC_VEC_PUSH(p->a, p->rules, p->n_rules, p->cap_rules, *r);
	return &p->rules[p->n_rules - 1];
}

bool
fwc_pctx_is_catch_all(const struct fwc_ir_rule *r, bool allow_proto)
{
	return r->iif == NULL && r->oif == NULL && r->src == NULL &&
	       r->dst == NULL && r->dport.n == 0 && r->sport.n == 0 &&
	       !r->has_types && (allow_proto || r->proto == FWC_PROTO_ANY);
}

/* Index of the last rule of chain c and family f before end, or -1. */
static long
last_of(
    const struct fwc_pctx *p, enum fwc_chain c, enum fwc_family f, size_t end)
{
	for (size_t i = end; i > 0; i--) {
		const struct fwc_ir_rule *r = &p->rules[i - 1];

		if (r->chain == c && r->family == f)
			return (long)(i - 1);
	}
	return -1;
}

void
fwc_pctx_fold_defaults(struct fwc_pctx *p, unsigned int fams)
{
	for (int c = 0; c < FWC_CHAIN_NR; c++) {
		enum fwc_action act = FWC_ACT_NR;
		bool fold = fams != 0;
		size_t k = 0;

		for (int f = 0; f < FWC_FAM_NR && fold; f++) {
			long i;

			if (!(fams & (1u << f)))
				continue;
			i = last_of(p, (enum fwc_chain)c, (enum fwc_family)f,
			    p->n_rules);
			if (i < 0 ||
			    !fwc_pctx_is_catch_all(&p->rules[i], false))
				fold = false;
			else if (act == FWC_ACT_NR)
				act = p->rules[i].action;
			else if (act != p->rules[i].action)
				fold = false;
		}
		if (!fold)
			continue;
		p->rs->chain_default[c] = act;
		/* Drop, per family, the trailing catch-alls of that action. */
		for (int f = 0; f < FWC_FAM_NR; f++) {
			long i = last_of(p, (enum fwc_chain)c,
			    (enum fwc_family)f, p->n_rules);

			while (i >= 0 && p->rules[i].action == act &&
			       fwc_pctx_is_catch_all(&p->rules[i], true)) {
				p->rules[i].chain = FWC_CHAIN_NR; /* removed */
				i = last_of(p, (enum fwc_chain)c,
				    (enum fwc_family)f, (size_t)i);
			}
		}
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].chain != FWC_CHAIN_NR)
				p->rules[k++] = p->rules[i];
		p->n_rules = k;
	}
}

int
fwc_pctx_finish(struct fwc_pctx *p)
{
	p->rs->sets = p->sets;
	p->rs->n_sets = p->n_sets;
	p->rs->rules = p->rules;
	p->rs->n_rules = p->n_rules;
	return p->errors > 0 ? -1 : 0;
}
