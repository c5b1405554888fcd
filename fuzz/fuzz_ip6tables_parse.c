/* libFuzzer harness for the ip6tables backend's output parser; see
 * parse_harness.h. */
#define FUZZ_BACKEND "ip6tables"
#include "parse_harness.h"
