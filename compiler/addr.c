/* Interval sets over IPv4/IPv6 addresses and ports: parsing, normalising,
 * union, intersection, difference and text. Everything here is exact;
 * the placement and analysis stages build on it. */
#include "fwc/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fwc/arena.h"
#include "fwc/strbuf.h"

const struct fwc_addrset fwc_addrset_empty;

static const struct fwc_u128 max4 = { 0, 0xffffffffu };
static const struct fwc_u128 max6 = { UINT64_MAX, UINT64_MAX };

static struct fwc_u128
fam_max(enum fwc_family f)
{
	return f == FWC_FAM_IP4 ? max4 : max6;
}

/* Parts of a union sorted to see whether they lie end to end, at most. */
#define PARTS_SORT_MAX 64
/* Arrays that moved give their pages back from this size on, this much
 * at a time. */
#define RELEASE_MIN  ((size_t)64 << 10)
#define RELEASE_STEP ((size_t)256 << 10)

int
fwc_u128_cmp(struct fwc_u128 a, struct fwc_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static bool
u128_eq(struct fwc_u128 a, struct fwc_u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

static struct fwc_u128
u128_inc(struct fwc_u128 a)
{
	a.lo++;
	if (a.lo == 0)
		a.hi++;
	return a;
}

static struct fwc_u128
u128_dec(struct fwc_u128 a)
{
	if (a.lo == 0)
		a.hi--;
	a.lo--;
	return a;
}

/* All-ones in the low (128 - len) bits, for family width w. */
static struct fwc_u128
host_mask(unsigned int w, unsigned int len)
{
	unsigned int bits = w - len;
	struct fwc_u128 m = { 0, 0 };

	if (bits >= 128) {
		m.hi = UINT64_MAX;
		m.lo = UINT64_MAX;
	} else if (bits >= 64) {
		m.lo = UINT64_MAX;
		m.hi = bits == 64 ? 0 : (UINT64_MAX >> (128 - bits));
	} else if (bits > 0) {
		m.lo = UINT64_MAX >> (64 - bits);
	}
	return m;
}

static struct fwc_u128
u128_or(struct fwc_u128 a, struct fwc_u128 b)
{
	a.hi |= b.hi;
	a.lo |= b.lo;
	return a;
}

static bool
u128_and_nonzero(struct fwc_u128 a, struct fwc_u128 b)
{
	return (a.hi & b.hi) || (a.lo & b.lo);
}

/* Parsing. */

int
fwc_addr_parse(
    const char *s, enum fwc_family *fam, struct fwc_u128 *out, const char **why)
{
	unsigned char b[16];
	int i;

	if (strchr(s, ':') == NULL) {
		if (inet_pton(AF_INET, s, b) != 1) {
			*why = "not an IPv4 or IPv6 address";
			return -1;
		}
		*fam = FWC_FAM_IP4;
		out->hi = 0;
		out->lo = ((uint64_t)b[0] << 24) | ((uint64_t)b[1] << 16) |
			  ((uint64_t)b[2] << 8) | b[3];
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) != 1) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	*fam = FWC_FAM_IP6;
	out->hi = 0;
	out->lo = 0;
	for (i = 0; i < 8; i++)
		out->hi = (out->hi << 8) | b[i];
	for (i = 8; i < 16; i++)
		out->lo = (out->lo << 8) | b[i];
	return 0;
}

static int
parse_len(const char *s, unsigned int max, unsigned int *len)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max || end - s > 3)
		return -1;
	*len = (unsigned int)v;
	return 0;
}

