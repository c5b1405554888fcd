/* libFuzzer harness for the netsh backend's output parser; see
 * parse_harness.h. */
#define FUZZ_BACKEND "netsh"
#include "parse_harness.h"
