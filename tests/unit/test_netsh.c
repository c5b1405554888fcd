/* Unit tests of the netsh backend (backends/netsh.c): rulesets built by
 * hand, exact output text, hostile names that must not escape their
 * quotes, splitting of long lists, and the located errors of the check.
 * Every output also goes through tests/tools/netshcheck.py, our checker
 * of the netsh and cmd.exe subset that fwc writes (skipped with a note
 * when python3 or the checker is missing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"

extern const struct fwc_backend fwc_backend_netsh;

#define MAX_SETS  32
#define MAX_RULES 32
#define CHECKER	  "tests/tools/netshcheck.py"

struct fx {
	struct fwc_arena *a;
	struct fwc_diag dg;
	FILE *diag;
	struct fwc_ruleset *rs;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct fwc_ruleset *rs;

	assert_non_null(fx);
	fx->a = fwc_arena_new();
	fx->diag = tmpfile();
	assert_non_null(fx->diag);
	fwc_diag_init(&fx->dg, fx->diag);
	rs = fwc_arena_alloc(fx->a, sizeof(*rs));
	rs->name = "web01";
	rs->kind = FWC_EP_HOST;
	rs->os = "windows";
	rs->target = "netsh";
	rs->policy = "site";
	rs->loc = (struct fwc_loc){ "site.xml", 10, 3 };
	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_FORWARD] = FWC_ACT_DROP;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_ACCEPT;
	rs->has_chain[FWC_CHAIN_INPUT] = true;
	rs->has_chain[FWC_CHAIN_OUTPUT] = true;
	rs->sets = fwc_arena_alloc(fx->a, MAX_SETS * sizeof(*rs->sets));
	rs->rules = fwc_arena_alloc(fx->a, MAX_RULES * sizeof(*rs->rules));
	fx->rs = rs;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fclose(fx->diag);
	fwc_arena_release(fx->a);
	free(fx);
	return 0;
}

/* Everything written to the diagnostic sink so far. */
static char *
diag_text(struct fx *fx)
{
	long n;
	char *s;

	fflush(fx->diag);
	n = ftell(fx->diag);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(fx->diag);
	assert_int_equal(fread(s, 1, (size_t)n, fx->diag), (size_t)n);
	return s;
}

/* Adds a set of family fam made of the intervals v[0..n). */
static struct fwc_ir_set *
add_set_ivls(struct fx *fx, const char *name, enum fwc_family fam,
    const struct fwc_ivl *v, size_t n)
{
	struct fwc_ir_set *s = fwc_arena_alloc(fx->a, sizeof(*s));
	struct fwc_addrset *as;

	as = fam == FWC_FAM_IP4 ? fwc_addrset_from(fx->a, v, n, NULL, 0)
				: fwc_addrset_from(fx->a, NULL, 0, v, n);
	s->name = name;
	s->family = fam;
	s->v = as->v[fam];
	s->n = as->n[fam];
	s->id = (unsigned int)fx->rs->n_sets;
	assert_true(fx->rs->n_sets < MAX_SETS);
	fx->rs->sets[fx->rs->n_sets++] = s;
	return s;
}

/* Adds a set of family fam made from the addresses, CIDRs and ranges in
 * the NULL-terminated list. */
