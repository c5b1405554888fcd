/* Batch bytes: a stage where messages are built, handed on in chunks of
 * FWC_NLB_CHUNK bytes to be kept, counted or streamed (nl_batch.h).
 *
 * Streaming. nfnetlink applies a batch atomically only when all of it
 * arrives in one datagram, and sendmsg takes a datagram from memory that
 * the caller has mapped. The stream maps an empty region of the
 * datagram's length and registers it with userfaultfd: when the kernel,
 * copying the datagram into its socket buffer, touches a page that is
 * not there, it waits, and the producer thread (which runs the batch's
 * generator a second time) places the chunk that holds it, then drops
 * the chunks before it, which the kernel has copied. So at most two
 * chunks of the batch are resident, whatever its size. The kernel copies
 * in order; a fault behind the chunks placed would mean that it reads a
 * dropped page again. Then, as when the generator makes other bytes than
 * the counting pass did, the stream is broken: from there on only zeros
 * are placed, nfnetlink meets a message of length 0 before any end
 * marker and discards the whole batch, and fwc_nlb_stream_finish() says
 * so. */
#include "nl_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fwc/util.h"

#define STAGE_BYTES (FWC_NLB_CHUNK + FWC_NLB_MSG_MAX)

struct fwc_nlb_stream {
	int uffd;
	int stop[2]; /* pipe: the main thread writes when sendmsg returned */
	char *base;
	size_t map_len;	    /* bytes rounded up to whole chunks */
	size_t bytes;	    /* the datagram's length */
	size_t off;	    /* bytes placed so far */
	size_t dropped;	    /* bytes before this were dropped again */
	size_t peak;	    /* most bytes placed and not dropped */
	bool stopped;	    /* the stop pipe was seen */
	const char *broken; /* why the stream failed, or NULL */
	fwc_nlb_gen gen;
	void *arg;
	pthread_t th;
	bool started;
};

static void flush(struct fwc_nlb *b, size_t n, bool last);

/* The producer cannot go on: closing the descriptor wakes the kernel,
 * which then reads zeros where nothing was placed, and discards the
 * batch. */
static void
give_up(struct fwc_nlb_stream *st, const char *why)
{
	if (st->broken == NULL)
		st->broken = why;
	if (st->uffd >= 0)
		close(st->uffd);
	st->uffd = -1;
	st->stopped = true;
}

void
fwc_nlb_init(struct fwc_nlb *b, enum fwc_nlb_mode mode)
{
	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->stage = fwc_xmalloc(STAGE_BYTES);
}

void
fwc_nlb_release(struct fwc_nlb *b)
{
	for (size_t i = 0; i < b->n_chunks; i++)
		free(b->chunks[i]);
	free(b->chunks);
	free(b->stage);
	memset(b, 0, sizeof(*b));
}

void *
fwc_nlb_tail(struct fwc_nlb *b)
{
	if (b->zhi < b->fill + FWC_NLB_MSG_MAX) {
		memset(
		    b->stage + b->zhi, 0, b->fill + FWC_NLB_MSG_MAX - b->zhi);
		b->zhi = b->fill + FWC_NLB_MSG_MAX;
	}
	return b->stage + b->fill;
}

void
fwc_nlb_next(struct fwc_nlb *b)
{
	const struct nlmsghdr *nlh = (const void *)(b->stage + b->fill);
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (len < NLMSG_HDRLEN || len > FWC_NLB_MSG_MAX)
		FWC_BUG("netlink message of %zu bytes", len);
	b->fill += len;
	b->total += len;
	if (b->zhi < b->fill)
		b->zhi = b->fill;
	if (b->fill >= FWC_NLB_CHUNK) {
		flush(b, FWC_NLB_CHUNK, false);
		/* What follows the chunk moves to the stage's start, with
		 * the zeroed bytes after it. */
		memmove(
		    b->stage, b->stage + FWC_NLB_CHUNK, b->zhi - FWC_NLB_CHUNK);
		b->fill -= FWC_NLB_CHUNK;
		b->zhi -= FWC_NLB_CHUNK;
	}
}

void
fwc_nlb_finish(struct fwc_nlb *b)
{
	flush(b, b->fill, true);
	b->fill = 0;
	b->zhi = 0;
	memset(b->stage, 0, FWC_NLB_MSG_MAX);
	b->zhi = FWC_NLB_MSG_MAX;
}

size_t
fwc_nlb_iov(const struct fwc_nlb *b, struct iovec **iov, int *n_iov)
{
	size_t left = b->total;

	*n_iov = (int)b->n_chunks;
	*iov = fwc_xcalloc(b->n_chunks ? b->n_chunks : 1, sizeof(**iov));
	for (size_t i = 0; i < b->n_chunks; i++) {
		size_t n = left < FWC_NLB_CHUNK ? left : FWC_NLB_CHUNK;

		(*iov)[i].iov_base = b->chunks[i];
		(*iov)[i].iov_len = n;
		left -= n;
	}
	return b->total;
}