int
fwc_cidr_parse(
    const char *s, enum fwc_family *fam, struct fwc_ivl *out, const char **why)
{
	const char *slash = strchr(s, '/');
	char buf[64];
	unsigned int len;
	unsigned int w;
	struct fwc_u128 m;

	if (slash == NULL) {
		*why = "missing '/length'";
		return -1;
	}
	if ((size_t)(slash - s) >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (fwc_addr_parse(buf, fam, &out->lo, why) < 0)
		return -1;
	w = *fam == FWC_FAM_IP4 ? 32 : 128;
	if (parse_len(slash + 1, w, &len) < 0) {
		*why = *fam == FWC_FAM_IP4 ? "prefix length is not 0..32"
					   : "prefix length is not 0..128";
		return -1;
	}
	m = host_mask(w, len);
	if (u128_and_nonzero(out->lo, m)) {
		*why = "host bits set";
		return -1;
	}
	out->hi = u128_or(out->lo, m);
	return 0;
}

int
fwc_range_parse(
    const char *s, enum fwc_family *fam, struct fwc_ivl *out, const char **why)
{
	const char *dash = strchr(s, '-');
	char buf[64];
	enum fwc_family f2;

	if (dash == NULL) {
		*why = "expected 'first-last'";
		return -1;
	}
	if ((size_t)(dash - s) >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (fwc_addr_parse(buf, fam, &out->lo, why) < 0 ||
	    fwc_addr_parse(dash + 1, &f2, &out->hi, why) < 0)
		return -1;
	if (f2 != *fam) {
		*why = "the two ends are of different address families";
		return -1;
	}
	if (fwc_u128_cmp(out->lo, out->hi) > 0) {
		*why = "first address is greater than last";
		return -1;
	}
	return 0;
}

int
fwc_prefix_parse(const char *s, struct fwc_ivl *out, const char **why)
{
	enum fwc_family fam;
	char buf[64];
	int groups = 1;
	const char *p;

	if (strchr(s, '/') != NULL) {
		if (fwc_cidr_parse(s, &fam, out, why) < 0)
			return -1;
		if (fam != FWC_FAM_IP6) {
			*why = "not an IPv6 prefix";
			return -1;
		}
		return 0;
	}
	/* ConfigMgr form: up to four hexadecimal groups, a /64. */
	for (p = s; *p; p++) {
		if (*p == ':')
			groups++;
		else if (!isxdigit((unsigned char)*p)) {
			*why = "not an IPv6 prefix";
			return -1;
		}
	}
	if (groups != 4 || strstr(s, "::") != NULL || *s == ':' ||
	    s[strlen(s) - 1] == ':' || strlen(s) > 19) {
		*why = "not an IPv6 prefix (expected CIDR or four groups)";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s::/64", s);
	return fwc_cidr_parse(buf, &fam, out, why);
}

static int
parse_u16(const char *s, const char *end, unsigned long *v)
{
	char *e;

	if (s == end || !isdigit((unsigned char)*s) || end - s > 5)
		return -1;
	*v = strtoul(s, &e, 10);
	if (e != end || *v > 65535)
		return -1;
	return 0;
}

int
fwc_port_parse(
    const char *s, bool allow_zero, struct fwc_pivl *out, const char **why)
{
	const char *dash = strchr(s, '-');
	const char *end = s + strlen(s);
	unsigned long lo;
	unsigned long hi;

	if (parse_u16(s, dash ? dash : end, &lo) < 0 ||
	    (dash && parse_u16(dash + 1, end, &hi) < 0)) {
		*why = "expected a port 1..65535 or a range 'first-last'";
		return -1;
	}
	if (!dash)
		hi = lo;
	if ((lo == 0 && !allow_zero) || hi == 0) {
		*why = "port 0 is not a valid port";
		return -1;
	}
	if (lo > hi) {
		*why = "first port is greater than last";
		return -1;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

/* Normalisation. */

static int
ivl_cmp(const void *a, const void *b)
{
	const struct fwc_ivl *x = a;
	const struct fwc_ivl *y = b;
	int c = fwc_u128_cmp(x->lo, y->lo);

	return c ? c : fwc_u128_cmp(x->hi, y->hi);
}

/* Merges the sorted v in place (overlapping or adjacent intervals);
 * returns the new count. */
static size_t
merge_sorted(struct fwc_ivl *v, size_t n, enum fwc_family f)
{
	size_t i;
	size_t o = 0;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++) {
		struct fwc_u128 next = v[o].hi;
		bool adjacent = !u128_eq(next, fam_max(f)) &&
				fwc_u128_cmp(v[i].lo, u128_inc(next)) <= 0;

		if (u128_eq(next, fam_max(f)) || adjacent) {
			if (fwc_u128_cmp(v[i].hi, v[o].hi) > 0)
				v[o].hi = v[i].hi;
		} else {
			v[++o] = v[i];
		}
	}
	return o + 1;
}

/* Sorts and merges v in place (overlapping or adjacent); returns the new
 * count. Lists as written are mostly in order already: qsort() of a
 * million intervals copied each one through a temporary array of 32 MB
 * that had to be faulted in first. */
static size_t
normalise(struct fwc_ivl *v, size_t n, enum fwc_family f)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (ivl_cmp(&v[i - 1], &v[i]) > 0)
			break;
	if (i < n)
		qsort(v, n, sizeof(*v), ivl_cmp);
	return merge_sorted(v, n, f);
}

static bool
sorted_disjoint(const struct fwc_ivl *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (fwc_u128_cmp(v[i - 1].hi, v[i].lo) >= 0 ||
		    u128_eq(u128_inc(v[i - 1].hi), v[i].lo))
			return false;
	return true;
}

struct fwc_addrset *
fwc_addrset_from(struct fwc_arena *a, const struct fwc_ivl *v4, size_t n4,
    const struct fwc_ivl *v6, size_t n6)
{
	struct fwc_addrset *s = fwc_arena_alloc(a, sizeof(*s));
	const struct fwc_ivl *in[FWC_FAM_NR] = { v4, v6 };
	size_t nin[FWC_FAM_NR] = { n4, n6 };
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		struct fwc_ivl *v;

		if (nin[f] == 0)
			continue;
		v = fwc_arena_alloc(a, nin[f] * sizeof(*v));
		memcpy(v, in[f], nin[f] * sizeof(*v));
		if (sorted_disjoint(v, nin[f]))
			s->n[f] = nin[f];
		else
			s->n[f] = normalise(v, nin[f], (enum fwc_family)f);
		s->v[f] = v;
	}
	return s;
}

struct fwc_addrset *
fwc_addrset_own(struct fwc_arena *a, struct fwc_ivl *v4, size_t n4,
    struct fwc_ivl *v6, size_t n6)
{
	struct fwc_addrset *s = fwc_arena_alloc(a, sizeof(*s));
	struct fwc_ivl *in[FWC_FAM_NR] = { v4, v6 };
	size_t nin[FWC_FAM_NR] = { n4, n6 };

	for (int f = 0; f < FWC_FAM_NR; f++) {
		if (nin[f] == 0)
			continue;
		s->n[f] = sorted_disjoint(in[f], nin[f])
			      ? nin[f]
			      : normalise(in[f], nin[f], (enum fwc_family)f);
		s->v[f] = in[f];
	}
	return s;
}

const struct fwc_addrset *
fwc_addrset_all(void)
{
	static const struct fwc_ivl all4 = { { 0, 0 }, { 0, 0xffffffffu } };
	static const struct fwc_ivl all6 = { { 0, 0 },
		{ UINT64_MAX, UINT64_MAX } };
	static const struct fwc_addrset all = { { &all4, &all6 }, { 1, 1 } };

	return &all;
}

struct fwc_addrset *
fwc_addrset_union(struct fwc_arena *a, const struct fwc_addrset *x,
    const struct fwc_addrset *y)
{
	struct fwc_addrset *s = fwc_arena_alloc(a, sizeof(*s));
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		size_t n = x->n[f] + y->n[f];
		struct fwc_ivl *v;
		size_t i = 0;
		size_t j = 0;
		size_t k = 0;

		if (n == 0)
			continue;
		if (y->n[f] == 0) {
			s->v[f] = x->v[f];
			s->n[f] = x->n[f];
			continue;
		}
		if (x->n[f] == 0) {
			s->v[f] = y->v[f];
			s->n[f] = y->n[f];
			continue;
		}
		v = fwc_arena_alloc(a, n * sizeof(*v));
		/* Merge of two sorted lists, then a linear merge pass. */
		while (i < x->n[f] || j < y->n[f]) {
			if (j == y->n[f] ||
			    (i < x->n[f] &&
				ivl_cmp(&x->v[f][i], &y->v[f][j]) <= 0))
				v[k++] = x->v[f][i++];
			else
				v[k++] = y->v[f][j++];
		}
		s->n[f] = merge_sorted(v, k, (enum fwc_family)f);
		s->v[f] = v;
	}
	return s;
}

/* One family's intervals of one set to unite. */
struct part {
	const struct fwc_addrset *s;
	const struct fwc_ivl *v;
	size_t n;
};

static int
part_cmp(const void *a, const void *b)
{
	const struct part *x = a;
	const struct part *y = b;

	return fwc_u128_cmp(x->v[0].lo, y->v[0].lo);
}

/* True when x's intervals of family f end before y's begin, with a gap
 * (normalising would join x's last interval to y's first otherwise). */
static bool
ends_before(const struct part *x, const struct part *y)
{
	struct fwc_u128 end = x->v[x->n - 1].hi;

	return fwc_u128_cmp(end, y->v[0].lo) < 0 &&
	       !u128_eq(u128_inc(end), y->v[0].lo);
}

/* Sorts the k parts by their first address and tells whether they then lie
 * end to end: their union is then their concatenation. */
static bool
sort_parts(struct part *pt, size_t k)
{
	qsort(pt, k, sizeof(*pt), part_cmp);
	for (size_t i = 1; i < k; i++)
		if (!ends_before(&pt[i - 1], &pt[i]))
			return false;
	return true;
}

/* Gives the whole pages within [lo, hi) back to the system, which reads
 * them as zeros afterwards; returns where the next range may start (the
 * page that hi falls in). Where madvise() is not declared, nothing (only
 * the peak is larger). */
static uintptr_t
release_range(uintptr_t lo, uintptr_t hi)
{
#ifdef MADV_DONTNEED
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t mask = ps > 0 ? (uintptr_t)ps - 1 : 0;

	if (ps <= 0)
		return hi;
	lo = (lo + mask) & ~mask;
	if ((hi & ~mask) > lo)
		(void)madvise((void *)lo, (hi & ~mask) - lo, MADV_DONTNEED);
	return hi & ~mask;
#else
	(void)lo;
	return hi;
#endif
}

/* Copies n intervals from src to dst. With give_back (nothing reads src
 * any longer: it moved), src goes back to the system a step at a time as
 * the copy goes, so that moving a large array costs one step of memory,
 * not the array. */
static void
copy_giving_back(
    struct fwc_ivl *dst, const struct fwc_ivl *src, size_t n, bool give_back)
{
	size_t step = give_back ? RELEASE_STEP / sizeof(*src) : n;
	uintptr_t from = (uintptr_t)src;

	for (size_t i = 0; i < n; i += step) {
		size_t m = n - i < step ? n - i : step;

		memcpy(dst + i, src + i, m * sizeof(*src));
		if (give_back)
			from = release_range(from, (uintptr_t)(src + i + m));
	}
}

/* How the sets of a union move into it: whether they do, and the
 * caller's word on whether a set's old array may go. */
struct mover {
	bool move;
	fwc_addrset_alone_fn alone;
	void *ctx;
};

/* The union of the parts pt[0..k), which lie end to end, into s. */
static void
concat_parts(struct fwc_arena *a, struct fwc_addrset *s, enum fwc_family f,
    const struct part *pt, size_t k, size_t total, const struct mover *mv)
{
	struct fwc_ivl *v;
	size_t o = 0;
	bool joined = true;

	/* One after the other in memory too (sets that moved into one
	 * union before): the union is that memory. */
	for (size_t i = 1; i < k && joined; i++)
		joined = pt[i - 1].v + pt[i - 1].n == pt[i].v;
	if (joined) {
		s->v[f] = pt[0].v;
		s->n[f] = total;
		return;
	}
	v = fwc_arena_alloc(a, total * sizeof(*v));
	for (size_t i = 0; i < k; i++) {
		/* A set is the same wherever its intervals are; its old
		 * array stays valid for any other set that shares it, unless
		 * the caller knows there is none. */
		bool give_back =
		    mv->move && pt[i].n * sizeof(*v) >= RELEASE_MIN &&
		    mv->alone != NULL && mv->alone(mv->ctx, pt[i].s, f);

		copy_giving_back(v + o, pt[i].v, pt[i].n, give_back);
		if (mv->move)
			((struct fwc_addrset *)pt[i].s)->v[f] = v + o;
		o += pt[i].n;
	}
	s->v[f] = v;
	s->n[f] = total;
}

/* The union of one family of the sets into s: shared when one set has
 * intervals of f, a concatenation (or the very memory) when they lie end
 * to end, as given or once sorted (a few sets only: many out of order
 * go the general way, no slower than before), else sorted and merged. */
static void
union_fam(struct fwc_arena *a, struct fwc_addrset *s,
    const struct fwc_addrset *const *sets, size_t n, enum fwc_family f,
    const struct mover *mv)
{
	struct part few[PARTS_SORT_MAX];
	struct part *pt = few;
	struct part last = { NULL, NULL, 0 };
	size_t total = 0;
	size_t k = 0;
	bool in_order = true;
	struct fwc_ivl *v;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		struct part cur = { sets[i], sets[i]->v[f], sets[i]->n[f] };

		if (cur.n == 0)
			continue;
		if (k > 0 && in_order && !ends_before(&last, &cur))
			in_order = false;
		if (k < PARTS_SORT_MAX)
			few[k] = cur;
		last = cur;
		total += cur.n;
		k++;
	}
	if (k == 0)
		return;
	if (k == 1) {
		s->v[f] = last.v;
		s->n[f] = last.n;
		return;
	}
	if (in_order || (k <= PARTS_SORT_MAX && sort_parts(few, k))) {
		if (k > PARTS_SORT_MAX) {
			pt = fwc_xmalloc(k * sizeof(*pt));
			k = 0;
			for (size_t i = 0; i < n; i++)
				if (sets[i]->n[f] != 0) {
					pt[k].s = sets[i];
					pt[k].v = sets[i]->v[f];
					pt[k].n = sets[i]->n[f];
					k++;
				}
		}
		concat_parts(a, s, f, pt, k, total, mv);
		if (pt != few)
			free(pt);
		return;
	}
	v = fwc_arena_alloc(a, total * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		if (sets[i]->n[f] == 0)
			continue;
		memcpy(v + o, sets[i]->v[f], sets[i]->n[f] * sizeof(*v));
		o += sets[i]->n[f];
	}
	s->n[f] = normalise(v, o, f);
	s->v[f] = v;
}

