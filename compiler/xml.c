/* The XML front end, first stage of the pipeline and the only module that
 * configures libxml2. A valid policy in the subset of XML that policies
 * use is read by our own reader (xml_scan.c), which gives up silently on
 * anything else. The file is then read with libxml2: under hard limits,
 * with the bytes checked (size, UTF-8, encoding declaration, attribute
 * counts) before libxml2 sees them, with no network, no DTD and no entity
 * expansion; the file:line:col of every element and attribute is recorded
 * from a startElementNs hook, the document is validated against the
 * embedded RELAX NG schema and a plain arena-owned element tree is
 * returned. Every input error is reported at a place in the input;
 * libxml2 never prints anything. On success the tree is valid against
 * policies/policy.rng and no libxml2 object survives the call. */
#include "fwc/xml.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/dl.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"
#include "xml_lines.h"
#include "xml_utf8.h"
#include "xml_scan.h"

/*
 * libxml2, loaded when first needed (include/fwc/dl.h): most policies
 * are read by our own reader alone, and libxml2 brings ICU and libstdc++
 * with it (3.7 MB resident before anything is read). The library's
 * functions and its one variable (xmlFree) are called through lx, which
 * lx_load() fills from the library the first time a file needs it; the
 * macros below send every use in this file there.
 */
#ifndef FWC_LIBXML2_SONAME
#define FWC_LIBXML2_SONAME "libxml2.so.2"
#endif
/* clang-format off */
#define LX_SYMBOLS(X) \
	X(xmlByteConsumed) \
	X(xmlCreatePushParserCtxt) \
	X(xmlCtxtUseOptions) \
	X(xmlDocGetRootElement) \
	X(xmlFreeDoc) \
	X(xmlFreeParserCtxt) \
	X(xmlFreeTextReader) \
	X(xmlGetExternalEntityLoader) \
	X(xmlNodeListGetString) \
	X(xmlParseChunk) \
	X(xmlReadMemory) \
	X(xmlReaderForMemory) \
	X(xmlRelaxNGFreeParserCtxt) \
	X(xmlRelaxNGFreeValidCtxt) \
	X(xmlRelaxNGNewMemParserCtxt) \
	X(xmlRelaxNGNewValidCtxt) \
	X(xmlRelaxNGParse) \
	X(xmlRelaxNGSetParserStructuredErrors) \
	X(xmlRelaxNGSetValidStructuredErrors) \
	X(xmlRelaxNGValidateDoc) \
	X(xmlSAX2EndElementNs) \
	X(xmlSAX2StartElementNs) \
	X(xmlSetExternalEntityLoader) \
	X(xmlSetGenericErrorFunc) \
	X(xmlSetStructuredErrorFunc) \
	X(xmlStopParser) \
	X(xmlTextReaderConstValue) \
	X(xmlTextReaderCurrentNode) \
	X(xmlTextReaderDepth) \
	X(xmlTextReaderIsEmptyElement) \
	X(xmlTextReaderIsValid) \
	X(xmlTextReaderNodeType) \
	X(xmlTextReaderRead) \
	X(xmlTextReaderRelaxNGSetSchema) \
	X(xmlTextReaderSetStructuredErrorHandler) \
	X(__xmlGenericError) \
	X(__xmlGenericErrorContext) \
	X(__xmlStructuredError) \
	X(__xmlStructuredErrorContext) \
	X(xmlFree)
/* clang-format on */

static struct {
	LX_SYMBOLS(FWC_DL_FIELD)
} lx;

static void
lx_load(void)
{
	static const char *const names[] = { LX_SYMBOLS(FWC_DL_NAME) };

	if (lx.xmlFree == NULL) /* the last one filled */
		fwc_dl_require(FWC_LIBXML2_SONAME, "reading this policy", names,
		    FWC_ARRAY_SIZE(names), &lx, sizeof(lx));
}

#define xmlByteConsumed		   (*lx.xmlByteConsumed)
#define xmlCreatePushParserCtxt	   (*lx.xmlCreatePushParserCtxt)
#define xmlCtxtUseOptions	   (*lx.xmlCtxtUseOptions)
#define xmlDocGetRootElement	   (*lx.xmlDocGetRootElement)
#define xmlFreeDoc		   (*lx.xmlFreeDoc)
#define xmlFreeParserCtxt	   (*lx.xmlFreeParserCtxt)
#define xmlFreeTextReader	   (*lx.xmlFreeTextReader)
#define xmlGetExternalEntityLoader (*lx.xmlGetExternalEntityLoader)
#define xmlNodeListGetString	   (*lx.xmlNodeListGetString)
#define xmlParseChunk		   (*lx.xmlParseChunk)
#define xmlReadMemory		   (*lx.xmlReadMemory)
#define xmlReaderForMemory	   (*lx.xmlReaderForMemory)
#define xmlRelaxNGFreeParserCtxt   (*lx.xmlRelaxNGFreeParserCtxt)
#define xmlRelaxNGFreeValidCtxt	   (*lx.xmlRelaxNGFreeValidCtxt)
#define xmlRelaxNGNewMemParserCtxt (*lx.xmlRelaxNGNewMemParserCtxt)
#define xmlRelaxNGNewValidCtxt	   (*lx.xmlRelaxNGNewValidCtxt)
#define xmlRelaxNGParse		   (*lx.xmlRelaxNGParse)
#define xmlRelaxNGSetParserStructuredErrors \
	(*lx.xmlRelaxNGSetParserStructuredErrors)
#define xmlRelaxNGSetValidStructuredErrors \
	(*lx.xmlRelaxNGSetValidStructuredErrors)
#define xmlRelaxNGValidateDoc	      (*lx.xmlRelaxNGValidateDoc)
#define xmlSAX2EndElementNs	      (*lx.xmlSAX2EndElementNs)
#define xmlSAX2StartElementNs	      (*lx.xmlSAX2StartElementNs)
#define xmlSetExternalEntityLoader    (*lx.xmlSetExternalEntityLoader)
#define xmlSetGenericErrorFunc	      (*lx.xmlSetGenericErrorFunc)
#define xmlSetStructuredErrorFunc     (*lx.xmlSetStructuredErrorFunc)
#define xmlStopParser		      (*lx.xmlStopParser)
#define xmlTextReaderConstValue	      (*lx.xmlTextReaderConstValue)
#define xmlTextReaderCurrentNode      (*lx.xmlTextReaderCurrentNode)
#define xmlTextReaderDepth	      (*lx.xmlTextReaderDepth)
#define xmlTextReaderIsEmptyElement   (*lx.xmlTextReaderIsEmptyElement)
#define xmlTextReaderIsValid	      (*lx.xmlTextReaderIsValid)
#define xmlTextReaderNodeType	      (*lx.xmlTextReaderNodeType)
#define xmlTextReaderRead	      (*lx.xmlTextReaderRead)
#define xmlTextReaderRelaxNGSetSchema (*lx.xmlTextReaderRelaxNGSetSchema)
#define xmlTextReaderSetStructuredErrorHandler \
	(*lx.xmlTextReaderSetStructuredErrorHandler)
#define __xmlGenericError	    (*lx.__xmlGenericError)
#define __xmlGenericErrorContext    (*lx.__xmlGenericErrorContext)
#define __xmlStructuredError	    (*lx.__xmlStructuredError)
#define __xmlStructuredErrorContext (*lx.__xmlStructuredErrorContext)
#define xmlFree			    (*lx.xmlFree)

extern const char fwc_policy_rng[];
extern const unsigned long fwc_policy_rng_len;

const struct fwc_xml_limits fwc_xml_default_limits = {
	.max_bytes = 16u << 20,
	.max_depth = 32,
	.max_elements = 500000,
	.max_name = 4096,
	.max_attrs = 64,
};

/* Longest value quoted in full in a diagnostic. */
#define QUOTE_MAX 64
/* Bytes given to the push parser at a time. */
#define CHUNK (1u << 20)
/* Entries of the element and attribute name cache (a power of two). */
#define NAME_CACHE 64
/* Validation errors kept from libxml2 for the fallback report. */
#define RNG_ERRORS_MAX 32

/* What the parser hooks know; reached through ctxt->_private. */
struct pstate {
	struct fwc_arena *a; /* strings that outlive the tree, messages */
	struct fwc_arena *t; /* the tree's nodes, attributes, names, text */
	struct fwc_diag *dg;
	const char *file; /* arena copy, shared by every location */
	const unsigned char *src;
	size_t len;
	struct fwc_xml_limits lim;
	const struct fwc_xml_sink *sink; /* our reader's, or NULL */
	/* src is a private mapping of the file open as fd (src_map bytes),
	 * else fd is -1 and src_map the length of src's own mapping or 0
	 * (the heap, or the caller's buffer). */
	int fd;
	size_t src_map;
	struct xml_lines lines;
	xmlParserCtxtPtr ctxt;
	size_t doctype_off; /* offset of "<!DOCTYPE", or SIZE_MAX */
	unsigned int depth; /* open elements */
	size_t n_elements;  /* start tags seen */
	bool halted;	    /* we stopped libxml2 */
	bool syntax_failed; /* libxml2 reported a fatal error */
	bool failed;	    /* any error reported for this input */
	/* Arena copies of element and attribute names by libxml2's
	 * pointer (one per name in its dictionary): a policy uses a few
	 * dozen names a million times. */
	struct {
		const xmlChar *key;
		const char *copy;
	} names[NAME_CACHE];
};

/* Position records hung on libxml2 nodes through _private. */
struct elem_pos {
	struct fwc_loc loc;	 /* the '<' of the start tag */
	struct fwc_loc text_loc; /* first non-blank text, else loc */
	bool text_found;	 /* text_loc is the text's */
};

/* A validation error as libxml2 reported it. */
struct rng_error {
	struct fwc_loc loc;
	int code;
	const char *str1; /* arena copies, may be NULL */
	const char *str2;
	const char *msg;
};

struct vstate {
	struct pstate *ps;
	struct rng_error errs[RNG_ERRORS_MAX];
	size_t n_errs;
};

/* libxml2's process-wide hooks, saved while we parse. */
struct guard {
	xmlGenericErrorFunc generic;
	void *generic_ctx;
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	xmlExternalEntityLoader loader;
};

