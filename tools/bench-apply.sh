#!/bin/sh
# Benchmark of `fwc apply` (netlink) against `nft -f` of the same ruleset
# (the nft backend's text), in a fresh network namespace, measured in the
# same run: wall time and peak RSS (GNU time) at 10k and 100k rules and at
# 100k and 1M set elements. `fwc apply` is timed as a whole command:
# reading and compiling the policy, resolving nothing (no DNS names), and
# the netlink batch; `fwc compile -t nft` alone is shown for scale. Every
# load starts from an empty ruleset. Results are checked: the rule count
# of the table, and sampled set elements with `nft get element`
# (a full listing of 1M elements takes minutes, pitfalls.md).
#
#   sh tools/bench-apply.sh [quick]     (make bench-apply; root)
set -u
FWC=${FWC:-build/fwc}
export LC_ALL=C
if [ "$(id -u)" != 0 ]; then
	echo "bench-apply: SKIPPED (needs root for a network namespace)" >&2
	exit 0
fi
[ -x /usr/bin/time ] || { echo "bench-apply: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d)
ns=fwcbench$$
cleanup() {
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add $ns || exit 1
ip -n $ns link set lo up
export FWC_RUNDIR="$tmp/run"
quick=${1:-}

# big_set FILE N: a policy whose one forward rule matches a source set of
# N separate IPv4 addresses (every other address, so nothing merges),
# spread over included files that stay below the 16 MB input limit.
big_set() {
	python3 - "$1" "$2" <<'PY'
import os, sys
path, n = sys.argv[1], int(sys.argv[2])
d = os.path.dirname(path)
per = 250000
names = []
for part in range((n + per - 1) // per):
    lo, hi = part * per, min(n, (part + 1) * per)
    name = "big%d" % part
    names.append(name)
    with open(os.path.join(d, "%s.xml" % name), "w") as f:
        f.write('<policy name="%s" version="1">\n<boundary name="%s">\n' % (name, name))
        for i in range(lo, hi):
            a = 2 * i
            f.write("<subnet>10.%d.%d.%d/32</subnet>\n" % (a >> 16 & 255, a >> 8 & 255, a & 255))
        f.write("</boundary>\n</policy>\n")
with open(path, "w") as f:
    f.write('<policy name="bigset" version="1" default="drop">\n')
    for name in names:
        f.write('<include href="%s.xml"/>\n' % name)
    f.write('<service name="tls"><port protocol="tcp" port="443"/></service>\n')
    f.write('<boundary name="srv"><subnet>192.168.0.0/24</subnet></boundary>\n')
    f.write('<host name="web"><address>192.168.0.10</address></host>\n')
    f.write('<allow name="many-to-web" from="%s" to="web" service="tls"/>\n' % " ".join(names))
    f.write('<gateway name="gw" os="linux">\n<interface name="eth0" boundary="%s"/>\n'
            '<interface name="eth1" boundary="srv"/>\n</gateway>\n</policy>\n' % " ".join(names))
PY
}

# measure LABEL CMD...: "wall-seconds kilobytes cpu-seconds" of CMD into
# $tmp/m.LABEL (cpu = user + system, which other load on the machine
# disturbs less than wall time).
measure() {
	label=$1
	shift
	if ! /usr/bin/time -f '%e %M %U %S' -o "$tmp/m.$label" "$@" >"$tmp/o.$label" 2>"$tmp/e.$label"; then
		echo "bench-apply: '$*' failed:" >&2
		tail -5 "$tmp/e.$label" >&2
		echo "fail 0 0 0" >"$tmp/m.$label"
	fi
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$tmp/m.$label" >"$tmp/m.x" &&
		mv "$tmp/m.x" "$tmp/m.$label"
}

# ratio A B [DECIMALS]: A / B, or "-" when A failed.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0 && a != "fail") printf "%.*f", d, a / b; else printf "-" }'; }

printf '| case | rules | elements | fwc compile s | nft -f s | fwc apply s | time ratio | nft -f cpu s | fwc apply cpu s | cpu ratio | nft -f MB | fwc apply MB | memory ratio | netlink part s | netlink part MB | checked |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n'

run_case() {
	name=$1
	pol=$2
	rm -f "$tmp"/m.*
	measure compile "$FWC" compile "$pol" --gateway gw -t nft -o "$tmp/$name.nft"
	rules=$(grep -c 'counter' "$tmp/$name.nft")
	elems=$(grep -cE '^[[:space:]]+[0-9a-f.:/-]+,?$' "$tmp/$name.nft")
	ip netns exec $ns nft flush ruleset
	measure nft ip netns exec $ns nft -f "$tmp/$name.nft"
	ip netns exec $ns nft flush ruleset
	measure fwc ip netns exec $ns env FWC_PHASES=1 "$FWC" apply "$pol" --gateway gw
	# Check what fwc applied: the rule count of the whole table (every
	# chain of the dispatch layout; -t leaves set elements out), and
	# elements.
	got=$(ip netns exec $ns nft -t list table inet fwc | grep -c 'counter')
	want=$rules
	check=ok
	[ "$got" = "$want" ] || check="rules $got/$want"
	# In the big-set cases, members and non-members of the set that
	# holds 10.0.0.0 (every other address of 10.0.0.0/8 from there).
	set=$(awk '/^\tset /{ s = $2 } /^\t\t\t10\.0\.0\.0,?$/{ print s; exit }' "$tmp/$name.nft")
	if [ -n "$set" ]; then
		# nft fetches the whole set for each `get element` (minutes at
		# 1M elements): two members and a non-member, checked by nft,
		# then every element compared by `fwc status`.
		for e in 10.0.0.2 10.0.3.254; do
			ip netns exec $ns nft get element inet fwc "$set" "{ $e }" \
				>/dev/null 2>&1 || check="element $e missing"
		done
		ip netns exec $ns nft get element inet fwc "$set" "{ 10.0.3.255 }" \
			>/dev/null 2>&1 && check="element 10.0.3.255 present"
		ip netns exec $ns "$FWC" status "$pol" --gateway gw >"$tmp/status" 2>&1 ||
			check="fwc status: $(head -1 "$tmp/status")"
	fi
	read -r cs ck cc <"$tmp/m.compile"
	read -r ns_ nk nc <"$tmp/m.nft"
	read -r fs fk fc <"$tmp/m.fwc"
	# The netlink part: what fwc apply spends after compiling (the
	# FWC_PHASES lines of the front end: parse, sema, place, opt): the
	# nft model, the batch and the kernel's work on it (wall time), and
	# the peak memory it adds on top of the compiled policy.
	nl=$(awk -v tot="$fs" -v kb="$fk" '
		/^fwc: phase (parse|sema|place|opt) / { w += $5; for (i = 1; i <= NF; i++) if ($i == "rss") mb = $(i + 1) }
		END { if (tot == "fail" || mb == "") print "- -"; else printf "%.2f %d\n", tot - w, kb / 1024 - mb }' "$tmp/e.fwc")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
		"$name" "$rules" "$elems" "$cs" "$ns_" "$fs" "$(ratio "$fs" "$ns_")" \
		"$nc" "$fc" "$(ratio "$fc" "$nc")" \
		"$((nk / 1024))" "$((fk / 1024))" "$(ratio "$fk" "$nk" 3)" \
		${nl% *} ${nl#* } "$check"
}

if [ "$quick" = quick ]; then
	python3 tools/gen-large.py 1200 >"$tmp/r1k.xml"
	run_case rules-1k "$tmp/r1k.xml"
	big_set "$tmp/e10k.xml" 10000
	run_case elements-10k "$tmp/e10k.xml"
	exit 0
fi
# Rules between 1,000 boundaries and 100 hosts: about 1,100 address sets
# (with tens of thousands of sets the kernel's lookup of sets by name
# dominates both loads: 100k rules and 58k sets took nft -f over 5
# minutes here).
python3 tools/gen-large.py 12000 1000 >"$tmp/r10k.xml"
run_case rules-10k "$tmp/r10k.xml"
python3 tools/gen-large.py 126000 1000 >"$tmp/r100k.xml"
run_case rules-100k "$tmp/r100k.xml"
mkdir -p "$tmp/e100k" "$tmp/e1m"
big_set "$tmp/e100k/p.xml" 100000
run_case elements-100k "$tmp/e100k/p.xml"
big_set "$tmp/e1m/p.xml" 1000000
run_case elements-1M "$tmp/e1m/p.xml"
echo "time ratio = wall time of fwc apply / nft -f (target <= 0.5); cpu ratio = user+system time; memory ratio = peak RSS of fwc apply / nft -f (target <= 0.1)"
echo "netlink part = what fwc apply adds after compiling the policy (FWC_PHASES): wall time of the nft model, the batch and the kernel's commit, and peak RSS above the compiled policy"