static struct fwc_addrset *
union_sets(struct fwc_arena *a, const struct fwc_addrset *const *sets, size_t n,
    const struct mover *mv)
{
	struct fwc_addrset *s = fwc_arena_alloc(a, sizeof(*s));

	for (int f = 0; f < FWC_FAM_NR; f++)
		union_fam(a, s, sets, n, (enum fwc_family)f, mv);
	return s;
}

struct fwc_addrset *
fwc_addrset_union_n(
    struct fwc_arena *a, const struct fwc_addrset *const *sets, size_t n)
{
	static const struct mover stay = { false, NULL, NULL };

	return union_sets(a, sets, n, &stay);
}

struct fwc_addrset *
fwc_addrset_union_n_move(struct fwc_arena *a,
    const struct fwc_addrset *const *sets, size_t n, fwc_addrset_alone_fn alone,
    void *ctx)
{
	struct mover mv = { true, alone, ctx };

	return union_sets(a, sets, n, &mv);
}

/* The first index of the sorted, disjoint v[0..n) whose interval ends at
 * or after x: binary search, so that a small set meets a large one in
 * time logarithmic in the large one. */
static size_t
first_ending_from(const struct fwc_ivl *v, size_t n, struct fwc_u128 x)
{
	size_t lo = 0;
	size_t hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fwc_u128_cmp(v[mid].hi, x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Intersection of two sorted, disjoint lists, driven by the shorter (xv)
 * and searching the longer: writes into v when it is not NULL and returns
 * the number of intervals either way, so that callers can size exactly. */
static size_t
inter_ivls(const struct fwc_ivl *xv, size_t nx, const struct fwc_ivl *yv,
    size_t ny, struct fwc_ivl *v)
{
	size_t k = 0;
	size_t j = 0;

	for (size_t i = 0; i < nx && j < ny; i++) {
		j += first_ending_from(yv + j, ny - j, xv[i].lo);
		for (size_t m = j;
		     m < ny && fwc_u128_cmp(yv[m].lo, xv[i].hi) <= 0; m++) {
			if (v != NULL) {
				v[k].lo = fwc_u128_cmp(xv[i].lo, yv[m].lo) > 0
					      ? xv[i].lo
					      : yv[m].lo;
				v[k].hi = fwc_u128_cmp(xv[i].hi, yv[m].hi) < 0
					      ? xv[i].hi
					      : yv[m].hi;
			}
			k++;
		}
	}
	return k;
}

struct fwc_addrset *
fwc_addrset_inter(struct fwc_arena *a, const struct fwc_addrset *x,
    const struct fwc_addrset *y)
{
	struct fwc_addrset *s = fwc_arena_alloc(a, sizeof(*s));
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		const struct fwc_ivl *xv = x->v[f];
		const struct fwc_ivl *yv = y->v[f];
		size_t nx = x->n[f];
		size_t ny = y->n[f];
		struct fwc_ivl *v;
		size_t k;

		if (nx == 0 || ny == 0)
			continue;
		if (fwc_u128_cmp(xv[nx - 1].hi, yv[0].lo) < 0 ||
		    fwc_u128_cmp(yv[ny - 1].hi, xv[0].lo) < 0)
			continue; /* disjoint spans: nothing to allocate */
		if (nx > ny) {
			const struct fwc_ivl *tv = xv;
			size_t tn = nx;

			xv = yv;
			nx = ny;
			yv = tv;
			ny = tn;
		}
		k = inter_ivls(xv, nx, yv, ny, NULL);
		if (k == 0)
			continue;
		v = fwc_arena_alloc(a, k * sizeof(*v));
		inter_ivls(xv, nx, yv, ny, v);
		s->v[f] = v;
		s->n[f] = k;
	}
	return s;
}

/* x minus y for sorted, disjoint lists: like inter_ivls, counts when v is
 * NULL and writes otherwise. */
static size_t
minus_ivls(const struct fwc_ivl *xv, size_t nx, const struct fwc_ivl *yv,
    size_t ny, struct fwc_ivl *v)
{
	size_t k = 0;
	size_t j = 0;

	for (size_t i = 0; i < nx; i++) {
		struct fwc_u128 lo = xv[i].lo;
		struct fwc_u128 hi = xv[i].hi;
		bool live = true;

		j += first_ending_from(yv + j, ny - j, lo);
		for (size_t m = j;
		     m < ny && live && fwc_u128_cmp(yv[m].lo, hi) <= 0; m++) {
			if (fwc_u128_cmp(yv[m].lo, lo) > 0) {
				if (v != NULL) {
					v[k].lo = lo;
					v[k].hi = u128_dec(yv[m].lo);
				}
				k++;
			}
			if (fwc_u128_cmp(yv[m].hi, hi) >= 0)
				live = false;
			else
				lo = u128_inc(yv[m].hi);
		}
		if (live) {
			if (v != NULL) {
				v[k].lo = lo;
				v[k].hi = hi;
			}
			k++;
		}
	}
	return k;
}

/* True when every interval of the sorted, disjoint x[0..nx) lies within
 * one interval of y[0..ny): binary search, so that a small set is
 * checked against a large one in logarithmic time. */
static bool
ivls_within(
    const struct fwc_ivl *xv, size_t nx, const struct fwc_ivl *yv, size_t ny)
{
	size_t j = 0;

	for (size_t i = 0; i < nx; i++) {
		j += first_ending_from(yv + j, ny - j, xv[i].lo);
		if (j == ny || fwc_u128_cmp(yv[j].lo, xv[i].lo) > 0 ||
		    fwc_u128_cmp(yv[j].hi, xv[i].hi) < 0)
			return false;
	}
	return true;
}

const struct fwc_addrset *
fwc_addrset_meet(struct fwc_arena *a, const struct fwc_addrset *x,
    const struct fwc_addrset *y)
{
	bool x_in_y = true;
	bool y_in_x = true;
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		size_t nx = x->n[f];
		size_t ny = y->n[f];

		if (nx == 0) {
			y_in_x = y_in_x && ny == 0;
			continue;
		}
		if (ny == 0) {
			x_in_y = false;
			continue;
		}
		if (x_in_y && !ivls_within(x->v[f], nx, y->v[f], ny))
			x_in_y = false;
		/* Only a list at most as long as the other's is worth the
		 * search; else the general case below answers. */
		if (y_in_x &&
		    (ny > nx || !ivls_within(y->v[f], ny, x->v[f], nx)))
			y_in_x = false;
	}
	if (x_in_y)
		return fwc_addrset_is_empty(x) ? &fwc_addrset_empty : x;
	if (y_in_x)
		return fwc_addrset_is_empty(y) ? &fwc_addrset_empty : y;
	if (!fwc_addrset_overlaps(x, y))
		return &fwc_addrset_empty;
	return fwc_addrset_inter(a, x, y);
}

