/* Reads a pf.conf written by backends/pf.c back into a ruleset (the
 * .parse hook of the pf backend), for `fwc verify` and the round-trip
 * and injection tests.
 *
 * pf's own semantics: every rule is evaluated; the first matching quick
 * rule decides at once, else the last matching non-quick rule, else the
 * packet passes. In first-match form that is [quick rules in order] +
 * [non-quick rules in reverse order] + pass. pf has no chains: a packet
 * for this machine is filtered inbound only (input), one from it
 * outbound only (output), and a forwarded one inbound on the interface
 * where it arrives, then outbound where it leaves, carrying the tag of
 * the rule that passed it inbound. So:
 *
 *   input   = the inbound list (rules `in` or without direction);
 *   output  = the outbound list (rules `out` or without direction),
 *             without `tagged` rules, which never match the machine's
 *             own packets;
 *   forward = for each inbound rule in order: a block is a forward rule
 *             as it stands; a pass with tag T is followed by the outbound
 *             list restricted to rules without `tagged` or `tagged T`,
 *             each under the conjunction of both rules' conditions (iif
 *             from the inbound rule, oif from the outbound one), then by
 *             the pass itself for what no outbound rule matches.
 *
 * A forward deny, as backends/pf.c writes it, is a pass inbound with the
 * tag of its input interface and a `block out on OIF ... tagged T`
 * before the outbound allows: under the lowering above, a block that
 * needs both interfaces, as in the IR. Nothing is special-cased for it.
 *
 * The table <fwc_self> = { self } holds the machine's addresses at load
 * time: a packet's destination is in it exactly for input, its source
 * exactly for output. `set skip on lo` and the neighbour discovery pass
 * that every fwc file carries are recognised as the stateful base, as
 * in the other parsers. Macros ($name), tables, `port a:b` ranges, ICMP
 * type names, labels (origin.flow), log and state options are read;
 * DNS names in tables, which pfctl resolves when loading, are skipped
 * just as the IR's sets evaluate only their literal addresses;
 * anything else, a tag on a non-quick rule, `tag` or `tagged` on a pass
 * with `no state` (pfctl refuses it: "tags cannot be used without keep
 * state") and negations other than `! <fwc_self>` are located errors. */
#include "parsers.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_util.h"
#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

#define ND_BASE                                                         \
	"pass quick inet6 proto ipv6-icmp all icmp6-type { routersol, " \
	"routeradv, neighbrsol, neighbradv } no state"

static const struct {
	const char *name;
	int type;
	bool v6;
} icmp_names[] = { { "echorep", 0, false }, { "unreach", 3, false },
	{ "squench", 4, false }, { "redir", 5, false }, { "althost", 6, false },
	{ "echoreq", 8, false }, { "routeradv", 9, false },
	{ "routersol", 10, false }, { "timex", 11, false },
	{ "paramprob", 12, false }, { "timereq", 13, false },
	{ "timerep", 14, false }, { "inforeq", 15, false },
	{ "inforep", 16, false }, { "maskreq", 17, false },
	{ "maskrep", 18, false }, { "unreach", 1, true }, { "toobig", 2, true },
	{ "timex", 3, true }, { "paramprob", 4, true },
	{ "echoreq", 128, true }, { "echorep", 129, true },
	{ "routersol", 133, true }, { "routeradv", 134, true },
	{ "neighbrsol", 135, true }, { "neighbradv", 136, true },
	{ "redir", 137, true } };

enum tk { T_WORD, T_STR, T_LBRACE, T_RBRACE, T_COMMA, T_BANG, T_EQ, T_END };

struct tok {
	enum tk k;
	const char *s;
	uint32_t line;
	uint32_t col;
};

struct macro {
	const char *name;
	const char *value;
};

struct table {
	const char *name;
	bool self;		      /* { self } */
	const struct fwc_addrset *as; /* both families */
};

/* An address condition: any, a table or literal set, the machine's own
 * addresses, or not them. */
enum hk { H_ANY, H_SET, H_SELF, H_NOTSELF };

struct host {
	enum hk k;
	const struct fwc_addrset *as; /* H_SET */
};

