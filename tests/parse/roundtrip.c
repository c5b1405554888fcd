/* Round-trip driver for the backend output parsers: compiles a policy,
 * and for every enforcement point and every text target that accepts it
 * emits the output, parses it back with the target's .parse hook and
 * compares the two rulesets with fwc_eval_packet() on packets at every
 * edge of every address interval, port range and ICMP type list of both
 * rulesets, plus random packets. With EP TARGET FILE it parses FILE (a
 * stored or mutated output) instead of emitting.
 *
 *   roundtrip [-I DIR]... [-n N] POLICY                 every point, target
 *   roundtrip [-I DIR]... [-n N] POLICY EP TARGET FILE  one given output
 *
 * -n sets the number of random packets (20,000) added to the edges.
 *
 * Exit 0 when every comparison found no difference, 1 on a difference
 * (the first counterexample is printed with the rules that decided it),
 * 2 when an output does not parse or on usage errors, 3 on system
 * errors. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/eval.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"

#define RANDOM_PACKETS 20000

static unsigned long random_packets = RANDOM_PACKETS;

static const char *const targets[] = { "nft", "iptables", "ip6tables", "pf",
	"netsh" };

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Growable pools of candidate field values. */
struct pool {
	struct fwc_u128 *addr[FWC_FAM_NR];
	size_t n_addr[FWC_FAM_NR];
	size_t cap_addr[FWC_FAM_NR];
	const char **ifs;
	size_t n_ifs;
	size_t cap_ifs;
	int protos[512];
	size_t n_protos;
};

struct cmp {
	struct fwc_arena *a;
	const struct fwc_ruleset *ir;
	const struct fwc_ruleset *out;
	unsigned int fams; /* families the target covers */
	bool no_reject;	   /* the target blocks without an answer */
	/* pf tells input from forward by the machine's own addresses only:
	 * packets are kept consistent with the addresses that the policy's
	 * input and output rules give the machine. */
	bool realisable;
	const struct fwc_ir_set *self[64];
	size_t n_self;
	const struct fwc_ir_rule *fwd[256]; /* forward rules with oif, dst */
	size_t n_fwd;
	const char *label;
	struct pool pool;
	unsigned long packets;
	unsigned long mismatches;
};

static struct fwc_u128
u128_add(struct fwc_u128 v, int d, enum fwc_family f)
{
	struct fwc_u128 r = v;

	if (d > 0) {
		r.lo++;
		if (r.lo == 0)
			r.hi++;
	} else if (d < 0) {
		if (r.lo == 0)
			r.hi--;
		r.lo--;
	}
	if (f == FWC_FAM_IP4) {
		r.hi = 0;
		r.lo &= 0xffffffffu;
	}
	return r;
}

static void
add_addr(struct cmp *c, enum fwc_family f, struct fwc_u128 v)
{
	struct pool *p = &c->pool;

	FWC_VEC_PUSH(c->a, p->addr[f], p->n_addr[f], p->cap_addr[f], v);
}

static void
add_if(struct cmp *c, const char *name)
{
	struct pool *p = &c->pool;

	if (name == NULL)
		return;
	for (size_t i = 0; i < p->n_ifs; i++)
		if (p->ifs[i] != NULL && strcmp(p->ifs[i], name) == 0)
			return;
	FWC_VEC_PUSH(c->a, p->ifs, p->n_ifs, p->cap_ifs, name);
}

static void
add_proto(struct cmp *c, int proto)
{
	struct pool *p = &c->pool;

	if (proto < 0)
		return;
	for (size_t i = 0; i < p->n_protos; i++)
		if (p->protos[i] == proto)
			return;
	if (p->n_protos < FWC_ARRAY_SIZE(p->protos))
		p->protos[p->n_protos++] = proto;
}

static void
collect(struct cmp *c, const struct fwc_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_ifaces; i++)
		add_if(c, rs->ifaces[i].name);
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];
		const struct fwc_ir_set *s[2] = { r->src, r->dst };

		add_if(c, r->iif);
		add_if(c, r->oif);
		add_proto(c, r->proto);
		for (int k = 0; k < 2; k++) {
			if (s[k] == NULL)
				continue;
			for (size_t j = 0; j < s[k]->n; j++) {
				add_addr(c, s[k]->family, s[k]->v[j].lo);
				add_addr(c, s[k]->family, s[k]->v[j].hi);
			}
		}
	}
}

