#!/bin/sh
# Compile the ConfigMgr example for gw-core with the nft backend, load it in
# the gateway namespace (twice: the table replaces itself atomically), and
# prove with real TCP connections, IPv4 and IPv6, that documented flows
# pass and undocumented ones do not. Twice: with one rule after the other
# (--nft-layout flat) and with every chain behind verdict-map dispatch
# chains (--nft-layout tree); the verdicts must be the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo-configmgr.sh"
need_root
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

topo_configmgr
# A foreign table that must survive our loads.
in_ns gw nft add table inet other
for layout in flat tree; do
	"$FWC" compile examples/configmgr-site.xml -I policies \
		--gateway gw-core -t nft --nft-layout $layout \
		-o "$tmp/gw.nft" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	if [ $layout = tree ] && ! grep -q 'vmap @' "$tmp/gw.nft"; then
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL --nft-layout tree wrote no dispatch chains"
	fi
	in_ns gw nft -f "$tmp/gw.nft" || exit 1
	in_ns gw nft -f "$tmp/gw.nft" || exit 1
	tables=$(in_ns gw nft list tables | sort | tr '\n' ' ')
	if [ "$tables" = "table inet fwc table inet other " ]; then
		T_PASS=$((T_PASS + 1))
	else
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL tables after two loads ($layout): $tables"
	fi
	echo "$(basename "$0"): probes with --nft-layout $layout"
	probes "$(dirname "$0")/configmgr-probes.txt"
done
finish
