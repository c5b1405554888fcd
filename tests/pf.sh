#!/bin/sh
# The pf output against our own grammar checker (we cannot run pfctl
# here). First the checker's self-test: files with one known mistake
# each, which tests/tools/pfcheck.py must refuse with the expected
# message, and a good file that it must accept. Then every enforcement
# point of every tests/golden/ok/*.xml and examples/*.xml is compiled
# with `-t pf -I policies` and each pf.conf must pass the checker.
# Run from the repository root. Prints `pf: N passed, M failed`; exits 1
# on any failure, 77 when python3 is missing (skipped, not passed).
set -u
FWC=${FWC:-build/fwc}
CHECK=tests/tools/pfcheck.py
export LC_ALL=C
export FWC_POLICY_LIBRARY=policies
if ! command -v python3 >/dev/null 2>&1; then
	echo "pf: SKIPPED (python3 is missing, needed by $CHECK)" >&2
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# A small file in the form fwc writes; each case below breaks one thing.
good() {
	cat <<'EOF'
# header
set state-policy floating
set skip on lo

lan_if = "em0"
wan_if = "em1"

# lan
table <lan_v4> const { 10.0.0.0/8, 192.168.1.1 }
table <lan_v6> const { 2001:db8::/32 }
table <ep_v4> persist { 203.0.113.0/24, download.example.com }

block drop all
pass quick inet6 proto ipv6-icmp all icmp6-type { routersol, routeradv, neighbrsol, neighbradv } no state
block return in log quick on $lan_if inet from <lan_v4> to any label "deny-1"
pass in quick on $lan_if inet proto tcp from <lan_v4> port 1024:65535 to <ep_v4> port { 80, 443, 8000:8080 } flags S/SA keep state tag fwd_lan label "web"
pass in quick on $lan_if inet6 proto ipv6-icmp from <lan_v6> to any icmp6-type { echoreq, 129 } keep state tag fwd_lan label "ping6"
pass in quick on $lan_if inet proto icmp from <lan_v4> to 192.0.2.1 icmp-type echoreq keep state label "ping"
pass out quick on $wan_if inet proto tcp from <lan_v4> port 1024:65535 to <ep_v4> port { 80, 443, 8000:8080 } tagged fwd_lan flags S/SA keep state label "web"
pass out quick on $wan_if inet proto 47 from <lan_v4> to any tagged fwd_lan keep state
block drop out quick inet all tagged fwd_lan
block drop out quick inet6 all tagged fwd_lan
pass out quick inet all keep state
pass out quick inet6 all keep state
EOF
}

