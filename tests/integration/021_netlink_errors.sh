#!/bin/sh
# What fwc apply does when the kernel says no, what --check does, and how
# fwc status reports drift, in fresh network namespaces:
# 1. a pre-existing conflicting object: table inet fwc held by another
#    process with `flags owner` (an `nft -i` session); apply is refused,
#    the error names the table, exit 1, nothing changed;
# 2. a rule the kernel refuses (the FWC_NL_FAULT test hook adds a lookup
#    of a missing set to one flow's rules): the error names the flow and
#    its file:line, exit 1, the previous table is still in force;
# 3. --check: a good batch is validated and nothing is committed; a bad
#    one is reported like a real apply;
# 4. status: no drift after apply; a rule deleted with `nft delete rule`,
#    an element removed and one added by hand, a foreign rule, all
#    reported, exit 1.
. "$(dirname "$0")/lib.sh"
need_root
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
export FWC_RUNDIR="$tmp/run"
pol=tests/golden/ok/04-deny-reject-log.xml
other=tests/golden/ok/01-two-interface-gateway.xml

ok() { T_PASS=$((T_PASS + 1)); }
bad() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $*"
}
# expect_rc WANT LABEL CMD...: CMD exits with WANT.
expect_rc() {
	want=$1
	label=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = "$want" ]; then ok; else
		bad "$label: exit $rc, expected $want"
		cat "$tmp/err" | head -5
	fi
}

# 1. The owner flag: only the process that created the table may change
# it, for as long as its netlink socket lives.
ns_new own
mkfifo "$tmp/fifo"
sleep 60 >"$tmp/fifo" &
PIDS="$PIDS $!"
in_ns own nft -i <"$tmp/fifo" >/dev/null 2>&1 &
PIDS="$PIDS $!"
echo 'add table inet fwc { flags owner; }' >"$tmp/fifo"
i=0
while [ $i -lt 50 ] && ! in_ns own nft list table inet fwc >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
in_ns own nft list ruleset >"$tmp/before"
expect_rc 1 "apply over an owned table" in_ns own "$FWC" apply $pol --gateway gw
grep -q "^$pol:[0-9]*:[0-9]*: error: kernel refused table inet fwc: Operation not permitted\$" \
	"$tmp/err" && ok || { bad "owned table: message"; cat "$tmp/err"; }
grep -q '^fwc: nothing was changed (the kernel refused the batch)$' "$tmp/err" &&
	ok || bad "owned table: 'nothing was changed'"
in_ns own nft list ruleset >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok || bad "owned table: ruleset changed"

# 2. A refused rule.
ns_new gw
expect_rc 0 "first apply" in_ns gw "$FWC" apply $other --gateway gw
in_ns gw nft list ruleset >"$tmp/before"
FWC_NL_FAULT=no-dns expect_rc 1 "apply with a refused rule" \
	in_ns gw "$FWC" apply $pol --gateway gw
line=$(grep -n 'name="no-dns"' $pol | cut -d: -f1)
n=$(grep -c "^$pol:$line:[0-9]*: error: kernel refused the rule of flow 'no-dns' (chain forward, staff -> mail01): No such file or directory\$" "$tmp/err")
if [ "$n" = 2 ] && [ "$(grep -c ': error: ' "$tmp/err")" = 2 ]; then
	ok
else
	bad "refused rule: expected two errors at $pol:$line naming no-dns"
	cat "$tmp/err"
fi
in_ns gw nft list ruleset >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok || bad "refused rule: ruleset changed"

# 3. --check.
expect_rc 0 "--check" in_ns gw "$FWC" apply $pol --gateway gw --check
grep -q '^checked (nothing committed) table inet fwc for gateway gw: ' \
	"$tmp/out" && ok || bad "--check summary: $(cat "$tmp/out")"
in_ns gw nft list ruleset >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok || bad "--check committed something"
FWC_NL_FAULT=no-smtp expect_rc 1 "--check of a refused rule" \
	in_ns gw "$FWC" apply $pol --gateway gw --check
grep -q "error: kernel refused the rule of flow 'no-smtp'" "$tmp/err" && ok ||
	bad "--check: refused rule not named"
in_ns gw nft list ruleset >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok || bad "--check (bad): ruleset changed"

# 4. status.
expect_rc 0 "apply" in_ns gw "$FWC" apply $pol --gateway gw
expect_rc 0 "status after apply" in_ns gw "$FWC" status $pol --gateway gw
grep -q '^no drift: table inet fwc matches gateway gw$' "$tmp/out" && ok ||
	bad "status: $(cat "$tmp/out")"
h=$(in_ns gw nft -a list chain inet fwc forward |
	grep 'comment "no-smtp"' | sed 's/.*# handle //')
in_ns gw nft delete rule inet fwc forward handle "$h"
in_ns gw nft delete element inet fwc staff_v4 '{ 10.1.0.0/24 }'
in_ns gw nft add element inet fwc staff_v4 '{ 10.1.7.0/24 }'
in_ns gw nft add rule inet fwc input tcp dport 22 accept
expect_rc 1 "status after hand edits" in_ns gw "$FWC" status $pol --gateway gw
for want in \
	'missing rule in chain forward: iifname "staff0" oifname "srv0" ip saddr @staff_v4 ip daddr @mail01_v4 tcp dport 25 counter reject with tcp reset comment "no-smtp"' \
	'missing element in set staff_v4: 10.1.0.0/24' \
	'extra element in set staff_v4: 10.1.7.0/24' \
	'extra rule in chain input: '; do
	if grep -qF -- "$want" "$tmp/out"; then ok; else
		bad "status does not report: $want"
		cat "$tmp/out"
	fi
done
[ "$(wc -l <"$tmp/out")" = 4 ] && ok || { bad "status: more than the 4 changes"; cat "$tmp/out"; }
in_ns gw nft delete table inet fwc
expect_rc 1 "status without the table" in_ns gw "$FWC" status $pol --gateway gw
grep -q '^missing table inet fwc$' "$tmp/out" && ok || bad "status: no table"
finish
