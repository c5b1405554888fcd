/* `fwc apply`, `fwc confirm`, `fwc status`: put one enforcement point's
 * rules into the running kernel over netlink (backends/nft_netlink.c),
 * keep or revert them, and compare the live table with the policy.
 *
 * State lives in a directory per network namespace, FWC_RUNDIR (default
 * /run/fwc) / net-INODE: `lock` (flock, held by every command that
 * changes the table, so that two applies never interleave), `revert`
 * (the batch that restores the table as it was before an
 * `apply --confirm`) and `timer` (the pid of the detached process that
 * sends it when the time is up). See docs/apply.md. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nft_model.h"
#include "nft_netlink.h"
#include "fwc/arena.h"
#include "fwc/cli.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/phase.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define CONFIRM_MAX 86400u /* one day */

struct apply_args {
	struct fwc_cli_policy_opts po;
	const char *policy;
	const char *gateway;
	const char *host;
	bool check;
	unsigned int confirm; /* seconds, 0 = none */
};

static int
parse_args(const struct fwc_command *cmd, int argc, char **argv,
    struct apply_args *aa, bool allow_apply_opts)
{
	int i;

	memset(aa, 0, sizeof(*aa));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r = fwc_cli_policy_arg(cmd, &aa->po, argc, argv, &i);

		if (r < 0)
			return FWC_EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(a, "--gateway") == 0 || strcmp(a, "--host") == 0 ||
		    (allow_apply_opts && strcmp(a, "--confirm") == 0)) {
			if (i + 1 == argc)
				return fwc_cli_usage_error(
				    cmd, "option '%s' needs a value", a);
			if (strcmp(a, "--gateway") == 0) {
				aa->gateway = argv[++i];
			} else if (strcmp(a, "--host") == 0) {
				aa->host = argv[++i];
			} else {
				char *end = NULL;
				unsigned long v;

				errno = 0;
				v = strtoul(argv[++i], &end, 10);
				if (errno != 0 || end == argv[i] ||
				    *end != '\0' || v == 0 || v > CONFIRM_MAX)
					return fwc_cli_usage_error(cmd,
					    "--confirm needs a number of "
					    "seconds from 1 to %u, not '%s'",
					    CONFIRM_MAX, argv[i]);
				aa->confirm = (unsigned int)v;
			}
		} else if (allow_apply_opts && strcmp(a, "--check") == 0) {
			aa->check = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			return fwc_cli_usage_error(
			    cmd, "unknown option '%s'", a);
		} else if (aa->policy == NULL) {
			aa->policy = a;
		} else {
			return fwc_cli_usage_error(
			    cmd, "more than one policy file ('%s')", a);
		}
	}
	if (aa->policy == NULL)
		return fwc_cli_usage_error(cmd, "no policy file");
	if ((aa->gateway == NULL) == (aa->host == NULL))
		return fwc_cli_usage_error(cmd,
		    "'%s' needs exactly one of --gateway NAME or --host NAME",
		    argv[0]);
	if (aa->check && aa->confirm)
		return fwc_cli_usage_error(
		    cmd, "--check commits nothing: it takes no --confirm");
	return 0;
}

/* The enforcement point the arguments name, or NULL after an error. */
static struct fwc_ruleset *
find_point(const struct apply_args *aa, const struct fwc_program *prog)
{
	const char *name = aa->gateway ? aa->gateway : aa->host;
	struct fwc_ruleset *rs = fwc_program_find(prog, name);

	if (rs == NULL || (aa->gateway && rs->kind != FWC_EP_GATEWAY) ||
	    (aa->host && rs->kind != FWC_EP_HOST)) {
		fprintf(stderr,
		    "fwc: error: no %s '%s' among the enforcement points of "
		    "policy '%s'\n",
		    aa->gateway ? "gateway" : "host firewall", name,
		    prog->policy);
		return NULL;
	}
	if (rs->os == NULL || strcmp(rs->os, "linux") != 0) {
		fprintf(stderr,
		    "fwc: error: %s '%s' runs os '%s': only linux points can "
		    "be applied over netlink\n",
		    rs->kind == FWC_EP_GATEWAY ? "gateway" : "host", name,
		    rs->os ? rs->os : "?");
		return NULL;
	}
	return rs;
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct fwc_ivl *x = a;
	const struct fwc_ivl *y = b;

	return fwc_u128_cmp(x->lo, y->lo);
}

/* Resolves the DNS names of every address set (getaddrinfo, this
 * host's resolver) into s->extra, and describes them in info. */