static bool
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
has_prefix(const unsigned char *p, const unsigned char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* Returns the first occurrence of s in [p, end), or NULL. */
static const unsigned char *
find(const unsigned char *p, const unsigned char *end, const char *s)
{
	size_t n = strlen(s);

	while ((size_t)(end - p) >= n) {
		p = memchr(p, s[0], (size_t)(end - p) - n + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, s, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* At a '<' in p: the end of the comment, CDATA section or processing
 * instruction it opens, p itself when it opens none of them, NULL when it
 * is not terminated. */
static const unsigned char *
skip_markup(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q;

	if (has_prefix(p, end, "<!--")) {
		q = find(p + 4, end, "-->");
		return q != NULL ? q + 3 : NULL;
	}
	if (has_prefix(p, end, "<![CDATA[")) {
		q = find(p + 9, end, "]]>");
		return q != NULL ? q + 3 : NULL;
	}
	if (has_prefix(p, end, "<?")) {
		q = find(p + 2, end, "?>");
		return q != NULL ? q + 2 : NULL;
	}
	return p;
}

static void
lines_seek(struct xml_lines *ln, size_t off)
{
	if (off > ln->len)
		off = ln->len;
	if (off < ln->first)
		off = ln->first;
	if (off < ln->off)
		xml_lines_rewind(ln);
	xml_lines_advance(ln, off);
}

static struct fwc_loc
loc_at(struct pstate *ps, size_t off)
{
	struct fwc_loc loc;

	lines_seek(&ps->lines, off);
	loc.file = ps->file;
	loc.line = ps->lines.line;
	loc.col = (uint32_t)(ps->lines.off - ps->lines.start + 1);
	return loc;
}

/* The byte offset of libxml2's line and column (its column counts
 * characters), or SIZE_MAX when it gave no column. */
static size_t
off_line_char(struct pstate *ps, int line, int chars)
{
	struct xml_lines *ln = &ps->lines;
	const unsigned char *p;
	const unsigned char *end = ln->src + ln->len;

	if (line <= 0 || chars <= 0)
		return SIZE_MAX;
	if ((uint32_t)line < ln->line)
		xml_lines_rewind(ln);
	while (ln->line < (uint32_t)line && xml_lines_next(ln, ln->len))
		;
	ln->off = ln->start;
	p = ln->src + ln->start;
	while (--chars > 0 && p < end && *p != '\n') {
		p++;
		while (p < end && (*p & 0xC0) == 0x80)
			p++;
	}
	return (size_t)(p - ln->src);
}

static void
halt(struct pstate *ps)
{
	ps->halted = true;
	if (ps->ctxt != NULL)
		xmlStopParser(ps->ctxt);
}

/* A copy of s for a message: at most QUOTE_MAX bytes, cut on a UTF-8
 * character boundary, with "..." when cut. */
static const char *
quote(struct fwc_arena *a, const char *s)
{
	size_t n = strlen(s);

	if (n <= QUOTE_MAX)
		return s;
	n = QUOTE_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return fwc_arena_printf(a, "%.*s...", (int)n, s);
}

/*
 * Checks on the raw bytes, before libxml2 sees them.
 */

static int
check_size(struct pstate *ps, size_t len)
{
	size_t limit = ps->lim.max_bytes;
	struct fwc_loc loc = { ps->file, 0, 0 };

	if (limit > INT_MAX)
		limit = INT_MAX; /* libxml2 takes an int length */
	if (len <= limit)
		return 0;
	ps->failed = true;
	fwc_error(ps->dg, &loc, "file is too large (%zu bytes, limit %zu)", len,
	    limit);
	return -1;
}

/* UTF-16 and UTF-32 show NUL bytes or a byte order mark at the start. */
static const char *
wide_encoding(const unsigned char *s, size_t len)
{
	if (len >= 4 && ((s[0] == 0 && s[1] == 0) || (s[2] == 0 && s[3] == 0)))
		return "UTF-32";
	if (len >= 2 &&
	    ((s[0] == 0xFE && s[1] == 0xFF) || (s[0] == 0xFF && s[1] == 0xFE)))
		return "UTF-16";
	if (len >= 2 && (s[0] == 0 || s[1] == 0))
		return "UTF-16";
	return NULL;
}

/* Rejects UTF-16 and UTF-32, invalid UTF-8 and characters that XML does
 * not allow anywhere, each at its place. */
static int
check_encoding(struct pstate *ps)
{
	const unsigned char *s = ps->src;
	const unsigned char *end = s + ps->len;
	const unsigned char *p;
	const char *wide = wide_encoding(s, ps->len);
	struct fwc_loc loc;
	size_t n;
	uint32_t c;

	if (wide != NULL) {
		ps->failed = true;
		fwc_error(ps->dg, &(struct fwc_loc){ ps->file, 1, 1 },
		    "unsupported encoding '%s' (policies must be UTF-8)", wide);
		return -1;
	}
	for (p = s; p < end; p += n) {
		if (*p >= 0x20 && *p < 0x80) {
			n = 1;
			continue;
		}
		n = xml_utf8_len(p, end);
		if (n == 0) {
			loc = loc_at(ps, (size_t)(p - s));
			ps->failed = true;
			fwc_error(ps->dg, &loc, "invalid UTF-8 (byte 0x%02x)",
			    (unsigned int)*p);
			return -1;
		}
		c = xml_forbidden_char(p, n);
		if (c != UINT32_MAX) {
			loc = loc_at(ps, (size_t)(p - s));
			ps->failed = true;
			fwc_error(ps->dg, &loc,
			    "invalid character U+%04X (not allowed in XML)",
			    (unsigned int)c);
			return -1;
		}
	}
	return 0;
}

/* The encoding named in the XML declaration must be UTF-8 or ASCII, the
 * only ones we pass on (libxml2 is told to ignore the declaration). */
static int
check_declared_encoding(struct pstate *ps)
{
	const unsigned char *p = ps->src + ps->lines.first;
	const unsigned char *end = ps->src + ps->len;
	const unsigned char *decl_end;
	const unsigned char *v;
	const unsigned char *v_end;
	static const char *const ok[] = { "UTF-8", "UTF8", "US-ASCII",
		"ASCII" };
	size_t i;
	struct fwc_loc loc;

	if (!has_prefix(p, end, "<?xml") || end - p < 6 || !is_blank(p[5]))
		return 0;
	decl_end = find(p, end, "?>");
	if (decl_end == NULL)
		return 0;
	v = find(p, decl_end, "encoding");
	if (v == NULL || !is_blank(v[-1]))
		return 0;
	v += strlen("encoding");
	while (v < decl_end && is_blank(*v))
		v++;
	if (v >= decl_end || *v != '=')
		return 0;
	v++;
	while (v < decl_end && is_blank(*v))
		v++;
	if (v >= decl_end || (*v != '"' && *v != '\''))
		return 0;
	v_end = memchr(v + 1, *v, (size_t)(decl_end - v - 1));
	if (v_end == NULL)
		return 0;
	v++;
	for (i = 0; i < FWC_ARRAY_SIZE(ok); i++)
		if ((size_t)(v_end - v) == strlen(ok[i]) &&
		    strncasecmp((const char *)v, ok[i], strlen(ok[i])) == 0)
			return 0;
	loc = loc_at(ps, (size_t)(v - ps->src));
	ps->failed = true;
	fwc_error(ps->dg, &loc,
	    "unsupported encoding '%s' (policies must be UTF-8)",
	    quote(ps->a, fwc_arena_strndup(
			     ps->a, (const char *)v, (size_t)(v_end - v))));
	return -1;
}

/* Counts the attributes of every start tag before libxml2 parses them
 * (it checks duplicates in quadratic time) and notes where a DOCTYPE
 * starts. On well-formed input this scan sees the tags libxml2 sees, and
 * libxml2 is stopped at its first fatal error (on_parse_error), so every
 * tag it parses has been counted. Past a malformed tag the scan moves on
 * to the next '<'; it ends at an unterminated construct. */
static int
prescan(struct pstate *ps)
{
	const unsigned char *s = ps->src;
	const unsigned char *end = s + ps->len;
	const unsigned char *p = s;
	const unsigned char *q;
	const unsigned char *name;
	size_t name_len;
	unsigned int n;
	bool in_prolog = true;

	ps->doctype_off = SIZE_MAX;
	for (;;) {
		p = memchr(p, '<', (size_t)(end - p));
		if (p == NULL)
			return 0;
		q = skip_markup(p, end);
		if (q == NULL)
			return 0;
		if (q != p) {
			p = q;
			continue;
		}
		if (has_prefix(p, end, "<!")) {
			/* libxml2 stops at a DOCTYPE in the prolog (see
			 * on_doctype); nothing after it is parsed. */
			if (in_prolog) {
				if (has_prefix(p, end, "<!DOCTYPE"))
					ps->doctype_off = (size_t)(p - s);
				return 0;
			}
			p += 2;
			continue;
		}
		if (has_prefix(p, end, "</")) {
			p += 2;
			continue;
		}
		in_prolog = false;
		name = ++p;
		while (p < end && !is_blank(*p) && *p != '>' && *p != '/' &&
		       *p != '<')
			p++;
		name_len = (size_t)(p - name);
		for (n = 0;;) {
			while (p < end && is_blank(*p))
				p++;
			if (p >= end)
				return 0;
			if (*p == '>' || *p == '/' || *p == '<')
				break;
			if (++n > ps->lim.max_attrs) {
				struct fwc_loc loc =
				    loc_at(ps, (size_t)(p - s));

				ps->failed = true;
				fwc_error(ps->dg, &loc,
				    "too many attributes on <%s> (limit %u)",
				    quote(ps->a,
					fwc_arena_strndup(ps->a,
					    (const char *)name, name_len)),
				    ps->lim.max_attrs);
				return -1;
			}
			while (p < end && !is_blank(*p) && *p != '=' &&
			       *p != '>' && *p != '/' && *p != '<')
				p++;
			while (p < end && is_blank(*p))
				p++;
			if (p >= end || *p != '=')
				break;
			p++;
			while (p < end && is_blank(*p))
				p++;
			if (p >= end || (*p != '"' && *p != '\''))
				break;
			/* libxml2 ends a value at a '<' (an error) and
			 * resumes there. */
			for (q = p + 1; q < end && *q != *p && *q != '<'; q++)
				;
			if (q == end)
				return 0;
			if (*q == '<') {
				p = q;
				break;
			}
			p = q + 1;
		}
	}
}

/*
 * Parser hooks.
 */

/* Where the parser is in the source: inside a startElementNs callback,
 * the '>' or "/>" that ends the start tag. */
static size_t
parser_offset(struct pstate *ps)
{
	long off = xmlByteConsumed(ps->ctxt);

	if (off < 0)
		return 0;
	if ((unsigned long)off > ps->len)
		return ps->len;
	return (size_t)off;
}

/* The '<' opening the tag that ends at off. Attribute values cannot hold
 * a '<', so the nearest one backwards is it. */
static size_t
tag_start(struct pstate *ps, size_t off)
{
	size_t i;

	for (i = off; i > 0; i--)
		if (ps->src[i - 1] == '<')
			return i - 1;
	return 0;
}

static bool
is_xmlns(const unsigned char *name, size_t len)
{
	return (len == 5 && memcmp(name, "xmlns", 5) == 0) ||
	       (len > 6 && memcmp(name, "xmlns:", 6) == 0);
}

/* Whether the qualified name in the source is the attribute local. */
static bool
qname_is(const unsigned char *name, size_t len, const xmlChar *local)
{
	size_t n = strlen((const char *)local);

	if (len < n || memcmp(name + len - n, local, n) != 0)
		return false;
	return len == n || name[len - n - 1] == ':';
}

/* Walks the start tag from its '<' (lt) to its end and hangs the position
 * of each attribute name on the matching xmlAttr, in order. Namespace
 * declarations have no xmlAttr: they are reported here. */
static void
attr_positions(struct pstate *ps, xmlNodePtr node, size_t lt, size_t end)
{
	const unsigned char *s = ps->src;
	const unsigned char *p = s + lt + 1;
	const unsigned char *lim = s + end;
	const unsigned char *name;
	const unsigned char *q;
	size_t len;
	xmlAttrPtr at = node->properties;
	struct fwc_loc *loc;

	while (p < lim && !is_blank(*p))
		p++;
	for (;;) {
		while (p < lim && is_blank(*p))
			p++;
		if (p >= lim)
			return;
		name = p;
		while (p < lim && !is_blank(*p) && *p != '=')
			p++;
		len = (size_t)(p - name);
		while (p < lim && is_blank(*p))
			p++;
		if (p >= lim || *p != '=')
			return;
		p++;
		while (p < lim && is_blank(*p))
			p++;
		if (p >= lim || (*p != '"' && *p != '\''))
			return;
		q = memchr(p + 1, *p, (size_t)(lim - p - 1));
		if (q == NULL)
			return;
		p = q + 1;
		if (is_xmlns(name, len)) {
			struct fwc_loc nloc = loc_at(ps, (size_t)(name - s));

			ps->failed = true;
			fwc_error(ps->dg, &nloc,
			    "namespace declarations are not allowed ('%s')",
			    quote(ps->a, fwc_arena_strndup(
					     ps->a, (const char *)name, len)));
			continue;
		}
		if (at == NULL || !qname_is(name, len, at->name))
			return;
		loc = fwc_arena_alloc(ps->t, sizeof(*loc));
		*loc = loc_at(ps, (size_t)(name - s));
		at->_private = loc;
		at = at->next;
	}
}

/* Offset of the first non-blank character of text from off on, skipping
 * comments, processing instructions and blank CDATA sections; SIZE_MAX
 * when a tag comes first. */
static size_t
text_scan(struct pstate *ps, size_t off)
{
	const unsigned char *s = ps->src;
	const unsigned char *lim = s + ps->len;
	const unsigned char *p = s + off;
	const unsigned char *q;

	for (;;) {
		while (p < lim && is_blank(*p))
			p++;
		if (p >= lim)
			return SIZE_MAX;
		if (*p != '<')
			return (size_t)(p - s);
		if (has_prefix(p, lim, "<!--")) {
			q = find(p + 4, lim, "-->");
			if (q == NULL)
				return SIZE_MAX;
			p = q + 3;
		} else if (has_prefix(p, lim, "<?")) {
			q = find(p + 2, lim, "?>");
			if (q == NULL)
				return SIZE_MAX;
			p = q + 2;
		} else if (has_prefix(p, lim, "<![CDATA[")) {
			p += 9;
			while (p < lim && is_blank(*p))
				p++;
			if (p >= lim)
				return SIZE_MAX;
			if (!has_prefix(p, lim, "]]>"))
				return (size_t)(p - s);
			p += 3;
		} else {
			return SIZE_MAX;
		}
	}
}

/* Looks for the element's text from off (after its start tag or after
 * the end of a child element) unless it was found already. Each scan
 * stops at the next tag, so the source is scanned about once overall. */
static void
find_text(struct pstate *ps, struct elem_pos *ep, size_t off)
{
	size_t t;

	if (ep->text_found)
		return;
	t = text_scan(ps, off);
	if (t == SIZE_MAX)
		return;
	ep->text_loc = loc_at(ps, t);
	ep->text_found = true;
}

static void
check_values(struct pstate *ps, xmlNodePtr node, int nb_attrs,
    const xmlChar **attrs, const struct elem_pos *ep)
{
	xmlAttrPtr at = node->properties;
	int i;
	size_t len;
	const struct fwc_loc *loc;

	for (i = 0; i < nb_attrs && at != NULL; i++, at = at->next) {
		len = (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]);
		if (len <= ps->lim.max_name)
			continue;
		loc = at->_private != NULL ? at->_private : &ep->loc;
		ps->failed = true;
		fwc_error(ps->dg, loc,
		    "value of attribute '%s' is too long (%zu bytes, limit %zu)",
		    quote(ps->a, (const char *)at->name), len,
		    ps->lim.max_name);
	}
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
    int nb_defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct pstate *ps = ctxt->_private;
	size_t end = parser_offset(ps);
	size_t lt = tag_start(ps, end);
	xmlNodePtr parent = ctxt->node;
	xmlNodePtr node;
	struct elem_pos *ep;
	struct fwc_loc loc;

	ps->n_elements++;
	if (ps->depth >= ps->lim.max_depth) {
		loc = loc_at(ps, lt);
		ps->failed = true;
		fwc_error(ps->dg, &loc, "elements nested too deeply (limit %u)",
		    ps->lim.max_depth);
		halt(ps);
		return;
	}
	if (ps->n_elements > ps->lim.max_elements) {
		loc = loc_at(ps, lt);
		ps->failed = true;
		fwc_error(ps->dg, &loc, "too many elements (limit %zu)",
		    ps->lim.max_elements);
		halt(ps);
		return;
	}
	ps->depth++;
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attrs,
	    nb_defaulted, attrs);
	node = ctxt->node;
	if (node == NULL || node == parent)
		return;
	ep = fwc_arena_alloc(ps->t, sizeof(*ep));
	ep->loc = loc_at(ps, lt);
	node->_private = ep;
	attr_positions(ps, node, lt, end);
	ep->text_loc = ep->loc;
	if (end < ps->len && ps->src[end] == '>')
		find_text(ps, ep, end + 1);
	if (uri != NULL && nb_ns == 0 &&
	    (parent == NULL || parent->ns == NULL)) {
		ps->failed = true;
		fwc_error(ps->dg, &ep->loc,
		    "element <%s%s%s> is in namespace '%s' (policy elements "
		    "have no namespace)",
		    prefix != NULL ? (const char *)prefix : "",
		    prefix != NULL ? ":" : "", (const char *)localname,
		    quote(ps->a, (const char *)uri));
	}
	check_values(ps, node, nb_attrs, attrs, ep);
	if (ps->dg->stopped)
		halt(ps);
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct pstate *ps = ctxt->_private;
	xmlNodePtr node;

	if (ps->depth > 0)
		ps->depth--;
	/* Text after this element may belong to its parent. */
	node = ctxt->node;
	if (node != NULL && node->parent != NULL &&
	    node->parent->type == XML_ELEMENT_NODE &&
	    node->parent->_private != NULL)
		find_text(ps, node->parent->_private, parser_offset(ps));
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* Called as soon as a DOCTYPE's name and external ID are read, before
 * any internal subset: nothing of a DTD is ever parsed or loaded. */
static void
on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
    const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct pstate *ps = ctxt->_private;
	size_t off = ps->doctype_off;
	struct fwc_loc loc;

	(void)name;
	(void)external_id;
	(void)system_id;
	if (ps->halted)
		return;
	if (off == SIZE_MAX)
		off = tag_start(ps, parser_offset(ps));
	loc = loc_at(ps, off);
	ps->failed = true;
	fwc_error(ps->dg, &loc, "DTDs and entity declarations are not allowed");
	halt(ps);
}

/*
 * libxml2 messages.
 */

/* libxml2's own text, in our style: one line, no "function: " prefix,
 * lower case, no final period. */
static const char *
tidy_message(struct fwc_arena *a, const char *msg)
{
	char *s;
	size_t n;
	size_t i;

	if (msg == NULL)
		return "invalid XML";
	n = strspn(msg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	if (n > 0 && msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	s = fwc_arena_strdup(a, msg);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			s[i] = ' ';
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		s[--n] = '\0';
	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
	return n > 0 ? s : "invalid XML";
}

/* Offset of the first byte after the blanks, comments and processing
 * instructions (the XML declaration included) at the start of the
 * input. */
static size_t
prolog_end(const struct pstate *ps)
{
	const unsigned char *s = ps->src;
	const unsigned char *lim = s + ps->len;
	const unsigned char *p = s + ps->lines.first;
	const unsigned char *q;

	for (;;) {
		while (p < lim && is_blank(*p))
			p++;
		if (has_prefix(p, lim, "<!--"))
			q = find(p + 4, lim, "-->");
		else if (has_prefix(p, lim, "<?"))
			q = find(p + 2, lim, "?>");
		else
			return (size_t)(p - s);
		if (q == NULL)
			return (size_t)(p - s);
		p = q + 3 - (p[1] == '?');
	}
}

/* The last occurrence of s that starts before off, or SIZE_MAX. */
static size_t
rfind(const struct pstate *ps, size_t off, const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (off > ps->len)
		off = ps->len;
	for (i = off; i > 0; i--)
		if (ps->len - (i - 1) >= n &&
		    memcmp(ps->src + i - 1, s, n) == 0)
			return i - 1;
	return SIZE_MAX;
}

/* "Extra content at the end of the document" is also what the push
 * parser says when the input ends early: tell the cases apart. */
static const char *
document_end(
    struct pstate *ps, xmlParserCtxtPtr ctxt, size_t off, struct fwc_loc *loc)
{
	xmlNodePtr open = ctxt->node;
	const struct elem_pos *ep;
	size_t start;

	if (ps->depth > 0 && open != NULL && open->_private != NULL) {
		ep = open->_private;
		*loc = loc_at(ps, ps->len);
		return fwc_arena_printf(ps->a,
		    "unexpected end of file: <%s> opened on line %u is not "
		    "closed",
		    quote(ps->a, (const char *)open->name),
		    (unsigned int)ep->loc.line);
	}
	(void)off;
	if (ps->n_elements > 0)
		return "extra content after the root element";
	start = prolog_end(ps);
	*loc = loc_at(ps, start);
	if (start == ps->len)
		return "document has no root element";
	return "start tag expected";
}

/* The message and place of a parser error. libxml2's position is used,
 * except where it points past the problem. */
static const char *
describe(struct pstate *ps, xmlParserCtxtPtr ctxt, const xmlError *e,
    struct fwc_loc *loc)
{
	struct fwc_arena *a = ps->a;
	size_t off = off_line_char(ps, e->line, e->int2);
	size_t n;

	if (off == SIZE_MAX)
		*loc = (struct fwc_loc){ ps->file,
			e->line > 0 ? (uint32_t)e->line : 0, 0 };
	else
		*loc = loc_at(ps, off);
	switch (e->code) {
	case XML_ERR_DOCUMENT_END:
	case XML_ERR_DOCUMENT_EMPTY:
		return document_end(ps, ctxt, off, loc);
	case XML_ERR_TAG_NAME_MISMATCH:
		if (e->str1 == NULL || e->str2 == NULL)
			break;
		return fwc_arena_printf(a,
		    "closing tag </%s> does not match <%s> opened on line %d",
		    quote(a, e->str2), quote(a, e->str1), e->int1);
	case XML_ERR_TAG_NOT_FINISHED:
		if (e->str1 == NULL)
			break;
		return fwc_arena_printf(a,
		    "unexpected end of file: <%s> opened on line %d is not "
		    "closed",
		    quote(a, e->str1), e->int1);
	case XML_ERR_GT_REQUIRED:
		if (e->str1 == NULL)
			break;
		return fwc_arena_printf(
		    a, "unterminated start tag <%s>", quote(a, e->str1));
	case XML_ERR_SPACE_REQUIRED:
		if (e->message == NULL ||
		    strstr(e->message, "attributes construct") == NULL)
			break;
		if (off != SIZE_MAX && off >= ps->len)
			return "unterminated start tag";
		return "expected a blank, '>' or '/>' after an attribute";
	case XML_ERR_ATTRIBUTE_NOT_STARTED:
		return "attribute value must be quoted";
	case XML_ERR_ATTRIBUTE_NOT_FINISHED:
		return "unterminated attribute value";
	case XML_ERR_COMMENT_NOT_FINISHED:
		/* A comment holds no "<!--": the last one starts it. */
		n = rfind(ps, off, "<!--");
		if (n != SIZE_MAX)
			*loc = loc_at(ps, n);
		return "unterminated comment";
	case XML_ERR_PI_NOT_FINISHED:
		return "unterminated processing instruction";
	case XML_ERR_CDATA_NOT_FINISHED:
		return "unterminated CDATA section";
	case XML_ERR_ENTITYREF_SEMICOL_MISSING:
		return "missing ';' after an entity reference";
	case XML_ERR_NAME_REQUIRED:
		if (e->message == NULL ||
		    strstr(e->message, "EntityRef") == NULL)
			break;
		if (off != SIZE_MAX && off > 0 && ps->src[off - 1] == '&')
			*loc = loc_at(ps, off - 1);
		return "'&' must start a reference (write '&amp;' for '&')";
	case XML_ERR_UNDECLARED_ENTITY:
	case XML_WAR_UNDECLARED_ENTITY:
		if (e->str1 == NULL)
			break;
		/* libxml2 points after the reference. */
		n = strlen(e->str1) + 2;
		if (off != SIZE_MAX && off >= n && ps->src[off - n] == '&')
			*loc = loc_at(ps, off - n);
		return fwc_arena_printf(a,
		    "undefined entity '&%s;' (only &lt; &gt; &amp; &apos; "
		    "&quot; and character references are allowed)",
		    quote(a, e->str1));
	case XML_ERR_INVALID_CHAR:
		if (e->message == NULL || strstr(e->message, "CharRef") == NULL)
			break;
		/* libxml2 points after the reference. */
		n = rfind(ps, off, "&#");
		if (n != SIZE_MAX && off - n <= 16)
			*loc = loc_at(ps, n);
		return fwc_arena_printf(a,
		    "invalid character reference (U+%04X is not allowed "
		    "in XML)",
		    (unsigned int)e->int1);
	case XML_ERR_ATTRIBUTE_REDEFINED:
		if (e->str1 == NULL)
			break;
		return fwc_arena_printf(
		    a, "attribute '%s' appears twice", quote(a, e->str1));
	case XML_ERR_INTERNAL_ERROR:
		if (e->message != NULL &&
		    strstr(e->message, "Huge input") != NULL)
			return "text or markup longer than 10000000 bytes";
		/* Markup the content parser cannot take, such as a
		 * DOCTYPE after the start of the document. */
		if (off != SIZE_MAX &&
		    has_prefix(ps->src + off, ps->src + ps->len, "<!"))
			return "unexpected markup declaration (DTDs and entity "
			       "declarations are not allowed)";
		break;
	case XML_NS_ERR_UNDEFINED_NAMESPACE:
		if (e->str1 == NULL || e->str2 == NULL || e->str3 != NULL)
			break;
		/* libxml2 points at the end of the start tag. */
		if (off != SIZE_MAX)
			*loc = loc_at(ps, tag_start(ps, off));
		return fwc_arena_printf(a,
		    "undefined namespace prefix '%s' in <%s:%s>",
		    quote(a, e->str1), quote(a, e->str1), quote(a, e->str2));
	default:
		break;
	}
	return tidy_message(a, e->message);
}

/* Structured errors of the parser; data is the parser context. */
static void
on_parse_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	struct pstate *ps = ctxt != NULL ? ctxt->_private : NULL;
	struct fwc_loc loc;
	const char *msg;

	if (ps == NULL || e == NULL || ps->halted || ps->syntax_failed)
		return;
	if (e->level != XML_ERR_WARNING) {
		ps->failed = true;
		/* Anything after a fatal error is a consequence of it. */
		if (e->level == XML_ERR_FATAL)
			ps->syntax_failed = true;
	}
	if (ps->dg->stopped)
		return;
	msg = describe(ps, ctxt, e, &loc);
	if (e->level == XML_ERR_WARNING)
		fwc_warning(ps->dg, &loc, "%s", msg);
	else
		fwc_error(ps->dg, &loc, "%s", msg);
}

/* Errors raised outside a parser context while we parse (memory, I/O):
 * data is our state. */
static void
on_stray_error(void *data, xmlErrorPtr e)
{
	struct pstate *ps = data;
	struct fwc_loc loc = { ps->file, 0, 0 };

	if (e == NULL || e->level == XML_ERR_WARNING || ps->halted)
		return;
	ps->failed = true;
	fwc_error(ps->dg, &loc, "%s", tidy_message(ps->a, e->message));
}

/* Validation errors: kept for the fallback report. */
static void
on_rng_error(void *data, xmlErrorPtr e)
{
	struct vstate *vs = data;
	struct pstate *ps = vs->ps;
	struct rng_error *re;
	xmlNodePtr node;
	const struct fwc_loc *pos = NULL;

	if (e == NULL || e->level == XML_ERR_WARNING ||
	    vs->n_errs == RNG_ERRORS_MAX)
		return;
	re = &vs->errs[vs->n_errs++];
	node = e->node;
	while (node != NULL && pos == NULL) {
		if (node->type == XML_ELEMENT_NODE && node->_private != NULL)
			pos = &((struct elem_pos *)node->_private)->loc;
		else if (node->type == XML_ATTRIBUTE_NODE &&
			 node->_private != NULL)
			pos = node->_private;
		node = node->parent;
	}
	re->loc = pos != NULL ? *pos : (struct fwc_loc){ ps->file, 0, 0 };
	re->code = e->code;
	re->str1 = e->str1 != NULL ? fwc_arena_strdup(ps->a, e->str1) : NULL;
	re->str2 = e->str2 != NULL ? fwc_arena_strdup(ps->a, e->str2) : NULL;
	re->msg = tidy_message(ps->a, e->message);
}

static void
silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Nothing is ever loaded from outside the input; with the DOCTYPE stopped
 * this is never reached, but it closes the door for good. */
static xmlParserInputPtr
no_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
guard_enter(struct guard *g, void *ctx, xmlStructuredErrorFunc fn)
{
	g->generic = xmlGenericError;
	g->generic_ctx = xmlGenericErrorContext;
	g->structured = xmlStructuredError;
	g->structured_ctx = xmlStructuredErrorContext;
	g->loader = xmlGetExternalEntityLoader();
	xmlSetGenericErrorFunc(NULL, silent);
	xmlSetStructuredErrorFunc(ctx, fn);
	xmlSetExternalEntityLoader(no_entity_loader);
}

static void
guard_leave(const struct guard *g)
{
	xmlSetExternalEntityLoader(g->loader);
	xmlSetStructuredErrorFunc(g->structured_ctx, g->structured);
	xmlSetGenericErrorFunc(g->generic_ctx, g->generic);
}

/*
 * The schema.
 */

/* The compiled schema, built on first use and kept for the life of the
 * process: parsing it costs more than validating a policy. This is the
 * module's only mutable static. */
static xmlRelaxNGPtr policy_schema;

static void
on_schema_error(void *data, xmlErrorPtr e)
{
	struct fwc_strbuf *why = data;

	if (e != NULL && e->level != XML_ERR_WARNING && why->len == 0 &&
	    e->message != NULL)
		fwc_strbuf_adds(why, e->message);
}

static xmlRelaxNGPtr
schema_get(void)
{
	xmlRelaxNGParserCtxtPtr pc;
	struct fwc_strbuf why;
	struct guard g;

	if (policy_schema != NULL)
		return policy_schema;
	fwc_strbuf_init(&why);
	guard_enter(&g, &why, on_schema_error);
	pc =
	    xmlRelaxNGNewMemParserCtxt(fwc_policy_rng, (int)fwc_policy_rng_len);
	if (pc != NULL) {
		xmlRelaxNGSetParserStructuredErrors(pc, on_schema_error, &why);
		policy_schema = xmlRelaxNGParse(pc);
		xmlRelaxNGFreeParserCtxt(pc);
	}
	guard_leave(&g);
	if (policy_schema == NULL)
		FWC_BUG("the embedded schema does not compile: %s", why.buf);
	fwc_strbuf_release(&why);
	return policy_schema;
}

/*
 * From libxml2's tree to ours.
 */

static const char *
attr_value(struct pstate *ps, xmlAttrPtr at)
{
	xmlChar *v;
	const char *copy;

	if (at->children == NULL)
		return "";
	if (at->children->next == NULL && at->children->type == XML_TEXT_NODE)
		return fwc_arena_strdup(
		    ps->a, (const char *)at->children->content);
	v = xmlNodeListGetString(at->doc, at->children, 1);
	copy = fwc_arena_strdup(ps->a, v != NULL ? (const char *)v : "");
	xmlFree(v);
	return copy;
}

static bool
is_text(const xmlNode *c)
{
	return (c->type == XML_TEXT_NODE ||
		   c->type == XML_CDATA_SECTION_NODE) &&
	       c->content != NULL;
}

/* The element's text and CDATA children joined, blanks trimmed at both
 * ends; NULL when nothing is left. */
static const char *
text_of(struct pstate *ps, xmlNodePtr xn)
{
	xmlNodePtr c;
	size_t n = 0;
	size_t k;
	char *buf;
	char *p;
	char *e;

	for (c = xn->children; c != NULL; c = c->next)
		if (is_text(c))
			n += strlen((const char *)c->content);
	if (n == 0)
		return NULL;
	buf = fwc_arena_alloc(ps->t, n + 1);
	n = 0;
	for (c = xn->children; c != NULL; c = c->next) {
		if (!is_text(c))
			continue;
		k = strlen((const char *)c->content);
		memcpy(buf + n, c->content, k);
		n += k;
	}
	buf[n] = '\0';
	p = buf;
	e = buf + n;
	while (p < e && is_blank((unsigned char)*p))
		p++;
	while (e > p && is_blank((unsigned char)e[-1]))
		e--;
	if (p == e)
		return NULL;
	*e = '\0';
	return p;
}

/* The arena copy of a name from libxml2's tree. Names come from the
 * parser's dictionary, which outlives the conversion: equal pointers are
 * equal names. */
static const char *
name_copy(struct pstate *ps, const xmlChar *name)
{
	size_t h = ((uintptr_t)name >> 4) & (NAME_CACHE - 1);

	if (ps->names[h].key != name) {
		ps->names[h].key = name;
		ps->names[h].copy = fwc_arena_strdup(ps->t, (const char *)name);
	}
	return ps->names[h].copy;
}

static void
convert(struct pstate *ps, xmlNodePtr xn, struct fwc_xnode *out)
{
	const struct elem_pos *ep = xn->_private;
	xmlAttrPtr at;
	xmlNodePtr c;
	size_t n;
	size_t i;

	out->name = name_copy(ps, xn->name);
	out->loc = ep != NULL ? ep->loc : (struct fwc_loc){ ps->file, 0, 0 };
	n = 0;
	for (at = xn->properties; at != NULL; at = at->next)
		n++;
	if (n > 0) {
		out->attrs = fwc_arena_alloc(ps->t, n * sizeof(*out->attrs));
		out->n_attrs = n;
	}
	for (i = 0, at = xn->properties; at != NULL; at = at->next, i++) {
		struct fwc_xattr *xa = &out->attrs[i];

		/* Namespaced attributes are never valid; keeping their
		 * prefix makes the error say which one is meant. */
		if (at->ns != NULL && at->ns->prefix != NULL)
			xa->name = fwc_arena_printf(ps->a, "%s:%s",
			    (const char *)at->ns->prefix,
			    (const char *)at->name);
		else
			xa->name = name_copy(ps, at->name);
		xa->value = attr_value(ps, at);
		xa->loc = at->_private != NULL
			      ? *(const struct fwc_loc *)at->_private
			      : out->loc;
	}
	out->text = text_of(ps, xn);
	out->text_loc = ep != NULL ? ep->text_loc : out->loc;
	n = 0;
	for (c = xn->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			n++;
	if (n == 0)
		return;
	out->kids = fwc_arena_alloc(ps->t, n * sizeof(*out->kids));
	out->n_kids = n;
	i = 0;
	for (c = xn->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			convert(ps, c, &out->kids[i++]);
}

/*
 * Explaining validation errors.
 *
 * libxml2 says little about why an element is invalid ("Element host
 * failed to validate attributes") and stops at the first problem in each
 * content model. So once it has rejected a document, we read the schema
 * ourselves, as a plain description of each element (attributes, whether
 * required, enumerated values, child elements, text), and check the
 * whole tree against it to name every problem at its place. This relies
 * on the simple shape of policies/policy.rng described at its top; if
 * the explanation finds nothing, libxml2's own errors are reported.
 */

struct rng_attr {
	const char *name;
	bool required;
	bool any;	     /* any text, else one of values */
	const char **values; /* enumeration */
	size_t n_values;
	size_t cap_values;
};

struct rng_kid {
	const char *name;
	xmlNodePtr def; /* its <element> in the schema */
	bool required;
};

struct rng_elem {
	struct rng_attr *attrs;
	size_t n_attrs;
	size_t cap_attrs;
	struct rng_kid *kids;
	size_t n_kids;
	size_t cap_kids;
	bool text; /* non-blank text is allowed */
};

struct explainer {
	struct pstate *ps;
	xmlNodePtr grammar;
	unsigned int found; /* problems reported */
};

static bool
rng_is(const xmlNode *n, const char *kind)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, kind) == 0;
}

/* The value of a schema attribute (name="..."), or "". */
static const char *
rng_attr_text(const xmlNode *n, const char *name)
{
	const xmlAttr *at;

	for (at = n->properties; at != NULL; at = at->next)
		if (strcmp((const char *)at->name, name) == 0 &&
		    at->children != NULL && at->children->content != NULL)
			return (const char *)at->children->content;
	return "";
}

static xmlNodePtr
rng_define(const struct explainer *x, const char *name)
{
	xmlNodePtr c;

	for (c = x->grammar->children; c != NULL; c = c->next)
		if (rng_is(c, "define") &&
		    strcmp(rng_attr_text(c, "name"), name) == 0)
			return c;
	return NULL;
}

static void
values_walk(struct explainer *x, struct rng_attr *ra, const xmlNode *pat,
    unsigned int depth)
{
	const xmlNode *c;
	const xmlNode *d;
	const char *v;

	for (c = pat->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (rng_is(c, "value")) {
			v = "";
			if (c->children != NULL && c->children->content != NULL)
				v = (const char *)c->children->content;
			FWC_VEC_PUSH(x->ps->a, ra->values, ra->n_values,
			    ra->cap_values, v);
		} else if (rng_is(c, "choice")) {
			values_walk(x, ra, c, depth);
		} else if (rng_is(c, "ref")) {
			d = rng_define(x, rng_attr_text(c, "name"));
			if (d == NULL || depth >= 16)
				ra->any = true;
			else
				values_walk(x, ra, d, depth + 1);
		} else {
			ra->any = true;
		}
	}
}

static void
model_walk(struct explainer *x, struct rng_elem *e, const xmlNode *pat,
    bool optional, unsigned int depth)
{
	const xmlNode *c;
	const xmlNode *d;
	struct fwc_arena *a = x->ps->a;

	for (c = pat->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (rng_is(c, "attribute")) {
			struct rng_attr ra = { 0 };

			ra.name = rng_attr_text(c, "name");
			ra.required = !optional;
			values_walk(x, &ra, c, 0);
			ra.any = ra.any || ra.n_values == 0;
			FWC_VEC_PUSH(a, e->attrs, e->n_attrs, e->cap_attrs, ra);
		} else if (rng_is(c, "element")) {
			struct rng_kid rk = { rng_attr_text(c, "name"),
				(xmlNodePtr)c, !optional };

			FWC_VEC_PUSH(a, e->kids, e->n_kids, e->cap_kids, rk);
		} else if (rng_is(c, "optional") || rng_is(c, "zeroOrMore") ||
			   rng_is(c, "choice")) {
			model_walk(x, e, c, true, depth);
		} else if (rng_is(c, "oneOrMore") || rng_is(c, "group") ||
			   rng_is(c, "interleave")) {
			model_walk(x, e, c, optional, depth);
		} else if (rng_is(c, "mixed")) {
			e->text = true;
			model_walk(x, e, c, optional, depth);
		} else if (rng_is(c, "ref")) {
			d = rng_define(x, rng_attr_text(c, "name"));
			if (d != NULL && depth < 16)
				model_walk(x, e, d, optional, depth + 1);
		} else if (rng_is(c, "text") || rng_is(c, "value") ||
			   rng_is(c, "data") || rng_is(c, "list")) {
			e->text = true;
		}
	}
}

/* The description of a schema <element> (or <start>), built once per
 * explanation and hung on the schema node. */
static const struct rng_elem *
model_get(struct explainer *x, xmlNodePtr def)
{
	struct rng_elem *e = def->_private;

	if (e == NULL) {
		e = fwc_arena_alloc(x->ps->a, sizeof(*e));
		model_walk(x, e, def, false, 0);
		def->_private = e;
	}
	return e;
}

static const struct rng_attr *
model_attr(const struct rng_elem *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_attrs; i++)
		if (strcmp(e->attrs[i].name, name) == 0)
			return &e->attrs[i];
	return NULL;
}

static const struct rng_kid *
model_kid(const struct rng_elem *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_kids; i++)
		if (strcmp(e->kids[i].name, name) == 0)
			return &e->kids[i];
	return NULL;
}

/* "a", "a or b", "a, b or c", each item between pre and post. */
static const char *
alternatives(struct fwc_arena *a, const char *const *items, size_t n,
    const char *pre, const char *post)
{
	struct fwc_strbuf sb;
	const char *s;
	size_t i;

	fwc_strbuf_init(&sb);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fwc_strbuf_adds(&sb, i + 1 == n ? " or " : ", ");
		fwc_strbuf_addf(&sb, "%s%s%s", pre, items[i], post);
	}
	s = fwc_arena_strdup(a, sb.buf);
	fwc_strbuf_release(&sb);
	return s;
}

