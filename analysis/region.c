/* Text for packet-space regions, packets and deciding rules, shared by
 * diff, verify and query (analysis/region.h). Addresses are printed as
 * CIDR blocks in canonical form, preceded by the policy's set name when
 * the region covers exactly that set. */
#include "region.h"

#include <stdio.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/strbuf.h"

#define MAX_IVL	  64
#define SHOW_CIDR 4

struct cidr_list {
	struct fwc_strbuf *sb;
	enum fwc_family fam;
	size_t n;
};

static void
add_cidr(void *ctx, struct fwc_u128 base, unsigned int len)
{
	struct cidr_list *c = ctx;
	unsigned int full = c->fam == FWC_FAM_IP4 ? 32 : 128;

	if (c->n < SHOW_CIDR) {
		if (c->n > 0)
			fwc_strbuf_addc(c->sb, ',');
		fwc_addr_format(c->sb, c->fam, base);
		if (len != full)
			fwc_strbuf_addf(c->sb, "/%u", len);
	}
	c->n++;
}

static const char *
addr_text(struct fwc_arena *a, int set, enum fwc_field f, enum fwc_family fam)
{
	struct fwc_ivl v[MAX_IVL];
	size_t n;
	struct fwc_strbuf sb;
	struct cidr_list c;
	const char *r;

	if (fwc_space_field_full(set, f, fam))
		return "any";
	n = fwc_space_intervals(set, f, v, MAX_IVL);
	fwc_strbuf_init(&sb);
	c.sb = &sb;
	c.fam = fam;
	c.n = 0;
	for (size_t i = 0; i < n && i < MAX_IVL; i++)
		fwc_ivl_cidrs(fam, &v[i], add_cidr, &c);
	if (c.n > SHOW_CIDR || n > MAX_IVL)
		fwc_strbuf_addf(&sb, " and %s%zu more", n > MAX_IVL ? ">" : "",
		    c.n - SHOW_CIDR);
	r = fwc_arena_strdup(a, sb.buf);
	fwc_strbuf_release(&sb);
	return r;
}

static void
ports_text(struct fwc_strbuf *sb, int set, enum fwc_field f)
{
	struct fwc_ivl v[MAX_IVL];
	size_t n = fwc_space_intervals(set, f, v, MAX_IVL);

	for (size_t i = 0; i < n && i < MAX_IVL; i++) {
		if (i > 0)
			fwc_strbuf_addc(sb, ',');
		if (v[i].lo.lo == v[i].hi.lo)
			fwc_strbuf_addf(sb, "%u", (unsigned int)v[i].lo.lo);
		else
			fwc_strbuf_addf(sb, "%u-%u", (unsigned int)v[i].lo.lo,
			    (unsigned int)v[i].hi.lo);
	}
	if (n > MAX_IVL)
		fwc_strbuf_adds(sb, ",...");
}

static void
types_text(struct fwc_strbuf *sb, int set, bool v6)
{
	struct fwc_ivl v[MAX_IVL];
	size_t n = fwc_space_intervals(set, FWC_F_ICMP, v, MAX_IVL);
	bool first = true;

	for (size_t i = 0; i < n && i < MAX_IVL; i++) {
		for (uint64_t t = v[i].lo.lo; t <= v[i].hi.lo; t++) {
			const char *nm = fwc_icmp_type_name((int)t, v6);

			if (!first)
				fwc_strbuf_addc(sb, ',');
			first = false;
			if (nm != NULL)
				fwc_strbuf_adds(sb, nm);
			else
				fwc_strbuf_addf(sb, "%u", (unsigned int)t);
		}
	}
}

static bool
has_ports(int p)
{
	return p == FWC_PROTO_TCP || p == FWC_PROTO_UDP || p == 33 ||
	       p == 132 || p == 136;
}