struct fwc_addrset *
fwc_addrset_minus(struct fwc_arena *a, const struct fwc_addrset *x,
    const struct fwc_addrset *y)
{
	struct fwc_addrset *s = fwc_arena_alloc(a, sizeof(*s));
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		struct fwc_ivl *v;
		size_t k;

		if (x->n[f] == 0)
			continue;
		if (y->n[f] == 0) {
			s->v[f] = x->v[f];
			s->n[f] = x->n[f];
			continue;
		}
		k = minus_ivls(x->v[f], x->n[f], y->v[f], y->n[f], NULL);
		if (k == 0)
			continue;
		v = fwc_arena_alloc(a, k * sizeof(*v));
		minus_ivls(x->v[f], x->n[f], y->v[f], y->n[f], v);
		s->v[f] = v;
		s->n[f] = k;
	}
	return s;
}

bool
fwc_addrset_is_empty(const struct fwc_addrset *s)
{
	return s->n[FWC_FAM_IP4] == 0 && s->n[FWC_FAM_IP6] == 0;
}

bool
fwc_addrset_fam_empty(const struct fwc_addrset *s, enum fwc_family f)
{
	return s->n[f] == 0;
}

bool
fwc_addrset_fam_full(const struct fwc_addrset *s, enum fwc_family f)
{
	return s->n[f] == 1 && s->v[f][0].lo.hi == 0 && s->v[f][0].lo.lo == 0 &&
	       u128_eq(s->v[f][0].hi, fam_max(f));
}