static struct fwc_ir_set *
add_set(struct fx *fx, const char *name, enum fwc_family fam, ...)
{
	struct fwc_ivl v[16];
	const char *e;
	size_t n = 0;
	va_list ap;

	va_start(ap, fam);
	while ((e = va_arg(ap, const char *)) != NULL) {
		enum fwc_family f;
		const char *why = NULL;
		int rc;

		assert_true(n < 16);
		if (strchr(e, '-') != NULL) {
			rc = fwc_range_parse(e, &f, &v[n], &why);
		} else if (strchr(e, '/') != NULL) {
			rc = fwc_cidr_parse(e, &f, &v[n], &why);
		} else {
			rc = fwc_addr_parse(e, &f, &v[n].lo, &why);
			v[n].hi = v[n].lo;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(f, fam);
		n++;
	}
	va_end(ap);
	return add_set_ivls(fx, name, fam, v, n);
}

/* Adds an accept rule of family fam in chain c from the flow called
 * flow, matching everything. */
static struct fwc_ir_rule *
add_rule(struct fx *fx, enum fwc_chain c, enum fwc_family fam, const char *flow)
{
	struct fwc_ir_rule *r;

	assert_true(fx->rs->n_rules < MAX_RULES);
	r = &fx->rs->rules[fx->rs->n_rules++];
	r->action = FWC_ACT_ACCEPT;
	r->chain = c;
	r->family = fam;
	r->proto = FWC_PROTO_ANY;
	r->origin.flow = flow;
	r->origin.loc =
	    (struct fwc_loc){ "site.xml", (uint32_t)(20 + fx->rs->n_rules), 5 };
	r->origin.from = "a";
	r->origin.to = "b";
	r->origin.service = "any";
	return r;
}

/* A port set from "80,443,8000-8080". */
static struct fwc_portset
ports(struct fx *fx, const char *list)
{
	struct fwc_pivl v[512];
	size_t n = 0;
	char *buf = strdup(list);
	char *save = NULL;
	char *tok;

	assert_non_null(buf);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *why = NULL;

		assert_true(n < 512);
		assert_int_equal(fwc_port_parse(tok, false, &v[n], &why), 0);
		n++;
	}
	free(buf);
	return *fwc_portset_from(fx->a, v, n);
}

static void
set_type(struct fwc_ir_rule *r, unsigned int t)
{
	r->has_types = true;
	r->types[t / 8] |= (uint8_t)(1u << (t % 8));
}

static bool
have_checker(void)
{
	static int known = -1;

	if (known < 0) {
		known = access(CHECKER, R_OK) == 0 &&
			system("command -v python3 >/dev/null 2>&1") == 0;
		if (!known)
			printf("note: python3 or " CHECKER " missing: "
			       "skipping the netshcheck.py checks\n");
	}
	return known;
}

/* Writes text to a new temporary file; returns its name (free it). */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/fwc-test-netsh-XXXXXX");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Runs the checker on text; returns its exit status (0 when skipped).
 * quiet hides its messages. */
static int
run_checker(const char *text, bool quiet)
{
	char cmd[512];
	char *path;
	int rc;

	if (!have_checker())
		return 0;
	path = write_temp(text);
	snprintf(cmd, sizeof(cmd), "python3 " CHECKER " %s%s", path,
	    quiet ? " >/dev/null" : "");
	rc = system(cmd);
	unlink(path);
	free(path);
	return rc;
}

static void
checker_accepts(const char *text)
{
	if (run_checker(text, false) != 0) {
		fprintf(stderr, "netshcheck.py rejected:\n%s", text);
		fail();
	}
}

