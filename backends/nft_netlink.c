/* The netlink backend: the nft model of one ruleset (nft_model.h, shared
 * with the text backend) as one nf_tables batch for the running kernel,
 * plus the read-back used by `fwc status` and by the revert of
 * `fwc apply --confirm`. This is the only file that includes libnftnl and
 * libmnl headers.
 *
 * A batch replaces the table inet fwc the way `nft -f` of the text
 * backend does (NEWTABLE, DELTABLE, NEWTABLE, then sets, elements, chains
 * and rules), so that other tables are never touched and the result is
 * the same objects, expression for expression. Each message has its own
 * sequence number, mapped back to the model object and IR rule that
 * produced it; messages carry no ACK flag, so the kernel answers only
 * errors, and a GETGEN request after the batch is the barrier after which
 * every error has arrived (pitfalls.md). The kernel applies a batch
 * entirely or not at all. */
#include "nft_netlink.h"

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "emit.h"
#include "nl_batch.h"
#include "nft_model.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/phase.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define FAMILY	       NFPROTO_INET
#define ELEM_BUDGET    48000u	      /* bytes of elements per message */
#define RECV_BYTES     (256u * 1024u) /* one read of kernel answers */
#define UDATA_MAX      256u	      /* NFT_USERDATA_MAXLEN */
#define BYTEORDER_BE   2u	      /* nft's BYTEORDER_BIG_ENDIAN */
#define BYTEORDER_HOST 1u	      /* nft's BYTEORDER_HOST_ENDIAN */

/* nft's data type numbers, which `nft list` uses to print elements. */
static const struct {
	uint32_t type;
	uint32_t len;
} key_info[FWC_NFT_KEY_NR] = {
	[FWC_NFT_KEY_IPV4] = { 7, 4 },
	[FWC_NFT_KEY_IPV6] = { 8, 16 },
	[FWC_NFT_KEY_SERVICE] = { 13, 2 },
	[FWC_NFT_KEY_ICMP] = { 14, 1 },
	[FWC_NFT_KEY_ICMPV6] = { 29, 1 },
	[FWC_NFT_KEY_IFNAME] = { 41, IFNAMSIZ },
};

/* What a batch message stands for, to report a kernel error at it. */
enum obj_kind { OBJ_NONE, OBJ_TABLE, OBJ_SET, OBJ_ELEMS, OBJ_CHAIN, OBJ_RULE };

struct seq_ent {
	enum obj_kind kind;
	const void *obj; /* fwc_nft_set, fwc_nft_rule or chain; borrowed */
	const char *chain;
};

struct batch {
	struct fwc_nlb *w;    /* where the bytes go; borrowed */
	uint32_t seq0;	      /* sequence number of the first message */
	uint32_t seq;	      /* next sequence number */
	struct seq_ent *ents; /* heap; index seq - seq0 */
	size_t n_ents;	      /* entries in ents */
	size_t cap;
	bool record; /* note what each message stands for (ents) */
};

struct kerr {
	uint32_t seq;
	int err; /* positive errno */
};

/* Errors the kernel sent back for one batch. */
struct answers {
	struct kerr *v; /* heap */
	size_t n;
	bool lost; /* the receive queue overflowed */
};

static void
batch_init(struct batch *bt, struct fwc_nlb *w, uint32_t seq0)
{
	memset(bt, 0, sizeof(*bt));
	bt->w = w;
	bt->seq0 = seq0;
	bt->seq = bt->seq0;
}

static void
batch_release(struct batch *bt)
{
	free(bt->ents);
	memset(bt, 0, sizeof(*bt));
}

static uint32_t
note_seq(
    struct batch *bt, enum obj_kind kind, const void *obj, const char *chain)
{
	size_t i = bt->seq - bt->seq0;

	if (!bt->record)
		return bt->seq++;
	if (i == bt->cap) {
		bt->cap = bt->cap ? bt->cap * 2 : 256;
		bt->ents = fwc_xrealloc(bt->ents, bt->cap * sizeof(*bt->ents));
	}
	bt->ents[i].kind = kind;
	bt->ents[i].obj = obj;
	bt->ents[i].chain = chain;
	bt->n_ents = i + 1;
	return bt->seq++;
}

/* Starts a message in the batch; finish it with next(). */
static struct nlmsghdr *
msg(struct batch *bt, uint16_t type, uint16_t flags, enum obj_kind kind,
    const void *obj, const char *chain)
{
	return nftnl_nlmsg_build_hdr(fwc_nlb_tail(bt->w), type, FAMILY, flags,
	    note_seq(bt, kind, obj, chain));
}

static void
next(struct batch *bt)
{
	fwc_nlb_next(bt->w);
}

static void
batch_begin(struct batch *bt)
{
	nftnl_batch_begin(
	    fwc_nlb_tail(bt->w), note_seq(bt, OBJ_NONE, NULL, NULL));
	next(bt);
}

static void
batch_end(struct batch *bt)
{
	nftnl_batch_end(
	    fwc_nlb_tail(bt->w), note_seq(bt, OBJ_NONE, NULL, NULL));
	next(bt);
}

/* Table messages: the nft way of replacing one table atomically. */
static void
table_msg(struct batch *bt, uint16_t type, uint16_t flags)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (tb == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, FWC_NFT_TABLE);
	nftnl_table_set_u32(tb, NFTNL_TABLE_FAMILY, FAMILY);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(tb, NFTNL_TABLE_FLAGS, 0);
	nlh = msg(bt, type, flags, OBJ_TABLE, NULL, NULL);
	nftnl_table_nlmsg_build_payload(nlh, tb);
	nftnl_table_free(tb);
	next(bt);
}

static void
replace_table_prologue(struct batch *bt)
{
	table_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	table_msg(bt, NFT_MSG_DELTABLE, 0);
}

/* ---- sockets ---- */

static int
sys_error(struct fwc_diag *dg, const char *what, int err)
{
	fwc_error(dg, NULL, "netlink: %s: %s", what, strerror(err));
	return FWC_NL_SYSTEM;
}

static int
nl_open(struct mnl_socket **nlp, size_t sndbuf, struct fwc_diag *dg)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1;
	int rcv = 16 * 1024 * 1024;
	int snd;

	*nlp = NULL;
	if (nl == NULL)
		return sys_error(dg, "cannot open a netfilter socket", errno);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		return sys_error(dg, "cannot bind", e);
	}
	/* Errors echo only the header of the refused message, so that a
	 * flood of them cannot overflow the receive queue as easily. */
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
		sizeof(rcv)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcv,
		    sizeof(rcv));
	if (sndbuf > 0) {
		/* The kernel takes a batch as one datagram: the send buffer
		 * must hold all of it. */
		if (sndbuf > (size_t)INT32_MAX / 2) {
			mnl_socket_close(nl);
			return sys_error(dg, "batch too large", EMSGSIZE);
		}
		snd = (int)sndbuf + 65536;
		if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET,
			SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
			setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF,
			    &snd, sizeof(snd));
	}
	*nlp = nl;
	return FWC_NL_OK;
}

static void
add_answer(struct answers *an, uint32_t seq, int err)
{
	an->v = fwc_xrealloc(an->v, (an->n + 1) * sizeof(*an->v));
	an->v[an->n].seq = seq;
	an->v[an->n].err = err;
	an->n++;
}

/* A stream to run while the datagram is sent (nl_batch.h), or none. */
struct streamer {
	struct fwc_nlb_stream *st;
	fwc_nlb_gen gen;
	void *arg;
	const char *why; /* set when the stream broke */
};

/* Sends iov as one datagram, then a GETGEN barrier, and collects the
 * errors the kernel reports until the barrier's answer. With sm, the
 * datagram's bytes are made while the kernel copies them: the producer
 * runs only for the time of the sendmsg. */
