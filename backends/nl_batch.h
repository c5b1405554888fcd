/* The bytes of a netlink batch, written one message at a time, and the
 * ways of handing them to the kernel: counted only (to learn the length
 * of the datagram before sending it), kept in memory in full chunks, or
 * streamed: regenerated while the kernel copies the datagram, so that the
 * batch is never all in memory at once (userfaultfd; see
 * docs/apply.md "Memory"). No libnftnl or libmnl here: callers build each
 * message at the tail with them. */
#ifndef FWC_NL_BATCH_H
#define FWC_NL_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

/* Room at the tail for one message: a message's 16-bit attribute lengths
 * keep it below this. */
#define FWC_NLB_MSG_MAX (65535u + 4096u)
/* Bytes handed on at a time: kept, counted or streamed. */
#define FWC_NLB_CHUNK (64u * 1024u)

enum fwc_nlb_mode {
	FWC_NLB_MEMORY, /* keep every chunk (fwc_nlb_iov) */
	FWC_NLB_COUNT,	/* keep nothing, count the bytes */
	FWC_NLB_STREAM	/* hand each chunk to a stream (producer side) */
};

struct fwc_nlb_stream;

struct fwc_nlb {
	enum fwc_nlb_mode mode;
	char *stage;   /* FWC_NLB_CHUNK + FWC_NLB_MSG_MAX bytes, heap */
	size_t fill;   /* bytes of finished messages in stage */
	size_t zhi;    /* stage[fill, zhi) is zero */
	size_t total;  /* bytes of finished messages in all */
	char **chunks; /* memory mode: full chunks, heap */
	size_t n_chunks;
	size_t cap_chunks;
	struct fwc_nlb_stream *st; /* stream mode: borrowed */
};

void fwc_nlb_init(struct fwc_nlb *b, enum fwc_nlb_mode mode);
void fwc_nlb_release(struct fwc_nlb *b);

/* Where the next message goes: FWC_NLB_MSG_MAX zero bytes, so that the
 * padding its builder leaves unwritten is zero. */
void *fwc_nlb_tail(struct fwc_nlb *b);
/* The message at the tail is complete (its length is in its header). */
void fwc_nlb_next(struct fwc_nlb *b);
/* Hands on the last, partial chunk; call once, after the last message. */
void fwc_nlb_finish(struct fwc_nlb *b);

/* Memory mode, after fwc_nlb_finish: the batch as *n_iov pieces in
 * *iov (heap, caller frees; the pieces stay owned by b). Returns the
 * total length. */
size_t fwc_nlb_iov(const struct fwc_nlb *b, struct iovec **iov, int *n_iov);

/* ---- streaming ---- */

/* Writes the whole batch into b (stream mode) and returns 0, or -1. */
typedef int (*fwc_nlb_gen)(struct fwc_nlb *b, void *arg);

/* A stream, or NULL with errno set when the system cannot stream (no
 * userfaultfd: older kernels, containers that filter it, valgrind), when
 * the process is traced (strace, gdb: a tracer reading the datagram
 * would wait for the producer it holds stopped), or with FWC_NL_STREAM=0
 * in the environment: then the caller builds the batch in memory. */
struct fwc_nlb_stream *fwc_nlb_stream_new(void);
/* Maps the stream's region for a datagram of `bytes` bytes, the length
 * that a counting pass of the generator found. Returns 0 or -1 (errno). */
int fwc_nlb_stream_map(struct fwc_nlb_stream *st, size_t bytes);
/* Where the datagram lies: pass it to sendmsg as one piece of `bytes`
 * bytes after fwc_nlb_stream_start. */
void *fwc_nlb_stream_base(const struct fwc_nlb_stream *st);
/* Starts a thread that runs gen and places each chunk when the kernel,
 * copying the datagram, reaches it; chunks it has copied are dropped.
 * Returns 0 or -1 (errno). */
int fwc_nlb_stream_start(struct fwc_nlb_stream *st, fwc_nlb_gen gen, void *arg);
/* Call when sendmsg has returned: stops and joins the thread. Returns 0
 * when every byte was delivered in order, each exactly as the counting
 * pass made it; -1 otherwise, and then the end of the batch was withheld
 * or spoilt so that the kernel discarded it. why receives the reason. */
int fwc_nlb_stream_finish(struct fwc_nlb_stream *st, const char **why);
/* Peak number of the datagram's bytes resident at once (for tests). */
size_t fwc_nlb_stream_peak(const struct fwc_nlb_stream *st);
void fwc_nlb_stream_free(struct fwc_nlb_stream *st);

#endif
