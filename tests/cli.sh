#!/bin/sh
# Command-line behaviour: exit codes, usage errors, nothing written on any
# error, atomic -o, determinism, and hostile XML rejected quickly with
# bounded memory. Needs no root.
set -u
FWC=${FWC:-build/fwc}
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# expect_rc RC CMD...: run CMD, compare its exit status.
expect_rc() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = "$want" ]; then ok; else bad "$* -> exit $rc, expected $want"; cat "$tmp/err"; fi
}

P="examples/configmgr-site.xml -I policies"

# Help, version and usage errors.
expect_rc 0 $FWC --help
grep -q '^usage: fwc compile' "$tmp/out" && ok || bad "--help shows the usage"
expect_rc 0 $FWC --version
grep -qE '^fwc [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" && ok || bad "--version format"
expect_rc 2 $FWC
expect_rc 2 $FWC frobnicate x.xml
expect_rc 2 $FWC compile $P
expect_rc 2 $FWC compile $P --gateway gw-core --host cm01
expect_rc 2 $FWC compile $P --gateway
expect_rc 2 $FWC compile $P --gateway gw-core --bogus
expect_rc 2 $FWC check $P --gateway gw-core
expect_rc 2 $FWC compile $P --gateway gw-core -t nosuch
grep -q "target 'nosuch' is not available" "$tmp/err" && ok || bad "unknown target message"
expect_rc 0 $FWC --list-targets
grep -q '^nft ' "$tmp/out" && ok || bad "--list-targets lists nft"

# Policy errors: exit 1. A missing file: exit 3.
expect_rc 1 $FWC compile $P --gateway gw-nope
grep -q "no gateway 'gw-nope'" "$tmp/err" && ok || bad "unknown gateway message"
expect_rc 3 $FWC check "$tmp/does-not-exist.xml"
expect_rc 1 $FWC check tests/hostile/xxe-file.xml

# Nothing is written on error; -o replaces atomically and leaves no
# temporary file.
echo "previous" >"$tmp/keep.nft"
expect_rc 1 $FWC compile tests/hostile/billion-laughs.xml --gateway gw -o "$tmp/keep.nft"
[ "$(cat "$tmp/keep.nft")" = previous ] && ok || bad "output overwritten on error"
expect_rc 1 $FWC compile $P --gateway nope -o "$tmp/new.nft"
[ ! -e "$tmp/new.nft" ] && ok || bad "output created on error"
expect_rc 0 $FWC compile $P --gateway gw-core -o "$tmp/keep.nft"
head -1 "$tmp/keep.nft" | grep -q '^#!/usr/sbin/nft -f' && ok || bad "-o content"
[ "$(ls "$tmp" | grep -c tmp)" = 0 ] && ok || bad "temporary file left behind"
expect_rc 3 $FWC compile $P --gateway gw-core -o "$tmp/no/such/dir/x.nft"

# Deterministic: twice the same bytes; stdout equals -o.
$FWC compile $P --gateway gw-core >"$tmp/a.nft" 2>/dev/null
$FWC compile $P --gateway gw-core >"$tmp/b.nft" 2>/dev/null
cmp -s "$tmp/a.nft" "$tmp/b.nft" && ok || bad "output differs between runs"
cmp -s "$tmp/a.nft" "$tmp/keep.nft" && ok || bad "stdout differs from -o"

# --werror turns warnings into errors.
cat >"$tmp/warn.xml" <<'X'
<policy name="w" version="1">
  <boundary name="a"><subnet>10.0.0.0/24</subnet><exclude>10.0.0.0/24</exclude></boundary>
</policy>
X
expect_rc 0 $FWC check "$tmp/warn.xml"
expect_rc 1 $FWC check "$tmp/warn.xml" --werror
grep -q "error: boundary 'a' is empty after exclusion" "$tmp/err" && ok || bad "--werror message"

# --all writes DIR/NAME/ and DIR/MANIFEST: an enforcement point called
# MANIFEST (in any case) or MANIFEST.pending is refused before anything
# is written.
for n in MANIFEST manifest MANIFEST.pending; do
	cat >"$tmp/man.xml" <<X
<policy name="m" version="1">
  <boundary name="a"><subnet>10.0.0.0/24</subnet></boundary>
  <boundary name="b"><subnet>10.0.1.0/24</subnet></boundary>
  <allow from="a" to="b" service="any"/>
  <gateway name="$n" os="linux"><interface name="e0" boundary="a"/><interface name="e1" boundary="b"/></gateway>
</policy>
X
	expect_rc 1 $FWC compile "$tmp/man.xml" --all -o "$tmp/mandir"
	echo "$tmp/man.xml:5:3: error: gateway '$n' cannot be written by --all: DIR/$n is the manifest of the directory; rename the gateway" >"$tmp/want"
	cmp -s "$tmp/want" "$tmp/err" && ok || bad "--all with a gateway named $n: $(cat "$tmp/err")"
	[ -e "$tmp/mandir" ] && bad "--all with a gateway named $n wrote $tmp/mandir" || ok
done

# Libraries loaded on demand (include/fwc/dl.h, docs/performance.md):
# a policy our own reader takes is compiled without libxml2 or BuDDy; a
# document it gives up on (a CDATA section) loads libxml2, a diff loads
# BuDDy. Not under valgrind, whose own loader output would get in the way.
if [ -z "${VG_FWC:-}" ]; then
	loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -oE 'file=lib(xml2|bdd)\.so[^ ]*' | sort -u | tr '\n' ' '; }
	got=$(loaded $FWC compile $P --gateway gw-core -o "$tmp/lazy.nft")
	[ -z "$got" ] && ok || bad "compile loaded $got"
	printf '<policy name="c" version="1"><![CDATA[x]]></policy>\n' >"$tmp/cdata.xml"
	got=$(loaded $FWC check "$tmp/cdata.xml")
	[ "$got" = "file=libxml2.so.2 " ] && ok || bad "a CDATA section loaded '$got', expected libxml2"
	d=tests/review/diff/01-added-flow
	got=$(loaded $FWC diff $d/old.xml $d/new.xml)
	[ "$got" = "file=libbdd.so.0 " ] && ok || bad "diff loaded '$got', expected libbdd"
fi

# Hostile input: a clear error within 5 s and 256 MB.
sh tests/hostile/gen-deep.sh 10000 >"$tmp/deep.xml"
head -c 70000000 /dev/zero | tr '\0' ' ' >"$tmp/huge.xml"
for f in tests/hostile/*.xml "$tmp/deep.xml" "$tmp/huge.xml"; do
	# FWC_NO_ULIMIT: sanitizer builds reserve terabytes of address space;
	# FWC_TIMEOUT: valgrind runs are 10 to 50 times slower.
	( [ -n "${FWC_NO_ULIMIT:-}" ] || ulimit -v 262144; timeout "${FWC_TIMEOUT:-5}" $FWC check "$f" ) >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 1 ] && grep -q 'error: ' "$tmp/err"; then
		ok
	else
		bad "hostile $(basename "$f"): exit $rc: $(head -2 "$tmp/err")"
	fi
done

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
