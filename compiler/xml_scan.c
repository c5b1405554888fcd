/* The XML front end's own reader: the fast path for valid policies.
 *
 * libxml2's validating reader was most of the time and memory of reading
 * a large policy. Real policies use a small part of XML: an optional XML
 * declaration, comments, elements with attributes, text, the five
 * predefined entities and character references, all in UTF-8. This
 * reader handles exactly that part in one pass over the bytes, checks
 * the document against the schema as it goes, and builds the same tree
 * as compiler/xml.c's tree path: the same names, attributes in document
 * order with values normalised by the XML rules, text joined and trimmed,
 * every location at the same line and column.
 *
 * It is conservative: on anything outside that subset, anything wrong
 * and any limit reached it gives up without a word, and xml.c reads the
 * file again with libxml2, which reports exactly as before. Among what
 * makes it give up: a DOCTYPE, CDATA sections, processing instructions
 * other than the XML declaration, an encoding other than UTF-8,
 * namespaces and prefixed names, names outside ASCII, invalid UTF-8 or
 * characters that XML forbids, '<' in an attribute value, duplicate
 * attributes, "--" inside a comment, "]]>" in text, entity references
 * other than the predefined ones, mismatched tags, anything after the
 * root element but comments and blanks, and every schema violation.
 *
 * The schema model is built from policies/policy.rng itself, once per
 * process, by this reader without validation: for each element, its
 * attributes (required or optional, any value or an enumeration of
 * strings), the elements allowed as children (any number, any order) and
 * whether it holds text. It relies on the simple shape described at the
 * top of policy.rng; a schema pattern outside that shape marks the
 * element (or the whole model) unusable and the reader gives up on it.
 * tests/unit/test_xml_stream.c and fuzz/fuzz_xml_paths.c check that this
 * reader and the tree path agree.
 *
 * For large inputs it keeps little: a caller's sink (struct
 * fwc_xml_sink) may take each element without children as it closes (an
 * address leaf, a flow), so that it never becomes a tree node; the
 * attributes of an element the sink wants are read into scratch storage
 * and reach the tree only if it is not taken. When the source is a
 * private mapping of the file (compiler/xml.c) the pages it has passed
 * are dropped, since nothing points into the source. */
#include "xml_scan.h"

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/util.h"
#include "xml_lines.h"
#include "xml_utf8.h"

extern const char fwc_policy_rng[];
extern const unsigned long fwc_policy_rng_len;

/* Deepest chain of <ref>s followed while building the model. */
#define REF_DEPTH 16
/* Attributes of one schema element (a bit mask tracks those seen). */
#define MAX_SCHEMA_ATTRS 64
/* Longest run of character data, text of one element or comment read
 * (libxml2 refuses text nodes and comments of 10 MB). */
#define RUN_MAX (1u << 20)
/* Children of one element from which their array is taken over rather
 * than copied (take_pend()). */
#define TAKE_MIN 4096
/* Bytes of the source passed between two drops (drop_passed()). */
#define DROP_STEP ((size_t)256 << 10)
/* Size from which the array of finished children lives in a mapping of
 * its own (grow_pend()). */
#define PEND_MAP ((size_t)4 << 20)

struct sc_attr {
	const char *name;
	size_t len;
	bool required;
	bool any; /* any value, else one of values */
	const char **values;
	size_t n_values;
	size_t cap_values;
};

struct sc_elem {
	const char *name;
	size_t len;
	const struct fwc_xnode *def; /* its <element> in the schema */
	struct sc_attr *attrs;
	size_t n_attrs;
	size_t cap_attrs;
	struct sc_elem **kids; /* any number, any order */
	size_t n_kids;
	size_t cap_kids;
	uint64_t required; /* bit i: attrs[i] is required */
	bool text;	   /* may hold text (and then has no kids) */
	bool bad;	   /* outside the shape this reader handles */
};

struct model {
	struct fwc_arena *a;
	const struct fwc_xnode *grammar;
	struct sc_elem **elems; /* one per <element> of the schema */
	size_t n_elems;
	size_t cap_elems;
	bool bad;
};

/* The schema model, built on first use and kept for the process (as
 * xml.c keeps libxml2's compiled schema). It lives in its own arena,
 * which it points to. */
struct schema {
	struct fwc_arena *a;
	const struct sc_elem *root; /* NULL when the model is unusable */
};

static const struct schema *schema;

/* An open element. */
struct frame {
	struct fwc_xnode node;
	const struct sc_elem *def; /* NULL without a schema */
	size_t name_len;	   /* of node.name */
	size_t first_kid;	   /* its children: scan.pend[first_kid..] */
	size_t text_off;	   /* its text: scan.text[text_off..] */
	bool text_found;	   /* node.text_loc is the text's */
	/* The sink wants it (it cannot have child elements): node.attrs
	 * is scan.attrs until it closes. */
	bool held;
};

struct scan {
	const unsigned char *s;
	const unsigned char *end;
	struct fwc_arena *a;
	struct fwc_arena *t;
	const char *file;
	const struct fwc_xml_limits *lim;
	const struct sc_elem *root_def;	 /* NULL: no schema */
	const struct fwc_xml_sink *sink; /* NULL: none */
	/* The source is a private mapping of a file, whose pages come back
	 * from the file when read again: the pages passed are dropped from
	 * dropped on. */
	bool drop;
	const unsigned char *dropped;
	jmp_buf fail;
	/* Line cursor (compiler/xml.c's, byte columns). */
	struct xml_lines lines;
	/* Open elements (heap, lim->max_depth frames). */
	struct frame *stack;
	unsigned int depth;
	/* Finished children of the open elements (heap). */
	struct fwc_xnode *pend;
	size_t n_pend;
	size_t cap_pend;
	size_t pend_map; /* bytes of pend's own mapping, or 0: heap */
	/* Attributes of the start tag being read, and of the element that
	 * the sink wants while it is open (heap). */
	struct fwc_xattr *attrs;
	size_t cap_attrs;
	/* Text of the open elements, innermost last (heap). */
	char *text;
	size_t n_text;
	size_t cap_text;
	/* An attribute value being normalised (heap). */
	char *val;
	size_t cap_val;
	size_t n_elements;
	struct fwc_xnode *root;
};