struct prule {
	uint32_t line;
	enum fwc_action action;
	bool quick;
	int dir; /* 0 both, 1 in, 2 out */
	bool log;
	const char *ifname;
	unsigned int fams;
	int proto;
	struct host src;
	struct host dst;
	struct fwc_portset sport;
	struct fwc_portset dport;
	bool has_types;
	uint8_t types[32];
	const char *tag;
	const char *tagged;
	const char *label;
	bool no_state;
};

struct pfp {
	struct fwc_pctx *p;
	struct tok *t; /* tokens of the current statement */
	size_t n;
	size_t cap;
	size_t i;
	struct macro *mac;
	size_t n_mac;
	size_t cap_mac;
	struct table *tab;
	size_t n_tab;
	size_t cap_tab;
	struct prule *r;
	size_t n_r;
	size_t cap_r;
	enum fwc_action block_policy; /* of a plain `block` */
	unsigned long n_sets;
};

static const char *
macro_value(const struct pfp *x, const char *name)
{
	for (size_t i = 0; i < x->n_mac; i++)
		if (strcmp(x->mac[i].name, name) == 0)
			return x->mac[i].value;
	return NULL;
}

static const struct table *
find_table(const struct pfp *x, const char *name)
{
	for (size_t i = 0; i < x->n_tab; i++)
		if (strcmp(x->tab[i].name, name) == 0)
			return &x->tab[i];
	return NULL;
}

static void
push_tok(struct pfp *x, enum tk k, const char *s, size_t n, uint32_t line,
    uint32_t col)
{
	struct tok t = { k, fwc_arena_strndup(x->p->a, s, n), line, col };

	FWC_VEC_PUSH(x->p->a, x->t, x->n, x->cap, t);
}

/* Tokenizes one physical line into x->t (appending: continuation lines
 * add to the same statement). Returns true when the line ends with a
 * backslash. */
static bool
tokenize_line(struct pfp *x, const char *s, uint32_t line)
{
	const char *b = s;

	while (*s != '\0') {
		uint32_t col = (uint32_t)(s - b) + 1;

		if (*s == ' ' || *s == '\t') {
			s++;
		} else if (*s == '#') {
			return false;
		} else if (*s == '\\' && s[1] == '\0') {
			return true;
		} else if (*s == '"') {
			const char *e = strchr(s + 1, '"');

			if (e == NULL) {
				fwc_pctx_error(
				    x->p, line, col, "unterminated string");
				return false;
			}
			push_tok(
			    x, T_STR, s + 1, (size_t)(e - s - 1), line, col);
			s = e + 1;
		} else if (strchr("{},!=", *s) != NULL) {
			static const enum tk kinds[] = { T_LBRACE, T_RBRACE,
				T_COMMA, T_BANG, T_EQ };

			push_tok(x, kinds[strchr("{},!=", *s) - "{},!="], s, 1,
			    line, col);
			s++;
		} else {
			const char *w = s;

			while (*s != '\0' && strchr(" \t{},!=\"#", *s) == NULL)
				s++;
			if (*w == '$') {
				char *name = fwc_arena_strndup(
				    x->p->a, w + 1, (size_t)(s - w - 1));
				const char *v = macro_value(x, name);

				if (v == NULL) {
					fwc_pctx_error(x->p, line, col,
					    "undefined macro '$%s'", name);
					return false;
				}
				push_tok(x, T_WORD, v, strlen(v), line, col);
			} else {
				push_tok(
				    x, T_WORD, w, (size_t)(s - w), line, col);
			}
		}
	}
	return false;
}

static const struct tok *
peek(const struct pfp *x)
{
	static const struct tok end = { T_END, "end of line", 0, 0 };

	return x->i < x->n ? &x->t[x->i] : &end;
}

static const struct tok *
next(struct pfp *x)
{
	const struct tok *t = peek(x);

	if (x->i < x->n)
		x->i++;
	return t;
}

static bool
is_word(const struct tok *t, const char *w)
{
	return t->k == T_WORD && strcmp(t->s, w) == 0;
}