static int
talk(struct mnl_socket *nl, struct iovec *iov, int n_iov, uint32_t barrier,
    struct streamer *sm, struct answers *an, struct fwc_diag *dg)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr mh = { .msg_name = &snl,
		.msg_namelen = sizeof(snl),
		.msg_iov = iov,
		.msg_iovlen = (size_t)n_iov };
	char req[8192] = { 0 };
	char *buf = NULL;
	struct nlmsghdr *nlh;
	bool done = false;
	int rc = FWC_NL_OK;

	memset(an, 0, sizeof(*an));
	if (sm != NULL) {
		ssize_t sent;
		int e;

		if (fwc_nlb_stream_start(sm->st, sm->gen, sm->arg) < 0)
			return sys_error(
			    dg, "cannot start the batch stream", errno);
		sent = sendmsg(mnl_socket_get_fd(nl), &mh, 0);
		e = errno;
		if (fwc_nlb_stream_finish(sm->st, &sm->why) < 0 && sent >= 0) {
			/* The kernel met zeros instead of the end of the
			 * batch (nl_batch.c) and discarded it. */
			fwc_error(dg, NULL,
			    "netlink: the batch could not be streamed to the "
			    "kernel (%s); it was discarded",
			    sm->why);
			return FWC_NL_SYSTEM;
		}
		if (sent < 0)
			return sys_error(dg, "cannot send the batch", e);
	} else if (sendmsg(mnl_socket_get_fd(nl), &mh, 0) < 0) {
		return sys_error(dg, "cannot send the batch", errno);
	}
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETGEN, AF_UNSPEC, 0, barrier);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return sys_error(dg, "cannot send the barrier", errno);
	buf = fwc_xmalloc(RECV_BYTES);
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RECV_BYTES);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Some answers were dropped: the batch
				 * failed, and the barrier's answer may be
				 * gone too, so stop here. */
				an->lost = true;
				break;
			}
			rc = sys_error(dg, "cannot read the answer", errno);
			break;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e =
				    mnl_nlmsg_get_payload(nlh);

				if (e->error != 0)
					add_answer(
					    an, e->msg.nlmsg_seq, -e->error);
			}
			if (nlh->nlmsg_seq == barrier)
				done = true;
		}
	}
	free(buf);
	return rc;
}

/* ---- expressions ---- */

/* Which implicit dependencies a rule already matched, so that each is
 * emitted once, where nft puts it. */
struct deps {
	bool nfproto;
	bool l4proto;
};

static struct nftnl_expr *
expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e == NULL)
		FWC_BUG("no nftnl expression '%s'", name);
	nftnl_rule_add_expr(r, e); /* the rule owns e from here */
	return e;
}

static void
load_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}

static void
cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void
cmp_u8(struct nftnl_rule *r, uint32_t op, uint8_t v)
{
	cmp(r, op, &v, 1);
}

static void
cmp_be16(struct nftnl_rule *r, uint32_t op, uint32_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	cmp(r, op, b, 2);
}

static void
load_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
}

static struct nftnl_expr *
lookup(struct nftnl_rule *r, const struct fwc_nft_set *s, uint32_t id)
{
	struct nftnl_expr *e = expr(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, s->name);
	if (id != 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	return e;
}

/* A verdict-map lookup: the map's jump decides. */
static void
lookup_vmap(struct nftnl_rule *r, const struct fwc_nft_set *s, uint32_t id)
{
	nftnl_expr_set_u32(
	    lookup(r, s, id), NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
}

static void
need_nfproto(struct nftnl_rule *r, struct deps *d, enum fwc_family f)
{
	if (d->nfproto)
		return;
	load_meta(r, NFT_META_NFPROTO);
	cmp_u8(r, NFT_CMP_EQ, f == FWC_FAM_IP4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	d->nfproto = true;
}

static void
need_l4proto(struct nftnl_rule *r, struct deps *d, int proto)
{
	if (d->l4proto)
		return;
	load_meta(r, NFT_META_L4PROTO);
	cmp_u8(r, NFT_CMP_EQ, (uint8_t)proto);
	d->l4proto = true;
}

static void
verdict(struct nftnl_rule *r, int v)
{
	struct nftnl_expr *e = expr(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
}

static void
reject(struct nftnl_rule *r, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = expr(r, "reject");

	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
}

/* The set id of a set in the batch: its index in the model, plus one. */
static uint32_t
set_id(const struct fwc_nft_table *t, const struct fwc_nft_set *s)
{
	if (s->id == 0 || s->id > t->n_sets || t->sets[s->id - 1] != s)
		FWC_BUG("set '%s' not in the model", s->name);
	return s->id;
}

/* Appends the expressions of one primitive. Returns 0, or -1 when an
 * interface named by iif/oif does not exist here. */
static int
add_prim(const struct fwc_nft_table *t, struct nftnl_rule *r, struct deps *d,
    const struct fwc_nft_prim *p, bool ids)
{
	char ifname[IFNAMSIZ];
	bool v4 = p->family == FWC_FAM_IP4;
	uint32_t u;

	switch (p->kind) {
	case FWC_NFT_P_IIFNAME:
	case FWC_NFT_P_OIFNAME:
		memset(ifname, 0, sizeof(ifname));
		strncpy(ifname, p->str, sizeof(ifname) - 1);
		load_meta(r, p->kind == FWC_NFT_P_IIFNAME ? NFT_META_IIFNAME
							  : NFT_META_OIFNAME);
		cmp(r, NFT_CMP_EQ, ifname, sizeof(ifname));
		break;
	case FWC_NFT_P_IIF:
	case FWC_NFT_P_OIF:
		u = if_nametoindex(p->str);
		if (u == 0)
			return -1;
		load_meta(
		    r, p->kind == FWC_NFT_P_IIF ? NFT_META_IIF : NFT_META_OIF);
		cmp(r, NFT_CMP_EQ, &u, sizeof(u));
		break;
	case FWC_NFT_P_NFPROTO:
		load_meta(r, NFT_META_NFPROTO);
		cmp_u8(r, NFT_CMP_EQ, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
		d->nfproto = true;
		break;
	case FWC_NFT_P_SADDR:
	case FWC_NFT_P_DADDR:
		need_nfproto(r, d, p->family);
		if (v4)
			load_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			    p->kind == FWC_NFT_P_SADDR ? 12 : 16, 4);
		else
			load_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			    p->kind == FWC_NFT_P_SADDR ? 8 : 24, 16);
		lookup(r, p->set, ids ? set_id(t, p->set) : 0);
		break;
	case FWC_NFT_P_L4PROTO:
		load_meta(r, NFT_META_L4PROTO);
		cmp_u8(r, NFT_CMP_EQ, (uint8_t)p->proto);
		d->l4proto = true;
		break;
	case FWC_NFT_P_DPORT:
	case FWC_NFT_P_SPORT:
		need_l4proto(r, d, p->proto);
		load_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER,
		    p->kind == FWC_NFT_P_DPORT ? 2 : 0, 2);
		if (p->lo == p->hi) {
			cmp_be16(r, NFT_CMP_EQ, p->lo);
		} else {
			cmp_be16(r, NFT_CMP_GTE, p->lo);
			cmp_be16(r, NFT_CMP_LTE, p->hi);
		}
		break;
	case FWC_NFT_P_DPORT_SET:
	case FWC_NFT_P_SPORT_SET:
		need_l4proto(r, d, p->proto);
		load_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER,
		    p->kind == FWC_NFT_P_DPORT_SET ? 2 : 0, 2);
		lookup(r, p->set, ids ? set_id(t, p->set) : 0);
		break;
	case FWC_NFT_P_ICMP_TYPE:
	case FWC_NFT_P_ICMP_SET:
		need_nfproto(r, d, p->family);
		need_l4proto(r, d, v4 ? FWC_PROTO_ICMP : FWC_PROTO_ICMP6);
		load_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
		if (p->kind == FWC_NFT_P_ICMP_TYPE)
			cmp_u8(r, NFT_CMP_EQ, (uint8_t)p->lo);
		else
			lookup(r, p->set, ids ? set_id(t, p->set) : 0);
		break;
	case FWC_NFT_P_HOPLIMIT:
		need_nfproto(r, d, FWC_FAM_IP6);
		load_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 7, 1);
		cmp_u8(r, NFT_CMP_EQ, (uint8_t)p->lo);
		break;
	case FWC_NFT_P_CT_STATE: {
		struct nftnl_expr *e = expr(r, "ct");
		uint32_t zero = 0;

		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		e = expr(r, "bitwise");
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		u = p->lo;
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &u, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		cmp(r, NFT_CMP_NEQ, &zero, 4);
		break;
	}
	case FWC_NFT_P_LOG:
		nftnl_expr_set_str(
		    expr(r, "log"), NFTNL_EXPR_LOG_PREFIX, p->str);
		break;
	case FWC_NFT_P_COUNTER:
		expr(r, "counter");
		break;
	case FWC_NFT_P_ACCEPT:
		verdict(r, NF_ACCEPT);
		break;
	case FWC_NFT_P_DROP:
		verdict(r, NF_DROP);
		break;
	case FWC_NFT_P_REJECT_TCP:
		reject(r, NFT_REJECT_TCP_RST, 0);
		break;
	case FWC_NFT_P_REJECT_ICMPX:
		reject(
		    r, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_PORT_UNREACH);
		break;
	case FWC_NFT_P_IIFNAME_VMAP:
	case FWC_NFT_P_OIFNAME_VMAP:
		load_meta(r, p->kind == FWC_NFT_P_IIFNAME_VMAP
				 ? NFT_META_IIFNAME
				 : NFT_META_OIFNAME);
		lookup_vmap(r, p->set, ids ? set_id(t, p->set) : 0);
		break;
	case FWC_NFT_P_SADDR_VMAP:
	case FWC_NFT_P_DADDR_VMAP:
		need_nfproto(r, d, p->family);
		if (v4)
			load_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			    p->kind == FWC_NFT_P_SADDR_VMAP ? 12 : 16, 4);
		else
			load_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			    p->kind == FWC_NFT_P_SADDR_VMAP ? 8 : 24, 16);
		lookup_vmap(r, p->set, ids ? set_id(t, p->set) : 0);
		break;
	case FWC_NFT_P_JUMP: {
		struct nftnl_expr *e = expr(r, "immediate");

		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, p->str);
		break;
	}
	case FWC_NFT_P_NR:
		FWC_BUG("bad primitive");
	}
	return 0;
}

