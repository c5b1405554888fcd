/* Unit tests of compiler/ir.c: the name tables, protocol and ICMP type
 * parsing, fwc_program_find and the exact text of fwc_ir_dump. */
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
#include "fwc/ir.h"
#include "fwc/strbuf.h"

struct fx {
	struct fwc_arena *a;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->a = fwc_arena_new();
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

static void
test_ir_names(void **state)
{
	(void)state;
	assert_string_equal(fwc_action_names[FWC_ACT_ACCEPT], "accept");
	assert_string_equal(fwc_action_names[FWC_ACT_DROP], "drop");
	assert_string_equal(fwc_action_names[FWC_ACT_REJECT], "reject");
	assert_string_equal(fwc_chain_names[FWC_CHAIN_INPUT], "input");
	assert_string_equal(fwc_chain_names[FWC_CHAIN_FORWARD], "forward");
	assert_string_equal(fwc_chain_names[FWC_CHAIN_OUTPUT], "output");
}

static void
test_ir_proto(void **state)
{
	char buf[8];
	int i;

	(void)state;
	assert_string_equal(fwc_proto_name(FWC_PROTO_TCP, buf), "tcp");
	assert_string_equal(fwc_proto_name(FWC_PROTO_UDP, buf), "udp");
	assert_string_equal(fwc_proto_name(FWC_PROTO_ICMP, buf), "icmp");
	assert_string_equal(fwc_proto_name(FWC_PROTO_ICMP6, buf), "icmpv6");
	assert_string_equal(fwc_proto_name(47, buf), "gre");
	assert_string_equal(fwc_proto_name(50, buf), "esp");
	assert_string_equal(fwc_proto_name(132, buf), "sctp");
	assert_string_equal(fwc_proto_name(FWC_PROTO_ANY, buf), "any");
	assert_string_equal(fwc_proto_name(253, buf), "253");
	assert_string_equal(fwc_proto_name(0, buf), "0");

	assert_int_equal(fwc_proto_parse("tcp"), 6);
	assert_int_equal(fwc_proto_parse("UDP"), 17);
	assert_int_equal(fwc_proto_parse("icmpv6"), 58);
	assert_int_equal(fwc_proto_parse("ipv6-icmp"), 58);
	assert_int_equal(fwc_proto_parse("gre"), 47);
	assert_int_equal(fwc_proto_parse("ospf"), 89);
	assert_int_equal(fwc_proto_parse("vrrp"), 112);
	assert_int_equal(fwc_proto_parse("udplite"), 136);
	assert_int_equal(fwc_proto_parse("0"), 0);
	assert_int_equal(fwc_proto_parse("255"), 255);
	assert_int_equal(fwc_proto_parse("256"), -1);
	assert_int_equal(fwc_proto_parse("0047"), -1);
	assert_int_equal(fwc_proto_parse("-1"), -1);
	assert_int_equal(fwc_proto_parse(" 6"), -1);
	assert_int_equal(fwc_proto_parse(""), -1);
	assert_int_equal(fwc_proto_parse("any"), -1);
	assert_int_equal(fwc_proto_parse("bogus"), -1);
	/* Every name printed parses back to its number. */
	for (i = 0; i < 256; i++)
		assert_int_equal(fwc_proto_parse(fwc_proto_name(i, buf)), i);
}

static void
test_ir_icmp_types(void **state)
{
	int i;

	(void)state;
	assert_string_equal(fwc_icmp_type_name(8, false), "echo-request");
	assert_string_equal(fwc_icmp_type_name(0, false), "echo-reply");
	assert_string_equal(
	    fwc_icmp_type_name(18, false), "address-mask-reply");
	assert_null(fwc_icmp_type_name(128, false));
	assert_string_equal(fwc_icmp_type_name(128, true), "echo-request");
	assert_string_equal(fwc_icmp_type_name(2, true), "packet-too-big");
	assert_string_equal(fwc_icmp_type_name(132, true), "mld-listener-done");
	assert_string_equal(
	    fwc_icmp_type_name(143, true), "mld2-listener-report");
	assert_null(fwc_icmp_type_name(8, true));
	assert_null(fwc_icmp_type_name(300, true));

	assert_int_equal(fwc_icmp_type_parse("echo-request", false), 8);
	assert_int_equal(fwc_icmp_type_parse("echo-request", true), 128);
	assert_int_equal(fwc_icmp_type_parse("timestamp-request", false), 13);
	assert_int_equal(fwc_icmp_type_parse("timestamp-request", true), -1);
	assert_int_equal(fwc_icmp_type_parse("nd-neighbor-solicit", true), 135);
	assert_int_equal(fwc_icmp_type_parse("nd-neighbor-solicit", false), -1);
	assert_int_equal(
	    fwc_icmp_type_parse("mld-listener-reduction", true), 132);
	assert_int_equal(fwc_icmp_type_parse("ind-neighbor-advert", true), 142);
	assert_int_equal(fwc_icmp_type_parse("200", false), 200);
	assert_int_equal(fwc_icmp_type_parse("256", true), -1);
	assert_int_equal(fwc_icmp_type_parse("x", true), -1);
	for (i = 0; i < 256; i++) {
		const char *n4 = fwc_icmp_type_name(i, false);
		const char *n6 = fwc_icmp_type_name(i, true);

		if (n4 != NULL)
			assert_int_equal(fwc_icmp_type_parse(n4, false), i);
		if (n6 != NULL)
			assert_int_equal(fwc_icmp_type_parse(n6, true), i);
	}
}

static void
test_ir_program_find(void **state)
{
	struct fwc_ruleset a = { .name = "gw-a" };
	struct fwc_ruleset b = { .name = "host-b" };
	struct fwc_ruleset *eps[] = { &a, &b };
	struct fwc_program p = { .policy = "x", .eps = eps, .n_eps = 2 };
	struct fwc_program none = { .policy = "x" };

	(void)state;
	assert_ptr_equal(fwc_program_find(&p, "gw-a"), &a);
	assert_ptr_equal(fwc_program_find(&p, "host-b"), &b);
	assert_null(fwc_program_find(&p, "gw"));
	assert_null(fwc_program_find(&none, "gw-a"));
}

static struct fwc_ir_set *
make_set(struct fx *fx, const char *name, enum fwc_family fam, unsigned int id,
    const char *const *elems, size_t n)
{
	struct fwc_ir_set *s = fwc_arena_alloc(fx->a, sizeof(*s));
	struct fwc_ivl *v = fwc_arena_alloc(fx->a, (n + 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++) {
		enum fwc_family f;
		const char *why = NULL;

		if (strchr(elems[i], '-') != NULL)
			assert_int_equal(
			    fwc_range_parse(elems[i], &f, &v[i], &why), 0);
		else
			assert_int_equal(
			    fwc_cidr_parse(elems[i], &f, &v[i], &why), 0);
		assert_int_equal(f, fam);
	}
	s->name = name;
	s->family = fam;
	s->v = v;
	s->n = n;
	s->id = id;
	return s;
}

static void
test_ir_dump(void **state)
{
	struct fx *fx = *state;
	static const char *const e4[] = { "10.1.0.0/16",
		"10.2.0.10-10.2.0.250" };
	static const char *const e6[] = { "2001:db8::/32" };
	static const char *const fq[] = { "a.example.com", "b.example.com" };
	static const struct fwc_pivl dp[] = { { 80, 80 }, { 8000, 8080 } };
	static const struct fwc_pivl sp[] = { { 1024, 65535 } };
	struct fwc_ir_set *sets[3];
	struct fwc_ir_iface ifaces[2] = {
		{ .name = "eth0",
		    .boundaries = "hq-lan",
		    .loc = { "site.xml", 5, 3 } },
		{ .name = "eth1",
		    .boundaries = "any",
		    .is_any = true,
		    .loc = { "site.xml", 6, 3 } },
	};
	struct fwc_ir_rule rules[4];
	struct fwc_ruleset rs = {
		.name = "gw1",
		.kind = FWC_EP_GATEWAY,
		.os = "linux",
		.target = "nft",
		.policy = "site",
		.loc = { "site.xml", 4, 2 },
		.chain_default = { FWC_ACT_DROP, FWC_ACT_REJECT,
		    FWC_ACT_ACCEPT },
		.has_chain = { true, true, false },
		.ifaces = ifaces,
		.n_ifaces = 2,
		.sets = sets,
		.n_sets = 3,
		.rules = rules,
		.n_rules = 4,
	};
	struct fwc_strbuf sb;

	sets[0] = make_set(fx, "hq-lan", FWC_FAM_IP4, 0, e4, 2);
	sets[0]->comment = "boundary hq-lan";
	sets[1] = make_set(fx, "hq-lan", FWC_FAM_IP6, 1, e6, 1);
	sets[2] = make_set(fx, "update", FWC_FAM_IP4, 2, NULL, 0);
	sets[2]->fqdns = fq;
	sets[2]->n_fqdns = 2;
	memset(rules, 0, sizeof(rules));
	rules[0] = (struct fwc_ir_rule){
		.action = FWC_ACT_REJECT,
		.chain = FWC_CHAIN_FORWARD,
		.family = FWC_FAM_IP4,
		.iif = "eth1",
		.oif = "eth0",
		.dst = sets[0],
		.proto = FWC_PROTO_ANY,
		.log = true,
		.origin = { .flow = "guest\"\n\\x",
		    .loc = { "f.xml", 9, 7 },
		    .from = "guest",
		    .to = "hq-lan",
		    .service = "any" },
	};
	rules[1] = (struct fwc_ir_rule){
		.action = FWC_ACT_ACCEPT,
		.chain = FWC_CHAIN_FORWARD,
		.family = FWC_FAM_IP4,
		.src = sets[0],
		.dst = sets[2],
		.proto = FWC_PROTO_TCP,
		.dport = { dp, 2 },
		.sport = { sp, 1 },
		.origin = { .flow = "web",
		    .loc = { "f.xml", 10, 3 },
		    .from = "hq-lan",
		    .to = "update",
		    .service = "http alt\xc3\xa9",
		    .note = "via proxy corp-proxy" },
	};
	rules[2] = (struct fwc_ir_rule){
		.action = FWC_ACT_ACCEPT,
		.chain = FWC_CHAIN_INPUT,
		.family = FWC_FAM_IP6,
		.src = sets[1],
		.proto = FWC_PROTO_ICMP6,
		.has_types = true,
		.origin = { .flow = "f.xml:11", .loc = { "f.xml", 11, 3 } },
	};
	rules[2].types[128 / 8] |= 1u << (128 % 8);
	rules[2].types[200 / 8] |= 1u << (200 % 8);
	rules[3] = (struct fwc_ir_rule){
		.action = FWC_ACT_DROP,
		.chain = FWC_CHAIN_INPUT,
		.family = FWC_FAM_IP4,
		.proto = 47,
		.origin = { .flow = "gre" },
	};

	fwc_strbuf_init(&sb);
	fwc_ir_dump(&rs, &sb);
	assert_string_equal(sb.buf,
	    "ruleset \"gw1\"\n"
	    "\tkind gateway\n"
	    "\tos \"linux\"\n"
	    "\ttarget \"nft\"\n"
	    "\tpolicy \"site\"\n"
	    "\tat \"site.xml\":4:2\n"
	    "\tchain input present default drop\n"
	    "\tchain forward present default reject\n"
	    "\tchain output absent default accept\n"
	    "iface \"eth0\" boundaries \"hq-lan\" any no at \"site.xml\":5:3\n"
	    "iface \"eth1\" boundaries \"any\" any yes at \"site.xml\":6:3\n"
	    "set #0 \"hq-lan\" ipv4 intervals 2 fqdns 0\n"
	    "\tcomment \"boundary hq-lan\"\n"
	    "\t10.1.0.0/16\n"
	    "\t10.2.0.10-10.2.0.250\n"
	    "set #1 \"hq-lan\" ipv6 intervals 1 fqdns 0\n"
	    "\tcomment none\n"
	    "\t2001:db8::/32\n"
	    "set #2 \"update\" ipv4 intervals 0 fqdns 2\n"
	    "\tcomment none\n"
	    "\tfqdn \"a.example.com\"\n"
	    "\tfqdn \"b.example.com\"\n"
	    "rule 0 forward reject ipv4\n"
	    "\tiif \"eth1\" oif \"eth0\"\n"
	    "\tsrc any dst #0 \"hq-lan\"\n"
	    "\tproto any dport any sport any types any log yes\n"
	    "\tflow \"guest\\\"\\x0a\\\\x\" at \"f.xml\":9:7\n"
	    "\tfrom \"guest\" to \"hq-lan\" service \"any\"\n"
	    "\tnote none\n"
	    "rule 1 forward accept ipv4\n"
	    "\tiif none oif none\n"
	    "\tsrc #0 \"hq-lan\" dst #2 \"update\"\n"
	    "\tproto tcp dport 80,8000-8080 sport 1024-65535 types any "
	    "log no\n"
	    "\tflow \"web\" at \"f.xml\":10:3\n"
	    "\tfrom \"hq-lan\" to \"update\" service \"http alt\\xc3\\xa9\"\n"
	    "\tnote \"via proxy corp-proxy\"\n"
	    "rule 2 input accept ipv6\n"
	    "\tiif none oif none\n"
	    "\tsrc #1 \"hq-lan\" dst any\n"
	    "\tproto icmpv6 dport any sport any types echo-request,200 "
	    "log no\n"
	    "\tflow \"f.xml:11\" at \"f.xml\":11:3\n"
	    "\tfrom none to none service none\n"
	    "\tnote none\n"
	    "rule 3 input drop ipv4\n"
	    "\tiif none oif none\n"
	    "\tsrc any dst any\n"
	    "\tproto gre dport any sport any types any log no\n"
	    "\tflow \"gre\" at none\n"
	    "\tfrom none to none service none\n"
	    "\tnote none\n"
	    "end sets 3 rules 4\n");
	fwc_strbuf_release(&sb);
}

static void
test_ir_dump_empty(void **state)
{
	struct fwc_ruleset rs = { .name = "h", .kind = FWC_EP_HOST };
	struct fwc_strbuf sb;

	(void)state;
	fwc_strbuf_init(&sb);
	fwc_ir_dump(&rs, &sb);
	assert_string_equal(sb.buf, "ruleset \"h\"\n"
				    "\tkind host\n"
				    "\tos none\n"
				    "\ttarget none\n"
				    "\tpolicy none\n"
				    "\tat none\n"
				    "\tchain input absent default accept\n"
				    "\tchain forward absent default accept\n"
				    "\tchain output absent default accept\n"
				    "end sets 0 rules 0\n");
	fwc_strbuf_release(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ir_names),
		cmocka_unit_test(test_ir_proto),
		cmocka_unit_test(test_ir_icmp_types),
		cmocka_unit_test(test_ir_program_find),
		cmocka_unit_test_setup_teardown(test_ir_dump, setup, teardown),
		cmocka_unit_test(test_ir_dump_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
