#!/bin/sh
# Every bundled example compiles for every enforcement point it declares
# (and each nft ruleset passes `nft -c -f` in a fresh namespace), and every
# ```xml block in README.md and docs/*.md is a policy that `fwc check`
# accepts. Blocks fenced as ```xml-fragment are excerpts and are skipped.
set -u
FWC=${FWC:-build/fwc}
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
can_nft=0
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	can_nft=1
else
	echo "examples: SKIPPING nft -c validation (needs root, nft and unshare)" >&2
fi

for x in examples/*.xml; do
	if ! "$FWC" list "$x" -I policies >"$tmp/list" 2>"$tmp/err"; then
		echo "FAIL $x: fwc list"
		cat "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	grep -E '^(gateway|host) ' "$tmp/list" >"$tmp/eps"
	while read -r kind name rest; do
		opt=--host
		[ "$kind" = gateway ] && opt=--gateway
		target=$(echo "$rest" | sed -n 's/.*target=\([a-z0-9]*\).*/\1/p')
		if ! "$FWC" list --list-targets >/dev/null 2>&1 || ! "$FWC" --list-targets | grep -q "^$target "; then
			# The default target of this point is not built yet: use nft
			# so that the placement is still exercised.
			target=nft
		fi
		if ! "$FWC" compile "$x" -I policies $opt "$name" -t "$target" -o "$tmp/out" 2>"$tmp/err"; then
			echo "FAIL $x $kind $name ($target)"
			cat "$tmp/err"
			fail=$((fail + 1))
			continue
		fi
		if [ "$target" = nft ] && [ $can_nft = 1 ] && ! unshare -n nft -c -f "$tmp/out" 2>"$tmp/err"; then
			echo "FAIL $x $kind $name: nft -c"
			head -20 "$tmp/err"
			fail=$((fail + 1))
			continue
		fi
		pass=$((pass + 1))
	done <"$tmp/eps"
done

# Documentation examples.
for md in README.md docs/*.md; do
	[ -f "$md" ] || continue
	awk -v dir="$tmp" -v base="$(basename "$md" .md)" '
		/^```xml$/ { n++; f = sprintf("%s/%s-%02d.xml", dir, base, n); inb = 1; next }
		/^```/ { inb = 0; next }
		inb { print > f }
	' "$md"
done
for x in "$tmp"/*-[0-9][0-9].xml; do
	[ -e "$x" ] || continue
	if "$FWC" check "$x" -I policies >/dev/null 2>"$tmp/err"; then
		pass=$((pass + 1))
	else
		echo "FAIL documentation example $(basename "$x"):"
		cat "$tmp/err"
		sed 's/^/    | /' "$x" | head -30
		fail=$((fail + 1))
	fi
done
echo "examples: $pass passed, $fail failed"
[ $fail = 0 ]
