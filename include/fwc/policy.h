/* Policy objects: what parse.c builds from the element tree (raw values
 * with their locations) and what sema.c resolves (address sets, compiled
 * services, name links). Everything lives in the compilation's arena. */
#ifndef FWC_POLICY_H
#define FWC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwc/addr.h"
#include "fwc/diag.h"
#include "fwc/ir.h"

/* A word of a list attribute (roles="a b", from="x y"), with its place. */
struct fwc_word {
	const char *s;
	struct fwc_loc loc;
};

struct fwc_words {
	struct fwc_word *v;
	size_t n;
};

/* A text child such as <subnet>10.0.0.0/8</subnet> or a ref="..." child. */
enum fwc_item_kind {
	FWC_ITEM_SUBNET,
	FWC_ITEM_RANGE,
	FWC_ITEM_PREFIX,
	FWC_ITEM_ADDRESS,
	FWC_ITEM_ADSITE, /* <ad-site>NAME</ad-site> inside a boundary */
	FWC_ITEM_REF,	 /* <boundary ref=...>, <service ref=...> */
	FWC_ITEM_EXCLUDE,
	FWC_ITEM_FQDN,
	FWC_ITEM_PORT,	  /* service <port> */
	FWC_ITEM_SRCPORT, /* service <source-port> */
	FWC_ITEM_ICMP,
	FWC_ITEM_ICMP6,
	FWC_ITEM_PROTO,
	FWC_ITEM_NR
};

struct fwc_item {
	enum fwc_item_kind kind;
	const char *value;    /* text, ref, port, icmp type, protocol */
	const char *protocol; /* <port>/<source-port> protocol */
	const char *sport;    /* <port source-port=...> */
	const char *code;     /* icmp code, NULL = any */
	struct fwc_loc loc;   /* the element */
	struct fwc_loc vloc;  /* the value (text or attribute) */
};

/* The address items of a definition that parse.c could already read
 * (<subnet>, <range>, <prefix>, <address>, as fwc_item_addr_parse()
 * reads them): their intervals, per family in document order, in the
 * compilation's arena. sema.c makes the definition's address set of them
 * in place; the items that do not parse stay in items, for sema.c to
 * report. A large boundary is a list of a million subnets: this keeps
 * neither their text nor an item each. */
struct fwc_ivls {
	struct fwc_ivl *v; /* IPv4 intervals, then IPv6 ones */
	size_t n4;
	size_t n6;
};

/* Fields common to every named definition. */
struct fwc_def {
	const char *name;
	const char *description;
	bool override;
	bool used;	     /* referenced somewhere (for lint) */
	struct fwc_loc loc;  /* the element */
	struct fwc_loc nloc; /* the name attribute */
	/* sema: what every flow that names it alone shares instead of an
	 * array of its own: a struct fwc_ref (network objects) or a list
	 * of one struct fwc_service * (services). */
	void *shared;
};

/* One match of a compiled service: a protocol and its ports or types. */
struct fwc_svc_match {
	int proto;		  /* FWC_PROTO_ANY or 0..255 */
	struct fwc_portset dport; /* n == 0: any */
	struct fwc_portset sport; /* n == 0: any */
	bool has_types;
	uint8_t types[32]; /* ICMP/ICMPv6 type bitmap */
};

struct fwc_service {
	struct fwc_def d;
	struct fwc_item *items;
	size_t n_items;
	/* sema */
	struct fwc_svc_match *m;
	size_t n_m;
	int state; /* 0 new, 1 resolving, 2 done */
};

struct fwc_adsite {
	struct fwc_def d;
	struct fwc_item *items;
	size_t n_items;
	struct fwc_ivls pre;		 /* valid address items, read */
	const struct fwc_addrset *addrs; /* sema */
};

struct fwc_boundary {
	struct fwc_def d;
	struct fwc_item *items;
	size_t n_items;
	struct fwc_ivls pre;		 /* valid address items, read */
	const struct fwc_addrset *addrs; /* sema, after excludes */
	int state;
};

struct fwc_role {
	struct fwc_def d;
	struct fwc_item *items; /* boundary refs */
	size_t n_items;
	/* sema */
	const struct fwc_addrset *addrs; /* members and hosts */
	struct fwc_host **hosts;	 /* hosts that name the role, sorted */
	size_t n_hosts;
	size_t cap_hosts;
};

