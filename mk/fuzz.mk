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

# Every suite that runs fwc, under valgrind memcheck, with the unit
# tests and the fuzz corpus replay (tests/hardening/valgrind.sh,
# docs/security.md). Any error or definite or indirect leak fails (exit
# status 99 of tools/valgrind-fwc.sh, and a non-empty report in
# $(VG_LOG_DIR) for runs whose exit status a suite does not check).
# Repeats of a compile/check/list already checked (same arguments but -o
# and -I, same input bytes, same results) run natively (VG_REPEATS=native,
# tools/valgrind-fwc.sh); `make check-valgrind VG_REPEATS=` runs every
# one under memcheck. crash.sh runs 3 kill rounds of each kind
# (VG_CRASH_ROUNDS) instead of 25. VG_ROUNDTRIP=memcheck also runs the
# parsers' round-trip driver under memcheck.
#
# `make check` runs the whole sweep in the background, at nice 10, while
# its native steps run (CHECK_BG_STEPS: check-valgrind-start, then the
# steps, then check-valgrind-wait): the steps keep the CPU they need and
# memcheck takes what they leave idle. `make check-valgrind` runs it
# alone. One worker per CPU (VG_JOBS).
VG_LOG_DIR = $(CURDIR)/$(BUILD)/valgrind
# One suite per step of CHECK_STEPS that runs a program we build (a new
# step needs its suite here and in tests/hardening/valgrind.sh), longest
# first (CPU seconds in docs/security.md), so that the workers end
# together.
VG_SUITES ?= integration unit golden review parsers replay limits pf cli \
             examples netsh hostile stream outputs crash bench install phase
VG_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
VG_REPEATS ?= native
VG_CRASH_ROUNDS ?= 3
VG_ROUNDTRIP ?=
CHECK_BG_STEPS += check-valgrind
DEB_DEPS    += valgrind strace

VG_ENV = VG_LOG_DIR=$(VG_LOG_DIR) VG_FWC=$(VG_LOG_DIR)/bin/fwc \
  VG_BIN=$(VG_LOG_DIR)/bin VG_REPEATS=$(VG_REPEATS) VG_JOBS=$(VG_JOBS) \
  VG_CRASH_ROUNDS=$(VG_CRASH_ROUNDS) VG_ROUNDTRIP=$(VG_ROUNDTRIP)

.PHONY: check-valgrind check-valgrind-full check-valgrind-prep \
        check-valgrind-start check-valgrind-wait check-valgrind-stop

# Builds what the sweep runs and copies it into $(VG_LOG_DIR)/bin: the
# steps that run meanwhile may rebuild the originals.
check-valgrind-prep: $(BUILD)/fwc replay-bins $(BUILD)/tests/roundtrip
	@$(MAKE) --no-print-directory -s $(UNIT_BINS)
	@rm -rf $(VG_LOG_DIR); mkdir -p $(VG_LOG_DIR)/bin
	@cp $(BUILD)/fwc $(UNIT_BINS) $(BUILD)/tests/roundtrip \
	  $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/fuzz_%) $(VG_LOG_DIR)/bin/

check-valgrind: check-valgrind-prep
	@$(VG_ENV) sh tests/hardening/valgrind.sh $(VG_SUITES)

# The same as check-valgrind (which now covers every suite).
check-valgrind-full: check-valgrind

# For `make check`: starts the sweep in the background, its output in
# $(VG_LOG_DIR)/run.log ...
check-valgrind-start: check-valgrind-prep
	@$(VG_ENV) VG_STATUS=$(VG_LOG_DIR)/status \
	  nice -n 10 sh tests/hardening/valgrind.sh $(VG_SUITES) \
	  >$(VG_LOG_DIR)/run.log 2>&1 & echo $$! >$(VG_LOG_DIR)/pid; \
	echo "valgrind: $(words $(VG_SUITES)) suites under memcheck in the background (pid $$(cat $(VG_LOG_DIR)/pid), $(VG_LOG_DIR)/run.log)"

# ... waits for it and prints its result ...
check-valgrind-wait:
	@[ -f $(VG_LOG_DIR)/pid ] || { echo "valgrind: not started (make check-valgrind-start)"; exit 1; }
	@t0=$$(date +%s); p=$$(cat $(VG_LOG_DIR)/pid); \
	while [ ! -f $(VG_LOG_DIR)/status ] && $(VG_ALIVE); do sleep 1; done; \
	cat $(VG_LOG_DIR)/run.log; echo "valgrind: waited $$(($$(date +%s) - t0)) s for the background sweep"; \
	[ "$$(cat $(VG_LOG_DIR)/status 2>/dev/null)" = 0 ]

# ... or stops it (when a step failed). Process $$p is alive: it exists
# and is no zombie (its parent, init, may not reap it at once).
VG_ALIVE = { kill -0 $$p 2>/dev/null && ! grep -q ') Z ' /proc/$$p/stat 2>/dev/null; }
check-valgrind-stop:
	@if [ -f $(VG_LOG_DIR)/pid ] && [ ! -f $(VG_LOG_DIR)/status ]; then \
	  p=$$(cat $(VG_LOG_DIR)/pid); kill $$p 2>/dev/null; i=0; \
	  while $(VG_ALIVE) && [ $$i -lt 30 ]; do sleep 1; i=$$((i + 1)); done; \
	  echo "valgrind: background sweep stopped"; \
	fi
