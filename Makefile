# fwc — firewall policy compiler. GNU make.
# See README.md for the quick start and docs/ for the rest.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
SANFLAGS ?=

DEB_DEPS = build-essential pkg-config libxml2-dev libnftnl-dev libmnl-dev \
           libcmocka-dev nftables iptables iproute2 libxml2-utils python3

# The build and the tests run the Debian packages that `make deps`
# installs, before anything earlier in PATH (a pyenv shim in front of
# python3 took 0.7 s a start, and the tests start it thousands of times).
export PATH := /usr/sbin:/usr/bin:/sbin:/bin:$(PATH)

WERROR ?= -Werror
WARN    = -Wall -Wextra -Wpedantic $(WERROR) -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wmissing-declarations -Wwrite-strings \
          -Wformat=2 -Wundef -Wcast-align -Wpointer-arith -Wvla \
          -Wnull-dereference -Wimplicit-fallthrough
XML_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libxml-2.0 2>/dev/null))
# libxml2 and BuDDy are not linked: fwc loads each when first needed
# (include/fwc/dl.h), by the soname of the library found here.
XML_LIBS   :=
so_name = $(shell objdump -p "$$(readlink -f "$$($(CC) -print-file-name=$(1))")" 2>/dev/null | \
            awk '$$1 == "SONAME" { print $$2 }')
XML_SONAME := $(call so_name,libxml2.so)
BDD_SONAME := $(call so_name,libbdd.so)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
FWC_CFLAGS = -std=c11 $(WARN) -fno-common $(CFLAGS) $(SANFLAGS)
FWC_CPPFLAGS = -Iinclude -Ibackends -Ianalysis -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
               -DFWC_DATADIR='"$(DATADIR)/fwc"' $(XML_CFLAGS) $(CPPFLAGS) \
               $(if $(XML_SONAME),-DFWC_LIBXML2_SONAME='"$(XML_SONAME)"') \
               $(if $(BDD_SONAME),-DFWC_BDD_SONAME='"$(BDD_SONAME)"')
