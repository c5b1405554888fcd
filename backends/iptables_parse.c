/* Reads iptables-restore input back into a ruleset (the .parse hook of
 * the iptables and ip6tables backends): the files backends/iptables.c
 * writes and the form `iptables-save` prints (options in another order,
 * /32 and /128 suffixes, unquoted comments, numeric ICMP types).
 *
 * One file holds one family. The built-in chains INPUT, FORWARD and
 * OUTPUT are flattened into first-match lists: a jump to a user chain
 * continues with that chain's rules under the conjunction of the
 * conditions so far, and a packet that matches nothing there comes back
 * to the next rule, which is exactly what depth-first expansion gives.
 * LOG rules set the log flag of the rule that follows them with the same
 * conditions. The stateful base (conntrack ESTABLISHED,RELATED accept and
 * INVALID drop, loopback accept, neighbour discovery with hop limit 255)
 * is recognised and not turned into rules. Negations, RETURN, goto,
 * other tables, addresses or ICMP of the other family and every option
 * not listed here are located errors. */
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

#define MAX_DEPTH 16

static const char *const builtin[FWC_CHAIN_NR] = {
	[FWC_CHAIN_INPUT] = "INPUT",
	[FWC_CHAIN_FORWARD] = "FORWARD",
	[FWC_CHAIN_OUTPUT] = "OUTPUT",
};

/* The ICMP type names iptables and ip6tables accept for a whole type. */
static const struct {
	const char *name;
	int type;
	bool v6;
} icmp_names[] = { { "echo-reply", 0, false },
	{ "destination-unreachable", 3, false }, { "source-quench", 4, false },
	{ "redirect", 5, false }, { "echo-request", 8, false },
	{ "router-advertisement", 9, false },
	{ "router-solicitation", 10, false }, { "time-exceeded", 11, false },
	{ "parameter-problem", 12, false }, { "timestamp-request", 13, false },
	{ "timestamp-reply", 14, false }, { "address-mask-request", 17, false },
	{ "address-mask-reply", 18, false },
	{ "destination-unreachable", 1, true }, { "packet-too-big", 2, true },
	{ "time-exceeded", 3, true }, { "parameter-problem", 4, true },
	{ "echo-request", 128, true }, { "echo-reply", 129, true },
	{ "router-solicitation", 133, true },
	{ "router-advertisement", 134, true },
	{ "neighbour-solicitation", 135, true },
	{ "neighbor-solicitation", 135, true },
	{ "neighbour-advertisement", 136, true },
	{ "neighbor-advertisement", 136, true }, { "redirect", 137, true } };

/* What a packet must satisfy: a conjunction. */
struct cond {
	const char *iif;
	const char *oif;
	int proto;
	const struct fwc_addrset *src; /* NULL = any */
	const struct fwc_addrset *dst;
	struct fwc_portset dport; /* n == 0: any */
	struct fwc_portset sport;
	bool has_types;
	uint8_t types[32];
};

enum target { J_ACCEPT, J_DROP, J_REJECT, J_LOG, J_JUMP };

struct xrule {
	uint32_t line;
	struct cond c;
	enum target t;
	const char *jump;    /* J_JUMP */
	const char *comment; /* or NULL */
	const char *key;     /* the conditions as written, for LOG pairing */
	bool base;	     /* part of the stateful base */
};

struct xchain {
	const char *name;
	uint32_t line;
	bool builtin;
	enum fwc_action policy;
	struct xrule *r; /* arena vector */
	size_t n;
	size_t cap;
	bool busy; /* being expanded: a loop */
};

struct ipp {
	struct fwc_pctx *p;
	enum fwc_family fam;
	const char *target;
	struct xchain *ch; /* arena vector */
	size_t n_ch;
	size_t cap_ch;
	unsigned long n_sets;
};

static struct xchain *
find_chain(const struct ipp *x, const char *name)
{
	for (size_t i = 0; i < x->n_ch; i++)
		if (strcmp(x->ch[i].name, name) == 0)
			return &x->ch[i];
	return NULL;
}