static bool
has_value(const struct rng_attr *ra, const char *v)
{
	size_t i;

	for (i = 0; i < ra->n_values; i++)
		if (strcmp(ra->values[i], v) == 0)
			return true;
	return false;
}

static bool
has_kid(const struct fwc_xnode *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->n_kids; i++)
		if (strcmp(n->kids[i].name, name) == 0)
			return true;
	return false;
}

static void
explain(struct explainer *x, const struct fwc_xnode *n, xmlNodePtr def)
{
	struct pstate *ps = x->ps;
	struct fwc_diag *dg = ps->dg;
	const struct rng_elem *e = model_get(x, def);
	const struct rng_attr *ra;
	const struct rng_kid *rk;
	size_t i;

	for (i = 0; i < e->n_attrs; i++) {
		ra = &e->attrs[i];
		if (!ra->required || fwc_xnode_attr(n, ra->name) != NULL)
			continue;
		x->found++;
		fwc_error(dg, &n->loc, "missing attribute '%s' on <%s>",
		    ra->name, n->name);
	}
	for (i = 0; i < n->n_attrs; i++) {
		const struct fwc_xattr *xa = &n->attrs[i];

		ra = model_attr(e, xa->name);
		if (ra == NULL) {
			x->found++;
			fwc_error(dg, &xa->loc,
			    "attribute '%s' is not allowed on <%s>",
			    quote(ps->a, xa->name), n->name);
		} else if (!ra->any && !has_value(ra, xa->value)) {
			x->found++;
			fwc_error(dg, &xa->loc,
			    "invalid value '%s' for attribute '%s' of <%s> "
			    "(expected %s)",
			    quote(ps->a, xa->value), xa->name, n->name,
			    alternatives(
				ps->a, ra->values, ra->n_values, "", ""));
		}
	}
	if (n->text != NULL && !e->text) {
		x->found++;
		fwc_error(dg, &n->text_loc, "unexpected text in <%s>", n->name);
	}
	for (i = 0; i < n->n_kids && !dg->stopped; i++) {
		const struct fwc_xnode *k = &n->kids[i];

		rk = model_kid(e, k->name);
		if (rk == NULL) {
			x->found++;
			fwc_error(dg, &k->loc,
			    "unexpected element <%s> in <%s>",
			    quote(ps->a, k->name), n->name);
		} else {
			explain(x, k, rk->def);
		}
	}
	for (i = 0; i < e->n_kids; i++) {
		rk = &e->kids[i];
		if (!rk->required || has_kid(n, rk->name))
			continue;
		x->found++;
		fwc_error(dg, &n->loc, "missing element <%s> in <%s>", rk->name,
		    n->name);
	}
}

