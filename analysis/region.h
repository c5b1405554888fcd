/* Readable descriptions of packet-space regions, shared by the review
 * commands: a product region (struct fwc_box) as "source -> destination
 * service" text named after the policy's own sets where they match, an
 * example packet as text, the rule or default that decides a packet. */
#ifndef FWC_REGION_H
#define FWC_REGION_H

#include <stdbool.h>
#include <stddef.h>

#include "fwc/eval.h"
#include "fwc/ir.h"
#include "fwc/space.h"

struct fwc_arena;
struct fwc_strbuf;

/* A region described field by field; strings in the arena. */
struct fwc_region_text {
	const char *family;   /* "ipv4" or "ipv6" */
	const char *iif;      /* interface names, or NULL for any */
	const char *oif;      /* interface names, or NULL for any */
	const char *src_name; /* set name when the region's sources are the
			       * whole set, else NULL */
	bool src_part;	      /* sources are part of set src_part_of */
	const char *src_part_of;
	const char *src; /* CIDRs, or "any" */
	const char *dst_name;
	bool dst_part;
	const char *dst_part_of;
	const char *dst;
	const char *service; /* "tcp/8530", "udp/53,67-68", "icmp/echo-request",
			      * "any" */
	const char *sport;   /* source ports, or NULL for any */
	double count;	     /* see fwc_space_count() */
};

/* Describes box b, whose packets of interest are prod (counted; prod
 * lies within b), naming addresses after the sets of rule r where they
 * match (r may be NULL). */
void fwc_region_describe(struct fwc_arena *a, const struct fwc_space *sp,
    const struct fwc_box *b, int prod, const struct fwc_ir_rule *r,
    struct fwc_region_text *out);
/* "hq-clients 10.10.0.0/16 -> mp01 10.0.0.12 tcp/8530" */
void fwc_region_format(struct fwc_strbuf *sb, const struct fwc_region_text *t);
/* "10.10.0.0:1024 -> 10.0.0.12:8530 tcp" (with " in eth0 out eth1"). */
void fwc_packet_format(struct fwc_strbuf *sb, const struct fwc_packet *p);
/* "flow NAME (file:line; NOTE)" or "default drop". */
void fwc_decider_format(
    struct fwc_strbuf *sb, const struct fwc_ir_rule *r, enum fwc_action def);
/* Appends s as a JSON string literal. */
void fwc_json_string(struct fwc_strbuf *sb, const char *s);

#endif
