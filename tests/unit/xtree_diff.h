/* Compares two element trees of the XML front end (test helper shared by
 * tests/unit/test_xml_stream.c and fuzz/fuzz_xml_paths.c): returns NULL
 * when they are equal — names, attributes, values, text and every
 * location — else what differs first, written into buf. */
#ifndef FWC_TEST_XTREE_DIFF_H
#define FWC_TEST_XTREE_DIFF_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fwc/xml.h"

static bool
xtree_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
xtree_same_loc(const struct fwc_loc *a, const struct fwc_loc *b)
{
	return a->line == b->line && a->col == b->col &&
	       xtree_same_str(a->file, b->file);
}

static const char *
xtree_diff(
    const struct fwc_xnode *s, const struct fwc_xnode *t, char *buf, size_t len)
{
	const char *why = NULL;

	if (!xtree_same_str(s->name, t->name) ||
	    !xtree_same_loc(&s->loc, &t->loc))
		why = "element name or position";
	else if (!xtree_same_str(s->text, t->text) ||
		 !xtree_same_loc(&s->text_loc, &t->text_loc))
		why = "text or its position";
	else if (s->n_attrs != t->n_attrs || s->n_kids != t->n_kids)
		why = "number of attributes or children";
	for (size_t i = 0; why == NULL && i < s->n_attrs; i++)
		if (!xtree_same_str(s->attrs[i].name, t->attrs[i].name) ||
		    !xtree_same_str(s->attrs[i].value, t->attrs[i].value) ||
		    !xtree_same_loc(&s->attrs[i].loc, &t->attrs[i].loc))
			why = "attribute name, value or position";
	if (why != NULL) {
		snprintf(buf, len,
		    "<%s> at %u:%u (fast path) / %u:%u (tree): %s", s->name,
		    s->loc.line, s->loc.col, t->loc.line, t->loc.col, why);
		return buf;
	}
	for (size_t i = 0; i < s->n_kids; i++) {
		const char *d = xtree_diff(&s->kids[i], &t->kids[i], buf, len);

		if (d != NULL)
			return d;
	}
	return NULL;
}

#endif
