# Constant-time gateways (issue 6): connection-setup rate through a
# namespace gateway with a 20-flow and a 20,000-flow policy, in the
# dispatch-tree layout and as one rule per flow (tools/bench-gateway.sh,
# root). Part of `make bench`; figures in docs/performance.md.
BENCH_STEPS += bench-gateway
.PHONY: bench-gateway
bench-gateway: $(BUILD)/fwc
	FWC=$(BUILD)/fwc nice -n 10 sh tools/bench-gateway.sh
