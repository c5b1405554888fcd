# Compile-speed benchmark (issue 6): `make bench` builds fwc, installs the
# competitors (Debian packages fwbuilder, shorewall and time) when they
# are missing, only here: `make check` never needs them. Then it times fwc
# against Firewall Builder (fwb_ipt, fwb_pf) and Shorewall on the same
# generated policies (tools/bench/gen.py) and prints the side-by-side
# table (tools/bench/run.py); then every target that other fragments add
# to BENCH_STEPS. docs/performance.md explains the figures.
#
#   make bench BENCH_SIZES=200,2000 BENCH_CAP=60 BENCH_COMPETITOR_MAX=2000

BENCH_SIZES          ?= 200,2000,20000,200000
BENCH_CAP            ?= 120
BENCH_COMPETITOR_MAX ?= 20000
BENCH_REPEAT         ?= 3
BENCH_OUT            ?= $(BUILD)/bench
BENCH_DEB_DEPS        = fwbuilder shorewall time python3

.PHONY: bench bench-compile

bench: bench-compile
	@for s in $(BENCH_STEPS); do \
	  echo "== make $$s"; $(MAKE) --no-print-directory $$s || exit 1; \
	done

bench-compile: $(BUILD)/fwc
	@$(MAKE) --no-print-directory deps DEB_DEPS='$(BENCH_DEB_DEPS)'
	nice -n 10 python3 tools/bench/run.py --fwc $(BUILD)/fwc \
	  --out $(BENCH_OUT) --sizes $(BENCH_SIZES) --cap $(BENCH_CAP) \
	  --competitor-max $(BENCH_COMPETITOR_MAX) --repeat $(BENCH_REPEAT)

# The arena maps its large chunks with mmap(MAP_ANONYMOUS) and asks for
# huge pages (madvise); util.c asks for huge pages for the heap (sbrk,
# madvise): all outside POSIX.1-2008 in glibc's headers.
$(BUILD)/compiler/arena.o: FWC_CPPFLAGS += -D_DEFAULT_SOURCE
$(BUILD)/compiler/util.o: FWC_CPPFLAGS += -D_DEFAULT_SOURCE
# madvise(MADV_DONTNEED) and MAP_ANONYMOUS: address arrays that moved
# give their pages back (addr.c), the reader drops the pages of a mapped
# file it has passed (xml_scan.c), address pools map their room (parse.c).
$(BUILD)/compiler/addr.o: FWC_CPPFLAGS += -D_DEFAULT_SOURCE
$(BUILD)/compiler/parse.o: FWC_CPPFLAGS += -D_DEFAULT_SOURCE
$(BUILD)/compiler/xml_scan.o: FWC_CPPFLAGS += -D_DEFAULT_SOURCE

# The benchmark's own test (part of `make check`, a few seconds, no
# competitors): tools/bench/check.sh.
CHECK_STEPS += check-bench
.PHONY: check-bench
check-bench: $(BUILD)/fwc
	FWC=$(BUILD)/fwc OUT=$(BUILD)/bench-check sh tools/bench/check.sh
