/* The XML front end: the only module that touches libxml2. It parses a
 * policy file securely (no network, no DTD, no entity expansion, size,
 * depth and count limits), validates it against the embedded RELAX NG
 * schema (policies/policy.rng) and returns a plain element tree whose every
 * node and attribute carries its file:line:col. */
#ifndef FWC_XML_H
#define FWC_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "fwc/diag.h"

struct fwc_arena;

struct fwc_xattr {
	const char *name;   /* local name */
	const char *value;  /* normalised by XML rules, UTF-8 */
	struct fwc_loc loc; /* position of the attribute name */
};

struct fwc_xnode {
	const char *name;	 /* element local name */
	struct fwc_loc loc;	 /* position of the '<' of the start tag */
	struct fwc_xattr *attrs; /* in document order */
	size_t n_attrs;
	/* Character content with leading and trailing whitespace removed;
	 * NULL when the element has no non-blank text. */
	const char *text;
	struct fwc_loc text_loc; /* first non-blank character of text */
	struct fwc_xnode *kids;	 /* child elements in document order */
	size_t n_kids;
};

/* Limits on hostile input. A zero member means its default. */
struct fwc_xml_limits {
	size_t max_bytes;	/* file size (default 16 MiB) */
	unsigned int max_depth; /* element nesting (default 32) */
	size_t max_elements;	/* elements in one file (default 500,000) */
	size_t max_name;	/* attribute value length (default 4096) */
	/* Attributes on one element (default 64); libxml2 2.9 checks
	 * duplicates in quadratic time, so this is enforced before it
	 * parses. */
	unsigned int max_attrs;
	/* Which way to read (tests compare them; see xml.c). */
	enum fwc_xml_path {
		FWC_XML_PATH_AUTO,   /* our reader, else streaming, else
					libxml2's tree */
		FWC_XML_PATH_TREE,   /* libxml2's tree only */
		FWC_XML_PATH_STREAM, /* libxml2's streaming reader only: -1
					and no report when it gives up */
		FWC_XML_PATH_SCAN,   /* our reader only (xml_scan.c): -1
					and no report when it gives up */
	} path;
};

extern const struct fwc_xml_limits fwc_xml_default_limits;

/* Parses and validates the file at path. On success stores the root in
 * *root (arena-owned) and returns 0; else reports located errors in dg and
 * returns -1 (*root is NULL). lim may be NULL for the defaults. The file
 * name stored in locations is path as given (arena copy). I/O errors
 * ("cannot open: ...", "cannot read: ...") are reported at the file too.
 * Process-wide libxml2 settings are restored on return; the compiled
 * schema is kept for later calls. Not thread-safe. */
int fwc_xml_parse_file(struct fwc_arena *a, struct fwc_diag *dg,
    const char *path, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root);
/* Same, with the tree's skeleton (nodes, attribute arrays, element and
 * attribute names) and the text of elements allocated from tree, and
 * attribute values and the file name of locations from a: releasing tree
 * once the tree has been read leaves attribute values valid, and a caller
 * copies the text it keeps (most text is an address, which the caller
 * keeps as a number). (Names may also point to storage that lives as long
 * as the process: our reader's schema model.) */
int fwc_xml_parse_file_tree(struct fwc_arena *a, struct fwc_arena *tree,
    struct fwc_diag *dg, const char *path, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root);
/* Takes elements off the tree while our own reader (compiler/xml_scan.c)
 * reads them, so that a list of 100,000 <subnet>s or 10,000 <allow>s
 * never becomes as many tree nodes: the caller turns each into what it
 * keeps at once. take() is called for every element but the root as it
 * closes, in document order, once the reader has validated it, with its
 * parent (name, attributes and location set; children not yet) and the
 * parent's depth (the root's is 1). kid's text is valid during the call
 * only, and so is its attribute array when wants() asked for it (the
 * attribute values, names and locations stay valid). It returns true to
 * take kid off the tree, which only an element without children may be:
 * its parent's kids then leave it out. wants() (may be NULL) is asked at
 * the start tag of an element that cannot have child elements, with the
 * depth take() will be given and the element's name: when it returns
 * true, the element's attributes are read into the reader's scratch
 * storage and copied into the tree only if take() declines it, so that a
 * taken element leaves nothing in the tree. Only our reader calls them:
 * when it gives up, reset() is called and libxml2 builds the whole tree
 * as before, so everything taken must be forgotten. Ignored by the other
 * paths. */
struct fwc_xml_sink {
	bool (*take)(void *ctx, const struct fwc_xnode *parent,
	    unsigned int depth, const struct fwc_xnode *kid);
	void (*reset)(void *ctx);
	void *ctx;
	bool (*wants)(void *ctx, unsigned int depth, const char *name);
};

/* fwc_xml_parse_file_tree() with a sink (NULL: none). */
int fwc_xml_parse_file_sink(struct fwc_arena *a, struct fwc_arena *tree,
    struct fwc_diag *dg, const char *path, const struct fwc_xml_limits *lim,
    const struct fwc_xml_sink *sink, struct fwc_xnode **root);
/* Same for an in-memory document; name is used in locations. */
int fwc_xml_parse_buffer(struct fwc_arena *a, struct fwc_diag *dg,
    const char *name, const char *buf, size_t len,
    const struct fwc_xml_limits *lim, struct fwc_xnode **root);

/* The attribute called name, or NULL. */
const struct fwc_xattr *fwc_xnode_attr(
    const struct fwc_xnode *n, const char *name);

#endif
