#!/bin/sh
# The test suites under valgrind memcheck (`make check-valgrind`, and in
# the background of `make check`; docs/security.md): each suite runs with
# FWC=tools/valgrind-fwc.sh (every fwc run under memcheck) and its own
# report directory $VG_LOG_DIR/SUITE. A suite fails when it fails, and
# the whole run fails when any memcheck report is not empty (an error,
# or a definite or indirect leak), even for runs whose exit status the
# suite does not check.
#
# Usage: VG_FWC=/abs/fwc VG_LOG_DIR=/abs/dir sh tests/hardening/valgrind.sh \
#            SUITE...
# Suites (one per `make check` step that runs a program we build): unit
# replay golden examples cli pf netsh review parsers integration hostile
# limits crash outputs bench install phase stream.
#
# VG_JOBS workers (default 2) take the suites in the order given (put the
# longest first). Each suite prints its wall time and the CPU time of its
# processes. SIGTERM or SIGINT stops the workers and their suites.
#
# Environment: VG_BIN (directory with private copies of the unit test
# binaries, test_*, the fuzz replay drivers, fuzz_*, and the parsers'
# round-trip driver, roundtrip: `make check` may rebuild the originals
# meanwhile), VG_ROUNDTRIP=memcheck to run that driver under memcheck
# too (default: natively; the parsers it drives run under memcheck in
# the fuzz corpus replay, whose seeds include every golden output),
# VG_CRASH_ROUNDS (kill rounds of crash.sh under valgrind, default 3: the
# kill loop repeats one command; each of its cases runs at least once),
# VG_REPEATS (see tools/valgrind-fwc.sh; default native, except for
# crash and outputs, whose runs depend on leftover files and get
# killed), VG_STATUS (file that receives the exit status at the end).
set -u
top=$(pwd)
: "${VG_LOG_DIR:?}" "${VG_FWC:?}"
VG_BIN=${VG_BIN:-$VG_LOG_DIR/bin}
# FWC_NL_STREAM=0: valgrind has no userfaultfd (it warns in every
# report), so fwc apply builds its batch in memory under memcheck; the
# streamed batch is tested natively and under ASan+UBSan
# (test_nl_batch, the namespace tests).
export VG_FWC FWC="$top/tools/valgrind-fwc.sh" FWC_NO_ULIMIT=1 \
    FWC_TIMEOUT=${FWC_TIMEOUT:-300} VG_REPEATS=${VG_REPEATS:-native} \
    VG_SEEN="$VG_LOG_DIR/seen" FWC_NL_STREAM=0
mkdir -p "$VG_SEEN"
jobs=${VG_JOBS:-2}

# cpu: sets c to the children's CPU time so far (user + system), in
# centiseconds: dash's `times` prints this shell's, then its children's
# (not in a $(...) subshell, which has no children of its own).
cpu() {
	times >"$VG_LOG_DIR/times.$w"
	c=$(sed -n 2p "$VG_LOG_DIR/times.$w" | tr 'ms' '  ' |
	    awk '{ printf "%d\n", ($1 * 60 + $2 + $3 * 60 + $4) * 100 }')
}

# under_vg PROG ARGS...: PROG under memcheck, report in $VG_LOG_DIR.
under_vg() {
	p=$1
	shift
	VG_PROG=$p VG_REPEATS= "$FWC" "$@"
}