/* Reports why root is invalid; returns the number of problems found. */
static unsigned int
explain_tree(struct pstate *ps, const struct fwc_xnode *root)
{
	struct explainer x = { ps, NULL, 0 };
	xmlDocPtr doc;
	xmlNodePtr start = NULL;
	xmlNodePtr c;
	const struct rng_elem *top;
	const struct rng_kid *rk;
	const char **names;
	size_t i;

	doc = xmlReadMemory(fwc_policy_rng, (int)fwc_policy_rng_len, NULL, NULL,
	    XML_PARSE_NONET);
	if (doc == NULL)
		return 0;
	x.grammar = xmlDocGetRootElement(doc);
	if (x.grammar != NULL)
		for (c = x.grammar->children; c != NULL; c = c->next)
			if (rng_is(c, "start"))
				start = c;
	if (start == NULL) {
		xmlFreeDoc(doc);
		return 0;
	}
	top = model_get(&x, start);
	rk = model_kid(top, root->name);
	if (rk != NULL) {
		explain(&x, root, rk->def);
	} else {
		names =
		    fwc_arena_alloc(ps->a, (top->n_kids + 1) * sizeof(*names));
		for (i = 0; i < top->n_kids; i++)
			names[i] = top->kids[i].name;
		x.found++;
		fwc_error(ps->dg, &root->loc,
		    "unexpected root element <%s> (expected %s)",
		    quote(ps->a, root->name),
		    alternatives(ps->a, names, top->n_kids, "<", ">"));
	}
	xmlFreeDoc(doc);
	return x.found;
}

