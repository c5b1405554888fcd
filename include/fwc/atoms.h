/* Atoms of a family of interval sets: the coarsest partition of the value
 * space such that every part (atom) lies either wholly inside or wholly
 * outside each input set. Used to build lookup-based dispatch (constant
 * number of rule evaluations per packet) from flat rule lists. */
#ifndef FWC_ATOMS_H
#define FWC_ATOMS_H

#include <stddef.h>
#include <stdint.h>

#include "fwc/addr.h"

struct fwc_arena;

/* One input set: normalised intervals (sorted, disjoint, non-adjacent),
 * or full = the whole space [0, max]. */
struct fwc_atom_input {
	const struct fwc_ivl *v;
	size_t n;
	int full;
};

/* One atom: its intervals (ascending, non-adjacent) and the indexes of the
 * input sets that contain it (ascending). Values covered by no input set
 * belong to no atom. */
struct fwc_atom {
	struct fwc_ivl *v;
	size_t n;
	uint32_t *members;
	size_t n_members;
};

/* Computes the atoms of in[0..n_in) over [0, max]; atoms are ordered by
 * their lowest value. Cost O(E log E + A * n_in / 64) for E interval
 * ends and A atoms. */
void fwc_atoms_build(struct fwc_arena *a, const struct fwc_atom_input *in,
    size_t n_in, struct fwc_u128 max, struct fwc_atom **out, size_t *n_out);

#endif
