/* Shared pieces of the command line: usage text of every command, the
 * policy options every command accepts, compiling a policy for a command,
 * and atomic output files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/backend.h"
#include "fwc/cli.h"
#include "fwc/diag.h"
#include "fwc/outdir.h"
#include "fwc/pipeline.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

static const char core_usage[] =
    "usage: fwc compile POLICY (--gateway NAME | --host NAME) [-t TARGET] [-o FILE]\n"
    "       fwc compile POLICY --all -o DIR\n"
    "       fwc check   POLICY [--werror]\n"
    "       fwc list    POLICY\n";

static const struct fwc_command *const ext_commands[] = {
	&fwc_cmd_apply,
	&fwc_cmd_confirm,
	&fwc_cmd_status,
	&fwc_cmd_diff,
	&fwc_cmd_query,
	&fwc_cmd_verify,
};

const struct fwc_command *
fwc_cli_find_command(const char *name)
{
	for (size_t i = 0; i < FWC_ARRAY_SIZE(ext_commands); i++)
		if (strcmp(ext_commands[i]->name, name) == 0)
			return ext_commands[i];
	return NULL;
}

void
fwc_cli_print_usage(FILE *out)
{
	fputs(core_usage, out);
	for (size_t i = 0; i < FWC_ARRAY_SIZE(ext_commands); i++)
		fputs(ext_commands[i]->usage, out);
	fputs("       fwc --help | --version\n", out);
}

void
fwc_cli_print_command_help(FILE *out)
{
	for (size_t i = 0; i < FWC_ARRAY_SIZE(ext_commands); i++)
		fputs(ext_commands[i]->help, out);
}

int
fwc_cli_usage_error(const struct fwc_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("fwc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	if (cmd != NULL)
		fprintf(stderr, "usage:%s", cmd->usage + strlen("      "));
	else
		fwc_cli_print_usage(stderr);
	return FWC_EXIT_USAGE;
}

int
fwc_cli_policy_arg(const struct fwc_command *cmd,
    struct fwc_cli_policy_opts *po, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (strcmp(a, "--resolve") == 0) {
		po->resolve = true;
		return 1;
	}
	if (strcmp(a, "--werror") == 0) {
		po->werror = true;
		return 1;
	}
	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		po->verbose = true;
		return 1;
	}
	if (strcmp(a, "--nft-layout") == 0) {
		if (++*i == argc) {
			fwc_cli_usage_error(
			    cmd, "option '%s' needs a value", a);
			return -1;
		}
		if (fwc_nft_layout_parse(argv[*i]) < 0) {
			fwc_cli_usage_error(cmd,
			    "unknown --nft-layout '%s' (auto, tree or flat)",
			    argv[*i]);
			return -1;
		}
		return 1;
	}
	if (strncmp(a, "-I", 2) == 0) {
		const char *d = a[2] ? a + 2 : NULL;

		if (d == NULL) {
			if (++*i == argc) {
				fwc_cli_usage_error(
				    cmd, "option '%s' needs a directory", a);
				return -1;
			}
			d = argv[*i];
		}
		if (po->n_includes == FWC_CLI_MAX_INCLUDES) {
			fwc_cli_usage_error(cmd,
			    "too many -I options (limit %d)",
			    FWC_CLI_MAX_INCLUDES);
			return -1;
		}
		po->includes[po->n_includes++] = d;
		return 1;
	}
	return 0;
}

int
fwc_cli_compile(const char *path, const struct fwc_cli_policy_opts *po,
    struct fwc_arena *a, struct fwc_diag *dg, struct fwc_program **prog)
{
	struct fwc_options opt;

	memset(&opt, 0, sizeof(opt));
	opt.include_dirs = po->includes;
	opt.n_include_dirs = po->n_includes;
	opt.library_dir = getenv("FWC_POLICY_LIBRARY");
	if (opt.library_dir == NULL || opt.library_dir[0] == '\0')
		opt.library_dir = FWC_DATADIR "/policies";
	opt.resolve = po->resolve;
	opt.verbose = po->verbose;
	fwc_diag_init(dg, stderr);
	dg->werror = po->werror;
	dg->verbose = po->verbose;
	dg->sorted = true;
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "fwc: cannot read '%s': %s\n", path,
		    strerror(errno));
		return FWC_EXIT_SYSTEM;
	}
	if (fwc_compile_file(a, dg, &opt, path, prog) < 0 ||
	    fwc_diag_failed(dg)) {
		fwc_diag_flush(dg);
		if (dg->werror && dg->errors == 0)
			fputs("fwc: note: warnings are errors (--werror)\n",
			    stderr);
		return FWC_EXIT_REJECTED;
	}
	fwc_diag_flush(dg);
	return 0;
}

/* Creates the temporary file of path in tmp (path FWC_TEMP_SUFFIX) and
 * holds a write lock on it until it is closed, so that
 * fwc_outdir_remove_temps() in another run leaves it alone. A file that
 * such a run removed between mkstemp() and the lock is replaced. */
