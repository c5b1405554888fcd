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
SAN_STEPS   += check-hostile check-limits check-cli
# Sanitizer builds reserve terabytes of address space: the suites then
# skip their `ulimit -v` memory bounds (and keep their time bounds).
ifneq ($(SANFLAGS),)
export FWC_NO_ULIMIT = 1
endif
.PHONY: check-hardening check-hostile check-limits check-crash check-valgrind

check-hardening: check-hostile check-limits check-crash

check-hostile: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/hostile.sh

check-limits: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/limits.sh

check-crash: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/hardening/crash.sh

# The unit tests, the fuzz corpus replay and the golden, examples and CLI
# suites under valgrind memcheck: any error or definite/indirect leak
# fails (exit status 99 of tools/valgrind-fwc.sh, and a non-empty report
# in $(VG_LOG_DIR) for runs whose exit status a suite does not check).
VG_LOG_DIR = $(BUILD)/valgrind
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
           --errors-for-leak-kinds=definite,indirect
CHECK_STEPS += check-valgrind
DEB_DEPS    += valgrind strace

check-valgrind: $(BUILD)/fwc replay-bins
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@rm -rf $(VG_LOG_DIR); mkdir -p $(VG_LOG_DIR)
	@fail=0; for t in $(UNIT_BINS); do \
	  $(VALGRIND) --log-file=$(VG_LOG_DIR)/unit.%p.log $$t >$(VG_LOG_DIR)/$$(basename $$t).out 2>&1 \
	    || { echo "FAIL valgrind $$t"; fail=1; }; \
	done; \
	for t in $(FUZZ_TARGETS); do \
	  $(VALGRIND) --log-file=$(VG_LOG_DIR)/replay.%p.log $(BUILD)/fuzz-replay/fuzz_$$t \
	    fuzz/corpus/$$t fuzz/regressions/$$t >/dev/null || { echo "FAIL valgrind replay $$t"; fail=1; }; \
	done; \
	echo "valgrind: unit tests and fuzz corpus replayed"; \
	cp $(BUILD)/fwc $(VG_LOG_DIR)/fwc; \
	export VG_LOG_DIR=$(VG_LOG_DIR) VG_FWC=$(VG_LOG_DIR)/fwc FWC=tools/valgrind-fwc.sh \
	  FWC_NO_ULIMIT=1 FWC_TIMEOUT=120; \
	sh tests/golden/run.sh >$(VG_LOG_DIR)/golden.out 2>&1 & g=$$!; \
	sh tests/examples.sh >$(VG_LOG_DIR)/examples.out 2>&1 || { echo "FAIL valgrind examples"; cat $(VG_LOG_DIR)/examples.out; fail=1; }; \
	sh tests/cli.sh >$(VG_LOG_DIR)/cli.out 2>&1 || { echo "FAIL valgrind cli"; cat $(VG_LOG_DIR)/cli.out; fail=1; }; \
	wait $$g || { echo "FAIL valgrind golden"; tail -20 $(VG_LOG_DIR)/golden.out; fail=1; }; \
	for f in $(VG_LOG_DIR)/*.log; do \
	  if [ -s $$f ]; then echo "FAIL valgrind report $$f:"; head -40 $$f; fail=1; fi; \
	done; \
	echo "valgrind: $$(ls $(VG_LOG_DIR)/*.log | wc -l) runs checked"; \
	exit $$fail
