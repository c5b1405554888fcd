#!/bin/sh
# The netsh backend end to end. For every tests/golden/ok/*.xml and
# examples/*.xml, every host enforcement point is compiled with -t netsh
# and the script must pass tests/tools/netshcheck.py (our checker of the
# netsh and cmd.exe subset that fwc writes). A host whose rules need DNS
# names must instead be refused with the located error that asks for
# --resolve; a gateway must be refused with the located error that netsh
# only configures the host it runs on. Then a few deliberately broken
# scripts must make the checker fail with the expected message, so that
# a checker that accepts everything cannot pass.
# Run from the repository root. Exit 77 when python3 is missing.
set -u
FWC=${FWC:-build/fwc}
CHECKER=tests/tools/netshcheck.py
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

if ! command -v python3 >/dev/null 2>&1; then
	echo "netsh: SKIPPED (python3 is missing)" >&2
	exit 77
fi

# A located error is "file:line:col: error: ..."; the only lines on
# stderr must be errors that contain $2 (notes may follow).
only_located_error() { # stderr-file message
	grep -q "^[^:]*:[0-9][0-9]*:[0-9][0-9]*: error: .*$2" "$1" &&
		! grep -v "^[^:]*:[0-9][0-9]*:[0-9][0-9]*: error: .*$2" "$1" |
			grep -v -e ': note: ' -e '^fwc: note: ' -e ': warning: ' |
			grep -q .
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
		if [ "$kind" = gateway ]; then
			if "$FWC" compile "$x" -I policies --gateway "$name" -t netsh \
			    -o "$tmp/out.cmd" 2>"$tmp/err"; then
				echo "FAIL $x gateway $name: compiled for netsh"
				fail=$((fail + 1))
			elif only_located_error "$tmp/err" "target 'netsh' cannot configure gateway '$name'"; then
				pass=$((pass + 1))
			else
				echo "FAIL $x gateway $name: not the located gateway error:"
				cat "$tmp/err"
				fail=$((fail + 1))
			fi
			continue
		fi
		if ! "$FWC" compile "$x" -I policies --host "$name" -t netsh \
		    -o "$tmp/out.cmd" 2>"$tmp/err"; then
			if only_located_error "$tmp/err" "target 'netsh' cannot express DNS names .*; use --resolve"; then
				pass=$((pass + 1))
			else
				echo "FAIL $x host $name: compile failed:"
				cat "$tmp/err"
				fail=$((fail + 1))
			fi
			continue
		fi
		if python3 "$CHECKER" "$tmp/out.cmd" >"$tmp/check" 2>&1; then
			pass=$((pass + 1))
		else
			echo "FAIL $x host $name: netshcheck.py:"
			sed "s|^$tmp/out.cmd|$x:$name|" "$tmp/check" | head -20
			fail=$((fail + 1))
		fi
	done <"$tmp/eps"
done

# A Windows host that may only open connections to a DNS name: refused
# at the flow, with a request for --resolve.
cat >"$tmp/dns.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<policy name="dns" version="1" default="drop">
  <service name="https"><port protocol="tcp" port="443"/></service>
  <endpoint name="vendor"><fqdn>updates.vendor.example</fqdn></endpoint>
  <host name="win01" os="windows" egress="filter"><address>10.0.0.20</address></host>
  <allow name="to-vendor" from="win01" to="vendor" service="https" via="none"/>
</policy>
EOF
if "$FWC" compile "$tmp/dns.xml" --host win01 -t netsh -o "$tmp/out.cmd" 2>"$tmp/err"; then
	echo "FAIL DNS names: compiled for netsh"
	fail=$((fail + 1))
elif only_located_error "$tmp/err" "target 'netsh' cannot express DNS names (set '.*' holds 'updates.vendor.example'); use --resolve" &&
	grep -q "dns.xml:6:[0-9]*: error" "$tmp/err"; then
	pass=$((pass + 1))
else
	echo "FAIL DNS names: not the located error at the flow:"
	cat "$tmp/err"
	fail=$((fail + 1))
fi

# Broken scripts: each must fail with its message at its line.
n=0
broken() { # expected "line: message" part; the script is in $tmp/in
	n=$((n + 1))
	f="$tmp/broken$n.cmd"
	mv "$tmp/in" "$f"
	if python3 "$CHECKER" "$f" >"$tmp/check" 2>&1; then
		echo "FAIL broken script $n accepted (expected '$1')"
		fail=$((fail + 1))
	elif grep -q -F "$f:$1" "$tmp/check"; then
		pass=$((pass + 1))
	else
		echo "FAIL broken script $n: expected '$f:$1', got:"
		cat "$tmp/check"
		fail=$((fail + 1))
	fi
}
H='@echo off
setlocal DisableDelayedExpansion
netsh advfirewall firewall delete rule name="fwc" >nul 2>&1'
A='netsh advfirewall firewall add rule name="fwc" dir=in action=allow'

# A valid script passes (the checker is not simply refusing everything).
printf '%s\n%s protocol=tcp localport=80 remoteip=10.0.0.0/8 profile=any enable=yes\n' "$H" "$A" >"$tmp/good.cmd"
if python3 "$CHECKER" "$tmp/good.cmd"; then
	pass=$((pass + 1))
else
	echo "FAIL a valid script was rejected"
	fail=$((fail + 1))
fi

printf '%s\n%s\n' "$H" 'netsh advfirewall firewall add rule name="other" dir=in action=allow' >"$tmp/in"
broken "4: rule 'other' is added but not deleted before"
printf '%s\n%s description="%%PATH%%"\n' "$H" "$A" >"$tmp/in"
broken "4: '%' that is not '%%' is expanded by cmd.exe"
printf '%s\n%s & calc\n' "$H" "$A" >"$tmp/in"
broken "4: '&' outside quotes is a cmd.exe metacharacter"
printf '%s\n%s description="a" & del C:\\ & ""\n' "$H" "$A" >"$tmp/in"
broken "4: '&' outside quotes is a cmd.exe metacharacter"
printf '%s\n%s description="unbalanced\n' "$H" "$A" >"$tmp/in"
broken "4: unbalanced double quote"
printf '%s\n%s description="!x!"\n' "$H" "$A" >"$tmp/in"
broken "4: '!' would be expanded"
printf '%s\n%s description="a^b"\n' "$H" "$A" >"$tmp/in"
broken "4: '^' is cmd.exe's escape character"
printf '%s\n%s protocol=tcp localport=0\n' "$H" "$A" >"$tmp/in"
broken "4: bad port '0' in localport"
printf '%s\n%s protocol=tcp localport=65536\n' "$H" "$A" >"$tmp/in"
broken "4: port '65536' in localport is above 65535"
printf '%s\n%s protocol=tcp localport=90-80\n' "$H" "$A" >"$tmp/in"
broken "4: port range '90-80' in localport is reversed"
printf '%s\n%s protocol=any localport=80\n' "$H" "$A" >"$tmp/in"
broken "4: 'localport' needs protocol tcp or udp"
printf '%s\n%s remoteip=10.0.0.1/24\n' "$H" "$A" >"$tmp/in"
broken "4: bad address '10.0.0.1/24' in remoteip"
printf '%s\n%s remoteip=10.0.0.9-10.0.0.1\n' "$H" "$A" >"$tmp/in"
broken "4: range '10.0.0.9-10.0.0.1' in remoteip is reversed"
printf '%s\n%s remoteip=10.0.0.1 localip=2001:db8::1\n' "$H" "$A" >"$tmp/in"
broken "4: rule mixes IPv4 and IPv6 addresses"
printf '%s\n%s protocol=icmpv4:8,any remoteip=2001:db8::/32\n' "$H" "$A" >"$tmp/in"
broken "4: protocol 'icmpv4:8,any' with IPv6 addresses"
printf '%s\n%s protocol=icmpv6:256,any\n' "$H" "$A" >"$tmp/in"
broken "4: bad ICMP type '256'"
printf '%s\n%s program="C:\\x.exe"\n' "$H" "$A" >"$tmp/in"
broken "4: unknown key 'program'"
printf '%s\n%s dir=out\n' "$H" "$A" >"$tmp/in"
broken "4: key 'dir' given twice"
printf '%s\n%s remoteip=%s\n' "$H" "$A" "$(seq -f '10.0.%g.1' 0 1000 | paste -sd, -)" >"$tmp/in"
broken "4: remoteip lists 1001 addresses (at most 1000 per rule)"
printf '%s\n%s description="%s"\n' "$H" "$A" "$(printf '%8200s' x)" >"$tmp/in"
broken "4: line of 8281 characters"
printf '%s\n' 'setlocal DisableDelayedExpansion' 'netsh advfirewall set allprofiles state on' >"$tmp/in"
broken "1: the first line must be '@echo off'"
printf '%s\n' '@echo off' 'setlocal EnableDelayedExpansion' 'netsh advfirewall set allprofiles state on' >"$tmp/in"
broken "2: unknown line"
printf '%s\n' '@echo off' 'netsh advfirewall set allprofiles state on' >"$tmp/in"
broken "2: netsh command before 'setlocal DisableDelayedExpansion'"
printf '%s\n%s\n' "$H" 'netsh advfirewall firewall delete rule name="all"' >"$tmp/in"
broken "4: rule name 'all' means every rule of the host"
printf '%s\n%s >nul 2>&1\n' "$H" "$A" >"$tmp/in"
broken "4: add rule output is hidden"
printf '%s\n%s\r\n' "$H" "$A" >"$tmp/in"
broken "1: mixed line ends"
printf '%s\n%s description="caf\303\251"\n' "$H" "$A" >"$tmp/in"
broken "4: not ASCII"
printf '%s\nrem %%~x\n' "$H" >"$tmp/in"
broken "4: '%' that is not '%%' is expanded by cmd.exe"
printf '%s\nif errorlevel 1 del C:\\x\n' "$H" >"$tmp/in"
broken "4: unexpected command after if"
printf '%s\n%s' "$H" "$A" >"$tmp/in"
broken "4: no line end after the last line"

echo "netsh: $pass passed, $fail failed"
[ $fail = 0 ]
