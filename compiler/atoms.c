/* Atoms of interval sets by a sweep over interval ends. The set of input
 * sets covering the current position is tracked as a bitmap plus two
 * 64-bit Zobrist hashes (XOR of a fixed random key per set), so that
 * finding the atom of each elementary interval costs O(1) and listing an
 * atom's members is paid once per atom. */
#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/atoms.h"
#include "fwc/util.h"

struct event {
	struct fwc_u128 at;
	uint32_t set;
	int delta; /* +1 enters, -1 leaves */
};

struct slot {
	uint64_t h1, h2;
	size_t atom; /* index + 1, 0 = empty */
};

static uint64_t
splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
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

static int
event_cmp(const void *pa, const void *pb)
{
	const struct event *a = pa;
	const struct event *b = pb;
	int c = fwc_u128_cmp(a->at, b->at);

	if (c != 0)
		return c;
	if (a->set != b->set)
		return a->set < b->set ? -1 : 1;
	return a->delta - b->delta;
}

void
fwc_atoms_build(struct fwc_arena *a, const struct fwc_atom_input *in,
    size_t n_in, struct fwc_u128 max, struct fwc_atom **out, size_t *n_out)
{
	struct event *ev;
	size_t n_ev = 0;
	size_t cap_ev = 0;
	uint64_t *bits;
	size_t n_words = (n_in + 63) / 64;
	size_t active = 0;
	uint64_t h1 = 0, h2 = 0;
	struct slot *tab;
	size_t tab_cap = 64;
	struct fwc_atom *atoms = NULL;
	size_t n_atoms = 0;
	size_t cap_atoms = 0;
	size_t *cap_iv = NULL; /* per atom, heap, parallel to atoms */
	size_t cap_cap_iv = 0;

	for (size_t i = 0; i < n_in; i++)
		cap_ev += in[i].full ? 1 : 2 * in[i].n;
	ev = fwc_xmalloc((cap_ev ? cap_ev : 1) * sizeof(*ev));
	for (size_t i = 0; i < n_in; i++) {
		if (in[i].full) {
			ev[n_ev++] = (struct event){ { 0, 0 }, (uint32_t)i, 1 };
			continue;
		}
		for (size_t k = 0; k < in[i].n; k++) {
			ev[n_ev++] =
			    (struct event){ in[i].v[k].lo, (uint32_t)i, 1 };
			if (fwc_u128_cmp(in[i].v[k].hi, max) < 0)
				ev[n_ev++] =
				    (struct event){ u128_inc(in[i].v[k].hi),
					    (uint32_t)i, -1 };
		}
	}
	qsort(ev, n_ev, sizeof(*ev), event_cmp);
	bits = fwc_xcalloc(n_words ? n_words : 1, sizeof(*bits));
	tab = fwc_xcalloc(tab_cap, sizeof(*tab));
	for (size_t e = 0; e < n_ev;) {
		struct fwc_u128 at = ev[e].at;
		struct fwc_u128 end;

		for (; e < n_ev && fwc_u128_cmp(ev[e].at, at) == 0; e++) {
			uint32_t s = ev[e].set;

			bits[s / 64] ^= 1ull << (s % 64);
			h1 ^= splitmix(2 * (uint64_t)s);
			h2 ^= splitmix(2 * (uint64_t)s + 1);
			if (ev[e].delta > 0)
				active++;
			else
				active--;
		}
		if (active == 0)
			continue;
		end = e < n_ev ? u128_dec(ev[e].at) : max;
		/* Find or create the atom of this membership. */
		{
			size_t mask = tab_cap - 1;
			size_t p = (size_t)(h1 ^ (h2 >> 7)) & mask;
			struct fwc_atom *at_;
			size_t idx;

			while (tab[p].atom != 0 &&
			       (tab[p].h1 != h1 || tab[p].h2 != h2))
				p = (p + 1) & mask;
			if (tab[p].atom == 0) {
				struct fwc_atom nw;
				size_t m = 0;

				memset(&nw, 0, sizeof(nw));
				nw.members = fwc_arena_alloc(
				    a, active * sizeof(*nw.members));
				for (size_t w = 0; w < n_words; w++) {
					uint64_t x = bits[w];

					while (x != 0) {
						int b = __builtin_ctzll(x);

						nw.members[m++] =
						    (uint32_t)(w * 64 +
							       (size_t)b);
						x &= x - 1;
					}
				}
				nw.n_members = m;
				FWC_VEC_PUSH(a, atoms, n_atoms, cap_atoms, nw);
				if (n_atoms > cap_cap_iv) {
					cap_cap_iv = cap_atoms;
					cap_iv = fwc_xrealloc(cap_iv,
					    cap_cap_iv * sizeof(*cap_iv));
				}
				cap_iv[n_atoms - 1] = 0;
				tab[p] = (struct slot){ h1, h2, n_atoms };
				if (2 * n_atoms > tab_cap) {
					struct slot *old = tab;
					size_t oc = tab_cap;

					tab_cap *= 2;
					tab =
					    fwc_xcalloc(tab_cap, sizeof(*tab));
					for (size_t k = 0; k < oc; k++) {
						size_t q;

						if (old[k].atom == 0)
							continue;
						q = (size_t)(old[k].h1 ^
							     (old[k].h2 >> 7)) &
						    (tab_cap - 1);
						while (tab[q].atom != 0)
							q = (q + 1) &
							    (tab_cap - 1);
						tab[q] = old[k];
					}
					free(old);
				}
				idx = n_atoms - 1;
			} else {
				idx = tab[p].atom - 1;
			}
			at_ = &atoms[idx];
			if (at_->n > 0 &&
			    fwc_u128_cmp(u128_inc(at_->v[at_->n - 1].hi), at) ==
				0)
				at_->v[at_->n - 1].hi = end;
			else {
				struct fwc_ivl iv = { at, end };

				FWC_VEC_PUSH(
				    a, at_->v, at_->n, cap_iv[idx], iv);
			}
		}
	}
	free(ev);
	free(bits);
	free(tab);
	free(cap_iv);
	*out = atoms;
	*n_out = n_atoms;
}
