#!/bin/sh
# The test suites that run fwc, under valgrind memcheck (`make
# check-valgrind`, docs/security.md): each suite runs with
# FWC=tools/valgrind-fwc.sh in two lanes at once (one per core), with its
# own report directory $VG_LOG_DIR/SUITE. A suite fails when it fails,
# and the whole run fails when any memcheck report is not empty (an
# error, or a definite or indirect leak), even for runs whose exit status
# the suite does not check.
# Usage: VG_FWC=/abs/fwc VG_LOG_DIR=/abs/dir sh tests/hardening/valgrind.sh \
#            "LANE1 SUITES" "LANE2 SUITES"
# Suites: golden examples cli pf netsh review parsers integration hostile
# limits crash outputs bench install.
# Environment: ROUNDTRIP (the parsers' driver), VG_ROUNDTRIP=memcheck
# to run that driver under memcheck too (default: natively; the parsers
# it drives run under memcheck in the fuzz corpus replay, whose seeds
# include every golden output), VG_CRASH_ROUNDS (kill rounds of crash.sh
# under valgrind, default 3: the kill loop repeats one command; each of
# its cases runs at least once), VG_REPEATS (see tools/valgrind-fwc.sh;
# default native, except for crash and outputs, whose runs depend on
# leftover files and get killed).
set -u
top=$(pwd)
: "${VG_LOG_DIR:?}" "${VG_FWC:?}"
export VG_FWC FWC="$top/tools/valgrind-fwc.sh" FWC_NO_ULIMIT=1 \
    FWC_TIMEOUT=${FWC_TIMEOUT:-300} VG_REPEATS=${VG_REPEATS:-native} \
    VG_SEEN="$VG_LOG_DIR/seen"
mkdir -p "$VG_SEEN"

# suite NAME: runs one suite, prints its line, returns its status.
suite() {
	d=$VG_LOG_DIR/$1
	mkdir -p "$d"
	t0=$(date +%s)
	case $1 in
	golden) cmd="sh tests/golden/run.sh" ;;
	examples) cmd="sh tests/examples.sh" ;;
	cli) cmd="sh tests/cli.sh" ;;
	pf) cmd="sh tests/pf.sh" ;;
	netsh) cmd="sh tests/netsh.sh" ;;
	review) cmd="sh tests/review/run.sh" ;;
	integration) cmd="sh tests/integration/run.sh" ;;
	hostile) cmd="sh tests/hardening/hostile.sh" ;;
	limits) cmd="sh tests/hardening/limits.sh" ;;
	outputs) cmd="env VG_REPEATS= sh tests/hardening/outputs.sh" ;;
	crash) cmd="env VG_REPEATS= sh tests/hardening/crash.sh ${VG_CRASH_ROUNDS:-3}" ;;
	bench) cmd="env OUT=$d/bench-check sh tools/bench/check.sh" ;;
	install) cmd="env FWC_WRAP=$FWC INSTALL_BUILD=$d/install-build sh tests/install.sh" ;;
	parsers)
		# A private copy of the round-trip driver, under memcheck
		# (VG_PROG, the same wrapper) with VG_ROUNDTRIP=memcheck.
		cp "${ROUNDTRIP:-build/tests/roundtrip}" "$d/roundtrip" || return 1
		rt=$d/roundtrip
		if [ "${VG_ROUNDTRIP:-}" = memcheck ]; then
			printf '#!/bin/sh\nVG_PROG=%s VG_REPEATS= exec %s "$@"\n' \
			    "$d/roundtrip" "$FWC" >"$d/roundtrip.sh"
			chmod +x "$d/roundtrip.sh"
			rt=$d/roundtrip.sh
		fi
		cmd="env ROUNDTRIP=$rt sh tests/parse/run.sh" ;;
	*)
		echo "valgrind: unknown suite $1"
		return 1 ;;
	esac
	VG_LOG_DIR=$d $cmd >"$d.out" 2>&1
	rc=$?
	t1=$(date +%s)
	n=$(find "$d" -maxdepth 1 -name 'vg.*.log' | wc -l)
	r=$(find "$d" -maxdepth 1 -name 'vg.*.repeat' | wc -l)
	if [ $rc != 0 ]; then
		echo "FAIL valgrind $1 (exit $rc, $((t1 - t0)) s):"
		tail -20 "$d.out"
	else
		echo "valgrind $1: passed in $((t1 - t0)) s; $n runs under memcheck, $r exact repeats run natively"
	fi
	return $rc
}

# lane SUITES: the suites one after the other; status 1 when one failed.
lane() {
	f=0
	for s in $1; do
		suite "$s" || f=1
	done
	return $f
}

fail=0
lane "${2:-}" >"$VG_LOG_DIR/lane2.out" 2>&1 &
p2=$!
lane "$1" || fail=1
wait $p2 || fail=1
cat "$VG_LOG_DIR/lane2.out"
reports=$(find "$VG_LOG_DIR" -name 'vg.*.log' -size +0 | sort)
for f in $reports; do
	echo "FAIL valgrind report $f:"
	head -40 "$f"
	fail=1
done
echo "valgrind: $(find "$VG_LOG_DIR" -name 'vg.*.log' | wc -l) runs under memcheck, $(find "$VG_LOG_DIR" -name 'vg.*.repeat' | wc -l) exact repeats run natively"
exit $fail
