/* `fwc verify POLICY (--gateway N | --host N) (-t TARGET FILE | --live)`:
 * reads a backend's output back with that backend's parser and proves it
 * equal to the policy's ruleset for the enforcement point (verify.c), or
 * prints a counterexample packet with the deciding flow on the policy side
 * and the responsible line of the output. -t nft also reads `nft -j`
 * JSON (recognised by its first character, or forced with -t nft-json),
 * through its translation into nft text (backends/nft_json_parse.c).
 * --live reads `nft list table inet fwc`. Exit 0 equal, 1 different or
 * unreadable output, 2 usage, 3 system. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/cli.h"
#include "fwc/diag.h"
#include "fwc/policy.h"
#include "fwc/strbuf.h"
#include "parsers.h"
#include "region.h"
#include "verify.h"

const struct fwc_command fwc_cmd_verify;

static char *
read_fd(int fd, size_t *len)
{
	struct fwc_strbuf sb;
	char buf[65536];
	ssize_t n;
	char *r;

	fwc_strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fwc_strbuf_release(&sb);
			return NULL;
		}
		fwc_strbuf_addn(&sb, buf, (size_t)n);
	}
	r = fwc_strbuf_detach(&sb, len);
	/* detach re-initialises sb. */
	fwc_strbuf_release(&sb);
	return r;
}

