#!/bin/sh
# Hostile inputs (docs/security.md): every file of tests/hostile/ and a
# few generated ones must be rejected with exit status 1 and exactly the
# documented error, within 10 seconds and 1 GiB of address space, and
# without reading anything but the policy (the XXE files name
# /etc/passwd and an http URL; strace, when installed, proves that no
# other file is opened and no socket is created).
# Usage: FWC=build/fwc sh tests/hardening/hostile.sh
set -u
FWC=${FWC:-build/fwc}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
src=$(cd "$(dirname "$0")/../hostile" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fwc-hostile.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM
export LC_ALL=C
cd "$tmp" || exit 3
fail=0
n=0

# expect FILE MESSAGE...: `fwc check FILE` exits 1 printing exactly the
# lines MESSAGE... on stderr, within the time and memory bounds
# (FWC_TIMEOUT seconds under valgrind, which is 10 to 50 times slower).
expect() {
	f=$1
	shift
	printf '%s\n' "$@" >want
	# FWC_NO_ULIMIT: sanitizer builds reserve terabytes of address space.
	([ -n "${FWC_NO_ULIMIT:-}" ] || ulimit -v 1048576
	timeout "${FWC_TIMEOUT:-10}" $FWC check "$f") >out 2>got
	rc=$?
	n=$((n + 1))
	if [ $rc -ne 1 ] || ! cmp -s want got; then
		echo "FAIL $f: exit $rc (want 1)"
		diff -u want got | head -10
		fail=1
	fi
}

for f in "$src"/*.xml; do
	cp "$f" .
done
sh "$src/gen-deep.sh" >deep.xml
expect bad-utf8.xml "bad-utf8.xml:1:18: error: invalid UTF-8 (byte 0xe9)"
for f in billion-laughs xxe-file xxe-net xxe-param; do
	expect $f.xml \
	    "$f.xml:2:1: error: DTDs and entity declarations are not allowed"
done
expect deep.xml "deep.xml:2:311: error: elements nested too deeply (limit 32)"

# Files that are not policy files.
expect /dev/zero "/dev/zero: error: file is too large (limit 16777216 bytes)"
expect /tmp "/tmp: error: cannot read: Is a directory"

# 100,000 attributes on one element (libxml2 checks duplicates in
# quadratic time): refused at the 65th before libxml2 sees them.
python3 -c '
print("<policy name=\"x\" version=\"1\"><host name=\"h\"" +
      "".join(" a%d=\"v\"" % i for i in range(100000)) + "/></policy>")' >attrs.xml
expect attrs.xml "attrs.xml:1:539: error: too many attributes on <host> (limit 64)"

# An element name of 100,000 bytes (libxml2's own name limit).
python3 -c '
print("<policy name=\"x\" version=\"1\"><" + "a" * 100000 + "/></policy>")' >name.xml
expect name.xml "name.xml:1:31: error: name too long: NCName"

# A million escaped characters in one attribute value: counted before
# libxml2 expands them.
python3 -c '
print("<policy name=\"x\" version=\"1\" description=\"" + "&amp;" * 1000000 +
      "\"/>")' >amp.xml
expect amp.xml "amp.xml:1:30: error: value of attribute 'description' is too long (5000000 bytes, limit 4096)"

# A file that is not XML, included: its content is not quoted.
printf '<policy name="x" version="1"><include href="/etc/shadow"/></policy>\n' >shadow.xml
if [ -r /etc/shadow ]; then
	expect shadow.xml "/etc/shadow:1:1: error: start tag expected" \
	    "shadow.xml:1:39: note: included from here"
fi

# No file but the policy is opened and no socket is created.
if command -v strace >/dev/null 2>&1; then
	for f in xxe-file xxe-net xxe-param; do
		strace -f -qq -e trace=open,openat,socket,connect -o trace \
		    $FWC check $f.xml >/dev/null 2>&1
		n=$((n + 1))
		if ! grep -q "\"$f.xml\"" trace; then
			echo "FAIL $f.xml: strace did not see the policy opened"
			fail=1
		fi
		if grep -E 'passwd|socket\(|connect\(|203\.0\.113' trace >/dev/null; then
			echo "FAIL $f.xml: fwc tried to reach outside the policy:"
			grep -E 'passwd|socket\(|connect\(|203\.0\.113' trace
			fail=1
		fi
	done
fi
[ $fail -eq 0 ] && echo "hostile: $n cases passed"
exit $fail
