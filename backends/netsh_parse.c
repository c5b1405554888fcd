/* Reads a netsh script written by backends/netsh.c back into a ruleset
 * (the .parse hook of the netsh backend), for `fwc verify` and the
 * round-trip and injection tests.
 *
 * Windows Firewall does not evaluate rules in order: a block rule wins
 * over every allow rule, whatever their order, and a connection that no
 * rule matches gets the profile's default. The first-match form is
 * therefore [every block rule] + [every allow rule] + the defaults that
 * `set allprofiles firewallpolicy` gives (inbound is the input chain,
 * outbound the output chain). `dir=in` rules match remoteip/remoteport
 * as source and localip/localport as destination, `dir=out` rules the
 * other way round. Block cannot say reject: a block rule is a drop.
 *
 * Every line must be one the backend writes: the cmd.exe scaffolding
 * lines are matched exactly, `add rule` lines key by key; anything else,
 * and any cmd.exe metacharacter (% ^ & | < > !) outside the fixed lines,
 * is a located error. */
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

#define ADD_RULE "netsh advfirewall firewall add rule "
#define SET_ALL	 "netsh advfirewall set allprofiles "

static const char *const fixed_lines[] = {
	"@echo off",
	"setlocal DisableDelayedExpansion",
	"set fwc_failed=",
	"fltmc >nul 2>&1",
	"if errorlevel 1 echo fwc: error: run this script as Administrator",
	"if errorlevel 1 exit /b 2",
	"netsh advfirewall firewall delete rule name=\"fwc\" >nul 2>&1",
	"if errorlevel 1 set fwc_failed=1",
	"netsh advfirewall set allprofiles logging droppedconnections enable",
	"netsh advfirewall set allprofiles logging droppedconnections disable",
	"netsh advfirewall set allprofiles logging allowedconnections enable",
	"netsh advfirewall set allprofiles logging allowedconnections disable",
	"netsh advfirewall set allprofiles state on",
	"if defined fwc_failed echo fwc: error: a netsh command failed, the "
	"firewall is not as the policy says",
	"if defined fwc_failed exit /b 1",
	"exit /b 0",
};

struct nsp {
	struct fwc_pctx *p;
	struct fwc_ir_rule *block; /* arena vectors */
	size_t n_block;
	size_t cap_block;
	struct fwc_ir_rule *allow;
	size_t n_allow;
	size_t cap_allow;
	bool have_policy;
	unsigned long n_sets;
};

/* Parses "a,b-c,d/len" of addresses; fam receives their one family. */
static int
addr_list(struct nsp *x, const char *v, uint32_t col, enum fwc_family *fam,
    const struct fwc_ir_set **out)
{
	struct fwc_ivl *iv;
	size_t n = 1;
	size_t k = 0;
	char *copy = fwc_arena_strdup(x->p->a, v);
	char *save = NULL;
	bool have_fam = false;
	char name[32];

	for (const char *s = v; *s != '\0'; s++)
		n += *s == ',';
	iv = fwc_arena_alloc(x->p->a, n * sizeof(*iv));
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		enum fwc_family f;
		const char *why;

		if (fwc_pctx_addr_ivl(t, &f, &iv[k], &why) < 0) {
			fwc_pctx_error(x->p, x->p->line, col,
			    "bad address '%s': %s", t, why);
			return -1;
		}
		if (have_fam && f != *fam) {
			fwc_pctx_error(x->p, x->p->line, col,
			    "addresses of both families in one list");
			return -1;
		}
		*fam = f;
		have_fam = true;
		k++;
	}
	if (k == 0) {
		fwc_pctx_error(x->p, x->p->line, col, "empty address list");
		return -1;
	}
	snprintf(name, sizeof(name), "s%lu", x->n_sets++);
	*out = fwc_pctx_add_set(x->p, name, *fam, iv, k, NULL);
	return 0;
}

