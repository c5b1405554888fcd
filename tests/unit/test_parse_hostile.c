/* Hostile text through every text backend and back (issue 7): a host
 * ruleset built by hand whose flow names, set names, set comment, DNS
 * names, policy and host names and source file name hold quotes,
 * newlines, shell and cmd.exe metacharacters, comment starters and
 * non-ASCII bytes is emitted by nft, iptables, ip6tables, pf and netsh,
 * and parsed back by the same target's parser. Each output must parse
 * without a single diagnostic into rules that decide the probe packets
 * as the ruleset does, and every label, comment or description must
 * decode to exactly the sanitised flow name written here by hand:
 * nothing of a hostile name may be left outside its quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/eval.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

#define N_RULES 4

/* The hostile flow names and what each backend must show of them. */
static const char *const flows[N_RULES] = {
	"line1\nflush ruleset\r\n-A INPUT -j ACCEPT",
	"a\"; drop; # } { flush ruleset",
	"$(reboot)`id` %PATH% ^& | <x> !y!",
	"caf\xc3\xa9 \\ \"label\" pass all",
};
static const char *const safe[N_RULES] = {
	"line1_flush ruleset__-A INPUT -j ACCEPT",
	"a__ drop_ _ _ _ flush ruleset",
	"__reboot__id_ _PATH_ __ _ _x_ _y_",
	"caf__ _ _label_ pass all",
};

struct fx {
	struct fwc_arena *a;
	struct fwc_ruleset *rs;
};

static struct fwc_ir_set *
set_of(struct fx *fx, const char *name, enum fwc_family fam, const char *cidr)
{
	struct fwc_ir_set *s = fwc_arena_alloc(fx->a, sizeof(*s));
	struct fwc_ivl *v = fwc_arena_alloc(fx->a, sizeof(*v));
	enum fwc_family f;
	const char *why;

	assert_int_equal(fwc_cidr_parse(cidr, &f, v, &why), 0);
	assert_int_equal(f, fam);
	s->name = name;
	s->family = fam;
	s->v = v;
	s->n = 1;
	s->id = (unsigned int)fx->rs->n_sets;
	fx->rs->sets[fx->rs->n_sets++] = s;
	return s;
}

static struct fwc_ir_rule *
rule(struct fx *fx, enum fwc_chain c, enum fwc_family fam, enum fwc_action act)
{
	struct fwc_ir_rule *r = &fx->rs->rules[fx->rs->n_rules];

	r->action = act;
	r->chain = c;
	r->family = fam;
	r->proto = FWC_PROTO_ANY;
	r->origin.flow = flows[fx->rs->n_rules];
	r->origin.loc = (struct fwc_loc){ "evil\" (x) %PATH% & del.xml",
		(uint32_t)(10 + fx->rs->n_rules), 3 };
	fx->rs->n_rules++;
	return r;
}

static int
setup(void **state)
{
	static const struct fwc_pivl https = { 443, 443 };
	struct fx *fx = calloc(1, sizeof(*fx));
	struct fwc_ruleset *rs;
	struct fwc_ir_set *me4;
	struct fwc_ir_set *me6;
	struct fwc_ir_rule *r;

	assert_non_null(fx);
	fx->a = fwc_arena_new();
	rs = fwc_arena_alloc(fx->a, sizeof(*rs));
	fx->rs = rs;
	rs->name = "web01\"\n%x%";
	rs->kind = FWC_EP_HOST;
	rs->os = "windows";
	rs->target = "netsh";
	rs->policy = "p\"; flush ruleset; #";
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_ACCEPT;
	rs->has_chain[FWC_CHAIN_INPUT] = true;
	rs->has_chain[FWC_CHAIN_OUTPUT] = true;
	rs->sets = fwc_arena_alloc(fx->a, 8 * sizeof(*rs->sets));
	rs->rules = fwc_arena_alloc(fx->a, N_RULES * sizeof(*rs->rules));
	me4 = set_of(fx, "me", FWC_FAM_IP4, "10.0.0.5/32");
	me6 = set_of(fx, "me", FWC_FAM_IP6, "2001:db8::5/128");
	r = rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, FWC_ACT_DROP);
	r->src = set_of(fx, "x\"y } flush", FWC_FAM_IP4, "10.1.99.0/24");
	((struct fwc_ir_set *)r->src)->comment = "c\" } flush ruleset \\ \x01";
	r->dst = me4;
	r->log = true;
	r = rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, FWC_ACT_ACCEPT);
	r->src = set_of(fx, "lan;rm", FWC_FAM_IP4, "10.1.0.0/16");
	r->dst = me4;
	r->proto = FWC_PROTO_TCP;
	r->dport = (struct fwc_portset){ &https, 1 };
	r = rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, FWC_ACT_ACCEPT);
	r->src = set_of(fx, "lan6`id`", FWC_FAM_IP6, "2001:db8:1::/48");
	r->dst = me6;
	r->proto = FWC_PROTO_TCP;
	r->dport = (struct fwc_portset){ &https, 1 };
	r->log = true;
	r = rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, FWC_ACT_DROP);
	r->src = me4;
	r->dst = set_of(fx, "bad\rnet", FWC_FAM_IP4, "10.9.9.0/24");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fwc_arena_release(fx->a);
	free(fx);
	return 0;
}

static struct fwc_u128
ip(const char *s)
{
	struct fwc_u128 v;
	enum fwc_family f;
	const char *why;

	assert_int_equal(fwc_addr_parse(s, &f, &v, &why), 0);
	return v;
}