/* Splits a line into words; "..." with \" and \\ escapes is one word.
 * cols receives each word's column. */
static size_t
split(
    struct ipp *x, char *s, uint32_t line, char **w, uint32_t *cols, size_t max)
{
	size_t n = 0;
	char *b = s;

	while (*s != '\0') {
		char *o;

		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		if (n == max) {
			fwc_pctx_error(x->p, line, (uint32_t)(s - b) + 1,
			    "too many words on one line");
			return n;
		}
		cols[n] = (uint32_t)(s - b) + 1;
		w[n] = o = s;
		if (*s == '"') {
			char *r = s + 1;

			while (*r != '\0' && *r != '"') {
				if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*o++ = *r++;
			}
			if (*r != '"') {
				fwc_pctx_error(
				    x->p, line, cols[n], "unterminated string");
				*o = '\0';
				return n + 1;
			}
			s = r + 1;
			if (*s != '\0' && *s != ' ' && *s != '\t') {
				fwc_pctx_error(x->p, line,
				    (uint32_t)(s - b) + 1,
				    "expected a space after a string");
			}
			if (*s != '\0')
				s++;
			*o = '\0';
		} else {
			while (*s != '\0' && *s != ' ' && *s != '\t')
				s++;
			if (*s != '\0')
				*s++ = '\0';
		}
		n++;
	}
	return n;
}

static const struct fwc_addrset *
addr_of(struct ipp *x, const char *s, bool range, uint32_t line, uint32_t col)
{
	struct fwc_ivl iv;
	enum fwc_family f;
	const char *why;
	int rc;
	char *slash = strchr(s, '/');

	if (range && strchr(s, '-') != NULL) {
		rc = fwc_range_parse(s, &f, &iv, &why);
	} else if (range) {
		rc = -1;
		why = "expected a range a-b";
	} else if (slash != NULL) {
		rc = fwc_cidr_parse(s, &f, &iv, &why);
	} else {
		rc = fwc_addr_parse(s, &f, &iv.lo, &why);
		iv.hi = iv.lo;
	}
	if (rc < 0) {
		fwc_pctx_error(x->p, line, col, "bad address '%s': %s", s, why);
		return NULL;
	}
	if (f != x->fam) {
		fwc_pctx_error(x->p, line, col,
		    "%s address '%s' in %s input (%s only)",
		    f == FWC_FAM_IP4 ? "IPv4" : "IPv6", s, x->target,
		    x->fam == FWC_FAM_IP4 ? "IPv4" : "IPv6");
		return NULL;
	}
	return f == FWC_FAM_IP4 ? fwc_addrset_from(x->p->a, &iv, 1, NULL, 0)
				: fwc_addrset_from(x->p->a, NULL, 0, &iv, 1);
}

static int
port_ivl(const char *s, struct fwc_pivl *out)
{
	const char *c = strchr(s, ':');
	char lo[8];
	long a;
	long b;

	if (c == NULL) {
		a = b = fwc_pctx_port(s);
	} else {
		if ((size_t)(c - s) >= sizeof(lo))
			return -1;
		memcpy(lo, s, (size_t)(c - s));
		lo[c - s] = '\0';
		a = fwc_pctx_port(lo);
		b = fwc_pctx_port(c + 1);
	}
	if (a < 0 || b < 0 || a > b)
		return -1;
	out->lo = (uint16_t)a;
	out->hi = (uint16_t)b;
	return 0;
}

/* "80", "80:90" or with multiport "80,443,1000:2000". */
static int
ports_of(struct ipp *x, const char *s, bool list, struct fwc_portset *out)
{
	struct fwc_pivl v[64];
	size_t n = 0;
	char *copy = fwc_arena_strdup(x->p->a, s);
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (n == FWC_ARRAY_SIZE(v) || port_ivl(t, &v[n]) < 0)
			return -1;
		n++;
	}
	if (n == 0 || (!list && n != 1))
		return -1;
	*out = fwc_pctx_ports(x->p, v, n);
	return 0;
}