static void
resolve_fqdns(
    struct fwc_nft_table *t, struct fwc_strbuf *info, struct fwc_diag *dg)
{
	size_t i;
	size_t k;

	for (i = 0; i < t->n_sets; i++) {
		struct fwc_nft_set *s = t->sets[i];
		const struct fwc_ir_set *is = s->ir;
		bool v4 = s->key == FWC_NFT_KEY_IPV4;

		if (is == NULL || is->n_fqdns == 0)
			continue;
		for (k = 0; k < is->n_fqdns; k++) {
			struct addrinfo hints;
			struct addrinfo *res = NULL;
			struct addrinfo *ai;
			int err;
			size_t before = s->n_extra;

			memset(&hints, 0, sizeof(hints));
			hints.ai_family = v4 ? AF_INET : AF_INET6;
			hints.ai_socktype = SOCK_STREAM;
			err = getaddrinfo(is->fqdns[k], NULL, &hints, &res);
			fwc_strbuf_addf(
			    info, "set %s: %s ->", s->name, is->fqdns[k]);
			if (err != 0) {
				fwc_warning(dg, NULL,
				    "cannot resolve '%s' (%s) for set %s: %s",
				    is->fqdns[k], v4 ? "IPv4" : "IPv6", s->name,
				    gai_strerror(err));
				fwc_strbuf_adds(info, " (unresolved)\n");
				continue;
			}
			for (ai = res; ai != NULL; ai = ai->ai_next) {
				struct fwc_ivl iv;

				memset(&iv, 0, sizeof(iv));
				if (v4) {
					const unsigned char *b =
					    (const unsigned char *)&(
						(struct sockaddr_in *)(void *)
						    ai->ai_addr)
						->sin_addr;

					iv.lo.lo = ((uint64_t)b[0] << 24) |
						   ((uint64_t)b[1] << 16) |
						   ((uint64_t)b[2] << 8) | b[3];
				} else {
					const unsigned char *b =
					    ((struct sockaddr_in6 *)(void *)
						    ai->ai_addr)
						->sin6_addr.s6_addr;
					int j;

					for (j = 0; j < 8; j++)
						iv.lo.hi =
						    (iv.lo.hi << 8) | b[j];
					for (j = 8; j < 16; j++)
						iv.lo.lo =
						    (iv.lo.lo << 8) | b[j];
				}
				iv.hi = iv.lo;
				s->extra = fwc_xrealloc(s->extra,
				    (s->n_extra + 1) * sizeof(*s->extra));
				s->extra[s->n_extra++] = iv;
			}
			freeaddrinfo(res);
			qsort(s->extra + before, s->n_extra - before,
			    sizeof(*s->extra), addr_cmp);
			for (size_t j = before; j < s->n_extra; j++) {
				if (j > before && fwc_u128_cmp(s->extra[j].lo,
						      s->extra[j - 1].lo) == 0)
					continue;
				fwc_strbuf_addc(info, ' ');
				fwc_addr_format(info,
				    v4 ? FWC_FAM_IP4 : FWC_FAM_IP6,
				    s->extra[j].lo);
			}
			fwc_strbuf_addc(info, '\n');
		}
	}
}

/* ---- state directory, lock ---- */

static char state_dir[256];

static int
make_state_dir(void)
{
	const char *base = getenv("FWC_RUNDIR");
	struct stat st;

	if (base == NULL || base[0] == '\0')
		base = "/run/fwc";
	if (stat("/proc/self/ns/net", &st) < 0) {
		fprintf(stderr,
		    "fwc: cannot identify the network namespace: %s\n",
		    strerror(errno));
		return -1;
	}
	if (mkdir(base, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "fwc: cannot create '%s': %s\n", base,
		    strerror(errno));
		return -1;
	}
	snprintf(state_dir, sizeof(state_dir), "%s/net-%lu", base,
	    (unsigned long)st.st_ino);
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "fwc: cannot create '%s': %s\n", state_dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
state_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", state_dir, name);
}