static int
port_list(struct nsp *x, const char *v, uint32_t col, struct fwc_portset *out)
{
	struct fwc_pivl *pv;
	size_t n = 1;
	size_t k = 0;
	char *copy = fwc_arena_strdup(x->p->a, v);
	char *save = NULL;

	for (const char *s = v; *s != '\0'; s++)
		n += *s == ',';
	pv = fwc_arena_alloc(x->p->a, n * sizeof(*pv));
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(t, '-');
		long lo;
		long hi;

		if (dash != NULL)
			*dash = '\0';
		lo = fwc_pctx_port(t);
		hi = dash != NULL ? fwc_pctx_port(dash + 1) : lo;
		if (lo < 0 || hi < 0 || lo > hi) {
			fwc_pctx_error(
			    x->p, x->p->line, col, "bad port list '%s'", v);
			return -1;
		}
		pv[k++] = (struct fwc_pivl){ (uint16_t)lo, (uint16_t)hi };
	}
	if (k == 0) {
		fwc_pctx_error(x->p, x->p->line, col, "empty port list");
		return -1;
	}
	*out = fwc_pctx_ports(x->p, pv, k);
	return 0;
}

/* protocol=tcp|udp|any|N|icmpv4[:T,any]|icmpv6[:T,any] */
static int
protocol(struct nsp *x, const char *v, uint32_t col, struct fwc_ir_rule *r,
    unsigned int *fams)
{
	bool v6 = strncmp(v, "icmpv6", 6) == 0;

	if (strncmp(v, "icmpv4", 6) == 0 || v6) {
		const char *t = v + 6;

		r->proto = v6 ? FWC_PROTO_ICMP6 : FWC_PROTO_ICMP;
		*fams &= 1u << (v6 ? FWC_FAM_IP6 : FWC_FAM_IP4);
		if (*t == '\0')
			return 0;
		if (*t == ':') {
			char buf[8];
			const char *comma = strchr(t, ',');
			long type;

			if (comma != NULL && strcmp(comma, ",any") == 0 &&
			    (size_t)(comma - t - 1) < sizeof(buf)) {
				memcpy(buf, t + 1, (size_t)(comma - t - 1));
				buf[comma - t - 1] = '\0';
				type = fwc_pctx_port(buf);
				if (type >= 0 && type <= 255) {
					r->has_types = true;
					r->types[type / 8] |=
					    (uint8_t)(1u << (type % 8));
					return 0;
				}
			}
		}
		fwc_pctx_error(x->p, x->p->line, col,
		    "expected 'TYPE,any' after '%.6s:', found '%s'", v, v);
		return -1;
	}
	if (strcmp(v, "any") == 0)
		return 0;
	r->proto = fwc_proto_parse(v);
	if (r->proto < 0) {
		fwc_pctx_error(
		    x->p, x->p->line, col, "unknown protocol '%s'", v);
		return -1;
	}
	return 0;
}