/* The libnftnl rule of a model rule (caller frees), or NULL when it names
 * an interface index that does not exist (reported in dg). */
static struct nftnl_rule *
build_rule(const struct fwc_nft_table *t, const struct fwc_nft_chain *c,
    const struct fwc_nft_rule *mr, bool ids, struct fwc_diag *dg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct deps d = { false, false };
	const char *fault = getenv("FWC_NL_FAULT");
	size_t i;

	if (r == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, FAMILY);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FWC_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	if (ids && fault != NULL && mr->comment != NULL &&
	    strcmp(fault, mr->comment) == 0) {
		/* Test hook (FWC_NL_FAULT=FLOW): a lookup of a set that does
		 * not exist, which the kernel refuses with ENOENT, so that
		 * the tests can follow a real refusal back to its flow. */
		struct nftnl_expr *e;

		load_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
		e = expr(r, "lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "fwc_no_such_set");
	}
	for (i = 0; i < mr->n; i++) {
		const struct fwc_nft_prim *p = &mr->p[i];

		if (i + 1 < mr->n && p->kind == FWC_NFT_P_DPORT &&
		    p->lo == p->hi && mr->p[i + 1].kind == FWC_NFT_P_SPORT &&
		    mr->p[i + 1].lo == mr->p[i + 1].hi) {
			/* nft merges the adjacent source and destination
			 * port fields into one 4-byte comparison. */
			uint32_t sp = mr->p[i + 1].lo;
			uint8_t b[4] = { (uint8_t)(sp >> 8), (uint8_t)sp,
				(uint8_t)(p->lo >> 8), (uint8_t)p->lo };

			need_l4proto(r, &d, p->proto);
			load_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4);
			cmp(r, NFT_CMP_EQ, b, 4);
			i++;
			continue;
		}
		if (add_prim(t, r, &d, p, ids) < 0) {
			fwc_error(dg,
			    mr->origin ? &mr->origin->loc : &t->rs->loc,
			    "interface '%s' does not exist here (chain %s)",
			    mr->p[i].str, c->name);
			nftnl_rule_free(r);
			return NULL;
		}
	}
	if (mr->comment != NULL) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(UDATA_MAX);

		if (ud == NULL)
			FWC_BUG("out of memory in libnftnl");
		nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, mr->comment);
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA,
		    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	return r;
}

/* ---- sets ---- */

static struct fwc_u128
u128_inc(struct fwc_u128 v)
{
	v.lo++;
	if (v.lo == 0)
		v.hi++;
	return v;
}

static struct fwc_u128
key_max(uint32_t len)
{
	struct fwc_u128 m = { 0, 0 };

	if (len >= 16) {
		m.hi = m.lo = ~(uint64_t)0;
	} else {
		m.lo =
		    len >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * len)) - 1);
	}
	return m;
}

static void
key_bytes(uint8_t *b, uint32_t len, struct fwc_u128 v)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint32_t bit = 8 * (len - 1 - i);

		b[i] = (uint8_t)(bit >= 64 ? v.hi >> (bit - 64) : v.lo >> bit);
	}
}

static struct fwc_u128
key_value(const uint8_t *b, uint32_t len)
{
	struct fwc_u128 v = { 0, 0 };
	uint32_t i;

	for (i = 0; i < len; i++) {
		v.hi = (v.hi << 8) | (v.lo >> 56);
		v.lo = (v.lo << 8) | b[i];
	}
	return v;
}

static int
ivl_cmp(const void *a, const void *b)
{
	const struct fwc_ivl *x = a;
	const struct fwc_ivl *y = b;
	int c = fwc_u128_cmp(x->lo, y->lo);

	return c != 0 ? c : fwc_u128_cmp(x->hi, y->hi);
}

/* Sorts and merges v[0..n) in place (overlapping or adjacent intervals
 * join); returns the new count. */
static size_t
normalise(struct fwc_ivl *v, size_t n)
{
	size_t k = 0;
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), ivl_cmp);
	for (i = 1; i < n; i++) {
		struct fwc_u128 after = u128_inc(v[k].hi);
		bool joins = fwc_u128_cmp(v[i].lo, v[k].hi) <= 0 ||
			     (!(after.hi == 0 && after.lo == 0) &&
				 fwc_u128_cmp(v[i].lo, after) <= 0);

		if (joins) {
			if (fwc_u128_cmp(v[i].hi, v[k].hi) > 0)
				v[k].hi = v[i].hi;
		} else {
			v[++k] = v[i];
		}
	}
	return k + 1;
}

/* The intervals of a model set (heap, caller frees): the IR's addresses
 * and those resolved at apply time, or the port and type ranges. */
static struct fwc_ivl *
set_ivls(const struct fwc_nft_set *s, size_t *n)
{
	struct fwc_ivl *v;
	size_t i;
	size_t k = 0;

	if (s->vmap) { /* the keys; drift in jump targets shows in rules */
		v = fwc_xcalloc(s->n_vel + 1, sizeof(*v));
		for (i = 0; i < s->n_vel; i++) {
			uint8_t b[IFNAMSIZ];

			if (s->key == FWC_NFT_KEY_IFNAME) {
				memset(b, 0, sizeof(b));
				strncpy(
				    (char *)b, s->vel[i].ifname, sizeof(b) - 1);
				v[i].lo = v[i].hi = key_value(b, sizeof(b));
			} else {
				v[i] = s->vel[i].iv;
			}
		}
		*n = s->n_vel;
		return v;
	}
	if (s->ir != NULL) {
		v = fwc_xcalloc(s->ir->n + s->n_extra + 1, sizeof(*v));
		for (i = 0; i < s->ir->n; i++)
			v[k++] = s->ir->v[i];
		for (i = 0; i < s->n_extra; i++)
			v[k++] = s->extra[i];
		*n = normalise(v, k);
		return v;
	}
	v = fwc_xcalloc(s->n_el + 1, sizeof(*v));
	for (i = 0; i < s->n_el; i++) {
		v[i].lo.lo = s->el[i].lo;
		v[i].hi.lo = s->el[i].hi;
	}
	*n = s->n_el;
	return v;
}

struct elem {
	struct fwc_u128 key;
	bool end;	   /* NFT_SET_ELEM_INTERVAL_END */
	const char *chain; /* verdict maps: jump target of a start element */
	const char *name;  /* ifname keys: the name (key unused) */
};

/* True when v[0..n) is sorted, and neither overlaps nor touches the next
 * one: what normalise() would leave unchanged. */
static bool
is_normal(const struct fwc_ivl *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct fwc_u128 after = u128_inc(v[i - 1].hi);

		if (after.hi == 0 && after.lo == 0)
			return false;
		if (fwc_u128_cmp(v[i].lo, after) <= 0)
			return false;
	}
	for (size_t i = 0; i < n; i++)
		if (fwc_u128_cmp(v[i].lo, v[i].hi) > 0)
			return false;
	return true;
}

