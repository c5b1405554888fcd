#!/bin/sh
# The iptables and ip6tables backends, in two parts.
#
# 1. Every policy of tests/golden/ok and examples, for every enforcement
#    point, compiles with -t iptables and -t ip6tables, and
#    iptables-restore --test / ip6tables-restore --test (and the legacy
#    variants when they work here: they also catch jumps to unknown
#    chains) accept the output, in a fresh network namespace. A point
#    whose rules name DNS names must be refused with the located error,
#    then compile with --resolve.
# 2. The test of 010_nft_gateway.sh with these backends: the ConfigMgr
#    example for gw-core, both files loaded (twice: a full restore
#    replaces the filter table) in the gateway namespace, the same probes,
#    the same verdicts.
#
# DNS names are resolved from a private /etc/hosts (TEST-NET-1 and
# 2001:db8:ffff::/48 addresses that no probe uses) bind-mounted in a
# private mount namespace, so the test needs no network. Only the test's
# own namespaces are touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo-configmgr.sh"
need_root
for c in iptables-restore ip6tables-restore iptables-save unshare mount; do
	if ! command -v $c >/dev/null 2>&1; then
		echo "SKIP $(basename "$0"): '$c' is missing" >&2
		exit 77
	fi
done
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

grep -rhoE '<fqdn>[^<*]+</fqdn>' policies examples tests/golden/ok |
	sed 's/<[^>]*>//g' | sort -u |
	awk '{ printf "192.0.2.%d %s\n2001:db8:ffff::%x %s\n", NR, $1, NR, $1 }' \
		>"$tmp/hosts"
if ! unshare -m sh -c "mount --bind '$tmp/hosts' /etc/hosts" 2>/dev/null; then
	echo "SKIP $(basename "$0"): cannot bind-mount a private /etc/hosts" >&2
	exit 77
fi

# with_hosts CMD...: CMD with the private /etc/hosts.
with_hosts() {
	unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' \
		"$tmp/hosts" "$@"
}

legacy=0
if command -v iptables-legacy-restore >/dev/null 2>&1 &&
	printf '*filter\nCOMMIT\n' |
	unshare -n iptables-legacy-restore --test >/dev/null 2>&1; then
	legacy=1
else
	echo "note: legacy iptables unusable here; --test with the default variant only"
fi

ok() { T_PASS=$((T_PASS + 1)); }
bad() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $*"
}

# restore_test TARGET FILE LABEL: the restore tools accept FILE, and it
# holds no address of the other family.
restore_test() {
	if ! unshare -n "$1-restore" --test <"$2" >"$tmp/rerr" 2>&1 ||
		{ [ $legacy = 1 ] &&
			! unshare -n "$1-legacy-restore" --test <"$2" >"$tmp/rerr" 2>&1; }; then
		bad "$3: $1-restore --test"
		head -5 "$tmp/rerr"
		return
	fi
	if [ "$1" = iptables ]; then
		other=' -[sd] [^ ]*:| --(src|dst)-range [^ ]*:'
	else
		other=' -[sd] [0-9]+\.| --(src|dst)-range [0-9]+\.'
	fi
	if grep -Eq -- "$other" "$2"; then
		bad "$3: an address of the other family"
		grep -E -- "$other" "$2" | head -3
		return
	fi
	ok
}

# Part 1.
n_test=0
n_dns=0
for x in tests/golden/ok/*.xml examples/*.xml; do
	if ! "$FWC" list "$x" -I policies >"$tmp/list" 2>"$tmp/err"; then
		bad "$x: fwc list"
		continue
	fi
	grep -E '^(gateway|host) ' "$tmp/list" >"$tmp/eps"
	while read -r kind name rest; do
		for t in iptables ip6tables; do
			label="$x $kind $name -t $t"
			if ! "$FWC" compile "$x" -I policies --"$kind" "$name" \
				-t $t -o "$tmp/out" 2>"$tmp/err"; then
				errors=$(grep -c ': error: ' "$tmp/err")
				dns=$(grep -c ": error: target '$t' cannot express DNS names (.*); use --resolve\$" "$tmp/err")
				if [ "$errors" = 0 ] || [ "$errors" != "$dns" ]; then
					bad "$label"
					grep ': error: ' "$tmp/err" | head -5
					continue
				fi
				ok
				n_dns=$((n_dns + 1))
				if ! with_hosts "$FWC" compile "$x" -I policies \
					--"$kind" "$name" -t $t --resolve \
					-o "$tmp/out" 2>"$tmp/err"; then
					bad "$label --resolve"
					grep ': error: ' "$tmp/err" | head -5
					continue
				fi
			fi
			restore_test $t "$tmp/out" "$label"
			n_test=$((n_test + 1))
		done
	done <"$tmp/eps"
done
echo "$(basename "$0"): restore --test ran on $n_test outputs ($n_dns needed --resolve)"

# Part 2.
src=examples/configmgr-site.xml
if "$FWC" compile $src -I policies --gateway gw-core -t iptables \
	-o "$tmp/gw.v4" 2>"$tmp/err"; then
	bad "gw-core compiled for iptables without --resolve"
elif grep -q "error: target 'iptables' cannot express DNS names ('[^']*' and [0-9]* more in set 'internet-azure'); use --resolve" "$tmp/err"; then
	ok
else
	bad "gw-core without --resolve: unexpected diagnostics"
	cat "$tmp/err"
fi
for t in iptables ip6tables; do
	with_hosts "$FWC" compile $src -I policies --gateway gw-core -t $t \
		--resolve -o "$tmp/gw.$t" 2>"$tmp/err" || {
		cat "$tmp/err"
		exit 1
	}
done
topo_configmgr
# A foreign chain: a full restore replaces the whole filter table.
in_ns gw iptables -N OTHER
for t in iptables ip6tables; do
	in_ns gw $t-restore <"$tmp/gw.$t" || exit 1
	in_ns gw $t-restore <"$tmp/gw.$t" || exit 1
	in_ns gw $t-save | grep -v '^#' >"$tmp/saved.$t"
	jumps=$(grep -c '^-A \(INPUT\|FORWARD\|OUTPUT\) -j FWC-' "$tmp/saved.$t")
	others=$(grep -c '^:OTHER ' "$tmp/saved.$t")
	if [ "$jumps" = 3 ] && [ "$others" = 0 ]; then
		ok
	else
		bad "$t-save after two loads: $jumps jumps, $others foreign chains"
	fi
done
probes "$(dirname "$0")/configmgr-probes.txt"
finish