static struct fwc_u128
rand_addr(enum fwc_family f)
{
	struct fwc_u128 v = { rnd(), rnd() };

	if (f == FWC_FAM_IP4) {
		v.hi = 0;
		v.lo &= 0xffffffffu;
	}
	return v;
}

/* An address of the pool, nudged by -1, 0 or +1, or a random one. */
static struct fwc_u128
pick_addr(const struct cmp *c, enum fwc_family f)
{
	const struct pool *p = &c->pool;
	uint64_t r = rnd();

	if (p->n_addr[f] == 0 || r % 8 == 0)
		return rand_addr(f);
	return u128_add(
	    p->addr[f][(r >> 8) % p->n_addr[f]], (int)((r >> 4) % 3) - 1, f);
}

/* An address inside set s (an interval edge or a random inner point). */
static struct fwc_u128
inside(const struct fwc_ir_set *s, enum fwc_family f)
{
	const struct fwc_ivl *iv;
	uint64_t r = rnd();

	if (s == NULL || s->n == 0)
		return rand_addr(f);
	iv = &s->v[r % s->n];
	return (r >> 32) % 2 ? iv->lo : iv->hi;
}

static uint16_t
inside_port(const struct fwc_portset *ps)
{
	const struct fwc_pivl *iv;
	uint64_t r = rnd();

	if (ps->n == 0)
		return (
		    uint16_t)(r % 4 == 0 ? r >> 16 : 1024 + (r >> 16) % 60000);
	iv = &ps->v[r % ps->n];
	return (r >> 32) % 2 ? iv->lo : iv->hi;
}

static int
inside_type(const struct fwc_ir_rule *r)
{
	unsigned int t = (unsigned int)(rnd() % 256);

	if (!r->has_types)
		return (int)t;
	for (unsigned int k = 0; k < 256; k++)
		if (fwc_rule_has_type(r, (t + k) % 256))
			return (int)((t + k) % 256);
	return 0;
}

static const char *
pick_if(const struct cmp *c, const char *want)
{
	const struct pool *p = &c->pool;
	uint64_t r = rnd();

	if (want != NULL && r % 4 != 0)
		return want;
	if (p->n_ifs == 0 || r % 7 == 1)
		return NULL;
	return p->ifs[(r >> 8) % p->n_ifs];
}

static void
fmt_packet(struct fwc_strbuf *sb, const struct fwc_packet *k)
{
	char buf[8];

	fwc_strbuf_addf(sb, "%s %s iif %s oif %s ", fwc_chain_names[k->chain],
	    k->family == FWC_FAM_IP4 ? "ipv4" : "ipv6", k->iif ? k->iif : "-",
	    k->oif ? k->oif : "-");
	fwc_addr_format(sb, k->family, k->src);
	fwc_strbuf_adds(sb, " -> ");
	fwc_addr_format(sb, k->family, k->dst);
	fwc_strbuf_addf(sb, " proto %s sport %u dport %u type %d",
	    fwc_proto_name(k->proto, buf), (unsigned int)k->sport,
	    (unsigned int)k->dport, k->icmp_type);
}

static void
describe(
    const char *what, const struct fwc_ruleset *rs, long i, enum fwc_action act)
{
	if (i < 0) {
		printf(
		    "  %s: %s (chain default)\n", what, fwc_action_names[act]);
		return;
	}
	printf("  %s: %s by rule %ld flow '%s' at %s:%u\n", what,
	    fwc_action_names[act], i,
	    rs->rules[i].origin.flow ? rs->rules[i].origin.flow : "-",
	    rs->rules[i].origin.loc.file ? rs->rules[i].origin.loc.file : "-",
	    (unsigned int)rs->rules[i].origin.loc.line);
}

/* Whether addr is one of the machine's (known) addresses; *known is
 * false when the policy names none of that family. */
static bool
is_self(const struct cmp *c, enum fwc_family f, struct fwc_u128 a, bool *known)
{
	*known = false;
	for (size_t i = 0; i < c->n_self; i++) {
		if (c->self[i]->family != f)
			continue;
		*known = true;
		if (fwc_eval_set_contains(c->self[i], a))
			return true;
	}
	return false;
}

static bool
behind_forward(const struct cmp *c, enum fwc_family f, struct fwc_u128 a)
{
	for (size_t i = 0; i < c->n_fwd; i++)
		if (c->fwd[i]->family == f &&
		    fwc_eval_set_contains(c->fwd[i]->dst, a))
			return true;
	return false;
}