/* Where the elements of one add_elems() call come from, one at a time:
 * an array (a saved live set), or a model set, whose kernel elements are
 * made interval by interval instead of all at once (a million-address
 * set would need 80 MB for them). */
struct elem_src {
	const struct elem *arr; /* an array of n elements, or NULL */
	const struct fwc_nft_set *s;
	const struct fwc_ivl *v; /* s's intervals (plain sets) */
	size_t n;		 /* elements of arr, or intervals of s */
	struct fwc_ivl *owned;	 /* v when it is a normalised copy */
	struct fwc_u128 max;	 /* largest key */
	size_t i;		 /* next element or interval */
	struct elem q[3];	 /* elements of the current interval */
	size_t q_n;
	size_t q_i;
};

/* The kernel elements of a set: for an interval set a start element per
 * interval and an end element one past it (none after the largest key),
 * led by an end element at 0 as nft writes it. Verdict maps: interface
 * names, or address intervals in order each with its jump, an end
 * element one past each (adjacent intervals keep both, as nft writes
 * them). Fills q with those of interval i; returns how many. */
static size_t
interval_elems(const struct elem_src *src, size_t i, struct elem *q)
{
	const struct fwc_nft_set *s = src->s;
	struct fwc_ivl iv;
	const char *chain = NULL;
	size_t k = 0;

	memset(q, 0, 3 * sizeof(*q));
	if (s->vmap) {
		if (s->key == FWC_NFT_KEY_IFNAME) {
			q[0].name = s->vel[i].ifname;
			q[0].chain = s->vel[i].chain;
			return 1;
		}
		iv = s->vel[i].iv;
		chain = s->vel[i].chain;
	} else {
		iv = src->v[i];
		if (!s->interval) {
			q[0].key = iv.lo;
			return 1;
		}
	}
	if (i == 0 && !(iv.lo.hi == 0 && iv.lo.lo == 0))
		q[k++].end = true; /* key 0 */
	q[k].key = iv.lo;
	q[k++].chain = chain;
	if (fwc_u128_cmp(iv.hi, src->max) != 0) {
		q[k].key = u128_inc(iv.hi);
		q[k++].end = true;
	}
	return k;
}

static void
src_of_set(struct elem_src *src, const struct fwc_nft_set *s)
{
	memset(src, 0, sizeof(*src));
	src->s = s;
	src->max = key_max(key_info[s->key].len);
	if (s->vmap) {
		src->n = s->n_vel;
	} else if (s->ir != NULL && s->n_extra == 0 &&
		   is_normal(s->ir->v, s->ir->n)) {
		src->v = s->ir->v; /* as the IR has it: no copy */
		src->n = s->ir->n;
	} else {
		src->owned = set_ivls(s, &src->n);
		src->v = src->owned;
	}
}

static void
src_of_array(struct elem_src *src, const struct elem *e, size_t n)
{
	memset(src, 0, sizeof(*src));
	src->arr = e;
	src->n = n;
}

static bool
src_next(struct elem_src *src, struct elem *out)
{
	if (src->arr != NULL || src->s == NULL) {
		if (src->i == src->n)
			return false;
		*out = src->arr[src->i++];
		return true;
	}
	while (src->q_i == src->q_n) {
		if (src->i == src->n)
			return false;
		src->q_n = interval_elems(src, src->i++, src->q);
		src->q_i = 0;
	}
	*out = src->q[src->q_i++];
	return true;
}

static void
src_release(struct elem_src *src)
{
	free(src->owned);
	memset(src, 0, sizeof(*src));
}

static struct nftnl_set *
set_header(const char *name)
{
	struct nftnl_set *ns = nftnl_set_alloc();

	if (ns == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, FWC_NFT_TABLE);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, FAMILY);
	return ns;
}

static void
add_set(struct batch *bt, const struct fwc_nft_table *t,
    const struct fwc_nft_set *s)
{
	struct nftnl_set *ns = set_header(s->name);
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(UDATA_MAX);
	struct nlmsghdr *nlh;

	if (ud == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS,
	    (s->interval ? NFT_SET_INTERVAL : 0) | (s->vmap ? NFT_SET_MAP : 0));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, key_info[s->key].type);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, key_info[s->key].len);
	if (s->vmap) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, 0);
	}
	nftnl_set_set_u32(ns, NFTNL_SET_ID, set_id(t, s));
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER,
	    s->key == FWC_NFT_KEY_IFNAME ? BYTEORDER_HOST : BYTEORDER_BE);
	if (s->comment != NULL)
		nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_COMMENT, s->comment);
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
	    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	nlh = msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE, OBJ_SET, s, NULL);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	nftnl_set_free(ns);
	next(bt);
}

/* Elements go in messages of at most ELEM_BUDGET bytes: attribute
 * lengths are 16 bits, and a message must fit FWC_NLB_MSG_MAX. */
static void
add_elems(struct batch *bt, const char *name, uint32_t id, uint32_t len,
    struct elem_src *src, enum obj_kind kind, const void *obj)
{
	size_t per = ELEM_BUDGET / (28u + ((len + 3u) & ~3u));
	struct elem e;
	bool have = src_next(src, &e);

	while (have) {
		struct nftnl_set *ns = set_header(name);
		struct nlmsghdr *nlh;
		size_t k;

		if (id != 0)
			nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
		for (k = 0; k < per && have; k++) {
			struct nftnl_set_elem *se = nftnl_set_elem_alloc();
			uint8_t b[16];

			if (se == NULL)
				FWC_BUG("out of memory in libnftnl");
			if (e.name != NULL) {
				memset(b, 0, sizeof(b));
				strncpy((char *)b, e.name, sizeof(b) - 1);
			} else {
				key_bytes(b, len, e.key);
			}
			nftnl_set_elem_set(se, NFTNL_SET_ELEM_KEY, b, len);
			if (e.chain != NULL) {
				nftnl_set_elem_set_u32(
				    se, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
				nftnl_set_elem_set_str(
				    se, NFTNL_SET_ELEM_CHAIN, e.chain);
			}
			if (e.end)
				nftnl_set_elem_set_u32(se, NFTNL_SET_ELEM_FLAGS,
				    NFT_SET_ELEM_INTERVAL_END);
			nftnl_set_elem_add(ns, se); /* ns owns se */
			have = src_next(src, &e);
		}
		nlh =
		    msg(bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE, kind, obj, NULL);
		nftnl_set_elems_nlmsg_build_payload(nlh, ns);
		nftnl_set_free(ns);
		next(bt);
	}
}

static void
add_chain(struct batch *bt, const struct fwc_nft_chain *c)
{
	static const uint32_t hooks[FWC_CHAIN_NR] = {
		[FWC_CHAIN_INPUT] = NF_INET_LOCAL_IN,
		[FWC_CHAIN_FORWARD] = NF_INET_FORWARD,
		[FWC_CHAIN_OUTPUT] = NF_INET_LOCAL_OUT,
	};
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (nc == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, FWC_NFT_TABLE);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, c->name);
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, FAMILY);
	if (!c->regular) {
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, hooks[c->hook]);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY,
		    c->policy_accept ? NF_ACCEPT : NF_DROP);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
	}
	nlh = msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, OBJ_CHAIN, c, c->name);
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	next(bt);
}

/* Builds the whole replacing batch of t into bt. Returns 0 or -1 (an
 * interface missing, reported in dg). */
static int
build_batch(struct batch *bt, const struct fwc_nft_table *t, bool end,
    struct fwc_diag *dg)
{
	size_t i;
	size_t k;

