/* Unit tests of parse, sema and placement through fwc_compile_buffer():
 * name resolution and its errors, composition, gateway forward/input
 * placement with anti-spoofing, host firewalls, deny-before-allow,
 * boundary-group expansion with fallback, proxy expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"

#include "diag_fixture.h"

static struct fwc_program *
compile(struct fx *f, const char *xml, int want)
{
	struct fwc_program *p = NULL;
	struct fwc_options opt;
	int rc;

	memset(&opt, 0, sizeof(opt));
	rc = fwc_compile_buffer(
	    f->a, &f->dg, &opt, "t.xml", xml, strlen(xml), &p);
	if (rc != want)
		fail_msg(
		    "compile returned %d, diagnostics:\n%s", rc, diag_text(f));
	return p;
}

static const char *
set_text(const struct fwc_ir_set *s)
{
	static char buf[2][1024];
	static int which;
	struct fwc_strbuf sb;
	char *out = buf[which ^= 1];

	if (s == NULL)
		return "*";
	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			fwc_strbuf_addc(&sb, ' ');
		fwc_ivl_format(&sb, s->family, &s->v[i]);
	}
	for (size_t i = 0; i < s->n_fqdns; i++)
		fwc_strbuf_addf(&sb, " %s", s->fqdns[i]);
	snprintf(out, 1024, "%s", sb.buf);
	fwc_strbuf_release(&sb);
	return out;
}

/* One line per rule: "chain action fam iif>oif src -> dst proto ports". */
static const char *
rules_text(const struct fwc_ruleset *rs)
{
	static char out[16384];
	struct fwc_strbuf sb;

	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct fwc_ir_rule *r = &rs->rules[i];

		fwc_strbuf_addf(&sb, "%s %s %s %s>%s %s -> %s p%d",
		    fwc_chain_names[r->chain], fwc_action_names[r->action],
		    r->family == FWC_FAM_IP4 ? "ip" : "ip6",
		    r->iif ? r->iif : "*", r->oif ? r->oif : "*",
		    set_text(r->src), set_text(r->dst), r->proto);
		for (size_t k = 0; k < r->dport.n; k++)
			fwc_strbuf_addf(&sb, "%c%u-%u", k ? ',' : ' ',
			    r->dport.v[k].lo, r->dport.v[k].hi);
		if (r->origin.note)
			fwc_strbuf_addf(&sb, " (%s)", r->origin.note);
		fwc_strbuf_addc(&sb, '\n');
	}
	snprintf(out, sizeof(out), "%s", sb.buf);
	fwc_strbuf_release(&sb);
	return out;
}

#define POLICY_HEAD "<policy name=\"t\" version=\"1\">\n"

static void
test_place_gateway_forward_antispoof(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f,
	    POLICY_HEAD
	    "<service name=\"web\"><port protocol=\"tcp\" port=\"443\"/>"
	    "<port protocol=\"tcp\" port=\"80\"/></service>\n"
	    "<boundary name=\"lan\"><subnet>10.1.0.0/16</subnet>"
	    "<prefix>2001:db8:1::/48</prefix></boundary>\n"
	    "<boundary name=\"dc\"><subnet>10.0.0.0/24</subnet></boundary>\n"
	    "<host name=\"web1\"><address>10.0.0.5</address></host>\n"
	    "<allow from=\"lan\" to=\"web1\" service=\"web\" name=\"f1\"/>\n"
	    "<gateway name=\"gw\"><address>10.0.0.1</address>"
	    "<interface name=\"eth0\" boundary=\"lan\"/>"
	    "<interface name=\"eth1\" boundary=\"dc\"/>"
	    "<interface name=\"eth2\" boundary=\"any\"/></gateway>\n"
	    "</policy>\n",
	    0);
	struct fwc_ruleset *rs = fwc_program_find(p, "gw");

	assert_non_null(rs);
	/* Only eth0 -> eth1: the source lives behind eth0 alone, so a packet
	 * from 10.1/16 arriving on eth2 matches nothing (anti-spoofing). */
	assert_string_equal(rules_text(rs),
	    "forward accept ip eth0>eth1 10.1.0.0/16 -> 10.0.0.5 p6 80-80,443-443\n");
}