static void
err_tok(struct pfp *x, const struct tok *t, const char *what)
{
	const struct tok *last = x->n > 0 ? &x->t[x->n - 1] : t;

	fwc_pctx_error(x->p, t->k == T_END ? last->line : t->line,
	    t->k == T_END ? last->col : t->col, "expected %s, found '%s'", what,
	    t->s);
}

/* "{ a, b c }" or one word; returns the words. */
static const struct tok **
word_list(struct pfp *x, size_t *n)
{
	const struct tok **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (peek(x)->k == T_WORD) {
		FWC_VEC_PUSH(x->p->a, v, *n, cap, next(x));
		return v;
	}
	if (peek(x)->k != T_LBRACE) {
		err_tok(x, peek(x), "a value or '{'");
		return NULL;
	}
	next(x);
	for (;;) {
		const struct tok *t = next(x);

		if (t->k == T_RBRACE)
			return v;
		if (t->k == T_COMMA)
			continue;
		if (t->k != T_WORD) {
			err_tok(x, t, "a list element or '}'");
			*n = 0;
			return NULL;
		}
		FWC_VEC_PUSH(x->p->a, v, *n, cap, t);
	}
}

/* A plain DNS name (a table entry that pfctl resolves at load time):
 * labels of [A-Za-z0-9-] separated by dots, with a letter somewhere. */
static bool
is_dns_name(const char *s)
{
	bool letter = false;

	if (*s == '\0' || *s == '.' || *s == '-' || strlen(s) > 253)
		return false;
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			letter = true;
		else if (!(*s >= '0' && *s <= '9') && *s != '-' && *s != '.')
			return false;
	}
	return letter;
}

static const struct fwc_addrset *
addr_set(struct pfp *x, const struct tok *const *el, size_t n, bool *self)
{
	struct fwc_ivl *v4 = fwc_arena_alloc(x->p->a, (n + 1) * sizeof(*v4));
	struct fwc_ivl *v6 = fwc_arena_alloc(x->p->a, (n + 1) * sizeof(*v6));
	size_t n4 = 0;
	size_t n6 = 0;

	for (size_t i = 0; i < n; i++) {
		struct fwc_ivl iv;
		enum fwc_family f;
		const char *why;

		if (self != NULL && strcmp(el[i]->s, "self") == 0 && n == 1) {
			*self = true;
			return &fwc_addrset_empty;
		}
		if (self != NULL && is_dns_name(el[i]->s))
			continue; /* resolved by pfctl when loading */
		if (strchr(el[i]->s, '-') != NULL ||
		    fwc_pctx_addr_ivl(el[i]->s, &f, &iv, &why) < 0) {
			fwc_pctx_error(x->p, el[i]->line, el[i]->col,
			    "expected an address or a CIDR block, found '%s'",
			    el[i]->s);
			return NULL;
		}
		if (f == FWC_FAM_IP4)
			v4[n4++] = iv;
		else
			v6[n6++] = iv;
	}
	return fwc_addrset_from(x->p->a, v4, n4, v6, n6);
}

/* table <name> [const] [persist] { entries } */
static void
parse_table(struct pfp *x)
{
	const struct tok *name = next(x);
	struct table tb;
	const struct tok **el;
	size_t n;
	size_t len;

	memset(&tb, 0, sizeof(tb));
	len = name->k == T_WORD ? strlen(name->s) : 0;
	if (len < 3 || name->s[0] != '<' || name->s[len - 1] != '>') {
		err_tok(x, name, "a table name '<name>'");
		return;
	}
	tb.name = fwc_arena_strndup(x->p->a, name->s + 1, len - 2);
	if (find_table(x, tb.name) != NULL) {
		fwc_pctx_error(x->p, name->line, name->col,
		    "table <%s> defined twice", tb.name);
		return;
	}
	while (is_word(peek(x), "const") || is_word(peek(x), "persist"))
		next(x);
	if (peek(x)->k != T_LBRACE) {
		err_tok(x, peek(x), "'{'");
		return;
	}
	el = word_list(x, &n);
	if (el == NULL && n == 0 && x->i > 0 && x->t[x->i - 1].k != T_RBRACE)
		return;
	tb.as = addr_set(x, el, n, &tb.self);
	if (tb.as == NULL)
		return;
	if (peek(x)->k != T_END) {
		err_tok(x, peek(x), "the end of the table");
		return;
	}
	FWC_VEC_PUSH(x->p->a, x->tab, x->n_tab, x->cap_tab, tb);
}