/* libxml2's validation error in our words, as far as they go. */
static const char *
rng_message(struct fwc_arena *a, const struct rng_error *re)
{
	const char *s1 = re->str1 != NULL ? quote(a, re->str1) : NULL;
	const char *s2 = re->str2 != NULL ? quote(a, re->str2) : NULL;

	switch (re->code) {
	case XML_RELAXNG_ERR_ELEMWRONG:
		if (s1 != NULL)
			return fwc_arena_printf(
			    a, "unexpected element <%s>", s1);
		break;
	case XML_RELAXNG_ERR_EXTRACONTENT:
		if (s1 != NULL && s2 != NULL)
			return fwc_arena_printf(
			    a, "unexpected element <%s> in <%s>", s2, s1);
		break;
	case XML_RELAXNG_ERR_INVALIDATTR:
		if (s1 != NULL && s2 != NULL)
			return fwc_arena_printf(
			    a, "invalid attribute '%s' on <%s>", s1, s2);
		break;
	case XML_RELAXNG_ERR_ATTRVALID:
		if (s1 != NULL)
			return fwc_arena_printf(
			    a, "invalid attributes on <%s>", s1);
		break;
	case XML_RELAXNG_ERR_NOELEM:
		if (s1 != NULL)
			return fwc_arena_printf(a, "missing element <%s>", s1);
		break;
	case XML_RELAXNG_ERR_ELEMNAME:
		if (s1 != NULL && s2 != NULL)
			return fwc_arena_printf(
			    a, "expected element <%s>, found <%s>", s1, s2);
		break;
	case XML_RELAXNG_ERR_CONTENTVALID:
		if (s1 != NULL)
			return fwc_arena_printf(
			    a, "invalid content in <%s>", s1);
		break;
	case XML_RELAXNG_ERR_TEXTWRONG:
		if (s1 != NULL)
			return fwc_arena_printf(
			    a, "unexpected text in <%s>", s1);
		break;
	default:
		break;
	}
	return re->msg;
}

