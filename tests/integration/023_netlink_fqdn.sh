#!/bin/sh
# DNS names of endpoints are resolved when fwc apply runs: with a private
# /etc/hosts (bind-mounted in a private mount namespace, so no network is
# needed), the addresses of api.partner.example and the vendor names of
# tests/golden/ok/11-proxy-endpoints.xml land in their sets next to the
# static addresses, `fwc apply` and `fwc status` print them, status finds
# no drift; when the names no longer resolve, status reports the
# resolved addresses as extra elements.
. "$(dirname "$0")/lib.sh"
need_root
for c in unshare mount; do
	command -v $c >/dev/null 2>&1 || { echo "SKIP $(basename "$0"): no $c" >&2; exit 77; }
done
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
export FWC_RUNDIR="$tmp/run"
pol=tests/golden/ok/11-proxy-endpoints.xml

ok() { T_PASS=$((T_PASS + 1)); }
bad() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $*"
}
cat >"$tmp/hosts" <<'HOSTS'
127.0.0.1 localhost
198.51.100.7 api.partner.example
203.0.113.5 api.partner.example
192.0.2.10 licence.vendor.example
192.0.2.11 updates.vendor.example
192.0.2.12 updates.vendor.example
HOSTS
if ! unshare -m sh -c "mount --bind '$tmp/hosts' /etc/hosts" 2>/dev/null; then
	echo "SKIP $(basename "$0"): cannot bind-mount a private /etc/hosts" >&2
	exit 77
fi
ns_new gw
# fwc_hosts ARGS...: fwc in the gateway namespace with the private hosts.
fwc_hosts() {
	unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' \
		"$tmp/hosts" ip netns exec "$NSP-gw" "$FWC" "$@"
}

if fwc_hosts apply $pol --gateway gw >"$tmp/out" 2>"$tmp/err"; then ok; else
	bad "apply"
	cat "$tmp/err"
fi
for want in \
	'set partner_api_v4: api.partner.example -> 198.51.100.7 203.0.113.5' \
	'set vendor_v4: licence.vendor.example -> 192.0.2.10' \
	'set vendor_v4: updates.vendor.example -> 192.0.2.11 192.0.2.12'; do
	grep -qxF -- "$want" "$tmp/out" && ok || { bad "apply does not say: $want"; cat "$tmp/out"; }
done
for e in 192.0.2.10 192.0.2.11 192.0.2.12; do
	in_ns gw nft get element inet fwc vendor_v4 "{ $e }" >/dev/null 2>&1 &&
		ok || bad "$e not in vendor_v4"
done
in_ns gw nft get element inet fwc partner_api_v4 '{ 198.51.100.7 }' \
	>/dev/null 2>&1 && ok || bad "198.51.100.7 not in partner_api_v4"
in_ns gw nft get element inet fwc vendor_v4 '{ 192.0.2.13 }' >/dev/null 2>&1 &&
	bad "192.0.2.13 in vendor_v4" || ok
if fwc_hosts status $pol --gateway gw >"$tmp/st" 2>"$tmp/err"; then ok; else
	bad "status with the names resolving"
	cat "$tmp/st" "$tmp/err"
fi
grep -qxF 'set vendor_v4: updates.vendor.example -> 192.0.2.11 192.0.2.12' \
	"$tmp/st" && ok || bad "status does not show resolved addresses"
grep -q '^no drift: ' "$tmp/st" && ok || bad "status: drift with the same names"
# Without the private hosts file the names do not resolve here.
if in_ns gw "$FWC" status $pol --gateway gw >"$tmp/st" 2>"$tmp/err"; then
	bad "status without resolution found no drift"
else
	grep -qx 'extra element in set vendor_v4: 192.0.2.10-192.0.2.12' "$tmp/st" &&
		ok || { bad "status: extra elements"; cat "$tmp/st"; }
fi
finish
