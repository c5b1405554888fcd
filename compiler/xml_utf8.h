/* The UTF-8 checks of the XML front end, shared by compiler/xml.c (which
 * reports what they find) and compiler/xml_scan.c (which gives up on
 * it), so that both readers accept exactly the same characters. Private
 * to those two files. */
#ifndef FWC_XML_UTF8_H
#define FWC_XML_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at p, before end (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static inline size_t
xml_utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	size_t i;
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[0] == 0xE0)
		lo = 0xA0;
	else if (p[0] == 0xED)
		hi = 0x9F;
	else if (p[0] == 0xF0)
		lo = 0x90;
	else if (p[0] == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* The code point of the n-byte UTF-8 sequence at p when XML 1.0 forbids
 * it (controls other than tab, LF and CR; U+FFFE and U+FFFF; surrogates
 * are not valid UTF-8), else UINT32_MAX. */
static inline uint32_t
xml_forbidden_char(const unsigned char *p, size_t n)
{
	if (n == 1 && p[0] < 0x20 && p[0] != '\t' && p[0] != '\n' &&
	    p[0] != '\r')
		return p[0];
	if (n == 3 && p[0] == 0xEF && p[1] == 0xBF &&
	    (p[2] == 0xBE || p[2] == 0xBF))
		return 0xFFF0u | (p[2] & 0x3Fu);
	return UINT32_MAX;
}

#endif