static bool
realisable(const struct cmp *c, const struct fwc_packet *k)
{
	bool known;
	bool src = is_self(c, k->family, k->src, &known);
	bool dst = is_self(c, k->family, k->dst, &known);

	switch (k->chain) {
	case FWC_CHAIN_INPUT:
		return (!known || (dst && !src)) &&
		       !behind_forward(c, k->family, k->dst);
	case FWC_CHAIN_OUTPUT:
		return (!known || (src && !dst)) &&
		       !behind_forward(c, k->family, k->src);
	default:
		return !src && !dst;
	}
}

static void
check_packet(struct cmp *c, struct fwc_packet *k)
{
	long ri;
	long ro;
	enum fwc_action ai;
	enum fwc_action ao;

	if (!(c->fams & (1u << k->family)) || !c->ir->has_chain[k->chain])
		return;
	if (c->realisable && !realisable(c, k))
		return;
	if (k->proto != FWC_PROTO_ICMP && k->proto != FWC_PROTO_ICMP6)
		k->icmp_type = -1;
	c->packets++;
	ai = fwc_eval_packet(c->ir, k, &ri);
	ao = fwc_eval_packet(c->out, k, &ro);
	/* How a connection is refused is part of the comparison, except
	 * for a target that cannot answer (netsh blocks silently). */
	if (c->no_reject && ai == FWC_ACT_REJECT)
		ai = FWC_ACT_DROP;
	if (ai == ao)
		return;
	if (c->mismatches++ < 3) {
		struct fwc_strbuf sb;

		fwc_strbuf_init(&sb);
		fmt_packet(&sb, k);
		printf("MISMATCH %s: %s\n", c->label, sb.buf);
		fwc_strbuf_release(&sb);
		describe("policy", c->ir, ri, ai);
		describe("output", c->out, ro, ao);
	}
}

/* Packets aimed at rule r: every edge of each of its sets and ranges,
 * with the other fields inside the rule, then random variations. */
static void
probe_rule(struct cmp *c, const struct fwc_ir_rule *r)
{
	struct fwc_packet base;
	const struct fwc_ir_set *sets[2] = { r->src, r->dst };

	memset(&base, 0, sizeof(base));
	base.family = r->family;
	base.chain = r->chain;
	base.proto = r->proto >= 0 ? r->proto : (int)(rnd() % 256);
	for (int variant = 0; variant < 24; variant++) {
		struct fwc_packet k = base;

		k.iif =
		    r->chain == FWC_CHAIN_OUTPUT ? NULL : pick_if(c, r->iif);
		k.oif = r->chain == FWC_CHAIN_INPUT ? NULL : pick_if(c, r->oif);
		k.src = variant % 3 == 2 ? pick_addr(c, r->family)
					 : inside(r->src, r->family);
		k.dst = variant % 5 == 4 ? pick_addr(c, r->family)
					 : inside(r->dst, r->family);
		k.sport = inside_port(&r->sport);
		k.dport = inside_port(&r->dport);
		k.icmp_type = inside_type(r);
		if (variant >= 20 && r->proto < 0)
			k.proto = c->pool.n_protos
				      ? c->pool.protos[rnd() % c->pool.n_protos]
				      : 6;
		check_packet(c, &k);
		base = k;
		for (int s = 0; s < 2; s++) {
			if (sets[s] == NULL)
				continue;
			for (size_t j = 0; j < sets[s]->n; j++) {
				struct fwc_u128 e[4] = {
					u128_add(
					    sets[s]->v[j].lo, -1, r->family),
					sets[s]->v[j].lo, sets[s]->v[j].hi,
					u128_add(sets[s]->v[j].hi, 1, r->family)
				};

				if (variant > 0)
					break;
				for (int q = 0; q < 4; q++) {
					k = base;
					if (s == 0)
						k.src = e[q];
					else
						k.dst = e[q];
					check_packet(c, &k);
				}
			}
		}
		if (variant == 0) {
			const struct fwc_portset *ps[2] = { &r->sport,
				&r->dport };

			for (int s = 0; s < 2; s++) {
				for (size_t j = 0; j < ps[s]->n; j++) {
					long e[4] = { (long)ps[s]->v[j].lo - 1,
						ps[s]->v[j].lo, ps[s]->v[j].hi,
						(long)ps[s]->v[j].hi + 1 };

					for (int q = 0; q < 4; q++) {
						if (e[q] < 0 || e[q] > 65535)
							continue;
						k = base;
						if (s == 0)
							k.sport =
							    (uint16_t)e[q];
						else
							k.dport =
							    (uint16_t)e[q];
						check_packet(c, &k);
					}
				}
			}
			if (r->proto == FWC_PROTO_ICMP ||
			    r->proto == FWC_PROTO_ICMP6) {
				for (int t = 0; t < 256; t++) {
					k = base;
					k.icmp_type = t;
					check_packet(c, &k);
				}
			}
		}
	}
}

