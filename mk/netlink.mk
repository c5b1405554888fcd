# The netlink backend (issue 4): libnftnl + libmnl, used only by
# backends/nft_netlink.c; `fwc apply`, `fwc confirm`, `fwc status`.
NL_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libnftnl libmnl 2>/dev/null))
EXTRA_LIBS += $(shell pkg-config --libs libnftnl libmnl 2>/dev/null || echo -lnftnl -lmnl)
# -pthread: the producer thread of the streamed batch (nl_batch.c).
EXTRA_LIBS += -pthread
DEB_DEPS += libnftnl-dev libmnl-dev nftables time

$(BUILD)/backends/nft_netlink.o: FWC_CFLAGS += $(NL_CFLAGS) -D_GNU_SOURCE
# userfaultfd, madvise and pipe2 for the streamed batch (nl_batch.c).
$(BUILD)/backends/nl_batch.o: FWC_CFLAGS += -D_GNU_SOURCE

BENCH_STEPS += bench-apply
.PHONY: bench-apply
bench-apply: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tools/bench-apply.sh
# The namespace tests again with the ASan+UBSan binary (found a wild
# pointer in the saved table of --confirm).
SAN_STEPS += check-integration