/* Emits rs with target, parses it back, and checks the parse: no
 * diagnostic, each rule's flow one of safe[] (or none, for rules a
 * target adds itself), each of want[] present, and the same verdict as
 * rs on probe packets of the families the target holds. */
static void
round_trip(struct fx *fx, const char *target, unsigned int fams,
    const bool want[N_RULES])
{
	static const struct {
		enum fwc_chain c;
		enum fwc_family f;
		const char *src;
		const char *dst;
		int proto;
		uint16_t dport;
	} probes[] = {
		{ FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.99.7", "10.0.0.5", 6,
		    443 },
		{ FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.98.7", "10.0.0.5", 6,
		    443 },
		{ FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.1.98.7", "10.0.0.5", 6,
		    444 },
		{ FWC_CHAIN_INPUT, FWC_FAM_IP4, "10.2.0.1", "10.0.0.5", 6,
		    443 },
		{ FWC_CHAIN_INPUT, FWC_FAM_IP6, "2001:db8:1::9", "2001:db8::5",
		    6, 443 },
		{ FWC_CHAIN_INPUT, FWC_FAM_IP6, "2001:db8:1::9", "2001:db8::5",
		    17, 443 },
		{ FWC_CHAIN_INPUT, FWC_FAM_IP6, "2001:db8:2::9", "2001:db8::5",
		    6, 443 },
		{ FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "10.0.0.5", "10.9.9.9", 17,
		    53 },
		{ FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "10.0.0.5", "10.9.10.9", 17,
		    53 },
	};
	const struct fwc_backend *be = fwc_backend_find(target);
	struct fwc_ruleset *out = fwc_arena_alloc(fx->a, sizeof(*out));
	struct fwc_strbuf text;
	struct fwc_diag dg;
	FILE *sink = tmpfile();
	bool seen[N_RULES] = { false };
	long size;

	assert_non_null(be);
	assert_non_null(be->parse);
	assert_non_null(sink);
	fwc_diag_init(&dg, sink);
	fwc_strbuf_init(&text);
	if (be->emit(fx->rs, &text, &dg) != 0) {
		char buf[512];
		size_t n;

		rewind(sink);
		n = fread(buf, 1, sizeof(buf) - 1, sink);
		buf[n] = '\0';
		fail_msg("%s refused the ruleset: %s", target, buf);
	}
	assert_int_equal(
	    be->parse(fx->a, "out.txt", text.buf, text.len, out, &dg), 0);
	size = ftell(sink);
	if (size != 0 || dg.errors != 0) {
		print_error("%s output:\n%s\n", target, text.buf);
		fail_msg(
		    "%s: the parser reported %u errors", target, dg.errors);
	}
	for (size_t i = 0; i < out->n_rules; i++) {
		const char *flow = out->rules[i].origin.flow;
		size_t k;

		if (flow == NULL)
			continue;
		for (k = 0; k < N_RULES; k++)
			if (strcmp(flow, safe[k]) == 0)
				break;
		if (k == N_RULES)
			fail_msg("%s: rule %zu (line %u) has flow '%s'", target,
			    i, (unsigned int)out->rules[i].origin.loc.line,
			    flow);
		seen[k] = true;
	}
	for (size_t k = 0; k < N_RULES; k++)
		if (want[k] && !seen[k])
			fail_msg("%s: no rule with flow '%s'", target, safe[k]);
	for (size_t i = 0; i < FWC_ARRAY_SIZE(probes); i++) {
		struct fwc_packet p;
		enum fwc_action a;
		enum fwc_action b;

		if (!(fams & (1u << probes[i].f)))
			continue;
		memset(&p, 0, sizeof(p));
		p.family = probes[i].f;
		p.chain = probes[i].c;
		p.src = ip(probes[i].src);
		p.dst = ip(probes[i].dst);
		p.proto = probes[i].proto;
		p.sport = 40000;
		p.dport = probes[i].dport;
		p.icmp_type = -1;
		a = fwc_eval_packet(fx->rs, &p, NULL);
		b = fwc_eval_packet(out, &p, NULL);
		if (a != b)
			fail_msg("%s: probe %zu: %s in the ruleset, %s parsed",
			    target, i, fwc_action_names[a],
			    fwc_action_names[b]);
	}
	fwc_strbuf_release(&text);
	fclose(sink);
}

static void
test_parse_hostile_nft(void **state)
{
	static const bool want[N_RULES] = { true, true, true, true };
	static const char *const fqdns[] = { "a.example.com",
		"b.example.com\n}\nflush ruleset" };
	struct fx *fx = *state;
	struct fwc_ir_set *s = (struct fwc_ir_set *)fx->rs->rules[2].src;

	/* Only nft writes DNS names (as comments); the others refuse them
	 * or need --resolve. */
	s->fqdns = fqdns;
	s->n_fqdns = 2;
	round_trip(fx, "nft", 3u, want);
}

static void
test_parse_hostile_iptables(void **state)
{
	static const bool want4[N_RULES] = { true, true, false, true };
	static const bool want6[N_RULES] = { false, false, true, false };

	round_trip(*state, "iptables", 1u << FWC_FAM_IP4, want4);
	round_trip(*state, "ip6tables", 1u << FWC_FAM_IP6, want6);
}

static void
test_parse_hostile_pf(void **state)
{
	static const bool want[N_RULES] = { true, true, true, true };

	round_trip(*state, "pf", 3u, want);
}

static void
test_parse_hostile_netsh(void **state)
{
	static const bool want[N_RULES] = { true, true, true, true };

	round_trip(*state, "netsh", 3u, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_parse_hostile_nft, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_hostile_iptables, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_hostile_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parse_hostile_netsh, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