static bool
parse_host(struct pfp *x, struct host *h)
{
	const struct tok *t = peek(x);
	bool neg = false;

	h->k = H_ANY;
	h->as = NULL;
	if (t->k == T_BANG) {
		neg = true;
		next(x);
		t = peek(x);
	}
	if (is_word(t, "any") && !neg) {
		next(x);
		return true;
	}
	if (t->k == T_WORD && t->s[0] == '<') {
		size_t len = strlen(t->s);
		char *name;
		const struct table *tb;

		next(x);
		name = len > 2 && t->s[len - 1] == '>'
			   ? fwc_arena_strndup(x->p->a, t->s + 1, len - 2)
			   : NULL;
		tb = name != NULL ? find_table(x, name) : NULL;
		if (tb == NULL) {
			fwc_pctx_error(
			    x->p, t->line, t->col, "unknown table '%s'", t->s);
			return false;
		}
		if (tb->self) {
			h->k = neg ? H_NOTSELF : H_SELF;
			return true;
		}
		if (neg) {
			fwc_pctx_error(x->p, t->line, t->col,
			    "negated table '%s' is not expected", t->s);
			return false;
		}
		h->k = H_SET;
		h->as = tb->as;
		return true;
	}
	if (neg) {
		err_tok(x, t, "a table after '!'");
		return false;
	}
	if (t->k == T_WORD || t->k == T_LBRACE) {
		size_t n;
		const struct tok **el = word_list(x, &n);

		if (el == NULL)
			return false;
		h->as = addr_set(x, el, n, NULL);
		h->k = H_SET;
		return h->as != NULL;
	}
	err_tok(x, t, "'any', a table or an address");
	return false;
}

static bool
parse_ports(struct pfp *x, struct fwc_portset *ps)
{
	const struct tok **el;
	struct fwc_pivl *v;
	size_t n;

	if (!is_word(peek(x), "port"))
		return true;
	next(x);
	if (peek(x)->k == T_EQ)
		next(x);
	el = word_list(x, &n);
	if (el == NULL || n == 0)
		return false;
	v = fwc_arena_alloc(x->p->a, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const char *c = strchr(el[i]->s, ':');
		long lo;
		long hi;

		if (c == NULL) {
			lo = hi = fwc_pctx_port(el[i]->s);
		} else {
			char *l = fwc_arena_strndup(
			    x->p->a, el[i]->s, (size_t)(c - el[i]->s));

			lo = fwc_pctx_port(l);
			hi = fwc_pctx_port(c + 1);
		}
		if (lo < 0 || hi < 0 || lo > hi) {
			fwc_pctx_error(x->p, el[i]->line, el[i]->col,
			    "expected a port or 'lo:hi', found '%s'", el[i]->s);
			return false;
		}
		v[i] = (struct fwc_pivl){ (uint16_t)lo, (uint16_t)hi };
	}
	*ps = fwc_pctx_ports(x->p, v, n);
	return true;
}

static int
icmp_type(const char *s, bool v6)
{
	long v;

	for (size_t i = 0; i < FWC_ARRAY_SIZE(icmp_names); i++)
		if (icmp_names[i].v6 == v6 &&
		    strcmp(icmp_names[i].name, s) == 0)
			return icmp_names[i].type;
	v = fwc_pctx_port(s);
	return v >= 0 && v <= 255 ? (int)v : -1;
}

