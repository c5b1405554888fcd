# Review tools (issue 5): packet space over BuDDy BDDs, diff, lint, query,
# verify. Sources live in analysis/ and are linked automatically.
DEB_DEPS += libbdd-dev git python3
# BuDDy is loaded when first needed (include/fwc/dl.h), not linked.
CHECK_STEPS += check-review
SAN_STEPS += check-review
BENCH_STEPS += bench-diff

.PHONY: check-review bench-diff

check-review: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/review/run.sh

bench-diff: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tools/bench-diff.sh
