/* The fixture and random inputs shared by the unit tests of the address
 * sets, the packet space and the diff (test helper, like xtree_diff.h):
 * the arena A made before and freed after each test or group, the seeded
 * generator rnd() (each test sets rng_state), random address sets over
 * 0..255 with their bitmap, and random IPv4 forward rules over a small
 * universe; and small policies compiled from memory. Static: each test
 * is a program of its own; marked unused where not every test needs
 * one. */
#ifndef FWC_TEST_RAND_FIXTURE_H
#define FWC_TEST_RAND_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/addr.h"
#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/pipeline.h"
#include "fwc/space.h"
#include "fwc/util.h"

static struct fwc_arena *A;
static uint64_t rng_state;

/* Interface names of the random rules (and packets). */
FWC_UNUSED static const char *const ifn[] = { "a0", "b0", "c0" };

FWC_UNUSED static int
setup_arena(void **state)
{
	(void)state;
	A = fwc_arena_new();
	return 0;
}

/* setup_arena, and the packet-space engine started. */
FWC_UNUSED static int
setup(void **state)
{
	setup_arena(state);
	fwc_space_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fwc_arena_release(A);
	return 0;
}

FWC_UNUSED static uint32_t
rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33) % n;
}

/* A random set of up to five intervals over 0..255 (each at most width
 * addresses longer than one), the same numbers in IPv4 and in IPv6 as
 * v4 and v6 ask, and its bitmap in bits. Uses rand(). */
FWC_UNUSED static struct fwc_addrset *
random_set(unsigned char bits[256], unsigned int width, bool v4, bool v6)
{
	struct fwc_ivl v[8];
	size_t n = (size_t)(rand() % 6);

	memset(bits, 0, 256);
	for (size_t i = 0; i < n; i++) {
		unsigned int lo = (unsigned int)(rand() % 256);
		unsigned int hi = lo + (unsigned int)(rand() % (int)width);

		if (hi > 255)
			hi = 255;
		v[i].lo.hi = v[i].hi.hi = 0;
		v[i].lo.lo = lo;
		v[i].hi.lo = hi;
		for (unsigned int k = lo; k <= hi; k++)
			bits[k] = 1;
	}
	return fwc_addrset_from(A, v, v4 ? n : 0, v, v6 ? n : 0);
}

/* One interval of 1 to 16 addresses within 10.0.0.0-10.0.0.78. */
FWC_UNUSED static struct fwc_ir_set *
mkset(void)
{
	struct fwc_ir_set *s = fwc_arena_alloc(A, sizeof(*s));
	struct fwc_ivl *v = fwc_arena_alloc(A, sizeof(*v));

	v->lo.lo = 0x0a000000u + rnd(64);
	v->hi.lo = v->lo.lo + rnd(16);
	s->family = FWC_FAM_IP4;
	s->v = v;
	s->n = 1;
	s->name = "s";
	return s;
}

/* A forward rule with the action acts[rnd(4)], interfaces a0 and b0,
 * sets from mkset() and TCP destination ports within 0..118 (or any
 * protocol). */
FWC_UNUSED static void
mkrule(struct fwc_ir_rule *r, const enum fwc_action acts[4])
{
	struct fwc_pivl *p;

	memset(r, 0, sizeof(*r));
	r->action = acts[rnd(4)];
	r->chain = FWC_CHAIN_FORWARD;
	r->family = FWC_FAM_IP4;
	r->iif = rnd(2) ? ifn[rnd(2)] : NULL;
	r->oif = rnd(2) ? ifn[rnd(2)] : NULL;
	r->src = rnd(4) ? mkset() : NULL;
	r->dst = rnd(4) ? mkset() : NULL;
	r->proto = rnd(3) ? FWC_PROTO_TCP : FWC_PROTO_ANY;
	if (r->proto == FWC_PROTO_TCP && rnd(2)) {
		p = fwc_arena_alloc(A, sizeof(*p));
		p->lo = (uint16_t)rnd(100);
		p->hi = (uint16_t)(p->lo + rnd(20));
		r->dport.v = p;
		r->dport.n = 1;
	}
	r->origin.flow = "f";
}

/* Bubbles the deny rules before the accept rules, keeping their order
 * (stable, as compiled rulesets are). */
FWC_UNUSED static void
deny_first(struct fwc_ruleset *rs)
{
	for (size_t i = 0; i + 1 < rs->n_rules; i++)
		for (size_t j = 0; j + 1 < rs->n_rules - i; j++)
			if (rs->rules[j].action == FWC_ACT_ACCEPT &&
			    rs->rules[j + 1].action != FWC_ACT_ACCEPT) {
				struct fwc_ir_rule t = rs->rules[j];

				rs->rules[j] = rs->rules[j + 1];
				rs->rules[j + 1] = t;
			}
}

/* The policy printf(fmt, ...) (under 4 KB), compiled from memory as
 * p.xml into A; fails the test unless it compiles (its diagnostics are
 * discarded). */
FWC_UNUSED FWC_PRINTF(1, 2) static struct fwc_program *compile_policy(
    const char *fmt, ...)
{
	char buf[4096];
	struct fwc_diag dg;
	struct fwc_options opt;
	struct fwc_program *prog = NULL;
	FILE *sink = tmpfile();
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memset(&opt, 0, sizeof(opt));
	fwc_diag_init(&dg, sink);
	assert_int_equal(
	    fwc_compile_buffer(A, &dg, &opt, "p.xml", buf, (size_t)n, &prog),
	    0);
	fwc_diag_release(&dg);
	fclose(sink);
	return prog;
}

#endif
