#!/bin/sh
# Golden tests. For each tests/golden/ok/N.xml and each examples/N.xml
# (expectations in tests/golden/examples/): every enforcement point's IR
# dump (N.ir) and its output for every target (N.nft, N.ipt, N.ip6t, N.pf,
# N.netsh) must equal the stored expectation, the diagnostics on stderr
# must equal N.warn; every nft ruleset must pass `nft -c -f` and every
# iptables/ip6tables file `*-restore --test`, each in a fresh network
# namespace. For each tests/golden/fail/N.xml:
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
iptc=0

can_nft=0
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	can_nft=1
else
	echo "golden: SKIPPING nft -c validation (needs root, nft and unshare)" >&2
fi
can_ipt=0
if [ $can_nft = 1 ] && command -v iptables-restore >/dev/null 2>&1 &&
	unshare -n iptables-restore --test </dev/null 2>/dev/null; then
	can_ipt=1
else
	echo "golden: SKIPPING iptables-restore --test (needs root, iptables, unshare)" >&2
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

# emit_one TARGET EXT KIND NAME OPT: appends the enforcement point's output
# for TARGET to $tmp/EXT. A refusal by the target (e.g. netsh for a
# gateway) is part of the expectation, recorded with its message.
emit_one() {
	echo "### $3 $4" >>"$tmp/$2"
	if "$FWC" compile "$x" $5 "$4" -t "$1" -o "$tmp/one.$2" 2>"$tmp/err"; then
		cat "$tmp/one.$2" >>"$tmp/$2"
		case $1 in
		nft)
			if [ $can_nft = 1 ]; then
				if ! unshare -n nft -c -f "$tmp/one.$2" >"$tmp/nfterr" 2>&1; then
					echo "### nft -c FAILED:" >>"$tmp/$2"
					cat "$tmp/nfterr" >>"$tmp/$2"
				fi
				echo ok >>"$tmp/nftc"
			fi
			;;
		iptables | ip6tables)
			if [ $can_ipt = 1 ]; then
				if ! unshare -n "$1-restore" --test <"$tmp/one.$2" >"$tmp/ipterr" 2>&1; then
					echo "### $1-restore --test FAILED:" >>"$tmp/$2"
					cat "$tmp/ipterr" >>"$tmp/$2"
				fi
				echo ok >>"$tmp/iptc"
			fi
			;;
		esac
	else
		echo "### refused by $1:" >>"$tmp/$2"
		grep -v -e ': warning: ' -e ': note: ' "$tmp/err" >>"$tmp/$2"
	fi
}

# run_case XML STEM: every enforcement point of XML through the IR dump and
# every target, compared with STEM.{warn,ir,nft,ipt,ip6t,pf,netsh}.
run_case() {
	x=$1
	n=$2
	ok=1
	for e in ir nft ipt ip6t pf netsh; do : >"$tmp/$e"; done
	if ! "$FWC" list "$x" >"$tmp/list" 2>"$tmp/warn"; then
		echo "FAIL $x: fwc list failed"
		cat "$tmp/warn"
		fail=$((fail + 1))
		return
	fi
	compare "$n.warn" "$tmp/warn" "$x (diagnostics)" || ok=0
	grep -E '^(gateway|host) ' "$tmp/list" >"$tmp/eps"
	while read -r kind name rest; do
		opt=--host
		[ "$kind" = gateway ] && opt=--gateway
		echo "### $kind $name" >>"$tmp/ir"
		"$FWC" compile "$x" $opt "$name" --dump-ir >>"$tmp/ir" 2>/dev/null ||
			echo "### dump-ir FAILED" >>"$tmp/ir"
		emit_one nft nft "$kind" "$name" $opt
		emit_one iptables ipt "$kind" "$name" $opt
		emit_one ip6tables ip6t "$kind" "$name" $opt
		emit_one pf pf "$kind" "$name" $opt
		emit_one netsh netsh "$kind" "$name" $opt
	done <"$tmp/eps"
	for e in ir nft ipt ip6t pf netsh; do
		compare "$n.$e" "$tmp/$e" "$x ($e)" || ok=0
	done
	if grep -q '^### .*FAILED' "$tmp/nft" "$tmp/ir" "$tmp/ipt" "$tmp/ip6t"; then
		echo "FAIL $x: a compile, nft -c or restore --test failed:"
		grep -A5 '^### .*FAILED' "$tmp/nft" "$tmp/ir" "$tmp/ipt" "$tmp/ip6t" | head -20
		ok=0
	fi
	if grep -q '^### refused by nft' "$tmp/nft"; then
		echo "FAIL $x: the nft target refused an enforcement point"
		ok=0
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

for x in tests/golden/ok/*.xml; do
	[ -e "$x" ] || continue
	run_case "$x" "${x%.xml}"
done
# The bundled examples, for every enforcement point and every target.
for x in examples/*.xml; do
	[ -e "$x" ] || continue
	b=$(basename "$x" .xml)
	run_case "$x" "tests/golden/examples/$b"
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
[ -f "$tmp/iptc" ] && iptc=$(wc -l <"$tmp/iptc")
echo "golden: nft -c passed on $nftc rulesets, restore --test on $iptc iptables/ip6tables files"
[ $update = 1 ] && echo "golden: expectations rewritten; review git diff"
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
