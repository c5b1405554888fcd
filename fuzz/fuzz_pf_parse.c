/* libFuzzer harness for the pf backend's output parser; see
 * parse_harness.h. */
#define FUZZ_BACKEND "pf"
#include "parse_harness.h"
