#!/bin/sh
# Benchmark of `fwc diff` (make bench-diff): two generated 50,000-flow
# policies that differ in 1% of their flows (tools/gen-diffpair.py).
# Prints wall time and peak memory of the whole command (both policies
# compiled, then compared) and of compiling one policy alone, against the
# targets of docs/review.md (2 s, 300 MB). Needs GNU time (/usr/bin/time).
set -u
FWC=${FWC:-build/fwc}
FLOWS=${FLOWS:-50000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
python3 tools/gen-diffpair.py "$tmp/old.xml" "$tmp/new.xml" "$FLOWS" 1 || exit 1
measure() { # label command...
	label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	read -r secs kb <<EOT
$(tail -n 1 "$tmp/t")
EOT
	mb=$((kb / 1024))
	echo "bench-diff: $label: ${secs} s, ${mb} MB (exit $rc)"
}
measure "compile one $FLOWS-flow policy (fwc list)" "$FWC" list "$tmp/old.xml"
measure "diff of two $FLOWS-flow policies, 1% of flows changed" \
	"$FWC" diff "$tmp/old.xml" "$tmp/new.xml"
tail -1 "$tmp/out"
awk -v s="$secs" -v m="$mb" 'BEGIN {
	printf "bench-diff: target 2 s / 300 MB: time %s, memory %s\n",
	    (s < 2 ? "met" : "NOT met"), (m < 300 ? "met" : "NOT met") }'
