# Shared preamble of the shell checks that compile a generated policy
# (tests/stream.sh, tests/phase.sh). Set NAME to the check's name, then
# source this file: it sets FWC (absolute), LC_ALL=C and a temporary
# directory $tmp removed on exit, counts results with ok and bad, and
# gen_policy FLOWS DIR writes a policy of that many flows with
# tools/bench/gen.py (the check fails at once if it cannot).
set -u
FWC=${FWC:-build/fwc}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

ok() {
	pass=$((pass + 1))
}

bad() {
	echo "FAIL $NAME: $1"
	fail=$((fail + 1))
}

gen_policy() {
	python3 tools/bench/gen.py "$1" "$2" >/dev/null || {
		echo "FAIL $NAME: tools/bench/gen.py"
		exit 1
	}
}