FWC_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Feature fragments (mk/*.mk) add sources, libraries, Debian packages and
# test steps: EXTRA_SRCS, EXTRA_LIBS, DEB_DEPS, CHECK_STEPS, SAN_STEPS,
# BENCH_STEPS (run by `make bench`).
EXTRA_SRCS :=
EXTRA_LIBS :=
CHECK_STEPS := check-headers check-unit check-golden check-examples check-cli \
               check-backends check-install check-integration
SAN_STEPS := check-unit check-golden check-examples check-backends check-install
BENCH_STEPS :=
.DEFAULT_GOAL := all
-include $(sort $(wildcard mk/*.mk))

LIB_SRCS := $(filter-out compiler/main.c,$(wildcard compiler/*.c)) \
            $(wildcard backends/*.c analysis/*.c) $(EXTRA_SRCS)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/policy_rng.o
MAIN_OBJ := $(BUILD)/compiler/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run check check-unit check-golden check-examples \
        check-integration check-cli check-backends check-install check-headers update-golden asan-ubsan asan ubsan install \
        uninstall format format-check clean

all: $(BUILD)/fwc

# Installs the Debian packages that the build and the tests need, and
# says so; does nothing when they are all present.
deps:
	@missing=""; for p in $(DEB_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "fwc: installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "fwc: need root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

$(BUILD)/fwc: $(MAIN_OBJ) $(LIB_OBJS)
	$(CC) $(FWC_LDFLAGS) -o $@ $^ $(XML_LIBS) $(EXTRA_LIBS)

# The installed library path is compiled into main.o: rebuild it when
# DATADIR changes (make install PREFIX=/usr after a plain make).
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(DATADIR)' > $@.tmp; cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(MAIN_OBJ): $(BUILD)/datadir.stamp

.PHONY: FORCE
FORCE:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -MMD -MP -c -o $@ $<

# The RELAX NG schema is compiled into the binary so that validation never
# depends on installed files.
$(BUILD)/gen/policy_rng.c: policies/policy.rng tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh fwc_policy_rng $< > $@

$(BUILD)/gen/policy_rng.o: $(BUILD)/gen/policy_rng.c
	$(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -Wno-missing-prototypes -Wno-missing-declarations -o $@ $< $(LIB_OBJS) $(XML_LIBS) $(EXTRA_LIBS) $(CMOCKA_LIBS) $(FWC_LDFLAGS)

run: deps
	@$(MAKE) --no-print-directory all >/dev/null
	$(BUILD)/fwc compile examples/configmgr-site.xml -I policies --gateway gw-core -t nft

check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
	  if $$t >$$t.log 2>&1; then \
	    grep -h -E '^\[  PASSED  \]' $$t.log | sed "s|^|$$(basename $$t): |"; \
	  else fail=1; echo "FAIL $$t"; cat $$t.log; fi; \
	done; exit $$fail

check-golden: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/golden/run.sh

update-golden: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/golden/run.sh --update

check-examples: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/examples.sh

check-cli: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/cli.sh

check-backends: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/pf.sh
	FWC=$(BUILD)/fwc sh tests/netsh.sh

check-install:
	INSTALL_BUILD=$(BUILD)/install-test sh tests/install.sh

check-integration: $(BUILD)/fwc
	FWC=$(BUILD)/fwc sh tests/integration/run.sh

check-headers:
	@for h in include/fwc/*.h; do \
	  echo "#include \"$${h#include/}\"" | $(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -x c -fsyntax-only - || exit 1; \
	done; echo "headers: each compiles alone"

# Each X of CHECK_BG_STEPS (fragments) runs alongside the steps: X-start
# before them, X-wait after them, X-stop when a step fails.
check: deps
	$(MAKE) all
	@t0=$$(date +%s); \
	stop() { for b in $(CHECK_BG_STEPS); do $(MAKE) --no-print-directory $$b-stop; done; }; \
	trap 'stop; exit 1' INT TERM; \
	for b in $(CHECK_BG_STEPS); do \
	  echo "== make $$b-start (in the background, at $$(($$(date +%s) - t0)) s)"; \
	  $(MAKE) --no-print-directory $$b-start || { stop; exit 1; }; \
	done; \
	for s in $(CHECK_STEPS) asan-ubsan $(CHECK_BG_STEPS:%=%-wait); do \
	  echo "== make $$s (at $$(($$(date +%s) - t0)) s)"; \
	  $(MAKE) --no-print-directory $$s || { stop; exit 1; }; \
	done; echo "check: all steps passed in $$(($$(date +%s) - t0)) s"

# Unit and golden suites again under AddressSanitizer and UBSan.
asan-ubsan:
	$(MAKE) BUILD=build/asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	  SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
	  CRASH_ROUNDS=5 $(SAN_STEPS)

asan:
	$(MAKE) BUILD=build/asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	  SANFLAGS='-fsanitize=address -fno-sanitize-recover=all' \
	  check-unit check-golden check-examples

ubsan:
	$(MAKE) BUILD=build/ubsan CFLAGS='-O1 -g' \
	  SANFLAGS='-fsanitize=undefined -fno-sanitize-recover=all' \
	  check-unit check-golden check-examples

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/fwc/policies $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/fwc $(DESTDIR)$(BINDIR)/fwc
	install -m 644 policies/*.xml policies/policy.rng $(DESTDIR)$(DATADIR)/fwc/policies/
	install -m 644 docs/fwc.1 $(DESTDIR)$(MANDIR)/man1/fwc.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fwc $(DESTDIR)$(MANDIR)/man1/fwc.1
	rm -rf $(DESTDIR)$(DATADIR)/fwc

FORMAT_SRCS = $(wildcard compiler/*.c backends/*.c backends/*.h analysis/*.c analysis/*.h include/fwc/*.h tests/unit/*.c)
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
