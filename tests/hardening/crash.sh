#!/bin/sh
# Crash safety of outputs (docs/security.md): fwc is killed with SIGKILL at
# spread-out moments while it replaces a good output with a new one.
# - `-o FILE`: FILE must always be byte-identical to the complete old or
#   the complete new output.
# - `--all -o DIR`: whenever DIR/MANIFEST exists it must be the old or the
#   new MANIFEST and every file it lists must match it (sha256sum -c);
#   every output file must be the complete old or new version.
# - The new policy has fewer enforcement points: a killed `--all` run
#   leaves either MANIFEST or MANIFEST.pending, which lists every file
#   it may have written, so that the next run can remove those of the
#   enforcement points that left the policy.
# Leftover temporary files (NAME.tmpXXXXXX, expected after SIGKILL) are
# counted and left in place: a complete run after the kills must remove
# them, and the files of the removed enforcement points, and leave
# exactly the output of a fresh run.
# Usage: FWC=build/fwc sh tests/hardening/crash.sh [ROUNDS]
set -u
FWC=${FWC:-build/fwc}
ROUNDS=${1:-${CRASH_ROUNDS:-25}}
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fwc-crash.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM
export LC_ALL=C
fail=0

python3 "$here/gen-crash.py" 1 30 3000 >"$tmp/old.xml" &&
python3 "$here/gen-crash.py" 2 25 3000 >"$tmp/new.xml" || exit 3

# Reference outputs, and how long a whole run takes.
$FWC compile "$tmp/old.xml" --gateway gw -t nft -o "$tmp/old.nft" &&
$FWC compile "$tmp/new.xml" --gateway gw -t nft -o "$tmp/new.nft" &&
$FWC compile "$tmp/old.xml" --all -o "$tmp/old.d" &&
$FWC compile "$tmp/new.xml" --all -o "$tmp/new.d" || {
	echo "FAIL: reference runs"
	exit 1
}
if cmp -s "$tmp/old.nft" "$tmp/new.nft"; then
	echo "FAIL: old and new outputs are the same"
	exit 1
fi
if [ -n "$(find "$tmp" -name '*.tmp*')" ]; then
	echo "FAIL: a complete run left temporary files"
	exit 1
fi

# An output path that is not a regular file is written in place, never
# replaced: a FIFO, and (as root) a private copy of /dev/null, which fwc
# once replaced with a regular file (`-o /dev/null` as root).
mkfifo "$tmp/fifo" || exit 3
cat "$tmp/fifo" >"$tmp/fifo.out" &
reader=$!
$FWC compile "$tmp/old.xml" --gateway gw -t nft -o "$tmp/fifo" || fail=1
wait $reader
if [ ! -p "$tmp/fifo" ] || ! cmp -s "$tmp/fifo.out" "$tmp/old.nft"; then
	echo "FAIL -o FIFO: not written in place"
	fail=1
fi
if mknod "$tmp/null" c 1 3 2>/dev/null; then
	$FWC compile "$tmp/old.xml" --gateway gw -t nft -o "$tmp/null" || fail=1
	if [ ! -c "$tmp/null" ]; then
		echo "FAIL -o DEVICE: the device node was replaced"
		fail=1
	fi
	rm -f "$tmp/null"
fi
if [ -n "$(find "$tmp" -name '*.tmp*')" ]; then
	echo "FAIL -o FIFO/DEVICE: temporary files left"
	fail=1
fi

# run_ms CMD...: wall time of one run in milliseconds.
run_ms() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# delays TOTAL_MS: ROUNDS delays in seconds spread over 0..1.2*TOTAL_MS.
delays() {
	python3 -c '
import random, sys
total, rounds = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(7)
for i in range(rounds):
    base = 1.2 * total * i / rounds
    print("%.3f" % ((base + rnd.uniform(0, 1.2 * total / rounds)) / 1000))
' "$1" "$ROUNDS"
}

# One file.
ms=$(run_ms $FWC compile "$tmp/new.xml" --gateway gw -t nft -o "$tmp/probe.nft")
killed=0
olds=0
news=0
temps=0
for d in $(delays "$ms"); do
	cp "$tmp/old.nft" "$tmp/out.nft"
	$FWC compile "$tmp/new.xml" --gateway gw -t nft -o "$tmp/out.nft" \
	    >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null && killed=$((killed + 1))
	wait $pid 2>/dev/null
	if cmp -s "$tmp/out.nft" "$tmp/old.nft"; then
		olds=$((olds + 1))
	elif cmp -s "$tmp/out.nft" "$tmp/new.nft"; then
		news=$((news + 1))
	else
		echo "FAIL -o FILE: killed after ${d}s: neither old nor new"
		fail=1
	fi
	for t in "$tmp"/out.nft.tmp*; do
		[ -e "$t" ] && echo "$t" >>"$tmp/temps"
	done