/* One "add rule" line, after the command words. */
static void
add_rule(struct nsp *x, char *s, uint32_t col0)
{
	struct fwc_pctx *p = x->p;
	struct fwc_ir_rule r;
	const struct fwc_ir_set *rip = NULL;
	const struct fwc_ir_set *lip = NULL;
	enum fwc_family rfam = FWC_FAM_IP4;
	enum fwc_family lfam = FWC_FAM_IP4;
	struct fwc_portset lport = { NULL, 0 };
	struct fwc_portset rport = { NULL, 0 };
	unsigned int fams = (1u << FWC_FAM_IP4) | (1u << FWC_FAM_IP6);
	int dir = -1;
	int act = -1;
	bool named = false;
	char *b = s;

	fwc_pctx_rule_init(p, &r, p->line);
	while (*s != '\0') {
		uint32_t col = col0 + (uint32_t)(s - b);
		char *key = s;
		char *val;
		char *eq;
		char *sp;

		if (*s == ' ') {
			s++;
			continue;
		}
		eq = strchr(s, '=');
		sp = strchr(s, ' ');
		if (eq == NULL || (sp != NULL && sp < eq)) {
			fwc_pctx_error(p, p->line, col, "expected KEY=VALUE");
			return;
		}
		*eq = '\0';
		val = eq + 1;
		if (*val == '"') {
			char *end = strchr(val + 1, '"');

			if (end == NULL) {
				fwc_pctx_error(
				    p, p->line, col, "unterminated string");
				return;
			}
			val++;
			*end = '\0';
			s = end + 1;
			if (*s != '\0' && *s != ' ') {
				fwc_pctx_error(p, p->line, col,
				    "expected a space after a string");
				return;
			}
		} else {
			s = val + strcspn(val, " ");
			if (*s != '\0')
				*s++ = '\0';
		}
		if (strcmp(key, "name") == 0) {
			named = strcmp(val, "fwc") == 0;
			if (!named) {
				fwc_pctx_error(p, p->line, col,
				    "rule name '%s' is not 'fwc'", val);
				return;
			}
		} else if (strcmp(key, "dir") == 0 &&
			   (strcmp(val, "in") == 0 ||
			       strcmp(val, "out") == 0)) {
			dir =
			    val[0] == 'i' ? FWC_CHAIN_INPUT : FWC_CHAIN_OUTPUT;
		} else if (strcmp(key, "action") == 0 &&
			   (strcmp(val, "allow") == 0 ||
			       strcmp(val, "block") == 0)) {
			act = val[0] == 'a' ? FWC_ACT_ACCEPT : FWC_ACT_DROP;
		} else if (strcmp(key, "description") == 0) {
			size_t n = strlen(val);
			char *open = strstr(val, " (");

			/* "flow (file:line[, note])" or "file:line" */
			if (open != NULL && n > 0 && val[n - 1] == ')')
				r.origin.flow = fwc_arena_strndup(
				    p->a, val, (size_t)(open - val));
			else
				r.origin.flow = fwc_arena_strdup(p->a, val);
		} else if (strcmp(key, "protocol") == 0) {
			if (protocol(x, val, col, &r, &fams) < 0)
				return;
		} else if (strcmp(key, "localport") == 0) {
			if (port_list(x, val, col, &lport) < 0)
				return;
		} else if (strcmp(key, "remoteport") == 0) {
			if (port_list(x, val, col, &rport) < 0)
				return;
		} else if (strcmp(key, "remoteip") == 0) {
			if (addr_list(x, val, col, &rfam, &rip) < 0)
				return;
			fams &= 1u << rfam;
		} else if (strcmp(key, "localip") == 0) {
			if (addr_list(x, val, col, &lfam, &lip) < 0)
				return;
			fams &= 1u << lfam;
		} else if ((strcmp(key, "profile") == 0 &&
			       strcmp(val, "any") == 0) ||
			   (strcmp(key, "enable") == 0 &&
			       strcmp(val, "yes") == 0)) {
			continue;
		} else {
			fwc_pctx_error(p, p->line, col,
			    "unexpected '%s=%s' in a netsh rule", key, val);
			return;
		}
	}
	if (!named || dir < 0 || act < 0) {
		fwc_pctx_error(p, p->line, col0,
		    "a rule needs name=\"fwc\", dir= and action=");
		return;
	}
	if ((lport.n > 0 || rport.n > 0) && r.proto != FWC_PROTO_TCP &&
	    r.proto != FWC_PROTO_UDP) {
		fwc_pctx_error(p, p->line, col0, "ports without tcp or udp");
		return;
	}
	if (fams == 0) {
		fwc_pctx_error(p, p->line, col0,
		    "rule matches no packet: conditions of both families");
		return;
	}
	r.chain = (enum fwc_chain)dir;
	r.action = (enum fwc_action)act;
	r.src = dir == FWC_CHAIN_INPUT ? rip : lip;
	r.dst = dir == FWC_CHAIN_INPUT ? lip : rip;
	r.dport = dir == FWC_CHAIN_INPUT ? lport : rport;
	r.sport = dir == FWC_CHAIN_INPUT ? rport : lport;
	for (int f = 0; f < FWC_FAM_NR; f++) {
		if (!(fams & (1u << f)))
			continue;
		r.family = (enum fwc_family)f;
		if (act == FWC_ACT_DROP)
			FWC_VEC_PUSH(
			    p->a, x->block, x->n_block, x->cap_block, r);
		else
			FWC_VEC_PUSH(
			    p->a, x->allow, x->n_allow, x->cap_allow, r);
	}
}

