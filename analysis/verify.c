/* Translation validation (analysis/verify.h): for each chain, the sets of
 * accepted, rejected and dropped new connections of the policy's ruleset
 * and of the parsed output must be equal as BDDs over one interface
 * table. A difference yields one concrete packet, which the reference
 * evaluator (analysis/eval.c) then attributes to a rule on each side. */
#include "verify.h"

#include <string.h>

#include "fwc/space.h"

static enum fwc_action
verdict(const struct fwc_ruleset *rs, const struct fwc_packet *p, long *rule)
{
	if (!rs->has_chain[p->chain]) {
		*rule = -1;
		return FWC_ACT_ACCEPT;
	}
	return fwc_eval_packet(rs, p, rule);
}

static int
xor_sets(int a, int b)
{
	int x = fwc_space_minus(a, b);
	int y = fwc_space_minus(b, a);
	int r = fwc_space_or(x, y);

	fwc_space_put(x);
	fwc_space_put(y);
	return r;
}

static int
declared(
    const struct fwc_space *sp, const struct fwc_ruleset *ir, enum fwc_field f)
{
	int r = fwc_space_false();

	for (size_t i = 0; i < ir->n_ifaces; i++) {
		int v = fwc_space_value(
		    f, fwc_space_ifindex(sp, ir->ifaces[i].name));
		int x = fwc_space_or(r, v);

		fwc_space_put(v);
		fwc_space_put(r);
		r = x;
	}
	return r;
}

bool
fwc_verify_rulesets(const struct fwc_ruleset *ir, const struct fwc_ruleset *got,
    unsigned int fams, bool no_reject, const struct fwc_addrset *self,
    bool self_known, struct fwc_verify_result *res)
{
	struct fwc_space sp;
	int within = fwc_space_false();

	memset(res, 0, sizeof(*res));
	res->equal = true;
	fwc_space_init();
	fwc_space_reset(&sp);
	fwc_space_add_ifaces(&sp, ir);
	fwc_space_add_ifaces(&sp, got);
	for (int f = 0; f < FWC_FAM_NR; f++) {
		if (fams & (1u << f)) {
			int fb = fwc_space_family((enum fwc_family)f);
			int x = fwc_space_or(within, fb);

			fwc_space_put(fb);
			fwc_space_put(within);
			within = x;
		}
	}
	{
		int d = fwc_space_domain();
		int x = fwc_space_and(within, d);

		fwc_space_put(d);
		fwc_space_put(within);
		within = x;
	}
	for (int ci = 0; ci < FWC_CHAIN_NR && res->equal; ci++) {
		enum fwc_chain c = (enum fwc_chain)ci;
		struct fwc_verdicts a;
		struct fwc_verdicts b;
		int m;
		int x;
		int w;

		if (!ir->has_chain[c])
			continue;
		res->chains_checked++;
		w = fwc_space_get(within);
		if (self != NULL) {
			int sd = fwc_space_addrset(FWC_F_DST, self);
			int ss = fwc_space_addrset(FWC_F_SRC, self);

			/* Input sees packets to self, output packets from
			 * self, forward neither. */
			if (c == FWC_CHAIN_INPUT)
				x = fwc_space_and(w, sd);
			else if (c == FWC_CHAIN_OUTPUT)
				x = fwc_space_and(w, ss);
			else {
				int u = fwc_space_or(sd, ss);

				x = fwc_space_minus(w, u);
				fwc_space_put(u);
			}
			fwc_space_put(w);
			fwc_space_put(sd);
			fwc_space_put(ss);
			w = x;
		} else if (self_known && c != FWC_CHAIN_FORWARD) {
			res->chains_checked--;
			res->skipped |= 1u << c;
			fwc_space_put(w);
			continue;
		}
		if (ir->n_ifaces > 0) {
			/* Only packets on the gateway's declared interfaces:
			 * the policy says nothing about others. */
			int fi = declared(&sp, ir, FWC_F_IIF);
			int fo = declared(&sp, ir, FWC_F_OIF);

			if (c != FWC_CHAIN_OUTPUT) {
				x = fwc_space_and(w, fi);
				fwc_space_put(w);
				w = x;
			}
			if (c != FWC_CHAIN_INPUT) {
				x = fwc_space_and(w, fo);
				fwc_space_put(w);
				w = x;
			}
			fwc_space_put(fi);
			fwc_space_put(fo);
		}
		fwc_space_chain(&sp, ir, c, w, NULL, &a);
		fwc_space_chain(&sp, got, c, w, NULL, &b);
		fwc_space_put(w);
		m = xor_sets(a.accept, b.accept);
		x = no_reject ? fwc_space_false()
			      : xor_sets(a.reject, b.reject);
		{
			int u = fwc_space_or(m, x);

			fwc_space_put(m);
			m = u;
		}
		fwc_space_put(x);
		if (!fwc_space_is_empty(m)) {
			res->equal = false;
			res->chain = c;
			res->count = fwc_space_count(m);
			fwc_space_example(&sp, m, &res->ex);
			res->ex.chain = c;
			res->want = verdict(ir, &res->ex, &res->want_rule);
			res->got = verdict(got, &res->ex, &res->got_rule);
		}
		fwc_space_put(m);
		fwc_space_verdicts_put(&a);
		fwc_space_verdicts_put(&b);
	}
	fwc_space_put(within);
	return res->equal;
}