static void
parse_rule(struct pfp *x, const struct tok *first)
{
	struct prule r;
	bool from_to = false;

	memset(&r, 0, sizeof(r));
	r.line = first->line;
	r.proto = FWC_PROTO_ANY;
	r.fams = (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6);
	if (is_word(first, "pass")) {
		r.action = FWC_ACT_ACCEPT;
	} else {
		r.action = x->block_policy;
		if (is_word(peek(x), "drop")) {
			next(x);
			r.action = FWC_ACT_DROP;
		} else if (is_word(peek(x), "return")) {
			next(x);
			r.action = FWC_ACT_REJECT;
		}
	}
	if (is_word(peek(x), "in") || is_word(peek(x), "out"))
		r.dir = is_word(next(x), "in") ? 1 : 2;
	if (is_word(peek(x), "log")) {
		next(x);
		r.log = true;
	}
	if (is_word(peek(x), "quick")) {
		next(x);
		r.quick = true;
	}
	if (is_word(peek(x), "on")) {
		const struct tok *t;

		next(x);
		t = next(x);
		if (t->k != T_WORD || t->s[0] == '\0') {
			err_tok(x, t, "an interface name");
			return;
		}
		r.ifname = t->s;
	}
	if (is_word(peek(x), "inet") || is_word(peek(x), "inet6"))
		r.fams = 1u << (is_word(next(x), "inet") ? FWC_FAM_IP4
							 : FWC_FAM_IP6);
	if (is_word(peek(x), "proto")) {
		const struct tok *t;

		next(x);
		t = next(x);
		if (t->k != T_WORD || (r.proto = fwc_proto_parse(t->s)) < 0) {
			err_tok(x, t, "a protocol");
			return;
		}
	}
	if (is_word(peek(x), "all")) {
		next(x);
	} else if (is_word(peek(x), "from")) {
		next(x);
		from_to = true;
		if (!parse_host(x, &r.src) || !parse_ports(x, &r.sport))
			return;
		if (!is_word(peek(x), "to")) {
			err_tok(x, peek(x), "'to'");
			return;
		}
		next(x);
		if (!parse_host(x, &r.dst) || !parse_ports(x, &r.dport))
			return;
	} else {
		err_tok(x, peek(x), "'all' or 'from'");
		return;
	}
	(void)from_to;
	while (peek(x)->k != T_END) {
		const struct tok *t = next(x);

		if (is_word(t, "icmp-type") || is_word(t, "icmp6-type")) {
			bool v6 = is_word(t, "icmp6-type");
			const struct tok **el;
			size_t n;

			if (r.proto !=
			    (v6 ? FWC_PROTO_ICMP6 : FWC_PROTO_ICMP)) {
				fwc_pctx_error(x->p, t->line, t->col,
				    "'%s' without 'proto %s'", t->s,
				    v6 ? "ipv6-icmp" : "icmp");
				return;
			}
			el = word_list(x, &n);
			if (el == NULL)
				return;
			for (size_t i = 0; i < n; i++) {
				int ty = icmp_type(el[i]->s, v6);

				if (ty < 0) {
					fwc_pctx_error(x->p, el[i]->line,
					    el[i]->col,
					    "unknown ICMP type '%s'", el[i]->s);
					return;
				}
				r.types[ty / 8] |= (uint8_t)(1u << (ty % 8));
			}
			r.has_types = true;
			if (is_word(peek(x), "code")) {
				err_tok(x, peek(x), "no ICMP code");
				return;
			}
		} else if (is_word(t, "flags")) {
			if (!is_word(next(x), "S/SA") ||
			    r.proto != FWC_PROTO_TCP) {
				fwc_pctx_error(x->p, t->line, t->col,
				    "only 'flags S/SA' with proto tcp is "
				    "expected");
				return;
			}
		} else if ((is_word(t, "keep") || is_word(t, "no") ||
			       is_word(t, "modulate")) &&
			   is_word(peek(x), "state")) {
			r.no_state = is_word(t, "no");
			next(x);
		} else if (is_word(t, "tag") || is_word(t, "tagged")) {
			const struct tok *v = next(x);

			if (v->k != T_WORD) {
				err_tok(x, v, "a tag name");
				return;
			}
			if (is_word(t, "tag"))
				r.tag = v->s;
			else
				r.tagged = v->s;
		} else if (is_word(t, "label")) {
			const struct tok *v = next(x);

			if (v->k != T_STR) {
				err_tok(x, v, "a quoted label");
				return;
			}
			r.label = v->s;
		} else {
			err_tok(x, t, "a rule option");
			return;
		}
	}
	if (r.tag != NULL && (!r.quick || r.action != FWC_ACT_ACCEPT)) {
		fwc_pctx_error(x->p, first->line, first->col,
		    "'tag' is only expected on quick pass rules");
		return;
	}
	if ((r.tag != NULL || r.tagged != NULL) && r.no_state &&
	    r.action == FWC_ACT_ACCEPT) {
		fwc_pctx_error(x->p, first->line, first->col,
		    "'tag' or 'tagged' on a pass rule with 'no state' (pfctl "
		    "refuses tags without keep state)");
		return;
	}
	if ((r.sport.n > 0 || r.dport.n > 0) && r.proto != FWC_PROTO_TCP &&
	    r.proto != FWC_PROTO_UDP && r.proto != 33 && r.proto != 132 &&
	    r.proto != 136) {
		fwc_pctx_error(x->p, first->line, first->col,
		    "ports without a port protocol");
		return;
	}
	if (r.proto == FWC_PROTO_ICMP)
		r.fams &= 1u << FWC_FAM_IP4;
	if (r.proto == FWC_PROTO_ICMP6)
		r.fams &= 1u << FWC_FAM_IP6;
	FWC_VEC_PUSH(x->p->a, x->r, x->n_r, x->cap_r, r);
}