static int
open_temp(const char *path, char *tmp)
{
	for (int tries = 0; tries < 10; tries++) {
		struct flock fl;
		struct stat st;
		int fd;

		sprintf(tmp, "%s" FWC_TEMP_SUFFIX, path);
		fd = mkstemp(tmp);
		if (fd < 0)
			return -1;
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLKW, &fl) < 0 || fstat(fd, &st) < 0) {
			int e = errno;

			close(fd);
			unlink(tmp);
			errno = e;
			return -1;
		}
		if (st.st_nlink > 0)
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

/* fsync()s the directory that holds path, so that a rename into it
 * survives a power loss. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;
	int rc = 0;

	if (slash == NULL) {
		dir = fwc_xstrdup(".");
	} else if (slash == path) {
		dir = fwc_xstrdup("/");
	} else {
		dir = fwc_xmalloc((size_t)(slash - path) + 1);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	/* Some file systems cannot sync a directory: nothing to do there. */
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = errno;
	close(fd);
	errno = rc;
	return rc ? -1 : 0;
}

/* Writes all len bytes to fd; returns 0, or -1 with errno set. */
static int
write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Reports the failure in errno, removes the temporary file tmp (closed)
 * and frees its name. */
static int
fail_temp(const char *path, char *tmp)
{
	fprintf(stderr, "fwc: cannot write '%s': %s\n", path, strerror(errno));
	unlink(tmp);
	free(tmp);
	return FWC_EXIT_SYSTEM;
}

/* Makes the complete temporary file tmp (open on fd) durable and renames
 * it over path; frees tmp. */
static int
commit_temp(const char *path, char *tmp, int fd)
{
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return fail_temp(path, tmp);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		return fail_temp(path, tmp);
	free(tmp);
	if (sync_dir(path) < 0) {
		fprintf(stderr, "fwc: cannot sync the directory of '%s': %s\n",
		    path, strerror(errno));
		return FWC_EXIT_SYSTEM;
	}
	return 0;
}

int
fwc_cli_write_output(const char *path, const char *buf, size_t len)
{
	char *tmp;
	int fd;
	struct stat st;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "fwc: cannot write output: %s\n",
			    strerror(errno));
			return FWC_EXIT_SYSTEM;
		}
		return 0;
	}
	/* An existing path that is not a regular file (/dev/null, a FIFO)
	 * is written in place: renaming over it would replace a device
	 * node with a file when run as root. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		FILE *f = fopen(path, "w");

		if (f == NULL || fwrite(buf, 1, len, f) != len ||
		    fclose(f) != 0) {
			fprintf(stderr, "fwc: cannot write '%s': %s\n", path,
			    strerror(errno));
			return FWC_EXIT_SYSTEM;
		}
		return 0;
	}
	/* Temporary files of runs killed before their rename go first. */
	fwc_outdir_remove_temps(path);
	tmp = fwc_xmalloc(strlen(path) + sizeof(FWC_TEMP_SUFFIX));
	fd = open_temp(path, tmp);
	if (fd < 0) {
		fprintf(stderr, "fwc: cannot create '%s': %s\n", tmp,
		    strerror(errno));
		free(tmp);
		return FWC_EXIT_SYSTEM;
	}
	if (write_all(fd, buf, len) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return fail_temp(path, tmp);
	}
	return commit_temp(path, tmp, fd);
}

/* The sink of a stream: appends to its temporary file. */
static int
stream_write(struct fwc_strbuf_sink *k, const char *buf, size_t len)
{
	struct fwc_cli_stream *st = (struct fwc_cli_stream *)(void *)k;

	return write_all(st->fd, buf, len);
}

bool
fwc_cli_stream_open(
    struct fwc_cli_stream *st, const char *path, struct fwc_strbuf *sb)
{
	struct stat st_path;

	st->fd = -1;
	st->tmp = NULL;
	st->path = path;
	st->sink.write = stream_write;
	st->sink.err = 0;
	if (path == NULL || strcmp(path, "-") == 0 ||
	    (stat(path, &st_path) == 0 && !S_ISREG(st_path.st_mode)))
		return false;
	fwc_outdir_remove_temps(path);
	st->tmp = fwc_xmalloc(strlen(path) + sizeof(FWC_TEMP_SUFFIX));
	st->fd = open_temp(path, st->tmp);
	if (st->fd < 0) {
		/* fwc_cli_write_output() reports it after the emit. */
		free(st->tmp);
		st->tmp = NULL;
		return false;
	}
	sb->sink = &st->sink;
	return true;
}

int
fwc_cli_stream_commit(struct fwc_cli_stream *st, struct fwc_strbuf *sb)
{
	int fd = st->fd;
	char *tmp = st->tmp;
	int rc = fwc_strbuf_finish(sb);

	sb->sink = NULL;
	st->fd = -1;
	st->tmp = NULL;
	if (rc < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return fail_temp(st->path, tmp);
	}
	return commit_temp(st->path, tmp, fd);
}

void
fwc_cli_stream_abort(struct fwc_cli_stream *st, struct fwc_strbuf *sb)
{
	sb->sink = NULL;
	if (st->fd >= 0)
		close(st->fd);
	if (st->tmp != NULL) {
		unlink(st->tmp);
		free(st->tmp);
	}
	st->fd = -1;
	st->tmp = NULL;
}