static int
icmp_type_of(struct ipp *x, const char *s, bool v6)
{
	long v = 0;

	for (size_t i = 0; i < FWC_ARRAY_SIZE(icmp_names); i++)
		if (icmp_names[i].v6 == v6 &&
		    strcmp(icmp_names[i].name, s) == 0)
			return icmp_names[i].type;
	(void)x;
	if (*s == '\0' || strlen(s) > 3)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 255 ? (int)v : -1;
}

static bool
is_builtin(const char *name, enum fwc_chain *c)
{
	for (int i = 0; i < FWC_CHAIN_NR; i++) {
		if (strcmp(builtin[i], name) == 0) {
			if (c != NULL)
				*c = (enum fwc_chain)i;
			return true;
		}
	}
	return false;
}

static bool
is_nd_type(int t)
{
	return t == 133 || t == 134 || t == 135 || t == 136;
}

/* Parses "-A CHAIN options... -j TARGET ..." (w[0] is "-A"). */
static void
parse_rule(
    struct ipp *x, char **w, const uint32_t *col, size_t n, uint32_t line)
{
	struct fwc_pctx *p = x->p;
	struct xchain *ch;
	struct xrule r;
	struct fwc_strbuf key;
	const char *ctstate = NULL;
	bool hl255 = false;
	bool have_target = false;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.line = line;
	r.c.proto = FWC_PROTO_ANY;
	if (n < 2) {
		fwc_pctx_error(p, line, col[0], "expected a chain after '-A'");
		return;
	}
	ch = find_chain(x, w[1]);
	if (ch == NULL) {
		fwc_pctx_error(p, line, col[1], "undeclared chain '%s'", w[1]);
		return;
	}
	fwc_strbuf_init(&key);
	for (i = 2; i < n; i++) {
		const char *o = w[i];
		const char *v = i + 1 < n ? w[i + 1] : NULL;
		uint32_t vc = i + 1 < n ? col[i + 1] : col[i];

#define NEED_VALUE()                                                          \
	do {                                                                  \
		if (v == NULL) {                                              \
			fwc_pctx_error(                                       \
			    p, line, col[i], "option '%s' needs a value", o); \
			goto out;                                             \
		}                                                             \
		i++;                                                          \
	} while (0)

		if (strcmp(o, "!") == 0) {
			fwc_pctx_error(p, line, col[i],
			    "negated matches are not expected");
			goto out;
		}
		if (strcmp(o, "-j") == 0) {
			NEED_VALUE();
			have_target = true;
			if (strcmp(v, "ACCEPT") == 0)
				r.t = J_ACCEPT;
			else if (strcmp(v, "DROP") == 0)
				r.t = J_DROP;
			else if (strcmp(v, "REJECT") == 0)
				r.t = J_REJECT;
			else if (strcmp(v, "LOG") == 0)
				r.t = J_LOG;
			else if (strcmp(v, "RETURN") == 0) {
				fwc_pctx_error(
				    p, line, vc, "RETURN is not expected");
				goto out;
			} else if (find_chain(x, v) != NULL &&
				   !is_builtin(v, NULL)) {
				r.t = J_JUMP;
				r.jump = v;
			} else {
				fwc_pctx_error(
				    p, line, vc, "unknown target '%s'", v);
				goto out;
			}
			continue;
		}
		if (strcmp(o, "--reject-with") == 0 && r.t == J_REJECT &&
		    have_target) {
			NEED_VALUE();
			continue;
		}
		if ((strcmp(o, "--log-prefix") == 0 ||
			strcmp(o, "--log-level") == 0) &&
		    r.t == J_LOG && have_target) {
			NEED_VALUE();
			continue;
		}
		if (have_target) {
			fwc_pctx_error(p, line, col[i],
			    "unexpected '%s' after the target", o);
			goto out;
		}
		if (strcmp(o, "-m") == 0) {
			NEED_VALUE();
			/* The matches' own options carry the meaning. */
			if (strcmp(v, "comment") != 0)
				fwc_strbuf_addf(&key, " -m %s", v);
			continue;
		}
		if (strcmp(o, "--comment") == 0) {
			NEED_VALUE();
			r.comment = v;
			continue;
		}
		fwc_strbuf_addf(&key, " %s %s", o, v ? v : "");
		if (strcmp(o, "-i") == 0 || strcmp(o, "-o") == 0 ||
		    strcmp(o, "--in-interface") == 0 ||
		    strcmp(o, "--out-interface") == 0) {
			NEED_VALUE();
			if (v[0] == '\0' || strchr(v, '+') != NULL) {
				fwc_pctx_error(p, line, vc,
				    "interface wildcard '%s' is not expected",
				    v);
				goto out;
			}
			if (o[1] == 'i' || o[2] == 'i')
				r.c.iif = v;
			else
				r.c.oif = v;
		} else if (strcmp(o, "-p") == 0 ||
			   strcmp(o, "--protocol") == 0) {
			int proto;

			NEED_VALUE();
			proto = fwc_proto_parse(v);
			if (proto < 0) {
				fwc_pctx_error(
				    p, line, vc, "unknown protocol '%s'", v);
				goto out;
			}
			if ((proto == FWC_PROTO_ICMP6 &&
				x->fam == FWC_FAM_IP4) ||
			    (proto == FWC_PROTO_ICMP &&
				x->fam == FWC_FAM_IP6)) {
				fwc_pctx_error(p, line, vc,
				    "protocol '%s' in %s input", v, x->target);
				goto out;
			}
			r.c.proto = proto;
		} else if (strcmp(o, "-s") == 0 || strcmp(o, "-d") == 0 ||
			   strcmp(o, "--src-range") == 0 ||
			   strcmp(o, "--dst-range") == 0) {
			bool range = o[1] == '-';
			bool src = o[1] == 's' || (range && o[2] == 's');
			const struct fwc_addrset *s;

			NEED_VALUE();
			s = addr_of(x, v, range, line, vc);
			if (s == NULL)
				goto out;
			if ((src ? r.c.src : r.c.dst) != NULL) {
				fwc_pctx_error(p, line, col[i - 1],
				    "second %s address match",
				    src ? "source" : "destination");
				goto out;
			}
			if (src)
				r.c.src = s;
			else
				r.c.dst = s;
		} else if (strcmp(o, "--dport") == 0 ||
			   strcmp(o, "--sport") == 0 ||
			   strcmp(o, "--dports") == 0 ||
			   strcmp(o, "--sports") == 0 ||
			   strcmp(o, "--destination-port") == 0 ||
			   strcmp(o, "--source-port") == 0 ||
			   strcmp(o, "--destination-ports") == 0 ||
			   strcmp(o, "--source-ports") == 0) {
			bool list = o[strlen(o) - 1] == 's';
			bool dst = o[2] == 'd';
			struct fwc_portset ps;

			NEED_VALUE();
			if (r.c.proto == FWC_PROTO_ANY) {
				fwc_pctx_error(p, line, col[i - 1],
				    "port match without a protocol");
				goto out;
			}
			if (ports_of(x, v, list, &ps) < 0) {
				fwc_pctx_error(
				    p, line, vc, "bad port list '%s'", v);
				goto out;
			}
			if ((dst ? r.c.dport.n : r.c.sport.n) != 0) {
				fwc_pctx_error(
				    p, line, col[i - 1], "second port match");
				goto out;
			}
			if (dst)
				r.c.dport = ps;
			else
				r.c.sport = ps;
		} else if (strcmp(o, "--icmp-type") == 0 ||
			   strcmp(o, "--icmpv6-type") == 0) {
			bool v6 = o[6] == 'v';
			int t;

			NEED_VALUE();
			if (v6 != (x->fam == FWC_FAM_IP6) ||
			    r.c.proto !=
				(v6 ? FWC_PROTO_ICMP6 : FWC_PROTO_ICMP)) {
				fwc_pctx_error(p, line, col[i - 1],
				    "'%s' without '-p %s' in %s input", o,
				    x->fam == FWC_FAM_IP6 ? "ipv6-icmp"
							  : "icmp",
				    x->target);
				goto out;
			}
			t = icmp_type_of(x, v, v6);
			if (t < 0) {
				fwc_pctx_error(
				    p, line, vc, "unknown ICMP type '%s'", v);
				goto out;
			}
			r.c.has_types = true;
			r.c.types[t / 8] |= (uint8_t)(1u << (t % 8));
		} else if (strcmp(o, "--ctstate") == 0) {
			NEED_VALUE();
			ctstate = v;
		} else if (strcmp(o, "--hl-eq") == 0) {
			NEED_VALUE();
			hl255 = strcmp(v, "255") == 0;
			if (!hl255) {
				fwc_pctx_error(p, line, vc,
				    "unexpected hop limit '%s'", v);
				goto out;
			}
		} else {
			fwc_pctx_error(
			    p, line, col[i], "unexpected option '%s'", o);
			goto out;
		}
#undef NEED_VALUE
	}
	if (!have_target) {
		fwc_pctx_error(p, line, col[0], "rule without a target");
		goto out;
	}
	if (ctstate != NULL) {
		bool plain = r.c.iif == NULL && r.c.oif == NULL &&
			     r.c.src == NULL && r.c.dst == NULL &&
			     r.c.proto == FWC_PROTO_ANY;

		if (plain &&
		    ((strcmp(ctstate, "ESTABLISHED,RELATED") == 0 ||
			 strcmp(ctstate, "RELATED,ESTABLISHED") == 0) &&
			r.t == J_ACCEPT))
			r.base = true;
		else if (plain && strcmp(ctstate, "INVALID") == 0 &&
			 r.t == J_DROP)
			r.base = true;
		else {
			fwc_pctx_error(p, line, col[0],
			    "conntrack match other than the stateful base");
			goto out;
		}
	}
	if (hl255) {
		int t = -1;

		for (int k = 0; k < 256 && r.c.has_types; k++)
			if ((r.c.types[k / 8] >> (k % 8)) & 1)
				t = k;
		if (x->fam != FWC_FAM_IP6 || !is_nd_type(t) ||
		    r.t != J_ACCEPT || r.c.iif != NULL || r.c.oif != NULL ||
		    r.c.src != NULL || r.c.dst != NULL) {
			fwc_pctx_error(p, line, col[0],
			    "hop limit match other than neighbour discovery");
			goto out;
		}
		r.base = true;
	}
	if (r.t == J_ACCEPT && r.c.proto == FWC_PROTO_ANY && r.c.src == NULL &&
	    r.c.dst == NULL && r.comment == NULL &&
	    ((r.c.iif != NULL && strcmp(r.c.iif, "lo") == 0 &&
		 r.c.oif == NULL) ||
		(r.c.oif != NULL && strcmp(r.c.oif, "lo") == 0 &&
		    r.c.iif == NULL)))
		r.base = true;
	r.key = fwc_arena_strdup(p->a, key.buf);
	FWC_VEC_PUSH(p->a, ch->r, ch->n, ch->cap, r);
out:
	fwc_strbuf_release(&key);
}

