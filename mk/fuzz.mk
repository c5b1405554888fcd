# Fuzzing (issue 7): libFuzzer harnesses in fuzz/, built with clang,
# ASan and UBSan by `make fuzz`; their corpus and regression inputs
# replayed under gcc by `make check-fuzz-replay` (part of `make check`
# and of the ASan+UBSan rerun).
#
#   make fuzz FUZZ_SECONDS=600      each harness for 600 s, one worker
#   make fuzz FUZZ_TARGETS=policy   one harness
#
# The working corpus grows in build/fuzz/corpus-<harness> (seeded from
# fuzz/corpus/<harness>); crashes land in build/fuzz/artifacts-<harness>/.
# `make fuzz-merge` minimises the working corpus back into fuzz/corpus.

FUZZ_SECONDS ?= 60
FUZZ_DEPS    = clang libclang-rt-14-dev
FUZZ_CC      ?= clang
FUZZ_BUILD   = build/fuzz
FUZZ_FLAGS   ?= -timeout=20 -rss_limit_mb=2048 -max_len=65536
# One harness per fuzz/fuzz_<name>.c.
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))

CHECK_STEPS += check-fuzz-replay
SAN_STEPS   += check-fuzz-replay

.PHONY: fuzz fuzz-deps fuzz-build fuzz-merge check-fuzz-replay fuzz-bins \
        replay-bins

fuzz-deps:
	@$(MAKE) --no-print-directory deps DEB_DEPS='$(FUZZ_DEPS)'

