/* Growable NUL-terminated byte buffer. Invariants: buf is never NULL and
 * buf[len] == '\0'. */
#ifndef FWC_STRBUF_H
#define FWC_STRBUF_H

#include <stddef.h>

#include "fwc/util.h"

struct fwc_strbuf {
	char *buf;  /* heap, owned; never NULL after init */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
};

void fwc_strbuf_init(struct fwc_strbuf *sb);
void fwc_strbuf_release(struct fwc_strbuf *sb);
void fwc_strbuf_reset(struct fwc_strbuf *sb);
void fwc_strbuf_addn(struct fwc_strbuf *sb, const char *s, size_t n);
void fwc_strbuf_adds(struct fwc_strbuf *sb, const char *s);
void fwc_strbuf_addc(struct fwc_strbuf *sb, char c);
void fwc_strbuf_addf(struct fwc_strbuf *sb, const char *fmt, ...)
    FWC_PRINTF(2, 3);
/* Hands the buffer to the caller (free() it) and re-initialises sb. */
char *fwc_strbuf_detach(struct fwc_strbuf *sb, size_t *len);

#endif
