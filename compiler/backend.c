/* The static table of backends: the only place that knows which targets
 * exist. main.c picks one with fwc_backend_find() (the -t option) and
 * lists them with fwc_backend_list() (--list-targets). The order of the
 * table is the order of the listing. */
#include "fwc/backend.h"

#include <string.h>

#include "fwc/util.h"

/* Each backend file exports exactly one of these (style.md §4). */
extern const struct fwc_backend fwc_backend_nft;
extern const struct fwc_backend fwc_backend_iptables;
extern const struct fwc_backend fwc_backend_ip6tables;
extern const struct fwc_backend fwc_backend_pf;
extern const struct fwc_backend fwc_backend_netsh;
#ifdef FWC_HAVE_NETLINK
extern const struct fwc_backend fwc_backend_netlink;
#endif

static const struct fwc_backend *const backends[] = {
	&fwc_backend_nft,
	&fwc_backend_iptables,
	&fwc_backend_ip6tables,
	&fwc_backend_pf,
	/* Text backends still to come, in this order: iptables, pf, netsh. */
	&fwc_backend_netsh,
#ifdef FWC_HAVE_NETLINK
	&fwc_backend_netlink,
#endif
};

const struct fwc_backend *
fwc_backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < FWC_ARRAY_SIZE(backends); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct fwc_backend *const *
fwc_backend_list(size_t *n)
{
	*n = FWC_ARRAY_SIZE(backends);
	return backends;
}