static const char *
service_text(struct fwc_arena *a, const struct fwc_box *b, enum fwc_family fam,
    const char **sport)
{
	struct fwc_ivl v[16];
	size_t n;
	struct fwc_strbuf sb;
	char buf[8];
	int proto = -1;
	const char *r;
	size_t count = 0;

	*sport = NULL;
	if (fwc_space_field_full(b->f[FWC_F_PROTO], FWC_F_PROTO, fam))
		return "any";
	n = fwc_space_intervals(b->f[FWC_F_PROTO], FWC_F_PROTO, v, 16);
	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < n && i < 16 && count <= 6; i++) {
		for (uint64_t p = v[i].lo.lo; p <= v[i].hi.lo; p++) {
			if (count == 6) {
				fwc_strbuf_adds(&sb, ",...");
				count++; /* once, and stop */
				break;
			}
			if (count++ > 0)
				fwc_strbuf_addc(&sb, ',');
			fwc_strbuf_adds(&sb, fwc_proto_name((int)p, buf));
			proto = (int)p;
		}
	}
	if (proto >= 0 && has_ports(proto) &&
	    !fwc_space_field_full(b->f[FWC_F_DPORT], FWC_F_DPORT, fam)) {
		fwc_strbuf_addc(&sb, '/');
		ports_text(&sb, b->f[FWC_F_DPORT], FWC_F_DPORT);
	}
	if (proto >= 0 && has_ports(proto) &&
	    !fwc_space_field_full(b->f[FWC_F_SPORT], FWC_F_SPORT, fam)) {
		struct fwc_strbuf s2;

		fwc_strbuf_init(&s2);
		ports_text(&s2, b->f[FWC_F_SPORT], FWC_F_SPORT);
		*sport = fwc_arena_strdup(a, s2.buf);
		fwc_strbuf_release(&s2);
	}
	if ((proto == FWC_PROTO_ICMP || proto == FWC_PROTO_ICMP6) &&
	    !fwc_space_field_full(b->f[FWC_F_ICMP], FWC_F_ICMP, fam)) {
		fwc_strbuf_addc(&sb, '/');
		types_text(&sb, b->f[FWC_F_ICMP], proto == FWC_PROTO_ICMP6);
	}
	r = fwc_arena_strdup(a, sb.buf);
	fwc_strbuf_release(&sb);
	return r;
}

static const char *
iface_text(
    struct fwc_arena *a, const struct fwc_space *sp, int set, enum fwc_field f)
{
	struct fwc_ivl v[16];
	size_t n;
	struct fwc_strbuf sb;
	const char *r;
	bool first = true;

	if (fwc_space_field_full(set, f, FWC_FAM_IP4))
		return NULL;
	n = fwc_space_intervals(set, f, v, 16);
	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < n && i < 16; i++) {
		for (uint64_t k = v[i].lo.lo; k <= v[i].hi.lo; k++) {
			if (k > sp->n_ifnames)
				break;
			if (!first)
				fwc_strbuf_addc(&sb, ',');
			first = false;
			fwc_strbuf_adds(
			    &sb, k == 0 ? "other" : sp->ifnames[k - 1]);
		}
	}
	r = fwc_arena_strdup(a, sb.buf);
	fwc_strbuf_release(&sb);
	return r;
}

/* The set's name when vals is the whole set; *part_of when vals is only
 * part of it. */
static const char *
set_name(const struct fwc_ir_set *s, int vals, enum fwc_field f,
    const char **part_of)
{
	int sb;
	int rest;
	const char *r = NULL;

	*part_of = NULL;
	if (s == NULL)
		return NULL;
	sb = fwc_space_set(f, s);
	rest = fwc_space_minus(vals, sb);
	if (fwc_space_equal(sb, vals))
		r = s->name;
	else if (fwc_space_is_empty(rest))
		*part_of = s->name;
	fwc_space_put(rest);
	fwc_space_put(sb);
	return r;
}

void
fwc_region_describe(struct fwc_arena *a, const struct fwc_space *sp,
    const struct fwc_box *b, int prod, const struct fwc_ir_rule *r,
    struct fwc_region_text *out)
{
	enum fwc_family fam;

	(void)r;
	memset(out, 0, sizeof(*out));
	fam = FWC_FAM_IP4;
	{
		struct fwc_ivl v;

		if (fwc_space_intervals(b->f[FWC_F_FAM], FWC_F_FAM, &v, 1) ==
			1 &&
		    v.lo.lo == 1)
			fam = FWC_FAM_IP6;
	}
	out->family = fam == FWC_FAM_IP4 ? "ipv4" : "ipv6";
	out->iif = iface_text(a, sp, b->f[FWC_F_IIF], FWC_F_IIF);
	out->oif = iface_text(a, sp, b->f[FWC_F_OIF], FWC_F_OIF);
	out->src = addr_text(a, b->f[FWC_F_SRC], FWC_F_SRC, fam);
	out->dst = addr_text(a, b->f[FWC_F_DST], FWC_F_DST, fam);
	if (r != NULL && r->family == fam) {
		out->src_name = set_name(
		    r->src, b->f[FWC_F_SRC], FWC_F_SRC, &out->src_part_of);
		out->dst_name = set_name(
		    r->dst, b->f[FWC_F_DST], FWC_F_DST, &out->dst_part_of);
		out->src_part = out->src_part_of != NULL;
		out->dst_part = out->dst_part_of != NULL;
	}
	out->service = service_text(a, b, fam, &out->sport);
	out->count = fwc_space_count(prod);
}

