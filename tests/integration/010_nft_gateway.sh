#!/bin/sh
# Compile the ConfigMgr example for gw-core with the nft backend, load it in
# the gateway namespace (twice: the table replaces itself atomically), and
# prove with real TCP connections, IPv4 and IPv6, that documented flows
# pass and undocumented ones do not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo-configmgr.sh"
need_root
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

"$FWC" compile examples/configmgr-site.xml -I policies --gateway gw-core \
	-t nft -o "$tmp/gw.nft" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
topo_configmgr
# A foreign table that must survive our loads.
in_ns gw nft add table inet other
in_ns gw nft -f "$tmp/gw.nft" || exit 1
in_ns gw nft -f "$tmp/gw.nft" || exit 1
tables=$(in_ns gw nft list tables | sort | tr '\n' ' ')
if [ "$tables" = "table inet fwc table inet other " ]; then
	T_PASS=$((T_PASS + 1))
else
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL tables after two loads: $tables"
fi
probes "$(dirname "$0")/configmgr-probes.txt"
finish
