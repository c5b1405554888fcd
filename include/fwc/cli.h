/* Shared pieces of the command line, for the modules that implement one
 * subcommand each (compiler/cmd_*.c, analysis/cmd_*.c). Only these modules
 * and main.c write to stdout and stderr. */
#ifndef FWC_CLI_H
#define FWC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fwc/strbuf.h"
#include "fwc/util.h"

struct fwc_arena;
struct fwc_diag;
struct fwc_program;

/* Exit status of every command: scripts rely on these. */
#define FWC_EXIT_OK	  0
#define FWC_EXIT_REJECTED 1 /* policy rejected, or: a difference / drift */
#define FWC_EXIT_USAGE	  2
#define FWC_EXIT_SYSTEM	  3

#define FWC_CLI_MAX_INCLUDES 64

/* Options that every command reading a policy accepts. */
struct fwc_cli_policy_opts {
	const char *includes[FWC_CLI_MAX_INCLUDES]; /* -I DIR */
	size_t n_includes;
	bool resolve; /* --resolve */
	bool werror;  /* --werror */
	bool verbose; /* -v */
};

/* A subcommand implemented outside main.c. run() gets argv with argv[0]
 * the command name ("apply", ...) and returns an exit status. usage is
 * one or more "       fwc ..." lines; help is the indented description
 * printed by --help. */
struct fwc_command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(int argc, char **argv);
};

extern const struct fwc_command fwc_cmd_apply;
extern const struct fwc_command fwc_cmd_confirm;
extern const struct fwc_command fwc_cmd_status;
extern const struct fwc_command fwc_cmd_diff;
extern const struct fwc_command fwc_cmd_query;
extern const struct fwc_command fwc_cmd_verify;

/* The subcommand called name, or NULL. */
const struct fwc_command *fwc_cli_find_command(const char *name);
/* The usage lines of every command. */
void fwc_cli_print_usage(FILE *out);
/* The --help paragraphs of the subcommands outside main.c. */
void fwc_cli_print_command_help(FILE *out);

/* Prints "fwc: MESSAGE" and the usage of cmd (all commands when NULL) on
 * stderr; returns FWC_EXIT_USAGE. */
int fwc_cli_usage_error(const struct fwc_command *cmd, const char *fmt, ...)
    FWC_PRINTF(2, 3);

/* If argv[*i] is one of -I DIR / -IDIR / --resolve / --werror / -v, stores
 * it in po (advancing *i past a separate value) and returns 1; returns 0
 * when it is not one of them; -1 after a usage error (printed). */
int fwc_cli_policy_arg(const struct fwc_command *cmd,
    struct fwc_cli_policy_opts *po, int argc, char **argv, int *i);

/* Reads and compiles the policy at path with po; diagnostics go to dg
 * (initialised here, sorted, flushed before returning). Returns 0 with
 * *prog set, or an exit status (FWC_EXIT_REJECTED, FWC_EXIT_SYSTEM). */
int fwc_cli_compile(const char *path, const struct fwc_cli_policy_opts *po,
    struct fwc_arena *a, struct fwc_diag *dg, struct fwc_program **prog);

/* Writes buf to path atomically (temporary file in the same directory,
 * fsync, rename), or to stdout for "-" / NULL. Returns 0 or
 * FWC_EXIT_SYSTEM (message printed). */
int fwc_cli_write_output(const char *path, const char *buf, size_t len);

/* Streaming output: the text goes to the temporary file of path as the
 * producer flushes its buffer (fwc_strbuf_flush()), with the guarantees
 * of fwc_cli_write_output(): the file appears complete at path, or not
 * at all. */
struct fwc_cli_stream {
	struct fwc_strbuf_sink sink; /* first: the sink is the stream */
	int fd;
	char *tmp;
	const char *path;
};

/* Attaches st to sb when path is a regular file (or a new one) whose
 * temporary file could be created; else returns false and sb keeps its
 * text for fwc_cli_write_output() (stdout, devices, errors reported
 * there). */
bool fwc_cli_stream_open(
    struct fwc_cli_stream *st, const char *path, struct fwc_strbuf *sb);
/* Writes the rest of sb, syncs and renames over the path; detaches sb.
 * Returns 0 or FWC_EXIT_SYSTEM (message printed, temporary removed). */
int fwc_cli_stream_commit(struct fwc_cli_stream *st, struct fwc_strbuf *sb);
/* Removes the temporary file and detaches sb: nothing is written. */
void fwc_cli_stream_abort(struct fwc_cli_stream *st, struct fwc_strbuf *sb);

#endif