static void
parse_set(struct pfp *x, const struct tok *first)
{
	const struct tok *t = next(x);

	if (is_word(t, "skip") && is_word(peek(x), "on")) {
		const struct tok **el;
		size_t n;

		next(x);
		el = word_list(x, &n);
		if (el == NULL)
			return;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(el[i]->s, "lo") != 0) {
				fwc_pctx_error(x->p, el[i]->line, el[i]->col,
				    "only 'set skip on lo' is expected");
				return;
			}
		}
	} else if (is_word(t, "state-policy") &&
		   (is_word(peek(x), "floating") ||
		       is_word(peek(x), "if-bound"))) {
		next(x);
	} else if (is_word(t, "block-policy") &&
		   (is_word(peek(x), "drop") || is_word(peek(x), "return"))) {
		x->block_policy =
		    is_word(next(x), "drop") ? FWC_ACT_DROP : FWC_ACT_REJECT;
	} else {
		fwc_pctx_error(
		    x->p, first->line, first->col, "unexpected 'set %s'", t->s);
		return;
	}
	if (peek(x)->k != T_END)
		err_tok(x, peek(x), "the end of the line");
}

static void
statement(struct pfp *x, const char *raw)
{
	const struct tok *t;

	x->i = 0;
	if (x->n == 0)
		return;
	t = next(x);
	if (strcmp(raw, ND_BASE) == 0)
		return;
	if (t->k == T_WORD && peek(x)->k == T_EQ) {
		struct macro m;
		const struct tok *v;

		next(x);
		v = next(x);
		if ((v->k != T_STR && v->k != T_WORD) || peek(x)->k != T_END) {
			err_tok(x, v, "one quoted value");
			return;
		}
		m.name = t->s;
		m.value = v->s;
		FWC_VEC_PUSH(x->p->a, x->mac, x->n_mac, x->cap_mac, m);
		return;
	}
	if (is_word(t, "table"))
		parse_table(x);
	else if (is_word(t, "set"))
		parse_set(x, t);
	else if (is_word(t, "pass") || is_word(t, "block"))
		parse_rule(x, t);
	else
		err_tok(x, t, "'table', 'set', 'pass', 'block' or a macro");
}

/* Self semantics per chain: input packets are to this machine, output
 * packets from it, forwarded ones neither. */
static bool
host_ok(const struct host *h, bool is_self)
{
	if (h->k == H_SELF)
		return is_self;
	if (h->k == H_NOTSELF)
		return !is_self;
	return true;
}

