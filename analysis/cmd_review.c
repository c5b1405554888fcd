/* `fwc diff`, `fwc query`, `fwc verify`: placeholders until the review
 * tools land (issue 5). They say so and exit 3. */
#include <stdio.h>

#include "fwc/cli.h"

static int
not_yet(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "fwc: '%s' is not implemented yet\n", argv[0]);
	return FWC_EXIT_SYSTEM;
}

const struct fwc_command fwc_cmd_diff = { "diff",
	"       fwc diff    OLD NEW                                 (not yet)\n",
	"  diff ...                        not implemented yet\n", not_yet };
const struct fwc_command fwc_cmd_query = { "query",
	"       fwc query   POLICY ...                              (not yet)\n",
	"", not_yet };
const struct fwc_command fwc_cmd_verify = { "verify",
	"       fwc verify  POLICY ...                              (not yet)\n",
	"", not_yet };
