#!/bin/sh
# make install / uninstall with PREFIX and DESTDIR: the files land where
# they should, the installed binary knows its library directory and uses
# the installed library, and uninstall removes everything it installed.
set -u
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
B=${INSTALL_BUILD:-build/install-test}
M="make --no-print-directory -s BUILD=$B PREFIX=/opt/fwc-test DESTDIR=$tmp/root"
bin=$tmp/root/opt/fwc-test/bin/fwc
inst() {
	if [ -n "${FWC_WRAP:-}" ]; then
		VG_PROG=$bin "$FWC_WRAP" "$@"
	else
		"$bin" "$@"
	fi
}

$M install >"$tmp/log" 2>&1 || { cat "$tmp/log"; bad "make install"; }
for f in bin/fwc share/fwc/policies/configmgr.xml share/fwc/policies/policy.rng \
	share/man/man1/fwc.1; do
	[ -f "$tmp/root/opt/fwc-test/$f" ] && ok || bad "installed $f"
done
inst --help | grep -q '/opt/fwc-test/share/fwc/policies' &&
	ok || bad "--help names the installed library"
# The installed library serves includes without -I.
FWC_POLICY_LIBRARY="$tmp/root/opt/fwc-test/share/fwc/policies" \
	inst check examples/configmgr-site.xml >/dev/null 2>&1 &&
	ok || bad "installed library used for includes"
$M uninstall >"$tmp/log" 2>&1 || bad "make uninstall"
left=$(find "$tmp/root" -type f | wc -l)
[ "$left" = 0 ] && ok || bad "uninstall left $left files"
rm -rf "$B"
echo "install: $pass passed, $fail failed"
[ $fail = 0 ]
