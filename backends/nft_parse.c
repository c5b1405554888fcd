/* Reads an nftables script back into a ruleset (the .parse hook of the
 * nft backend), for `fwc verify` and the round-trip tests: both the
 * script that backends/nft.c writes and what `nft list table inet fwc`
 * prints after loading it (elements on one line, counters with values,
 * numbers shown as names, `reject` for the default ICMPx reply).
 *
 * The result is in first-match form: each base chain's rules in order,
 * the chain policy as default, and trailing catch-all rejects folded into
 * the default. The stateful base that every fwc chain opens with
 * (established/related accept, loopback accept, neighbour discovery
 * accept, invalid drop) is recognised exactly and not turned into rules:
 * it is outside the IR's new-connection semantics. Regular chains
 * reached by jump, goto or a verdict map (named or in the rule) are
 * flattened into their base chain under the conjunction of the
 * conditions that lead there. A rule without an address family condition
 * becomes two rules, one per family. Anything else that is not
 * understood is a located error. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"

#include "parse_util.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"

enum tk {
	T_WORD,
	T_STR,
	T_LBRACE,
	T_RBRACE,
	T_SEMI,
	T_COMMA,
	T_EQ,
	T_NL,
	T_END
};

struct tok {
	enum tk k;
	const char *s; /* arena string: the word or the string's content */
	uint32_t line;
	uint32_t col;
};

enum lkind { L_ADDR, L_PORT, L_ICMP, L_ICMP6 };

struct nchain;
struct nmap;

/* A named set of the script. */
struct nset {
	const char *name;
	enum lkind kind;
	struct fwc_ir_set *addr;  /* L_ADDR */
	struct fwc_portset ports; /* L_PORT */
	uint8_t types[32];	  /* L_ICMP, L_ICMP6 */
};

struct np {
	struct fwc_pctx *p;
	struct tok *t; /* arena vector, ends with T_END */
	size_t n;
	size_t i;
	const char **lines; /* raw text of each line, 1-based */
	size_t n_lines;
	struct nset *sets; /* arena vector */
	size_t n_sets;
	size_t cap_sets;
	struct nchain *chains; /* arena vector */
	size_t n_chains;
	size_t cap_chains;
	struct nmap *maps; /* arena vector */
	size_t n_maps;
	size_t cap_maps;
	unsigned long n_irsets; /* sets made for flattened rules */
	bool chain_seen[FWC_CHAIN_NR];
};

static bool
is_word_char(char c)
{
	return c != '\0' && strchr(" \t\r\n{};,=\"#", c) == NULL;
}

static void
tokenize(struct np *x)
{
	struct fwc_pctx *p = x->p;
	const char *s = p->text;
	size_t cap = 0;
	size_t cap_l = 0;
	uint32_t line = 1;
	const char *bol = s;
	const char *l0 = s;

	x->lines = NULL;
	FWC_VEC_PUSH(p->a, x->lines, x->n_lines, cap_l, (const char *)NULL);
	while (*s != '\0') {
		struct tok t = { T_WORD, NULL, line, (uint32_t)(s - bol) + 1 };

		if (*s == ' ' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		if (*s == '#') {
			while (*s != '\0' && *s != '\n')
				s++;
			continue;
		}
		if (*s == '\n') {
			const char *raw =
			    fwc_arena_strndup(p->a, l0, (size_t)(s - l0));

			FWC_VEC_PUSH(p->a, x->lines, x->n_lines, cap_l, raw);
			t.k = T_NL;
			s++;
			line++;
			bol = l0 = s;
		} else if (*s == '"') {
			const char *e = strpbrk(s + 1, "\"\n");

			if (e == NULL || *e == '\n') {
				fwc_pctx_error(
				    p, t.line, t.col, "unterminated string");
				e = e == NULL ? s + strlen(s) : e;
				t.s = fwc_arena_strndup(
				    p->a, s + 1, (size_t)(e - s - 1));
				s = e;
			} else {
				t.s = fwc_arena_strndup(
				    p->a, s + 1, (size_t)(e - s - 1));
				s = e + 1;
			}
			t.k = T_STR;
		} else if (strchr("{};,=", *s) != NULL) {
			static const enum tk kinds[] = { T_LBRACE, T_RBRACE,
				T_SEMI, T_COMMA, T_EQ };

			t.k = kinds[strchr("{};,=", *s) - "{};,="];
			t.s = fwc_arena_strndup(p->a, s, 1);
			s++;
		} else {
			const char *b = s;

			while (is_word_char(*s))
				s++;
			t.s = fwc_arena_strndup(p->a, b, (size_t)(s - b));
		}
		FWC_VEC_PUSH(p->a, x->t, x->n, cap, t);
	}
	FWC_VEC_PUSH(
	    p->a, x->lines, x->n_lines, cap_l, fwc_arena_strdup(p->a, l0));
	FWC_VEC_PUSH(p->a, x->t, x->n, cap,
	    ((struct tok){ T_NL, "\n", line, (uint32_t)(s - bol) + 1 }));
	FWC_VEC_PUSH(p->a, x->t, x->n, cap,
	    ((struct tok){ T_END, "end of input", line, 1 }));
}

static const struct tok *
peek(const struct np *x)
{
	return &x->t[x->i];
}

static const struct tok *
next(struct np *x)
{
	const struct tok *t = &x->t[x->i];

	if (t->k != T_END)
		x->i++;
	return t;
}

static const char *
tok_text(const struct tok *t)
{
	return t->k == T_NL ? "end of line" : t->s;
}

static void
err_tok(struct np *x, const struct tok *t, const char *what)
{
	fwc_pctx_error(x->p, t->line, t->col, "expected %s, found '%s'", what,
	    tok_text(t));
}

/* Skips to the end of the current line (after an error). */
static void
skip_line(struct np *x)
{
	int depth = 0;

	while (peek(x)->k != T_END) {
		const struct tok *t = next(x);

		if (t->k == T_LBRACE)
			depth++;
		else if (t->k == T_RBRACE && depth > 0)
			depth--;
		else if (t->k == T_RBRACE) {
			x->i--;
			return;
		} else if (t->k == T_NL && depth == 0)
			return;
	}
}

static bool
is_word(const struct tok *t, const char *w)
{
	return t->k == T_WORD && strcmp(t->s, w) == 0;
}

static bool
expect_word(struct np *x, const char *w)
{
	const struct tok *t = next(x);
	char what[64];

	if (is_word(t, w))
		return true;
	snprintf(what, sizeof(what), "'%s'", w);
	err_tok(x, t, what);
	return false;
}

static bool
expect(struct np *x, enum tk k, const char *what)
{
	const struct tok *t = next(x);

	if (t->k == k)
		return true;
	err_tok(x, t, what);
	return false;
}

static void
skip_nl(struct np *x)
{
	while (peek(x)->k == T_NL || peek(x)->k == T_SEMI)
		next(x);
}

static struct nset *
find_nset(const struct np *x, const char *name)
{
	for (size_t i = 0; i < x->n_sets; i++)
		if (strcmp(x->sets[i].name, name) == 0)
			return &x->sets[i];
	return NULL;
}

/* Reads "{ e, e, ... }" (newlines allowed inside) into an arena vector of
 * word tokens. */
static const struct tok **
read_list(struct np *x, size_t *n)
{
	const struct tok **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!expect(x, T_LBRACE, "'{'"))
		return NULL;
	for (;;) {
		const struct tok *t = next(x);

		if (t->k == T_NL || t->k == T_COMMA)
			continue;
		if (t->k == T_RBRACE)
			break;
		if (t->k != T_WORD) {
			err_tok(x, t, "a list element");
			x->i--;
			*n = 0;
			return NULL;
		}
		FWC_VEC_PUSH(x->p->a, v, *n, cap, t);
	}
	return v;
}