# expect_bad NAME MESSAGE: the checker refuses $tmp/NAME.conf with a
# `file:line: ` message that contains MESSAGE.
expect_bad() {
	if python3 "$CHECK" "$tmp/$1.conf" >"$tmp/out" 2>&1; then
		echo "FAIL pfcheck self-test $1: accepted"
		fail=$((fail + 1))
	elif ! grep -q "^$tmp/$1.conf:[0-9]*: .*$2" "$tmp/out"; then
		echo "FAIL pfcheck self-test $1: expected '$2', got:"
		cat "$tmp/out"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# broken NAME SED-SCRIPT MESSAGE: the good file, edited by sed.
broken() {
	good | sed "$2" >"$tmp/$1.conf"
	expect_bad "$1" "$3"
}

selftest() {
	good >"$tmp/good.conf"
	if python3 "$CHECK" "$tmp/good.conf" >"$tmp/out" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL pfcheck self-test: the good file is refused:"
		cat "$tmp/out"
		fail=$((fail + 1))
	fi
	broken dash-range 's/port 1024:65535 to <ep_v4> port { 80/port 1024-65535 to <ep_v4> port { 80/' \
	    "port range '1024-65535': pf writes ranges as 1024:65535"
	broken no-quick 's/^pass in quick on \$lan_if inet6/pass in on $lan_if inet6/' \
	    "pass rule without quick"
	broken flags-udp 's/proto tcp from <lan_v4> port 1024:65535 to <ep_v4> port { 80, 443, 8000:8080 } flags/proto udp from <lan_v4> port 1024:65535 to <ep_v4> port { 80, 443, 8000:8080 } flags/' \
	    "flags without proto tcp"
	broken flags-default 's/^block drop all$/block drop all flags S\/SA/' \
	    "flags without proto tcp"
	broken macro-undefined 's/^wan_if = .*$//' \
	    "macro 'wan_if' is not defined"
	broken macro-late '/^lan_if = /d; $a lan_if = "em0"' \
	    "macro 'lan_if' is not defined"
	broken table-undefined 's/^table <lan_v6> .*$//' \
	    "table <lan_v6> is not defined"
	broken table-after-rule '/^table <lan_v6>/d; s/^pass out quick inet6 all keep state$/&\ntable <lan_v6> const { 2001:db8::\/32 }/' \
	    "table after the first rule"
	broken option-late 's/^set state-policy floating$//; s/^# lan$/set state-policy floating/' \
	    "option after macros, tables or rules"
	broken label-quote 's/label "deny-1"/label "a" pass all #"/' \
	    "unknown rule option 'pass'"
	broken label-dollar 's/label "deny-1"/label "$(reboot)"/' \
	    "label with a quote, backslash"
	broken family-table 's/inet proto icmp from <lan_v4>/inet proto icmp from <lan_v6>/' \
	    "table <lan_v6> holds inet6 addresses, in an inet rule"
	broken family-literal 's/to 192.0.2.1 icmp-type/to 2001:db8::1 icmp-type/' \
	    "address 2001:db8::1 in an inet rule"
	broken family-missing 's/^pass out quick on \$wan_if inet proto 47/pass out quick on $wan_if proto 47/' \
	    "rule without inet or inet6"
	broken icmp6-name-in-v4 's/icmp-type echoreq/icmp-type neighbrsol/' \
	    "'neighbrsol' is not an ICMP type"
	broken icmp-type-v6-rule 's/icmp6-type { echoreq, 129 }/icmp-type { echoreq, 129 }/' \
	    "icmp-type without proto icmp"
	broken braces 's/port { 80, 443, 8000:8080 } flags S\/SA keep state tag/port { 80, 443, 8000:8080 flags S\/SA keep state tag/' \
	    "unbalanced braces"
	broken table-range 's/192.168.1.1 }/192.168.1.1-192.168.1.9 }/' \
	    "range '192.168.1.1-192.168.1.9'"
	broken table-host-bits 's/10.0.0.0\/8/10.0.0.1\/8/' \
	    "'10.0.0.1/8' is neither an address"
	broken table-const-dns 's/table <ep_v4> persist/table <ep_v4> const/' \
	    "holds DNS names but is const"
	broken ifname-keyword 's/^wan_if = "em1"$/wan_if = "all"/' \
	    "interface name 'all' is a pf keyword"
	broken ifname-number 's/^wan_if = "em1"$/wan_if = "123"/' \
	    "interface name '123' is a number"
	broken tag-unset 's/tagged fwd_lan flags/tagged fwd_wan flags/' \
	    "no rule sets tag fwd_wan"
	broken no-state 's/ keep state label "ping"/ label "ping"/' \
	    "pass rule without keep state"
	broken state-on-block 's/^block drop out quick inet all tagged fwd_lan$/& keep state/' \
	    "state option on a block rule"
	broken ports-gre 's/proto 47 from <lan_v4> to any/proto 47 from <lan_v4> to any port 80/' \
	    "port without proto tcp or udp"
	broken proto-zero 's/proto 47/proto 0/' \
	    "proto 0 means any protocol"
	broken default-late 's/^block drop all$//; s/^pass out quick inet6 all keep state$/&\nblock drop all/' \
	    "default block after quick rules"
	printf 'block drop all\r\n' >"$tmp/crlf.conf"
	expect_bad crlf "carriage return"
	printf 'block drop all' >"$tmp/no-newline.conf"
	expect_bad no-newline "no newline at the end"
}

selftest

# Points that pf cannot express: the compilation must fail with only
# "target 'pf' cannot express" errors, among them this one.
expected_refusal() {
	case "$1 $2" in
	"tests/golden/ok/05-services.xml gw")
		# SCTP ports: OpenBSD's pf matches ports of tcp and udp only.
		echo "cannot express ports of protocol 'sctp'" ;;
	esac
}

for x in tests/golden/ok/*.xml examples/*.xml; do
	[ -e "$x" ] || continue
	if ! "$FWC" list "$x" -I policies >"$tmp/list" 2>"$tmp/err"; then
		echo "FAIL $x: fwc list"
		cat "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	grep -E '^(gateway|host) ' "$tmp/list" >"$tmp/eps"
	while read -r kind name rest; do
		opt=--host
		[ "$kind" = gateway ] && opt=--gateway
		refusal=$(expected_refusal "$x" "$name")
		if ! "$FWC" compile "$x" -I policies $opt "$name" -t pf \
		    -o "$tmp/pf.conf" 2>"$tmp/err"; then
			if [ -n "$refusal" ] && grep -q "$refusal" "$tmp/err" &&
			    ! grep ': error: ' "$tmp/err" |
			    grep -vq ": error: target 'pf' cannot express "; then
				pass=$((pass + 1))
				continue
			fi
			echo "FAIL $x $kind $name: compile -t pf"
			cat "$tmp/err"
			fail=$((fail + 1))
		elif [ -n "$refusal" ]; then
			echo "FAIL $x $kind $name: compiled, expected: $refusal"
			fail=$((fail + 1))
		elif ! python3 "$CHECK" "$tmp/pf.conf" >"$tmp/out" 2>&1; then
			echo "FAIL $x $kind $name: pfcheck"
			sed "s|^$tmp/pf.conf|$x ($name)|" "$tmp/out" | head -20
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	done <"$tmp/eps"
done

echo "pf: $pass passed, $fail failed"
[ "$fail" = 0 ]