	batch_begin(bt);
	replace_table_prologue(bt);
	table_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (i = 0; i < t->n_sets; i++)
		add_set(bt, t, t->sets[i]);
	/* Chains before elements: verdict maps jump to them. */
	for (i = 0; i < t->n_chains; i++)
		add_chain(bt, &t->chains[i]);
	for (i = 0; i < t->n_dchains; i++)
		add_chain(bt, &t->dchains[i]);
	for (i = 0; i < t->n_sets; i++) {
		const struct fwc_nft_set *s = t->sets[i];
		struct elem_src src;

		src_of_set(&src, s);
		add_elems(bt, s->name, set_id(t, s), key_info[s->key].len, &src,
		    OBJ_ELEMS, s);
		src_release(&src);
	}
	for (i = 0; i < t->n_chains + t->n_dchains; i++) {
		const struct fwc_nft_chain *c =
		    i < t->n_chains ? &t->chains[i]
				    : &t->dchains[i - t->n_chains];

		for (k = 0; k < c->n_rules; k++) {
			struct nftnl_rule *r =
			    build_rule(t, c, &c->rules[k], true, dg);
			struct nlmsghdr *nlh;

			if (r == NULL)
				return -1;
			nlh = msg(bt, NFT_MSG_NEWRULE,
			    NLM_F_APPEND | NLM_F_CREATE, OBJ_RULE, &c->rules[k],
			    c->name);
			nftnl_rule_nlmsg_build_payload(nlh, r);
			nftnl_rule_free(r);
			next(bt);
		}
	}
	if (end)
		batch_end(bt);
	return 0;
}

/* ---- apply ---- */

static void
report(const struct batch *bt, const struct fwc_nft_table *t,
    const struct kerr *ke, struct fwc_diag *dg)
{
	const struct fwc_loc *at = t != NULL ? &t->rs->loc : NULL;
	const char *why = strerror(ke->err);
	const struct seq_ent *en;
	const struct fwc_nft_rule *r;

	if (ke->seq < bt->seq0 || ke->seq - bt->seq0 >= bt->n_ents) {
		fwc_error(dg, at, "kernel refused the batch: %s", why);
		return;
	}
	en = &bt->ents[ke->seq - bt->seq0];
	switch (en->kind) {
	case OBJ_RULE:
		r = en->obj;
		if (r->origin != NULL)
			fwc_error(dg, &r->origin->loc,
			    "kernel refused the rule of flow '%s' (chain %s, "
			    "%s -> %s): %s",
			    r->comment ? r->comment : "?", en->chain,
			    r->origin->from ? r->origin->from : "?",
			    r->origin->to ? r->origin->to : "?", why);
		else
			fwc_error(dg, at,
			    "kernel refused a base rule of chain %s: %s",
			    en->chain, why);
		break;
	case OBJ_SET:
		fwc_error(dg, at, "kernel refused set '%s': %s",
		    ((const struct fwc_nft_set *)en->obj)->name, why);
		break;
	case OBJ_ELEMS:
		fwc_error(dg, at, "kernel refused elements of set '%s': %s",
		    ((const struct fwc_nft_set *)en->obj)->name, why);
		break;
	case OBJ_CHAIN:
		fwc_error(
		    dg, at, "kernel refused chain %s: %s", en->chain, why);
		break;
	case OBJ_TABLE:
		fwc_error(dg, at, "kernel refused table inet %s: %s",
		    FWC_NFT_TABLE, why);
		break;
	case OBJ_NONE:
		fwc_error(dg, at, "kernel refused the batch: %s", why);
		break;
	}
}

/* What the producer of a stream needs to make the batch again. */
struct regen_arg {
	const struct fwc_nft_table *t;
	bool end;
	uint32_t seq0;
};

/* The stream's generator (nl_batch.h): the same batch, byte for byte,
 * as the counting pass made. */
static int
regen(struct fwc_nlb *w, void *arg)
{
	const struct regen_arg *ra = arg;
	struct batch bt;
	struct fwc_diag dg;
	int rc;

	fwc_diag_init(&dg, NULL);
	batch_init(&bt, w, ra->seq0);
	rc = build_batch(&bt, ra->t, ra->end, &dg);
	batch_release(&bt);
	fwc_diag_release(&dg);
	return rc;
}

/* What each message of bt stands for, in bt->ents, learnt by making the
 * batch once more: only when the kernel refused some (the entries are
 * 24 bytes a message, 3 MB for 100,000 rules). */
static void
index_messages(struct batch *bt, const struct regen_arg *ra)
{
	struct fwc_nlb w;
	struct batch ix;
	struct fwc_diag dg;

	fwc_nlb_init(&w, FWC_NLB_COUNT);
	fwc_diag_init(&dg, NULL);
	batch_init(&ix, &w, ra->seq0);
	ix.record = true;
	if (build_batch(&ix, ra->t, ra->end, &dg) < 0 || ix.seq + 1 != bt->seq)
		FWC_BUG("the batch came out otherwise when made again");
	free(bt->ents);
	bt->ents = ix.ents;
	bt->cap = ix.cap;
	bt->n_ents = ix.n_ents;
	ix.ents = NULL;
	batch_release(&ix);
	fwc_diag_release(&dg);
	fwc_nlb_release(&w);
}

/* Sends bt (its bytes in memory, or made again through st) and reports
 * what the kernel refused. */
static int
send_batch(struct batch *bt, struct fwc_nlb_stream *st, struct regen_arg *ra,
    const struct fwc_nft_table *t, struct fwc_diag *dg)
{
	struct mnl_socket *nl = NULL;
	struct iovec *iov = NULL;
	int n_iov = 0;
	size_t bytes;
	struct answers an = { NULL, 0, false };
	uint32_t barrier = bt->seq++;
	bool other_reported = false;
	size_t shown = 0;
	struct streamer sm = { st, regen, ra, NULL };
	int rc;
	size_t i;

	if (st != NULL) {
		bytes = bt->w->total;
		iov = fwc_xcalloc(1, sizeof(*iov));
		iov->iov_base = fwc_nlb_stream_base(st);
		iov->iov_len = bytes;
		n_iov = 1;
	} else {
		bytes = fwc_nlb_iov(bt->w, &iov, &n_iov);
	}
	rc = nl_open(&nl, bytes, dg);
	if (rc == FWC_NL_OK)
		rc = talk(
		    nl, iov, n_iov, barrier, st != NULL ? &sm : NULL, &an, dg);
	if (rc != FWC_NL_OK)
		goto out;
	if (an.n > 0)
		index_messages(bt, ra);
	/* A refused table, set or chain makes the kernel refuse much of
	 * what follows it: then only that first refusal is the cause.
	 * Rules are independent of each other, so each refused rule is
	 * reported (each names its flow). */
	for (i = 0; i < an.n; i++) {
		const struct kerr *ke = &an.v[i];
		bool is_rule = ke->seq >= bt->seq0 &&
			       ke->seq - bt->seq0 < bt->n_ents &&
			       bt->ents[ke->seq - bt->seq0].kind == OBJ_RULE;

		if (shown == 0 || (is_rule && !other_reported)) {
			report(bt, t, ke, dg);
			shown++;
			if (!is_rule)
				other_reported = true;
		}
	}
	if (shown < an.n)
		fwc_note(dg, NULL,
		    "the kernel refused %zu more messages of the batch",
		    an.n - shown);
	if (an.lost)
		fwc_error(dg, t != NULL ? &t->rs->loc : NULL,
		    "kernel refused the batch (too many errors to list them)");
	if (an.n > 0 || an.lost)
		rc = FWC_NL_REFUSED;
out:
	free(an.v);
	free(iov);
	if (nl != NULL)
		mnl_socket_close(nl);
	return rc;
}

/* The batch is counted first, then made again while the kernel copies
 * it (nl_batch.h), so that it is never all in memory; where the system
 * cannot stream, it is made in memory once. */
int
fwc_nl_apply(
    const struct fwc_nft_table *t, bool check_only, struct fwc_diag *dg)
{
	struct fwc_nlb_stream *st = fwc_nlb_stream_new();
	struct regen_arg ra = { t, !check_only, (uint32_t)time(NULL) };
	struct fwc_nlb w;
	struct batch bt;
	int rc;

	fwc_nlb_init(&w, st != NULL ? FWC_NLB_COUNT : FWC_NLB_MEMORY);
	batch_init(&bt, &w, ra.seq0);
	if (build_batch(&bt, t, ra.end, dg) < 0) {
		rc = FWC_NL_REFUSED;
		goto out;
	}
	fwc_nlb_finish(&w);
	if (st != NULL && fwc_nlb_stream_map(st, w.total) < 0) {
		/* No region for the stream: the batch is made in memory
		 * after all, the same bytes. */
		fwc_nlb_stream_free(st);
		st = NULL;
		fwc_nlb_release(&w);
		fwc_nlb_init(&w, FWC_NLB_MEMORY);
		batch_release(&bt);
		batch_init(&bt, &w, ra.seq0);
		if (build_batch(&bt, t, ra.end, dg) < 0) {
			rc = FWC_NL_REFUSED;
			goto out;
		}
		fwc_nlb_finish(&w);
	}
	fwc_phase_mark("batch", NULL);
	rc = send_batch(&bt, st, &ra, t, dg);
	fwc_phase_mark("commit", NULL);
out:
	fwc_nlb_stream_free(st);
	batch_release(&bt);
	fwc_nlb_release(&w);
	return rc;
}