/* ---- streaming ---- */

/* Waits for the kernel to fault in [off, off + n) of the region, serving
 * faults elsewhere with zero pages (a broken stream). Returns false when
 * the main thread said stop (sendmsg returned: nobody reads any more). */
static bool
await_fault(struct fwc_nlb_stream *st, size_t n)
{
	while (!st->stopped) {
		struct pollfd pf[2] = { { st->uffd, POLLIN, 0 },
			{ st->stop[0], POLLIN, 0 } };
		struct uffd_msg m;
		size_t rel;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			give_up(st, "cannot wait for the kernel's reads");
			return false;
		}
		if (pf[1].revents != 0) {
			st->stopped = true;
			return false;
		}
		if (read(st->uffd, &m, sizeof(m)) != (ssize_t)sizeof(m))
			continue; /* EAGAIN: woken for nothing */
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		rel = (size_t)(m.arg.pagefault.address - (uintptr_t)st->base);
		if (rel >= st->off && rel < st->off + n)
			return true;
		/* Not where the copy should be: never expected. The page
		 * gets zeros so that the kernel goes on, and the stream is
		 * broken. */
		st->broken = "the kernel read the batch out of order";
		{
			long pg = sysconf(_SC_PAGESIZE);
			struct uffdio_zeropage z = {
				.range = { .start = m.arg.pagefault.address &
						    ~(uint64_t)(pg - 1),
				    .len = (uint64_t)pg },
			};

			if (ioctl(st->uffd, UFFDIO_ZEROPAGE, &z) < 0) {
				give_up(st, "cannot skip a page");
				return false;
			}
		}
	}
	return false;
}

/* Places n bytes of src (readable up to a whole page past n) at the
 * stream's offset once the kernel wants them; last: the batch ends with
 * them. Once the stream is broken, what is placed is zeros: the kernel
 * meets a message of length 0 before any end marker and discards the
 * batch. */
static void
place(struct fwc_nlb_stream *st, char *src, size_t n, bool last)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct uffdio_copy c;

	if (st->stopped)
		return;
	if (st->off + n > st->bytes) {
		st->broken = "the batch came out longer than counted";
		n = st->bytes - st->off;
		if (n == 0)
			return;
	} else if (last && st->off + n < st->bytes && st->broken == NULL) {
		st->broken = "the batch came out shorter than counted";
	}
	if (n == 0)
		return;
	if (st->broken != NULL)
		memset(src, 0, n);
	if (!await_fault(st, n))
		return;
	memset(&c, 0, sizeof(c));
	c.dst = (uintptr_t)(st->base + st->off);
	c.src = (uintptr_t)src;
	c.len = (n + (size_t)pg - 1) & ~((size_t)pg - 1);
	while (ioctl(st->uffd, UFFDIO_COPY, &c) < 0) {
		if (errno == EAGAIN && c.copy > 0) {
			c.dst += (uint64_t)c.copy;
			c.src += (uint64_t)c.copy;
			c.len -= (uint64_t)c.copy;
			c.copy = 0;
			continue;
		}
		if (errno == EAGAIN)
			continue;
		give_up(st, "cannot place a chunk of the batch");
		return;
	}
	st->off += n;
	if (st->off - st->dropped > st->peak)
		st->peak = st->off - st->dropped;
	/* The kernel faulted in the chunk just placed: it has copied every
	 * byte before it. */
	if (st->off - n > st->dropped) {
		madvise(st->base + st->dropped, st->off - n - st->dropped,
		    MADV_DONTNEED);
		st->dropped = st->off - n;
	}
}

static void
flush(struct fwc_nlb *b, size_t n, bool last)
{
	if (n == 0 && b->mode != FWC_NLB_STREAM)
		return;
	switch (b->mode) {
	case FWC_NLB_COUNT:
		break;
	case FWC_NLB_MEMORY:
		if (b->n_chunks == b->cap_chunks) {
			b->cap_chunks = b->cap_chunks ? 2 * b->cap_chunks : 16;
			b->chunks = fwc_xrealloc(
			    b->chunks, b->cap_chunks * sizeof(*b->chunks));
		}
		b->chunks[b->n_chunks] = fwc_xmalloc(n);
		memcpy(b->chunks[b->n_chunks++], b->stage, n);
		break;
	case FWC_NLB_STREAM:
		if (n > 0 || last)
			place(b->st, b->stage, n, last);
		break;
	}
}