static char *
emit(struct fx *fx)
{
	const struct fwc_backend *be = fwc_backend_find("netsh");
	struct fwc_strbuf sb;
	struct fwc_strbuf again;
	char *text;

	assert_non_null(be);
	fwc_strbuf_init(&sb);
	fwc_strbuf_init(&again);
	assert_int_equal(be->check(fx->rs, &fx->dg), 0);
	assert_int_equal(be->emit(fx->rs, &sb, &fx->dg), 0);
	assert_int_equal(be->emit(fx->rs, &again, &fx->dg), 0);
	assert_string_equal(sb.buf, again.buf);
	assert_true(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	assert_int_equal(fx->dg.errors, 0);
	fwc_strbuf_release(&again);
	checker_accepts(sb.buf);
	text = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return text;
}

static void
assert_output(struct fx *fx, const char *expect)
{
	char *got = emit(fx);

	if (strcmp(got, expect) != 0)
		fprintf(stderr, "--- got:\n%s--- end\n", got);
	assert_string_equal(got, expect);
	free(got);
}

static size_t
count_str(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

#define HEADER(name, n)                                                        \
	"@echo off\n"                                                          \
	"setlocal DisableDelayedExpansion\n"                                   \
	"rem Generated by fwc " FWC_VERSION " from policy site for host " name \
	".\n"                                                                  \
	"rem Do not edit: fwc rewrites this file from the policy.\n"           \
	"rem Run it as Administrator. It deletes every Windows Firewall "      \
	"rule named fwc,\n"                                                    \
	"rem adds the " n " below and sets the default actions, logging "      \
	"and state\n"                                                          \
	"rem of all profiles: running it again gives the same firewall.\n"     \
	"set fwc_failed=\n"                                                    \
	"fltmc >nul 2>&1\n"                                                    \
	"if errorlevel 1 echo fwc: error: run this script as Administrator\n"  \
	"if errorlevel 1 exit /b 2\n"                                          \
	"netsh advfirewall firewall delete rule name=\"fwc\" >nul 2>&1\n"

#define OK "if errorlevel 1 set fwc_failed=1\n"

#define ADD "netsh advfirewall firewall add rule name=\"fwc\" "
#define END " profile=any enable=yes\n" OK

#define SETTINGS(policy, dropped, allowed)                                      \
	"netsh advfirewall set allprofiles firewallpolicy " policy "\n" OK      \
	"netsh advfirewall set allprofiles logging droppedconnections " dropped \
	"\n" OK                                                                 \
	"netsh advfirewall set allprofiles logging allowedconnections " allowed \
	"\n" OK "netsh advfirewall set allprofiles state on\n" OK               \
	"if defined fwc_failed echo fwc: error: a netsh command failed, "       \
	"the firewall is not as the policy says\n"                              \
	"if defined fwc_failed exit /b 1\n"                                     \
	"exit /b 0\n"

#define ALL4 "0.0.0.0-255.255.255.255"
#define ALL6 "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

static void
test_netsh_minimal_host(void **state)
{
	struct fx *fx = *state;

	assert_output(fx,
	    HEADER("web01", "0 rules")
		SETTINGS("blockinbound,allowoutbound", "disable", "disable"));
}

static void
test_netsh_input_rules(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *lan4 = add_set(fx, "lan", FWC_FAM_IP4, "10.1.0.0/16",
	    "10.2.0.10-10.2.0.250", "10.9.9.9", NULL);
	struct fwc_ir_set *lan6 =
	    add_set(fx, "lan", FWC_FAM_IP6, "2001:db8:1::/48", NULL);
	struct fwc_ir_set *me4 =
	    add_set(fx, "web01", FWC_FAM_IP4, "10.0.0.5", NULL);
	struct fwc_ir_set *me6 =
	    add_set(fx, "web01", FWC_FAM_IP6, "2001:db8::5", NULL);
	struct fwc_ir_set *q4 =
	    add_set(fx, "quarantine", FWC_FAM_IP4, "10.1.66.0/24", NULL);
	struct fwc_ir_rule *r;

	/* Denies first, as the IR orders them. */
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "quarantine");
	r->action = FWC_ACT_DROP;
	r->src = q4;
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "no-smb");
	r->action = FWC_ACT_REJECT;
	r->dst = me4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "445");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "web");
	r->src = lan4;
	r->dst = me4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443,8000-8080");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "web");
	r->src = lan6;
	r->dst = me6;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80,443,8000-8080");
	r->origin.note = "boundary group hq";
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "dhcp");
	r->proto = FWC_PROTO_UDP;
	r->sport = ports(fx, "68");
	r->dport = ports(fx, "67");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "ping");
	r->src = lan4;
	r->proto = FWC_PROTO_ICMP;
	set_type(r, 8);
	set_type(r, 0);
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "icmp6-any");
	r->proto = FWC_PROTO_ICMP6;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "gre");
	r->dst = me6;
	r->proto = 47;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "icmp-any");
	r->proto = FWC_PROTO_ICMP;
	/* An unfiltered output chain holds only denies: still blocked. */
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "no-telnet-out");
	r->action = FWC_ACT_DROP;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "23");

	assert_output(fx, HEADER("web01", "11 rules") ADD
	    "dir=in action=block description=\"quarantine (site.xml:21)\" "
	    "protocol=any remoteip=10.1.66.0/24" END ADD
	    "dir=in action=block description=\"no-smb (site.xml:22)\" "
	    "protocol=tcp localport=445 localip=10.0.0.5" END ADD
	    "dir=in action=allow description=\"web (site.xml:23)\" "
	    "protocol=tcp localport=80,443,8000-8080 "
	    "remoteip=10.1.0.0/16,10.2.0.10-10.2.0.250,10.9.9.9 "
	    "localip=10.0.0.5" END ADD
	    "dir=in action=allow description=\"web (site.xml:24, "
	    "boundary group hq)\" protocol=tcp localport=80,443,8000-8080 "
	    "remoteip=2001:db8:1::/48 localip=2001:db8::5" END ADD
	    "dir=in action=allow description=\"dhcp (site.xml:25)\" "
	    "protocol=udp localport=67 remoteport=68 remoteip=" ALL4 END ADD
	    "dir=in action=allow description=\"ping (site.xml:26)\" "
	    "protocol=icmpv4:0,any "
	    "remoteip=10.1.0.0/16,10.2.0.10-10.2.0.250,10.9.9.9" END ADD
	    "dir=in action=allow description=\"ping (site.xml:26)\" "
	    "protocol=icmpv4:8,any "
	    "remoteip=10.1.0.0/16,10.2.0.10-10.2.0.250,10.9.9.9" END ADD
	    "dir=in action=allow description=\"icmp6-any (site.xml:27)\" "
	    "protocol=icmpv6 remoteip=" ALL6 END ADD
	    "dir=in action=allow description=\"gre (site.xml:28)\" "
	    "protocol=47 localip=2001:db8::5" END ADD
	    "dir=in action=allow description=\"icmp-any (site.xml:29)\" "
	    "protocol=icmpv4 remoteip=" ALL4 END ADD
	    "dir=out action=block description=\"no-telnet-out "
	    "(site.xml:30)\" protocol=tcp remoteport=23 remoteip=" ALL4 END
		SETTINGS("blockinbound,allowoutbound", "enable", "disable"));
}

