/* Reference packet evaluation over the IR (include/fwc/eval.h): the
 * meaning that every backend's output must have, stated as directly as
 * possible so that tests and `fwc verify` can compare other forms with
 * it. Pure: reads the ruleset, allocates nothing. */
#include "fwc/eval.h"

#include <string.h>

bool
fwc_eval_set_contains(const struct fwc_ir_set *s, struct fwc_u128 v)
{
	size_t lo = 0;
	size_t hi = s->n;

	/* Binary search for the first interval whose end is >= v. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fwc_u128_cmp(s->v[mid].hi, v) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && fwc_u128_cmp(s->v[lo].lo, v) <= 0;
}

static bool
port_in(const struct fwc_portset *ps, uint16_t port)
{
	if (ps->n == 0)
		return true;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].lo <= port && port <= ps->v[i].hi)
			return true;
	return false;
}

static bool
iface_is(const char *rule_if, const char *pkt_if)
{
	if (rule_if == NULL)
		return true;
	return pkt_if != NULL && strcmp(rule_if, pkt_if) == 0;
}

bool
fwc_eval_rule_matches(const struct fwc_ir_rule *r, const struct fwc_packet *p)
{
	if (r->chain != p->chain || r->family != p->family)
		return false;
	if (!iface_is(r->iif, p->iif) || !iface_is(r->oif, p->oif))
		return false;
	if (r->src != NULL && (r->src->family != p->family ||
				  !fwc_eval_set_contains(r->src, p->src)))
		return false;
	if (r->dst != NULL && (r->dst->family != p->family ||
				  !fwc_eval_set_contains(r->dst, p->dst)))
		return false;
	if (r->proto != FWC_PROTO_ANY && r->proto != p->proto)
		return false;
	if (!port_in(&r->dport, p->dport) || !port_in(&r->sport, p->sport))
		return false;
	if (r->has_types) {
		if (p->icmp_type < 0 || p->icmp_type > 255)
			return false;
		if (!fwc_rule_has_type(r, (unsigned int)p->icmp_type))
			return false;
	}
	return true;
}

enum fwc_action
fwc_eval_packet(
    const struct fwc_ruleset *rs, const struct fwc_packet *p, long *rule)
{
	for (size_t i = 0; i < rs->n_rules; i++) {
		if (fwc_eval_rule_matches(&rs->rules[i], p)) {
			if (rule != NULL)
				*rule = (long)i;
			return rs->rules[i].action;
		}
	}
	if (rule != NULL)
		*rule = -1;
	return rs->chain_default[p->chain];
}
