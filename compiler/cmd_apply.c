/* `fwc apply`, `fwc confirm`, `fwc status`: placeholders until the netlink
 * apply lands (issue 4). They say so and exit 3. */
#include <stdio.h>

#include "fwc/cli.h"

static int
not_yet(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "fwc: '%s' is not implemented yet\n", argv[0]);
	return FWC_EXIT_SYSTEM;
}

const struct fwc_command fwc_cmd_apply = { "apply",
	"       fwc apply   POLICY (--gateway NAME | --host NAME)   (not yet)\n",
	"  apply ...                       not implemented yet\n", not_yet };
const struct fwc_command fwc_cmd_confirm = { "confirm",
	"       fwc confirm                                        (not yet)\n",
	"", not_yet };
const struct fwc_command fwc_cmd_status = { "status",
	"       fwc status  POLICY (--gateway NAME | --host NAME)   (not yet)\n",
	"", not_yet };