static const struct fwc_addrset *
host_and(struct pfp *x, const struct host *a, const struct host *b)
{
	if (a->k != H_SET)
		return b->k == H_SET ? b->as : NULL;
	if (b->k != H_SET)
		return a->as;
	return fwc_addrset_inter(x->p->a, a->as, b->as);
}

static bool
ports_and(struct pfp *x, const struct fwc_portset *a,
    const struct fwc_portset *b, struct fwc_portset *out)
{
	struct fwc_pivl *v;
	size_t m = 0;

	if (a->n == 0 || b->n == 0) {
		*out = a->n == 0 ? *b : *a;
		return true;
	}
	v = fwc_arena_alloc(x->p->a, (a->n * b->n) * sizeof(*v));
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < b->n; j++) {
			uint16_t lo =
			    a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
			uint16_t hi =
			    a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;

			if (lo <= hi)
				v[m++] = (struct fwc_pivl){ lo, hi };
		}
	}
	if (m == 0)
		return false;
	*out = fwc_pctx_ports(x->p, v, m);
	return true;
}

static const struct fwc_ir_set *
to_set(struct pfp *x, const struct fwc_addrset *as, enum fwc_family f)
{
	char name[32];

	if (as == NULL)
		return NULL;
	snprintf(name, sizeof(name), "s%lu", x->n_sets++);
	return fwc_pctx_add_set(x->p, name, f, as->v[f], as->n[f], NULL);
}

/* Emits rule a (and b, the outbound leg, or NULL) as IR rules of chain
 * c with action act, one per family; nothing when they cannot both
 * match. */
static void
emit(struct pfp *x, enum fwc_chain c, const struct prule *a,
    const struct prule *b, enum fwc_action act)
{
	static const struct prule none = { .proto = FWC_PROTO_ANY, .fams = 3u };
	const struct prule *o = b != NULL ? b : &none;
	bool in_self = c == FWC_CHAIN_INPUT;
	bool out_self = c == FWC_CHAIN_OUTPUT;
	struct fwc_ir_rule r;
	const struct fwc_addrset *src;
	const struct fwc_addrset *dst;

	if (!host_ok(&a->src, out_self) || !host_ok(&a->dst, in_self) ||
	    !host_ok(&o->src, out_self) || !host_ok(&o->dst, in_self))
		return;
	fwc_pctx_rule_init(x->p, &r, (b != NULL ? b : a)->line);
	r.chain = c;
	r.action = act;
	r.log = (b != NULL ? b : a)->log;
	r.origin.flow = (b != NULL ? b : a)->label;
	if (c == FWC_CHAIN_OUTPUT)
		r.oif = a->ifname;
	else
		r.iif = a->ifname;
	if (b != NULL)
		r.oif = b->ifname;
	if (a->proto != FWC_PROTO_ANY && o->proto != FWC_PROTO_ANY &&
	    a->proto != o->proto)
		return;
	r.proto = a->proto != FWC_PROTO_ANY ? a->proto : o->proto;
	if (!ports_and(x, &a->dport, &o->dport, &r.dport) ||
	    !ports_and(x, &a->sport, &o->sport, &r.sport))
		return;
	if (a->has_types || o->has_types) {
		bool any = false;

		for (int k = 0; k < 32; k++) {
			uint8_t ta = a->has_types ? a->types[k] : 0xff;
			uint8_t tb = o->has_types ? o->types[k] : 0xff;

			r.types[k] = (uint8_t)(ta & tb);
			any |= r.types[k] != 0;
		}
		r.has_types = true;
		if (!any)
			return;
	}
	src = host_and(x, &a->src, &o->src);
	dst = host_and(x, &a->dst, &o->dst);
	for (int f = 0; f < FWC_FAM_NR; f++) {
		if (!(a->fams & o->fams & (1u << f)))
			continue;
		if ((src != NULL && fwc_addrset_fam_empty(src, f)) ||
		    (dst != NULL && fwc_addrset_fam_empty(dst, f)))
			continue;
		r.family = (enum fwc_family)f;
		r.src = to_set(x, src, (enum fwc_family)f);
		r.dst = to_set(x, dst, (enum fwc_family)f);
		fwc_pctx_add_rule(x->p, &r);
	}
}

