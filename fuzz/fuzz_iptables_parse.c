/* libFuzzer harness for the iptables backend's output parser; see
 * parse_harness.h. */
#define FUZZ_BACKEND "iptables"
#include "parse_harness.h"