/* Validates doc; on failure reports every problem and returns -1. */
static int
validate(struct pstate *ps, xmlDocPtr doc, const struct fwc_xnode *root)
{
	struct vstate *vs;
	xmlRelaxNGValidCtxtPtr vc;
	int rc = -1;
	size_t i;

	vs = fwc_xcalloc(1, sizeof(*vs));
	vs->ps = ps;
	vc = xmlRelaxNGNewValidCtxt(schema_get());
	if (vc != NULL) {
		xmlRelaxNGSetValidStructuredErrors(vc, on_rng_error, vs);
		rc = xmlRelaxNGValidateDoc(vc, doc);
		xmlRelaxNGFreeValidCtxt(vc);
	}
	if (rc != 0) {
		ps->failed = true;
		if (explain_tree(ps, root) == 0) {
			for (i = 0; i < vs->n_errs; i++)
				fwc_error(ps->dg, &vs->errs[i].loc, "%s",
				    rng_message(ps->a, &vs->errs[i]));
			if (vs->n_errs == 0)
				fwc_error(ps->dg, &root->loc,
				    "policy does not match the schema");
		}
		rc = -1;
	}
	free(vs);
	return rc;
}

/*
 * Entry points.
 */

static struct fwc_xml_limits
limits(const struct fwc_xml_limits *lim)
{
	struct fwc_xml_limits l = fwc_xml_default_limits;

	if (lim == NULL)
		return l;
	if (lim->max_bytes != 0)
		l.max_bytes = lim->max_bytes;
	if (lim->max_depth != 0)
		l.max_depth = lim->max_depth;
	if (lim->max_elements != 0)
		l.max_elements = lim->max_elements;
	if (lim->max_name != 0)
		l.max_name = lim->max_name;
	if (lim->max_attrs != 0)
		l.max_attrs = lim->max_attrs;
	l.path = lim->path;
	return l;
}

/* Options for hostile input: no network; no DTD loading, default
 * attributes, entity substitution or XInclude (none of those flags is
 * set); the encoding declaration was checked by us. */
#define PARSE_OPTIONS                                                 \
	(XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT | \
	    XML_PARSE_NOBLANKS)

static void
hook_sax(xmlSAXHandler *sax)
{
	sax->internalSubset = on_doctype;
	sax->externalSubset = on_doctype;
	sax->resolveEntity = NULL;
	sax->entityDecl = NULL;
	sax->notationDecl = NULL;
	sax->attributeDecl = NULL;
	sax->elementDecl = NULL;
	sax->unparsedEntityDecl = NULL;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->comment = NULL;
	sax->processingInstruction = NULL;
	sax->warning = NULL;
	sax->error = NULL;
	sax->fatalError = NULL;
	sax->serror = on_parse_error;
}

/*
 * The streaming path.
 *
 * Building libxml2's tree of a large policy costs more than everything
 * else the compiler does, so a policy that our own reader gave up on
 * (valid documents outside its subset: CDATA sections, processing
 * instructions ...) is next read with libxml2's streaming reader, which
 * validates against the same schema as it goes and keeps only the element
 * being read. Our tree is built directly, with positions from a scan of
 * the source that follows the reader tag by tag.
 * The streaming path gives up, reporting nothing, on anything it does not
 * handle exactly as the tree path does: any libxml2 error or warning, an
 * invalid document, a DOCTYPE, namespaces, limits reached, text in more
 * than one piece. The input is then parsed again by the tree path, which
 * reports the problems. tests/unit/test_xml_stream.c checks that the
 * fast paths and the tree path give the same tree on every policy of the
 * tests and the fuzz corpora.
 */

/* An element being read: our node and its children so far. */
struct sframe {
	struct fwc_xnode node;
	size_t first_kid; /* its children: sstate.pend[first_kid..] */
	char *text;	  /* the one non-blank text piece, or NULL */
	bool text_found;  /* node.text_loc is the text's */
};

struct sstate {
	struct pstate *ps;
	size_t pos;	      /* source offset the scan has reached */
	bool gave_up;	      /* libxml2 said something */
	struct sframe *stack; /* heap, lim.max_depth + 1 frames */
	unsigned int depth;
	/* Finished children of the open elements, the innermost's last
	 * (heap): an element's children are moved out when it ends. */
	struct fwc_xnode *pend;
	size_t n_pend;
	size_t cap_pend;
};

