/* The line cursor of the XML front end, shared by compiler/xml.c (for
 * libxml2's tree path) and compiler/xml_scan.c (its own reader), so that
 * both give every location the same line and byte column. Private to
 * those two files. */
#ifndef FWC_XML_LINES_H
#define FWC_XML_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Maps byte offsets of the source to lines and columns. Queries come in
 * increasing order while parsing, so a forward cursor keeps this linear
 * in time and constant in memory; an earlier offset restarts the scan
 * (xml_lines_rewind). */
struct xml_lines {
	const unsigned char *src;
	size_t len;
	size_t first;  /* offset of line 1 (after a byte order mark) */
	size_t off;    /* offset last mapped */
	size_t start;  /* offset of the line holding off */
	uint32_t line; /* 1-based number of that line */
};

static inline void
xml_lines_rewind(struct xml_lines *ln)
{
	ln->off = ln->first;
	ln->start = ln->first;
	ln->line = 1;
}

static inline void
xml_lines_init(struct xml_lines *ln, const unsigned char *src, size_t len)
{
	ln->src = src;
	ln->len = len;
	ln->first = len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	xml_lines_rewind(ln);
}

/* Moves the cursor to the start of the line after the next newline in
 * [ln->off, lim); false, without moving, when there is none. */
static inline bool
xml_lines_next(struct xml_lines *ln, size_t lim)
{
	const unsigned char *nl;

	nl = memchr(ln->src + ln->off, '\n', lim - ln->off);
	if (nl == NULL)
		return false;
	ln->line++;
	ln->start = (size_t)(nl - ln->src) + 1;
	ln->off = ln->start;
	return true;
}

/* Moves the cursor forward to off (ln->off <= off <= ln->len). */
static inline void
xml_lines_advance(struct xml_lines *ln, size_t off)
{
	while (xml_lines_next(ln, off))
		;
	ln->off = off;
}

#endif
