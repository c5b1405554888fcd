/* The command line: options, file I/O, exit status and backend choice.
 * The only module that writes to stdout and stderr. Exit status: 0 success,
 * 1 policy rejected, 2 usage error, 3 system failure. */
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/cli.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/outdir.h"
#include "fwc/phase.h"
#include "fwc/pipeline.h"
#include "fwc/sha256.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"
#include "lint.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE    2
#define EXIT_SYSTEM   3

#define MAX_INCLUDES 64

static const char help_text[] =
    "fwc - compile a firewall policy into the rules of each enforcement point\n"
    "\n"
    "Commands:\n"
    "  compile POLICY --gateway NAME   rules for one gateway\n"
    "  compile POLICY --host NAME      rules for one host firewall\n"
    "  compile POLICY --all -o DIR     every enforcement point with its default\n"
    "                                  target into DIR/NAME/, plus DIR/MANIFEST\n"
    "                                  (sha256 of each file)\n"
    "  check POLICY                    report errors and warnings, write nothing\n"
    "  list POLICY                     enforcement points, targets, rule counts\n";

static const char help_options[] =
    "\n"
    "Options of compile, check and list:\n"
    "  -t, --target TARGET   output format (default: the enforcement point's,\n"
    "                        from its os: linux -> nft); --list-targets shows all\n"
    "  -o, --output FILE     write to FILE (atomically: temporary file, then\n"
    "                        rename); '-' or no -o is standard output\n"
    "  -I DIR                search DIR for included files (repeatable), after\n"
    "                        the including file's directory and before the\n"
    "                        installed library (" FWC_DATADIR "/policies)\n"
    "      --resolve         resolve plain DNS names of endpoints now\n"
    "      --werror          treat warnings as errors\n"
    "      --dump-ir         print the intermediate representation instead\n"
    "      --nft-layout L    nft: auto (default: verdict-map dispatch chains\n"
    "                        when a chain has over 64 rules of a family),\n"
    "                        tree (over 8) or flat (one rule after another)\n"
    "  -v, --verbose         list every flow that matches no address\n"
    "      --list-targets    list the available targets\n"
    "  -h, --help            this help\n"
    "      --version         print the version\n"
    "\n"
    "Environment: FWC_POLICY_LIBRARY replaces the installed library directory.\n"
    "\n"
    "Exit status: 0 success, 1 policy rejected (errors were reported),\n"
    "2 usage error, 3 system failure (I/O, out of memory).\n";

struct cli {
	const char *cmd;
	const char *policy;
	const char *gateway;
	const char *host;
	const char *target;
	const char *output;
	const char *includes[MAX_INCLUDES];
	size_t n_includes;
	bool resolve;
	bool werror;
	bool verbose;
	bool dump_ir;
	bool all;
};

static int usage_error(const char *fmt, ...) FWC_PRINTF(1, 2);

static void
print_help(void)
{
	fwc_cli_print_usage(stdout);
	fputs("\n", stdout);
	fputs(help_text, stdout);
	fwc_cli_print_command_help(stdout);
	fputs(help_options, stdout);
}

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("fwc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fwc_cli_print_usage(stderr);
	return EXIT_USAGE;
}

static void
list_targets(FILE *out)
{
	size_t n;
	const struct fwc_backend *const *v = fwc_backend_list(&n);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-10s %s\n", v[i]->name, v[i]->summary);
}