static int
parse_port_ivl(struct np *x, const struct tok *t, struct fwc_pivl *out)
{
	const char *dash = strchr(t->s, '-');
	long lo;
	long hi;

	if (dash == NULL) {
		lo = hi = fwc_pctx_port(t->s);
	} else {
		char *l =
		    fwc_arena_strndup(x->p->a, t->s, (size_t)(dash - t->s));

		lo = fwc_pctx_port(l);
		hi = fwc_pctx_port(dash + 1);
	}
	if (lo < 0 || hi < 0 || lo > hi) {
		fwc_pctx_error(x->p, t->line, t->col,
		    "expected a port or port range, found '%s'", t->s);
		return -1;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

static int
parse_icmp_type(struct np *x, const struct tok *t, bool v6, uint8_t *types)
{
	int v = fwc_icmp_type_parse(t->s, v6);

	if (v < 0) {
		fwc_pctx_error(x->p, t->line, t->col, "unknown %s type '%s'",
		    v6 ? "icmpv6" : "icmp", t->s);
		return -1;
	}
	types[v / 8] |= (uint8_t)(1u << (v % 8));
	return 0;
}

static int
parse_addrs(struct np *x, const struct tok *const *el, size_t n,
    enum fwc_family fam, struct fwc_ivl **out)
{
	struct fwc_ivl *v = fwc_arena_alloc(x->p->a, (n ? n : 1) * sizeof(*v));
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		enum fwc_family f;
		const char *why;

		if (fwc_pctx_addr_ivl(el[i]->s, &f, &v[i], &why) < 0) {
			fwc_pctx_error(x->p, el[i]->line, el[i]->col,
			    "bad address '%s': %s", el[i]->s, why);
			rc = -1;
		} else if (f != fam) {
			fwc_pctx_error(x->p, el[i]->line, el[i]->col,
			    "address '%s' is not %s", el[i]->s,
			    fam == FWC_FAM_IP4 ? "IPv4" : "IPv6");
			rc = -1;
		}
	}
	*out = v;
	return rc;
}

static void
parse_set(struct np *x)
{
	const struct tok *name = next(x);
	const struct tok *type = NULL;
	const struct tok *const *el = NULL;
	const char *comment = NULL;
	struct nset ns;
	size_t n_el = 0;
	int rc = 0;

	memset(&ns, 0, sizeof(ns));
	if (name->k != T_WORD) {
		err_tok(x, name, "a set name");
		skip_line(x);
		return;
	}
	if (!expect(x, T_LBRACE, "'{'"))
		return;
	for (;;) {
		const struct tok *t;

		skip_nl(x);
		t = next(x);
		if (t->k == T_RBRACE)
			break;
		if (t->k == T_END) {
			err_tok(x, t, "'}'");
			return;
		}
		if (is_word(t, "type")) {
			type = next(x);
		} else if (is_word(t, "flags")) {
			while (peek(x)->k == T_WORD || peek(x)->k == T_COMMA) {
				const struct tok *f = next(x);

				if (f->k == T_WORD &&
				    strcmp(f->s, "interval") != 0 &&
				    strcmp(f->s, "constant") != 0) {
					err_tok(x, f, "set flag 'interval'");
					rc = -1;
				}
			}
		} else if (is_word(t, "auto-merge")) {
			continue;
		} else if (is_word(t, "comment")) {
			const struct tok *c = next(x);

			if (c->k != T_STR) {
				err_tok(x, c, "a string");
				rc = -1;
			}
			comment = c->s;
		} else if (is_word(t, "elements")) {
			if (!expect(x, T_EQ, "'='")) {
				skip_line(x);
				rc = -1;
				continue;
			}
			el = read_list(x, &n_el);
			if (el == NULL && n_el == 0 &&
			    x->t[x->i - 1].k != T_RBRACE)
				rc = -1;
		} else {
			err_tok(x, t, "a set property");
			skip_line(x);
			rc = -1;
		}
	}
	if (find_nset(x, name->s) != NULL) {
		fwc_pctx_error(x->p, name->line, name->col,
		    "set '%s' defined twice", name->s);
		return;
	}
	if (type == NULL) {
		fwc_pctx_error(x->p, name->line, name->col,
		    "set '%s' has no type", name->s);
		return;
	}
	ns.name = name->s;
	if (is_word(type, "ipv4_addr") || is_word(type, "ipv6_addr")) {
		enum fwc_family fam =
		    is_word(type, "ipv4_addr") ? FWC_FAM_IP4 : FWC_FAM_IP6;
		struct fwc_ivl *v;

		ns.kind = L_ADDR;
		if (parse_addrs(x, el, n_el, fam, &v) < 0)
			rc = -1;
		ns.addr =
		    fwc_pctx_add_set(x->p, name->s, fam, v, n_el, comment);
	} else if (is_word(type, "inet_service")) {
		struct fwc_pivl *v =
		    fwc_arena_alloc(x->p->a, (n_el ? n_el : 1) * sizeof(*v));

		ns.kind = L_PORT;
		for (size_t i = 0; i < n_el; i++)
			if (parse_port_ivl(x, el[i], &v[i]) < 0)
				rc = -1;
		ns.ports = fwc_pctx_ports(x->p, v, n_el);
	} else if (is_word(type, "icmp_type") || is_word(type, "icmpv6_type")) {
		bool v6 = is_word(type, "icmpv6_type");

		ns.kind = v6 ? L_ICMP6 : L_ICMP;
		for (size_t i = 0; i < n_el; i++)
			if (parse_icmp_type(x, el[i], v6, ns.types) < 0)
				rc = -1;
	} else {
		fwc_pctx_error(x->p, type->line, type->col,
		    "unsupported set type '%s'", tok_text(type));
		return;
	}
	(void)rc;
	FWC_VEC_PUSH(x->p->a, x->sets, x->n_sets, x->cap_sets, ns);
}

/* What a packet must satisfy: a conjunction, of both families unless
 * fams says otherwise. */
struct ncond {
	unsigned int fams; /* allowed families, bit 1 << family */
	const char *iif;
	const char *oif;
	int proto;
	const struct fwc_addrset *src; /* NULL = any */
	const struct fwc_addrset *dst;
	/* The output's own named set when the condition is exactly one, so
	 * that rules keep pointing at it; else NULL. */
	const struct fwc_ir_set *src_set;
	const struct fwc_ir_set *dst_set;
	struct fwc_portset dport; /* n == 0: any */
	struct fwc_portset sport;
	bool has_types;
	uint8_t types[32];
};

enum verdict {
	V_NONE,
	V_ACCEPT,
	V_DROP,
	V_REJECT,
	V_JUMP,
	V_GOTO,
	V_RETURN,
	V_VMAP
};

/* What a verdict map is keyed on. */
enum mkey { K_IIF, K_OIF, K_SADDR, K_DADDR, K_PROTO, K_DPORT, K_SPORT };

struct melem {
	const struct tok *at;
	const char *ifname;	      /* K_IIF, K_OIF */
	const struct fwc_addrset *as; /* K_SADDR, K_DADDR */
	struct fwc_pivl port;	      /* K_DPORT, K_SPORT */
	int proto;		      /* K_PROTO */
	enum verdict v;		      /* accept, drop, jump, goto */
	const char *target;	      /* chain of jump and goto */
};

/* A verdict map, named or written in a rule. */
struct nmap {
	const char *name;
	const char *type; /* key type: ifname, ipv4_addr, ... */
	struct melem *el; /* arena vector */
	size_t n;
	size_t cap;
};

/* One rule of a chain, as written. */
struct nstmt {
	uint32_t line;
	uint32_t col;
	struct ncond c;
	enum verdict v;
	const char *target;	 /* V_JUMP, V_GOTO */
	const struct nmap *map;	 /* V_VMAP */
	enum mkey key;		 /* V_VMAP */
	enum fwc_family key_fam; /* V_VMAP on addresses */
	bool log;
	const char *flow;
	bool base; /* part of the stateful base */
};

struct nchain {
	const char *name;
	const struct tok *at;
	enum fwc_chain hook; /* FWC_CHAIN_NR for a regular chain */
	struct nstmt *s;     /* arena vector */
	size_t n;
	size_t cap;
	bool busy; /* being expanded: a loop */
};

static void
restrict_fam(struct ncond *c, enum fwc_family f)
{
	c->fams &= 1u << f;
}

static void
set_proto(
    struct np *x, struct ncond *c, bool *bad, const struct tok *t, int proto)
{
	if (c->proto != FWC_PROTO_ANY && c->proto != proto) {
		fwc_pctx_error(x->p, t->line, t->col,
		    "rule matches no packet: two different protocols");
		*bad = true;
	}
	c->proto = proto;
}

static const struct fwc_addrset *
addrset_of(struct np *x, enum fwc_family f, const struct fwc_ivl *v, size_t n)
{
	return f == FWC_FAM_IP4 ? fwc_addrset_from(x->p->a, v, n, NULL, 0)
				: fwc_addrset_from(x->p->a, NULL, 0, v, n);
}

static struct nchain *
find_chain(const struct np *x, const char *name)
{
	for (size_t i = 0; i < x->n_chains; i++)
		if (strcmp(x->chains[i].name, name) == 0)
			return &x->chains[i];
	return NULL;
}

static const struct nmap *
find_map(const struct np *x, const char *name)
{
	for (size_t i = 0; i < x->n_maps; i++)
		if (strcmp(x->maps[i].name, name) == 0)
			return &x->maps[i];
	return NULL;
}

/* "accept", "drop", "jump NAME" or "goto NAME" in a map element. */
static bool
elem_verdict(struct np *x, struct melem *e)
{
	const struct tok *t = next(x);

	if (is_word(t, "accept") || is_word(t, "drop")) {
		e->v = is_word(t, "accept") ? V_ACCEPT : V_DROP;
		return true;
	}
	if (is_word(t, "jump") || is_word(t, "goto")) {
		const struct tok *n = next(x);

		e->v = is_word(t, "jump") ? V_JUMP : V_GOTO;
		if (n->k != T_WORD) {
			err_tok(x, n, "a chain name");
			return false;
		}
		e->target = n->s;
		return true;
	}
	err_tok(x, t, "'accept', 'drop', 'jump' or 'goto'");
	return false;
}

/* The key of a map element, by the map's key type. */
static bool
elem_key(struct np *x, const char *type, const struct tok *k, struct melem *e)
{
	e->at = k;
	if (strcmp(type, "ifname") == 0) {
		if (k->k != T_STR && k->k != T_WORD) {
			err_tok(x, k, "an interface name");
			return false;
		}
		e->ifname = k->s;
		return true;
	}
	if (strcmp(type, "ipv4_addr") == 0 || strcmp(type, "ipv6_addr") == 0) {
		enum fwc_family fam =
		    type[3] == '4' ? FWC_FAM_IP4 : FWC_FAM_IP6;
		const struct tok *one[1] = { k };
		struct fwc_ivl *iv;

		if (k->k != T_WORD || parse_addrs(x, one, 1, fam, &iv) < 0) {
			if (k->k != T_WORD)
				err_tok(x, k, "an address");
			return false;
		}
		e->as = addrset_of(x, fam, iv, 1);
		return true;
	}
	if (strcmp(type, "inet_service") == 0)
		return k->k == T_WORD && parse_port_ivl(x, k, &e->port) == 0;
	if (strcmp(type, "inet_proto") == 0) {
		e->proto = k->k == T_WORD ? fwc_proto_parse(k->s) : -1;
		if (e->proto < 0)
			err_tok(x, k, "a protocol");
		return e->proto >= 0;
	}
	fwc_pctx_error(x->p, k->line, k->col,
	    "unsupported verdict map key type '%s'", type);
	return false;
}

/* "{ KEY : VERDICT, ... }" into m. */
static bool
map_elements(struct np *x, struct nmap *m)
{
	if (!expect(x, T_LBRACE, "'{'"))
		return false;
	for (;;) {
		const struct tok *t = next(x);
		struct melem e;

		if (t->k == T_NL || t->k == T_COMMA)
			continue;
		if (t->k == T_RBRACE)
			return true;
		memset(&e, 0, sizeof(e));
		if (!elem_key(x, m->type, t, &e))
			return false;
		if (!is_word(peek(x), ":")) {
			err_tok(x, peek(x), "':'");
			return false;
		}
		next(x);
		if (!elem_verdict(x, &e))
			return false;
		FWC_VEC_PUSH(x->p->a, m->el, m->n, m->cap, e);
	}
}

/* map NAME { type KEY : verdict; [flags interval;] elements = { ... } } */
static void
parse_map(struct np *x)
{
	const struct tok *name = next(x);
	struct nmap m;

	memset(&m, 0, sizeof(m));
	if (name->k != T_WORD) {
		err_tok(x, name, "a map name");
		skip_line(x);
		return;
	}
	m.name = name->s;
	if (!expect(x, T_LBRACE, "'{'"))
		return;
	for (;;) {
		const struct tok *t;

		skip_nl(x);
		t = next(x);
		if (t->k == T_RBRACE)
			break;
		if (t->k == T_END) {
			err_tok(x, t, "'}'");
			return;
		}
		if (is_word(t, "type")) {
			const struct tok *k = next(x);

			m.type = k->s;
			if (k->k != T_WORD || !is_word(next(x), ":") ||
			    !is_word(next(x), "verdict")) {
				fwc_pctx_error(x->p, t->line, t->col,
				    "expected 'type KEY : verdict'");
				skip_line(x);
				return;
			}
		} else if (is_word(t, "flags")) {
			while (peek(x)->k == T_WORD || peek(x)->k == T_COMMA)
				next(x);
		} else if (is_word(t, "elements") && m.type != NULL) {
			if (!expect(x, T_EQ, "'='") || !map_elements(x, &m)) {
				skip_line(x);
				return;
			}
		} else {
			err_tok(x, t, "a map property");
			skip_line(x);
			return;
		}
	}
	if (m.type == NULL) {
		fwc_pctx_error(x->p, name->line, name->col,
		    "map '%s' has no type", m.name);
		return;
	}
	if (find_map(x, m.name) != NULL || find_nset(x, m.name) != NULL) {
		fwc_pctx_error(
		    x->p, name->line, name->col, "'%s' defined twice", m.name);
		return;
	}
	FWC_VEC_PUSH(x->p->a, x->maps, x->n_maps, x->cap_maps, m);
}

/* SELECTOR vmap @m | { ... }: the selector's key is in s->key. */
static void
stmt_vmap(struct np *x, struct nstmt *s, const char *type, bool *bad)
{
	const struct tok *v = peek(x);

	s->v = V_VMAP;
	if (v->k == T_WORD && v->s[0] == '@') {
		const struct nmap *m = find_map(x, v->s + 1);

		next(x);
		if (m == NULL || strcmp(m->type, type) != 0) {
			fwc_pctx_error(x->p, v->line, v->col,
			    m == NULL ? "unknown map '%s'"
				      : "map '%s' has the wrong key type",
			    v->s + 1);
			*bad = true;
			return;
		}
		s->map = m;
		return;
	}
	{
		struct nmap *m = fwc_arena_alloc(x->p->a, sizeof(*m));

		m->name = "";
		m->type = type;
		if (!map_elements(x, m)) {
			*bad = true;
			return;
		}
		s->map = m;
	}
}

/* ip/ip6 saddr/daddr VALUE */
static void
rule_addr(struct np *x, struct nstmt *s, bool *bad, const struct tok *kw)
{
	enum fwc_family fam = is_word(kw, "ip") ? FWC_FAM_IP4 : FWC_FAM_IP6;
	const struct tok *dir = next(x);
	const struct tok *v = peek(x);
	const struct fwc_addrset *as = NULL;
	const struct fwc_ir_set *named = NULL;
	bool src;

	if (!is_word(dir, "saddr") && !is_word(dir, "daddr")) {
		if (fam == FWC_FAM_IP6 && is_word(dir, "hoplimit")) {
			fwc_pctx_error(x->p, dir->line, dir->col,
			    "'ip6 hoplimit' is only expected in the neighbour "
			    "discovery base rule");
		} else {
			err_tok(x, dir, "'saddr' or 'daddr'");
		}
		*bad = true;
		return;
	}
	src = is_word(dir, "saddr");
	restrict_fam(&s->c, fam);
	if (is_word(v, "vmap")) {
		next(x);
		s->key = src ? K_SADDR : K_DADDR;
		s->key_fam = fam;
		stmt_vmap(
		    x, s, fam == FWC_FAM_IP4 ? "ipv4_addr" : "ipv6_addr", bad);
		return;
	}
	if (v->k == T_WORD && v->s[0] == '@') {
		const struct nset *ns = find_nset(x, v->s + 1);

		next(x);
		if (ns == NULL || ns->kind != L_ADDR) {
			fwc_pctx_error(x->p, v->line, v->col,
			    ns == NULL ? "unknown set '%s'"
				       : "set '%s' does not hold addresses",
			    v->s + 1);
			*bad = true;
			return;
		}
		if (ns->addr->family != fam) {
			fwc_pctx_error(x->p, v->line, v->col,
			    "set '%s' holds %s addresses, used with '%s'",
			    v->s + 1,
			    ns->addr->family == FWC_FAM_IP4 ? "IPv4" : "IPv6",
			    kw->s);
			*bad = true;
			return;
		}
		as = addrset_of(x, fam, ns->addr->v, ns->addr->n);
		named = ns->addr;
	} else if (v->k == T_WORD || v->k == T_LBRACE) {
		const struct tok *one[1];
		const struct tok *const *el = one;
		struct fwc_ivl *iv;
		size_t n = 1;

		if (v->k == T_WORD && v->s[0] == '!') {
			fwc_pctx_error(x->p, v->line, v->col,
			    "negated matches are not expected");
			*bad = true;
			return;
		}
		if (v->k == T_WORD)
			one[0] = next(x);
		else
			el = read_list(x, &n);
		if (el == NULL || parse_addrs(x, el, n, fam, &iv) < 0) {
			*bad = true;
			return;
		}
		as = addrset_of(x, fam, iv, n);
	} else {
		err_tok(x, v, "an address, a list, a set or 'vmap'");
		*bad = true;
		return;
	}
	if (src) {
		s->c.src = as;
		s->c.src_set = named;
	} else {
		s->c.dst = as;
		s->c.dst_set = named;
	}
}

static int
port_proto_of(const char *w)
{
	static const struct {
		const char *name;
		int proto;
	} pp[] = { { "tcp", 6 }, { "udp", 17 }, { "dccp", 33 }, { "sctp", 132 },
		{ "udplite", 136 } };

	for (size_t i = 0; i < FWC_ARRAY_SIZE(pp); i++)
		if (strcmp(pp[i].name, w) == 0)
			return pp[i].proto;
	return -1;
}

/* PROTO dport|sport VALUE */
static void
rule_ports(
    struct np *x, struct nstmt *s, bool *bad, const struct tok *kw, int proto)
{
	const struct tok *dir = next(x);
	const struct tok *v = peek(x);
	struct fwc_portset ps = { NULL, 0 };

	if (!is_word(dir, "dport") && !is_word(dir, "sport")) {
		err_tok(x, dir, "'dport' or 'sport'");
		*bad = true;
		return;
	}
	set_proto(x, &s->c, bad, kw, proto);
	if (is_word(v, "vmap")) {
		next(x);
		s->key = is_word(dir, "dport") ? K_DPORT : K_SPORT;
		stmt_vmap(x, s, "inet_service", bad);
		return;
	}
	if (v->k == T_WORD && v->s[0] == '@') {
		const struct nset *ns = find_nset(x, v->s + 1);

		next(x);
		if (ns == NULL || ns->kind != L_PORT) {
			fwc_pctx_error(x->p, v->line, v->col,
			    ns == NULL ? "unknown set '%s'"
				       : "set '%s' does not hold ports",
			    v->s + 1);
			*bad = true;
			return;
		}
		ps = ns->ports;
	} else if (v->k == T_WORD || v->k == T_LBRACE) {
		const struct tok *one[1];
		const struct tok *const *el = one;
		struct fwc_pivl *pv;
		size_t n = 1;

		if (v->k == T_WORD)
			one[0] = next(x);
		else
			el = read_list(x, &n);
		if (el == NULL) {
			*bad = true;
			return;
		}
		pv = fwc_arena_alloc(x->p->a, (n ? n : 1) * sizeof(*pv));
		for (size_t i = 0; i < n; i++) {
			if (parse_port_ivl(x, el[i], &pv[i]) < 0) {
				*bad = true;
				return;
			}
		}
		ps = fwc_pctx_ports(x->p, pv, n);
	} else {
		err_tok(x, v, "a port, a list or a set");
		*bad = true;
		return;
	}
	if (ps.n == 0) {
		fwc_pctx_error(x->p, v->line, v->col, "empty port set");
		*bad = true;
	}
	if (is_word(dir, "dport"))
		s->c.dport = ps;
	else
		s->c.sport = ps;
}

/* icmp|icmpv6 type VALUE */
static void
rule_icmp(struct np *x, struct nstmt *s, bool *bad, const struct tok *kw)
{
	bool v6 = is_word(kw, "icmpv6");
	const struct tok *v;

	if (!expect_word(x, "type")) {
		*bad = true;
		return;
	}
	v = peek(x);
	set_proto(x, &s->c, bad, kw, v6 ? FWC_PROTO_ICMP6 : FWC_PROTO_ICMP);
	restrict_fam(&s->c, v6 ? FWC_FAM_IP6 : FWC_FAM_IP4);
	s->c.has_types = true;
	if (v->k == T_WORD && v->s[0] == '@') {
		const struct nset *ns = find_nset(x, v->s + 1);

		next(x);
		if (ns == NULL || ns->kind != (v6 ? L_ICMP6 : L_ICMP)) {
			fwc_pctx_error(x->p, v->line, v->col,
			    ns == NULL ? "unknown set '%s'"
				       : "set '%s' does not hold the right "
					 "ICMP types",
			    v->s + 1);
			*bad = true;
			return;
		}
		memcpy(s->c.types, ns->types, sizeof(ns->types));
	} else if (v->k == T_WORD) {
		if (parse_icmp_type(x, next(x), v6, s->c.types) < 0)
			*bad = true;
	} else if (v->k == T_LBRACE) {
		size_t n;
		const struct tok *const *el = read_list(x, &n);

		if (el == NULL)
			*bad = true;
		for (size_t i = 0; i < n; i++)
			if (parse_icmp_type(x, el[i], v6, s->c.types) < 0)
				*bad = true;
	} else {
		err_tok(x, v, "an ICMP type, a list or a set");
		*bad = true;
	}
}

static void
rule_meta(struct np *x, struct nstmt *s, bool *bad)
{
	const struct tok *k = next(x);
	const struct tok *v = next(x);

	if (is_word(k, "nfproto") && v->k == T_WORD) {
		if (strcmp(v->s, "ipv4") == 0)
			restrict_fam(&s->c, FWC_FAM_IP4);
		else if (strcmp(v->s, "ipv6") == 0)
			restrict_fam(&s->c, FWC_FAM_IP6);
		else {
			err_tok(x, v, "'ipv4' or 'ipv6'");
			*bad = true;
		}
	} else if (is_word(k, "l4proto") && is_word(v, "vmap")) {
		s->key = K_PROTO;
		stmt_vmap(x, s, "inet_proto", bad);
	} else if (is_word(k, "l4proto") && v->k == T_WORD) {
		int proto = fwc_proto_parse(v->s);

		if (proto < 0) {
			err_tok(x, v, "a protocol");
			*bad = true;
			return;
		}
		set_proto(x, &s->c, bad, v, proto);
	} else {
		err_tok(x, k, "'nfproto' or 'l4proto' with a value");
		*bad = true;
	}
}

static void
rule_reject(struct np *x, bool *bad)
{
	const struct tok *t;

	if (!is_word(peek(x), "with"))
		return;
	next(x);
	t = next(x);
	if (is_word(t, "tcp")) {
		if (!expect_word(x, "reset"))
			*bad = true;
		return;
	}
	if (is_word(t, "icmpx") || is_word(t, "icmp") || is_word(t, "icmpv6")) {
		if (is_word(peek(x), "type"))
			next(x);
		t = next(x);
		if (t->k != T_WORD) {
			err_tok(x, t, "an ICMP reject code");
			*bad = true;
		}
		return;
	}
	err_tok(x, t, "'tcp reset' or an ICMP reject");
	*bad = true;
}

static void
rule_log(struct np *x, struct nstmt *s, bool *bad)
{
	s->log = true;
	for (;;) {
		const struct tok *t = peek(x);

		if (is_word(t, "prefix")) {
			next(x);
			if (!expect(x, T_STR, "a string"))
				*bad = true;
		} else if (is_word(t, "level") || is_word(t, "group")) {
			next(x);
			next(x);
		} else {
			return;
		}
	}
}

static bool
is_base_rule(const char *raw, enum fwc_chain c)
{
	static const char *const base[] = {
		"ct state established,related accept",
		"ct state invalid drop",
		"icmpv6 type @nd_types ip6 hoplimit 255 accept",
	};
	size_t n;

	while (*raw == ' ' || *raw == '\t')
		raw++;
	n = strlen(raw);
	while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < FWC_ARRAY_SIZE(base); i++)
		if (strlen(base[i]) == n && strncmp(base[i], raw, n) == 0)
			return true;
	if (c == FWC_CHAIN_INPUT)
		return n == strlen("iif \"lo\" accept") &&
		       strncmp(raw, "iif \"lo\" accept", n) == 0;
	if (c == FWC_CHAIN_OUTPUT)
		return n == strlen("oif \"lo\" accept") &&
		       strncmp(raw, "oif \"lo\" accept", n) == 0;
	return false;
}