static void
on_stream_error(void *arg, xmlErrorPtr e)
{
	struct sstate *ss = arg;

	(void)e;
	ss->gave_up = true;
}

/* Skips from pos to the next '<' that opens a start tag (want_end false)
 * or an end tag (true), over text, comments, processing instructions and
 * CDATA sections. Returns its offset, or SIZE_MAX. */
static size_t
scan_to_tag(struct sstate *ss, bool want_end)
{
	const unsigned char *s = ss->ps->src;
	const unsigned char *end = s + ss->ps->len;
	const unsigned char *p = s + ss->pos;
	const unsigned char *q;

	for (;;) {
		p = memchr(p, '<', (size_t)(end - p));
		if (p == NULL)
			return SIZE_MAX;
		q = skip_markup(p, end);
		if (q == NULL)
			return SIZE_MAX;
		if (q != p) {
			p = q;
		} else if (has_prefix(p, end, "</")) {
			if (want_end)
				return (size_t)(p - s);
			return SIZE_MAX;
		} else if (p + 1 < end && p[1] != '!') {
			if (!want_end)
				return (size_t)(p - s);
			return SIZE_MAX;
		} else {
			return SIZE_MAX;
		}
	}
}

/* The offset of the '>' ending the tag that starts at lt (quoted values
 * may hold a '>'), or SIZE_MAX. */
static size_t
tag_end(struct sstate *ss, size_t lt)
{
	const unsigned char *s = ss->ps->src;
	const unsigned char *end = s + ss->ps->len;
	const unsigned char *p = s + lt + 1;
	const unsigned char *q;

	for (; p < end; p++) {
		if (*p == '>')
			return (size_t)(p - s);
		if (*p == '"' || *p == '\'') {
			q = memchr(p + 1, *p, (size_t)(end - p - 1));
			if (q == NULL)
				return SIZE_MAX;
			p = q;
		}
	}
	return SIZE_MAX;
}

/* The attributes of the reader's current element, with the position of
 * each name from the start tag between lt and gt. Returns -1 to give
 * up. */
static int
stream_attrs(struct sstate *ss, xmlNodePtr node, struct fwc_xnode *out,
    size_t lt, size_t gt)
{
	struct pstate *ps = ss->ps;
	const unsigned char *s = ps->src;
	const unsigned char *p = s + lt + 1;
	const unsigned char *lim = s + gt;
	const unsigned char *name;
	const unsigned char *q;
	xmlAttrPtr at;
	size_t n = 0;
	size_t len;
	size_t i;

	if (node->nsDef != NULL || node->ns != NULL)
		return -1;
	for (at = node->properties; at != NULL; at = at->next) {
		if (at->ns != NULL)
			return -1;
		n++;
	}
	if (n == 0)
		return 0;
	out->attrs = fwc_arena_alloc(ps->t, n * sizeof(*out->attrs));
	out->n_attrs = n;
	while (p < lim && !is_blank(*p))
		p++;
	for (i = 0, at = node->properties; i < n; i++, at = at->next) {
		struct fwc_xattr *xa = &out->attrs[i];

		while (p < lim && is_blank(*p))
			p++;
		name = p;
		while (p < lim && !is_blank(*p) && *p != '=')
			p++;
		len = (size_t)(p - name);
		while (p < lim && is_blank(*p))
			p++;
		if (p >= lim || *p != '=')
			return -1;
		p++;
		while (p < lim && is_blank(*p))
			p++;
		if (p >= lim || (*p != '"' && *p != '\''))
			return -1;
		q = memchr(p + 1, *p, (size_t)(lim - p - 1));
		if (q == NULL)
			return -1;
		if (!qname_is(name, len, at->name) ||
		    len != strlen((const char *)at->name) ||
		    (size_t)(q - p - 1) > ps->lim.max_name)
			return -1;
		p = q + 1;
		xa->name = name_copy(ps, at->name);
		xa->value = attr_value(ps, at);
		xa->loc = loc_at(ps, (size_t)(name - s));
	}
	return 0;
}

/* Looks for the text of the open element f from off on (see find_text). */
static void
stream_find_text(struct sstate *ss, struct sframe *f, size_t off)
{
	size_t t;

	if (f->text_found)
		return;
	t = text_scan(ss->ps, off);
	if (t == SIZE_MAX)
		return;
	f->node.text_loc = loc_at(ss->ps, t);
	f->text_found = true;
}

/* Moves the finished element f into its parent's children, or into *root
 * for the document element. */
static void
stream_close(struct sstate *ss, struct sframe *f, struct fwc_xnode **root)
{
	struct pstate *ps = ss->ps;
	struct fwc_xnode *n;
	char *t;
	size_t len;

	if (ss->n_pend > f->first_kid) {
		f->node.n_kids = ss->n_pend - f->first_kid;
		f->node.kids = fwc_arena_alloc(
		    ps->t, f->node.n_kids * sizeof(*f->node.kids));
		memcpy(f->node.kids, ss->pend + f->first_kid,
		    f->node.n_kids * sizeof(*f->node.kids));
		ss->n_pend = f->first_kid;
	}
	if (f->text != NULL) {
		t = f->text;
		while (is_blank((unsigned char)*t))
			t++;
		len = strlen(t);
		while (len > 0 && is_blank((unsigned char)t[len - 1]))
			len--;
		t[len] = '\0';
		f->node.text = t;
	}
	if (f == ss->stack) {
		n = fwc_arena_alloc(ps->t, sizeof(*n));
		*n = f->node;
		*root = n;
		return;
	}
	if (ss->n_pend == ss->cap_pend) {
		ss->cap_pend = ss->cap_pend ? 2 * ss->cap_pend : 1024;
		ss->pend =
		    fwc_xrealloc(ss->pend, ss->cap_pend * sizeof(*ss->pend));
	}
	ss->pend[ss->n_pend++] = f->node;
}