static void
test_place_deny_before_allow_and_input(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f,
	    POLICY_HEAD
	    "<service name=\"ssh\"><port protocol=\"tcp\" port=\"22\"/></service>\n"
	    "<boundary name=\"lan\"><subnet>10.1.0.0/16</subnet></boundary>\n"
	    "<boundary name=\"bad\"><subnet>10.1.9.0/24</subnet></boundary>\n"
	    "<allow from=\"lan\" to=\"gw\" service=\"ssh\"/>\n"
	    "<deny from=\"bad\" to=\"any\" service=\"any\"/>\n"
	    "<gateway name=\"gw\"><address>10.0.0.1</address>"
	    "<interface name=\"eth0\" boundary=\"lan\"/>"
	    "<interface name=\"eth1\" boundary=\"any\"/></gateway>\n"
	    "</policy>\n",
	    0);
	struct fwc_ruleset *rs = fwc_program_find(p, "gw");

	/* The allow to the gateway is on input from eth0 only, and nothing
	 * is forwarded to the gateway's own address. The deny of 'bad' to
	 * 'any' is forwarded to eth1 only (the rest of 'any' is behind
	 * eth0), and, being a deny, also guards the gateway itself, ahead of
	 * the allow. */
	assert_string_equal(rules_text(rs),
	    "input drop ip eth0>* 10.1.9.0/24 -> 10.0.0.1 p-1\n"
	    "input accept ip eth0>* 10.1.0.0/16 -> 10.0.0.1 p6 22-22\n"
	    "forward drop ip eth0>eth1 10.1.9.0/24 -> 0.0.0.0-10.0.0.0 10.0.0.2-10.0.255.255 10.2.0.0-255.255.255.255 p-1\n");
}

static void
test_place_host_firewall(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f,
	    POLICY_HEAD
	    "<service name=\"sql\"><port protocol=\"tcp\" port=\"1433\"/></service>\n"
	    "<role name=\"sql-server\"/><role name=\"site-server\"/>\n"
	    "<host name=\"sql01\" os=\"windows\" roles=\"sql-server\">"
	    "<address>10.0.0.7</address><address>2001:db8::7</address></host>\n"
	    "<host name=\"cm01\" os=\"linux\" roles=\"site-server\">"
	    "<address>10.0.0.6</address></host>\n"
	    "<allow from=\"site-server\" to=\"sql-server\" service=\"sql\"/>\n"
	    "</policy>\n",
	    0);
	struct fwc_ruleset *rs = fwc_program_find(p, "sql01");

	assert_non_null(rs);
	assert_null(fwc_program_find(p, "cm01")); /* firewall off */
	assert_string_equal(rs->target, "netsh");
	assert_string_equal(rules_text(rs),
	    "input accept ip *>* 10.0.0.6 -> 10.0.0.7 p6 1433-1433\n");
}

static const char bg_policy[] = POLICY_HEAD
    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
    "<role name=\"client\"><boundary ref=\"hq\"/><boundary ref=\"br\"/></role>\n"
    "<role name=\"management-point\"/><role name=\"distribution-point\"/>\n"
    "<boundary name=\"hq\"><subnet>10.1.0.0/16</subnet></boundary>\n"
    "<boundary name=\"br\"><subnet>10.2.0.0/16</subnet></boundary>\n"
    "<boundary name=\"far\"><subnet>10.3.0.0/16</subnet></boundary>\n"
    "<host name=\"mp1\" roles=\"management-point\"><address>10.0.0.1</address></host>\n"
    "<host name=\"dp1\" roles=\"distribution-point\"><address>10.0.0.2</address></host>\n"
    "<host name=\"dp2\" roles=\"distribution-point\"><address>10.2.0.2</address></host>\n"
    "<host name=\"mp3\" roles=\"management-point\"><address>10.3.0.3</address></host>\n"
    "<boundary-group name=\"bg-hq\"><boundary ref=\"hq\"/>"
    "<site-system host=\"mp1\"/><site-system host=\"dp1\"/>"
    "<fallback group=\"bg-far\"/></boundary-group>\n"
    "<boundary-group name=\"bg-br\"><boundary ref=\"br\"/>"
    "<site-system host=\"dp2\"/>"
    "<fallback group=\"bg-hq\" roles=\"distribution-point management-point\"/>"
    "<fallback group=\"bg-hq\" roles=\"management-point\" never=\"true\"/>"
    "</boundary-group>\n"
    "<boundary-group name=\"bg-far\"><boundary ref=\"far\"/>"
    "<site-system host=\"mp3\"/></boundary-group>\n"
    "<allow from=\"client\" to=\"management-point distribution-point\" "
    "service=\"https\" scope=\"boundary-group\" name=\"c\"/>\n"
    "<gateway name=\"gw\"><interface name=\"a\" boundary=\"hq\"/>"
    "<interface name=\"b\" boundary=\"br\"/>"
    "<interface name=\"c\" boundary=\"far\"/>"
    "<interface name=\"d\" boundary=\"any\"/></gateway>\n"
    "</policy>\n";

