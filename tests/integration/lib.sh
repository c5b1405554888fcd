# Shared helpers of the namespace tests (sourced). Each test builds its own
# network namespaces, named fwc<pid>-<name>, and removes them on exit; the
# host's own namespace and ruleset are never touched.
# Exit status of a test: 0 passed, 1 failed, 77 skipped (never "passed").

set -u
FWC=${FWC:-build/fwc}
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE="python3 $HERE/probe.py"
NSP="fwc$$"
NS_LIST=""
PIDS=""
T_PASS=0
T_FAIL=0
export LC_ALL=C

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP $(basename "$0"): needs root for network namespaces" >&2
		exit 77
	fi
	for c in ip nft python3; do
		if ! command -v $c >/dev/null 2>&1; then
			echo "SKIP $(basename "$0"): '$c' is missing" >&2
			exit 77
		fi
	done
	if ! ip netns add "${NSP}-probe" 2>/dev/null; then
		echo "SKIP $(basename "$0"): cannot create network namespaces" >&2
		exit 77
	fi
	ip netns del "${NSP}-probe"
}

# Every process still in one of our namespaces goes too: a listener
# started with `in_ns ... &` is the child of the subshell in $PIDS, and
# would otherwise outlive the test and keep its namespace alive.
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for n in $NS_LIST; do
		pids=$(ip netns pids "$n" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
}
trap cleanup EXIT INT TERM

# ns_new NAME: a fresh namespace with loopback up.
ns_new() {
	ip netns add "$NSP-$1"
	NS_LIST="$NS_LIST $NSP-$1"
	ip -n "$NSP-$1" link set lo up
	ip netns exec "$NSP-$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
}

# in NAME CMD...: run CMD inside namespace NAME.
in_ns() {
	n=$1
	shift
	ip netns exec "$NSP-$n" "$@"
}

# router NAME: forwarding on, ICMP rate limits off (else rejects after the
# first look like drops).
router() {
	in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
}

# link GW IFNAME SITE: a veth pair, IFNAME in GW, "up0" in SITE.
link() {
	ip link add "$NSP-t" type veth peer name "$NSP-p"
	ip link set "$NSP-t" netns "$NSP-$1" name "$2"
	ip link set "$NSP-p" netns "$NSP-$3" name up0
	ip -n "$NSP-$1" link set "$2" up
	ip -n "$NSP-$3" link set up0 up
}

# addr NS IFNAME CIDR...: addresses without duplicate address detection.
addr() {
	n=$1
	i=$2
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$NSP-$n" -6 addr add "$a" dev "$i" nodad ;;
		*) ip -n "$NSP-$n" addr add "$a" dev "$i" ;;
		esac
	done
}

# route NS V4GW V6GW: default routes.
route() {
	ip -n "$NSP-$1" route add default via "$2"
	ip -n "$NSP-$1" -6 route add default via "$3"
}

# listen NS PORT...: TCP listeners on every address of NS.
listen() {
	n=$1
	shift
	in_ns "$n" $PROBE listen "$@" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
}

# probe EXPECT NS SRC DST PORT: one TCP connection; EXPECT is open,
# refused (a reject) or timeout (a drop).
probe() {
	want=$1
	t=1.5
	[ "$want" != timeout ] && t=4
	got=$(in_ns "$2" $PROBE connect "$3" "$4" "$5" $t)
	if [ "$got" = "$want" ]; then
		T_PASS=$((T_PASS + 1))
	else
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL probe $3 -> $4 tcp/$5: expected $want, got $got"
	fi
}

# probes FILE: lines "EXPECT NS SRC DST PORT..." ('#' comments), one probe
# per port. PROBE_JOBS (default 16) probes run at a time: most of a
# probe's time is waiting for an answer that a drop never gives, and one
# after the other the ConfigMgr probes took 40 s a run. Results are
# checked and reported in the file's order.
probes() {
	pdir=$(mktemp -d)
	i=0
	batch=""
	while read -r want n src dst ports; do
		case $want in '' | '#'*) continue ;; esac
		for p in $ports; do
			i=$((i + 1))
			t=1.5
			[ "$want" != timeout ] && t=4
			echo "$want $src $dst $p" >"$pdir/$i.want"
			in_ns "$n" $PROBE connect "$src" "$dst" "$p" $t \
				>"$pdir/$i.got" 2>&1 &
			batch="$batch $!"
			if [ $((i % ${PROBE_JOBS:-16})) = 0 ]; then
				wait $batch
				batch=""
			fi
		done
	done <"$1"
	[ -n "$batch" ] && wait $batch
	j=1
	while [ $j -le $i ]; do
		read -r want src dst p <"$pdir/$j.want"
		got=$(cat "$pdir/$j.got")
		if [ "$got" = "$want" ]; then
			T_PASS=$((T_PASS + 1))
		else
			T_FAIL=$((T_FAIL + 1))
			echo "FAIL probe $src -> $dst tcp/$p: expected $want, got $got"
		fi
		j=$((j + 1))
	done
	rm -rf "$pdir"
}

# wait_listeners: give the listeners a moment to bind.
wait_listeners() {
	sleep 0.5
}

finish() {
	echo "$(basename "$0"): $T_PASS passed, $T_FAIL failed"
	[ $T_FAIL = 0 ]
	exit $?
}
