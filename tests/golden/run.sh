#!/bin/sh
# Golden tests. For each tests/golden/ok/N.xml: every enforcement point's
# IR dump (N.ir) and nft text (N.nft) must equal the stored expectation, the
# diagnostics on stderr must equal N.warn, and every nft ruleset must pass
# `nft -c -f` in a fresh network namespace. For each tests/golden/fail/N.xml:
# `fwc check` must exit 1 with stderr byte-identical to N.err.
# Run from the repository root; `--update` rewrites the expectations.
set -u
FWC=${FWC:-build/fwc}
update=0
[ "${1:-}" = "--update" ] && update=1
export LC_ALL=C
# Messages name the library directory: make it the same on every build.
export FWC_POLICY_LIBRARY=policies
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
nftc=0

can_nft=0
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	can_nft=1
else
	echo "golden: SKIPPING nft -c validation (needs root, nft and unshare)" >&2
fi

compare() { # expected actual label
	if [ $update = 1 ]; then
		cp "$2" "$1"
		return 0
	fi
	if [ ! -f "$1" ]; then
		echo "FAIL $3: missing expectation $1 (run make update-golden)"
		return 1
	fi
	if ! diff -u "$1" "$2" >"$tmp/diff"; then
		echo "FAIL $3"
		head -40 "$tmp/diff"
		return 1
	fi
	return 0
}

for x in tests/golden/ok/*.xml; do
	[ -e "$x" ] || continue
	n=${x%.xml}
	ok=1
	: >"$tmp/ir"
	: >"$tmp/nft"
	if ! "$FWC" list "$x" >"$tmp/list" 2>"$tmp/warn"; then
		echo "FAIL $x: fwc list failed"
		cat "$tmp/warn"
		fail=$((fail + 1))
		continue
	fi
	compare "$n.warn" "$tmp/warn" "$x (diagnostics)" || ok=0
	grep -E '^(gateway|host) ' "$tmp/list" | while read -r kind name rest; do
		opt=--host
		[ "$kind" = gateway ] && opt=--gateway
		echo "### $kind $name" >>"$tmp/ir"
		"$FWC" compile "$x" $opt "$name" --dump-ir >>"$tmp/ir" 2>/dev/null ||
			echo "### dump-ir FAILED" >>"$tmp/ir"
		echo "### $kind $name" >>"$tmp/nft"
		if "$FWC" compile "$x" $opt "$name" -t nft -o "$tmp/one.nft" 2>"$tmp/err"; then
			cat "$tmp/one.nft" >>"$tmp/nft"
			if [ $can_nft = 1 ]; then
				if ! unshare -n nft -c -f "$tmp/one.nft" >"$tmp/nfterr" 2>&1; then
					echo "### nft -c FAILED:" >>"$tmp/nft"
					cat "$tmp/nfterr" >>"$tmp/nft"
				fi
				echo ok >>"$tmp/nftc"
			fi
		else
			echo "### compile FAILED:" >>"$tmp/nft"
			cat "$tmp/err" >>"$tmp/nft"
		fi
	done
	compare "$n.ir" "$tmp/ir" "$x (IR)" || ok=0
	compare "$n.nft" "$tmp/nft" "$x (nft)" || ok=0
	if grep -q '^### .*FAILED' "$tmp/nft" "$tmp/ir"; then
		echo "FAIL $x: a compile or nft -c failed:"
		grep -A5 '^### .*FAILED' "$tmp/nft" "$tmp/ir" | head -20
		ok=0
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done

for x in tests/golden/fail/*.xml; do
	[ -e "$x" ] || continue
	n=${x%.xml}
	"$FWC" check "$x" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc != 1 ]; then
		echo "FAIL $x: exit $rc, expected 1"
		cat "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	if compare "$n.err" "$tmp/err" "$x"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done

[ -f "$tmp/nftc" ] && nftc=$(wc -l <"$tmp/nftc")
echo "golden: nft -c passed on $nftc rulesets"
[ $update = 1 ] && echo "golden: expectations rewritten; review git diff"
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
