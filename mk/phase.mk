# The phase timer (FWC_PHASES=1, docs/performance.md section 9): its
# documented example, run by `make check`.
CHECK_STEPS += check-phase

.PHONY: check-phase

check-phase: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/phase.sh
SAN_STEPS += check-phase