struct fwc_host {
	struct fwc_def d;
	const char *os; /* windows, linux, bsd or NULL */
	struct fwc_words roles;
	const char *proxy_name;
	struct fwc_loc proxy_loc;
	const char *firewall; /* on, off or NULL */
	const char *egress;   /* open, filter or NULL */
	const char *target;   /* backend override or NULL */
	struct fwc_loc target_loc;
	struct fwc_item *items; /* addresses */
	size_t n_items;
	struct fwc_ivls pre; /* valid address items, read */
	/* sema */
	const struct fwc_addrset *addrs;
	struct fwc_role **role_v;
	size_t n_role_v;
	struct fwc_proxy *proxy;
	bool enforces; /* firewall on */
};

struct fwc_endpoint {
	struct fwc_def d;
	struct fwc_item *items; /* fqdn and address */
	size_t n_items;
	struct fwc_ivls pre; /* valid address items, read */
	/* sema */
	const struct fwc_addrset *addrs;
	const char **fqdns; /* plain names, sorted unique */
	size_t n_fqdns;
	bool has_wildcard; /* some fqdn starts with "*." */
};

struct fwc_proxy {
	struct fwc_def d;
	const char *host_name;
	struct fwc_loc host_loc;
	const char *port;
	struct fwc_loc port_loc;
	/* sema */
	struct fwc_host *host;
	uint16_t portnum;
};

struct fwc_fallback {
	const char *group;
	struct fwc_loc loc;
	struct fwc_words roles;
	bool never;
	struct fwc_bgroup *to; /* sema */
};

struct fwc_bgroup {
	struct fwc_def d;
	struct fwc_item *items; /* boundary refs */
	size_t n_items;
	struct fwc_word *systems; /* site-system host names */
	size_t n_systems;
	struct fwc_fallback *fb;
	size_t n_fb;
	/* sema */
	const struct fwc_addrset *addrs;
	struct fwc_host **hosts;
	size_t n_hosts;
};

struct fwc_iface {
	const char *name;
	struct fwc_loc loc;
	struct fwc_words boundaries;
	const char *boundary_attr;
	/* sema */
	const struct fwc_addrset *addrs; /* behind the interface */
	bool is_any;
};

struct fwc_gateway {
	struct fwc_def d;
	const char *os;
	const char *egress;
	const char *target;
	struct fwc_item *items; /* own addresses */
	size_t n_items;
	struct fwc_ivls pre; /* valid address items, read */
	struct fwc_iface *ifaces;
	size_t n_ifaces;
	const struct fwc_addrset *addrs; /* sema */
};

/* A place in a flow's file (struct fwc_loc without the file). */
struct fwc_pos {
	uint32_t line;
	uint32_t col;
};

/* What a network name in from/to resolved to. */
enum fwc_ref_kind {
	FWC_REF_ANY,
	FWC_REF_BOUNDARY,
	FWC_REF_ROLE,
	FWC_REF_HOST,
	FWC_REF_ENDPOINT,
	FWC_REF_GATEWAY,
	FWC_REF_BGROUP,
	FWC_REF_ADDRESS /* a literal address, CIDR or range */
};

/* A resolved word of a flow's from or to list. The flows whose list is
 * one name share one reference to it (struct fwc_def.shared): a large
 * policy names the same few hundred objects in 100,000 flows. So a
 * reference has no place of its own: fwc_flow_ref_loc() finds it. */
struct fwc_ref {
	const char *s; /* the name as written */
	void *obj;     /* the object, NULL for ANY/ADDRESS */
	const struct fwc_addrset *addrs;
	enum fwc_ref_kind kind;
};

/* What few flows carry (description=, scope=, via=): kept apart, so that
 * a policy of 100,000 plain flows does not carry their room. */
struct fwc_flow_opt {
	const char *description;
	const char *scope; /* NULL, "none" or "boundary-group" */
	struct fwc_loc scope_loc;
	const char *via; /* NULL, "none" or a proxy name */
	struct fwc_loc via_loc;
	struct fwc_proxy *via_proxy; /* sema: the proxy via= names */
};

/* A flow: 144 bytes, since a large policy holds hundreds of thousands.
 * Its from, to and service lists stay the attributes' text: sema.c
 * splits them into words as it resolves them (fwc_word_next()), and a
 * list of one word, the usual case, costs nothing more. */