/* Parses argv into cli; returns -1 when done (exit with *rc). */
static int
parse_args(int argc, char **argv, struct cli *cl, int *rc)
{
	int i = 1;

	memset(cl, 0, sizeof(*cl));
	*rc = 0;
	if (argc < 2) {
		fwc_cli_print_usage(stderr);
		*rc = EXIT_USAGE;
		return -1;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 ||
		    strcmp(a, "help") == 0) {
			print_help();
			return -1;
		}
		if (strcmp(a, "--version") == 0) {
			printf("fwc %s\n", FWC_VERSION);
			return -1;
		}
		if (strcmp(a, "--list-targets") == 0) {
			list_targets(stdout);
			return -1;
		}
		if (strcmp(a, "--gateway") == 0)
			val = &cl->gateway;
		else if (strcmp(a, "--host") == 0)
			val = &cl->host;
		else if (strcmp(a, "-t") == 0 || strcmp(a, "--target") == 0)
			val = &cl->target;
		else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			val = &cl->output;
		else if (strcmp(a, "--resolve") == 0)
			cl->resolve = true;
		else if (strcmp(a, "--werror") == 0)
			cl->werror = true;
		else if (strcmp(a, "--dump-ir") == 0)
			cl->dump_ir = true;
		else if (strcmp(a, "--nft-layout") == 0) {
			if (++i == argc) {
				*rc =
				    usage_error("option '%s' needs a value", a);
				return -1;
			}
			if (fwc_nft_layout_parse(argv[i]) < 0) {
				*rc = usage_error(
				    "unknown --nft-layout '%s' (auto, tree or flat)",
				    argv[i]);
				return -1;
			}
		} else if (strcmp(a, "--all") == 0)
			cl->all = true;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			cl->verbose = true;
		else if (strncmp(a, "-I", 2) == 0) {
			const char *d = a[2] ? a + 2 : NULL;

			if (d == NULL) {
				if (++i == argc) {
					*rc = usage_error(
					    "option '%s' needs a directory", a);
					return -1;
				}
				d = argv[i];
			}
			if (cl->n_includes == MAX_INCLUDES) {
				*rc = usage_error(
				    "too many -I options (limit %d)",
				    MAX_INCLUDES);
				return -1;
			}
			cl->includes[cl->n_includes++] = d;
		} else if (a[0] == '-' && a[1] != '\0') {
			*rc = usage_error("unknown option '%s'", a);
			return -1;
		} else if (cl->cmd == NULL) {
			cl->cmd = a;
		} else if (cl->policy == NULL) {
			cl->policy = a;
		} else {
			*rc = usage_error("unexpected argument '%s'", a);
			return -1;
		}
		if (val != NULL) {
			if (++i == argc) {
				*rc =
				    usage_error("option '%s' needs a value", a);
				return -1;
			}
			*val = argv[i];
		}
	}
	if (cl->cmd == NULL) {
		*rc = usage_error("missing command");
		return -1;
	}
	if (strcmp(cl->cmd, "compile") != 0 && strcmp(cl->cmd, "check") != 0 &&
	    strcmp(cl->cmd, "list") != 0) {
		*rc = usage_error("unknown command '%s'", cl->cmd);
		return -1;
	}
	if (cl->policy == NULL) {
		*rc = usage_error("'%s' needs a POLICY file", cl->cmd);
		return -1;
	}
	if (strcmp(cl->cmd, "compile") == 0 && cl->all) {
		if (cl->gateway || cl->host || cl->target || cl->dump_ir) {
			*rc = usage_error(
			    "--all takes no --gateway, --host, -t or --dump-ir: each enforcement point gets its default target");
			return -1;
		}
		if (cl->output == NULL || strcmp(cl->output, "-") == 0) {
			*rc = usage_error("--all needs -o DIR");
			return -1;
		}
	} else if (strcmp(cl->cmd, "compile") == 0) {
		if ((cl->gateway == NULL) == (cl->host == NULL)) {
			*rc = usage_error(
			    "compile needs exactly one of --gateway NAME or --host NAME");
			return -1;
		}
	} else if (cl->gateway || cl->host || cl->target || cl->output ||
		   cl->dump_ir || cl->all) {
		*rc = usage_error(
		    "'%s' takes no --gateway, --host, -t, -o, --all or --dump-ir",
		    cl->cmd);
		return -1;
	}
	return 0;
}

static int
cmd_list(const struct fwc_program *prog)
{
	struct fwc_strbuf sb;
	int rc;

	fwc_strbuf_init(&sb);
	fwc_strbuf_addf(&sb, "policy %s: %zu enforcement point%s\n",
	    prog->policy, prog->n_eps, prog->n_eps == 1 ? "" : "s");
	for (size_t i = 0; i < prog->n_eps; i++) {
		const struct fwc_ruleset *rs = prog->eps[i];
		size_t per[FWC_CHAIN_NR] = { 0 };

		for (size_t k = 0; k < rs->n_rules; k++)
			per[rs->rules[k].chain]++;
		fwc_strbuf_addf(&sb,
		    "%-7s %-20s os=%-7s target=%-6s sets=%-5zu input=%zu forward=%zu output=%zu\n",
		    rs->kind == FWC_EP_GATEWAY ? "gateway" : "host", rs->name,
		    rs->os, rs->target, rs->n_sets, per[FWC_CHAIN_INPUT],
		    per[FWC_CHAIN_FORWARD], per[FWC_CHAIN_OUTPUT]);
	}
	rc = fwc_cli_write_output(NULL, sb.buf, sb.len);
	fwc_strbuf_release(&sb);
	return rc;
}

