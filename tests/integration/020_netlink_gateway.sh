#!/bin/sh
# fwc apply (netlink) against nft -f of the text backend, in fresh network
# namespaces:
# 1. for every linux enforcement point of tests/golden/ok and examples,
#    `nft list table inet fwc` after `fwc apply` equals the listing after
#    `nft -f` of `fwc compile -t nft` (the two backends share one model);
# 2. the ConfigMgr example on the gateway of topo-configmgr.sh, next to a
#    foreign table: applied twice (same table, no duplicates, the foreign
#    table untouched), `fwc status` finds no drift, and the probes of
#    010_nft_gateway.sh give the same verdicts;
# 3. batches of several chunks (about 1 MB, docs/apply.md "Memory"): a
#    rule policy and a large address set, applied streamed (the default)
#    and built in memory (FWC_NL_STREAM=0), list the same as nft -f.
# Part 1 applies the flat layout with the batch in memory and the tree
# layout streamed. "Streamed" keeps an FWC_NL_STREAM=0 of the caller:
# the memcheck sweep sets it (valgrind has no userfaultfd).
streamed=${FWC_NL_STREAM:-1}
# The namespaces have no route to a DNS server, so DNS names of endpoints
# stay unresolved on both sides (023_netlink_fqdn.sh tests resolution).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo-configmgr.sh"
need_root
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
export FWC_RUNDIR="$tmp/run"

ok() { T_PASS=$((T_PASS + 1)); }
bad() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $*"
}