/* ---- reading the live table ---- */

struct live {
	bool exists;
	struct nftnl_set **sets; /* heap, owned */
	size_t n_sets;
	struct nftnl_chain **chains;
	size_t n_chains;
	struct nftnl_rule **rules; /* in chain and rule order */
	size_t n_rules;
};

static void
live_release(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_sets; i++)
		nftnl_set_free(lv->sets[i]);
	for (i = 0; i < lv->n_chains; i++)
		nftnl_chain_free(lv->chains[i]);
	for (i = 0; i < lv->n_rules; i++)
		nftnl_rule_free(lv->rules[i]);
	free(lv->sets);
	free(lv->chains);
	free(lv->rules);
	memset(lv, 0, sizeof(*lv));
}

static bool
ours(const char *table)
{
	return table != NULL && strcmp(table, FWC_NFT_TABLE) == 0;
}

static int
set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s == NULL || nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	if (!ours(nftnl_set_get_str(s, NFTNL_SET_TABLE))) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	lv->sets = fwc_xrealloc(lv->sets, (lv->n_sets + 1) * sizeof(*lv->sets));
	lv->sets[lv->n_sets++] = s;
	return MNL_CB_OK;
}

static int
elem_cb(const struct nlmsghdr *nlh, void *data)
{
	return nftnl_set_elems_nlmsg_parse(nlh, data) < 0 ? MNL_CB_ERROR
							  : MNL_CB_OK;
}

static int
chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c == NULL || nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		return MNL_CB_ERROR;
	}
	if (!ours(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE))) {
		nftnl_chain_free(c);
		return MNL_CB_OK;
	}
	lv->chains =
	    fwc_xrealloc(lv->chains, (lv->n_chains + 1) * sizeof(*lv->chains));
	lv->chains[lv->n_chains++] = c;
	return MNL_CB_OK;
}

static int
rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_ERROR;
	}
	if (!ours(nftnl_rule_get_str(r, NFTNL_RULE_TABLE))) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	lv->rules =
	    fwc_xrealloc(lv->rules, (lv->n_rules + 1) * sizeof(*lv->rules));
	lv->rules[lv->n_rules++] = r;
	return MNL_CB_OK;
}

static int
table_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(bool *)data = true;
	return MNL_CB_OK;
}

/* Sends the request in req and runs cb on every answer until the end of
 * the dump or the acknowledgement. Returns 0 or a positive errno. */
static int
request(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	uint32_t portid = mnl_socket_get_portid(nl);
	char *buf = fwc_xmalloc(RECV_BYTES);
	int err = 0;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RECV_BYTES);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (ret < 0) {
			err = errno ? errno : EPROTO;
			break;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
out:
	free(buf);
	return err;
}

/* Reads the table inet fwc: lv->exists, and when it exists its sets
 * with their elements, chains and rules. */
static int
read_live(struct mnl_socket *nl, struct live *lv, struct fwc_diag *dg)
{
	char req[8192] = { 0 }; /* attribute padding is never written */
	uint32_t seq = (uint32_t)time(NULL) ^ 0x5a5a0000u;
	struct nlmsghdr *nlh;
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nftnl_set *s;
	struct nftnl_chain *c;
	struct nftnl_rule *r;
	size_t i;
	int err;

	memset(lv, 0, sizeof(*lv));
	if (tb == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, FWC_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(
	    req, NFT_MSG_GETTABLE, FAMILY, NLM_F_ACK, seq++);
	nftnl_table_nlmsg_build_payload(nlh, tb);
	nftnl_table_free(tb);
	err = request(nl, nlh, table_cb, &lv->exists);
	if (err == ENOENT) {
		lv->exists = false;
		return FWC_NL_OK;
	}
	if (err != 0)
		return sys_error(dg, "cannot read table inet fwc", err);

	s = set_header("");
	nftnl_set_unset(s, NFTNL_SET_NAME);
	nlh = nftnl_nlmsg_build_hdr(
	    req, NFT_MSG_GETSET, FAMILY, NLM_F_DUMP | NLM_F_ACK, seq++);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	err = request(nl, nlh, set_cb, lv);
	if (err != 0)
		return sys_error(dg, "cannot read the sets", err);
	for (i = 0; i < lv->n_sets; i++) {
		nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSETELEM, FAMILY,
		    NLM_F_DUMP | NLM_F_ACK, seq++);
		nftnl_set_elems_nlmsg_build_payload(nlh, lv->sets[i]);
		err = request(nl, nlh, elem_cb, lv->sets[i]);
		if (err != 0)
			return sys_error(dg, "cannot read set elements", err);
	}

	c = nftnl_chain_alloc();
	if (c == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FWC_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(
	    req, NFT_MSG_GETCHAIN, FAMILY, NLM_F_DUMP | NLM_F_ACK, seq++);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	err = request(nl, nlh, chain_cb, lv);
	if (err != 0)
		return sys_error(dg, "cannot read the chains", err);

	r = nftnl_rule_alloc();
	if (r == NULL)
		FWC_BUG("out of memory in libnftnl");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FWC_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(
	    req, NFT_MSG_GETRULE, FAMILY, NLM_F_DUMP | NLM_F_ACK, seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	err = request(nl, nlh, rule_cb, lv);
	if (err != 0)
		return sys_error(dg, "cannot read the rules", err);
	return FWC_NL_OK;
}

struct elem_vec {
	struct elem *v; /* heap */
	size_t n;
	size_t cap;
	uint32_t len;
};

static int
elem_copy_cb(struct nftnl_set_elem *se, void *data)
{
	struct elem_vec *ev = data;
	uint32_t len = 0;
	const void *key = nftnl_set_elem_get(se, NFTNL_SET_ELEM_KEY, &len);

	if (key == NULL || len != ev->len)
		return 0;
	if (ev->n == ev->cap) {
		ev->cap = ev->cap ? 2 * ev->cap : 1024;
		ev->v = fwc_xrealloc(ev->v, ev->cap * sizeof(*ev->v));
	}
	memset(&ev->v[ev->n], 0, sizeof(ev->v[ev->n]));
	ev->v[ev->n].key = key_value(key, len);
	/* Verdict maps (dispatch trees) jump to chains: keep the target,
	 * borrowed from the live set, for the saved table. */
	if (nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_CHAIN))
		ev->v[ev->n].chain =
		    nftnl_set_elem_get_str(se, NFTNL_SET_ELEM_CHAIN);
	ev->v[ev->n].end = nftnl_set_elem_is_set(se, NFTNL_SET_ELEM_FLAGS) &&
			   (nftnl_set_elem_get_u32(se, NFTNL_SET_ELEM_FLAGS) &
			       NFT_SET_ELEM_INTERVAL_END);
	ev->n++;
	return 0;
}

static void
live_elems(struct nftnl_set *s, struct elem_vec *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	nftnl_set_elem_foreach(s, elem_copy_cb, ev);
}

static int
send_iov(struct iovec *iov, int n_iov, size_t bytes, struct fwc_diag *dg)
{
	struct mnl_socket *nl = NULL;
	struct answers an = { NULL, 0, false };
	uint32_t barrier = (uint32_t)time(NULL) ^ 0xa5a50000u;
	int rc;
	size_t i;

	rc = nl_open(&nl, bytes, dg);
	if (rc != FWC_NL_OK)
		return rc;
	rc = talk(nl, iov, n_iov, barrier, NULL, &an, dg);
	if (rc == FWC_NL_OK && (an.n > 0 || an.lost)) {
		for (i = 0; i < an.n; i++)
			fwc_error(dg, NULL,
			    "kernel refused the saved table: %s",
			    strerror(an.v[i].err));
		rc = FWC_NL_REFUSED;
	}
	free(an.v);
	mnl_socket_close(nl);
	return rc;
}

int
fwc_nl_save(char **buf, size_t *len, bool *existed, struct fwc_diag *dg)
{
	struct mnl_socket *nl = NULL;
	struct live lv;
	struct fwc_nlb w;
	struct batch bt;
	struct iovec *iov = NULL;
	int n_iov = 0;
	size_t bytes;
	size_t off = 0;
	size_t i;
	int rc;

	*buf = NULL;
	*len = 0;
	rc = nl_open(&nl, 0, dg);
	if (rc != FWC_NL_OK)
		return rc;
	rc = read_live(nl, &lv, dg);
	mnl_socket_close(nl);
	if (rc != FWC_NL_OK) {
		live_release(&lv);
		return rc;
	}
	*existed = lv.exists;
	fwc_nlb_init(&w, FWC_NLB_MEMORY);
	batch_init(&bt, &w, (uint32_t)time(NULL));
	batch_begin(&bt);
	replace_table_prologue(&bt);
	if (lv.exists) {
		table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		for (i = 0; i < lv.n_sets; i++) {
			struct nftnl_set *s = lv.sets[i];
			struct nlmsghdr *nlh;

			/* The set message without its elements, which
			 * follow, after the chains that verdict maps jump
			 * to, in messages of bounded size. */
			nftnl_set_unset(s, NFTNL_SET_HANDLE);
			nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)i + 1);
			nlh = msg(&bt, NFT_MSG_NEWSET, NLM_F_CREATE, OBJ_SET,
			    NULL, NULL);
			nftnl_set_nlmsg_build_payload(nlh, s);
			next(&bt);
		}
		for (i = 0; i < lv.n_chains; i++) {
			struct nftnl_chain *c = lv.chains[i];
			struct nlmsghdr *nlh;

			nftnl_chain_unset(c, NFTNL_CHAIN_HANDLE);
			nftnl_chain_unset(c, NFTNL_CHAIN_USE);
			nftnl_chain_unset(c, NFTNL_CHAIN_FLAGS);
			nftnl_chain_unset(c, NFTNL_CHAIN_BYTES);
			nftnl_chain_unset(c, NFTNL_CHAIN_PACKETS);
			nlh = msg(&bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
			    OBJ_CHAIN, NULL, NULL);
			nftnl_chain_nlmsg_build_payload(nlh, c);
			next(&bt);
		}
		for (i = 0; i < lv.n_sets; i++) {
			struct nftnl_set *s = lv.sets[i];
			struct elem_vec ev;

			struct elem_src src;

			live_elems(s, &ev);
			src_of_array(&src, ev.v, ev.n);
			add_elems(&bt, nftnl_set_get_str(s, NFTNL_SET_NAME),
			    (uint32_t)i + 1, ev.len, &src, OBJ_ELEMS, NULL);
			free(ev.v);
		}
		for (i = 0; i < lv.n_rules; i++) {
			struct nftnl_rule *r = lv.rules[i];
			struct nlmsghdr *nlh;

			nftnl_rule_unset(r, NFTNL_RULE_HANDLE);
			nftnl_rule_unset(r, NFTNL_RULE_POSITION);
			nlh = msg(&bt, NFT_MSG_NEWRULE,
			    NLM_F_APPEND | NLM_F_CREATE, OBJ_RULE, NULL, NULL);
			nftnl_rule_nlmsg_build_payload(nlh, r);
			next(&bt);
		}
	}
	batch_end(&bt);
	fwc_nlb_finish(&w);
	bytes = fwc_nlb_iov(&w, &iov, &n_iov);
	*buf = fwc_xmalloc(bytes ? bytes : 1);
	for (i = 0; i < (size_t)n_iov; i++) {
		memcpy(*buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	*len = bytes;
	free(iov);
	batch_release(&bt);
	fwc_nlb_release(&w);
	live_release(&lv);
	return FWC_NL_OK;
}

int
fwc_nl_send_saved(const char *buf, size_t len, struct fwc_diag *dg)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
		.iov_len = len };

	return send_iov(&iov, 1, len, dg);
}