static void
test_netsh_filtered_output(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	struct fwc_ir_set *me4 =
	    add_set(fx, "web01", FWC_FAM_IP4, "10.0.0.5", NULL);
	struct fwc_ir_set *dns4 =
	    add_set(fx, "dns", FWC_FAM_IP4, "10.0.0.53", NULL);
	struct fwc_ir_set *web6 =
	    add_set(fx, "web", FWC_FAM_IP6, "2001:db8:80::/64", NULL);
	struct fwc_ir_rule *r;

	rs->chain_default[FWC_CHAIN_INPUT] = FWC_ACT_REJECT;
	rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_DROP;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "no-smtp");
	r->action = FWC_ACT_REJECT;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "25");
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "dns-out");
	r->src = me4;
	r->dst = dns4;
	r->proto = FWC_PROTO_UDP;
	r->dport = ports(fx, "53");
	r->log = true;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "https-out");
	r->dst = web6;
	r->proto = FWC_PROTO_TCP;
	r->sport = ports(fx, "1024-65535");
	r->dport = ports(fx, "443");

	assert_output(fx, HEADER("web01", "3 rules") ADD
	    "dir=out action=block description=\"no-smtp (site.xml:21)\" "
	    "protocol=tcp remoteport=25 remoteip=" ALL6 END ADD
	    "dir=out action=allow description=\"dns-out (site.xml:22)\" "
	    "protocol=udp remoteport=53 remoteip=10.0.0.53 "
	    "localip=10.0.0.5" END ADD
	    "dir=out action=allow description=\"https-out "
	    "(site.xml:23)\" protocol=tcp localport=1024-65535 "
	    "remoteport=443 remoteip=2001:db8:80::/64" END SETTINGS(
		"blockinbound,blockoutbound", "disable", "enable"));
}

