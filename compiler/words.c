/* Words of list attributes (from="a b", roles="x y"): whitespace-separated
 * names, each located at its own column. parse.c splits most lists when
 * it reads them; sema.c splits a flow's from, to and service lists only
 * as it resolves them, so that flows keep no word arrays. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fwc/policy.h"

static int
blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

size_t
fwc_word_next(const char **p, const char *s, const struct fwc_loc *loc,
    size_t nlen, const char **start, struct fwc_loc *wloc)
{
	const char *q = *p;

	while (blank(*q))
		q++;
	*start = q;
	while (*q && !blank(*q))
		q++;
	*p = q;
	if (q == *start)
		return 0;
	*wloc = *loc;
	if (wloc->col)
		wloc->col += (uint32_t)(nlen + 2 + (size_t)(*start - s));
	return (size_t)(q - *start);
}

size_t
fwc_word_count(const char *s)
{
	size_t n = 0;

	for (int in = 0; *s; s++) {
		int b = blank(*s);

		if (!b && !in)
			n++;
		in = !b;
	}
	return n;
}

/* References keep no place (they are shared): the word of reference i is
 * the k-th occurrence of its name in the list, k counting the references
 * before it of the same name (a word that names nothing has no
 * reference, but neither can it be spelt like one that does). */
struct fwc_loc
fwc_flow_ref_loc(const struct fwc_flow *f, bool dst, size_t i)
{
	const struct fwc_ref *r = dst ? f->dst : f->src;
	const char *s = dst ? f->to_attr : f->from_attr;
	struct fwc_loc loc = fwc_flow_loc(f, dst ? f->to_pos : f->from_pos);
	size_t len = strlen(r[i].s);
	size_t k = 0;
	const char *p = s;
	const char *start;
	struct fwc_loc wl;
	size_t wlen;

	for (size_t j = 0; j < i; j++)
		k += strcmp(r[j].s, r[i].s) == 0;
	while (
	    (wlen = fwc_word_next(&p, s, &loc, dst ? 2 : 4, &start, &wl)) != 0)
		if (wlen == len && memcmp(start, r[i].s, len) == 0 && k-- == 0)
			return wl;
	return loc;
}
