/* Words of list attributes (from="a b", roles="x y"): whitespace-separated
 * names, each located at its own column. parse.c splits most lists when
 * it reads them; sema.c splits a flow's from, to and service lists only
 * as it resolves them, so that flows keep no word arrays. */
#include <stddef.h>
#include <stdint.h>

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