static bool
all_blank(const char *s)
{
	while (*s != '\0' && is_blank((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* Handles one node from the reader; returns -1 to give up. */
static int
stream_node(struct sstate *ss, xmlTextReaderPtr r, size_t *n_elements,
    struct fwc_xnode **root)
{
	struct pstate *ps = ss->ps;
	struct sframe *f;
	xmlNodePtr node;
	const char *v;
	size_t lt;
	size_t gt;
	bool empty;

	switch (xmlTextReaderNodeType(r)) {
	case XML_READER_TYPE_ELEMENT:
		node = xmlTextReaderCurrentNode(r);
		if (node == NULL || ss->depth >= ps->lim.max_depth ||
		    ++*n_elements > ps->lim.max_elements ||
		    (unsigned int)xmlTextReaderDepth(r) != ss->depth)
			return -1;
		lt = scan_to_tag(ss, false);
		if (lt == SIZE_MAX)
			return -1;
		gt = tag_end(ss, lt);
		if (gt == SIZE_MAX)
			return -1;
		empty = ps->src[gt - 1] == '/';
		if (empty != (xmlTextReaderIsEmptyElement(r) == 1))
			return -1;
		f = &ss->stack[ss->depth];
		memset(f, 0, sizeof(*f));
		f->first_kid = ss->n_pend;
		f->node.name = name_copy(ps, node->name);
		f->node.loc = loc_at(ps, lt);
		f->node.text_loc = f->node.loc;
		if (stream_attrs(ss, node, &f->node, lt, gt - (empty ? 1 : 0)) <
		    0)
			return -1;
		ss->pos = gt + 1;
		if (empty) {
			stream_close(ss, f, root);
			if (ss->depth > 0)
				stream_find_text(ss, f - 1, ss->pos);
			return 0;
		}
		stream_find_text(ss, f, ss->pos);
		ss->depth++;
		return 0;
	case XML_READER_TYPE_END_ELEMENT:
		if (ss->depth == 0 ||
		    (unsigned int)xmlTextReaderDepth(r) != ss->depth - 1)
			return -1;
		lt = scan_to_tag(ss, true);
		if (lt == SIZE_MAX)
			return -1;
		gt = tag_end(ss, lt);
		if (gt == SIZE_MAX)
			return -1;
		ss->pos = gt + 1;
		f = &ss->stack[--ss->depth];
		stream_close(ss, f, root);
		if (ss->depth > 0)
			stream_find_text(ss, f - 1, ss->pos);
		return 0;
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_WHITESPACE:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		v = (const char *)xmlTextReaderConstValue(r);
		if (ss->depth == 0 || v == NULL)
			return -1;
		if (all_blank(v))
			return 0;
		f = &ss->stack[ss->depth - 1];
		if (f->text != NULL)
			return -1;
		f->text = fwc_arena_strdup(ps->t, v);
		return 0;
	case XML_READER_TYPE_COMMENT:
	case XML_READER_TYPE_PROCESSING_INSTRUCTION:
		return 0;
	default:
		return -1;
	}
}

/* Reads and validates the document by streaming. Returns 0 with *root
 * set, or -1 having reported nothing. */
static int
parse_stream(struct pstate *ps, struct fwc_xnode **root)
{
	struct sstate ss;
	xmlTextReaderPtr r;
	struct guard g;
	size_t n_elements = 0;
	int rc;

	if (ps->doctype_off != SIZE_MAX || ps->len > INT_MAX)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ps = ps;
	ss.stack = fwc_xcalloc(ps->lim.max_depth + 1, sizeof(*ss.stack));
	*root = NULL;
	guard_enter(&g, &ss, on_stream_error);
	r = xmlReaderForMemory(
	    (const char *)ps->src, (int)ps->len, NULL, NULL, PARSE_OPTIONS);
	if (r == NULL) {
		guard_leave(&g);
		free(ss.stack);
		return -1;
	}
	xmlTextReaderSetStructuredErrorHandler(r, on_stream_error, &ss);
	rc = xmlTextReaderRelaxNGSetSchema(r, schema_get()) == 0 ? 0 : -1;
	while (rc == 0 && !ss.gave_up) {
		int got = xmlTextReaderRead(r);

		if (got == 0)
			break;
		if (got < 0 || stream_node(&ss, r, &n_elements, root) < 0)
			rc = -1;
	}
	if (rc == 0 && (ss.gave_up || ss.depth != 0 || *root == NULL ||
			   xmlTextReaderIsValid(r) != 1))
		rc = -1;
	xmlFreeTextReader(r);
	guard_leave(&g);
	free(ss.pend);
	free(ss.stack);
	if (rc < 0) {
		*root = NULL;
		xml_lines_rewind(&ps->lines);
		memset(ps->names, 0, sizeof(ps->names));
	}
	return rc;
}

static int reread(struct pstate *ps);

static int
parse_bytes(struct pstate *ps, struct fwc_xnode **root)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNodePtr top;
	struct fwc_xnode *out;
	struct guard g;
	size_t off;
	size_t n;
	unsigned int errors_before = ps->dg->errors;
	int rc = -1;

	/* Our own reader takes valid policies in the subset it handles;
	 * on anything else it gives up silently and libxml2 reads the
	 * file as before. */
	if (ps->lim.path == FWC_XML_PATH_AUTO ||
	    ps->lim.path == FWC_XML_PATH_SCAN) {
		if (fwc_xml_scan_sink(ps->a, ps->t, ps->file, ps->src, ps->len,
			&ps->lim, ps->sink, ps->fd >= 0, root) == 0)
			return 0;
		if (ps->sink != NULL)
			ps->sink->reset(ps->sink->ctx);
	}
	if (ps->lim.path == FWC_XML_PATH_SCAN)
		return -1;
	if (ps->fd >= 0 && reread(ps) < 0)
		return -1;
	lx_load();
	xml_lines_init(&ps->lines, ps->src, ps->len);
	if (check_size(ps, ps->len) < 0)
		return -1;
	if (ps->len == 0) {
		ps->failed = true;
		fwc_error(ps->dg, &(struct fwc_loc){ ps->file, 1, 1 },
		    "document is empty");
		return -1;
	}
	if (check_encoding(ps) < 0 || check_declared_encoding(ps) < 0 ||
	    prescan(ps) < 0)
		return -1;
	if (ps->lim.path != FWC_XML_PATH_TREE && parse_stream(ps, root) == 0)
		return 0;
	if (ps->lim.path == FWC_XML_PATH_STREAM)
		return -1;
	guard_enter(&g, ps, on_stray_error);
	/* The push parser stops at the first fatal error (the pull parser
	 * would go on, parsing input that our prescan may not have seen as
	 * it does). It is fed in chunks: it refuses to look more than 10 MB
	 * ahead. */
	ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
	if (ctxt == NULL) {
		guard_leave(&g);
		FWC_BUG("cannot create an XML parser");
	}
	ps->ctxt = ctxt;
	ctxt->_private = ps;
	xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
	hook_sax(ctxt->sax);
	for (off = 0; off < ps->len && !ps->syntax_failed && !ps->halted;
	     off += n) {
		n = ps->len - off < CHUNK ? ps->len - off : CHUNK;
		xmlParseChunk(ctxt, (const char *)ps->src + off, (int)n, 0);
	}
	if (!ps->syntax_failed && !ps->halted)
		xmlParseChunk(ctxt, NULL, 0, 1);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (!ctxt->wellFormed || !ctxt->nsWellFormed)
		ps->failed = true;
	xmlFreeParserCtxt(ctxt);
	ps->ctxt = NULL;
	top = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (!ps->failed && top == NULL) {
		ps->failed = true;
		fwc_error(ps->dg, &(struct fwc_loc){ ps->file, 0, 0 },
		    "document has no root element");
	}
	if (!ps->failed) {
		out = fwc_arena_alloc(ps->t, sizeof(*out));
		convert(ps, top, out);
		if (validate(ps, doc, out) == 0) {
			*root = out;
			rc = 0;
		}
	}
	xmlFreeDoc(doc);
	guard_leave(&g);
	if (rc < 0 && ps->dg->errors == errors_before && !ps->dg->stopped)
		fwc_error(
		    ps->dg, &(struct fwc_loc){ ps->file, 0, 0 }, "invalid XML");
	return rc;
}

static void
pstate_init(struct pstate *ps, struct fwc_arena *a, struct fwc_arena *t,
    struct fwc_diag *dg, const char *file, const struct fwc_xml_limits *lim)
{
	memset(ps, 0, sizeof(*ps));
	ps->a = a;
	ps->t = t != NULL ? t : a;
	ps->dg = dg;
	ps->file = fwc_arena_strdup(a, file);
	ps->lim = limits(lim);
	ps->doctype_off = SIZE_MAX;
	ps->fd = -1;
}

int
fwc_xml_parse_buffer(struct fwc_arena *a, struct fwc_diag *dg, const char *name,
    const char *buf, size_t len, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root)
{
	struct pstate ps;

	*root = NULL;
	pstate_init(&ps, a, NULL, dg, name != NULL ? name : "<input>", lim);
	ps.src = (const unsigned char *)buf;
	ps.len = len;
	return parse_bytes(&ps, root);
}

/* Files from this size up are read through a private mapping of the
 * file (whose passed pages our reader drops) or into a mapping of their
 * own; smaller ones into the heap. Lowered from 1 MiB: read into the
 * heap, a policy of 10,000 flows (800 kB) left its buffer there for the
 * rest of the run (`fwc apply` peak 10.1 -> 9.7 MB). Not lower: each
 * mapping costs an munmap() with a TLB shootdown (about 0.5 ms on a
 * virtual machine), which doubled the reading time of a 67 kB file and
 * is lost in that of a file of 256 kB and more. */
#define MAP_FILE_MIN ((size_t)256 << 10)

/* Reads the whole file, never more than limit + 1 bytes (the file may
 * grow while we read). Returns a buffer, or NULL after an error: from
 * fwc_mem_map() when *map_len is set (its length), else from the heap. A
 * large file is read into a mapping of its own, which the system gets
 * back at once: in the heap, its pages would stay while the policy
 * grows elsewhere (the arena maps its large chunks itself). */
static unsigned char *
read_file(struct pstate *ps, int fd, bool may_map, size_t *len, size_t *map_len)
{
	struct fwc_loc loc = { ps->file, 0, 0 };
	size_t limit = ps->lim.max_bytes;
	struct stat st;
	unsigned char *buf;
	size_t cap;
	size_t n = 0;
	ssize_t r;

	if (limit > INT_MAX)
		limit = INT_MAX;
	if (fstat(fd, &st) < 0) {
		fwc_error(ps->dg, &loc, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		fwc_error(ps->dg, &loc, "cannot read: %s", strerror(EISDIR));
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > limit) {
		fwc_error(ps->dg, &loc,
		    "file is too large (%ju bytes, limit %zu)",
		    (uintmax_t)st.st_size, limit);
		return NULL;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	if (cap > limit + 1)
		cap = limit + 1;
	/* A policy takes about ten times its text in memory (126,000
	 * flows: 7.4 MB of XML, 99 MB): huge pages from the start when
	 * that will be large (fwc_mem_expect()). */
	fwc_mem_expect(8 * (cap - 1));
	*map_len = 0;
	/* A large file is read where it is, in the page cache (which holds
	 * it anyway), through a private read-only mapping: our reader
	 * drops its pages as it passes them. The size is that of the
	 * moment, as if read() had read it then. */
	if (may_map && S_ISREG(st.st_mode) && cap - 1 >= MAP_FILE_MIN) {
		buf = mmap(NULL, cap - 1, PROT_READ, MAP_PRIVATE, fd, 0);
		if (buf != MAP_FAILED) {
			ps->fd = fd;
			*len = *map_len = cap - 1;
			return buf;
		}
	}
	/* Room up to the limit: pages never touched cost nothing. */
	buf = cap >= MAP_FILE_MIN ? fwc_mem_map(limit + 1) : NULL;
	if (buf != NULL)
		*map_len = cap = limit + 1;
	else
		buf = fwc_xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > limit)
				break;
			cap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
			buf = fwc_xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fwc_error(
			    ps->dg, &loc, "cannot read: %s", strerror(errno));
			fwc_mem_free(buf, *map_len);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > limit) {
		fwc_error(
		    ps->dg, &loc, "file is too large (limit %zu bytes)", limit);
		fwc_mem_free(buf, *map_len);
		return NULL;
	}
	*len = n;
	return buf;
}

/* After our reader gave up on a mapped file: reads the file again into
 * memory of our own as read_file() does, for libxml2, which reports on
 * these bytes (the same, unless the file changed meanwhile: then on
 * what it holds now, as if it had been read now). */
static int
reread(struct pstate *ps)
{
	int fd = ps->fd;
	unsigned char *buf;
	size_t len = 0;
	size_t map_len = 0;

	fwc_mem_unmap((void *)(uintptr_t)ps->src, ps->src_map);
	ps->src = NULL;
	ps->len = 0;
	ps->src_map = 0;
	ps->fd = -1;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		fwc_error(ps->dg, &(struct fwc_loc){ ps->file, 0, 0 },
		    "cannot read: %s", strerror(errno));
		return -1;
	}
	buf = read_file(ps, fd, false, &len, &map_len);
	if (buf == NULL)
		return -1;
	ps->src = buf;
	ps->len = len;
	ps->src_map = map_len;
	return 0;
}

int
fwc_xml_parse_file(struct fwc_arena *a, struct fwc_diag *dg, const char *path,
    const struct fwc_xml_limits *lim, struct fwc_xnode **root)
{
	return fwc_xml_parse_file_tree(a, a, dg, path, lim, root);
}

int
fwc_xml_parse_file_tree(struct fwc_arena *a, struct fwc_arena *tree,
    struct fwc_diag *dg, const char *path, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root)
{
	return fwc_xml_parse_file_sink(a, tree, dg, path, lim, NULL, root);
}

int
fwc_xml_parse_file_sink(struct fwc_arena *a, struct fwc_arena *tree,
    struct fwc_diag *dg, const char *path, const struct fwc_xml_limits *lim,
    const struct fwc_xml_sink *sink, struct fwc_xnode **root)
{
	struct pstate ps;
	unsigned char *buf;
	size_t len = 0;
	size_t map_len = 0;
	int fd;
	int rc;

	*root = NULL;
	pstate_init(&ps, a, tree, dg, path, lim);
	ps.sink = sink;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fwc_error(dg, &(struct fwc_loc){ ps.file, 0, 0 },
		    "cannot open: %s", strerror(errno));
		return -1;
	}
	buf = read_file(&ps, fd, true, &len, &map_len);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	ps.src = buf;
	ps.len = len;
	ps.src_map = map_len;
	rc = parse_bytes(&ps, root);
	fwc_mem_free((void *)(uintptr_t)ps.src, ps.src_map);
	close(fd);
	return rc;
}

const struct fwc_xattr *
fwc_xnode_attr(const struct fwc_xnode *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->n_attrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return &n->attrs[i];
	return NULL;
}