bool
fwc_addrset_equal(const struct fwc_addrset *x, const struct fwc_addrset *y)
{
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		if (x->n[f] != y->n[f])
			return false;
		if (x->n[f] &&
		    memcmp(x->v[f], y->v[f], x->n[f] * sizeof(*x->v[f])) != 0)
			return false;
	}
	return true;
}

bool
fwc_addrset_contains(
    const struct fwc_addrset *s, enum fwc_family f, struct fwc_u128 v)
{
	size_t lo = 0;
	size_t hi = s->n[f];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fwc_u128_cmp(s->v[f][mid].hi, v) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n[f] && fwc_u128_cmp(s->v[f][lo].lo, v) <= 0;
}

bool
fwc_addrset_overlaps(const struct fwc_addrset *x, const struct fwc_addrset *y)
{
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		const struct fwc_ivl *xv = x->v[f];
		const struct fwc_ivl *yv = y->v[f];
		size_t nx = x->n[f];
		size_t ny = y->n[f];
		size_t j = 0;

		if (nx > ny) {
			const struct fwc_ivl *tv = xv;
			size_t tn = nx;

			xv = yv;
			nx = ny;
			yv = tv;
			ny = tn;
		}
		/* Each interval of the shorter list looks up the first of
		 * the longer that does not end before it. */
		for (size_t i = 0; i < nx && j < ny; i++) {
			j += first_ending_from(yv + j, ny - j, xv[i].lo);
			if (j < ny && fwc_u128_cmp(yv[j].lo, xv[i].hi) <= 0)
				return true;
		}
	}
	return false;
}