/* Reads one rule line of chain ch into a statement. */
static void
parse_rule(struct np *x, struct nchain *ch)
{
	const struct tok *first = peek(x);
	struct nstmt s;
	bool bad = false;

	memset(&s, 0, sizeof(s));
	s.line = first->line;
	s.col = first->col;
	s.c.fams = (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6);
	s.c.proto = FWC_PROTO_ANY;
	if (ch->hook != FWC_CHAIN_NR && first->line < x->n_lines &&
	    is_base_rule(x->lines[first->line], ch->hook)) {
		skip_line(x);
		s.base = true;
		FWC_VEC_PUSH(x->p->a, ch->s, ch->n, ch->cap, s);
		return;
	}
	while (!bad) {
		const struct tok *t = next(x);
		int proto;

		if (t->k == T_NL || t->k == T_SEMI)
			break;
		if (t->k == T_RBRACE || t->k == T_END) {
			x->i--;
			break;
		}
		if (s.v != V_NONE && !is_word(t, "comment")) {
			err_tok(x, t, "'comment' or the end of the rule");
			bad = true;
			break;
		}
		if (t->k != T_WORD) {
			err_tok(x, t, "a match or a verdict");
			bad = true;
		} else if (is_word(t, "iifname") || is_word(t, "oifname")) {
			const struct tok *v = next(x);
			bool in = is_word(t, "iifname");

			if (is_word(v, "vmap")) {
				s.key = in ? K_IIF : K_OIF;
				stmt_vmap(x, &s, "ifname", &bad);
			} else if (v->k != T_STR && v->k != T_WORD) {
				err_tok(x, v, "an interface name");
				bad = true;
			} else if (in) {
				s.c.iif = v->s;
			} else {
				s.c.oif = v->s;
			}
		} else if (is_word(t, "ip") || is_word(t, "ip6")) {
			rule_addr(x, &s, &bad, t);
		} else if ((proto = port_proto_of(t->s)) >= 0) {
			rule_ports(x, &s, &bad, t, proto);
		} else if (is_word(t, "icmp") || is_word(t, "icmpv6")) {
			rule_icmp(x, &s, &bad, t);
		} else if (is_word(t, "meta")) {
			rule_meta(x, &s, &bad);
		} else if (is_word(t, "log")) {
			rule_log(x, &s, &bad);
		} else if (is_word(t, "counter")) {
			while (is_word(peek(x), "packets") ||
			       is_word(peek(x), "bytes")) {
				next(x);
				next(x);
			}
		} else if (is_word(t, "accept") || is_word(t, "drop")) {
			s.v = is_word(t, "accept") ? V_ACCEPT : V_DROP;
		} else if (is_word(t, "reject")) {
			rule_reject(x, &bad);
			s.v = V_REJECT;
		} else if (is_word(t, "jump") || is_word(t, "goto")) {
			const struct tok *n = next(x);

			s.v = is_word(t, "jump") ? V_JUMP : V_GOTO;
			if (n->k != T_WORD) {
				err_tok(x, n, "a chain name");
				bad = true;
			}
			s.target = n->s;
		} else if (is_word(t, "return")) {
			s.v = V_RETURN;
		} else if (is_word(t, "comment")) {
			const struct tok *v = next(x);

			if (v->k != T_STR) {
				err_tok(x, v, "a string");
				bad = true;
			} else {
				s.flow = v->s;
			}
		} else {
			err_tok(x, t, "a match or a verdict");
			bad = true;
		}
	}
	if (bad) {
		skip_line(x);
		return;
	}
	if (s.v == V_NONE) {
		fwc_pctx_error(
		    x->p, first->line, first->col, "rule without a verdict");
		return;
	}
	if (s.c.fams == 0) {
		fwc_pctx_error(x->p, first->line, first->col,
		    "rule matches no packet: both IPv4 and IPv6 conditions");
		return;
	}
	FWC_VEC_PUSH(x->p->a, ch->s, ch->n, ch->cap, s);
}