/* Byte classes. */
enum {
	C_NAME = 1,  /* [A-Za-z0-9._:-] */
	C_BLANK = 2, /* space, tab, LF, CR */
	C_PLAIN = 4, /* ASCII allowed as is in values and text */
};

static unsigned char cls[256];

static void
cls_init(void)
{
	int c;

	if (cls['a'] != 0)
		return;
	for (c = 0x20; c <= 0x7F; c++)
		cls[c] = C_PLAIN;
	for (c = 'a'; c <= 'z'; c++)
		cls[c] |= C_NAME;
	for (c = 'A'; c <= 'Z'; c++)
		cls[c] |= C_NAME;
	for (c = '0'; c <= '9'; c++)
		cls[c] |= C_NAME;
	cls['.'] |= C_NAME;
	cls['_'] |= C_NAME;
	cls[':'] |= C_NAME;
	cls['-'] |= C_NAME;
	cls[' '] |= C_BLANK;
	cls['\t'] = C_BLANK;
	cls['\n'] = C_BLANK;
	cls['\r'] = C_BLANK;
	/* Stop characters of values and text. */
	cls['<'] &= (unsigned char)~C_PLAIN;
	cls['&'] &= (unsigned char)~C_PLAIN;
	cls['"'] &= (unsigned char)~C_PLAIN;
	cls['\''] &= (unsigned char)~C_PLAIN;
	cls[']'] &= (unsigned char)~C_PLAIN;
}

static _Noreturn void
give_up(struct scan *sc)
{
	longjmp(sc->fail, 1);
}

static bool
is_blank(unsigned char c)
{
	return (cls[c] & C_BLANK) != 0;
}

static bool
at(const struct scan *sc, const unsigned char *p, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(sc->end - p) >= n && memcmp(p, lit, n) == 0;
}

/*
 * Locations, as compiler/xml.c's loc_at().
 */

static struct fwc_loc
loc_at(struct scan *sc, const unsigned char *p)
{
	size_t off = (size_t)(p - sc->s);
	struct fwc_loc loc;

	if (off < sc->lines.off)
		FWC_BUG("xml_scan: location out of order");
	xml_lines_advance(&sc->lines, off);
	loc.file = sc->file;
	loc.line = sc->lines.line;
	loc.col = (uint32_t)(off - sc->lines.start + 1);
	return loc;
}

/*
 * Characters.
 */

/* Length of the valid UTF-8 sequence at p (*p >= 0x80) that XML allows
 * (no overlong forms, surrogates, U+FFFE or U+FFFF, nothing above
 * U+10FFFF); gives up otherwise. */
static size_t
utf8_char(struct scan *sc, const unsigned char *p)
{
	size_t n = xml_utf8_len(p, sc->end);

	if (n < 2 || xml_forbidden_char(p, n) != UINT32_MAX)
		give_up(sc);
	return n;
}

/* Skips blanks (which are always valid characters). */
static const unsigned char *
skip_blanks(const struct scan *sc, const unsigned char *p)
{
	while (p < sc->end && is_blank(*p))
		p++;
	return p;
}

/* Writes code point c as UTF-8 into out (4 bytes); returns the length. */
static size_t
utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* At a '&': the character the reference stands for, written into out
 * (4 bytes); sets *len and returns the end of the reference. Gives up on
 * anything but the five predefined entities and character references to
 * characters XML allows. */
