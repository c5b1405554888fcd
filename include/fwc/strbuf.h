/* Growable NUL-terminated byte buffer. Invariants: buf is never NULL and
 * buf[len] == '\0'. */
#ifndef FWC_STRBUF_H
#define FWC_STRBUF_H

#include <stddef.h>
#include <string.h>

#include "fwc/util.h"

/* Where a streaming buffer's finished text goes (fwc_strbuf_flush()). */
struct fwc_strbuf_sink {
	/* Writes all len bytes; returns 0, or -1 with errno set. */
	int (*write)(struct fwc_strbuf_sink *k, const char *buf, size_t len);
	int err; /* errno of the first failed write, 0 = none */
};

struct fwc_strbuf {
	char *buf;  /* heap, owned; never NULL after init */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	/* NULL (after init): the buffer keeps all its text. Else
	 * fwc_strbuf_flush() hands finished text to the sink. */
	struct fwc_strbuf_sink *sink;
};

/* Bytes a streaming buffer gathers before fwc_strbuf_flush() writes. */
#define FWC_STRBUF_CHUNK ((size_t)1 << 20)

void fwc_strbuf_init(struct fwc_strbuf *sb);
void fwc_strbuf_release(struct fwc_strbuf *sb);
void fwc_strbuf_reset(struct fwc_strbuf *sb);
void fwc_strbuf_addn(struct fwc_strbuf *sb, const char *s, size_t n);
/* Inline so that the length of a string literal is known when compiled:
 * the backends append millions of short constants. */
static inline void
fwc_strbuf_adds(struct fwc_strbuf *sb, const char *s)
{
	fwc_strbuf_addn(sb, s, strlen(s));
}
void fwc_strbuf_addc(struct fwc_strbuf *sb, char c);
/* Appends the decimal digits of v: a cheaper "%lu" for the hot paths of
 * large outputs. */
void fwc_strbuf_addu(struct fwc_strbuf *sb, unsigned long v);
void fwc_strbuf_addf(struct fwc_strbuf *sb, const char *fmt, ...)
    FWC_PRINTF(2, 3);
/* Marks a point where the producer will neither read nor rewrite any
 * byte already in sb. Without a sink, does nothing. With one, once at
 * least FWC_STRBUF_CHUNK bytes have gathered, writes them to the sink
 * and empties sb (after a failed write, later text is dropped and
 * sink->err kept). Producers call it between lines, never inside one. */
void fwc_strbuf_flush(struct fwc_strbuf *sb);
/* Appends n bytes as fwc_strbuf_addn() does, flushing as it goes: for
 * a large finished block copied into a streaming buffer. */
void fwc_strbuf_addn_flush(struct fwc_strbuf *sb, const char *s, size_t n);
/* Writes what is left to the sink and empties sb. Returns 0, or -1
 * (errno set) when any write to the sink failed. Without a sink,
 * returns 0 and keeps the text. */
int fwc_strbuf_finish(struct fwc_strbuf *sb);
/* Hands the buffer to the caller (free() it) and re-initialises sb. */
char *fwc_strbuf_detach(struct fwc_strbuf *sb, size_t *len);

#endif