/* ---- drift ---- */

/* The comparable text of a rule: its expressions as libnftnl prints
 * them, counters without their values, then its comment. */
static char *
rule_key(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	struct fwc_strbuf sb;
	char buf[1024];
	uint32_t len = 0;
	const void *ud;
	char *key;

	if (it == NULL)
		FWC_BUG("out of memory in libnftnl");
	fwc_strbuf_init(&sb);
	while ((e = nftnl_expr_iter_next(it)) != NULL) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		fwc_strbuf_addf(&sb, "[ %s ", name ? name : "?");
		if (name != NULL && strcmp(name, "lookup") == 0) {
			/* The set's name is what matters, not the attributes
			 * the kernel adds (flags 0) or leaves out (set id). */
			fwc_strbuf_addf(&sb, "reg %u set %s ",
			    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG),
			    nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));
		} else if (name != NULL && strcmp(name, "log") == 0) {
			/* The kernel reports the default level it filled
			 * in; the prefix is what the policy decides. */
			const char *pf =
			    nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX);

			fwc_strbuf_addf(&sb, "prefix \"%s\" ", pf ? pf : "");
		} else if (name == NULL || strcmp(name, "counter") != 0) {
			nftnl_expr_snprintf(
			    buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
			fwc_strbuf_adds(&sb, buf);
		}
		fwc_strbuf_adds(&sb, "] ");
	}
	nftnl_expr_iter_destroy(it);
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (ud != NULL && len > 2 &&
	    ((const uint8_t *)ud)[0] == NFTNL_UDATA_RULE_COMMENT) {
		uint32_t n = ((const uint8_t *)ud)[1];

		if (n + 2 <= len)
			fwc_strbuf_addf(&sb, "comment \"%.*s\"", (int)n,
			    (const char *)ud + 2);
	}
	key = fwc_strbuf_detach(&sb, NULL);
	fwc_strbuf_release(&sb);
	return key;
}