/* Text from the policy can hold anything the XML parser lets through;
 * none of it may end a quoted value, start a command, expand a variable
 * or continue a line. */
static void
test_netsh_hostile_text(void **state)
{
	struct fx *fx = *state;
	struct fwc_ruleset *rs = fx->rs;
	static const char *const flows[] = {
		"a\" & del C:\\ & \"",
		"%PATH%",
		"^",
		"!x!",
		"line1\nline2\r\nline3",
		"$(reboot)",
		"x | format C: > nul < con",
		"%%~dp0\" \"&calc",
	};
	struct fwc_ir_rule *r;
	char *got;
	char *p;
	size_t i;

	rs->policy = "p\" & shutdown /s & \"";
	rs->name = "%COMSPEC%^\n!x!";
	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, flows[i]);
		r->proto = FWC_PROTO_TCP;
		r->dport = ports(fx, "80");
	}
	r->origin.loc.file = "evil\"&calc&\".xml";
	r->origin.note = "via proxy \"|calc";
	got = emit(fx);
	/* The whole script, exactly, for the first and the last flows. */
	assert_non_null(
	    strstr(got, "rem Generated by fwc " FWC_VERSION " from policy "
			"p_ _ shutdown /s _ _ for host _COMSPEC____x_.\n"));
	assert_non_null(strstr(got,
	    "netsh advfirewall firewall add rule name=\"fwc\" dir=in "
	    "action=allow description=\"a_ _ del C:_ _ _ (site.xml:21)\" "
	    "protocol=tcp localport=80 remoteip=" ALL4
	    " profile=any enable=yes\n"));
	assert_non_null(strstr(got, "description=\"_PATH_ (site.xml:22)\""));
	assert_non_null(strstr(got, "description=\"_ (site.xml:23)\""));
	assert_non_null(strstr(got, "description=\"_x_ (site.xml:24)\""));
	assert_non_null(
	    strstr(got, "description=\"line1_line2__line3 (site.xml:25)\""));
	assert_non_null(strstr(got, "description=\"__reboot_ (site.xml:26)\""));
	assert_non_null(strstr(
	    got, "description=\"x _ format C: _ nul _ con (site.xml:27)\""));
	assert_non_null(
	    strstr(got, "description=\"___dp0_ __calc (evil__calc__.xml:28, "
			"via proxy __calc)\""));
	/* Nothing dangerous anywhere: quotes only around the rule name and
	 * descriptions, no '%', '!', '^', '|', '<' and no '&' or '>' but in
	 * the fixed redirections. */
	for (p = got; *p != '\0'; p++) {
		assert_true(*p == '\n' || (*p >= 32 && *p < 127));
		assert_true(strchr("%!^|<$\\", *p) == NULL);
	}
	assert_int_equal(count_str(got, "&"), 2);
	assert_int_equal(count_str(got, "2>&1"), 2);
	assert_int_equal(count_str(got, "\""), 2 * (1 + 2 * 8));
	assert_int_equal(count_str(got, "\n"), 12 + 2 * 8 + 11);
	free(got);
}

/* An unnamed flow is called by its place; the place is not repeated. */
static void
test_netsh_descriptions(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_rule *r;
	char *got;

	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "site.xml:21");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "site.xml:22");
	r->origin.note = "reverse direction";
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, NULL);
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "");
	r->origin.loc.file = NULL;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "named");
	r->origin.loc.file = NULL;
	r->origin.note = "via proxy p";
	got = emit(fx);
	assert_non_null(strstr(got, "description=\"site.xml:21\" "));
	assert_non_null(
	    strstr(got, "description=\"site.xml:22, reverse direction\" "));
	assert_non_null(strstr(got, "description=\"site.xml:23\" "));
	assert_non_null(strstr(got, "description=\"policy rule\" "));
	assert_non_null(strstr(got, "description=\"named (via proxy p)\" "));
	free(got);
}