static void *
producer(void *arg)
{
	struct fwc_nlb_stream *st = arg;
	struct fwc_nlb b;

	fwc_nlb_init(&b, FWC_NLB_STREAM);
	b.st = st;
	if (st->gen(&b, st->arg) < 0 && st->broken == NULL)
		st->broken = "the batch could not be made again";
	fwc_nlb_finish(&b);
	fwc_nlb_release(&b);
	/* A stream broken before its end placed zeros or nothing; what is
	 * not placed yet reads as zeros too. Serve it until sendmsg
	 * returns. */
	while (st->off < st->bytes && !st->stopped) {
		struct uffdio_zeropage z;

		if (!await_fault(st, st->bytes - st->off))
			break;
		if (st->broken == NULL)
			st->broken = "the batch ended early";
		memset(&z, 0, sizeof(z));
		z.range.start = (uintptr_t)(st->base + st->off);
		z.range.len = st->map_len - st->off;
		if (ioctl(st->uffd, UFFDIO_ZEROPAGE, &z) < 0) {
			give_up(st, "cannot place the end of the batch");
			break;
		}
		st->off = st->bytes;
	}
	/* Every byte is placed; a fault now would be a read of a dropped
	 * page (never seen): zeros and a broken stream, not a hang. */
	while (!st->stopped && await_fault(st, 0))
		;
	return NULL;
}

/* True under a tracer (strace, gdb): one that reads sendmsg's data
 * would fault on the stream's empty pages while it holds the producer
 * thread stopped, and both would wait for ever. */
static bool
traced(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	bool yes = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "TracerPid:", 10) == 0) {
			yes = strtol(line + 10, NULL, 10) != 0;
			break;
		}
	fclose(f);
	return yes;
}

struct fwc_nlb_stream *
fwc_nlb_stream_new(void)
{
	struct fwc_nlb_stream *st;
	struct uffdio_api api = { .api = UFFD_API };
	const char *env = getenv("FWC_NL_STREAM");
	int e;

	if ((env != NULL && strcmp(env, "0") == 0) || traced()) {
		errno = ENOTSUP;
		return NULL;
	}
	st = fwc_xcalloc(1, sizeof(*st));
	st->stop[0] = st->stop[1] = -1;
	st->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (st->uffd < 0 || ioctl(st->uffd, UFFDIO_API, &api) < 0 ||
	    pipe2(st->stop, O_CLOEXEC) < 0) {
		e = errno;
		fwc_nlb_stream_free(st);
		errno = e;
		return NULL;
	}
	return st;
}

int
fwc_nlb_stream_map(struct fwc_nlb_stream *st, size_t bytes)
{
	struct uffdio_register reg;

	st->bytes = bytes;
	st->map_len =
	    (bytes + FWC_NLB_CHUNK - 1) / FWC_NLB_CHUNK * FWC_NLB_CHUNK;
	if (st->map_len == 0)
		st->map_len = FWC_NLB_CHUNK;
	st->base = mmap(NULL, st->map_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (st->base == MAP_FAILED) {
		st->base = NULL;
		return -1;
	}
	/* Huge pages would make the kernel fault whole 2 MiB at once. */
	(void)madvise(st->base, st->map_len, MADV_NOHUGEPAGE);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)st->base;
	reg.range.len = st->map_len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(st->uffd, UFFDIO_REGISTER, &reg) < 0)
		return -1;
	if ((reg.ioctls & ((uint64_t)1 << _UFFDIO_COPY)) == 0) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

void *
fwc_nlb_stream_base(const struct fwc_nlb_stream *st)
{
	return st->base;
}

int
fwc_nlb_stream_start(struct fwc_nlb_stream *st, fwc_nlb_gen gen, void *arg)
{
	int e;

	st->gen = gen;
	st->arg = arg;
	e = pthread_create(&st->th, NULL, producer, st);
	if (e != 0) {
		errno = e;
		return -1;
	}
	st->started = true;
	return 0;
}

int
fwc_nlb_stream_finish(struct fwc_nlb_stream *st, const char **why)
{
	char one = 1;

	if (st->started) {
		while (write(st->stop[1], &one, 1) < 0 && errno == EINTR)
			;
		pthread_join(st->th, NULL);
		st->started = false;
	}
	if (st->broken == NULL && st->off != st->bytes)
		st->broken = "the kernel did not read the whole batch";
	*why = st->broken;
	return st->broken != NULL ? -1 : 0;
}

size_t
fwc_nlb_stream_peak(const struct fwc_nlb_stream *st)
{
	return st->peak;
}

void
fwc_nlb_stream_free(struct fwc_nlb_stream *st)
{
	const char *why;

	if (st == NULL)
		return;
	if (st->started)
		(void)fwc_nlb_stream_finish(st, &why);
	if (st->base != NULL)
		munmap(st->base, st->map_len);
	if (st->uffd >= 0)
		close(st->uffd);
	if (st->stop[0] >= 0)
		close(st->stop[0]);
	if (st->stop[1] >= 0)
		close(st->stop[1]);
	free(st);
}