static void
test_place_boundary_group_fallback(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f, bg_policy, 0);
	struct fwc_ruleset *rs = fwc_program_find(p, "gw");

	/* hq clients: own mp1 dp1 (behind 'd'), fallback to far's mp3
	 * (behind 'c'). Branch clients: own dp2 (same interface: nothing on
	 * the gateway), fallback to hq for distribution points only (the
	 * never link cancels the management point), and not transitively
	 * to far. */
	assert_string_equal(rules_text(rs),
	    "forward accept ip a>d 10.1.0.0/16 -> 10.0.0.1-10.0.0.2 p6 443-443 (boundary group bg-hq)\n"
	    "forward accept ip a>c 10.1.0.0/16 -> 10.3.0.3 p6 443-443 (boundary group bg-hq, fallback to bg-far)\n"
	    "forward accept ip b>d 10.2.0.0/16 -> 10.0.0.2 p6 443-443 (boundary group bg-br, fallback to bg-hq)\n");
}

static void
test_place_proxy(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f,
	    POLICY_HEAD
	    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
	    "<boundary name=\"dc\"><subnet>10.0.0.0/24</subnet></boundary>\n"
	    "<boundary name=\"dmz\"><subnet>10.9.0.0/24</subnet></boundary>\n"
	    "<host name=\"sup\" proxy=\"px\"><address>10.0.0.5</address></host>\n"
	    "<host name=\"proxy1\"><address>10.9.0.9</address></host>\n"
	    "<proxy name=\"px\" host=\"proxy1\" port=\"8080\"/>\n"
	    "<endpoint name=\"mu\"><fqdn>*.update.microsoft.com</fqdn>"
	    "<fqdn>download.windowsupdate.com</fqdn></endpoint>\n"
	    "<allow from=\"sup\" to=\"mu\" service=\"https\" name=\"u\"/>\n"
	    "<gateway name=\"gw\"><interface name=\"in\" boundary=\"dc\"/>"
	    "<interface name=\"dmz\" boundary=\"dmz\"/>"
	    "<interface name=\"out\" boundary=\"any\"/></gateway>\n"
	    "</policy>\n",
	    0);
	struct fwc_ruleset *rs = fwc_program_find(p, "gw");

	/* The source only reaches the proxy; the proxy reaches any address
	 * on the flow's service since a wildcard name stands for the
	 * endpoint. */
	assert_string_equal(rules_text(rs),
	    "forward accept ip dmz>out 10.9.0.9 -> 0.0.0.0-9.255.255.255 10.0.1.0-10.8.255.255 10.9.1.0-255.255.255.255 p6 443-443 (via proxy px)\n"
	    "forward accept ip in>dmz 10.0.0.5 -> 10.9.0.9 p6 8080-8080 (to proxy px)\n");
}

static void
test_place_wildcard_without_proxy_fails_closed(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f,
	    POLICY_HEAD
	    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
	    "<boundary name=\"dc\"><subnet>10.0.0.0/24</subnet></boundary>\n"
	    "<endpoint name=\"mu\"><fqdn>*.update.microsoft.com</fqdn></endpoint>\n"
	    "<allow from=\"dc\" to=\"mu\" service=\"https\" name=\"u\"/>\n"
	    "<gateway name=\"gw\"><interface name=\"in\" boundary=\"dc\"/>"
	    "<interface name=\"out\" boundary=\"any\"/></gateway>\n"
	    "</policy>\n",
	    0);

	assert_string_equal(rules_text(fwc_program_find(p, "gw")), "");
	assert_string_equal(diag_text(f),
	    "t.xml:5:22: warning: flow 'u' to wildcard endpoint 'mu' has no proxy: left out (route it through a proxy with via=, or give the endpoint addresses)\n");
}

/* References keep no place of their own (flows naming one object share
 * one): a name written twice is located at each of its words. */