/* Long lists are cut into rules of at most 1,000 addresses and a few
 * thousand characters, and the cut rules together cover the same
 * packets: the cross product of the pieces. */
static void
test_netsh_long_lists(void **state)
{
	struct fx *fx = *state;
	struct fwc_ivl *v4 = calloc(2500, sizeof(*v4));
	struct fwc_ivl *v6 = calloc(100, sizeof(*v6));
	struct fwc_strbuf pl;
	struct fwc_ir_set *big4;
	struct fwc_ir_set *big6;
	struct fwc_ir_rule *r;
	char *got;
	char *line;
	char *save = NULL;
	size_t lines = 0;
	size_t addrs = 0;
	size_t i;

	assert_non_null(v4);
	assert_non_null(v6);
	for (i = 0; i < 2500; i++) {
		v4[i].lo.lo = 0x0a000000u + 2 * (uint64_t)i;
		v4[i].hi = v4[i].lo;
	}
	/* Ranges that are not prefixes: about 80 characters each. */
	for (i = 0; i < 100; i++) {
		v6[i].lo.hi = 0x20010db812345678u;
		v6[i].lo.lo = 0x9abcdef012340001u + ((uint64_t)i << 16);
		v6[i].hi.hi = v6[i].lo.hi;
		v6[i].hi.lo = v6[i].lo.lo + 0xfffd;
	}
	big4 = add_set_ivls(fx, "big", FWC_FAM_IP4, v4, 2500);
	big6 = add_set_ivls(fx, "big", FWC_FAM_IP6, v6, 100);
	assert_int_equal(big4->n, 2500);
	assert_int_equal(big6->n, 100);
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "big4");
	r->src = big4;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "80");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, "big6");
	r->src = big6;
	r->proto = FWC_PROTO_UDP;
	/* 300 separate ports of 5 digits: 3 pieces of at most 800
	 * characters. */
	fwc_strbuf_init(&pl);
	for (i = 0; i < 300; i++)
		fwc_strbuf_addf(&pl, "%s%zu", i ? "," : "", 10000 + 2 * i);
	r->dport = ports(fx, pl.buf);
	fwc_strbuf_release(&pl);

	got = emit(fx);
	/* 2500 addresses of 9 to 11 characters: 5 pieces of at most 5,800
	 * characters; 100 ranges of 79 characters: 2 pieces, times 3
	 * pieces of ports. */
	assert_int_equal(count_str(got, "description=\"big4 "), 5);
	assert_int_equal(count_str(got, "description=\"big6 "), 6);
	for (line = strtok_r(got, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *rip = strstr(line, "remoteip=");
		const char *lp = strstr(line, "localport=");

		assert_true(strlen(line) + 2 < 8191);
		lines++;
		if (rip != NULL) {
			size_t len = strcspn(rip + 9, " ");
			size_t n = 1;

			assert_true(len <= 5800);
			for (i = 0; i < len; i++)
				n += rip[9 + i] == ',';
			assert_true(n <= 1000);
			if (strstr(line, "big4") != NULL)
				addrs += n;
		}
		if (lp != NULL)
			assert_true(strcspn(lp + 10, " ") <= 800);
	}
	assert_int_equal(addrs, 2500);
	assert_true(lines > 9);
	free(got);
	free(v4);
	free(v6);
}

/* The longest line fwc can write: every text at its limit, both address
 * lists and both port lists full. */