struct keyed {
	char *key;  /* heap */
	size_t idx; /* position in its chain */
	bool matched;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a;
	const struct keyed *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
idx_cmp(const void *a, const void *b)
{
	const struct keyed *x = a;
	const struct keyed *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Matches equal keys of e and l (both sorted by key); returns the
 * number of unmatched entries on both sides. */
static size_t
match_keys(struct keyed *e, size_t ne, struct keyed *l, size_t nl)
{
	size_t i = 0;
	size_t k = 0;
	size_t odd = 0;

	while (i < ne && k < nl) {
		int c = strcmp(e[i].key, l[k].key);

		if (c == 0) {
			e[i++].matched = true;
			l[k++].matched = true;
		} else if (c < 0) {
			i++;
			odd++;
		} else {
			k++;
			odd++;
		}
	}
	return odd + (ne - i) + (nl - k);
}

static bool
chain_drift(const struct fwc_nft_table *t, const struct fwc_nft_chain *c,
    struct live *lv, struct fwc_strbuf *rep, struct fwc_diag *dg)
{
	struct keyed *e = fwc_xcalloc(c->n_rules + 1, sizeof(*e));
	struct keyed *l = fwc_xcalloc(lv->n_rules + 1, sizeof(*l));
	size_t ne = 0;
	size_t nl = 0;
	size_t i;
	bool drift = false;

	for (i = 0; i < c->n_rules; i++) {
		struct nftnl_rule *r =
		    build_rule(t, c, &c->rules[i], false, dg);

		e[ne].key = r ? rule_key(r) : fwc_xstrdup("?");
		e[ne].idx = i;
		ne++;
		nftnl_rule_free(r);
	}
	for (i = 0; i < lv->n_rules; i++) {
		const char *ch =
		    nftnl_rule_get_str(lv->rules[i], NFTNL_RULE_CHAIN);

		if (ch == NULL || strcmp(ch, c->name) != 0)
			continue;
		l[nl].key = rule_key(lv->rules[i]);
		l[nl].idx = nl;
		nl++;
	}
	qsort(e, ne, sizeof(*e), keyed_cmp);
	qsort(l, nl, sizeof(*l), keyed_cmp);
	if (match_keys(e, ne, l, nl) > 0)
		drift = true;
	qsort(e, ne, sizeof(*e), idx_cmp);
	for (i = 0; i < ne; i++) {
		if (e[i].matched)
			continue;
		fwc_strbuf_addf(rep, "missing rule in chain %s: ", c->name);
		fwc_nft_format_rule(rep, &c->rules[e[i].idx]);
		fwc_strbuf_addc(rep, '\n');
	}
	for (i = 0; i < nl; i++)
		if (!l[i].matched)
			fwc_strbuf_addf(rep, "extra rule in chain %s: %s\n",
			    c->name, l[i].key);
	if (!drift && ne == nl) {
		/* Same rules: the order must be the same too. */
		qsort(l, nl, sizeof(*l), idx_cmp);
		for (i = 0; i < ne; i++) {
			if (strcmp(e[i].key, l[i].key) != 0) {
				fwc_strbuf_addf(rep,
				    "changed chain %s: rule %zu is out of "
				    "order\n",
				    c->name, i + 1);
				drift = true;
				break;
			}
		}
	}
	for (i = 0; i < ne; i++)
		free(e[i].key);
	for (i = 0; i < nl; i++)
		free(l[i].key);
	free(e);
	free(l);
	return drift;
}

static void
format_ivl(
    struct fwc_strbuf *sb, enum fwc_nft_key key, const struct fwc_ivl *iv)
{
	if (key == FWC_NFT_KEY_IPV4 || key == FWC_NFT_KEY_IPV6) {
		fwc_ivl_format(sb,
		    key == FWC_NFT_KEY_IPV4 ? FWC_FAM_IP4 : FWC_FAM_IP6, iv);
		return;
	}
	fwc_strbuf_addf(sb, "%llu", (unsigned long long)iv->lo.lo);
	if (iv->hi.lo != iv->lo.lo)
		fwc_strbuf_addf(sb, "-%llu", (unsigned long long)iv->hi.lo);
}

static int
elem_key_cmp(const void *a, const void *b)
{
	const struct elem *x = a;
	const struct elem *y = b;
	int c = fwc_u128_cmp(x->key, y->key);

	if (c != 0)
		return c;
	return (int)y->end - (int)x->end; /* an end before a start */
}

static struct fwc_u128
u128_dec(struct fwc_u128 v)
{
	if (v.lo == 0)
		v.hi--;
	v.lo--;
	return v;
}

/* The intervals of a live set's elements (heap). */
static struct fwc_ivl *
live_ivls(struct nftnl_set *s, size_t *n)
{
	struct elem_vec ev;
	struct fwc_ivl *v;
	bool interval =
	    nftnl_set_is_set(s, NFTNL_SET_FLAGS) &&
	    (nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_INTERVAL);
	bool open = false;
	size_t k = 0;
	size_t i;

	live_elems(s, &ev);
	if (ev.n > 0)
		qsort(ev.v, ev.n, sizeof(*ev.v), elem_key_cmp);
	v = fwc_xcalloc(ev.n + 1, sizeof(*v));
	for (i = 0; i < ev.n; i++) {
		if (!interval) {
			v[k].lo = v[k].hi = ev.v[i].key;
			k++;
		} else if (ev.v[i].end) {
			if (open)
				v[k++].hi = u128_dec(ev.v[i].key);
			open = false;
		} else {
			if (open)
				v[k++].hi = u128_dec(ev.v[i].key);
			v[k].lo = ev.v[i].key;
			open = true;
		}
	}
	if (open)
		v[k++].hi = key_max(ev.len);
	free(ev.v);
	*n = k;
	return v;
}

static bool
set_drift(
    const struct fwc_nft_set *s, struct nftnl_set *ls, struct fwc_strbuf *rep)
{
	size_t ne;
	size_t nl;
	struct fwc_ivl *e = set_ivls(s, &ne);
	struct fwc_ivl *l = live_ivls(ls, &nl);
	size_t i = 0;
	size_t k = 0;
	bool drift = false;

	/* Compare contents: single elements of a set without intervals
	 * merge into ranges on both sides alike. */
	ne = normalise(e, ne);
	nl = normalise(l, nl);

	while (i < ne || k < nl) {
		int c = i == ne ? 1 : k == nl ? -1 : ivl_cmp(&e[i], &l[k]);

		if (c == 0) {
			i++;
			k++;
			continue;
		}
		drift = true;
		fwc_strbuf_addf(rep,
		    "%s element in set %s: ", c < 0 ? "missing" : "extra",
		    s->name);
		format_ivl(rep, s->key, c < 0 ? &e[i++] : &l[k++]);
		fwc_strbuf_addc(rep, '\n');
	}
	free(e);
	free(l);
	return drift;
}

static int
live_set_cmp(const void *a, const void *b)
{
	return strcmp(
	    nftnl_set_get_str(*(struct nftnl_set *const *)a, NFTNL_SET_NAME),
	    nftnl_set_get_str(*(struct nftnl_set *const *)b, NFTNL_SET_NAME));
}

static int
model_set_cmp(const void *a, const void *b)
{
	return strcmp((*(struct fwc_nft_set *const *)a)->name,
	    (*(struct fwc_nft_set *const *)b)->name);
}

int
fwc_nl_status(const struct fwc_nft_table *t, struct fwc_strbuf *report,
    struct fwc_diag *dg)
{
	struct mnl_socket *nl = NULL;
	struct live lv;
	struct fwc_nft_set **want = NULL;
	bool drift = false;
	size_t i;
	size_t k;
	int rc;

	rc = nl_open(&nl, 0, dg);
	if (rc != FWC_NL_OK)
		return rc;
	rc = read_live(nl, &lv, dg);
	mnl_socket_close(nl);
	if (rc != FWC_NL_OK)
		goto out;
	if (!lv.exists) {
		fwc_strbuf_adds(report, "missing table inet fwc\n");
		drift = true;
		goto out;
	}
	/* Both sides sorted by name, then merged: large tables have tens
	 * of thousands of sets. */
	if (lv.n_sets > 0)
		qsort(lv.sets, lv.n_sets, sizeof(*lv.sets), live_set_cmp);
	want = fwc_xcalloc(t->n_sets + 1, sizeof(*want));
	if (t->n_sets > 0) {
		memcpy(want, t->sets, t->n_sets * sizeof(*want));
		qsort(want, t->n_sets, sizeof(*want), model_set_cmp);
	}
	i = 0;
	k = 0;
	while (i < t->n_sets || k < lv.n_sets) {
		int c =
		    i == t->n_sets ? 1
		    : k == lv.n_sets
			? -1
			: strcmp(want[i]->name,
			      nftnl_set_get_str(lv.sets[k], NFTNL_SET_NAME));

		if (c == 0) {
			drift |= set_drift(want[i], lv.sets[k], report);
			i++;
			k++;
		} else if (c < 0) {
			fwc_strbuf_addf(
			    report, "missing set %s\n", want[i++]->name);
			drift = true;
		} else {
			fwc_strbuf_addf(report, "extra set %s\n",
			    nftnl_set_get_str(lv.sets[k++], NFTNL_SET_NAME));
			drift = true;
		}
	}
	free(want);
	for (i = 0; i < t->n_chains + t->n_dchains; i++) {
		const struct fwc_nft_chain *c =
		    i < t->n_chains ? &t->chains[i]
				    : &t->dchains[i - t->n_chains];
		struct nftnl_chain *lc = NULL;

		for (k = 0; k < lv.n_chains && lc == NULL; k++)
			if (strcmp(nftnl_chain_get_str(
				       lv.chains[k], NFTNL_CHAIN_NAME),
				c->name) == 0)
				lc = lv.chains[k];
		if (lc == NULL) {
			fwc_strbuf_addf(report, "missing chain %s\n", c->name);
			drift = true;
			continue;
		}
		if (!c->regular &&
		    nftnl_chain_get_u32(lc, NFTNL_CHAIN_POLICY) !=
			(c->policy_accept ? NF_ACCEPT : NF_DROP)) {
			fwc_strbuf_addf(report,
			    "changed chain %s: policy is not %s\n", c->name,
			    c->policy_accept ? "accept" : "drop");
			drift = true;
		}
		drift |= chain_drift(t, c, &lv, report, dg);
	}
	for (k = 0; k < lv.n_chains; k++) {
		const char *name =
		    nftnl_chain_get_str(lv.chains[k], NFTNL_CHAIN_NAME);
		bool known = false;

		for (i = 0; i < t->n_chains && !known; i++)
			known = strcmp(t->chains[i].name, name) == 0;
		for (i = 0; i < t->n_dchains && !known; i++)
			known = strcmp(t->dchains[i].name, name) == 0;
		if (!known) {
			fwc_strbuf_addf(report, "extra chain %s\n", name);
			drift = true;
		}
	}
out:
	live_release(&lv);
	if (rc != FWC_NL_OK)
		return rc;
	return drift ? FWC_NL_REFUSED : FWC_NL_OK;
}