static void
parse_chain(struct np *x)
{
	const struct tok *name = next(x);
	const struct tok *hook;
	const struct tok *pol;
	struct nchain ch;
	enum fwc_chain c = FWC_CHAIN_NR;

	memset(&ch, 0, sizeof(ch));
	if (name->k != T_WORD) {
		err_tok(x, name, "a chain name");
		skip_line(x);
		return;
	}
	if (find_chain(x, name->s) != NULL) {
		fwc_pctx_error(x->p, name->line, name->col,
		    "chain '%s' defined twice", name->s);
		skip_line(x);
		return;
	}
	ch.name = name->s;
	ch.at = name;
	ch.hook = FWC_CHAIN_NR;
	if (!expect(x, T_LBRACE, "'{'"))
		return;
	skip_nl(x);
	if (is_word(peek(x), "type")) {
		next(x);
		if (!expect_word(x, "filter") || !expect_word(x, "hook")) {
			skip_line(x);
			return;
		}
		hook = next(x);
		for (int i = 0; i < FWC_CHAIN_NR; i++)
			if (is_word(hook, fwc_chain_names[i]))
				c = (enum fwc_chain)i;
		if (c == FWC_CHAIN_NR) {
			err_tok(x, hook, "hook 'input', 'forward' or 'output'");
			skip_line(x);
			return;
		}
		if (x->chain_seen[c]) {
			fwc_pctx_error(x->p, hook->line, hook->col,
			    "second chain on hook '%s'", hook->s);
			skip_line(x);
			return;
		}
		x->chain_seen[c] = true;
		if (!expect_word(x, "priority")) {
			skip_line(x);
			return;
		}
		if (!is_word(peek(x), "filter") && !is_word(peek(x), "0")) {
			err_tok(x, peek(x), "priority 'filter'");
			skip_line(x);
			return;
		}
		next(x);
		if (!expect(x, T_SEMI, "';'") || !expect_word(x, "policy")) {
			skip_line(x);
			return;
		}
		pol = next(x);
		if (is_word(pol, "accept"))
			x->p->rs->chain_default[c] = FWC_ACT_ACCEPT;
		else if (is_word(pol, "drop"))
			x->p->rs->chain_default[c] = FWC_ACT_DROP;
		else {
			err_tok(x, pol, "policy 'accept' or 'drop'");
			skip_line(x);
			return;
		}
		x->p->rs->has_chain[c] = true;
		ch.hook = c;
		if (peek(x)->k == T_SEMI)
			next(x);
		if (!expect(x, T_NL, "the end of the line"))
			skip_line(x);
	}
	for (;;) {
		skip_nl(x);
		if (peek(x)->k == T_RBRACE) {
			next(x);
			break;
		}
		if (peek(x)->k == T_END) {
			err_tok(x, peek(x), "'}'");
			break;
		}
		parse_rule(x, &ch);
	}
	FWC_VEC_PUSH(x->p->a, x->chains, x->n_chains, x->cap_chains, ch);
}

