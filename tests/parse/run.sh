#!/bin/sh
# Round trip of every text backend through its output parser (issues 5
# and 7). For every golden and example policy, every enforcement point and
# every target that accepts it: emit, parse back, and compare with the IR
# packet by packet (build/tests/roundtrip, tests/parse/roundtrip.c). As
# root with nft/iptables and unshare, the same for what `nft list table
# inet fwc`, `iptables-save` and `ip6tables-save` print after loading the
# output in a fresh network namespace. Then mutated outputs (a rule
# deleted, a port changed, a set element removed, an address family
# swapped, an unknown word) must each be caught. Hostile names are
# tested by tests/unit/test_parse_hostile.c (make check-unit).
# Run from the repository root.
set -u
FWC=${FWC:-build/fwc}
RT=${ROUNDTRIP:-build/tests/roundtrip}
export LC_ALL=C
export FWC_POLICY_LIBRARY=policies
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# 1. Emitted text, every policy, point and target.
for x in tests/golden/ok/*.xml examples/*.xml; do
	if "$RT" -I policies "$x" >"$tmp/rt" 2>"$tmp/rterr"; then
		ok
		grep -c '^ok ' "$tmp/rt" | sed "s|^|parsers: $x: |; s|\$| comparisons|"
	else
		bad "round trip of $x"
		grep -v '^ok ' "$tmp/rt" | head -20
		head -5 "$tmp/rterr"
	fi
done

# ep_opt XML NAME: --gateway or --host for that enforcement point.
ep_opt() {
	if "$FWC" list "$1" -I policies 2>/dev/null | grep -q "^gateway $2 "; then
		echo --gateway
	else
		echo --host
	fi
}

# 2. What the kernel tools print after loading the output.
can_ns=0
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 &&
	command -v iptables-save >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	can_ns=1
else
	echo "parsers: SKIPPING listed forms (needs root, nft, iptables and unshare)" >&2
fi
if [ $can_ns = 1 ]; then
	n_listed=0
	for x in tests/golden/ok/*.xml; do
		"$FWC" list "$x" -I policies 2>/dev/null |
			grep -E '^(gateway|host) ' | while read -r kind name rest; do
			opt=--host
			[ "$kind" = gateway ] && opt=--gateway
			"$FWC" compile "$x" -I policies $opt "$name" -t nft -o "$tmp/o.nft" 2>/dev/null || continue
			if ! unshare -n sh -c "nft -f '$tmp/o.nft' && nft list table inet fwc" >"$tmp/l.nft" 2>"$tmp/nfterr"; then
				echo "FAIL nft load of $x $name"; cat "$tmp/nfterr"; echo x >>"$tmp/failed"; continue
			fi
			if "$RT" -I policies "$x" "$name" nft "$tmp/l.nft" >"$tmp/rt" 2>/dev/null; then
				echo x >>"$tmp/listed"
			else
				echo "FAIL nft list form of $x $name"; cat "$tmp/rt"; echo x >>"$tmp/failed"
			fi
			for t in iptables ip6tables; do
				"$FWC" compile "$x" -I policies $opt "$name" -t $t -o "$tmp/o.$t" 2>/dev/null || continue
				if ! unshare -n sh -c "$t-restore < '$tmp/o.$t' && $t-save" >"$tmp/l.$t" 2>"$tmp/ipterr"; then
					echo "FAIL $t-restore of $x $name"; cat "$tmp/ipterr"; echo x >>"$tmp/failed"; continue
				fi
				if "$RT" -I policies "$x" "$name" $t "$tmp/l.$t" >"$tmp/rt" 2>/dev/null; then
					echo x >>"$tmp/listed"
				else
					echo "FAIL $t-save form of $x $name"; cat "$tmp/rt"; echo x >>"$tmp/failed"
				fi
			done
		done
	done
	if [ -f "$tmp/failed" ]; then
		fail=$((fail + $(wc -l <"$tmp/failed")))
	fi
	if [ -f "$tmp/listed" ]; then
		echo "parsers: $(wc -l <"$tmp/listed") listed forms (nft list, iptables-save, ip6tables-save) equal to the policy"
		pass=$((pass + $(wc -l <"$tmp/listed")))
	else
		bad "no listed form compared"
	fi
fi

# 3. Mutations. mutate XML EP TARGET WANT LABEL SED: the output with the
# sed script applied must differ from the original and make the driver
# exit WANT (1: a packet is decided differently, 2: a located parse
# error). The unmutated output must compare equal first.
mutate() {
	x=$1 ep=$2 t=$3 want=$4 label=$5 script=$6
	"$FWC" compile "$x" -I policies $(ep_opt "$x" "$ep") "$ep" -t "$t" -o "$tmp/m.orig" 2>"$tmp/cerr" ||
		{ bad "mutation $label: cannot compile"; grep -v -e warning: -e note: "$tmp/cerr"; return; }
	if ! "$RT" -I policies "$x" "$ep" "$t" "$tmp/m.orig" >"$tmp/rt" 2>&1; then
		bad "mutation $label: the original does not compare equal"
		cat "$tmp/rt"
		return
	fi
	sed "$script" "$tmp/m.orig" >"$tmp/m.$t"
	if cmp -s "$tmp/m.orig" "$tmp/m.$t"; then
		bad "mutation $label: sed changed nothing"
		return
	fi
	"$RT" -I policies "$x" "$ep" "$t" "$tmp/m.$t" >"$tmp/rt" 2>&1
	rc=$?
	if [ $rc = "$want" ]; then
		ok
	else
		bad "mutation $label: exit $rc, expected $want"
		cat "$tmp/rt"
	fi
}

d=tests/golden/ok/04-deny-reject-log.xml
s=tests/golden/ok/05-services.xml
h=tests/golden/ok/08-host-firewalls.xml
# nft
mutate $d gw nft 1 "nft rule deleted" '/comment "no-smtp"/d'
mutate $d gw nft 1 "nft port changed" 's/tcp dport 25 /tcp dport 26 /'
mutate $d gw nft 1 "nft set element removed" 's/10\.0\.0\.2-10\.0\.0\.255/10.0.0.3-10.0.0.255/'
mutate $d gw nft 2 "nft family swapped" '0,/ip saddr @staff_v4/s//ip6 saddr @staff_v4/'
mutate $d gw nft 1 "nft verdict changed" '/comment "no-guests"/s/counter drop/counter accept/'
mutate $d gw nft 1 "nft policy changed" 's/policy accept;/policy drop;/'
mutate $d gw nft 1 "nft reject default removed" '/^\t\tcounter reject with icmpx port-unreachable$/d'
mutate $s gw nft 1 "nft port set element removed" 's/elements = { 25, 465, 587, 993 }/elements = { 25, 465, 587 }/'
mutate $d gw nft 2 "nft unknown word" 's/tcp dport 25 counter/tcp dport 25 bogus counter/'
mutate $d gw nft 2 "nft second table" '$a table ip other { }'
# iptables / ip6tables
mutate $d gw iptables 1 "iptables rule deleted" '/--comment "no-smtp"/d'
mutate $d gw iptables 1 "iptables port changed" 's/--dport 25 /--dport 26 /'
mutate $d gw iptables 1 "iptables helper element removed" '/--dst-range 10\.0\.0\.2-10\.0\.0\.255/d'
mutate $d gw iptables 2 "iptables IPv6 address in IPv4 file" 's|-s 10\.1\.0\.0/24|-s 2001:db8::/64|'
mutate $d gw iptables 1 "iptables policy changed" 's/^:FORWARD DROP/:FORWARD ACCEPT/; /-A FWC-FORWARD -j REJECT/d; /-A FWC-FORWARD -p tcp -j REJECT/d'
mutate $s gw ip6tables 1 "ip6tables multiport element removed" 's/--dports 25,465,587,993 /--dports 25,465,587 /'
mutate $s gw ip6tables 2 "ip6tables icmp type in IPv6 file" '0,/-p ipv6-icmp -m icmp6 --icmpv6-type echo-request -s/s//-p icmp -m icmp --icmp-type echo-request -s/'
mutate $d gw iptables 2 "iptables RETURN" 's/-j fwc_log_no_guests$/-j RETURN/'
# netsh
mutate $h app01 netsh 1 "netsh rule deleted" '/description="lan-to-app/{N;d;}'
mutate $h app01 netsh 1 "netsh port changed" 's/localport=443 /localport=444 /'
mutate $h app01 netsh 1 "netsh address narrowed" '0,/remoteip=10\.1\.0\.0\/16 /s//remoteip=10.1.0.0\/17 /'
mutate $h app01 netsh 1 "netsh block made allow" '/quarantine/s/action=block/action=allow/'
mutate $h app01 netsh 1 "netsh default changed" 's/firewallpolicy blockinbound,/firewallpolicy allowinbound,/'
mutate $h app01 netsh 2 "netsh family swapped" 's|remoteip=10\.1\.66\.0/24 localip=10\.0\.0\.10|remoteip=10.1.66.0/24 localip=2001:db8::10|'
mutate $h app01 netsh 2 "netsh injected command" 's/^exit \/b 0$/exit \/b 0 \& del x/'
# pf
mutate $d gw pf 1 "pf rule deleted" '/label "no-smtp"/d'
mutate $d gw pf 1 "pf port changed" 's/port 25 tagged/port 26 tagged/'
mutate $d gw pf 1 "pf table element removed" '/^\t10\.0\.0\.64\/26, \\$/d'
mutate $d gw pf 1 "pf quick removed" '/^block .*label "no-smtp"/s/ quick//'
mutate $d gw pf 1 "pf tag swapped" 's/tagged fwd_staff0 keep/tagged fwd_guest0 keep/'
mutate $d gw pf 1 "pf family swapped" '0,/pass in log quick on $staff0_if inet from/s//pass in log quick on $staff0_if inet6 from/'
mutate $d gw pf 1 "pf default changed" 's/^block return all$/block drop all/'
mutate $d gw pf 2 "pf unknown word" 's/port 25 tagged/port 25 bogus tagged/'
mutate $d gw pf 2 "pf unknown table" 's/to <mail01_v4> port 25/to <mail02_v4> port 25/'

# 4. Robustness: outputs damaged at random (a byte replaced, a line
# dropped or doubled, a line cut short) must give a verdict (exit 0 or 1)
# or a located parse error (exit 2), never a crash. Deterministic seeds.
damage() { # FILE SEED
	awk -v seed="$2" 'BEGIN { srand(seed); k = int(rand() * 4) }
	{ lines[NR] = $0 }
	END {
		victim = 1 + int(rand() * NR)
		for (i = 1; i <= NR; i++) {
			l = lines[i]
			if (i == victim) {
				if (k == 0) continue
				if (k == 1) print l
				if (k == 2) l = substr(l, 1, int(rand() * length(l)))
				if (k == 3 && length(l) > 0) {
					p = 1 + int(rand() * length(l))
					c = substr("{}\"\\;#,=!<>:/-@ \tx09", 1 + int(rand() * 20), 1)
					l = substr(l, 1, p - 1) c substr(l, p + 1)
				}
			}
			print l
		}
	}' "$1"
}
n_damaged=0
for spec in "$d gw" "$h app01"; do
	set -- $spec
	for t in nft iptables ip6tables pf netsh; do
		"$FWC" compile "$1" -I policies $(ep_opt "$1" "$2") "$2" -t $t -o "$tmp/f.orig" 2>/dev/null || continue
		seed=1
		while [ $seed -le 30 ]; do
			damage "$tmp/f.orig" $seed >"$tmp/f.$t"
			"$RT" -I policies -n 1000 "$1" "$2" $t "$tmp/f.$t" >"$tmp/rt" 2>&1
			rc=$?
			if [ $rc -gt 2 ]; then
				bad "damaged $t output (seed $seed) of $1: exit $rc"
				tail -5 "$tmp/rt"
			fi
			n_damaged=$((n_damaged + 1))
			seed=$((seed + 1))
		done
	done
done
echo "parsers: $n_damaged damaged outputs read without a crash"
ok

echo "parsers: $pass passed, $fail failed"
[ $fail = 0 ]
