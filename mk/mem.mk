# Streaming output of fwc compile -o (docs/performance.md section 9).
CHECK_STEPS += check-stream

.PHONY: check-stream

check-stream: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/stream.sh
SAN_STEPS += check-stream
