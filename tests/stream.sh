#!/bin/sh
# Streaming output of `fwc compile -o FILE` (docs/performance.md section
# 9): the text goes to the temporary file as the backend makes it, and
# the guarantees of the atomic write still hold. Checked here: the bytes
# are those of the same run written to stdout (a 20,000-flow policy, so
# several chunks, for nft, iptables and pf); a backend that refuses the
# ruleset after the file was opened leaves an existing output untouched
# and no temporary file; a write that fails half-way (a 1 MiB tmpfs, in a
# mount namespace of its own, when unshare works) exits 3, leaves no
# file and no temporary; a directory that does not exist exits 3 with
# the message of the buffered path; /dev/null and "-" still work.
NAME=stream
. "$(dirname "$0")/lib-bench.sh"

temps() {
	ls -a "$1" | grep -c '\.tmp' || true
}

gen_policy 20000 "$tmp/b"
for t in nft iptables pf; do
	"$FWC" compile "$tmp/b/policy.xml" --gateway gw -t "$t" \
	    >"$tmp/out.stdout" 2>"$tmp/err1" || bad "$t: stdout run failed"
	"$FWC" compile "$tmp/b/policy.xml" --gateway gw -t "$t" \
	    -o "$tmp/out.$t" 2>"$tmp/err2" || bad "$t: -o run failed"
	size=$(wc -c <"$tmp/out.$t")
	if [ "$size" -gt 2100000 ] && cmp -s "$tmp/out.stdout" "$tmp/out.$t"
	then ok; else bad "$t: -o output ($size bytes) differs from stdout"; fi
	cmp -s "$tmp/err1" "$tmp/err2" && ok || bad "$t: stderr differs"
	[ "$(temps "$tmp")" = 0 ] && ok || bad "$t: temporary file left"
	[ "$(stat -c %a "$tmp/out.$t")" = 644 ] && ok || bad "$t: mode"
done

# Refused by the backend's check, after the temporary file was made.
cat >"$tmp/badif.xml" <<'XML'
<policy name="s" version="1" default="drop">
<boundary name="lan"><subnet>10.1.0.0/24</subnet></boundary>
<boundary name="dmz"><subnet>10.2.0.0/24</subnet></boundary>
<allow name="a" from="lan" to="dmz" service="any"/>
<gateway name="gw" os="linux"><address>10.2.0.1</address>
<interface name="lan@0" boundary="lan"/><interface name="dmz0" boundary="dmz"/></gateway>
</policy>
XML
mkdir "$tmp/d"
echo previous >"$tmp/d/gw.nft"
"$FWC" compile "$tmp/badif.xml" --gateway gw -t nft -o "$tmp/d/gw.nft" \
    2>"$tmp/err"
rc=$?
[ $rc = 1 ] && ok || bad "refused ruleset: exit $rc, expected 1"
grep -q "cannot express interface name 'lan@0'" "$tmp/err" && ok ||
	bad "refused ruleset: no error message"
[ "$(cat "$tmp/d/gw.nft")" = previous ] && ok ||
	bad "refused ruleset: the existing output changed"
[ "$(ls -a "$tmp/d" | wc -l)" = 3 ] && ok ||
	bad "refused ruleset: files left: $(ls -a "$tmp/d")"

# A write that fails half-way through the stream.
if unshare -m true 2>/dev/null; then
	mkdir "$tmp/full"
	unshare -m sh -c '
		mount -t tmpfs -o size=1m tmpfs "$1" || exit 99
		"$2" compile "$3" --gateway gw -t nft -o "$1/gw.nft" 2>"$4"
		rc=$?
		ls -a "$1" >"$5"
		exit $rc' sh "$tmp/full" "$FWC" "$tmp/b/policy.xml" \
	    "$tmp/err" "$tmp/left"
	rc=$?
	if [ $rc = 99 ]; then
		echo "stream: tmpfs mount refused, write failure not checked"
	else
		[ $rc = 3 ] && ok || bad "full disk: exit $rc, expected 3"
		grep -q "cannot write '$tmp/full/gw.nft': No space left" \
		    "$tmp/err" && ok || bad "full disk: $(cat "$tmp/err")"
		[ "$(grep -vc '^\.\.\?$' "$tmp/left")" = 0 ] && ok ||
			bad "full disk: files left: $(cat "$tmp/left")"
	fi
else
	echo "stream: no mount namespace, write failure not checked"
fi

# No such directory: reported as by the buffered write.
"$FWC" compile "$tmp/b/policy.xml" --gateway gw -t nft \
    -o "$tmp/nodir/gw.nft" 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && ok || bad "no directory: exit $rc, expected 3"
grep -q "^fwc: cannot create '$tmp/nodir/gw.nft.tmp" "$tmp/err" && ok ||
	bad "no directory: $(cat "$tmp/err")"

"$FWC" compile "$tmp/b/policy.xml" --gateway gw -t nft -o /dev/null &&
	ok || bad "/dev/null"
"$FWC" compile "$tmp/b/policy.xml" --gateway gw -t nft -o - |
	cmp -s - "$tmp/out.nft" && ok || bad "-o -"

echo "stream: $pass passed, $fail failed"
[ $fail = 0 ]
