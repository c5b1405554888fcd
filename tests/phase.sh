#!/bin/sh
# The phase timer of docs/performance.md section 9: the documented
# example (a generated 2,000-flow policy compiled with FWC_PHASES=1)
# prints one line per phase of the pipeline on stderr, in order, each with
# its wall and CPU time and peak memory; the output is byte-identical to
# a run without it, and without it stderr stays empty.
NAME=phase
. "$(dirname "$0")/lib-bench.sh"

gen_policy 2000 "$tmp/bench-2000"
cd "$tmp/bench-2000" || exit 1

# The example as documented.
if FWC_PHASES=1 "$FWC" compile policy.xml --gateway gw -t nft -o fwc.nft \
    2>phases; then ok; else bad "compile with FWC_PHASES=1"; fi
cat phases
# parse, sema, place and opt, once each and in this order (an emit line
# may follow), every line complete.
if [ "$(sed -n 's/^fwc: phase \([a-z]*\) .*/\1/p' phases | head -4 | tr '\n' ' ')" = \
    "parse sema place opt " ]; then ok; else bad "phase names or order"; fi
if grep -v -E '^fwc: phase [a-z]+ +wall +[0-9]+\.[0-9]{3} s +cpu +[0-9]+\.[0-9]{3} s \(user [0-9.]+, sys [0-9.]+\) +peak rss +[0-9]+ MB \([+-][0-9]+\)(  arena [0-9]+ MB)?$' \
    phases >bad_lines; then
	bad "malformed lines:"
	cat bad_lines
else
	ok
fi
# Reading the policy takes memory: parse's peak is not zero.
if grep -q -E '^fwc: phase parse .*peak rss +[1-9][0-9]* MB' phases; then ok; else bad "parse peak rss"; fi

# Same bytes without the timer, and a silent stderr.
if "$FWC" compile policy.xml --gateway gw -t nft -o plain.nft 2>plain.err; then ok; else bad "compile"; fi
if cmp -s fwc.nft plain.nft; then ok; else bad "output differs with FWC_PHASES=1"; fi
if [ ! -s plain.err ]; then ok; else bad "stderr without FWC_PHASES"; cat plain.err; fi
# Only the value 1 turns it on.
if FWC_PHASES=0 "$FWC" compile policy.xml --gateway gw -t nft -o zero.nft \
    2>zero.err && [ ! -s zero.err ]; then ok; else bad "FWC_PHASES=0 printed"; fi

echo "phase: $pass passed, $fail failed"
[ $fail = 0 ]
