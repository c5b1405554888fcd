/* Helpers shared by the text backends (see emit.h). They only append to a
 * buffer; every result depends on the arguments alone, so backends built
 * on them stay byte-deterministic. */
#include "emit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/diag.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

bool
fwc_emit_safe_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case ' ':
	case '.':
	case '_':
	case ':':
	case '@':
	case '+':
	case '/':
	case '=':
	case ',':
	case '-':
		return true;
	default:
		return false;
	}
}

size_t
fwc_emit_safe(struct fwc_strbuf *sb, const char *s, size_t max)
{
	size_t start = sb->len;
	size_t n = 0;

	if (s == NULL)
		return 0;
	while (n < max && s[n] != '\0')
		n++;
	/* Copy, then replace what is not safe in place (never a NUL). */
	fwc_strbuf_addn(sb, s, n);
	for (size_t i = 0; i < n; i++)
		if (!fwc_emit_safe_char((unsigned char)sb->buf[start + i]))
			sb->buf[start + i] = '_';
	return n;
}

static bool
is_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
fwc_emit_names_init(struct fwc_emit_names *nm, size_t max)
{
	nm->slot = NULL;
	nm->cap = 0;
	nm->count = 0;
	nm->max = max < 16 ? 16 : max;
}

void
fwc_emit_names_release(struct fwc_emit_names *nm)
{
	size_t i;

	for (i = 0; i < nm->cap; i++)
		free(nm->slot[i].id);
	free(nm->slot);
	nm->slot = NULL;
	nm->cap = 0;
	nm->count = 0;
}

/* The slot holding id (of hash h), or the empty slot where it belongs.
 * Stored hashes are compared first: a probe past other names reads none
 * of them (each a cache miss in a large table). */
static size_t
find_slot(const struct fwc_emit_names *nm, const char *id, uint32_t h)
{
	size_t i = h & (nm->cap - 1);

	while (nm->slot[i].id != NULL &&
	       (nm->slot[i].hash != h || strcmp(nm->slot[i].id, id) != 0))
		i = (i + 1) & (nm->cap - 1);
	return i;
}

/* Room for one more name, the table staying at most half full. */
static void
make_room(struct fwc_emit_names *nm)
{
	struct fwc_emit_name_slot *old = nm->slot;
	size_t old_cap = nm->cap;
	size_t i;

	if ((nm->count + 1) * 2 <= nm->cap)
		return;
	nm->cap = old_cap ? old_cap * 2 : 64;
	nm->slot = fwc_xcalloc(nm->cap, sizeof(*nm->slot));
	for (i = 0; i < old_cap; i++) {
		size_t j;

		if (old[i].id == NULL)
			continue;
		for (j = old[i].hash & (nm->cap - 1); nm->slot[j].id != NULL;
		     j = (j + 1) & (nm->cap - 1))
			;
		nm->slot[j] = old[i];
	}
	free(old);
}

/* Stores a copy of id in the empty slot i found for hash h. */
static const char *
store(struct fwc_emit_names *nm, size_t i, const char *id, uint32_t h)
{
	nm->slot[i].id = fwc_xstrdup(id);
	nm->slot[i].hash = h;
	nm->count++;
	return nm->slot[i].id;
}

bool
fwc_emit_names_reserve(struct fwc_emit_names *nm, const char *id)
{
	uint32_t h = hash_str(id);
	size_t i;

	make_room(nm);
	i = find_slot(nm, id, h);
	if (nm->slot[i].id != NULL)
		return false;
	store(nm, i, id, h);
	return true;
}

const char *
fwc_emit_names_add(
    struct fwc_emit_names *nm, const char *base, const char *suffix)
{
	size_t slen = strlen(suffix);
	size_t blen = strlen(base);
	char sbuf[128];
	char ibuf[256];
	char *stem;
	char *id;
	size_t n = 0;
	unsigned long k;
	char tail[24];
	const char *result;
	uint32_t h;
	size_t slot;

	if (slen + 8 > nm->max)
		FWC_BUG("identifier suffix '%s' too long", suffix);
	make_room(nm);
	/* Stack buffers for the usual short names; the heap otherwise. */
	stem = blen + 2 <= sizeof(sbuf) ? sbuf : fwc_xmalloc(blen + 2);
	id = nm->max + 1 <= sizeof(ibuf) ? ibuf : fwc_xmalloc(nm->max + 1);
	if (base[0] >= '0' && base[0] <= '9')
		stem[n++] = '_';
	for (const char *p = base; *p != '\0'; p++)
		stem[n++] = is_ident_char((unsigned char)*p) ? *p : '_';
	if (n == 0 && slen == 0)
		stem[n++] = '_';
	for (k = 1;; k++) {
		size_t keep;
		size_t tlen = 0;

		if (k > 1)
			tlen = (size_t)snprintf(tail, sizeof(tail), "_%lu", k);
		keep = nm->max - slen - tlen;
		if (keep > n)
			keep = n;
		memcpy(id, stem, keep);
		memcpy(id + keep, suffix, slen);
		memcpy(id + keep + slen, tail, tlen);
		id[keep + slen + tlen] = '\0';
		h = hash_str(id);
		slot = find_slot(nm, id, h);
		if (nm->slot[slot].id == NULL)
			break;
	}
	result = store(nm, slot, id, h);
	if (stem != sbuf)
		free(stem);
	if (id != ibuf)
		free(id);
	return result;
}

