/* The XML front end's own reader (compiler/xml_scan.c), private to
 * compiler/xml.c. */
#ifndef FWC_XML_SCAN_H
#define FWC_XML_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "fwc/xml.h"

struct fwc_arena;

/* Reads and validates src (len bytes) as compiler/xml.c's tree path
 * would, for the subset of XML that policies use. On success stores the
 * root in *root and returns 0: the skeleton and text are allocated from
 * t, attribute values from a; element and attribute names point
 * into the schema model, which lives as long as the process; every
 * location names file. Returns -1, having reported nothing and with
 * *root NULL, on anything else. lim has every limit set (no zeros). Not
 * thread-safe. */
int fwc_xml_scan(struct fwc_arena *a, struct fwc_arena *t, const char *file,
    const unsigned char *src, size_t len, const struct fwc_xml_limits *lim,
    struct fwc_xnode **root);
/* Same, handing the elements to sink as it reads them (see struct
 * fwc_xml_sink; sink may be NULL; sink->reset() is not called). With
 * drop, src is a private read-only mapping of a file: the reader drops
 * the pages it has passed (MADV_DONTNEED; read again, they come back
 * from the file), and a page gone from the file (SIGBUS: it shrank)
 * makes it give up. */
int fwc_xml_scan_sink(struct fwc_arena *a, struct fwc_arena *t,
    const char *file, const unsigned char *src, size_t len,
    const struct fwc_xml_limits *lim, const struct fwc_xml_sink *sink,
    bool drop, struct fwc_xnode **root);

/* Reads src without a schema (any element, attribute and text, xmlns
 * attributes as plain attributes): what the schema model is built from.
 * Names are copied into t. Same return convention. Exposed for the unit
 * tests. */
int fwc_xml_scan_plain(struct fwc_arena *a, struct fwc_arena *t,
    const char *file, const unsigned char *src, size_t len,
    const struct fwc_xml_limits *lim, struct fwc_xnode **root);

/* Whether the schema model could be built from policies/policy.rng (when
 * not, fwc_xml_scan always gives up). */
int fwc_xml_scan_ready(void);

#endif
