/* A small JSON reader (RFC 8259) for reading tool output back, such as
 * `nft -j list table inet fwc` (backends/nft_json_parse.c): the whole text
 * becomes a tree in the caller's arena, each value with its line and
 * column. Strict: no comments, no trailing commas, one top-level value;
 * nesting is limited to FWC_JSON_MAX_DEPTH levels. */
#ifndef FWC_JSON_READ_H
#define FWC_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fwc_arena;

#define FWC_JSON_MAX_DEPTH 64

enum fwc_json_type {
	FWC_JSON_NULL,
	FWC_JSON_BOOL,
	FWC_JSON_NUM,
	FWC_JSON_STR,
	FWC_JSON_ARR,
	FWC_JSON_OBJ
};

struct fwc_json {
	enum fwc_json_type type;
	uint32_t line; /* 1-based place of the value's first byte */
	uint32_t col;
	const char *s;	     /* STR: the decoded string (no NUL inside);
			      * NUM: the number as written */
	bool b;		     /* BOOL */
	const char **keys;   /* OBJ: member names, in order */
	struct fwc_json **v; /* ARR: items; OBJ: member values */
	size_t n;	     /* ARR, OBJ: count */
};

/* Parses text[0..len). Returns the root, or NULL with *why, *line and
 * *col set to the first error. */
struct fwc_json *fwc_json_parse(struct fwc_arena *a, const char *text,
    size_t len, const char **why, uint32_t *line, uint32_t *col);

/* The value of member key of object o, or NULL (also when o is not an
 * object). */
const struct fwc_json *fwc_json_get(const struct fwc_json *o, const char *key);

/* The string of v when it is a string, else NULL. */
const char *fwc_json_str(const struct fwc_json *v);

/* Reads v as an integer in [lo, hi]; false when it is not one. */
bool fwc_json_int(const struct fwc_json *v, long lo, long hi, long *out);

#endif