static void
probe_random(struct cmp *c, unsigned long n)
{
	static const int extra[] = { 1, 6, 17, 47, 58, 132, 0, 255 };

	for (unsigned long i = 0; i < n; i++) {
		struct fwc_packet k;
		uint64_t r = rnd();

		memset(&k, 0, sizeof(k));
		k.family = (enum fwc_family)(r % 2);
		k.chain = (enum fwc_chain)((r >> 1) % FWC_CHAIN_NR);
		k.iif = k.chain == FWC_CHAIN_OUTPUT ? NULL : pick_if(c, NULL);
		k.oif = k.chain == FWC_CHAIN_INPUT ? NULL : pick_if(c, NULL);
		k.src = pick_addr(c, k.family);
		k.dst = pick_addr(c, k.family);
		if ((r >> 8) % 4 == 0 || c->pool.n_protos == 0)
			k.proto = extra[(r >> 12) % FWC_ARRAY_SIZE(extra)];
		else
			k.proto = c->pool.protos[(r >> 12) % c->pool.n_protos];
		k.sport = (uint16_t)(rnd() % 4 ? 1024 + rnd() % 64000 : rnd());
		k.dport = (uint16_t)(rnd() % 2 ? rnd() % 1100 : rnd());
		k.icmp_type = (int)(rnd() % 256);
		check_packet(c, &k);
	}
}

static unsigned int
target_fams(const char *target)
{
	if (strcmp(target, "iptables") == 0)
		return 1u << FWC_FAM_IP4;
	if (strcmp(target, "ip6tables") == 0)
		return 1u << FWC_FAM_IP6;
	return (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6);
}

/* Compares ir with the parse of text; 0 equal, 1 different, 2 when the
 * text does not parse. */
static int
compare(struct fwc_arena *a, const struct fwc_ruleset *ir,
    const struct fwc_backend *be, const char *file, const char *text,
    size_t len, const char *label)
{
	struct fwc_ruleset *out = fwc_arena_alloc(a, sizeof(*out));
	struct fwc_diag dg;
	struct cmp c;

	fwc_diag_init(&dg, stdout);
	if (be->parse(a, file, text, len, out, &dg) < 0 || dg.errors > 0) {
		printf("PARSE ERROR %s\n", label);
		fwc_diag_release(&dg);
		return 2;
	}
	fwc_diag_release(&dg);
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.ir = ir;
	c.out = out;
	c.fams = target_fams(be->name);
	c.no_reject = strcmp(be->name, "netsh") == 0;
	c.realisable = strcmp(be->name, "pf") == 0;
	for (size_t i = 0; i < ir->n_rules && c.realisable; i++) {
		const struct fwc_ir_rule *r = &ir->rules[i];
		const struct fwc_ir_set *s =
		    r->chain == FWC_CHAIN_INPUT	   ? r->dst
		    : r->chain == FWC_CHAIN_OUTPUT ? r->src
						   : NULL;

		if (s != NULL && c.n_self < FWC_ARRAY_SIZE(c.self))
			c.self[c.n_self++] = s;
		if (r->chain == FWC_CHAIN_FORWARD && r->dst != NULL &&
		    r->oif != NULL && c.n_fwd < FWC_ARRAY_SIZE(c.fwd))
			c.fwd[c.n_fwd++] = r;
	}
	c.label = label;
	collect(&c, ir);
	collect(&c, out);
	/* pf has no chains: its parse fills all three. */
	for (int ch = 0; ch < FWC_CHAIN_NR && !c.realisable; ch++) {
		if (ir->has_chain[ch] != out->has_chain[ch]) {
			printf(
			    "MISMATCH %s: chain %s %s in the policy, %s in the "
			    "output\n",
			    label, fwc_chain_names[ch],
			    ir->has_chain[ch] ? "present" : "absent",
			    out->has_chain[ch] ? "present" : "absent");
			return 1;
		}
	}
	for (size_t i = 0; i < ir->n_rules; i++)
		probe_rule(&c, &ir->rules[i]);
	for (size_t i = 0; i < out->n_rules; i++)
		probe_rule(&c, &out->rules[i]);
	probe_random(&c, random_packets);
	printf("%s %s: %zu policy rules, %zu output rules, %lu packets, %lu "
	       "mismatches\n",
	    c.mismatches ? "FAIL" : "ok", label, ir->n_rules, out->n_rules,
	    c.packets, c.mismatches);
	return c.mismatches ? 1 : 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct fwc_strbuf sb;
	char buf[65536];
	char *buf_out;
	size_t n;

	if (f == NULL) {
		perror(path);
		exit(3);
	}
	fwc_strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwc_strbuf_addn(&sb, buf, n);
	fclose(f);
	buf_out = fwc_strbuf_detach(&sb, len);
	fwc_strbuf_release(&sb);
	return buf_out;
}

