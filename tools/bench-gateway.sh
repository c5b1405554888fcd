#!/bin/sh
# Connection-setup rate through a namespace gateway (issue 6, "constant-time
# gateways"): client ns -- gateway ns -- server ns over veth pairs; the
# gateway loads fwc's nft output for a 20-flow and a 20,000-flow policy
# (tools/gen-gateway-policy.py), each in the default layout (auto: the
# 20-flow chain stays flat, the 20,000-flow one becomes a dispatch tree)
# and as one rule per flow (--nft-layout flat);
# the client opens N TCP connections, one after the other, to the server
# through the gateway on the flow that comes last. Each configuration is
# measured ROUNDS times; the median is reported.
# Usage: tools/bench-gateway.sh [N_CONNECTIONS] [ROUNDS]   (root)
set -eu
FWC=${FWC:-build/fwc}
N=${1:-3000}
ROUNDS=${2:-3}
BIG=${BENCH_GATEWAY_FLOWS:-20000}
if [ "$(id -u)" != 0 ]; then
	echo "bench-gateway: needs root for network namespaces" >&2
	exit 77
fi
tmp=$(mktemp -d)
P=fwcb$$
cleanup() {
	[ -f "$tmp/srv.pid" ] && kill "$(cat "$tmp/srv.pid")" 2>/dev/null
	for n in c g s; do ip netns del "$P-$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

python3 tools/gen-gateway-policy.py 20 >"$tmp/p20.xml"
python3 tools/gen-gateway-policy.py "$BIG" >"$tmp/pbig.xml"
for p in p20 pbig; do
	"$FWC" compile "$tmp/$p.xml" --gateway gw -t nft -o "$tmp/$p-auto.nft"
	"$FWC" compile "$tmp/$p.xml" --gateway gw -t nft --nft-layout flat -o "$tmp/$p-flat.nft"
done

for n in c g s; do
	ip netns add "$P-$n"
	ip -n "$P-$n" link set lo up
done
ip link add vc netns "$P-g" type veth peer name eth0 netns "$P-c"
ip link add vs netns "$P-g" type veth peer name eth0 netns "$P-s"
ip -n "$P-c" addr add 192.168.1.2/24 dev eth0
ip -n "$P-s" addr add 192.168.2.2/24 dev eth0
ip -n "$P-g" addr add 192.168.1.1/24 dev vc
ip -n "$P-g" addr add 192.168.2.1/24 dev vs
for l in "c eth0" "s eth0" "g vc" "g vs"; do
	set -- $l
	ip -n "$P-$1" link set "$2" up
done
ip -n "$P-c" route add default via 192.168.1.1
ip -n "$P-s" route add default via 192.168.2.1
ip netns exec "$P-g" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$P-c" sysctl -qw net.ipv4.tcp_tw_reuse=1

cat >"$tmp/srv.py" <<'PY'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5001))
s.listen(4096)
while True:
    c, _ = s.accept()
    c.close()
PY
cat >"$tmp/rate.py" <<'PY'
import socket, struct, sys, time
n = int(sys.argv[1])
# Close with a reset: no TIME_WAIT, so thousands of connections per second
# never run out of local ports.
linger = struct.pack("ii", 1, 0)
ok = 0
t = time.perf_counter()
for _ in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    s.settimeout(1)
    try:
        s.connect(("192.168.2.2", 5001))
        ok += 1
    except OSError:
        pass
    s.close()
dt = time.perf_counter() - t
if ok != n:
    sys.exit("only %d of %d connections succeeded" % (ok, n))
print("%.0f" % (n / dt))
PY
ip netns exec "$P-s" python3 "$tmp/srv.py" </dev/null >/dev/null 2>&1 &
echo $! >"$tmp/srv.pid"
sleep 0.5

# Loading 20,000 flows takes nft a minute: each configuration is loaded
# once and measured ROUNDS times, with a warm-up run first.
for cfg in p20-auto pbig-auto p20-flat pbig-flat; do
	ip netns exec "$P-g" nft flush ruleset
	ip netns exec "$P-g" nft -f "$tmp/$cfg.nft"
	ip netns exec "$P-c" python3 "$tmp/rate.py" 200 >/dev/null
	: >"$tmp/$cfg.rates"
	for r in $(seq "$ROUNDS"); do
		ip netns exec "$P-c" python3 "$tmp/rate.py" "$N" >>"$tmp/$cfg.rates"
	done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "connection setup rate through the gateway ($N connections x $ROUNDS rounds, median):"
printf '%-22s %8s %12s\n' policy layout conn/s
for cfg in p20-auto pbig-auto p20-flat pbig-flat; do
	flows=20
	case $cfg in pbig*) flows=$BIG ;; esac
	printf '%-22s %8s %12s\n' "$flows flows" "${cfg#*-}" "$(median "$tmp/$cfg.rates")"
done
t20=$(median "$tmp/p20-auto.rates")
tbig=$(median "$tmp/pbig-auto.rates")
fbig=$(median "$tmp/pbig-flat.rates")
awk -v a="$t20" -v b="$tbig" -v c="$fbig" -v big="$BIG" 'BEGIN {
	printf "default layout, %d flows vs 20 flows: %.1f%% of the rate (target: within 10%%)\n", big, 100 * b / a
	printf "default layout vs one rule per flow at %d flows: %.1fx the rate\n", big, b / c
}'