/* a AND b into *out; false when no packet satisfies both. */
static bool
cond_and(struct np *x, const struct ncond *a, const struct ncond *b,
    struct ncond *out)
{
	*out = *a;
	out->fams &= b->fams;
	if (out->fams == 0)
		return false;
	if (b->iif != NULL) {
		if (a->iif != NULL && strcmp(a->iif, b->iif) != 0)
			return false;
		out->iif = b->iif;
	}
	if (b->oif != NULL) {
		if (a->oif != NULL && strcmp(a->oif, b->oif) != 0)
			return false;
		out->oif = b->oif;
	}
	if (b->proto != FWC_PROTO_ANY) {
		if (a->proto != FWC_PROTO_ANY && a->proto != b->proto)
			return false;
		out->proto = b->proto;
	}
	if (b->src != NULL) {
		out->src = a->src == NULL
			       ? b->src
			       : fwc_addrset_inter(x->p->a, a->src, b->src);
		out->src_set = a->src == NULL ? b->src_set : NULL;
	}
	if (b->dst != NULL) {
		out->dst = a->dst == NULL
			       ? b->dst
			       : fwc_addrset_inter(x->p->a, a->dst, b->dst);
		out->dst_set = a->dst == NULL ? b->dst_set : NULL;
	}
	for (int k = 0; k < 2; k++) {
		const struct fwc_portset *pa = k ? &a->sport : &a->dport;
		const struct fwc_portset *pb = k ? &b->sport : &b->dport;
		struct fwc_portset *po = k ? &out->sport : &out->dport;
		struct fwc_pivl *v;
		size_t m = 0;

		if (pb->n == 0)
			continue;
		if (pa->n == 0) {
			*po = *pb;
			continue;
		}
		v = fwc_arena_alloc(x->p->a, pa->n * pb->n * sizeof(*v));
		for (size_t i = 0; i < pa->n; i++) {
			for (size_t j = 0; j < pb->n; j++) {
				uint16_t lo = pa->v[i].lo > pb->v[j].lo
						  ? pa->v[i].lo
						  : pb->v[j].lo;
				uint16_t hi = pa->v[i].hi < pb->v[j].hi
						  ? pa->v[i].hi
						  : pb->v[j].hi;

				if (lo <= hi)
					v[m++] = (struct fwc_pivl){ lo, hi };
			}
		}
		if (m == 0)
			return false;
		*po = fwc_pctx_ports(x->p, v, m);
	}
	if (b->has_types) {
		bool any = false;

		for (int k = 0; k < 32; k++) {
			out->types[k] =
			    a->has_types ? (uint8_t)(a->types[k] & b->types[k])
					 : b->types[k];
			any |= out->types[k] != 0;
		}
		out->has_types = true;
		if (!any)
			return false;
	}
	return true;
}