fuzz-build: fuzz-deps
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) WERROR= \
	  CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	  SANFLAGS='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
	  fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(BUILD)/fwc
	@mkdir -p $(dir $@)
	$(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  $(LIB_OBJS) $(XML_LIBS) $(EXTRA_LIBS) $(FWC_LDFLAGS)

# Runs each harness for FUZZ_SECONDS with one worker at the lowest CPU
# priority, and fails when one of them found a crash, leak or timeout.
fuzz: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus-$$t $(FUZZ_BUILD)/artifacts-$$t; \
	  dict=""; [ -f fuzz/$$t.dict ] && dict="-dict=fuzz/$$t.dict"; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  nice -n 19 $(FUZZ_BUILD)/fuzz/fuzz_$$t $(FUZZ_FLAGS) $$dict \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts-$$t/ \
	    $(FUZZ_BUILD)/corpus-$$t fuzz/corpus/$$t fuzz/regressions/$$t \
	    >$(FUZZ_BUILD)/fuzz-$$t.log 2>&1 || fail=1; \
	  grep -E '^(stat::|#[0-9]+[[:space:]]+DONE|==[0-9]+==ERROR|SUMMARY)' $(FUZZ_BUILD)/fuzz-$$t.log; \
	done; \
	if [ $$fail != 0 ]; then echo "fuzz: failure, see $(FUZZ_BUILD)/fuzz-*.log and $(FUZZ_BUILD)/artifacts-*/"; fi; \
	exit $$fail

# Minimises the working corpus together with the stored one into
# fuzz/corpus/<harness> (run before committing a grown corpus).
fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/merged-$$t; rm -f $(FUZZ_BUILD)/merged-$$t/*; \
	  nice -n 19 $(FUZZ_BUILD)/fuzz/fuzz_$$t $(FUZZ_FLAGS) -merge=1 \
	    $(FUZZ_BUILD)/merged-$$t fuzz/corpus/$$t $(FUZZ_BUILD)/corpus-$$t \
	    >$(FUZZ_BUILD)/merge-$$t.log 2>&1 || exit 1; \
	  rm -f fuzz/corpus/$$t/*; cp $(FUZZ_BUILD)/merged-$$t/* fuzz/corpus/$$t/; \
	  echo "fuzz-merge $$t: $$(ls fuzz/corpus/$$t | wc -l) inputs"; \
	done

# The same harnesses built with the ordinary compiler against replay.c,
# run over the stored corpus and every regression input.
replay-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/fuzz_%)

$(BUILD)/fuzz-replay/fuzz_%: fuzz/fuzz_%.c fuzz/replay.c $(BUILD)/fwc
	@mkdir -p $(dir $@)
	$(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -o $@ $< fuzz/replay.c \
	  $(LIB_OBJS) $(XML_LIBS) $(EXTRA_LIBS) $(FWC_LDFLAGS)

check-fuzz-replay: replay-bins
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/regressions/$$t; \
	  $(FUZZ_WRAP) $(BUILD)/fuzz-replay/fuzz_$$t fuzz/corpus/$$t fuzz/regressions/$$t || exit 1; \
	done

# Hostile inputs, input limits and crash safety of outputs
# (tests/hardening/, docs/security.md).
CHECK_STEPS += check-hardening
SAN_STEPS   += check-hostile check-limits check-cli check-crash check-outputs \
               check-bench
# Sanitizer builds reserve terabytes of address space: the suites then
# skip their `ulimit -v` memory bounds (and keep their time bounds).
ifneq ($(SANFLAGS),)
export FWC_NO_ULIMIT = 1
endif
.PHONY: check-hardening check-hostile check-limits check-crash check-outputs \
        check-valgrind

check-hardening: check-hostile check-limits check-crash check-outputs

check-hostile: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/hostile.sh

check-limits: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/limits.sh

# Kill rounds of each kind (the ASan+UBSan rerun uses fewer: each case
# still runs, the rounds only vary the moment of the kill).
CRASH_ROUNDS ?= 25
check-crash: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/crash.sh $(CRASH_ROUNDS)

check-outputs: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/outputs.sh

# Every suite that runs fwc, under valgrind memcheck: the unit tests and
# the fuzz corpus replay, then the suites of VG_LANE1 and VG_LANE2, one
# lane per core (tests/hardening/valgrind.sh). Any error or definite or
# indirect leak fails (exit status 99 of tools/valgrind-fwc.sh, and a
# non-empty report in $(VG_LOG_DIR) for runs whose exit status a suite
# does not check). Repeats of a compile/check/list already checked (same
# arguments but -o and -I, same input bytes, same results) run natively
# (VG_REPEATS=native, tools/valgrind-fwc.sh); `make check-valgrind
# VG_REPEATS=` runs every one under memcheck. crash.sh runs 3 kill rounds
# of each kind (VG_CRASH_ROUNDS) instead of 25. VG_ROUNDTRIP=memcheck
# also runs the parsers' round-trip driver under memcheck.
VG_LOG_DIR = $(CURDIR)/$(BUILD)/valgrind
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
           --errors-for-leak-kinds=definite,indirect
# `make check` runs the suites that fit its 30-minute CI budget on a
# 2-core machine; `make check-valgrind-full` runs every suite (about an
# hour of CPU, docs/security.md).
VG_LANE1 ?= golden outputs bench
VG_LANE2 ?= cli examples hostile
VG_ALL1 = golden hostile limits outputs crash install bench
VG_ALL2 = cli examples integration netsh pf review parsers

.PHONY: check-valgrind-full
check-valgrind-full:
	$(MAKE) --no-print-directory check-valgrind VG_LANE1='$(VG_ALL1)' \
	  VG_LANE2='$(VG_ALL2)'

VG_REPEATS ?= native
VG_CRASH_ROUNDS ?= 3
VG_ROUNDTRIP ?=
CHECK_STEPS += check-valgrind
DEB_DEPS    += valgrind strace

check-valgrind: $(BUILD)/fwc replay-bins $(BUILD)/tests/roundtrip
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@rm -rf $(VG_LOG_DIR); mkdir -p $(VG_LOG_DIR)
	@fail=0; t0=$$(date +%s); for t in $(UNIT_BINS); do \
	  $(VALGRIND) --log-file=$(VG_LOG_DIR)/vg.unit.%p.log $$t >$(VG_LOG_DIR)/$$(basename $$t).out 2>&1 \
	    || { echo "FAIL valgrind $$t"; fail=1; }; \
	done; \
	for t in $(FUZZ_TARGETS); do \
	  $(VALGRIND) --log-file=$(VG_LOG_DIR)/vg.replay.%p.log $(BUILD)/fuzz-replay/fuzz_$$t \
	    fuzz/corpus/$$t fuzz/regressions/$$t >/dev/null || { echo "FAIL valgrind replay $$t"; fail=1; }; \
	done; \
	echo "valgrind: unit tests and fuzz corpus replayed in $$(($$(date +%s) - t0)) s"; \
	cp $(BUILD)/fwc $(VG_LOG_DIR)/fwc; \
	VG_LOG_DIR=$(VG_LOG_DIR) VG_FWC=$(VG_LOG_DIR)/fwc VG_REPEATS=$(VG_REPEATS) \
	  VG_CRASH_ROUNDS=$(VG_CRASH_ROUNDS) VG_ROUNDTRIP=$(VG_ROUNDTRIP) \
	  ROUNDTRIP=$(BUILD)/tests/roundtrip \
	  sh tests/hardening/valgrind.sh "$(VG_LANE1)" "$(VG_LANE2)" || fail=1; \
	exit $$fail
