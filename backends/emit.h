/* Helpers private to the text backends: text that is safe inside any
 * target's comments, log prefixes and quoted strings, unique identifiers
 * for named sets, and the text of address and port sets. Nothing here
 * depends on a target's syntax beyond the separators the caller passes. */
#ifndef FWC_EMIT_H
#define FWC_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwc/addr.h"
#include "fwc/strbuf.h"

struct fwc_strbuf;
struct fwc_diag;
struct fwc_loc;

/* True when fwc_emit_safe keeps the byte c: [A-Za-z0-9 ._:@+/=,-]. */
bool fwc_emit_safe_char(unsigned char c);

/* Appends s with every byte that fwc_emit_safe_char rejects (quotes,
 * backslashes, control characters, non-ASCII bytes, '$', '#', ';'...)
 * replaced by '_', writing at most max bytes of it. NULL appends nothing.
 * Returns the number of bytes appended. */
size_t fwc_emit_safe(struct fwc_strbuf *sb, const char *s, size_t max);

/* Appends a, b and c (each NULL or a string) one after the other.
 * Inline: most arguments are literals, whose lengths are then known. */
static inline void
fwc_emit_s3(struct fwc_strbuf *sb, const char *a, const char *b, const char *c)
{
	if (a != NULL)
		fwc_strbuf_adds(sb, a);
	if (b != NULL)
		fwc_strbuf_adds(sb, b);
	if (c != NULL)
		fwc_strbuf_adds(sb, c);
}

/* A set of identifiers already handed out, so that every name a backend
 * invents is unique within one output. Held by value: init, then
 * release. */
struct fwc_emit_name_slot {
	char *id;      /* owned; NULL = empty */
	uint32_t hash; /* compared before id is read */
};

struct fwc_emit_names {
	struct fwc_emit_name_slot *slot; /* open addressing */
	size_t cap;   /* number of slots, a power of two, or 0 */
	size_t count; /* used slots, kept below cap / 2 */
	size_t max;   /* longest identifier allowed, in bytes (>= 16) */
};

/* Initialises nm for identifiers of at most max bytes. */
void fwc_emit_names_init(struct fwc_emit_names *nm, size_t max);
/* Frees every identifier of nm. */
void fwc_emit_names_release(struct fwc_emit_names *nm);
/* Claims the identifier id exactly, for a fixed name the backend writes
 * itself. Returns false when it is already taken. */
bool fwc_emit_names_reserve(struct fwc_emit_names *nm, const char *id);
/* Returns a new identifier matching [A-Za-z_][A-Za-z0-9_]*: base with
 * every other byte turned into '_', a '_' in front when it would start
 * with a digit, then suffix (which must be made of [A-Za-z0-9_]); on a
 * clash "_2", "_3"... is appended. Base is shortened so that the result
 * fits nm->max bytes. The string is owned by nm and lives until
 * fwc_emit_names_release. */
const char *fwc_emit_names_add(
    struct fwc_emit_names *nm, const char *base, const char *suffix);

/* A map from owned string keys to borrowed values, for finding the
 * identifier already given to a set of equal content. Held by value. */
struct fwc_emit_map {
	struct fwc_emit_map_ent *ent; /* open addressing, cap slots */
	size_t cap;		      /* a power of two, or 0 */
	size_t count;		      /* used slots, below cap / 2 */
};

void fwc_emit_map_init(struct fwc_emit_map *m);
/* Frees the keys and the table, not the values. */
void fwc_emit_map_release(struct fwc_emit_map *m);
/* The value stored under key, or NULL. */
const void *fwc_emit_map_get(const struct fwc_emit_map *m, const char *key);
/* Stores value (borrowed, not NULL) under a copy of key, replacing any
 * value stored there. */
void fwc_emit_map_put(
    struct fwc_emit_map *m, const char *key, const void *value);

/* Appends the intervals v[0..n) of family f, separated by sep, each as
 * "a", "a/len" (one CIDR block) or "a-b" (a range). */
void fwc_emit_ivls(struct fwc_strbuf *sb, enum fwc_family f,
    const struct fwc_ivl *v, size_t n, const char *sep);
/* Same, for targets without ranges: every interval is written as the CIDR
 * blocks of its minimal decomposition, a single address as "a". */
void fwc_emit_cidrs(struct fwc_strbuf *sb, enum fwc_family f,
    const struct fwc_ivl *v, size_t n, const char *sep);
/* Appends the port intervals of ps separated by sep, each as "p" or as
 * lo, rsep, hi ("8000-8080" for rsep '-'). */
void fwc_emit_ports(struct fwc_strbuf *sb, const struct fwc_portset *ps,
    const char *sep, char rsep);

/* Interface names already reported by a backend's check, so that each
 * bad name is reported once. Held by value, zero-initialised; release. */
struct fwc_emit_bad_ifnames {
	const char **v; /* borrowed names, heap array */
	size_t n;
};

/* Unless name is NULL, ok, or already reported, reports at loc
 * "target 'TARGET' cannot express interface name 'NAME' (expected
 * EXPECT)" with the name sanitised. */
void fwc_emit_check_ifname(struct fwc_emit_bad_ifnames *bad, const char *target,
    const char *name, bool ok, const char *expect, const struct fwc_loc *loc,
    struct fwc_diag *dg);
void fwc_emit_bad_ifnames_release(struct fwc_emit_bad_ifnames *bad);

#endif