done
temps=$(sort -u "$tmp/temps" 2>/dev/null | wc -l)
echo "crash -o FILE: $ROUNDS runs (${ms} ms each), $killed killed; old $olds, new $news, torn 0; $temps temporary files left by kills"
# The next complete run removes them.
$FWC compile "$tmp/new.xml" --gateway gw -t nft -o "$tmp/out.nft" || fail=1
if [ -n "$(find "$tmp" -name 'out.nft.tmp*')" ] ||
    ! cmp -s "$tmp/out.nft" "$tmp/new.nft"; then
	echo "FAIL -o FILE: the run after the kills left temporary files or a wrong output"
	fail=1
fi

# A directory.
ms=$(run_ms $FWC compile "$tmp/new.xml" --all -o "$tmp/probe.d")
killed=0
olds=0
news=0
nomanifest=0
temps=0
for d in $(delays "$ms"); do
	rm -rf "$tmp/out.d"
	cp -a "$tmp/old.d" "$tmp/out.d"
	$FWC compile "$tmp/new.xml" --all -o "$tmp/out.d" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null && killed=$((killed + 1))
	wait $pid 2>/dev/null
	for t in "$tmp"/out.d/*/*.tmp* "$tmp"/out.d/*.tmp*; do
		[ -e "$t" ] && temps=$((temps + 1))
	done
	if [ -e "$tmp/out.d/MANIFEST" ]; then
		if cmp -s "$tmp/out.d/MANIFEST" "$tmp/old.d/MANIFEST"; then
			olds=$((olds + 1))
		elif cmp -s "$tmp/out.d/MANIFEST" "$tmp/new.d/MANIFEST"; then
			news=$((news + 1))
		else
			echo "FAIL --all: killed after ${d}s: MANIFEST is neither old nor new"
			fail=1
		fi
		if ! (cd "$tmp/out.d" && sha256sum -c --quiet MANIFEST >/dev/null 2>&1); then
			echo "FAIL --all: killed after ${d}s: MANIFEST does not match the files"
			fail=1
		fi
	else
		nomanifest=$((nomanifest + 1))
		# Every file fwc may have written is listed for the next run.
		for f in $(cd "$tmp/out.d" && find . -type f ! -name MANIFEST.pending ! -name '*.tmp*'); do
			if ! grep -qxF "${f#./}" "$tmp/out.d/MANIFEST.pending" 2>/dev/null; then
				echo "FAIL --all: killed after ${d}s: no MANIFEST, and ${f#./} is not in MANIFEST.pending"
				fail=1
			fi
		done
	fi
	# Keep the first directory of an interrupted run for the run below.
	if [ ! -e "$tmp/kept.d" ] && { [ ! -e "$tmp/out.d/MANIFEST" ] ||
	    [ -e "$tmp/out.d/MANIFEST.pending" ]; }; then
		cp -a "$tmp/out.d" "$tmp/kept.d"
	fi
	for f in $(cd "$tmp/out.d" && find . -type f ! -name 'MANIFEST*' ! -name '*.tmp*'); do
		if ! cmp -s "$tmp/out.d/$f" "$tmp/old.d/$f" &&
		    ! cmp -s "$tmp/out.d/$f" "$tmp/new.d/$f"; then
			echo "FAIL --all: killed after ${d}s: $f is neither old nor new"
			fail=1
		fi
	done
done
echo "crash --all -o DIR: $ROUNDS runs (${ms} ms each), $killed killed; complete old $olds, complete new $news, no MANIFEST (partly replaced) $nomanifest; $temps temporary files left by kills"
# A complete run over the directory of an interrupted run leaves exactly
# what a fresh run writes: no temporary file, no MANIFEST.pending, no file
# of the enforcement points that left the policy.
if [ -e "$tmp/kept.d" ]; then
	$FWC compile "$tmp/new.xml" --all -o "$tmp/kept.d" >/dev/null 2>&1 || fail=1
	if ! diff -r "$tmp/kept.d" "$tmp/new.d" >"$tmp/kept.diff"; then
		echo "FAIL --all: the run after an interrupted one left:"
		head -5 "$tmp/kept.diff"
		fail=1
	fi
else
	echo "crash --all -o DIR: no run was interrupted while replacing files"
fi
[ $fail -eq 0 ] && echo "crash: passed"
exit $fail