static void
test_netsh_longest_line(void **state)
{
	struct fx *fx = *state;
	struct fwc_ivl v6[100];
	struct fwc_strbuf pl;
	struct fwc_strbuf big;
	struct fwc_ir_set *local;
	struct fwc_ir_set *remote;
	struct fwc_ir_rule *r;
	char *got;
	char *line;
	char *save = NULL;
	size_t longest = 0;
	size_t i;

	for (i = 0; i < 100; i++) {
		v6[i].lo.hi = 0x20010db8ffffffffu;
		v6[i].lo.lo = 0xffffffff00000001u + ((uint64_t)i << 16);
		v6[i].hi.hi = v6[i].lo.hi;
		v6[i].hi.lo = v6[i].lo.lo + 0xfffd;
	}
	local = add_set_ivls(fx, "local", FWC_FAM_IP6, v6, 100);
	for (i = 0; i < 100; i++) {
		v6[i].lo.hi = 0x20010db8eeeeeeeeu;
		v6[i].hi.hi = v6[i].lo.hi;
	}
	remote = add_set_ivls(fx, "remote", FWC_FAM_IP6, v6, 100);
	fwc_strbuf_init(&pl);
	for (i = 0; i < 400; i++)
		fwc_strbuf_addf(&pl, "%s%zu-%zu", i ? "," : "", 10000 + 3 * i,
		    10001 + 3 * i);
	fwc_strbuf_init(&big);
	for (i = 0; i < 400; i++)
		fwc_strbuf_addc(&big, (char)('a' + i % 26));
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP6, big.buf);
	r->origin.loc.file = big.buf;
	r->origin.note = big.buf;
	r->src = remote;
	r->dst = local;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, pl.buf);
	r->sport = ports(fx, pl.buf);
	got = emit(fx);
	/* The flow and the note keep their start, the file its end. */
	fwc_strbuf_reset(&pl);
	fwc_strbuf_addf(&pl, "description=\"%.128s (...%s:21, %.96s)\" ",
	    big.buf, big.buf + 400 - 128, big.buf);
	assert_non_null(strstr(got, pl.buf));
	for (line = strtok_r(got, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > longest)
			longest = strlen(line);
	assert_true(longest > 7000);
	assert_true(longest + 2 < 8191);
	free(got);
	fwc_strbuf_release(&pl);
	fwc_strbuf_release(&big);
}

/* A rule on an empty set matches nothing, and gives no netsh rule (no
 * remoteip= at all would match everything). */
static void
test_netsh_empty_set(void **state)
{
	struct fx *fx = *state;
	struct fwc_ir_set *none = add_set(fx, "none", FWC_FAM_IP4, NULL);
	struct fwc_ir_rule *r;

	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "nothing");
	r->src = none;
	assert_output(fx,
	    HEADER("web01", "0 rules")
		SETTINGS("blockinbound,allowoutbound", "disable", "disable"));
}

static void
test_netsh_check_gateway(void **state)
{
	struct fx *fx = *state;
	const struct fwc_backend *be = fwc_backend_find("netsh");
	struct fwc_strbuf sb;
	char *text;

	fx->rs->kind = FWC_EP_GATEWAY;
	fx->rs->name = "gw-\"core\"";
	fx->rs->has_chain[FWC_CHAIN_FORWARD] = true;
	fwc_strbuf_init(&sb);
	assert_int_equal(be->check(fx->rs, &fx->dg), -1);
	assert_int_equal(be->emit(fx->rs, &sb, &fx->dg), -1);
	assert_int_equal(sb.len, 0);
	text = diag_text(fx);
	assert_string_equal(text,
	    "site.xml:10:3: error: target 'netsh' cannot configure gateway "
	    "'gw-_core_': netsh only configures the firewall of the Windows "
	    "host it runs on\n"
	    "site.xml:10:3: error: target 'netsh' cannot configure gateway "
	    "'gw-_core_': netsh only configures the firewall of the Windows "
	    "host it runs on\n");
	free(text);
	fwc_strbuf_release(&sb);
}

