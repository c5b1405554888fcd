/* Unit tests of backends/nl_batch.c, the bytes of a netlink batch:
 * counted, kept in memory and streamed give the same bytes; a stream is
 * never resident beyond two chunks; a stream whose generator makes
 * fewer or more bytes than counted fails and ends in zeros; and, as root
 * in a network namespace of its own, nfnetlink commits a streamed batch
 * and discards a broken one. The streams are real (userfaultfd): under
 * valgrind, which lacks it, or with FWC_NL_STREAM=0, those tests skip. */
#define _GNU_SOURCE /* unshare, CLONE_NEWNET */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>

#include "nl_batch.h"

/* A synthetic batch of n messages of varied lengths whose bytes depend
 * on their index; cut leaves out the last messages, extra adds some. */
struct synth {
	size_t n;
	size_t cut;
	size_t extra;
};

static size_t
synth_len(size_t i)
{
	return NLMSG_HDRLEN + 4 * ((i * 37) % 300);
}

static int
synth_gen(struct fwc_nlb *b, void *arg)
{
	const struct synth *sy = arg;
	size_t n = sy->n - sy->cut + sy->extra;

	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *h = fwc_nlb_tail(b);
		unsigned char *p = (unsigned char *)h + NLMSG_HDRLEN;
		size_t len = synth_len(i);

		h->nlmsg_len = (uint32_t)len;
		h->nlmsg_type = (uint16_t)(0x100 + i % 7);
		h->nlmsg_seq = (uint32_t)i;
		for (size_t k = 0; k < len - NLMSG_HDRLEN; k++)
			p[k] = (unsigned char)(i * 7 + k);
		fwc_nlb_next(b);
	}
	return 0;
}