static void
test_place_repeated_name_located_at_each_word(void **state)
{
	struct fx *f = *state;

	compile(f,
	    POLICY_HEAD
	    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
	    "<boundary name=\"dc\"><subnet>10.0.0.0/24</subnet></boundary>\n"
	    "<endpoint name=\"mu\"><fqdn>*.update.microsoft.com</fqdn></endpoint>\n"
	    "<allow from=\"dc\" to=\"mu dc  mu\" service=\"https\" name=\"u\"/>\n"
	    "<gateway name=\"gw\"><interface name=\"in\" boundary=\"dc\"/>"
	    "<interface name=\"out\" boundary=\"any\"/></gateway>\n"
	    "</policy>\n",
	    0);
	assert_string_equal(diag_text(f),
	    "t.xml:5:22: warning: flow 'u' to wildcard endpoint 'mu' has no proxy: left out (route it through a proxy with via=, or give the endpoint addresses)\n"
	    "t.xml:5:29: warning: flow 'u' to wildcard endpoint 'mu' has no proxy: left out (route it through a proxy with via=, or give the endpoint addresses)\n");
}

static void
test_sema_errors(void **state)
{
	struct fx *f = *state;

	compile(f,
	    POLICY_HEAD
	    "<service name=\"https\"><port protocol=\"tcp\" port=\"443\"/></service>\n"
	    "<boundary name=\"hq-lan\"><subnet>10.1.2.0/16</subnet></boundary>\n"
	    "<boundary name=\"hq-lan\"><subnet>10.1.0.0/16</subnet></boundary>\n"
	    "<allow from=\"hq-lam\" to=\"any\" service=\"htps\"/>\n"
	    "</policy>\n",
	    -1);
	assert_string_equal(diag_text(f),
	    "t.xml:4:11: error: duplicate name 'hq-lan'\n"
	    "t.xml:3:1: note: 'hq-lan' is first defined here (use override=\"true\" to replace it)\n"
	    "t.xml:3:33: error: bad subnet '10.1.2.0/16': host bits set\n"
	    "t.xml:5:14: error: unknown name 'hq-lam'; did you mean 'hq-lan'?\n"
	    "t.xml:5:40: error: unknown service 'htps'; did you mean 'https'?\n");
}

static void
test_sema_override_and_composition(void **state)
{
	struct fx *f = *state;
	struct fwc_program *p = compile(f,
	    POLICY_HEAD
	    "<service name=\"wsus-http\"><port protocol=\"tcp\" port=\"8530\"/></service>\n"
	    "<service name=\"wsus-http\" override=\"true\"><port protocol=\"tcp\" port=\"80\"/></service>\n"
	    "<service name=\"both\"><service ref=\"wsus-http\"/><port protocol=\"udp\" port=\"53\"/>"
	    "<icmp type=\"echo-request\"/><icmp6 type=\"echo-request\"/></service>\n"
	    "<boundary name=\"a\"><subnet>10.1.0.0/16</subnet><exclude>10.1.128.0/17</exclude>"
	    "<prefix>2001:db8:1:2</prefix></boundary>\n"
	    "<host name=\"h\" firewall=\"on\"><address>10.0.0.1</address>"
	    "<address>2001:db8::1</address></host>\n"
	    "<allow from=\"a\" to=\"h\" service=\"both\"/>\n"
	    "</policy>\n",
	    0);

	assert_string_equal(rules_text(fwc_program_find(p, "h")),
	    "input accept ip *>* 10.1.0.0/17 -> 10.0.0.1 p6 80-80\n"
	    "input accept ip *>* 10.1.0.0/17 -> 10.0.0.1 p17 53-53\n"
	    "input accept ip *>* 10.1.0.0/17 -> 10.0.0.1 p1\n"
	    "input accept ip6 *>* 2001:db8:1:2::/64 -> 2001:db8::1 p6 80-80\n"
	    "input accept ip6 *>* 2001:db8:1:2::/64 -> 2001:db8::1 p17 53-53\n"
	    "input accept ip6 *>* 2001:db8:1:2::/64 -> 2001:db8::1 p58\n");
	assert_string_equal(diag_text(f),
	    "t.xml:3:10: note: service 'wsus-http' overrides the definition at t.xml:2\n"
	    "t.xml:6:7: warning: host 'h' is outside every boundary\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_place_gateway_forward_antispoof, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_place_deny_before_allow_and_input, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_place_host_firewall, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_place_boundary_group_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_place_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_place_wildcard_without_proxy_fails_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_place_repeated_name_located_at_each_word, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_sema_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sema_override_and_composition, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