/* The first index from j of the sorted, disjoint v[0..n) whose interval
 * ends at or after x: steps that double, then a binary search, so that
 * a walk over v in order costs time logarithmic in each step's length. */
static size_t
gallop_ending_from(
    const struct fwc_ivl *v, size_t n, size_t j, struct fwc_u128 x)
{
	size_t lo = j;
	size_t hi = j;
	size_t step = 1;

	while (hi < n && fwc_u128_cmp(v[hi].hi, x) < 0) {
		lo = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi > n)
		hi = n;
	if (hi <= lo)
		return lo; /* nothing left (v may be NULL when n is 0) */
	return lo + first_ending_from(v + lo, hi - lo, x);
}

bool
fwc_addrset_subset(const struct fwc_addrset *x, const struct fwc_addrset *y)
{
	int f;

	for (f = 0; f < FWC_FAM_NR; f++) {
		size_t j = 0;

		for (size_t i = 0; i < x->n[f]; i++) {
			j = gallop_ending_from(
			    y->v[f], y->n[f], j, x->v[f][i].lo);
			if (j == y->n[f] ||
			    fwc_u128_cmp(y->v[f][j].lo, x->v[f][i].lo) > 0 ||
			    fwc_u128_cmp(y->v[f][j].hi, x->v[f][i].hi) < 0)
				return false;
		}
	}
	return true;
}

