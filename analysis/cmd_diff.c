/* `fwc diff OLD NEW`: compiles both policies and prints the semantic
 * difference (analysis/diff.c) as text, JSON or Markdown. OLD or NEW may
 * be git:REV:PATH, read with `git show REV:PATH`; its includes are then
 * searched in PATH's directory of the work tree first. Exit 0 when equal,
 * 1 when different (or a policy is rejected), 2 usage, 3 system. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "diff.h"
#include "fwc/arena.h"
#include "fwc/cli.h"
#include "fwc/diag.h"
#include "fwc/phase.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"
#include "ir_wire.h"

const struct fwc_command fwc_cmd_diff;

/* Runs `git show SPEC` and returns its output (heap) or NULL. */
static char *
git_show(const char *spec, size_t *len)
{
	int fd[2];
	pid_t pid;
	struct fwc_strbuf sb;
	char buf[65536];
	ssize_t n;
	int st;
	char *r;

	if (pipe(fd) < 0)
		return NULL;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fd[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(fd[0]);
		close(fd[1]);
		execlp("git", "git", "show", spec, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	fwc_strbuf_init(&sb);
	while ((n = read(fd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		fwc_strbuf_addn(&sb, buf, (size_t)n);
	}
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fwc_strbuf_release(&sb);
		return NULL;
	}
	r = fwc_strbuf_detach(&sb, len);
	/* detach re-initialises sb. */
	fwc_strbuf_release(&sb);
	return r;
}

static int
load(const char *spec, const struct fwc_cli_policy_opts *po,
    struct fwc_arena *a, struct fwc_program **prog)
{
	struct fwc_diag dg;
	struct fwc_cli_policy_opts gpo;
	struct fwc_options opt;
	const char *path;
	const char *colon;
	char *buf;
	char *dir;
	size_t len;
	int rc;

	if (strncmp(spec, "git:", 4) != 0)
		return fwc_cli_compile(spec, po, a, &dg, prog);
	colon = strchr(spec + 4, ':');
	if (colon == NULL || colon == spec + 4 || colon[1] == '\0')
		return fwc_cli_usage_error(
		    &fwc_cmd_diff, "'%s': expected git:REV:PATH", spec);
	path = colon + 1;
	buf = git_show(spec + 4, &len);
	if (buf == NULL) {
		fprintf(stderr, "fwc: cannot read '%s' from git\n", spec + 4);
		return FWC_EXIT_SYSTEM;
	}
	/* Includes: PATH's directory in the work tree first, then -I. */
	gpo = *po;
	dir = fwc_arena_strdup(a, path);
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	else
		dir = fwc_arena_strdup(a, ".");
	gpo.n_includes = 0;
	gpo.includes[gpo.n_includes++] = dir;
	for (size_t i = 0;
	     i < po->n_includes && gpo.n_includes < FWC_CLI_MAX_INCLUDES; i++)
		gpo.includes[gpo.n_includes++] = po->includes[i];
	memset(&opt, 0, sizeof(opt));
	opt.include_dirs = gpo.includes;
	opt.n_include_dirs = gpo.n_includes;
	opt.library_dir = getenv("FWC_POLICY_LIBRARY");
	if (opt.library_dir == NULL || opt.library_dir[0] == '\0')
		opt.library_dir = FWC_DATADIR "/policies";
	opt.resolve = po->resolve;
	fwc_diag_init(&dg, stderr);
	dg.werror = po->werror;
	dg.verbose = po->verbose;
	dg.sorted = true;
	rc = 0;
	if (fwc_compile_buffer(a, &dg, &opt, fwc_arena_strdup(a, spec + 4), buf,
		len, prog) < 0 ||
	    fwc_diag_failed(&dg))
		rc = FWC_EXIT_REJECTED;
	fwc_diag_flush(&dg);
	free(buf);
	return rc;
}

/* NEW compiled in a child process (analysis/child.h) while the parent
 * compiles OLD: the child sends the program back in binary form
 * (analysis/ir_wire.h). */
struct job {
	const char *spec;
	const struct fwc_cli_policy_opts *po;
};

static int
compile_and_send(void *ctx, struct fwc_strbuf *out)
{
	const struct job *j = ctx;
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_program *p = NULL;
	int rc = load(j->spec, j->po, a, &p);

	if (rc == 0)
		fwc_ir_wire_write(p, out);
	fwc_arena_release(a);
	return rc;
}

/* Compiles both policies, NEW in a child when one can be started (not
 * with FWC_DIFF_FORK=0), else one after the other. Diagnostics come in
 * the same order either way: OLD's, then NEW's (none when OLD fails). */
static int
load_both(const char *files[2], const struct fwc_cli_policy_opts *po,
    struct fwc_arena *a, struct fwc_program **old, struct fwc_program **new)
{
	const char *env = getenv("FWC_DIFF_FORK");
	struct job j = { files[1], po };
	struct fwc_child child;
	bool forked = (env == NULL || strcmp(env, "0") != 0) &&
		      fwc_child_start(&child, compile_and_send, &j) == 0;
	char *buf = NULL;
	size_t len = 0;
	int crc;
	int rc;

	rc = load(files[0], po, a, old);
	if (!forked)
		return rc == 0 ? load(files[1], po, a, new) : rc;
	if (rc == 0 && fwc_child_finish(&child, &crc, &buf, &len) == 0 &&
	    (crc != 0 || fwc_ir_wire_read(a, buf, len, new) == 0)) {
		fwc_child_replay(&child);
		fwc_phase_mark("receive", a);
		if (fwc_phase_enabled()) {
			struct rusage ru;

			if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
				fprintf(stderr,
				    "fwc: child (NEW) peak rss %ld MB\n",
				    ru.ru_maxrss / 1024);
		}
		rc = crc;
	} else if (rc == 0) {
		/* The child failed: compile NEW here after all. */
		rc = load(files[1], po, a, new);
	}
	free(buf);
	fwc_child_close(&child);
	return rc;
}

static int
run(int argc, char **argv)
{
	struct fwc_cli_policy_opts po;
	const char *files[2] = { NULL, NULL };
	size_t n_files = 0;
	const char *only = NULL;
	const char *format = "text";
	enum fwc_diff_format fmt;
	struct fwc_arena *a;
	struct fwc_program *old = NULL;
	struct fwc_program *new = NULL;
	struct fwc_diff d;
	struct fwc_strbuf sb;
	bool differ;
	int rc;

	memset(&po, 0, sizeof(po));
	for (int i = 1; i < argc; i++) {
		int r = fwc_cli_policy_arg(&fwc_cmd_diff, &po, argc, argv, &i);

		if (r < 0)
			return FWC_EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--gateway") == 0 ||
		    strcmp(argv[i], "--host") == 0 ||
		    strcmp(argv[i], "--format") == 0) {
			if (i + 1 == argc)
				return fwc_cli_usage_error(&fwc_cmd_diff,
				    "option '%s' needs a value", argv[i]);
			if (strcmp(argv[i], "--format") == 0)
				format = argv[++i];
			else
				only = argv[++i];
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return fwc_cli_usage_error(
			    &fwc_cmd_diff, "unknown option '%s'", argv[i]);
		if (n_files == 2)
			return fwc_cli_usage_error(
			    &fwc_cmd_diff, "unexpected argument '%s'", argv[i]);
		files[n_files++] = argv[i];
	}
	if (n_files != 2)
		return fwc_cli_usage_error(
		    &fwc_cmd_diff, "diff needs two policies, OLD and NEW");
	if (strcmp(format, "text") == 0)
		fmt = FWC_DIFF_TEXT;
	else if (strcmp(format, "json") == 0)
		fmt = FWC_DIFF_JSON;
	else if (strcmp(format, "markdown") == 0)
		fmt = FWC_DIFF_MARKDOWN;
	else
		return fwc_cli_usage_error(&fwc_cmd_diff,
		    "unknown format '%s' (text, json or markdown)", format);
	a = fwc_arena_new();
	rc = load_both(files, &po, a, &old, &new);
	if (rc != 0) {
		fwc_arena_release(a);
		return rc;
	}
	if (only != NULL && fwc_program_find(old, only) == NULL &&
	    fwc_program_find(new, only) == NULL) {
		fprintf(stderr,
		    "fwc: error: no enforcement point '%s' in either policy\n",
		    only);
		fwc_arena_release(a);
		return FWC_EXIT_REJECTED;
	}
	differ = fwc_diff_programs(a, old, new, only, &d);
	fwc_phase_mark("diff", a);
	fwc_strbuf_init(&sb);
	fwc_diff_render(&d, fmt, files[0], files[1], &sb);
	rc = fwc_cli_write_output(NULL, sb.buf, sb.len);
	fwc_strbuf_release(&sb);
	fwc_phase_mark("render", NULL);
	fwc_arena_release(a);
	if (rc != 0)
		return rc;
	return differ ? FWC_EXIT_REJECTED : FWC_EXIT_OK;
}

const struct fwc_command fwc_cmd_diff = { "diff",
	"       fwc diff    OLD NEW [--gateway N | --host N] [--format text|json|markdown]\n",
	"  diff OLD NEW                    connections newly allowed and newly denied\n"
	"                                  per enforcement point (exit 1 when any);\n"
	"                                  OLD may be git:REV:PATH\n",
	run };