static char *
read_live(size_t *len)
{
	int fd[2];
	pid_t pid;
	char *r;
	int st;

	if (pipe(fd) < 0)
		return NULL;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp(
		    "nft", "nft", "list", "table", "inet", "fwc", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	r = read_fd(fd[0], len);
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

/* Prints line n (1-based) of text. */
static void
print_line(const char *text, size_t len, uint32_t n)
{
	const char *p = text;
	const char *end = text + len;
	const char *nl;

	for (uint32_t i = 1; i < n && p < end; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	printf("    %.*s\n", (int)((nl ? nl : end) - p), p);
}

/* The nft form of the JSON rule at line:col of the JSON. */
static void
print_json_rule(const struct fwc_nft_json_text *jt, uint32_t line, uint32_t col)
{
	for (size_t i = 0; i < jt->n_lines; i++) {
		const char *t = jt->lines[i].text;

		if (jt->lines[i].line != line || jt->lines[i].col != col ||
		    strncmp(t, "\t\t", 2) != 0)
			continue;
		printf("    %s\n", t + 2);
		return;
	}
}

static void
report(const struct fwc_ruleset *ir, const struct fwc_ruleset *got,
    const struct fwc_verify_result *r, const char *file, const char *text,
    size_t len, const struct fwc_nft_json_text *jt)
{
	struct fwc_strbuf sb;

	fwc_strbuf_init(&sb);
	fwc_packet_format(&sb, &r->ex);
	printf("%s: %s %s: output differs from the policy in chain %s "
	       "(%.0f connections)\n",
	    file, ir->kind == FWC_EP_GATEWAY ? "gateway" : "host", ir->name,
	    fwc_chain_names[r->chain], r->count);
	printf("  counterexample: %s\n", sb.buf);
	fwc_strbuf_reset(&sb);
	fwc_decider_format(
	    &sb, r->want_rule >= 0 ? &ir->rules[r->want_rule] : NULL, r->want);
	printf("  policy: %s (%s)\n", fwc_action_names[r->want], sb.buf);
	if (r->got_rule >= 0) {
		const struct fwc_loc *l = &got->rules[r->got_rule].origin.loc;

		if (jt != NULL) {
			/* JSON: the rule object's place, and its nft form. */
			printf("  output: %s by %s:%u:%u\n",
			    fwc_action_names[r->got], l->file ? l->file : file,
			    (unsigned int)l->line, (unsigned int)l->col);
			print_json_rule(jt, l->line, l->col);
		} else {
			printf("  output: %s by %s:%u\n",
			    fwc_action_names[r->got], l->file ? l->file : file,
			    (unsigned int)l->line);
			if (l->line > 0)
				print_line(text, len, l->line);
		}
	} else {
		printf("  output: %s (no rule matches: chain default)\n",
		    fwc_action_names[r->got]);
	}
	fwc_strbuf_release(&sb);
}

/* The enforcement point's own addresses from the policy, or NULL when it
 * declares none. */
static const struct fwc_addrset *
own_addresses(const struct fwc_policy *p, const struct fwc_ruleset *rs)
{
	const struct fwc_addrset *s = NULL;

	if (p == NULL)
		return NULL;
	if (rs->kind == FWC_EP_GATEWAY) {
		for (size_t i = 0; i < p->gateways.n; i++)
			if (strcmp(p->gateways.v[i]->d.name, rs->name) == 0)
				s = p->gateways.v[i]->addrs;
	} else {
		for (size_t i = 0; i < p->hosts.n; i++)
			if (strcmp(p->hosts.v[i]->d.name, rs->name) == 0)
				s = p->hosts.v[i]->addrs;
	}
	if (s == NULL || fwc_addrset_is_empty(s))
		return NULL;
	return s;
}

static int
run(int argc, char **argv)
{
	struct fwc_cli_policy_opts po;
	const char *policy = NULL;
	const char *gateway = NULL;
	const char *host = NULL;
	const char *target = NULL;
	const char *file = NULL;
	bool live = false;
	struct fwc_arena *a;
	struct fwc_program *prog = NULL;
	struct fwc_ruleset *rs;
	struct fwc_ruleset got;
	const struct fwc_backend *be;
	struct fwc_diag dg;
	struct fwc_verify_result res;
	unsigned int fams = 3;
	bool json = false;
	struct fwc_nft_json_text jt;
	char *text;
	size_t len = 0;
	int rc;

	memset(&po, 0, sizeof(po));
	for (int i = 1; i < argc; i++) {
		int r =
		    fwc_cli_policy_arg(&fwc_cmd_verify, &po, argc, argv, &i);

		if (r < 0)
			return FWC_EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--live") == 0) {
			live = true;
		} else if (strcmp(argv[i], "--gateway") == 0 ||
			   strcmp(argv[i], "--host") == 0 ||
			   strcmp(argv[i], "-t") == 0) {
			if (i + 1 == argc)
				return fwc_cli_usage_error(&fwc_cmd_verify,
				    "option '%s' needs a value", argv[i]);
			if (argv[i][2] == 'g')
				gateway = argv[++i];
			else if (argv[i][2] == 'h')
				host = argv[++i];
			else
				target = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return fwc_cli_usage_error(
			    &fwc_cmd_verify, "unknown option '%s'", argv[i]);
		} else if (policy == NULL) {
			policy = argv[i];
		} else if (file == NULL) {
			file = argv[i];
		} else {
			return fwc_cli_usage_error(&fwc_cmd_verify,
			    "unexpected argument '%s'", argv[i]);
		}
	}
	if (policy == NULL || (gateway == NULL) == (host == NULL))
		return fwc_cli_usage_error(&fwc_cmd_verify,
		    "verify needs a policy and one of --gateway or --host");
	if (live == (target != NULL) || (target != NULL && file == NULL) ||
	    (live && file != NULL))
		return fwc_cli_usage_error(&fwc_cmd_verify,
		    "verify needs either -t TARGET FILE or --live");
	if (live)
		target = "nft";
	if (strcmp(target, "nft-json") == 0) {
		json = true;
		target = "nft";
	}
	be = fwc_backend_find(target);
	if (be == NULL || be->parse == NULL)
		return fwc_cli_usage_error(&fwc_cmd_verify,
		    "target '%s' cannot be read back (see fwc --list-targets)",
		    target);
	if (strcmp(target, "iptables") == 0)
		fams = 1u << FWC_FAM_IP4;
	else if (strcmp(target, "ip6tables") == 0)
		fams = 1u << FWC_FAM_IP6;
	a = fwc_arena_new();
	rc = fwc_cli_compile(policy, &po, a, &dg, &prog);
	if (rc != 0) {
		fwc_arena_release(a);
		return rc;
	}
	rs = fwc_program_find(prog, gateway ? gateway : host);
	if (rs == NULL ||
	    rs->kind != (gateway ? FWC_EP_GATEWAY : FWC_EP_HOST)) {
		fprintf(stderr,
		    "fwc: error: no %s '%s' among the enforcement points of policy '%s'\n",
		    gateway ? "gateway" : "host firewall",
		    gateway ? gateway : host, prog->policy);
		fwc_arena_release(a);
		return FWC_EXIT_REJECTED;
	}
	if (live) {
		text = read_live(&len);
		file = "<live>";
		if (text == NULL) {
			fprintf(stderr, "fwc: cannot read the live table "
					"(nft list table inet fwc)\n");
			fwc_arena_release(a);
			return FWC_EXIT_SYSTEM;
		}
	} else {
		int fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY);

		text = fd < 0 ? NULL : read_fd(fd, &len);
		if (fd > 0)
			close(fd);
		if (text == NULL) {
			fprintf(stderr, "fwc: cannot read '%s': %s\n", file,
			    strerror(errno));
			fwc_arena_release(a);
			return FWC_EXIT_SYSTEM;
		}
	}
	memset(&got, 0, sizeof(got));
	fwc_diag_init(&dg, stderr);
	if (strcmp(target, "nft") == 0 && !live) {
		size_t i = 0;

		while (i < len && strchr(" \t\r\n", text[i]) != NULL)
			i++;
		json = json || (i < len && text[i] == '{');
	}
	if ((json ? fwc_nft_json_parse(a, file, text, len, &got, &dg)
		  : be->parse(a, file, text, len, &got, &dg)) < 0 ||
	    fwc_diag_failed(&dg)) {
		fwc_diag_flush(&dg);
		fprintf(stderr,
		    "fwc: '%s' is not %s output that fwc can read\n", file,
		    json ? "nft -j" : target);
		free(text);
		fwc_arena_release(a);
		return FWC_EXIT_REJECTED;
	}
	/* For the report: the nft form of each rule (the parse above went
	 * through the same translation, so this one succeeds). */
	if (json && fwc_nft_json_to_text(a, file, text, len, &jt, &dg) < 0)
		json = false;
	fwc_diag_flush(&dg);
	/* Windows Firewall has no reject: netsh blocks (documented in
	 * docs/netsh.md), so a reject and a drop are the same there. */
	if (fwc_verify_rulesets(rs, &got, fams, strcmp(target, "netsh") == 0,
		own_addresses(prog->source, rs), strcmp(target, "pf") == 0,
		&res)) {
		printf("%s: %s %s: equal to the policy (%s, %u chain%s)\n",
		    file, rs->kind == FWC_EP_GATEWAY ? "gateway" : "host",
		    rs->name, target, res.chains_checked,
		    res.chains_checked == 1 ? "" : "s");
		if (res.skipped != 0)
			printf(
			    "%s: note: input and output chains not compared: "
			    "the policy gives no address of %s '%s'\n",
			    file,
			    rs->kind == FWC_EP_GATEWAY ? "gateway" : "host",
			    rs->name);
		rc = FWC_EXIT_OK;
	} else {
		report(rs, &got, &res, file, text, len, json ? &jt : NULL);
		rc = FWC_EXIT_REJECTED;
	}
	fflush(stdout);
	free(text);
	fwc_arena_release(a);
	return rc;
}

const struct fwc_command fwc_cmd_verify = { "verify",
	"       fwc verify  POLICY (--gateway N | --host N) (-t TARGET FILE | --live)\n",
	"  verify POLICY ...               prove a backend's output (or the live\n"
	"                                  nft table) equal to the policy, or show\n"
	"                                  a counterexample packet\n",
	run };
