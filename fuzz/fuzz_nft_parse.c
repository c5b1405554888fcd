/* libFuzzer harness for the nft backend's output parser; see
 * parse_harness.h. */
#define FUZZ_BACKEND "nft"
#include "parse_harness.h"
