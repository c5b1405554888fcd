#!/bin/sh
# Benchmark of `fwc diff` (make bench-diff): two generated 50,000-flow
# policies that differ in 1% of their flows (tools/gen-diffpair.py).
# Prints wall time, CPU time (user + system, of fwc and of the child that
# compiles NEW) and peak memory of the whole command (both policies
# compiled, then compared), RUNS times (default 5), and of compiling one
# policy alone, against the targets of docs/review.md (2 s, 300 MB; the
# time target must hold in every run). Peak memory is that of the parent
# process plus that of the child, which run at the same time. Needs GNU
# time (/usr/bin/time).
set -u
FWC=${FWC:-build/fwc}
FLOWS=${FLOWS:-50000}
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
python3 tools/gen-diffpair.py "$tmp/old.xml" "$tmp/new.xml" "$FLOWS" 1 || exit 1
measure() { # label command...
	label=$1
	shift
	FWC_PHASES=1 /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	read -r secs user sys kb <<EOT
$(tail -n 1 "$tmp/t")
EOT
	# The child's peak, when there was one (FWC_PHASES output).
	child=$(sed -n 's/^fwc: child (NEW) peak rss \([0-9]*\) MB$/\1/p' \
		"$tmp/err")
	mb=$((kb / 1024 + ${child:-0}))
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	echo "bench-diff: $label: ${secs} s, cpu ${cpu} s, ${mb} MB (exit $rc)"
}
measure "compile one $FLOWS-flow policy (fwc list)" "$FWC" list "$tmp/old.xml"
worst=0
worst_mb=0
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	measure "diff of two $FLOWS-flow policies, 1% of flows changed, run $i" \
		"$FWC" diff "$tmp/old.xml" "$tmp/new.xml"
	worst=$(awk -v a="$worst" -v b="$secs" 'BEGIN { print (b > a ? b : a) }')
	[ "$mb" -gt "$worst_mb" ] && worst_mb=$mb
done
tail -1 "$tmp/out"
awk -v s="$worst" -v m="$worst_mb" -v n="$RUNS" 'BEGIN {
	printf "bench-diff: target 2 s / 300 MB in every run: slowest of %d %.2f s (%s), largest %d MB (%s)\n",
	    n, s, (s < 2 ? "met" : "NOT met"), m, (m < 300 ? "met" : "NOT met") }'