static const struct fwc_ir_set *
to_set(struct np *x, const struct fwc_addrset *as,
    const struct fwc_ir_set *named, enum fwc_family f)
{
	char buf[32];

	if (as == NULL)
		return NULL;
	if (named != NULL && named->family == f)
		return named;
	snprintf(buf, sizeof(buf), "line-set-%lu", x->n_irsets++);
	return fwc_pctx_add_set(x->p, buf, f, as->v[f], as->n[f], NULL);
}

/* Appends the rules of condition c and action act, one per family. */
static void
emit(struct np *x, enum fwc_chain chain, const struct ncond *c,
    enum fwc_action act, const struct nstmt *s)
{
	for (int f = 0; f < FWC_FAM_NR; f++) {
		struct fwc_ir_rule r;

		if (!(c->fams & (1u << f)))
			continue;
		if ((c->src != NULL && fwc_addrset_fam_empty(c->src, f)) ||
		    (c->dst != NULL && fwc_addrset_fam_empty(c->dst, f)))
			continue;
		fwc_pctx_rule_init(x->p, &r, s->line);
		r.chain = chain;
		r.action = act;
		r.family = (enum fwc_family)f;
		r.iif = c->iif;
		r.oif = c->oif;
		r.proto = c->proto;
		r.src = to_set(x, c->src, c->src_set, (enum fwc_family)f);
		r.dst = to_set(x, c->dst, c->dst_set, (enum fwc_family)f);
		r.dport = c->dport;
		r.sport = c->sport;
		r.has_types = c->has_types;
		memcpy(r.types, c->types, sizeof(r.types));
		r.log = s->log;
		r.origin.flow = s->flow;
		fwc_pctx_add_rule(x->p, &r);
	}
}