/* Takes the lock of this namespace's table; returns its fd or -1. */
static int
take_lock(void)
{
	char path[300];
	int fd;

	state_path(path, sizeof(path), "lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "fwc: cannot open '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "fwc: cannot lock '%s': %s\n", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int
write_file(const char *path, const char *buf, size_t len)
{
	char tmp[320];
	int fd;
	size_t off = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct fwc_strbuf sb;
	char chunk[65536];
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	fwc_strbuf_init(&sb);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwc_strbuf_addn(&sb, chunk, n);
	fclose(f);
	buf = fwc_strbuf_detach(&sb, len);
	fwc_strbuf_release(&sb);
	return buf;
}

/* ---- the revert timer ---- */

/* What one `fwc apply` holds on the heap: released at its end, and by
 * the timer process right after the fork. */
struct apply_mem {
	struct fwc_arena *a; /* the compiled policy */
	struct fwc_diag dg;
	struct fwc_nft_table t;
	struct fwc_strbuf info;
	char *saved; /* the batch that restores the previous table */
};

static void
apply_mem_release(struct apply_mem *m)
{
	free(m->saved);
	m->saved = NULL;
	fwc_strbuf_release(&m->info);
	fwc_nft_model_release(&m->t);
	fwc_diag_release(&m->dg);
	fwc_arena_release(m->a);
	m->a = NULL;
}

/* Sends the saved batch if it is still pending. Runs in the detached
 * timer process, and is the whole of its work. */
static int
revert_now(void)
{
	char path[300];
	char *buf;
	size_t len;
	struct fwc_diag dg;
	int lock = take_lock();
	int rc;

	if (lock < 0)
		return FWC_EXIT_SYSTEM;
	state_path(path, sizeof(path), "revert");
	buf = read_file(path, &len);
	if (buf == NULL) {
		close(lock); /* confirmed meanwhile */
		return FWC_EXIT_OK;
	}
	fwc_diag_init(&dg, stderr);
	rc = fwc_nl_send_saved(buf, len, &dg);
	free(buf);
	if (rc == FWC_NL_OK) {
		unlink(path);
		state_path(path, sizeof(path), "timer");
		unlink(path);
	}
	fwc_diag_release(&dg);
	close(lock);
	return rc == FWC_NL_OK ? FWC_EXIT_OK : FWC_EXIT_SYSTEM;
}

/* The start time of process pid (field 22 of /proc/PID/stat, clock
 * ticks since boot), or 0 when there is no such process. With the pid it
 * names one process: stop_timer() signals only the timer that wrote its
 * file. */
static unsigned long long
proc_start(pid_t pid)
{
	char path[64];
	char *txt;
	char *p;
	size_t len;
	unsigned long long start = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	txt = read_file(path, &len);
	if (txt == NULL)
		return 0;
	/* After the command name in parentheses (which may hold spaces
	 * and parentheses itself) come fields 3, 4, ... */
	p = strrchr(txt, ')');
	for (field = 2; p != NULL && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		start = strtoull(p + 1, NULL, 10);
	free(txt);
	return start;
}

/* Starts the detached timer: a double fork with setsid, so that the
 * timer is adopted by init, has no terminal, and outlives the fwc process
 * even when that is killed with SIGKILL. Returns 0 or -1. */
static int
start_timer(unsigned int seconds, int lock, struct apply_mem *m)
{
	int ready[2]; /* the timer writes one byte once it is in place */
	pid_t pid;
	int status;
	ssize_t n;
	char c;

	if (pipe(ready) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		pid_t gc;
		char path[300];
		char pidtxt[64];
		int fd;

		/* The lock belongs to this apply: the timer takes its own
		 * when the time is up. The compiled policy and the model
		 * are the apply's too: the timer would otherwise keep them
		 * for its whole wait, and both processes end without
		 * freeing them (a leak that memcheck reports, and whose
		 * exit status 99 made this start fail under valgrind). */
		close(lock);
		close(ready[0]);
		apply_mem_release(m);
		if (setsid() < 0)
			_exit(1);
		gc = fork();
		if (gc < 0)
			_exit(1);
		if (gc > 0)
			_exit(0);
		signal(SIGHUP, SIG_IGN);
		if (chdir("/") < 0)
			_exit(1);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		/* Nobody reads the terminal any more: a failed revert says
		 * why in the state directory. */
		state_path(path, sizeof(path), "timer.log");
		fd =
		    open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		snprintf(pidtxt, sizeof(pidtxt), "%ld %llu\n", (long)getpid(),
		    proc_start(getpid()));
		state_path(path, sizeof(path), "timer");
		if (write_file(path, pidtxt, strlen(pidtxt)) < 0 ||
		    write(ready[1], "1", 1) != 1)
			_exit(1);
		close(ready[1]);
		{
			struct timespec ts = { (time_t)seconds, 0 };

			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
		_exit(revert_now());
	}
	/* The intermediate child's exit only says that the timer was
	 * forked: its byte says that it runs, detached, with its pid file
	 * written (end of file: it died before). */
	close(ready[1]);
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || n != 1)
		return -1;
	return 0;
}

/* Stops the timer process, if any; with the lock held. The timer
 * checks for the saved batch under the lock, so this only spares it the
 * wait. */
static void
stop_timer(void)
{
	char path[300];
	char *txt;
	size_t len;

	state_path(path, sizeof(path), "timer");
	txt = read_file(path, &len);
	if (txt != NULL) {
		long pid = 0;
		unsigned long long start = 0;

		/* Only the process that wrote the file: the pid may have
		 * been reused since, but not together with its start
		 * time. */
		if (sscanf(txt, "%ld %llu", &pid, &start) == 2 && pid > 1 &&
		    start != 0 && proc_start((pid_t)pid) == start)
			kill((pid_t)pid, SIGTERM);
		free(txt);
		unlink(path);
	}
}

/* Cancels a pending revert: removes the saved batch, then stops the
 * timer. Called with the lock held. Returns true when one was pending. */
static bool
cancel_revert(void)
{
	char path[300];
	bool pending;

	state_path(path, sizeof(path), "revert");
	pending = unlink(path) == 0;
	stop_timer();
	return pending;
}

/* ---- commands ---- */

static int
report_rc(int nl_rc)
{
	return nl_rc == FWC_NL_OK	 ? FWC_EXIT_OK
	       : nl_rc == FWC_NL_REFUSED ? FWC_EXIT_REJECTED
					 : FWC_EXIT_SYSTEM;
}

static size_t
count_rules(const struct fwc_nft_table *t)
{
	size_t n = 0;
	size_t i;

	for (i = 0; i < t->n_chains; i++)
		n += t->chains[i].n_rules;
	for (i = 0; i < t->n_dchains; i++)
		n += t->dchains[i].n_rules;
	return n;
}

/* Compiles the policy and builds the model of the named point. Returns
 * 0 or an exit status. */
static int
prepare(const struct apply_args *aa, struct fwc_arena **ap, struct fwc_diag *dg,
    struct fwc_nft_table *t, struct fwc_strbuf *info)
{
	struct fwc_program *prog = NULL;
	struct fwc_ruleset *rs;
	struct fwc_arena *keep;
	int rc = fwc_cli_compile(aa->policy, &aa->po, *ap, dg, &prog);

	if (rc != 0)
		return rc;
	rs = find_point(aa, prog);
	if (rs == NULL)
		return FWC_EXIT_REJECTED;
	/* Only rs is lowered from here: it moves to an arena of its own and
	 * the policy objects and other rulesets are released before the
	 * model takes memory of its own (as fwc compile does), when that
	 * lowers the peak; what they held goes back to the system, since
	 * the model and the batch grow elsewhere (10,000 rules: 4 MB). */
	if (fwc_ruleset_move_pays(rs)) {
		keep = fwc_arena_new();
		rs = fwc_ruleset_move(keep, *ap, rs);
		fwc_arena_release(*ap);
		fwc_arena_trim();
		*ap = keep;
	}
	/* The batch reads the model, and of the IR rules only where each
	 * came from: they go once lowered. */
	if (fwc_nft_model_build_lean(t, rs, *ap, dg) < 0) {
		fwc_diag_flush(dg);
		return FWC_EXIT_REJECTED;
	}
	fwc_phase_mark("model", NULL);
	resolve_fqdns(t, info, dg);
	fwc_diag_flush(dg);
	return 0;
}

static int
run_apply(int argc, char **argv)
{
	struct apply_args aa;
	struct apply_mem m;
	char path[300];
	size_t saved_len = 0;
	bool existed = false;
	bool armed = false;
	int lock = -1;
	int rc;

	rc = parse_args(&fwc_cmd_apply, argc, argv, &aa, true);
	if (rc != 0)
		return rc;
	memset(&m, 0, sizeof(m));
	fwc_strbuf_init(&m.info);
	m.a = fwc_arena_new();
	rc = prepare(&aa, &m.a, &m.dg, &m.t, &m.info);
	if (rc != 0)
		goto out;
	if (make_state_dir() < 0 || (lock = take_lock()) < 0) {
		rc = FWC_EXIT_SYSTEM;
		goto out;
	}
	state_path(path, sizeof(path), "revert");
	if (aa.confirm && access(path, F_OK) == 0) {
		/* A revert is pending: it keeps the table from before the
		 * first unconfirmed apply, the last one known good; only
		 * its timer starts again. */
		fprintf(stderr,
		    "fwc: note: a revert is already pending; it will restore "
		    "the table from before the first unconfirmed apply\n");
		stop_timer();
		existed = true;
	} else if (aa.confirm) {
		rc = report_rc(
		    fwc_nl_save(&m.saved, &saved_len, &existed, &m.dg));
		fwc_diag_flush(&m.dg);
		if (rc != 0)
			goto out;
		if (write_file(path, m.saved, saved_len) < 0) {
			fprintf(stderr, "fwc: cannot write '%s': %s\n", path,
			    strerror(errno));
			rc = FWC_EXIT_SYSTEM;
			goto out;
		}
		armed = true;
	}
	/* The timer starts before the commit, so that no moment exists
	 * when our table is in force without it. */
	if (aa.confirm && start_timer(aa.confirm, lock, &m) < 0) {
		fprintf(stderr, "fwc: cannot start the revert timer\n");
		if (armed)
			unlink(path);
		rc = FWC_EXIT_SYSTEM;
		goto out;
	}
	rc = report_rc(fwc_nl_apply(&m.t, aa.check, &m.dg));
	fwc_diag_flush(&m.dg);
	if (rc != 0) {
		if (armed)
			cancel_revert();
		fprintf(stderr, "fwc: nothing was changed%s\n",
		    rc == FWC_EXIT_REJECTED ? " (the kernel refused the batch)"
					    : "");
		goto out;
	}
	fputs(m.info.buf, stdout);
	printf("%s table inet fwc for %s %s: %zu sets, %zu rules\n",
	    aa.check ? "checked (nothing committed)" : "applied",
	    m.t.rs->kind == FWC_EP_GATEWAY ? "gateway" : "host", m.t.rs->name,
	    m.t.n_sets, count_rules(&m.t));
	if (aa.confirm)
		printf("reverting to the %s in %u s unless 'fwc confirm' is "
		       "run\n",
		    existed || !armed ? "previous table"
				      : "state without "
					"table inet fwc",
		    aa.confirm);
out:
	if (lock >= 0)
		close(lock);
	apply_mem_release(&m);
	return rc;
}

static int
run_confirm(int argc, char **argv)
{
	int lock;
	bool pending;

	(void)argv;
	if (argc != 1)
		return fwc_cli_usage_error(
		    &fwc_cmd_confirm, "'confirm' takes no arguments");
	if (make_state_dir() < 0 || (lock = take_lock()) < 0)
		return FWC_EXIT_SYSTEM;
	pending = cancel_revert();
	close(lock);
	if (!pending) {
		fprintf(stderr, "fwc: no revert is pending\n");
		return FWC_EXIT_REJECTED;
	}
	printf("confirmed: the applied table stays\n");
	return FWC_EXIT_OK;
}

static int
run_status(int argc, char **argv)
{
	struct apply_args aa;
	struct fwc_arena *a = NULL;
	struct fwc_diag dg;
	struct fwc_nft_table t;
	struct fwc_strbuf info;
	struct fwc_strbuf report;
	int rc;

	rc = parse_args(&fwc_cmd_status, argc, argv, &aa, false);
	if (rc != 0)
		return rc;
	memset(&t, 0, sizeof(t));
	fwc_strbuf_init(&info);
	fwc_strbuf_init(&report);
	a = fwc_arena_new();
	rc = prepare(&aa, &a, &dg, &t, &info);
	if (rc != 0)
		goto out;
	rc = report_rc(fwc_nl_status(&t, &report, &dg));
	fwc_diag_flush(&dg);
	fputs(info.buf, stdout);
	fputs(report.buf, stdout);
	if (rc == FWC_EXIT_OK)
		printf("no drift: table inet fwc matches %s %s\n",
		    t.rs->kind == FWC_EP_GATEWAY ? "gateway" : "host",
		    t.rs->name);
out:
	fwc_strbuf_release(&info);
	fwc_strbuf_release(&report);
	fwc_nft_model_release(&t);
	fwc_diag_release(&dg);
	fwc_arena_release(a);
	return rc;
}

const struct fwc_command fwc_cmd_apply = { "apply",
	"       fwc apply   POLICY (--gateway NAME | --host NAME) [--check] "
	"[--confirm SECONDS]\n",
	"  apply POLICY --gateway NAME     replace table inet fwc in the running\n"
	"                                  kernel atomically over netlink;\n"
	"                                  --check validates without committing,\n"
	"                                  --confirm S reverts after S seconds\n"
	"                                  unless 'fwc confirm' (docs/apply.md)\n",
	run_apply };
const struct fwc_command fwc_cmd_confirm = { "confirm", "       fwc confirm\n",
	"  confirm                         keep what 'apply --confirm' applied\n",
	run_confirm };
const struct fwc_command fwc_cmd_status = { "status",
	"       fwc status  POLICY (--gateway NAME | --host NAME)\n",
	"  status POLICY --gateway NAME    live table vs policy; exit 1 on drift\n",
	run_status };