/* The rules of direction dir (1 in, 2 out) in first-match order. */
static const struct prule **
ordered(struct pfp *x, int dir, size_t *n)
{
	const struct prule **v =
	    fwc_arena_alloc(x->p->a, (x->n_r + 1) * sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < x->n_r; i++)
		if (x->r[i].quick && (x->r[i].dir == 0 || x->r[i].dir == dir))
			v[(*n)++] = &x->r[i];
	for (size_t i = x->n_r; i-- > 0;)
		if (!x->r[i].quick && (x->r[i].dir == 0 || x->r[i].dir == dir))
			v[(*n)++] = &x->r[i];
	return v;
}

static void
lower(struct pfp *x)
{
	size_t n_in;
	size_t n_out;
	const struct prule **in = ordered(x, 1, &n_in);
	const struct prule **out = ordered(x, 2, &n_out);

	for (size_t i = 0; i < n_in; i++)
		if (in[i]->tagged == NULL)
			emit(x, FWC_CHAIN_INPUT, in[i], NULL, in[i]->action);
	for (size_t i = 0; i < n_out; i++)
		if (out[i]->tagged == NULL)
			emit(x, FWC_CHAIN_OUTPUT, out[i], NULL, out[i]->action);
	for (size_t i = 0; i <= n_in; i++) {
		/* Past the last inbound rule pf passes by default: the
		 * outbound leg decides, for an untagged packet. */
		static const struct prule pass_all = { .action = FWC_ACT_ACCEPT,
			.proto = FWC_PROTO_ANY,
			.fams = 3u };
		const struct prule *a = i < n_in ? in[i] : &pass_all;

		if (a->tagged != NULL)
			continue;
		if (a->action != FWC_ACT_ACCEPT) {
			emit(x, FWC_CHAIN_FORWARD, a, NULL, a->action);
			continue;
		}
		for (size_t j = 0; j < n_out; j++) {
			const struct prule *b = out[j];

			if (b->tagged != NULL &&
			    (a->tag == NULL || strcmp(a->tag, b->tagged) != 0))
				continue;
			emit(x, FWC_CHAIN_FORWARD, a, b, b->action);
		}
		if (i < n_in)
			emit(x, FWC_CHAIN_FORWARD, a, NULL, FWC_ACT_ACCEPT);
	}
}

int
fwc_pf_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg)
{
	struct fwc_pctx p;
	struct pfp x;
	struct fwc_strbuf raw;
	char *line;
	bool cont = false;
	unsigned int errors = 0;

	fwc_pctx_init(&p, a, file, text, len, out, dg);
	memset(&x, 0, sizeof(x));
	x.p = &p;
	x.block_policy = FWC_ACT_DROP;
	out->name = p.file;
	out->os = "bsd";
	out->target = "pf";
	for (int c = 0; c < FWC_CHAIN_NR; c++) {
		out->chain_default[c] = FWC_ACT_ACCEPT;
		out->has_chain[c] = true;
	}
	fwc_strbuf_init(&raw);
	while ((line = fwc_pctx_next_line(&p)) != NULL && !dg->stopped) {
		size_t n = strlen(line);

		if (!cont) {
			x.n = 0;
			fwc_strbuf_reset(&raw);
			errors = p.errors;
		}
		cont = tokenize_line(&x, line, p.line);
		if (n > 0 && line[0] != '#') {
			if (raw.len > 0)
				fwc_strbuf_addc(&raw, ' ');
			fwc_strbuf_addn(&raw, line, cont ? n - 1 : n);
		}
		/* A statement whose text did not tokenize is not read. */
		if (!cont && p.errors == errors)
			statement(&x, raw.buf);
	}
	if (cont && p.errors == errors)
		statement(&x, raw.buf);
	fwc_strbuf_release(&raw);
	if (p.errors == 0)
		lower(&x);
	out->kind = FWC_EP_GATEWAY;
	fwc_pctx_fold_defaults(&p, (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6));
	return fwc_pctx_finish(&p);
}
