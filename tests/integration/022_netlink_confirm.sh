#!/bin/sh
# fwc apply --confirm, fwc confirm and the lock, in a fresh network
# namespace (state in a private FWC_RUNDIR):
# 1. --confirm without `fwc confirm`: the previous table is back after
#    the timeout, byte for byte in `nft list table`;
# 2. --confirm then `fwc confirm`: the new table stays, the timer is
#    stopped;
# 3. --confirm with no table before: the table is gone after the timeout;
# 4. SIGKILL of fwc's whole process group right after the commit: the
#    revert still happens;
# 5. the lock: an apply queues for it and waits while another holds it,
#    and concurrent applies of two policies leave exactly one of the two
#    tables.
. "$(dirname "$0")/lib.sh"
need_root
command -v flock >/dev/null 2>&1 || { echo "SKIP $(basename "$0"): no flock" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
export FWC_RUNDIR="$tmp/run"
# a has verdict-map dispatch chains: the saved table keeps their jumps.
a=tests/golden/ok/16-dispatch-tree.xml
b=tests/golden/ok/04-deny-reject-log.xml

ok() { T_PASS=$((T_PASS + 1)); }
bad() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $*"
}
listing() { in_ns gw nft list table inet fwc 2>/dev/null; }
# wait_for FILE: until `nft list table inet fwc` equals FILE (10 s).
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		listing >"$tmp/now"
		cmp -s "$tmp/now" "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

ns_new gw
# Reference listings of both policies.
in_ns gw "$FWC" apply $b --gateway gw >/dev/null 2>&1
listing >"$tmp/B"
t0=$(date +%s%N)
in_ns gw "$FWC" apply $a --gateway gw >/dev/null 2>&1 || exit 1
t1=$(date +%s%N)
listing >"$tmp/A"
# The confirm window W: 2 s, longer when an apply takes long (valgrind,
# a loaded machine), so that the new table is seen in force before the
# timer reverts it.
W=$((2 + 4 * (t1 - t0) / 1000000000))
ino=$(in_ns gw stat -L -c %i /proc/self/ns/net)
state="$FWC_RUNDIR/net-$ino"

# 1.
if in_ns gw "$FWC" apply $b --gateway gw --confirm $W >"$tmp/out" 2>&1; then
	ok
else
	bad "apply --confirm"
	cat "$tmp/out"
fi
grep -q "^reverting to the previous table in $W s unless 'fwc confirm' is run\$" \
	"$tmp/out" && ok || bad "confirm message: $(cat "$tmp/out")"
listing >"$tmp/now"
cmp -s "$tmp/now" "$tmp/B" && ok || bad "--confirm: new table not in force"
sleep $W
if wait_for "$tmp/A"; then ok; else
	bad "no revert after the timeout"
	diff "$tmp/A" "$tmp/now" | head -5
fi
if in_ns gw "$FWC" confirm >"$tmp/out" 2>&1; then
	bad "fwc confirm after the revert succeeded"
else
	grep -q '^fwc: no revert is pending$' "$tmp/out" && ok || bad "confirm: $(cat "$tmp/out")"
fi

# 2. The timer is in place when apply returns (its pid file written);
# confirm stops it: the process is gone (long before its 60 s are up),
# nothing is pending, and the table stays.
in_ns gw "$FWC" apply $b --gateway gw --confirm 60 >/dev/null 2>&1
tpid=$(cut -d' ' -f1 "$state/timer" 2>/dev/null)
[ -n "$tpid" ] && [ -d "/proc/$tpid" ] && ok || bad "no timer process after apply --confirm"
if in_ns gw "$FWC" confirm >"$tmp/out" 2>&1 &&
	grep -q '^confirmed: the applied table stays$' "$tmp/out"; then
	ok
else
	bad "fwc confirm: $(cat "$tmp/out")"