void
fwc_region_format(struct fwc_strbuf *sb, const struct fwc_region_text *t)
{
	if (t->src_name != NULL)
		fwc_strbuf_addf(sb, "%s ", t->src_name);
	fwc_strbuf_adds(sb, t->src);
	if (t->src_part)
		fwc_strbuf_addf(sb, " (part of %s)", t->src_part_of);
	fwc_strbuf_adds(sb, " -> ");
	if (t->dst_name != NULL)
		fwc_strbuf_addf(sb, "%s ", t->dst_name);
	fwc_strbuf_adds(sb, t->dst);
	if (t->dst_part)
		fwc_strbuf_addf(sb, " (part of %s)", t->dst_part_of);
	fwc_strbuf_addf(sb, " %s", t->service);
	if (t->sport != NULL)
		fwc_strbuf_addf(sb, " sport %s", t->sport);
	if (strcmp(t->src, "any") == 0 && strcmp(t->dst, "any") == 0)
		fwc_strbuf_addf(sb, " %s", t->family);
}

void
fwc_packet_format(struct fwc_strbuf *sb, const struct fwc_packet *p)
{
	char buf[8];
	bool v6 = p->family == FWC_FAM_IP6;

	if (has_ports(p->proto)) {
		fwc_strbuf_adds(sb, v6 ? "[" : "");
		fwc_addr_format(sb, p->family, p->src);
		fwc_strbuf_addf(sb, "%s:%u -> %s", v6 ? "]" : "",
		    (unsigned int)p->sport, v6 ? "[" : "");
		fwc_addr_format(sb, p->family, p->dst);
		fwc_strbuf_addf(sb, "%s:%u %s", v6 ? "]" : "",
		    (unsigned int)p->dport, fwc_proto_name(p->proto, buf));
	} else {
		fwc_addr_format(sb, p->family, p->src);
		fwc_strbuf_adds(sb, " -> ");
		fwc_addr_format(sb, p->family, p->dst);
		fwc_strbuf_addf(sb, " %s", fwc_proto_name(p->proto, buf));
		if (p->icmp_type >= 0) {
			const char *nm = fwc_icmp_type_name(p->icmp_type, v6);

			if (nm != NULL)
				fwc_strbuf_addf(sb, " %s", nm);
			else
				fwc_strbuf_addf(sb, " type %d", p->icmp_type);
		}
	}
	if (p->iif != NULL)
		fwc_strbuf_addf(sb, " in %s", p->iif);
	if (p->oif != NULL)
		fwc_strbuf_addf(sb, " out %s", p->oif);
}

void
fwc_decider_format(
    struct fwc_strbuf *sb, const struct fwc_ir_rule *r, enum fwc_action def)
{
	if (r == NULL) {
		fwc_strbuf_addf(sb, "default %s", fwc_action_names[def]);
		return;
	}
	fwc_strbuf_addf(sb, "flow %s", r->origin.flow ? r->origin.flow : "?");
	if (r->origin.loc.file != NULL)
		fwc_strbuf_addf(sb, " (%s:%u%s%s)", r->origin.loc.file,
		    (unsigned int)r->origin.loc.line,
		    r->origin.note ? "; " : "",
		    r->origin.note ? r->origin.note : "");
	else if (r->origin.note != NULL)
		fwc_strbuf_addf(sb, " (%s)", r->origin.note);
}

void
fwc_json_string(struct fwc_strbuf *sb, const char *s)
{
	if (s == NULL) {
		fwc_strbuf_adds(sb, "null");
		return;
	}
	fwc_strbuf_addc(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fwc_strbuf_addf(sb, "\\%c", c);
		else if (c < 0x20)
			fwc_strbuf_addf(sb, "\\u%04x", c);
		else
			fwc_strbuf_addc(sb, (char)c);
	}
	fwc_strbuf_addc(sb, '"');
}