int
main(int argc, char **argv)
{
	const char *inc[16];
	const char *pos[8];
	size_t n_inc = 0;
	size_t n_pos = 0;
	struct fwc_options opt;
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_program *prog = NULL;
	struct fwc_diag dg;
	int worst = 0;
	unsigned int runs = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-I") == 0 && i + 1 < argc && n_inc < 16)
			inc[n_inc++] = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			random_packets = strtoul(argv[++i], NULL, 10);
		else if (n_pos < 8)
			pos[n_pos++] = argv[i];
	}
	if (n_pos != 1 && n_pos != 4) {
		fprintf(stderr,
		    "usage: roundtrip [-I DIR]... [-n N] POLICY [EP TARGET "
		    "FILE]\n");
		return 2;
	}
	memset(&opt, 0, sizeof(opt));
	opt.include_dirs = inc;
	opt.n_include_dirs = n_inc;
	opt.library_dir = getenv("FWC_POLICY_LIBRARY");
	fwc_diag_init(&dg, stderr);
	if (fwc_compile_file(a, &dg, &opt, pos[0], &prog) < 0 ||
	    dg.errors > 0) {
		fprintf(stderr, "roundtrip: %s does not compile\n", pos[0]);
		fwc_diag_release(&dg);
		fwc_arena_release(a);
		return 2;
	}
	if (n_pos == 4) {
		const struct fwc_ruleset *rs = fwc_program_find(prog, pos[1]);
		const struct fwc_backend *be = fwc_backend_find(pos[2]);
		size_t len;
		char *text;
		char label[512];

		if (rs == NULL || be == NULL || be->parse == NULL) {
			fprintf(stderr,
			    "roundtrip: no point '%s' or no parser "
			    "for '%s'\n",
			    pos[1], pos[2]);
			return 2;
		}
		text = read_file(pos[3], &len);
		snprintf(
		    label, sizeof(label), "%s %s %s", pos[0], pos[1], pos[2]);
		worst = compare(a, rs, be, pos[3], text, len, label);
		free(text);
		fwc_diag_release(&dg);
		fwc_arena_release(a);
		return worst;
	}
	for (size_t e = 0; e < prog->n_eps; e++) {
		for (size_t t = 0; t < FWC_ARRAY_SIZE(targets); t++) {
			const struct fwc_backend *be =
			    fwc_backend_find(targets[t]);
			struct fwc_strbuf out;
			struct fwc_diag edg;
			FILE *sink = tmpfile();
			char label[512];
			int rc;

			if (be == NULL || be->parse == NULL) {
				printf("SKIP %s %s %s: no parser\n", pos[0],
				    prog->eps[e]->name, targets[t]);
				fclose(sink);
				continue;
			}
			fwc_diag_init(&edg, sink);
			fwc_strbuf_init(&out);
			if ((be->check != NULL &&
				be->check(prog->eps[e], &edg) < 0) ||
			    be->emit(prog->eps[e], &out, &edg) < 0) {
				printf("refused %s %s %s\n", pos[0],
				    prog->eps[e]->name, targets[t]);
				fwc_strbuf_release(&out);
				fclose(sink);
				continue;
			}
			fclose(sink);
			snprintf(label, sizeof(label), "%s %s %s", pos[0],
			    prog->eps[e]->name, targets[t]);
			rc = compare(a, prog->eps[e], be, "<output>", out.buf,
			    out.len, label);
			runs++;
			if (rc > worst)
				worst = rc;
			fwc_strbuf_release(&out);
		}
	}
	if (runs == 0) {
		printf("roundtrip: nothing compared for %s\n", pos[0]);
		worst = 1;
	}
	fwc_diag_release(&dg);
	fwc_arena_release(a);
	return worst;
}