fi
# gone: reaped, or a zombie of a parent that does not reap
gone() { [ ! -d "/proc/$1" ] || grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null; }
i=0
while [ $i -lt 100 ] && [ -n "$tpid" ] && ! gone "$tpid"; do sleep 0.1; i=$((i + 1)); done
[ -n "$tpid" ] && gone "$tpid" && ok || bad "confirm did not stop the timer"
[ ! -e "$state/revert" ] && [ ! -e "$state/timer" ] && ok ||
	bad "state left after confirm: $(ls "$state")"
listing >"$tmp/now"
cmp -s "$tmp/now" "$tmp/B" && ok || bad "confirmed table was reverted"

# 3.
in_ns gw nft delete table inet fwc
in_ns gw "$FWC" apply $a --gateway gw --confirm $W >"$tmp/out" 2>&1
grep -q "^reverting to the state without table inet fwc in $W s" "$tmp/out" &&
	ok || bad "no-table confirm message: $(cat "$tmp/out")"
sleep $W
i=0
while [ $i -lt 50 ] && listing >/dev/null; do sleep 0.1; i=$((i + 1)); done
if listing >/dev/null; then bad "table still there after revert"; else ok; fi

# 4. SIGKILL as soon as the new table is in force.
in_ns gw "$FWC" apply $a --gateway gw >/dev/null 2>&1
# fwc runs in a process group of its own, and the whole group gets
# SIGKILL: a timer that stayed in it would die too.
setsid ip netns exec "$NSP-gw" "$FWC" apply $b --gateway gw --confirm $((W + 1)) \
	>/dev/null 2>&1 &
pid=$!
if wait_for "$tmp/B"; then ok; else bad "SIGKILL: new table never in force"; fi
kill -9 -- -$pid 2>/dev/null
wait $pid 2>/dev/null
sleep $((W + 1))
if wait_for "$tmp/A"; then ok; else bad "SIGKILL: no revert"; fi

# 5. The lock: hold it, start an apply, it must not commit until the lock
# is released.
lock="$state/lock"
[ -f "$lock" ] && ok || bad "no lock file at $lock"
# The holder keeps the lock until told to let go; /proc/locks shows the
# holder, then the apply blocked behind it ("->"), whatever the load or
# the speed of fwc (valgrind): no fixed sleeps.
lino=$(stat -c %i "$lock")
# lock_seen PATTERN: until /proc/locks has a FLOCK line on the lock file
# matching PATTERN (60 s).
lock_seen() {
	i=0
	while [ $i -lt 600 ]; do
		grep -E "^[0-9]+: $1FLOCK .*:$lino " /proc/locks >/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
flock "$lock" sh -c "while [ ! -e '$tmp/release' ]; do sleep 0.05; done" &
hold=$!
lock_seen "" || bad "the test could not take the lock"
in_ns gw "$FWC" apply $b --gateway gw >/dev/null 2>&1 &
pid=$!
if lock_seen "-> "; then ok; else bad "apply did not queue for the lock"; fi
listing >"$tmp/now"
cmp -s "$tmp/now" "$tmp/A" && ok || bad "apply did not wait for the lock"
: >"$tmp/release"
wait $hold
wait $pid && ok || bad "apply after the lock was released"
listing >"$tmp/now"
cmp -s "$tmp/now" "$tmp/B" && ok || bad "apply after the lock: wrong table"
# Concurrent applies of A and B: each succeeds, one whole table wins.
pids=""
for i in 1 2 3 4 5 6; do
	if [ $((i % 2)) = 0 ]; then p=$a; else p=$b; fi
	in_ns gw "$FWC" apply $p --gateway gw >/dev/null 2>"$tmp/err$i" &
	pids="$pids $!"
done
failed=0
for p in $pids; do wait $p || failed=$((failed + 1)); done
[ $failed = 0 ] && ok || bad "$failed concurrent applies failed"
listing >"$tmp/now"
if cmp -s "$tmp/now" "$tmp/A" || cmp -s "$tmp/now" "$tmp/B"; then ok; else
	bad "concurrent applies left a mixed table"
fi
finish