/* Every enforcement point through its default target's checks, so that
 * `fwc check` finds what `fwc compile` would refuse. */
static int
cmd_check(const struct fwc_program *prog, struct fwc_diag *dg)
{
	size_t rules = 0;

	for (size_t i = 0; i < prog->n_eps; i++) {
		const struct fwc_ruleset *rs = prog->eps[i];
		const struct fwc_backend *be = fwc_backend_find(rs->target);

		rules += rs->n_rules;
		if (be != NULL && be->check != NULL)
			be->check(rs, dg);
	}
	if (dg->errors == 0)
		fwc_lint(prog, dg);
	fwc_diag_flush(dg);
	if (fwc_diag_failed(dg))
		return EXIT_REJECTED;
	printf("policy %s: %zu enforcement point%s, %zu rules, %u warning%s\n",
	    prog->policy, prog->n_eps, prog->n_eps == 1 ? "" : "s", rules,
	    dg->warnings, dg->warnings == 1 ? "" : "s");
	return 0;
}

static int
cmd_compile(const struct cli *cl, const struct fwc_program *prog,
    struct fwc_diag *dg, struct fwc_arena **ap)
{
	const char *name = cl->gateway ? cl->gateway : cl->host;
	struct fwc_ruleset *rs = fwc_program_find(prog, name);
	const struct fwc_backend *be;
	struct fwc_strbuf sb;
	struct fwc_cli_stream st;
	bool streaming = false;
	int rc;

	if (rs == NULL || (cl->gateway && rs->kind != FWC_EP_GATEWAY) ||
	    (cl->host && rs->kind != FWC_EP_HOST)) {
		fprintf(stderr,
		    "fwc: error: no %s '%s' among the enforcement points of policy '%s'",
		    cl->gateway ? "gateway" : "host firewall", name,
		    prog->policy);
		if (cl->host)
			fputs(
			    " (a host is one when firewall=\"on\", the default for os=\"windows\")",
			    stderr);
		fputs("\n", stderr);
		for (size_t i = 0; i < prog->n_eps; i++)
			if ((prog->eps[i]->kind == FWC_EP_GATEWAY) ==
			    (cl->gateway != NULL))
				fprintf(stderr, "fwc: note: %s '%s' is one\n",
				    cl->gateway ? "gateway" : "host",
				    prog->eps[i]->name);
		return EXIT_REJECTED;
	}
	/* Only rs is lowered from here: it moves to an arena of its own and
	 * the rest (policy objects, other rulesets) is released before the
	 * backend takes memory of its own. prog is gone with it. */
	{
		struct fwc_arena *keep = fwc_arena_new();

		rs = fwc_ruleset_move(keep, *ap, rs);
		fwc_arena_release(*ap);
		*ap = keep;
		prog = NULL;
	}
	fwc_strbuf_init(&sb);
	if (cl->dump_ir) {
		fwc_ir_dump(rs, &sb);
	} else {
		const char *t = cl->target ? cl->target : rs->target;

		be = fwc_backend_find(t);
		if (be == NULL || be->emit == NULL) {
			fprintf(stderr,
			    "fwc: error: target '%s' is not available (see fwc --list-targets)\n",
			    t);
			fwc_strbuf_release(&sb);
			return cl->target ? EXIT_USAGE : EXIT_REJECTED;
		}
		/* The text goes to the output file as it is made (when
		 * that is a file), so that it is never all in memory. */
		streaming = fwc_cli_stream_open(&st, cl->output, &sb);
		if ((be->check != NULL && be->check(rs, dg) < 0) ||
		    be->emit(rs, &sb, dg) < 0 || fwc_diag_failed(dg)) {
			if (streaming)
				fwc_cli_stream_abort(&st, &sb);
			fwc_strbuf_release(&sb);
			return EXIT_REJECTED;
		}
	}
	fwc_phase_mark("emit", NULL);
	if (streaming)
		rc = fwc_cli_stream_commit(&st, &sb);
	else
		rc = fwc_cli_write_output(cl->output, sb.buf, sb.len);
	fwc_phase_mark("write", NULL);
	fwc_strbuf_release(&sb);
	return rc;
}

/* One file of `compile --all`. */
struct outfile {
	char *rel; /* DIR-relative path, heap */
	struct fwc_strbuf text;
};

/* The files of one enforcement point under its default target. */
static const struct {
	const char *target;
	const char *backend;
	const char *file;
} all_files[] = {
	{ "nft", "nft", "ruleset.nft" },
	{ "iptables", "iptables", "rules.v4" },
	{ "iptables", "ip6tables", "rules.v6" },
	{ "ip6tables", "ip6tables", "rules.v6" },
	{ "pf", "pf", "pf.conf" },
	{ "netsh", "netsh", "firewall.cmd" },
};