struct fwc_flow {
	const char *name; /* NULL when unnamed */
	const char *id;	  /* name, else "file:line" */
	struct fwc_loc loc;
	const char *from_attr; /* "" when absent */
	const char *to_attr;
	const char *service_attr;
	struct fwc_flow_opt *opt; /* NULL: none of its attributes */
	/* The attributes' names, else the element (see fwc_flow_loc()). */
	struct fwc_pos from_pos;
	struct fwc_pos to_pos;
	struct fwc_pos service_pos;
	unsigned int index; /* document order over all files */
	uint8_t action;	    /* enum fwc_action */
	bool log;
	bool bidirectional;
	bool svc_any; /* sema: service="any" */
	/* sema */
	uint32_t n_src;
	uint32_t n_dst;
	uint32_t n_svc;
	uint32_t n_m;
	struct fwc_ref *src;
	struct fwc_ref *dst;
	struct fwc_service **svc;
	struct fwc_svc_match *m; /* the services' matches, merged */
};

/* The location of pos, a place in flow f's file. */
static inline struct fwc_loc
fwc_flow_loc(const struct fwc_flow *f, struct fwc_pos pos)
{
	struct fwc_loc l = { f->loc.file, pos.line, pos.col };

	return l;
}

/* The location of reference i of flow f's to list (dst) or from list:
 * the word it was written as. */
struct fwc_loc fwc_flow_ref_loc(const struct fwc_flow *f, bool dst, size_t i);

/* The proxy via= names (sema), NULL when none. */
static inline struct fwc_proxy *
fwc_flow_proxy(const struct fwc_flow *f)
{
	return f->opt ? f->opt->via_proxy : NULL;
}

/* The flow's scope= and via= attributes, NULL when absent. */
static inline const char *
fwc_flow_scope(const struct fwc_flow *f)
{
	return f->opt ? f->opt->scope : NULL;
}

static inline const char *
fwc_flow_via(const struct fwc_flow *f)
{
	return f->opt ? f->opt->via : NULL;
}

/* Steps through the words of a list attribute (from="a b"): *p starts at
 * the value s, whose attribute's name is at loc and nlen bytes long.
 * Returns the length of the next word, with *start at it and *wloc its
 * place (its own column, assuming the usual name="value" on one line),
 * or 0 at the end. */
size_t fwc_word_next(const char **p, const char *s, const struct fwc_loc *loc,
    size_t nlen, const char **start, struct fwc_loc *wloc);
/* The number of words of s. */
size_t fwc_word_count(const char *s);

/* A vector of pointers to definitions of one kind. */
#define FWC_DEFVEC(T)       \
	struct {            \
		T **v;      \
		size_t n;   \
		size_t cap; \
	}

struct fwc_policy {
	const char *name;
	const char *description;
	struct fwc_loc loc;
	enum fwc_action default_action; /* DROP or REJECT */
	const char **files;		/* every file read, root first */
	size_t n_files;
	size_t cap_files;
	FWC_DEFVEC(struct fwc_service) services;
	FWC_DEFVEC(struct fwc_adsite) adsites;
	FWC_DEFVEC(struct fwc_boundary) boundaries;
	FWC_DEFVEC(struct fwc_role) roles;
	FWC_DEFVEC(struct fwc_host) hosts;
	FWC_DEFVEC(struct fwc_endpoint) endpoints;
	FWC_DEFVEC(struct fwc_proxy) proxies;
	FWC_DEFVEC(struct fwc_bgroup) bgroups;
	FWC_DEFVEC(struct fwc_gateway) gateways;
	FWC_DEFVEC(struct fwc_flow) flows;
	/* The items of every definition (struct fwc_item arrays), in a
	 * sub-arena of the compilation's: only sema reads them, and
	 * fwc_policy_drop_items() releases them after it. */
	struct fwc_arena *items_arena;
	struct fwc_resolver *names; /* sema: name tables */
	bool resolve;		    /* --resolve was given */
};

/* Reads the value of an address item of kind FWC_ITEM_SUBNET, RANGE,
 * PREFIX, ADDRESS or EXCLUDE as name resolution does (single: one
 * address only, for hosts and gateways). Returns 0, or -1 with *why set
 * to a static message. */
int fwc_item_addr_parse(enum fwc_item_kind kind, const char *v, bool single,
    enum fwc_family *f, struct fwc_ivl *x, const char **why);

#endif