# Part 1.
ns_new nl
ns_new tx
n_eq=0
for x in tests/golden/ok/*.xml examples/*.xml; do
	"$FWC" list "$x" -I policies >"$tmp/list" 2>/dev/null || continue
	grep -E '^(gateway|host) .* os=linux ' "$tmp/list" >"$tmp/eps"
	while read -r kind name rest; do
	for layout in flat tree; do
		stream=$streamed
		[ $layout = flat ] && stream=0
		label="$x $kind $name ($layout, FWC_NL_STREAM=$stream)"
		"$FWC" compile "$x" -I policies --"$kind" "$name" -t nft \
			--nft-layout $layout -o "$tmp/t.nft" 2>/dev/null || continue
		in_ns nl nft flush ruleset
		in_ns tx nft flush ruleset
		if ! in_ns tx nft -f "$tmp/t.nft" 2>"$tmp/err"; then
			bad "$label: nft -f"
			head -3 "$tmp/err"
			continue
		fi
		if ! in_ns nl env FWC_NL_STREAM=$stream "$FWC" apply "$x" \
			-I policies --"$kind" "$name" --nft-layout $layout \
			>/dev/null 2>"$tmp/err"; then
			bad "$label: fwc apply"
			head -3 "$tmp/err"
			continue
		fi
		in_ns tx nft list table inet fwc >"$tmp/want"
		in_ns nl nft list table inet fwc >"$tmp/got"
		if cmp -s "$tmp/want" "$tmp/got"; then
			ok
			n_eq=$((n_eq + 1))
		else
			bad "$label: listing differs from nft -f"
			diff -u "$tmp/want" "$tmp/got" | head -20
		fi
	done
	done <"$tmp/eps"
done
if [ $n_eq -ge 10 ]; then ok; else bad "only $n_eq listings compared"; fi
echo "$(basename "$0"): $n_eq listings equal to nft -f"

# Part 2.
src=examples/configmgr-site.xml
"$FWC" compile $src -I policies --gateway gw-core -t nft -o "$tmp/gw.nft" \
	2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
in_ns tx nft flush ruleset
in_ns tx nft -f "$tmp/gw.nft"
in_ns tx nft list table inet fwc >"$tmp/want"
topo_configmgr
in_ns gw nft add table inet other
in_ns gw nft add chain inet other keep '{ type filter hook input priority 10; }'
in_ns gw nft add rule inet other keep tcp dport 9 counter accept
in_ns gw nft list table inet other >"$tmp/other.before"
for i in 1 2; do
	if in_ns gw "$FWC" apply $src -I policies --gateway gw-core \
		>"$tmp/out" 2>"$tmp/err"; then
		ok
	else
		bad "apply $i"
		cat "$tmp/err"
	fi
done
# The summary counts what nft lists after nft -f.
n_sets=$(grep -c '^	set ' "$tmp/want")
n_rules=$(awk '/^	chain /{ c = 1; next } /^	}/{ c = 0 } c && !/type filter hook/' \
	"$tmp/want" | wc -l)
grep -qx "applied table inet fwc for gateway gw-core: $n_sets sets, $n_rules rules" \
	"$tmp/out" && ok || bad "apply summary: $(tail -1 "$tmp/out") ($n_sets sets, $n_rules rules)"
tables=$(in_ns gw nft list tables | sort | tr '\n' ' ')
if [ "$tables" = "table inet fwc table inet other " ]; then
	ok
else
	bad "tables after two applies: $tables"
fi
in_ns gw nft list table inet other >"$tmp/other.after"
cmp -s "$tmp/other.before" "$tmp/other.after" && ok ||
	bad "the foreign table changed"
in_ns gw nft list table inet fwc >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
	ok
else
	bad "gw-core listing after two applies differs from one nft -f"
	diff -u "$tmp/want" "$tmp/got" | head -20
fi
if in_ns gw "$FWC" status $src -I policies --gateway gw-core >"$tmp/st" \
	2>"$tmp/err" && grep -q '^no drift: ' "$tmp/st"; then
	ok
else
	bad "status after apply"
	cat "$tmp/st" "$tmp/err" | head -10
fi
probes "$(dirname "$0")/configmgr-probes.txt"

# Part 3.
python3 tools/gen-large.py 1500 100 >"$tmp/rules.xml"
python3 - "$tmp/set.xml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('<policy name="bigset" version="1" default="drop">\n<boundary name="many">\n')
    for i in range(30000):
        a = 2 * i
        f.write("<subnet>10.%d.%d.%d/32</subnet>\n" % (a >> 16 & 255, a >> 8 & 255, a & 255))
    f.write('</boundary>\n<boundary name="srv"><subnet>192.168.0.0/24</subnet></boundary>\n'
            '<host name="web"><address>192.168.0.10</address></host>\n'
            '<allow name="many-to-web" from="many" to="web" service="https"/>\n'
            '<service name="https"><port protocol="tcp" port="443"/></service>\n'
            '<gateway name="gw" os="linux">\n<interface name="eth0" boundary="many"/>\n'
            '<interface name="eth1" boundary="srv"/>\n</gateway>\n</policy>\n')
PY
for p in rules set; do
	"$FWC" compile "$tmp/$p.xml" --gateway gw -t nft -o "$tmp/$p.nft" \
		2>"$tmp/err" || { bad "compile $p"; cat "$tmp/err"; continue; }
	in_ns tx nft flush ruleset
	in_ns tx nft -f "$tmp/$p.nft" || { bad "$p: nft -f"; continue; }
	in_ns tx nft list table inet fwc >"$tmp/want"
	# Under the memcheck sweep both are the memory path: once is enough.
	ways="$streamed 0"
	[ "$streamed" = 0 ] && ways=0
	for stream in $ways; do
		in_ns nl nft flush ruleset
		if ! in_ns nl env FWC_NL_STREAM=$stream FWC_PHASES=1 "$FWC" \
			apply "$tmp/$p.xml" --gateway gw >/dev/null 2>"$tmp/err"; then
			bad "$p: apply (FWC_NL_STREAM=$stream)"
			head -3 "$tmp/err"
			continue
		fi
		in_ns nl nft list table inet fwc >"$tmp/got"
		if cmp -s "$tmp/want" "$tmp/got"; then
			ok
		else
			bad "$p: listing differs from nft -f (FWC_NL_STREAM=$stream)"
			diff -u "$tmp/want" "$tmp/got" | head -10
		fi
	done
done
finish