static int
make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "fwc: cannot create directory '%s': %s\n", path,
	    strerror(errno));
	return -1;
}

/* `fwc compile POLICY --all -o DIR`: every enforcement point with its
 * default target into DIR/NAME/FILE, then DIR/MANIFEST (sha256sum
 * format). Everything is generated in memory first: on any error nothing
 * is written. */
static int
cmd_all(
    const struct cli *cl, const struct fwc_program *prog, struct fwc_diag *dg)
{
	struct outfile *files = NULL;
	size_t n_files = 0;
	size_t cap = 0;
	struct fwc_strbuf manifest;
	struct fwc_outdir od = { 0 };
	const char **rels = NULL;
	char *path = NULL;
	int rc = 0;

	for (size_t i = 0; i < prog->n_eps && rc == 0; i++) {
		const struct fwc_ruleset *rs = prog->eps[i];
		bool known = false;

		/* DIR/NAME/ must not be the manifest or its journal (compared
		 * without case: the directory may be on such a file system). */
		if (strcasecmp(rs->name, "MANIFEST") == 0 ||
		    strcasecmp(rs->name, "MANIFEST.pending") == 0) {
			fwc_error(dg, &rs->loc,
			    "%s '%s' cannot be written by --all: DIR/%s is the manifest of the directory; rename the %s",
			    rs->kind == FWC_EP_GATEWAY ? "gateway" : "host",
			    rs->name, rs->name,
			    rs->kind == FWC_EP_GATEWAY ? "gateway" : "host");
			rc = EXIT_REJECTED;
			break;
		}
		for (size_t k = 0; k < FWC_ARRAY_SIZE(all_files); k++) {
			const struct fwc_backend *be;
			struct outfile *o;

			if (strcmp(all_files[k].target, rs->target) != 0)
				continue;
			known = true;
			be = fwc_backend_find(all_files[k].backend);
			if (be == NULL || be->emit == NULL) {
				fprintf(stderr,
				    "fwc: error: target '%s' of %s '%s' is not available (see fwc --list-targets)\n",
				    all_files[k].backend,
				    rs->kind == FWC_EP_GATEWAY ? "gateway"
							       : "host",
				    rs->name);
				rc = EXIT_REJECTED;
				break;
			}
			if (n_files == cap) {
				cap = cap ? 2 * cap : 16;
				files =
				    fwc_xrealloc(files, cap * sizeof(*files));
			}
			o = &files[n_files++];
			o->rel = fwc_xmalloc(
			    strlen(rs->name) + strlen(all_files[k].file) + 2);
			sprintf(o->rel, "%s/%s", rs->name, all_files[k].file);
			fwc_strbuf_init(&o->text);
			if ((be->check != NULL && be->check(rs, dg) < 0) ||
			    be->emit(rs, &o->text, dg) < 0 ||
			    fwc_diag_failed(dg)) {
				rc = EXIT_REJECTED;
				break;
			}
		}
		if (!known && rc == 0) {
			fprintf(stderr,
			    "fwc: error: unknown target '%s' for '%s'\n",
			    rs->target, rs->name);
			rc = EXIT_REJECTED;
		}
	}
	fwc_strbuf_init(&manifest);
	if (rc == 0 && make_dir(cl->output) < 0)
		rc = EXIT_SYSTEM;
	/* The old MANIFEST goes before any file is replaced and the new one
	 * comes last: a run killed in between leaves no MANIFEST, never one
	 * that describes files it does not match. MANIFEST.pending remembers
	 * the files of earlier runs meanwhile, so that those of enforcement
	 * points no longer in the policy are removed (docs/security.md). */
	if (rc == 0) {
		const char *names[FWC_ARRAY_SIZE(all_files) + 1];

		rels = fwc_xcalloc(n_files + 1, sizeof(*rels));
		for (size_t i = 0; i < n_files; i++)
			rels[i] = files[i].rel;
		for (size_t k = 0; k < FWC_ARRAY_SIZE(all_files); k++)
			names[k] = all_files[k].file;
		names[FWC_ARRAY_SIZE(all_files)] = NULL;
		od.verbose = cl->verbose;
		rc = fwc_outdir_begin(&od, cl->output, names, rels, n_files);
	}
	for (size_t i = 0; i < n_files && rc == 0; i++) {
		struct fwc_sha256 h;
		char hex[65];
		char *slash;

		free(path);
		path =
		    fwc_xmalloc(strlen(cl->output) + strlen(files[i].rel) + 2);
		sprintf(path, "%s/%s", cl->output, files[i].rel);
		slash = strrchr(path, '/');
		*slash = '\0';
		if (make_dir(path) < 0) {
			rc = EXIT_SYSTEM;
			break;
		}
		*slash = '/';
		rc = fwc_cli_write_output(
		    path, files[i].text.buf, files[i].text.len);
		fwc_sha256_init(&h);
		fwc_sha256_update(&h, files[i].text.buf, files[i].text.len);
		fwc_sha256_hex(&h, hex);
		fwc_strbuf_addf(&manifest, "%s  %s\n", hex, files[i].rel);
	}
	if (rc == 0)
		rc = fwc_outdir_finish(
		    &od, rels, n_files, manifest.buf, manifest.len);
	fwc_outdir_release(&od);
	free(rels);
	free(path);
	fwc_strbuf_release(&manifest);
	for (size_t i = 0; i < n_files; i++) {
		free(files[i].rel);
		fwc_strbuf_release(&files[i].text);
	}
	free(files);
	return rc;
}

