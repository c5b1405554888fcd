# Backend output parsers (issues 5 and 7): backends/*_parse.c are linked
# into the library automatically. check-parsers compiles every golden and
# example policy, emits every target, parses the output back and compares
# it with the IR packet by packet, also in the form the kernel tools list
# after loading it, and requires mutated and damaged outputs to be caught
# (tests/parse/run.sh). Hostile names: tests/unit/test_parse_hostile.c.
CHECK_STEPS += check-parsers
SAN_STEPS += check-parsers

# Fragments are read before the Makefile's first target: keep `make`
# building the program rather than the first target of a fragment.
.DEFAULT_GOAL := all

.PHONY: check-parsers

# LIB_OBJS is defined after the fragments are read, so the driver depends
# on the program, which depends on every library object.
$(BUILD)/tests/roundtrip: tests/parse/roundtrip.c $(BUILD)/fwc
	@mkdir -p $(dir $@)
	$(CC) $(FWC_CPPFLAGS) $(FWC_CFLAGS) -o $@ $< $(LIB_OBJS) $(XML_LIBS) $(EXTRA_LIBS) $(FWC_LDFLAGS)

check-parsers: $(BUILD)/fwc $(BUILD)/tests/roundtrip
	FWC=$(BUILD)/fwc ROUNDTRIP=$(BUILD)/tests/roundtrip sh tests/parse/run.sh