static void expand(struct np *x, enum fwc_chain chain, struct nchain *ch,
    const struct ncond *in, const struct tok *from, int depth);

/* Applies verdict v (with its target chain) to the packets of c. */
static void
apply(struct np *x, enum fwc_chain chain, const struct ncond *c, enum verdict v,
    const char *target, const struct nstmt *s, const struct tok *at, int depth)
{
	struct nchain *to;

	switch (v) {
	case V_ACCEPT:
		emit(x, chain, c, FWC_ACT_ACCEPT, s);
		return;
	case V_DROP:
		emit(x, chain, c, FWC_ACT_DROP, s);
		return;
	case V_REJECT:
		emit(x, chain, c, FWC_ACT_REJECT, s);
		return;
	case V_JUMP:
	case V_GOTO:
		to = find_chain(x, target);
		if (to == NULL || to->hook != FWC_CHAIN_NR) {
			fwc_pctx_error(x->p, at->line, at->col,
			    to == NULL ? "unknown chain '%s'"
				       : "jump to base chain '%s'",
			    target);
			return;
		}
		expand(x, chain, to, c, at, depth + 1);
		/* After a goto the packet does not come back: what the
		 * chain left undecided gets the base chain's policy. */
		if (v == V_GOTO)
			emit(x, chain, c, x->p->rs->chain_default[chain], s);
		return;
	default:
		FWC_BUG("verdict %d", (int)v);
	}
}