static const unsigned char *
reference(struct scan *sc, const unsigned char *p, char *out, size_t *len)
{
	static const struct {
		const char *ref;
		char c;
	} predefined[] = { { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
		{ "&apos;", '\'' }, { "&quot;", '"' } };
	uint32_t c = 0;
	const unsigned char *q;
	size_t i;

	if (at(sc, p, "&#x")) {
		for (q = p + 3; q < sc->end && q - p < 12; q++) {
			if (*q >= '0' && *q <= '9')
				c = c * 16 + (uint32_t)(*q - '0');
			else if ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')
				c = c * 16 + (uint32_t)((*q | 0x20) - 'a' + 10);
			else
				break;
			if (c > 0x10FFFF)
				give_up(sc);
		}
		if (q == p + 3)
			give_up(sc);
	} else if (at(sc, p, "&#")) {
		for (q = p + 2;
		     q < sc->end && q - p < 11 && *q >= '0' && *q <= '9'; q++) {
			c = c * 10 + (uint32_t)(*q - '0');
			if (c > 0x10FFFF)
				give_up(sc);
		}
		if (q == p + 2)
			give_up(sc);
	} else {
		for (i = 0; i < FWC_ARRAY_SIZE(predefined); i++)
			if (at(sc, p, predefined[i].ref)) {
				out[0] = predefined[i].c;
				*len = 1;
				return p + strlen(predefined[i].ref);
			}
		give_up(sc);
	}
	if (q >= sc->end || *q != ';')
		give_up(sc);
	if (!(c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
		(c >= 0xE000 && c <= 0xFFFD) ||
		(c >= 0x10000 && c <= 0x10FFFF)))
		give_up(sc);
	*len = utf8_put(out, c);
	return q + 1;
}

/*
 * Buffers.
 */

static void
text_add(struct scan *sc, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (sc->cap_text - sc->n_text < n) {
		while (sc->cap_text - sc->n_text < n)
			sc->cap_text = sc->cap_text ? 2 * sc->cap_text : 4096;
		sc->text = fwc_xrealloc(sc->text, sc->cap_text);
	}
	memcpy(sc->text + sc->n_text, p, n);
	sc->n_text += n;
}

/* Appends to the text the run [p, q), its line ends normalised
 * (CR LF and a lone CR read as LF). */
static void
text_run(struct scan *sc, const unsigned char *p, const unsigned char *q)
{
	const unsigned char *cr;

	while ((cr = memchr(p, '\r', (size_t)(q - p))) != NULL) {
		text_add(sc, p, (size_t)(cr - p));
		text_add(sc, "\n", 1);
		p = cr + 1;
		if (p < sc->end && *p == '\n')
			p++;
	}
	text_add(sc, p, (size_t)(q - p));
}

/*
 * Names, attributes and tags.
 */

/* The end of the name at p (ASCII name characters); gives up when there
 * is none or when a character outside ASCII follows. */
static const unsigned char *
name_end(struct scan *sc, const unsigned char *p)
{
	const unsigned char *q = p;

	while (q < sc->end && (cls[*q] & C_NAME) != 0)
		q++;
	if (q == p || q >= sc->end || *q >= 0x80)
		give_up(sc);
	if (!((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') && *p != '_')
		give_up(sc);
	return q;
}

static const struct sc_attr *
schema_attr(const struct sc_elem *e, const unsigned char *name, size_t len,
    size_t *index)
{
	size_t i;

	for (i = 0; i < e->n_attrs; i++)
		if (e->attrs[i].len == len &&
		    memcmp(e->attrs[i].name, name, len) == 0) {
			*index = i;
			return &e->attrs[i];
		}
	return NULL;
}

static const struct sc_elem *
schema_kid(const struct sc_elem *e, const unsigned char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n_kids; i++)
		if (e->kids[i]->len == len &&
		    memcmp(e->kids[i]->name, name, len) == 0)
			return e->kids[i];
	return NULL;
}

/* Reads the quoted value at p into *value (arena a), normalised: a
 * literal tab, LF, CR or CR LF reads as one space, references as their
 * character. Returns the end of the closing quote. */
static const unsigned char *
attr_value(struct scan *sc, const unsigned char *p, const char **value)
{
	unsigned char quote = *p;
	const unsigned char *start = ++p;
	const unsigned char *limit;
	size_t n = 0;
	size_t k;
	char ref[4];
	bool plain = true;

	/* A value as long as the limit gives up (the normalised value is
	 * never longer than its source). */
	limit = (size_t)(sc->end - p) > sc->lim->max_name
		    ? p + sc->lim->max_name
		    : sc->end;
	for (;;) {
		while (p < limit && (cls[*p] & C_PLAIN) != 0)
			p++;
		if (p >= limit)
			give_up(sc);
		if (*p == quote)
			break;
		if (*p == '"' || *p == '\'' || *p == ']')
			p++;
		else if (*p >= 0x80)
			p += utf8_char(sc, p);
		else if (*p == '\t' || *p == '\n' || *p == '\r' || *p == '&')
			plain = false, p++;
		else
			give_up(sc); /* '<', a control character */
	}
	if (plain) {
		*value = fwc_arena_strndup(
		    sc->a, (const char *)start, (size_t)(p - start));
		return p + 1;
	}
	if (sc->cap_val < (size_t)(p - start) + 1) {
		sc->cap_val = (size_t)(p - start) + 1;
		sc->val = fwc_xrealloc(sc->val, sc->cap_val);
	}
	limit = p;
	for (p = start; p < limit;) {
		if (*p == '&') {
			p = reference(sc, p, ref, &k);
			if (p > limit)
				give_up(sc);
			memcpy(sc->val + n, ref, k);
			n += k;
		} else if (*p == '\r') {
			sc->val[n++] = ' ';
			p++;
			if (p < limit && *p == '\n')
				p++;
		} else if (*p == '\t' || *p == '\n') {
			sc->val[n++] = ' ';
			p++;
		} else {
			sc->val[n++] = (char)*p++;
		}
	}
	*value = fwc_arena_strndup(sc->a, sc->val, n);
	return limit + 1;
}

/* Reads the attributes of the start tag whose name ends at p into
 * f->node, checking them against f->def; returns the end of the tag
 * ('>' or "/>") and sets *empty for "/>". */
static const unsigned char *
attributes(
    struct scan *sc, struct frame *f, const unsigned char *p, bool *empty)
{
	const struct sc_elem *e = f->def;
	const struct sc_attr *sa;
	const unsigned char *name;
	const unsigned char *q;
	struct fwc_xattr *xa;
	uint64_t seen = 0;
	size_t n = 0;
	size_t i;
	size_t len;

	for (;;) {
		q = skip_blanks(sc, p);
		if (q >= sc->end)
			give_up(sc);
		if (*q == '>' || at(sc, q, "/>")) {
			*empty = *q == '/';
			p = q;
			break;
		}
		/* Attributes must be separated by blanks. */
		if (q == p)
			give_up(sc);
		name = q;
		q = name_end(sc, q);
		len = (size_t)(q - name);
		if (n + 1 >= sc->lim->max_attrs)
			give_up(sc);
		if (n == sc->cap_attrs) {
			sc->cap_attrs = sc->cap_attrs ? 2 * sc->cap_attrs : 16;
			sc->attrs = fwc_xrealloc(
			    sc->attrs, sc->cap_attrs * sizeof(*sc->attrs));
		}
		xa = &sc->attrs[n];
		if (e != NULL) {
			sa = schema_attr(e, name, len, &i);
			if (sa == NULL || (seen & ((uint64_t)1 << i)) != 0)
				give_up(sc);
			seen |= (uint64_t)1 << i;
			xa->name = sa->name;
		} else {
			if (memchr(name, ':', len) != NULL)
				give_up(sc);
			for (i = 0; i < n; i++)
				if (strlen(sc->attrs[i].name) == len &&
				    memcmp(sc->attrs[i].name, name, len) == 0)
					give_up(sc);
			sa = NULL;
			xa->name =
			    fwc_arena_strndup(sc->t, (const char *)name, len);
		}
		xa->loc = loc_at(sc, name);
		q = skip_blanks(sc, q);
		if (q >= sc->end || *q != '=')
			give_up(sc);
		q = skip_blanks(sc, q + 1);
		if (q >= sc->end || (*q != '"' && *q != '\''))
			give_up(sc);
		p = attr_value(sc, q, &xa->value);
		if (sa != NULL && !sa->any) {
			for (i = 0; i < sa->n_values; i++)
				if (strcmp(sa->values[i], xa->value) == 0)
					break;
			if (i == sa->n_values)
				give_up(sc);
		}
		n++;
	}
	if (e != NULL && (seen & e->required) != e->required)
		give_up(sc);
	if (n > 0 && f->held) {
		/* Copied into the tree only if the sink does not take it
		 * (close_element()): no start tag comes before it closes. */
		f->node.attrs = sc->attrs;
		f->node.n_attrs = n;
	} else if (n > 0) {
		f->node.attrs = fwc_arena_alloc(sc->t, n * sizeof(*sc->attrs));
		memcpy(f->node.attrs, sc->attrs, n * sizeof(*sc->attrs));
		f->node.n_attrs = n;
	}
	return p;
}

/* Drops the pages of the source before lt from the process: nothing
 * points into the source (text and values are copied, open elements
 * keep the name as stored), and the line cursor is never behind lt
 * further than the last location. */
static void
drop_passed(struct scan *sc, const unsigned char *lt)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = (size_t)(lt - sc->s);
	size_t from = (size_t)(sc->dropped - sc->s);

	if (upto > sc->lines.off)
		upto = sc->lines.off;
	upto = upto / page * page;
	if (upto <= from)
		return;
	(void)madvise(
	    (void *)(uintptr_t)sc->dropped, upto - from, MADV_DONTNEED);
	sc->dropped = sc->s + upto;
}

/* At a '<' opening a start tag: opens the element and returns the end
 * of its start tag; an empty element ("/>") is closed at once. */
static void close_element(struct scan *sc);

static const unsigned char *
start_tag(struct scan *sc, const unsigned char *lt)
{
	const unsigned char *name = lt + 1;
	const unsigned char *q = name_end(sc, name);
	const struct sc_elem *def = NULL;
	struct frame *f;
	bool empty = false;

	if (sc->depth + 1 >= sc->lim->max_depth ||
	    ++sc->n_elements >= sc->lim->max_elements)
		give_up(sc);
	if (sc->drop && (size_t)(lt - sc->dropped) >= 2 * DROP_STEP)
		drop_passed(sc, lt - DROP_STEP);
	if (sc->root_def != NULL) {
		if (sc->depth == 0)
			def = (size_t)(q - name) == sc->root_def->len &&
				      memcmp(name, sc->root_def->name,
					  sc->root_def->len) == 0
				  ? sc->root_def
				  : NULL;
		else
			def = schema_kid(sc->stack[sc->depth - 1].def, name,
			    (size_t)(q - name));
		if (def == NULL || def->bad)
			give_up(sc);
	} else if (memchr(name, ':', (size_t)(q - name)) != NULL) {
		give_up(sc);
	}
	f = &sc->stack[sc->depth++];
	memset(f, 0, sizeof(*f));
	f->def = def;
	f->name_len = (size_t)(q - name);
	f->first_kid = sc->n_pend;
	f->text_off = sc->n_text;
	f->node.name = def != NULL ? def->name
				   : fwc_arena_strndup(sc->t,
					 (const char *)name, f->name_len);
	f->node.loc = loc_at(sc, lt);
	f->node.text_loc = f->node.loc;
	/* Only an element that cannot have child elements is held: their
	 * start tags would reuse sc->attrs. */
	f->held = def != NULL && def->n_kids == 0 && sc->depth >= 2 &&
		  sc->sink != NULL && sc->sink->wants != NULL &&
		  sc->sink->wants(sc->sink->ctx, sc->depth - 1, def->name);
	q = attributes(sc, f, q, &empty);
	if (empty)
		close_element(sc);
	return q + (empty ? 2 : 1);
}

/* Doubles pend. From PEND_MAP bytes on, each size has a mapping of its
 * own: grown on the heap, every smaller copy stayed behind there,
 * resident (the heap keeps freed memory, compiler/main.c), while the
 * policy grows in the arena's mappings. The pages of the new half cost
 * nothing until written. */
static void
grow_pend(struct scan *sc)
{
	size_t cap = sc->cap_pend ? 2 * sc->cap_pend : 1024;
	size_t bytes = cap * sizeof(*sc->pend);
	struct fwc_xnode *p = bytes >= PEND_MAP ? fwc_mem_map(bytes) : NULL;
	size_t map_len = p != NULL ? bytes : 0;

	if (p == NULL && sc->pend_map == 0) {
		sc->pend = fwc_xrealloc(sc->pend, bytes);
		sc->cap_pend = cap;
		return;
	}
	if (p == NULL)
		p = fwc_xmalloc(bytes);
	memcpy(p, sc->pend, sc->n_pend * sizeof(*p));
	fwc_mem_free(sc->pend, sc->pend_map);
	sc->pend = p;
	sc->pend_map = map_len;
	sc->cap_pend = cap;
}

/* The n finished children at pend[first..] of a large element (a
 * boundary of a million subnets), in pend's own block, which the tree's
 * arena takes over: a copy would double the largest array of the tree
 * for a moment. The few entries before them move to a new pend. */
static struct fwc_xnode *
take_pend(struct scan *sc, size_t first, size_t n)
{
	struct fwc_xnode *kids = sc->pend;
	size_t map_len = sc->pend_map;
	size_t cap = 0;

	sc->pend = NULL;
	sc->pend_map = 0;
	if (first > 0) {
		cap = 1024;
		while (cap < first)
			cap *= 2;
		sc->pend = fwc_xmalloc(cap * sizeof(*sc->pend));
		memcpy(sc->pend, kids, first * sizeof(*kids));
		memmove(kids, kids + first, n * sizeof(*kids));
	}
	sc->cap_pend = cap;
	sc->n_pend = first;
	if (map_len != 0)
		return fwc_arena_adopt_map(sc->t, kids, map_len);
	kids = fwc_xrealloc(kids, n * sizeof(*kids));
	return fwc_arena_adopt(sc->t, kids, n * sizeof(*kids));
}

/* Offers the element f, whose trimmed text is the len bytes at
 * sc->text[t_off], to the sink; returns whether it took it. */
static bool
offer(struct scan *sc, const struct frame *f, size_t t_off, size_t len)
{
	const struct frame *parent = &sc->stack[sc->depth - 2];
	struct fwc_xnode kid = f->node;

	if (len > 0) {
		/* Room for a NUL after the text (text_add may move it). */
		text_add(sc, "", 1);
		sc->text[t_off + len] = '\0';
		kid.text = sc->text + t_off;
	}
	if (!sc->sink->take(sc->sink->ctx, &parent->node, sc->depth - 1, &kid))
		return false;
	if (kid.n_kids != 0)
		FWC_BUG("xml_scan: the sink took an element with children");
	return true;
}

/* Closes the innermost element. */
static void
close_element(struct scan *sc)
{
	struct frame *f = &sc->stack[sc->depth - 1];
	struct fwc_xnode *n;
	size_t len = sc->n_text - f->text_off;
	const char *t = len > 0 ? sc->text + f->text_off : "";
	size_t t_off;
	bool taken;

	if (sc->n_pend > f->first_kid) {
		f->node.n_kids = sc->n_pend - f->first_kid;
		if (f->node.n_kids >= TAKE_MIN &&
		    f->first_kid <= f->node.n_kids) {
			f->node.kids =
			    take_pend(sc, f->first_kid, f->node.n_kids);
		} else {
			f->node.kids = fwc_arena_alloc(
			    sc->t, f->node.n_kids * sizeof(*f->node.kids));
			memcpy(f->node.kids, sc->pend + f->first_kid,
			    f->node.n_kids * sizeof(*f->node.kids));
			sc->n_pend = f->first_kid;
		}
	}
	while (len > 0 && is_blank((unsigned char)*t))
		t++, len--;
	while (len > 0 && is_blank((unsigned char)t[len - 1]))
		len--;
	if (len > 0 && memchr(t, '\0', len) != NULL)
		give_up(sc);
	t_off = len > 0 ? (size_t)(t - sc->text) : 0;
	taken = sc->sink != NULL && sc->depth >= 2 && offer(sc, f, t_off, len);
	if (len > 0 && !taken)
		f->node.text = fwc_arena_strndup(sc->t, sc->text + t_off, len);
	sc->n_text = f->text_off;
	sc->depth--;
	if (taken)
		return;
	if (f->held && f->node.n_attrs > 0) {
		f->node.attrs = fwc_arena_alloc(
		    sc->t, f->node.n_attrs * sizeof(*f->node.attrs));
		memcpy(f->node.attrs, sc->attrs,
		    f->node.n_attrs * sizeof(*f->node.attrs));
	}
	if (sc->depth == 0) {
		n = fwc_arena_alloc(sc->t, sizeof(*n));
		*n = f->node;
		sc->root = n;
		return;
	}
	if (sc->n_pend == sc->cap_pend)
		grow_pend(sc);
	sc->pend[sc->n_pend++] = f->node;
}

/* At "<!--": checks the comment and returns its end. */
static const unsigned char *
comment(struct scan *sc, const unsigned char *p)
{
	const unsigned char *start = p;
	const unsigned char *q;

	for (p += 4;; p++) {
		while (p < sc->end && (cls[*p] & (C_PLAIN | C_BLANK)) != 0 &&
		       *p != '-')
			p++;
		if (p >= sc->end)
			give_up(sc);
		if (*p == '-') {
			if (at(sc, p, "--")) {
				if (!at(sc, p, "-->") ||
				    (size_t)(p - start) >= RUN_MAX)
					give_up(sc);
				return p + 3;
			}
		} else if (*p >= 0x80) {
			q = p + utf8_char(sc, p);
			p = q - 1;
		} else if (*p < 0x20) {
			give_up(sc);
		}
	}
}

/* Reads the character data at p up to the next '<', for the innermost
 * element. */
static const unsigned char *
char_data(struct scan *sc, const unsigned char *p)
{
	struct frame *f = &sc->stack[sc->depth - 1];
	bool text = f->def == NULL || f->def->text;
	const unsigned char *run = p;
	char ref[4];
	size_t k;

	if (!f->text_found) {
		const unsigned char *q = skip_blanks(sc, p);

		if (q < sc->end && *q != '<') {
			if (!text)
				give_up(sc);
			f->text_found = true;
			f->node.text_loc = loc_at(sc, q);
		}
		if (!text) {
			if ((size_t)(q - p) >= RUN_MAX)
				give_up(sc);
			return q;
		}
	} else if (!text) {
		give_up(sc);
	}
	for (;;) {
		while (p < sc->end && (cls[*p] & C_PLAIN) != 0)
			p++;
		if (p >= sc->end)
			give_up(sc);
		if (*p == '<') {
			break;
		} else if (*p == '&') {
			text_run(sc, run, p);
			p = reference(sc, p, ref, &k);
			text_add(sc, ref, k);
			run = p;
		} else if (*p == ']') {
			if (at(sc, p, "]]>"))
				give_up(sc);
			p++;
		} else if (*p == '"' || *p == '\'' || is_blank(*p)) {
			p++;
		} else if (*p >= 0x80) {
			p += utf8_char(sc, p);
		} else {
			give_up(sc);
		}
	}
	text_run(sc, run, p);
	if (sc->n_text - f->text_off >= RUN_MAX)
		give_up(sc);
	return p;
}

/* At "</": closes the innermost element and returns the end of the
 * tag. */
static const unsigned char *
end_tag(struct scan *sc, const unsigned char *p)
{
	const struct frame *f = &sc->stack[sc->depth - 1];

	p += 2;
	/* The name as stored, not in the source: nothing of an open
	 * element points into the source (compiler/xml.c may drop the
	 * pages the reader has passed). */
	if ((size_t)(sc->end - p) < f->name_len ||
	    memcmp(p, f->node.name, f->name_len) != 0)
		give_up(sc);
	p = skip_blanks(sc, p + f->name_len);
	if (p >= sc->end || *p != '>')
		give_up(sc);
	close_element(sc);
	return p + 1;
}

/* Blanks and comments outside the root element. */
static const unsigned char *
misc(struct scan *sc, const unsigned char *p)
{
	for (;;) {
		p = skip_blanks(sc, p);
		if (!at(sc, p, "<!--"))
			return p;
		p = comment(sc, p);
	}
}

/* Whether an encoding declaration names one that compiler/xml.c reads
 * as UTF-8 (its check_declared_encoding()). */
static bool
known_encoding(const unsigned char *v, size_t len)
{
	static const char *const ok[] = { "UTF-8", "UTF8", "US-ASCII",
		"ASCII" };
	size_t i;

	for (i = 0; i < FWC_ARRAY_SIZE(ok); i++)
		if (len == strlen(ok[i]) &&
		    strncasecmp((const char *)v, ok[i], len) == 0)
			return true;
	return false;
}

/* The XML declaration: version 1.0, encoding UTF-8 (or a name of it that
 * xml.c accepts) if any, standalone if any, in that order. */
static const unsigned char *
xml_decl(struct scan *sc, const unsigned char *p)
{
	static const char *const keys[] = { "version", "encoding",
		"standalone" };
	const unsigned char *q;
	const unsigned char *v;
	size_t i;
	size_t len;

	p += 5;
	for (i = 0; i < FWC_ARRAY_SIZE(keys); i++) {
		q = skip_blanks(sc, p);
		if (q == p || !at(sc, q, keys[i])) {
			if (i == 0)
				give_up(sc);
			continue;
		}
		q = skip_blanks(sc, q + strlen(keys[i]));
		if (q >= sc->end || *q != '=')
			give_up(sc);
		q = skip_blanks(sc, q + 1);
		if (q >= sc->end || (*q != '"' && *q != '\''))
			give_up(sc);
		v = q + 1;
		q = memchr(v, *q, (size_t)(sc->end - v));
		if (q == NULL)
			give_up(sc);
		len = (size_t)(q - v);
		if (i == 0 && !(len == 3 && memcmp(v, "1.0", 3) == 0))
			give_up(sc);
		if (i == 1 && !known_encoding(v, len))
			give_up(sc);
		if (i == 2 && !(len == 3 && memcmp(v, "yes", 3) == 0) &&
		    !(len == 2 && memcmp(v, "no", 2) == 0))
			give_up(sc);
		p = q + 1;
	}
	p = skip_blanks(sc, p);
	if (!at(sc, p, "?>"))
		give_up(sc);
	return p + 2;
}

static void
document(struct scan *sc)
{
	const unsigned char *p = sc->s + sc->lines.first;

	if (at(sc, p, "<?xml") && sc->end - p > 5 && is_blank(p[5]))
		p = xml_decl(sc, p);
	p = misc(sc, p);
	if (p >= sc->end || *p != '<')
		give_up(sc);
	p = start_tag(sc, p);
	while (sc->depth > 0) {
		if (p >= sc->end)
			give_up(sc);
		if (*p != '<')
			p = char_data(sc, p);
		else if (p + 1 < sc->end && p[1] == '/')
			p = end_tag(sc, p);
		else if (at(sc, p, "<!--"))
			p = comment(sc, p);
		else if (p + 1 < sc->end && p[1] != '!' && p[1] != '?') {
			p = start_tag(sc, p);
		} else
			give_up(sc);
	}
	p = misc(sc, p);
	if (p != sc->end)
		give_up(sc);
}

/* The scan reading a file mapping, for on_bus(). */
static struct scan *bus_scan;

/* A page of a mapped file that is no longer there (the file shrank
 * while read) reads as the end of the scan: it gives up, and
 * compiler/xml.c reads the file again. */
static void
on_bus(int sig)
{
	(void)sig;
	longjmp(bus_scan->fail, 1);
}

static int
scan(struct fwc_arena *a, struct fwc_arena *t, const char *file,
    const unsigned char *src, size_t len, const struct fwc_xml_limits *lim,
    const struct sc_elem *root_def, const struct fwc_xml_sink *sink, bool drop,
    struct fwc_xnode **root)
{
	/* On the heap: nothing the scan changes lives in a local of the
	 * function that calls setjmp. */
	struct scan *const sc = fwc_xcalloc(1, sizeof(*sc));
	struct sigaction bus;
	struct sigaction old_bus;
	int rc = -1;

	*root = NULL;
	cls_init();
	sc->s = src;
	sc->end = src + len;
	sc->a = a;
	sc->t = t;
	sc->file = file;
	sc->lim = lim;
	sc->root_def = root_def;
	sc->sink = sink;
	sc->drop = drop;
	sc->dropped = src;
	xml_lines_init(&sc->lines, src, len);
	sc->stack = fwc_xcalloc(lim->max_depth, sizeof(*sc->stack));
	if (len == 0 || len >= lim->max_bytes || len >= INT32_MAX)
		goto out;
	if (drop) {
		/* Not blocked in the handler, which leaves by longjmp. */
		memset(&bus, 0, sizeof(bus));
		bus.sa_handler = on_bus;
		bus.sa_flags = SA_NODEFER;
		sigemptyset(&bus.sa_mask);
		bus_scan = sc;
		sigaction(SIGBUS, &bus, &old_bus);
	}
	if (setjmp(sc->fail) == 0) {
		document(sc);
		*root = sc->root;
		rc = 0;
	}
	if (drop) {
		sigaction(SIGBUS, &old_bus, NULL);
		bus_scan = NULL;
	}
out:
	free(sc->stack);
	fwc_mem_free(sc->pend, sc->pend_map);
	free(sc->attrs);
	free(sc->text);
	free(sc->val);
	free(sc);
	return rc;
}

/*
 * The schema model, from policies/policy.rng.
 */

static bool
rng_is(const struct fwc_xnode *n, const char *kind)
{
	return strcmp(n->name, kind) == 0;
}

/* The schema attribute name's value; NULL when absent. Any attribute
 * outside allowed (a NULL-terminated list) makes the model bad. */
static const char *
rng_attr(struct model *m, const struct fwc_xnode *n, const char *name,
    const char *const *allowed)
{
	const char *v = NULL;
	size_t i;
	size_t j;

	for (i = 0; i < n->n_attrs; i++) {
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(n->attrs[i].name, allowed[j]) == 0)
				break;
		if (allowed[j] == NULL)
			m->bad = true;
		if (strcmp(n->attrs[i].name, name) == 0)
			v = n->attrs[i].value;
	}
	return v;
}

static const char *const only_name[] = { "name", NULL };
static const char *const no_attrs[] = { NULL };

static const struct fwc_xnode *
rng_define(struct model *m, const struct fwc_xnode *ref)
{
	const char *name = rng_attr(m, ref, "name", only_name);
	const struct fwc_xnode *found = NULL;
	size_t i;

	if (ref->n_kids != 0 || name == NULL) {
		m->bad = true;
		return NULL;
	}
	for (i = 0; i < m->grammar->n_kids; i++) {
		const struct fwc_xnode *d = &m->grammar->kids[i];

		const char *dn = rng_attr(m, d, "name", only_name);

		if (rng_is(d, "define") && dn != NULL &&
		    strcmp(dn, name) == 0) {
			if (found != NULL)
				m->bad = true;
			found = d;
		}
	}
	if (found == NULL)
		m->bad = true;
	return found;
}

/* Whether ">v</value>" is in the schema source. */
static bool
value_verbatim(const char *v)
{
	const char *p = fwc_policy_rng;
	const char *end = fwc_policy_rng + fwc_policy_rng_len;
	size_t n = strlen(v);

	while ((p = memchr(p, '>', (size_t)(end - p))) != NULL) {
		p++;
		if ((size_t)(end - p) >= n + 8 && memcmp(p, v, n) == 0 &&
		    memcmp(p + n, "</value>", 8) == 0)
			return true;
	}
	return false;
}

static void
values_walk(struct model *m, struct sc_attr *sa, const struct fwc_xnode *pat,
    unsigned int depth)
{
	static const char *const value_attrs[] = { "type", NULL };
	const struct fwc_xnode *c;
	const char *type;
	size_t i;

	if (depth > REF_DEPTH) {
		m->bad = true;
		return;
	}
	for (i = 0; i < pat->n_kids; i++) {
		c = &pat->kids[i];
		if (rng_is(c, "value")) {
			type = rng_attr(m, c, "type", value_attrs);
			/* Only the string type compares values as they
			 * are. */
			if (type == NULL || strcmp(type, "string") != 0 ||
			    c->n_kids != 0)
				m->bad = true;
			FWC_VEC_PUSH(m->a, sa->values, sa->n_values,
			    sa->cap_values, c->text != NULL ? c->text : "");
			/* The tree trims text: the value must be in the
			 * schema exactly as read. */
			if (c->text == NULL || !value_verbatim(c->text))
				m->bad = true;
		} else if (rng_is(c, "choice")) {
			(void)rng_attr(m, c, "", no_attrs);
			values_walk(m, sa, c, depth + 1);
		} else if (rng_is(c, "ref")) {
			c = rng_define(m, c);
			if (c != NULL)
				values_walk(m, sa, c, depth + 1);
		} else {
			m->bad = true;
		}
	}
}

static struct sc_elem *model_elem(struct model *m, const struct fwc_xnode *def);

/* Adds to e what the patterns under pat allow: optional says whether
 * they are under <optional>, repeated whether under <zeroOrMore> (where
 * only elements may appear, as alternatives of a <choice> or alone). */
static void
model_walk(struct model *m, struct sc_elem *e, const struct fwc_xnode *pat,
    bool optional, bool repeated, unsigned int depth)
{
	const struct fwc_xnode *c;
	const char *name;
	size_t i;
	size_t j;

	if (depth > REF_DEPTH || pat->text != NULL) {
		m->bad = true;
		return;
	}
	for (i = 0; i < pat->n_kids && !m->bad; i++) {
		c = &pat->kids[i];
		if (rng_is(c, "attribute")) {
			struct sc_attr sa = { 0 };

			name = rng_attr(m, c, "name", only_name);
			if (name == NULL || repeated || strchr(name, ':'))
				m->bad = true;
			if (m->bad)
				return;
			sa.name = name;
			sa.len = strlen(name);
			sa.required = !optional;
			if (c->n_kids == 1 && rng_is(&c->kids[0], "text") &&
			    c->kids[0].n_kids == 0 && c->kids[0].n_attrs == 0)
				sa.any = true;
			else if (c->n_kids == 0)
				sa.any = true;
			else
				values_walk(m, &sa, c, depth + 1);
			if (c->text != NULL)
				m->bad = true;
			for (j = 0; j < e->n_attrs; j++)
				if (strcmp(e->attrs[j].name, name) == 0)
					e->bad = true;
			if (e->n_attrs >= MAX_SCHEMA_ATTRS) {
				e->bad = true;
				return;
			}
			if (sa.required)
				e->required |= (uint64_t)1 << e->n_attrs;
			FWC_VEC_PUSH(
			    m->a, e->attrs, e->n_attrs, e->cap_attrs, sa);
		} else if (rng_is(c, "element")) {
			struct sc_elem *k;

			/* A child element must be allowed any number of
			 * times in any order. */
			if (!repeated) {
				e->bad = true;
				continue;
			}
			k = model_elem(m, c);
			if (k == NULL)
				return;
			for (j = 0; j < e->n_kids; j++)
				if (strcmp(e->kids[j]->name, k->name) == 0)
					e->bad = true;
			FWC_VEC_PUSH(m->a, e->kids, e->n_kids, e->cap_kids, k);
		} else if (rng_is(c, "optional")) {
			(void)rng_attr(m, c, "", no_attrs);
			if (repeated)
				e->bad = true;
			model_walk(m, e, c, true, repeated, depth + 1);
		} else if (rng_is(c, "zeroOrMore")) {
			(void)rng_attr(m, c, "", no_attrs);
			model_walk(m, e, c, true, true, depth + 1);
		} else if (rng_is(c, "choice")) {
			(void)rng_attr(m, c, "", no_attrs);
			/* Alternatives are fine only among elements that
			 * may repeat anyway. */
			if (!repeated)
				e->bad = true;
			model_walk(m, e, c, true, repeated, depth + 1);
		} else if (rng_is(c, "ref")) {
			c = rng_define(m, c);
			if (c != NULL)
				model_walk(
				    m, e, c, optional, repeated, depth + 1);
		} else if (rng_is(c, "text")) {
			(void)rng_attr(m, c, "", no_attrs);
			if (c->n_kids != 0)
				m->bad = true;
			e->text = true;
		} else if (rng_is(c, "empty")) {
			(void)rng_attr(m, c, "", no_attrs);
		} else {
			e->bad = true;
		}
	}
}

/* The model of the schema's <element> def, made once. */
static struct sc_elem *
model_elem(struct model *m, const struct fwc_xnode *def)
{
	struct sc_elem *e;
	const char *name;
	size_t i;

	for (i = 0; i < m->n_elems; i++)
		if (m->elems[i]->def == def)
			return m->elems[i];
	name = rng_attr(m, def, "name", only_name);
	if (name == NULL || strchr(name, ':') != NULL || name[0] == '\0') {
		m->bad = true;
		return NULL;
	}
	e = fwc_arena_alloc(m->a, sizeof(*e));
	e->name = name;
	e->len = strlen(name);
	e->def = def;
	FWC_VEC_PUSH(m->a, m->elems, m->n_elems, m->cap_elems, e);
	model_walk(m, e, def, false, false, 0);
	/* Text next to child elements is beyond this reader. */
	if (e->text && e->n_kids > 0)
		e->bad = true;
	return e;
}

/* Builds the model of the schema in rng; returns its root element or
 * NULL. */
static const struct sc_elem *
model_build(struct fwc_arena *a, const char *rng, size_t len)
{
	static const char *const grammar_attrs[] = { "xmlns", NULL };
	struct fwc_xml_limits lim = fwc_xml_default_limits;
	struct model m = { 0 };
	struct fwc_xnode *g;
	const struct fwc_xnode *start = NULL;
	const struct sc_elem *root;
	const char *ns;
	size_t i;

	m.a = a;
	if (scan(a, a, "policy.rng", (const unsigned char *)rng, len, &lim,
		NULL, NULL, false, &g) < 0)
		return NULL;
	m.grammar = g;
	ns = rng_attr(&m, g, "xmlns", grammar_attrs);
	if (!rng_is(g, "grammar") || ns == NULL ||
	    strcmp(ns, "http://relaxng.org/ns/structure/1.0") != 0 ||
	    g->text != NULL)
		return NULL;
	for (i = 0; i < g->n_kids; i++) {
		const struct fwc_xnode *c = &g->kids[i];

		if (rng_is(c, "start") && start == NULL)
			start = c;
		else if (rng_is(c, "define"))
			(void)rng_attr(&m, c, "name", only_name);
		else
			m.bad = true;
	}
	if (start == NULL || start->n_attrs != 0 || start->n_kids != 1 ||
	    !rng_is(&start->kids[0], "element") || start->text != NULL)
		return NULL;
	root = model_elem(&m, &start->kids[0]);
	return m.bad ? NULL : root;
}

static const struct sc_elem *
model_get(void)
{
	struct fwc_arena *a;
	struct schema *sch;

	if (schema == NULL) {
		a = fwc_arena_new();
		/* Kept for the process. On the heap rather than in its arena:
		 * held by the start of every block (schema, its arena, the
		 * arena's chunks), valgrind sees it reachable instead of
		 * "possibly lost". */
		sch = fwc_xmalloc(sizeof(*sch));
		sch->a = a;
		sch->root = model_build(a, fwc_policy_rng, fwc_policy_rng_len);
		schema = sch;
	}
	return schema->root;
}

int
fwc_xml_scan_ready(void)
{
	return model_get() != NULL;
}

int
fwc_xml_scan(struct fwc_arena *a, struct fwc_arena *t, const char *file,
    const unsigned char *src, size_t len, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root)
{
	return fwc_xml_scan_sink(a, t, file, src, len, lim, NULL, false, root);
}

int
fwc_xml_scan_sink(struct fwc_arena *a, struct fwc_arena *t, const char *file,
    const unsigned char *src, size_t len, const struct fwc_xml_limits *lim,
    const struct fwc_xml_sink *sink, bool drop, struct fwc_xnode **root)
{
	const struct sc_elem *r = model_get();

	*root = NULL;
	if (r == NULL || r->bad)
		return -1;
	return scan(a, t, file, src, len, lim, r, sink, drop, root);
}

int
fwc_xml_scan_plain(struct fwc_arena *a, struct fwc_arena *t, const char *file,
    const unsigned char *src, size_t len, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root)
{
	return scan(a, t, file, src, len, lim, NULL, NULL, false, root);
}
