#!/bin/sh
# `make check-bench`: the benchmark's own test, fast and without the
# competitors. Generates the 200- and 2,000-flow policies, compiles them
# with fwc (nft, iptables, pf) through run.py, which checks that the
# iptables and pf outputs enforce exactly the generated flows; then checks
# that equiv.py does notice a missing rule and a changed port.
set -eu
FWC=${FWC:-build/fwc}
OUT=${OUT:-build/bench-check}
HERE=$(dirname "$0")
rm -rf "$OUT"
python3 "$HERE/run.py" --fwc "$FWC" --out "$OUT" --sizes 200,2000 \
    --competitor-max 0 --repeat 1 >"$OUT.log" 2>&1 || {
	cat "$OUT.log"; echo "check-bench: run.py failed"; exit 1; }
n=$(grep -c ': same 200 rules$' "$OUT.log" || true)
m=$(grep -c ': same 2000 rules$' "$OUT.log" || true)
if [ "$n" != 2 ] || [ "$m" != 2 ]; then
	cat "$OUT.log"; echo "check-bench: fwc outputs not equivalent"; exit 1
fi
d=$OUT/200
# A deleted rule and a changed port must both be reported.
grep -v -- '--comment "f7"' "$d/fwc.iptables" >"$d/mut1"
sed 's/--dport 443 /--dport 444 /' "$d/fwc.iptables" >"$d/mut2"
for f in mut1 mut2; do
	if python3 "$HERE/equiv.py" "$d/expected.tsv" iptables "$d/$f" \
	    >"$d/$f.out"; then
		echo "check-bench: equiv.py missed the change in $f"; exit 1
	fi
done
grep -q '^1 of 200 flows missing, 0 unexpected' "$d/mut1.out" || {
	cat "$d/mut1.out"; echo "check-bench: wrong report for mut1"; exit 1; }
echo "bench: generator, runner and equivalence checks passed" \
    "(fwc: 200 and 2000 flows, nft/iptables/pf)"