/* The condition that a map element's key adds. */
static void
key_cond(const struct nstmt *s, const struct melem *e, struct ncond *k)
{
	memset(k, 0, sizeof(*k));
	k->fams = (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6);
	k->proto = FWC_PROTO_ANY;
	switch (s->key) {
	case K_IIF:
		k->iif = e->ifname;
		break;
	case K_OIF:
		k->oif = e->ifname;
		break;
	case K_SADDR:
	case K_DADDR:
		k->fams = 1u << s->key_fam;
		if (s->key == K_SADDR)
			k->src = e->as;
		else
			k->dst = e->as;
		break;
	case K_PROTO:
		k->proto = e->proto;
		break;
	case K_DPORT:
	case K_SPORT:
		if (s->key == K_DPORT)
			k->dport = (struct fwc_portset){ &e->port, 1 };
		else
			k->sport = (struct fwc_portset){ &e->port, 1 };
		break;
	}
}

static void
expand(struct np *x, enum fwc_chain chain, struct nchain *ch,
    const struct ncond *in, const struct tok *from, int depth)
{
	if (ch->busy || depth > 32) {
		fwc_pctx_error(x->p, from->line, from->col,
		    "chain '%s' is reached in a loop", ch->name);
		return;
	}
	ch->busy = true;
	for (size_t i = 0; i < ch->n; i++) {
		const struct nstmt *s = &ch->s[i];
		struct tok at = { T_WORD, "", s->line, s->col };
		struct ncond c2;

		if (s->base || !cond_and(x, in, &s->c, &c2))
			continue;
		if (s->v == V_RETURN) {
			if (i + 1 < ch->n || ch->hook != FWC_CHAIN_NR)
				fwc_pctx_error(x->p, s->line, s->col,
				    "'return' is only expected at the end of "
				    "a regular chain");
			continue;
		}
		if (s->v != V_VMAP) {
			apply(x, chain, &c2, s->v, s->target, s, &at, depth);
			continue;
		}
		for (size_t k = 0; k < s->map->n; k++) {
			const struct melem *e = &s->map->el[k];
			struct ncond kc;
			struct ncond c3;

			key_cond(s, e, &kc);
			if (cond_and(x, &c2, &kc, &c3))
				apply(x, chain, &c3, e->v, e->target, s, e->at,
				    depth);
		}
	}
	ch->busy = false;
}

/* table inet fwc */
static bool
table_name(struct np *x)
{
	const struct tok *fam = next(x);
	const struct tok *name = next(x);

	if (!is_word(fam, "inet") || !is_word(name, "fwc")) {
		fwc_pctx_error(x->p, fam->line, fam->col,
		    "expected table 'inet fwc', found '%s %s'", tok_text(fam),
		    tok_text(name));
		return false;
	}
	return true;
}

static void
parse_table_body(struct np *x)
{
	for (;;) {
		const struct tok *t;

		skip_nl(x);
		t = next(x);
		if (t->k == T_RBRACE)
			return;
		if (t->k == T_END) {
			err_tok(x, t, "'}'");
			return;
		}
		if (is_word(t, "set")) {
			parse_set(x);
		} else if (is_word(t, "map")) {
			parse_map(x);
		} else if (is_word(t, "chain")) {
			parse_chain(x);
		} else {
			err_tok(x, t, "'set', 'map' or 'chain'");
			skip_line(x);
		}
		if (x->p->dg->stopped)
			return;
	}
}

int
fwc_nft_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg)
{
	struct fwc_pctx p;
	struct np x;
	bool body = false;

	fwc_pctx_init(&p, a, file, text, len, out, dg);
	memset(&x, 0, sizeof(x));
	x.p = &p;
	out->name = p.file;
	out->os = "linux";
	out->target = "nft";
	for (int c = 0; c < FWC_CHAIN_NR; c++)
		out->chain_default[c] = FWC_ACT_ACCEPT;
	tokenize(&x);
	for (;;) {
		const struct tok *t;

		skip_nl(&x);
		t = next(&x);
		if (t->k == T_END || dg->stopped)
			break;
		if (is_word(t, "delete") || is_word(t, "flush")) {
			if (expect_word(&x, "table") && table_name(&x))
				expect(&x, T_NL, "the end of the line");
			continue;
		}
		if (!is_word(t, "table")) {
			err_tok(&x, t, "'table'");
			skip_line(&x);
			continue;
		}
		if (!table_name(&x)) {
			skip_line(&x);
			continue;
		}
		if (peek(&x)->k == T_NL)
			continue;
		if (!expect(&x, T_LBRACE, "'{' or the end of the line")) {
			skip_line(&x);
			continue;
		}
		if (body)
			fwc_pctx_error(&p, t->line, t->col,
			    "second body of table inet fwc");
		body = true;
		parse_table_body(&x);
	}
	if (!body && p.errors == 0)
		fwc_pctx_error(&p, p.line + 1, 1, "no table inet fwc body");
	/* Base chains in hook order, each flattened through its jumps. */
	for (int c = 0; c < FWC_CHAIN_NR && p.errors == 0; c++) {
		for (size_t i = 0; i < x.n_chains; i++) {
			struct ncond any;

			if (x.chains[i].hook != (enum fwc_chain)c)
				continue;
			memset(&any, 0, sizeof(any));
			any.fams = (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6);
			any.proto = FWC_PROTO_ANY;
			expand(&x, (enum fwc_chain)c, &x.chains[i], &any,
			    x.chains[i].at, 0);
		}
	}
	out->kind =
	    out->has_chain[FWC_CHAIN_FORWARD] ? FWC_EP_GATEWAY : FWC_EP_HOST;
	fwc_pctx_fold_defaults(&p, (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6));
	return fwc_pctx_finish(&p);
}