/* The batch kept in memory, as one block (heap). */
static unsigned char *
in_memory(struct synth *sy, size_t *len)
{
	struct fwc_nlb b;
	struct iovec *iov;
	int n_iov;
	unsigned char *out;
	size_t off = 0;

	fwc_nlb_init(&b, FWC_NLB_MEMORY);
	assert_int_equal(synth_gen(&b, sy), 0);
	fwc_nlb_finish(&b);
	*len = fwc_nlb_iov(&b, &iov, &n_iov);
	out = malloc(*len);
	assert_non_null(out);
	for (int i = 0; i < n_iov; i++) {
		assert_true(iov[i].iov_len <= FWC_NLB_CHUNK);
		memcpy(out + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	assert_int_equal(off, *len);
	free(iov);
	fwc_nlb_release(&b);
	return out;
}

static size_t
counted(struct synth *sy)
{
	struct fwc_nlb b;
	size_t n;

	fwc_nlb_init(&b, FWC_NLB_COUNT);
	assert_int_equal(synth_gen(&b, sy), 0);
	fwc_nlb_finish(&b);
	n = b.total;
	fwc_nlb_release(&b);
	return n;
}

static void
memory_equals_count(void **state)
{
	struct synth sy = { 40000, 0, 0 };
	size_t len;
	unsigned char *m = in_memory(&sy, &len);
	size_t off = 0;

	(void)state;
	assert_int_equal(len, counted(&sy));
	assert_true(len > 20 * FWC_NLB_CHUNK);
	/* Every message is where the generator put it, whole. */
	for (size_t i = 0; i < sy.n; i++) {
		const struct nlmsghdr *h = (const void *)(m + off);

		assert_int_equal(h->nlmsg_len, synth_len(i));
		assert_int_equal(h->nlmsg_seq, i);
		off += synth_len(i);
	}
	assert_int_equal(off, len);
	free(m);
}

/* ---- streams, read back through a pipe ---- */

struct reader {
	int fd;
	unsigned char *buf;
	size_t len;
	size_t got;
};

static void *
read_all(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	while (r->got < r->len &&
	       (n = read(r->fd, r->buf + r->got, r->len - r->got)) > 0)
		r->got += (size_t)n;
	return NULL;
}

/* Bytes of [base, base + len) in memory now (mincore). */
static size_t
resident_bytes(void *base, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (len + pg - 1) / pg;
	unsigned char *v = calloc(n, 1);
	size_t in = 0;

	assert_non_null(v);
	assert_int_equal(mincore(base, n * pg, v), 0);
	for (size_t i = 0; i < n; i++)
		in += v[i] & 1;
	free(v);
	return in * pg;
}

/* Streams the batch of sy, counted as `bytes` long, into a pipe; returns
 * fwc_nlb_stream_finish's result, the bytes read in *out (heap), or -2
 * when the system cannot stream. */
static int
stream_through_pipe(struct synth *sy, size_t bytes, unsigned char **out,
    size_t *peak, size_t *resident, const char **why)
{
	struct fwc_nlb_stream *st = fwc_nlb_stream_new();
	struct reader r;
	pthread_t th;
	int fds[2];
	size_t done = 0;
	int rc;

	if (st == NULL)
		return -2;
	assert_int_equal(fwc_nlb_stream_map(st, bytes), 0);
	assert_int_equal(pipe(fds), 0);
	r.fd = fds[0];
	r.len = bytes;
	r.got = 0;
	r.buf = calloc(1, bytes);
	assert_non_null(r.buf);
	assert_int_equal(pthread_create(&th, NULL, read_all, &r), 0);
	assert_int_equal(fwc_nlb_stream_start(st, synth_gen, sy), 0);
	while (done < bytes) {
		ssize_t n = write(fds[1],
		    (char *)fwc_nlb_stream_base(st) + done, bytes - done);

		assert_true(n > 0);
		done += (size_t)n;
	}
	rc = fwc_nlb_stream_finish(st, why);
	*peak = fwc_nlb_stream_peak(st);
	*resident = resident_bytes(fwc_nlb_stream_base(st), bytes);
	close(fds[1]);
	pthread_join(th, NULL);
	close(fds[0]);
	assert_int_equal(r.got, bytes);
	fwc_nlb_stream_free(st);
	*out = r.buf;
	return rc;
}

static void
stream_equals_memory(void **state)
{
	struct synth sy = { 40000, 0, 0 };
	size_t len;
	unsigned char *m = in_memory(&sy, &len);
	unsigned char *s = NULL;
	size_t peak = 0;
	size_t resident = 0;
	const char *why = NULL;
	int rc;

	(void)state;
	rc = stream_through_pipe(&sy, len, &s, &peak, &resident, &why);
	if (rc == -2) {
		free(m);
		skip();
	}
	assert_int_equal(rc, 0);
	assert_null(why);
	assert_memory_equal(s, m, len);
	/* Never more than two chunks resident, for a batch of more than
	 * twenty; at the end, only the last. */
	assert_true(peak > 0);
	assert_true(peak <= 2 * FWC_NLB_CHUNK);
	if (resident > FWC_NLB_CHUNK)
		print_error("resident %zu of %zu\n", resident, len);
	assert_true(resident <= FWC_NLB_CHUNK);
	free(s);
	free(m);
}

/* A generator that makes fewer (cut) or more (extra) bytes than the
 * counting pass: the stream fails, and its last bytes are zeros, so that
 * no end marker arrives. */
static void
broken_stream(size_t cut, size_t extra)
{
	struct synth full = { 20000, 0, 0 };
	struct synth bad = { 20000, cut, extra };
	size_t len = counted(&full);
	unsigned char *s = NULL;
	size_t peak = 0;
	size_t resident = 0;
	const char *why = NULL;
	int rc = stream_through_pipe(&bad, len, &s, &peak, &resident, &why);
	static const unsigned char zeros[64];

	if (rc == -2)
		skip();
	assert_int_equal(rc, -1);
	assert_non_null(why);
	assert_memory_equal(s + len - sizeof(zeros), zeros, sizeof(zeros));
	free(s);
}

static void
short_stream_fails(void **state)
{
	(void)state;
	broken_stream(3, 0);
}

static void
long_stream_fails(void **state)
{
	(void)state;
	broken_stream(0, 3);
}

/* ---- nfnetlink, in a network namespace of our own ---- */

struct tables {
	size_t n;     /* updates of the table after its creation */
	bool broken;  /* stop before the end marker */
	uint32_t seq; /* first sequence number */
};

static void
put_msg(struct fwc_nlb *b, uint16_t type, uint16_t flags, uint32_t seq,
    uint8_t family, const char *table)
{
	struct nlmsghdr *h = fwc_nlb_tail(b);
	struct nfgenmsg *g = (struct nfgenmsg *)((char *)h + NLMSG_HDRLEN);

	h->nlmsg_len = NLMSG_HDRLEN + sizeof(*g);
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = seq;
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	if (table != NULL) {
		struct nlattr *a = (struct nlattr *)((char *)h + h->nlmsg_len);
		size_t n = strlen(table) + 1;

		a->nla_type = NFTA_TABLE_NAME;
		a->nla_len = (uint16_t)(NLA_HDRLEN + n);
		memcpy((char *)a + NLA_HDRLEN, table, n);
		h->nlmsg_len += NLA_ALIGN(a->nla_len);
	}
	fwc_nlb_next(b);
}

/* BATCH_BEGIN, NEWTABLE inet fwctest, n more NEWTABLEs of it (updates
 * that change nothing), BATCH_END. */
static int
tables_gen(struct fwc_nlb *b, void *arg)
{
	const struct tables *t = arg;
	uint32_t seq = t->seq;
	size_t n = t->broken ? t->n / 2 : t->n;

	put_msg(b, NFNL_MSG_BATCH_BEGIN, 0, seq++, AF_UNSPEC, NULL);
	for (size_t i = 0; i <= n; i++)
		put_msg(b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE,
		    NLM_F_CREATE, seq++, NFPROTO_INET, "fwctest");
	put_msg(b, NFNL_MSG_BATCH_END, 0, seq++, AF_UNSPEC, NULL);
	return 0;
}

/* 0 when table inet fwctest exists, else the errno of GETTABLE. */
static int
table_state(int fd)
{
	char buf[8192];
	struct fwc_nlb b;
	const struct nlmsghdr *h;
	ssize_t n;
	int err = EIO;

	fwc_nlb_init(&b, FWC_NLB_MEMORY);
	put_msg(&b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, NLM_F_ACK,
	    1, NFPROTO_INET, "fwctest");
	h = fwc_nlb_tail(&b);
	(void)h;
	if (send(fd, b.stage, b.fill, 0) < 0) {
		fwc_nlb_release(&b);
		return errno;
	}
	fwc_nlb_release(&b);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		int len = (int)n;

		for (h = (const void *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error == 0 ? 0 : -e->error;
			}
			if ((h->nlmsg_type & 0xff) == NFT_MSG_NEWTABLE)
				err = 0;
		}
	}
	return err;
}

/* Streams the batch of t over a netfilter socket; the child's exit
 * status: 0 when the table is there (broken: absent) afterwards. */
static int
netlink_child(bool broken)
{
	struct tables t = { 60000, broken, 1000 };
	struct tables full = { 60000, false, 1000 };
	struct fwc_nlb c;
	struct fwc_nlb_stream *st;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { 10, 0 };
	const char *why = NULL;
	int fd;
	int snd;
	int rc;
	size_t bytes;

	if (unshare(CLONE_NEWNET) < 0)
		return 77;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 77;
	fwc_nlb_init(&c, FWC_NLB_COUNT);
	tables_gen(&c, &full);
	fwc_nlb_finish(&c);
	bytes = c.total;
	fwc_nlb_release(&c);
	if (bytes < 4 * FWC_NLB_CHUNK)
		return 10;
	snd = (int)bytes + 65536;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		return 11;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	st = fwc_nlb_stream_new();
	if (st == NULL)
		return 77;
	if (fwc_nlb_stream_map(st, bytes) < 0 ||
	    fwc_nlb_stream_start(st, tables_gen, &t) < 0)
		return 12;
	{
		struct iovec iov = { fwc_nlb_stream_base(st), bytes };
		struct msghdr mh = { .msg_name = &sa,
			.msg_namelen = sizeof(sa),
			.msg_iov = &iov,
			.msg_iovlen = 1 };

		if (sendmsg(fd, &mh, 0) != (ssize_t)bytes)
			return 13;
	}
	rc = fwc_nlb_stream_finish(st, &why);
	fwc_nlb_stream_free(st);
	if (rc != (broken ? -1 : 0))
		return 14;
	rc = table_state(fd);
	close(fd);
	if (broken)
		return rc == ENOENT ? 0 : 15;
	return rc == 0 ? 0 : 16;
}

static void
netlink_run(bool broken)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(netlink_child(broken));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
netlink_commits_stream(void **state)
{
	(void)state;
	netlink_run(false);
}

static void
netlink_discards_broken_stream(void **state)
{
	(void)state;
	netlink_run(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_equals_count),
		cmocka_unit_test(stream_equals_memory),
		cmocka_unit_test(short_stream_fails),
		cmocka_unit_test(long_stream_fails),
		cmocka_unit_test(netlink_commits_stream),
		cmocka_unit_test(netlink_discards_broken_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