/* Text. */

void
fwc_addr_format(struct fwc_strbuf *sb, enum fwc_family f, struct fwc_u128 v)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char b[16];
	int i;

	if (f == FWC_FAM_IP4) {
		for (i = 24; i >= 0; i -= 8) {
			fwc_strbuf_addu(sb, (unsigned long)(v.lo >> i) & 255);
			if (i > 0)
				fwc_strbuf_addc(sb, '.');
		}
		return;
	}
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v.hi >> (56 - 8 * i));
	for (i = 0; i < 8; i++)
		b[8 + i] = (unsigned char)(v.lo >> (56 - 8 * i));
	if (inet_ntop(AF_INET6, b, buf, sizeof(buf)) == NULL)
		FWC_BUG("inet_ntop failed");
	fwc_strbuf_adds(sb, buf);
}

/* Largest len such that base is aligned to /len and base|hostmask <= hi.
 * No prefix shorter than base's trailing zero bits allow can be aligned:
 * the search starts there. */
static unsigned int
largest_block(unsigned int w, struct fwc_u128 base, struct fwc_u128 hi)
{
	unsigned int tz = base.lo != 0 ? (unsigned int)__builtin_ctzll(base.lo)
			  : base.hi != 0
			      ? 64u + (unsigned int)__builtin_ctzll(base.hi)
			      : 128u;
	unsigned int len = tz >= w ? 0 : w - tz;

	for (; len <= w; len++) {
		struct fwc_u128 m = host_mask(w, len);

		if (u128_and_nonzero(base, m))
			continue;
		if (fwc_u128_cmp(u128_or(base, m), hi) <= 0)
			return len;
	}
	return w;
}

