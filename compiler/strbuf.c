/* Growable NUL-terminated buffer used by every text producer. */
#include "fwc/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
fwc_strbuf_init(struct fwc_strbuf *sb)
{
	sb->cap = 64;
	sb->len = 0;
	sb->buf = fwc_xmalloc(sb->cap);
	sb->buf[0] = '\0';
	sb->sink = NULL;
}

void
fwc_strbuf_release(struct fwc_strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void
fwc_strbuf_reset(struct fwc_strbuf *sb)
{
	sb->len = 0;
	sb->buf[0] = '\0';
}

static void
reserve(struct fwc_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->buf = fwc_xrealloc(sb->buf, sb->cap);
}

void
fwc_strbuf_addn(struct fwc_strbuf *sb, const char *s, size_t n)
{
	reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
fwc_strbuf_addu(struct fwc_strbuf *sb, unsigned long v)
{
	char d[24];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	fwc_strbuf_addn(sb, d + i, sizeof(d) - i);
}

void
fwc_strbuf_addc(struct fwc_strbuf *sb, char c)
{
	reserve(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void
fwc_strbuf_addf(struct fwc_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		FWC_BUG("vsnprintf failed");
	if ((size_t)n >= sb->cap - sb->len) {
		reserve(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

/* Writes the whole buffer to the sink (or drops it after an error). */
static void
drain(struct fwc_strbuf *sb)
{
	if (sb->sink->err == 0 &&
	    sb->sink->write(sb->sink, sb->buf, sb->len) < 0)
		sb->sink->err = errno != 0 ? errno : EIO;
	fwc_strbuf_reset(sb);
}

void
fwc_strbuf_flush(struct fwc_strbuf *sb)
{
	if (sb->sink != NULL && sb->len >= FWC_STRBUF_CHUNK)
		drain(sb);
}

void
fwc_strbuf_addn_flush(struct fwc_strbuf *sb, const char *s, size_t n)
{
	while (n > 0) {
		size_t k = n < FWC_STRBUF_CHUNK ? n : FWC_STRBUF_CHUNK;

		fwc_strbuf_addn(sb, s, k);
		fwc_strbuf_flush(sb);
		s += k;
		n -= k;
	}
}

int
fwc_strbuf_finish(struct fwc_strbuf *sb)
{
	if (sb->sink == NULL)
		return 0;
	if (sb->len > 0)
		drain(sb);
	if (sb->sink->err != 0) {
		errno = sb->sink->err;
		return -1;
	}
	return 0;
}

char *
fwc_strbuf_detach(struct fwc_strbuf *sb, size_t *len)
{
	char *p = sb->buf;

	if (len != NULL)
		*len = sb->len;
	fwc_strbuf_init(sb);
	return p;
}