struct fwc_emit_map_ent {
	char *key; /* owned; NULL for an empty slot */
	const void *value;
};

void
fwc_emit_map_init(struct fwc_emit_map *m)
{
	m->ent = NULL;
	m->cap = 0;
	m->count = 0;
}

void
fwc_emit_map_release(struct fwc_emit_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->ent[i].key);
	free(m->ent);
	fwc_emit_map_init(m);
}

static size_t
map_slot(const struct fwc_emit_map_ent *ent, size_t cap, const char *key)
{
	size_t i = hash_str(key) & (cap - 1);

	while (ent[i].key != NULL && strcmp(ent[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

const void *
fwc_emit_map_get(const struct fwc_emit_map *m, const char *key)
{
	if (m->cap == 0)
		return NULL;
	return m->ent[map_slot(m->ent, m->cap, key)].value;
}

void
fwc_emit_map_put(struct fwc_emit_map *m, const char *key, const void *value)
{
	size_t i;

	if ((m->count + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		struct fwc_emit_map_ent *nent =
		    fwc_xcalloc(ncap, sizeof(*nent));

		for (i = 0; i < m->cap; i++)
			if (m->ent[i].key != NULL)
				nent[map_slot(nent, ncap, m->ent[i].key)] =
				    m->ent[i];
		free(m->ent);
		m->ent = nent;
		m->cap = ncap;
	}
	i = map_slot(m->ent, m->cap, key);
	if (m->ent[i].key == NULL) {
		m->ent[i].key = fwc_xstrdup(key);
		m->count++;
	}
	m->ent[i].value = value;
}

void
fwc_emit_ivls(struct fwc_strbuf *sb, enum fwc_family f, const struct fwc_ivl *v,
    size_t n, const char *sep)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			fwc_strbuf_adds(sb, sep);
		fwc_ivl_format(sb, f, &v[i]);
	}
}

struct cidr_ctx {
	struct fwc_strbuf *sb;
	enum fwc_family f;
	const char *sep;
	bool first;
};

static void
add_cidr(void *ctx, struct fwc_u128 base, unsigned int len)
{
	struct cidr_ctx *c = ctx;
	unsigned int full = c->f == FWC_FAM_IP4 ? 32 : 128;

	if (!c->first)
		fwc_strbuf_adds(c->sb, c->sep);
	c->first = false;
	fwc_addr_format(c->sb, c->f, base);
	if (len != full)
		fwc_strbuf_addf(c->sb, "/%u", len);
}

void
fwc_emit_cidrs(struct fwc_strbuf *sb, enum fwc_family f,
    const struct fwc_ivl *v, size_t n, const char *sep)
{
	struct cidr_ctx c = { .sb = sb, .f = f, .sep = sep, .first = true };
	size_t i;

	for (i = 0; i < n; i++)
		fwc_ivl_cidrs(f, &v[i], add_cidr, &c);
}

void
fwc_emit_ports(struct fwc_strbuf *sb, const struct fwc_portset *ps,
    const char *sep, char rsep)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		const struct fwc_pivl *p = &ps->v[i];

		if (i > 0)
			fwc_strbuf_adds(sb, sep);
		if (p->lo == p->hi)
			fwc_strbuf_addf(sb, "%u", (unsigned int)p->lo);
		else
			fwc_strbuf_addf(sb, "%u%c%u", (unsigned int)p->lo, rsep,
			    (unsigned int)p->hi);
	}
}

void
fwc_emit_check_ifname(struct fwc_emit_bad_ifnames *bad, const char *target,
    const char *name, bool ok, const char *expect, const struct fwc_loc *loc,
    struct fwc_diag *dg)
{
	struct fwc_strbuf shown;

	if (name == NULL || ok)
		return;
	for (size_t i = 0; i < bad->n; i++)
		if (strcmp(bad->v[i], name) == 0)
			return;
	bad->v = fwc_xrealloc(bad->v, (bad->n + 1) * sizeof(*bad->v));
	bad->v[bad->n++] = name;
	fwc_strbuf_init(&shown);
	fwc_emit_safe(&shown, name, 64);
	fwc_error(dg, loc,
	    "target '%s' cannot express interface name '%s' (expected %s)",
	    target, shown.buf, expect);
	fwc_strbuf_release(&shown);
}

void
fwc_emit_bad_ifnames_release(struct fwc_emit_bad_ifnames *bad)
{
	free(bad->v);
	bad->v = NULL;
	bad->n = 0;
}