void
fwc_ivl_cidrs(enum fwc_family f, const struct fwc_ivl *iv,
    void (*fn)(void *ctx, struct fwc_u128 base, unsigned int len), void *ctx)
{
	unsigned int w = f == FWC_FAM_IP4 ? 32 : 128;
	struct fwc_u128 cur = iv->lo;

	for (;;) {
		unsigned int len = largest_block(w, cur, iv->hi);
		struct fwc_u128 end = u128_or(cur, host_mask(w, len));

		fn(ctx, cur, len);
		if (fwc_u128_cmp(end, iv->hi) >= 0)
			break;
		cur = u128_inc(end);
	}
}

static void
count_cb(void *ctx, struct fwc_u128 base, unsigned int len)
{
	(void)base;
	(void)len;
	(*(size_t *)ctx)++;
}

size_t
fwc_addrset_cidr_count(const struct fwc_addrset *s, enum fwc_family f)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n[f]; i++)
		fwc_ivl_cidrs(f, &s->v[f][i], count_cb, &n);
	return n;
}

void
fwc_ivl_format(
    struct fwc_strbuf *sb, enum fwc_family f, const struct fwc_ivl *iv)
{
	unsigned int w = f == FWC_FAM_IP4 ? 32 : 128;
	unsigned int len = largest_block(w, iv->lo, iv->hi);

	fwc_addr_format(sb, f, iv->lo);
	if (u128_eq(u128_or(iv->lo, host_mask(w, len)), iv->hi)) {
		if (len != w) {
			fwc_strbuf_addc(sb, '/');
			fwc_strbuf_addu(sb, len);
		}
		return;
	}
	fwc_strbuf_addc(sb, '-');
	fwc_addr_format(sb, f, iv->hi);
}

/* Ports. */

static int
pivl_cmp(const void *a, const void *b)
{
	const struct fwc_pivl *x = a;
	const struct fwc_pivl *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

struct fwc_portset *
fwc_portset_from(struct fwc_arena *a, const struct fwc_pivl *in, size_t n)
{
	struct fwc_portset *s = fwc_arena_alloc(a, sizeof(*s));
	struct fwc_pivl *v;
	size_t o = 0;

	if (n == 0)
		return s;
	v = fwc_arena_alloc(a, n * sizeof(*v));
	memcpy(v, in, n * sizeof(*v));
	qsort(v, n, sizeof(*v), pivl_cmp);
	for (size_t i = 1; i < n; i++) {
		if ((uint32_t)v[i].lo <= (uint32_t)v[o].hi + 1) {
			if (v[i].hi > v[o].hi)
				v[o].hi = v[i].hi;
		} else {
			v[++o] = v[i];
		}
	}
	s->v = v;
	s->n = o + 1;
	return s;
}

struct fwc_portset *
fwc_portset_union(struct fwc_arena *a, const struct fwc_portset *x,
    const struct fwc_portset *y)
{
	struct fwc_pivl *v = fwc_arena_alloc(a, (x->n + y->n + 1) * sizeof(*v));

	if (x->n)
		memcpy(v, x->v, x->n * sizeof(*v));
	if (y->n)
		memcpy(v + x->n, y->v, y->n * sizeof(*v));
	return fwc_portset_from(a, v, x->n + y->n);
}

bool
fwc_portset_equal(const struct fwc_portset *x, const struct fwc_portset *y)
{
	return x->n == y->n &&
	       (x->n == 0 || memcmp(x->v, y->v, x->n * sizeof(*x->v)) == 0);
}

bool
fwc_portset_is_full(const struct fwc_portset *s)
{
	return s->n == 1 && s->v[0].lo <= 1 && s->v[0].hi == 65535;
}

void
fwc_pivl_format(struct fwc_strbuf *sb, const struct fwc_pivl *p, char sep)
{
	if (p->lo == p->hi)
		fwc_strbuf_addf(sb, "%u", (unsigned int)p->lo);
	else
		fwc_strbuf_addf(sb, "%u%c%u", (unsigned int)p->lo, sep,
		    (unsigned int)p->hi);
}