static void
test_netsh_check_inexpressible(void **state)
{
	struct fx *fx = *state;
	const struct fwc_backend *be = fwc_backend_find("netsh");
	static const char *const names[] = { "updates.vendor.example",
		"licence.vendor.example" };
	static const char *const one[] = { "api.partner.example" };
	struct fwc_ir_set *vendor = add_set(fx, "vendor", FWC_FAM_IP4, NULL);
	struct fwc_ir_set *partner =
	    add_set(fx, "partner", FWC_FAM_IP6, "2001:db8:ff::/64", NULL);
	struct fwc_ir_rule *r;
	struct fwc_strbuf sb;
	char *text;

	vendor->fqdns = names;
	vendor->n_fqdns = 2;
	partner->fqdns = one;
	partner->n_fqdns = 1;
	fx->rs->chain_default[FWC_CHAIN_OUTPUT] = FWC_ACT_DROP;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "to-vendor");
	r->dst = vendor;
	r->proto = FWC_PROTO_TCP;
	r->dport = ports(fx, "443");
	/* The same set again: reported once. */
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP4, "to-vendor-http");
	r->dst = vendor;
	r = add_rule(fx, FWC_CHAIN_OUTPUT, FWC_FAM_IP6, "to-partner");
	r->dst = partner;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "sip");
	r->proto = 132;
	r->dport = ports(fx, "5060");
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "sctp-any");
	r->proto = 132;
	r = add_rule(fx, FWC_CHAIN_INPUT, FWC_FAM_IP4, "on-eth0");
	r->iif = "eth0";
	fwc_strbuf_init(&sb);
	assert_int_equal(be->check(fx->rs, &fx->dg), -1);
	text = diag_text(fx);
	assert_string_equal(text,
	    "site.xml:21:5: error: target 'netsh' cannot express DNS names "
	    "(set 'vendor' holds 'updates.vendor.example' and others); use "
	    "--resolve\n"
	    "site.xml:23:5: error: target 'netsh' cannot express DNS names "
	    "(set 'partner' holds 'api.partner.example'); use --resolve\n"
	    "site.xml:24:5: error: target 'netsh' cannot express ports of "
	    "protocol 'sctp' (only of tcp and udp)\n"
	    "site.xml:26:5: error: target 'netsh' cannot express interface "
	    "matches\n");
	free(text);
	/* emit refuses too, and writes nothing. */
	assert_int_equal(be->emit(fx->rs, &sb, &fx->dg), -1);
	assert_int_equal(sb.len, 0);
	fwc_strbuf_release(&sb);
}

/* The checker is live: it rejects what must never be written. */
static void
test_netsh_checker_rejects(void **state)
{
	static const char *const bad[] = {
		/* An added name that was not deleted first. */
		"@echo off\nsetlocal DisableDelayedExpansion\n"
		"netsh advfirewall firewall add rule name=\"x\" dir=in "
		"action=allow\n",
		/* A quote that ends the description early. */
		"@echo off\nsetlocal DisableDelayedExpansion\n"
		"netsh advfirewall firewall delete rule name=\"fwc\"\n"
		"netsh advfirewall firewall add rule name=\"fwc\" dir=in "
		"action=allow description=\"a\" & del C:\\ & \"\"\n",
		/* A variable. */
		"@echo off\nsetlocal DisableDelayedExpansion\n"
		"rem %PATH%\n"
		"netsh advfirewall set allprofiles state on\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (have_checker())
			assert_int_not_equal(run_checker(bad[i], true), 0);
}

static void
test_netsh_backend_table(void **state)
{
	const struct fwc_backend *be;

	(void)state;
	be = fwc_backend_find("netsh");
	assert_non_null(be);
	assert_ptr_equal(be, &fwc_backend_netsh);
	assert_int_equal(be->abi, FWC_BACKEND_ABI);
	assert_string_equal(be->name, "netsh");
	assert_int_equal(be->caps, FWC_CAP_IPV6 | FWC_CAP_LOG);
	assert_non_null(be->check);
	assert_non_null(be->emit);
	assert_null(be->apply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_netsh_minimal_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_input_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_filtered_output, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_hostile_text, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_descriptions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_long_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_longest_line, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_empty_set, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_check_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_netsh_check_inexpressible, setup, teardown),
		cmocka_unit_test(test_netsh_checker_rejects),
		cmocka_unit_test(test_netsh_backend_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
