#!/bin/sh
# The pf output against our own grammar checker (we cannot run pfctl
# here). First the checker's self-test: files with one known mistake
# each, which tests/tools/pfcheck.py must refuse with the expected
# message, and a good file that it must accept. Then every enforcement
# point of every tests/golden/ok/*.xml and examples/*.xml is compiled
# with `-t pf -I policies` and each pf.conf must pass the checker.
# Last, `fwc verify` on mutations of the forward deny construct.
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
pass in quick on $lan_if inet from <lan_v4> to any keep state tag fwd_lan label "deny-1"
pass in quick on $lan_if inet proto tcp from <lan_v4> port 1024:65535 to <ep_v4> port { 80, 443, 8000:8080 } flags S/SA keep state tag fwd_lan label "web"
pass in quick on $lan_if inet6 proto ipv6-icmp from <lan_v6> to any icmp6-type { echoreq, 129 } keep state tag fwd_lan label "ping6"
pass in quick on $lan_if inet proto icmp from <lan_v4> to 192.0.2.1 icmp-type echoreq keep state label "ping"
block return out log quick on $wan_if inet from <lan_v4> to any tagged fwd_lan label "deny-1"
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
	broken tag-no-state 's/ keep state tag fwd_lan label "web"/ no state tag fwd_lan label "web"/' \
	    "tags cannot be used without keep state"
	broken tagged-no-state 's/tagged fwd_lan flags S\/SA keep state/tagged fwd_lan no state/' \
	    "tags cannot be used without keep state"
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

# fwc verify on the forward deny construct (docs/pf.md): a deny's inbound
# leg passes and tags, its outbound leg blocks with `tagged`. The golden
# outputs must be proved equal to their policies; each mutation below
# breaks one part of the construct and must give a counterexample with
# the verdicts written here (worked out by hand from the policy).
section() { # golden-file: the first enforcement point's output
	awk '/^### /{n++; next} n == 1' "$1"
}
# expect_diff NAME POLICY MUTATED POLICY-VERDICT OUTPUT-VERDICT
expect_diff() {
	if cmp -s "$tmp/orig.pf" "$3"; then
		echo "FAIL verify mutation $1: the sed script changed nothing"
		fail=$((fail + 1))
		return
	fi
	"$FWC" verify "$2" -I policies --gateway gw -t pf "$3" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc = 1 ] &&
	    grep -q 'output differs from the policy in chain forward' "$tmp/out" &&
	    grep -qF "  policy: $4" "$tmp/out" &&
	    grep -qF "  output: $5 by $3:" "$tmp/out"; then
		pass=$((pass + 1))
	else
		echo "FAIL verify mutation $1: expected exit 1, policy $4, output $5; got exit $rc:"
		cat "$tmp/out"
		fail=$((fail + 1))
	fi
}
expect_equal() { # NAME POLICY FILE
	if "$FWC" verify "$2" -I policies --gateway gw -t pf "$3" >"$tmp/out" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL verify $1: not proved equal:"
		cat "$tmp/out"
		fail=$((fail + 1))
	fi
}

p04=tests/golden/ok/04-deny-reject-log
section $p04.pf >"$tmp/orig.pf"
expect_equal 04-golden $p04.xml "$tmp/orig.pf"
# The construct before the fix: the deny blocks inbound, without the
# outbound interface. A guest packet for a server address that routing
# sends out staff0 gets the deny's drop instead of the default reject.
sed -e 's/^pass in quick on \$guest0_if \(.*\) keep state tag fwd_guest0 label "no-guests"$/block drop in log quick on $guest0_if \1 label "no-guests"/' \
    -e '/^block drop out log quick on .* label "no-guests"$/d' \
    "$tmp/orig.pf" >"$tmp/old.pf"
expect_diff inbound-deny $p04.xml "$tmp/old.pf" "reject (default reject)" drop
# The outbound leg of a deny deleted: the allow lets it out.
sed '/^block return out quick on .* label "no-smtp"$/d' "$tmp/orig.pf" >"$tmp/noout.pf"
expect_diff no-outbound-leg $p04.xml "$tmp/noout.pf" "reject (flow no-smtp" accept
# The outbound leg requires another interface's tag: it never matches
# what came in on guest0.
sed '/^block drop out .* label "no-guests"$/ s/tagged fwd_guest0/tagged fwd_staff0/' \
    "$tmp/orig.pf" >"$tmp/wrongtag.pf"
expect_diff wrong-tagged $p04.xml "$tmp/wrongtag.pf" "drop (flow no-guests" accept

# A deny's inbound leg without state: pfctl refuses a tag without keep
# state, and so does the parser (verify: exit 1, unreadable output).
sed '/^pass in .* label "no-smtp"$/ s/ flags S\/SA keep state tag/ no state tag/' \
    "$tmp/orig.pf" >"$tmp/nostate.pf"
if cmp -s "$tmp/orig.pf" "$tmp/nostate.pf"; then
	echo "FAIL verify mutation no-state: the sed script changed nothing"
	fail=$((fail + 1))
elif "$FWC" verify $p04.xml --gateway gw -t pf "$tmp/nostate.pf" >"$tmp/out" 2>&1; then
	echo "FAIL verify mutation no-state: accepted"
	fail=$((fail + 1))
elif ! grep -q "^$tmp/nostate.pf:[0-9]*:1: error: 'tag' or 'tagged' on a pass rule with 'no state'" "$tmp/out"; then
	echo "FAIL verify mutation no-state: expected the parser's error, got:"
	cat "$tmp/out"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi

p16=tests/golden/ok/16-dispatch-tree
section $p16.pf >"$tmp/orig.pf"
expect_equal 16-golden $p16.xml "$tmp/orig.pf"
# The inbound leg of a deny without its tag: the packet leaves untagged,
# as if the machine sent it, through the open output chain.
sed '/^pass in .* label "quarantined"$/ s/ tag fwd_lan0//' "$tmp/orig.pf" >"$tmp/notag.pf"
expect_diff no-tag $p16.xml "$tmp/notag.pf" "drop (default drop)" accept

# The excerpts in the section "A real excerpt" of docs/pf.md: every line
# of their text blocks (but "..." and blank lines) is a line of the
# golden output of gw-core.
section tests/golden/examples/configmgr-site.pf >"$tmp/gw-core.pf"
awk '/^## /{on = ($0 == "## A real excerpt")} on && /^```/{inb = !inb; next}
	on && inb && $0 != "..." && $0 != ""' docs/pf.md >"$tmp/excerpt"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	if ! grep -Fxq -e "$line" "$tmp/gw-core.pf"; then
		echo "FAIL docs/pf.md excerpt: not in the output of gw-core: $line"
		fail=$((fail + 1))
	fi
done <"$tmp/excerpt"
if [ "$n" -lt 40 ]; then
	echo "FAIL docs/pf.md excerpt: only $n lines found"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi

echo "pf: $pass passed, $fail failed"
[ "$fail" = 0 ]