/* glibc's defaults grow the heap 128 KiB at a time, give freed memory
 * back to the kernel at once and serve every block over 128 KiB from
 * its own mapping, so a large policy spent a third of its time in page
 * faults on memory it had already had (docs/performance.md, "Allocator
 * settings"). Pages reserved but never touched cost nothing. Blocks of
 * 4 MiB and more (hash tables, rule arrays) still get a mapping of their
 * own: freed, they go back at once, and growing one is an mremap()
 * rather than a copy that leaves the old block resident in the heap;
 * a 16 MiB pad keeps the heap's free top from serving them instead
 * (docs/performance.md section 9: the peak fell by 15 MiB). */
static void
tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	/* One heap for every thread: the only other thread is the producer
	 * of a streamed netlink batch (backends/nl_batch.c), which runs
	 * while the main thread waits in sendmsg(). An arena of its own cost
	 * `fwc apply` of 100,000 addresses 0.5 MB of its 7.9 MB
	 * (docs/performance.md section 11). */
	mallopt(M_ARENA_MAX, 1);
#endif
}

int
main(int argc, char **argv)
{
	struct cli cl;
	struct fwc_options opt;
	struct fwc_diag dg;
	struct fwc_arena *a;
	struct fwc_program *prog = NULL;
	int rc;

	tune_malloc();
	if (argc >= 2 && fwc_cli_find_command(argv[1]) != NULL)
		return fwc_cli_find_command(argv[1])->run(argc - 1, argv + 1);
	if (parse_args(argc, argv, &cl, &rc) < 0)
		return rc;
	memset(&opt, 0, sizeof(opt));
	opt.include_dirs = cl.includes;
	opt.n_include_dirs = cl.n_includes;
	opt.library_dir = getenv("FWC_POLICY_LIBRARY");
	if (opt.library_dir == NULL || opt.library_dir[0] == '\0')
		opt.library_dir = FWC_DATADIR "/policies";
	opt.resolve = cl.resolve;
	opt.verbose = cl.verbose;
	fwc_diag_init(&dg, stderr);
	dg.werror = cl.werror;
	dg.verbose = cl.verbose;
	dg.sorted = true;
	if (access(cl.policy, R_OK) != 0) {
		fprintf(stderr, "fwc: cannot read '%s': %s\n", cl.policy,
		    strerror(errno));
		return EXIT_SYSTEM;
	}
	a = fwc_arena_new();
	if (fwc_compile_file(a, &dg, &opt, cl.policy, &prog) < 0 ||
	    fwc_diag_failed(&dg)) {
		fwc_diag_flush(&dg);
		if (dg.werror && dg.errors == 0)
			fputs("fwc: note: warnings are errors (--werror)\n",
			    stderr);
		fwc_arena_release(a);
		return EXIT_REJECTED;
	}
	fwc_diag_flush(&dg);
	if (strcmp(cl.cmd, "list") == 0)
		rc = cmd_list(prog);
	else if (strcmp(cl.cmd, "compile") == 0 && cl.all)
		rc = cmd_all(&cl, prog, &dg);
	else if (strcmp(cl.cmd, "compile") == 0)
		rc = cmd_compile(&cl, prog, &dg, &a);
	else
		rc = cmd_check(prog, &dg);
	fwc_diag_flush(&dg);
	fwc_arena_release(a);
	return rc;
}