static void
set_policy(struct nsp *x, const char *v, uint32_t col)
{
	struct fwc_ruleset *rs = x->p->rs;
	const char *comma = strchr(v, ',');

	if (comma != NULL &&
	    (strncmp(v, "blockinbound,", 13) == 0 ||
		strncmp(v, "allowinbound,", 13) == 0) &&
	    (strcmp(comma + 1, "blockoutbound") == 0 ||
		strcmp(comma + 1, "allowoutbound") == 0)) {
		rs->chain_default[FWC_CHAIN_INPUT] =
		    v[0] == 'b' ? FWC_ACT_DROP : FWC_ACT_ACCEPT;
		rs->chain_default[FWC_CHAIN_OUTPUT] =
		    comma[1] == 'b' ? FWC_ACT_DROP : FWC_ACT_ACCEPT;
		x->have_policy = true;
		return;
	}
	fwc_pctx_error(x->p, x->p->line, col,
	    "expected 'blockinbound|allowinbound,blockoutbound|allowoutbound', "
	    "found '%s'",
	    v);
}

int
fwc_netsh_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg)
{
	struct fwc_pctx p;
	struct nsp x;
	char *line;

	fwc_pctx_init(&p, a, file, text, len, out, dg);
	memset(&x, 0, sizeof(x));
	x.p = &p;
	out->name = p.file;
	out->kind = FWC_EP_HOST;
	out->os = "windows";
	out->target = "netsh";
	out->has_chain[FWC_CHAIN_INPUT] = true;
	out->has_chain[FWC_CHAIN_OUTPUT] = true;
	while ((line = fwc_pctx_next_line(&p)) != NULL && !dg->stopped) {
		size_t i;
		size_t bad;

		for (i = 0; i < FWC_ARRAY_SIZE(fixed_lines); i++)
			if (strcmp(line, fixed_lines[i]) == 0)
				break;
		if (i < FWC_ARRAY_SIZE(fixed_lines) || line[0] == '\0')
			continue;
		bad = strcspn(line, "%^&|<>!");
		if (line[bad] != '\0') {
			fwc_pctx_error(&p, p.line, (uint32_t)bad + 1,
			    "cmd.exe metacharacter '%c' outside the fixed "
			    "lines",
			    line[bad]);
			continue;
		}
		if (strcmp(line, "rem") == 0 || strncmp(line, "rem ", 4) == 0)
			continue;
		if (strncmp(line, ADD_RULE, strlen(ADD_RULE)) == 0) {
			add_rule(&x, line + strlen(ADD_RULE),
			    (uint32_t)strlen(ADD_RULE) + 1);
			continue;
		}
		if (strncmp(line, SET_ALL "firewallpolicy ",
			strlen(SET_ALL "firewallpolicy ")) == 0) {
			set_policy(&x, line + strlen(SET_ALL "firewallpolicy "),
			    (uint32_t)strlen(SET_ALL "firewallpolicy ") + 1);
			continue;
		}
		fwc_pctx_error(
		    &p, p.line, 1, "unexpected line in a netsh script");
	}
	if (!x.have_policy && p.errors == 0)
		fwc_pctx_error(&p, p.line + 1, 1,
		    "no 'set allprofiles firewallpolicy' line");
	/* Block beats allow: blocks first. */
	for (size_t i = 0; i < x.n_block; i++)
		fwc_pctx_add_rule(&p, &x.block[i]);
	for (size_t i = 0; i < x.n_allow; i++)
		fwc_pctx_add_rule(&p, &x.allow[i]);
	return fwc_pctx_finish(&p);
}