/* a AND b into *out; false when nothing can satisfy both. */
static bool
cond_and(
    struct ipp *x, const struct cond *a, const struct cond *b, struct cond *out)
{
	*out = *a;
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
	if (b->src != NULL)
		out->src = a->src == NULL
			       ? b->src
			       : fwc_addrset_inter(x->p->a, a->src, b->src);
	if (b->dst != NULL)
		out->dst = a->dst == NULL
			       ? b->dst
			       : fwc_addrset_inter(x->p->a, a->dst, b->dst);
	if ((out->src != NULL && fwc_addrset_fam_empty(out->src, x->fam)) ||
	    (out->dst != NULL && fwc_addrset_fam_empty(out->dst, x->fam)))
		return false;
	for (int k = 0; k < 2; k++) {
		const struct fwc_portset *pa = k ? &a->sport : &a->dport;
		const struct fwc_portset *pb = k ? &b->sport : &b->dport;
		struct fwc_portset *po = k ? &out->sport : &out->dport;

		if (pb->n == 0)
			continue;
		if (pa->n == 0) {
			*po = *pb;
			continue;
		}
		{
			struct fwc_pivl *v = fwc_arena_alloc(
			    x->p->a, (pa->n + pb->n) * sizeof(*v));
			size_t m = 0;

			for (size_t i = 0; i < pa->n; i++) {
				for (size_t j = 0; j < pb->n; j++) {
					uint16_t lo = pa->v[i].lo > pb->v[j].lo
							  ? pa->v[i].lo
							  : pb->v[j].lo;
					uint16_t hi = pa->v[i].hi < pb->v[j].hi
							  ? pa->v[i].hi
							  : pb->v[j].hi;

					if (lo <= hi && m < pa->n + pb->n)
						v[m++] =
						    (struct fwc_pivl){ lo, hi };
				}
			}
			if (m == 0)
				return false;
			*po = fwc_pctx_ports(x->p, v, m);
		}
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
to_set(struct ipp *x, const struct fwc_addrset *s)
{
	char name[32];

	if (s == NULL)
		return NULL;
	snprintf(name, sizeof(name), "s%lu", x->n_sets++);
	return fwc_pctx_add_set(
	    x->p, name, x->fam, s->v[x->fam], s->n[x->fam], NULL);
}

static void
expand(struct ipp *x, enum fwc_chain c, struct xchain *ch,
    const struct cond *in, int depth)
{
	bool log_next = false;
	const char *log_key = NULL;

	if (ch->busy || depth > MAX_DEPTH) {
		fwc_pctx_error(x->p, ch->line, 1,
		    "chain '%s' is reached in a loop", ch->name);
		return;
	}
	ch->busy = true;
	for (size_t i = 0; i < ch->n; i++) {
		const struct xrule *r = &ch->r[i];
		struct fwc_ir_rule ir;
		struct cond c2;
		bool logged = log_next && strcmp(log_key, r->key) == 0;

		log_next = false;
		if (r->base)
			continue;
		if (r->t == J_LOG) {
			log_next = true;
			log_key = r->key;
			continue;
		}
		if (!cond_and(x, in, &r->c, &c2))
			continue;
		if (r->t == J_JUMP) {
			struct xchain *to = find_chain(x, r->jump);

			expand(x, c, to, &c2, depth + 1);
			continue;
		}
		fwc_pctx_rule_init(x->p, &ir, r->line);
		ir.action = r->t == J_ACCEPT ? FWC_ACT_ACCEPT
			    : r->t == J_DROP ? FWC_ACT_DROP
					     : FWC_ACT_REJECT;
		ir.chain = c;
		ir.family = x->fam;
		ir.iif = c2.iif;
		ir.oif = c2.oif;
		ir.proto = c2.proto;
		ir.src = to_set(x, c2.src);
		ir.dst = to_set(x, c2.dst);
		ir.dport = c2.dport;
		ir.sport = c2.sport;
		ir.has_types = c2.has_types;
		memcpy(ir.types, c2.types, sizeof(ir.types));
		ir.log = logged;
		ir.origin.flow = r->comment;
		fwc_pctx_add_rule(x->p, &ir);
	}
	ch->busy = false;
}

static int
parse_ipt(struct fwc_arena *a, const char *file, const char *text, size_t len,
    struct fwc_ruleset *out, struct fwc_diag *dg, enum fwc_family fam)
{
	struct fwc_pctx p;
	struct ipp x;
	char *line;
	bool in_table = false;
	bool committed = false;

	fwc_pctx_init(&p, a, file, text, len, out, dg);
	memset(&x, 0, sizeof(x));
	x.p = &p;
	x.fam = fam;
	x.target = fam == FWC_FAM_IP4 ? "iptables" : "ip6tables";
	out->name = p.file;
	out->os = "linux";
	out->target = x.target;
	while ((line = fwc_pctx_next_line(&p)) != NULL && !dg->stopped) {
		char *w[256];
		uint32_t col[256];
		size_t n = split(&x, line, p.line, w, col, FWC_ARRAY_SIZE(w));

		if (n == 0 || w[0][0] == '#')
			continue;
		if (w[0][0] == '*') {
			if (strcmp(w[0], "*filter") != 0 || n != 1) {
				fwc_pctx_error(&p, p.line, col[0],
				    "expected '*filter', found '%s'", w[0]);
				continue;
			}
			if (in_table || committed)
				fwc_pctx_error(&p, p.line, col[0],
				    "second '*filter' table");
			in_table = true;
			continue;
		}
		if (!in_table) {
			fwc_pctx_error(&p, p.line, col[0],
			    "expected '*filter', found '%s'", w[0]);
			continue;
		}
		if (strcmp(w[0], "COMMIT") == 0 && n == 1) {
			in_table = false;
			committed = true;
			continue;
		}
		if (w[0][0] == ':') {
			struct xchain ch;
			enum fwc_chain c;

			memset(&ch, 0, sizeof(ch));
			ch.name = w[0] + 1;
			ch.line = p.line;
			ch.builtin = is_builtin(ch.name, &c);
			if (n < 2 || n > 3 || find_chain(&x, ch.name) != NULL ||
			    ch.name[0] == '\0') {
				fwc_pctx_error(&p, p.line, col[0],
				    "bad or repeated chain declaration");
				continue;
			}
			if (ch.builtin && strcmp(w[1], "ACCEPT") == 0)
				ch.policy = FWC_ACT_ACCEPT;
			else if (ch.builtin && strcmp(w[1], "DROP") == 0)
				ch.policy = FWC_ACT_DROP;
			else if (ch.builtin || strcmp(w[1], "-") != 0) {
				fwc_pctx_error(&p, p.line, col[1],
				    "unexpected policy '%s' for chain '%s'",
				    w[1], ch.name);
				continue;
			}
			if (ch.builtin)
				out->chain_default[c] = ch.policy;
			FWC_VEC_PUSH(a, x.ch, x.n_ch, x.cap_ch, ch);
			continue;
		}
		if (strcmp(w[0], "-A") == 0 || strcmp(w[0], "--append") == 0) {
			parse_rule(&x, w, col, n, p.line);
			continue;
		}
		fwc_pctx_error(&p, p.line, col[0], "unexpected '%s'", w[0]);
	}
	if (in_table || !committed)
		fwc_pctx_error(&p, p.line + 1, 1, "missing 'COMMIT'");
	for (int c = 0; c < FWC_CHAIN_NR && p.errors == 0; c++) {
		struct xchain *ch = find_chain(&x, builtin[c]);
		struct cond any;

		memset(&any, 0, sizeof(any));
		any.proto = FWC_PROTO_ANY;
		if (ch == NULL) {
			fwc_pctx_error(
			    &p, 1, 1, "chain '%s' is not declared", builtin[c]);
			continue;
		}
		out->has_chain[c] = ch->n > 0;
		expand(&x, (enum fwc_chain)c, ch, &any, 0);
	}
	out->kind =
	    out->has_chain[FWC_CHAIN_FORWARD] ? FWC_EP_GATEWAY : FWC_EP_HOST;
	fwc_pctx_fold_defaults(&p, 1u << fam);
	return fwc_pctx_finish(&p);
}

int
fwc_iptables_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg)
{
	return parse_ipt(a, file, text, len, out, dg, FWC_FAM_IP4);
}

int
fwc_ip6tables_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg)
{
	return parse_ipt(a, file, text, len, out, dg, FWC_FAM_IP6);
}