# unit: every unit test binary; replay: every fuzz harness over its
# corpus and regression inputs.
suite_unit() {
	f=0
	for t in "$VG_BIN"/test_*; do
		under_vg "$t" >"$VG_LOG_DIR/$(basename "$t").out" 2>&1 ||
			{ echo "FAIL valgrind $(basename "$t")"; f=1; }
	done
	return $f
}
suite_replay() {
	f=0
	for t in "$VG_BIN"/fuzz_*; do
		h=${t##*/fuzz_}
		mkdir -p "fuzz/regressions/$h"
		under_vg "$t" "fuzz/corpus/$h" "fuzz/regressions/$h" >/dev/null ||
			{ echo "FAIL valgrind replay $h"; f=1; }
	done
	return $f
}

# suite NAME: runs one suite, prints its line, returns its status.
suite() {
	d=$VG_LOG_DIR/$1
	mkdir -p "$d"
	t0=$(date +%s)
	cpu
	c0=$c
	case $1 in
	unit) cmd=suite_unit ;;
	replay) cmd=suite_replay ;;
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
	phase) cmd="sh tests/phase.sh" ;;
	stream) cmd="sh tests/stream.sh" ;;
	parsers)
		# The private copy of the round-trip driver, under memcheck
		# (VG_PROG, the same wrapper) with VG_ROUNDTRIP=memcheck.
		rt=$VG_BIN/roundtrip
		if [ "${VG_ROUNDTRIP:-}" = memcheck ]; then
			printf '#!/bin/sh\nVG_PROG=%s VG_REPEATS= exec %s "$@"\n' \
			    "$rt" "$FWC" >"$d/roundtrip.sh"
			chmod +x "$d/roundtrip.sh"
			rt=$d/roundtrip.sh
		fi
		cmd="env ROUNDTRIP=$rt sh tests/parse/run.sh" ;;
	*)
		echo "valgrind: unknown suite $1"
		return 1 ;;
	esac
	# In the background, so that a stop can end it (its pid in
	# $VG_LOG_DIR/pid.WORKER).
	(
		VG_LOG_DIR=$d
		export VG_LOG_DIR
		$cmd
	) >"$d.out" 2>&1 &
	echo $! >"$VG_LOG_DIR/pid.$w"
	wait $!
	rc=$?
	rm -f "$VG_LOG_DIR/pid.$w"
	t1=$(date +%s)
	cpu
	c=$((c - c0))
	n=$(find "$d" -maxdepth 1 -name 'vg.*.log' | wc -l)
	r=$(find "$d" -maxdepth 1 -name 'vg.*.repeat' | wc -l)
	echo "$1 $((t1 - t0)) $c $n $r $rc" >"$VG_LOG_DIR/$1.time"
	fig="$((t1 - t0)) s wall, $((c / 100)).$((c / 10 % 10)) s CPU, worker $w"
	if [ $rc != 0 ]; then
		echo "FAIL valgrind $1 (exit $rc; $fig):"
		tail -20 "$d.out"
	else
		echo "valgrind $1: passed in $fig; $n runs under memcheck, $r exact repeats run natively"
	fi
	return $rc
}

# worker W SUITES: takes the suites nobody has taken yet, one at a time;
# status 1 when one of them failed.
worker() {
	w=$1
	shift
	f=0
	for s in "$@"; do
		[ -e "$VG_LOG_DIR/stop" ] && return 1
		mkdir "$VG_LOG_DIR/claim.$s" 2>/dev/null || continue
		suite "$s" || f=1
	done
	return $f
}

pids=
stop() {
	: >"$VG_LOG_DIR/stop"
	for p in $pids $(cat "$VG_LOG_DIR"/pid.* 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	echo "valgrind: stopped"
	[ -n "${VG_STATUS:-}" ] && echo 1 >"$VG_STATUS"
	exit 1
}
trap stop TERM INT

T0=$(date +%s)
i=1
while [ $i -le "$jobs" ]; do
	worker $i "$@" >"$VG_LOG_DIR/worker.$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
fail=0
for p in $pids; do
	wait "$p" || fail=1
done
for s in "$@"; do
	[ -e "$VG_LOG_DIR/$s.time" ] || { echo "FAIL valgrind $s: did not run"; fail=1; }
done
cat "$VG_LOG_DIR"/worker.*.out
reports=$(find "$VG_LOG_DIR" -name 'vg.*.log' -size +0 | sort)
for f in $reports; do
	echo "FAIL valgrind report $f:"
	head -40 "$f"
	fail=1
done
cpu_all=$(cat "$VG_LOG_DIR"/*.time 2>/dev/null | awk '{ c += $3 } END { printf "%d", c / 100 }')
echo "valgrind: $(find "$VG_LOG_DIR" -name 'vg.*.log' | wc -l) runs under memcheck, $(find "$VG_LOG_DIR" -name 'vg.*.repeat' | wc -l) exact repeats run natively; $# suites in $(($(date +%s) - T0)) s wall, $cpu_all s CPU"
[ -n "${VG_STATUS:-}" ] && echo $fail >"$VG_STATUS"
exit $fail
