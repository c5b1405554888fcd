#!/bin/sh
# Output files left over by earlier runs (docs/security.md, docs/cli.md
# "Output files"):
# 1. temporary files NAME.tmpXXXXXX that a killed run left next to an
#    output are removed by the next run writing that output; nothing else
#    is: other names, other outputs, symbolic links, directories, files
#    of another user, and the temporary file of a run still writing;
# 2. `compile --all -o DIR` removes the files that earlier runs wrote
#    (listed in their MANIFEST, or in MANIFEST.pending after an
#    interrupted run) for enforcement points no longer in the policy, and
#    their directory once empty; never a file it did not write, never
#    outside DIR, even when MANIFEST is edited;
# 3. the output is fsync()ed before the rename and its directory after
#    (strace).
# Usage: FWC=build/fwc sh tests/hardening/outputs.sh
set -u
FWC=${FWC:-build/fwc}
case $FWC in /*) ;; *) FWC=$(pwd)/$FWC ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fwc-outputs.XXXXXX") || exit 3
locker=
trap '[ -n "$locker" ] && kill $locker 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
export LC_ALL=C
cd "$tmp" || exit 3
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}
# exists PATH WHAT / gone PATH WHAT
exists() { if [ -e "$1" ] || [ -L "$1" ]; then ok; else bad "$2: $1 was removed"; fi; }
gone() { if [ -e "$1" ] || [ -L "$1" ]; then bad "$2: $1 is still there"; else ok; fi; }

python3 "$here/gen-crash.py" 1 6 50 >six.xml &&
python3 "$here/gen-crash.py" 2 3 50 >three.xml &&
python3 "$here/gen-crash.py" 3 1 50 >one.xml || exit 3

# 1. Temporary files of -o FILE.
mkdir o o/other
echo old >o/out.nft
for n in out.nft.tmpAbc123 out.nft.tmp000000 out.nft.tmpZZZZZZ; do
	echo partial >o/$n
done
echo keep >o/out.nft.tmpAbc12
echo keep >o/out.nft.tmpAbc1234
echo keep >o/out.nft.tmp-bc123
echo keep >o/out.nft.tmpAb.123
echo keep >o/xout.nft.tmpAbc123
echo keep >o/other.nft.tmpAbc123
echo keep >o/out.nft.tmpAbc123.x
echo keep >o/other/out.nft.tmpAbc123
echo outside >o/target
ln -s target o/out.nft.tmpSym123
mkdir o/out.nft.tmpDir123
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	echo keep >o/out.nft.tmpNob123
	chown nobody o/out.nft.tmpNob123
fi
# A run still writing holds a lock on its temporary file.
echo writing >o/out.nft.tmpLck123
python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(600)
' o/out.nft.tmpLck123 locked &
locker=$!
i=0
while [ ! -e locked ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if $FWC compile six.xml --gateway gw -t nft -o o/out.nft 2>err; then
	ok
else
	bad "-o FILE over leftover temporary files: exit $?"
	cat err
fi
for n in out.nft.tmpAbc123 out.nft.tmp000000 out.nft.tmpZZZZZZ; do
	gone o/$n "temporary file of a killed run"
done
for n in out.nft.tmpAbc12 out.nft.tmpAbc1234 out.nft.tmp-bc123 \
    out.nft.tmpAb.123 xout.nft.tmpAbc123 other.nft.tmpAbc123 \
    out.nft.tmpAbc123.x other/out.nft.tmpAbc123 target out.nft.tmpSym123 \
    out.nft.tmpDir123 out.nft.tmpLck123; do
	exists o/$n "not a temporary file of this output"
done
[ "$(cat o/target)" = outside ] && ok || bad "the target of a symbolic link was changed"
if [ -e o/out.nft.tmpNob123 ] || [ "$(id -u)" != 0 ]; then ok; else
	bad "a file of another user was removed"
fi
kill $locker 2>/dev/null
wait $locker 2>/dev/null
locker=
# Once the writer is gone (killed: its lock died with it), the next run
# removes its file; a relative output path works the same.
(cd o && $FWC compile ../six.xml --gateway gw -t nft -o out.nft) || bad "relative -o"
gone o/out.nft.tmpLck123 "temporary file of a dead writer"
$FWC compile six.xml --gateway gw -t nft >ref.nft 2>/dev/null
cmp -s o/out.nft ref.nft && ok || bad "-o FILE: output differs from stdout"

# 2. Files of enforcement points that left the policy.
$FWC compile six.xml --all -o d 2>/dev/null || bad "--all six"
for n in gw h0 h1 h2 h3 h4 h5; do
	exists d/$n "--all six"
done
echo mine >d/h5/notes.txt    # not written by fwc: h5/ stays
mkdir d/mine
echo mine >d/mine/ruleset.nft # the name of an fwc file, but not listed
echo mine >d/README
mkdir outside outside/x
echo precious >outside/ruleset.nft
echo precious >outside/x/ruleset.nft
ln -s ../outside d/lnk # a directory link: never followed
cp d/h4/firewall.cmd d/h4/firewall.cmd.tmpQwe789 # left by a kill
h=$(sha256sum <six.xml | cut -c1-64)
{
	cat d/MANIFEST
	echo "$h  ../outside/ruleset.nft"
	echo "$h  h0/../../outside/ruleset.nft"
	echo "$h  lnk/ruleset.nft"
	echo "$h  /$tmp/outside/ruleset.nft"
	echo "$h  mine/../README"
	echo "$h  h5/notes.txt"
	echo "$h  README"
	echo "$h  ./ruleset.nft"
	echo "garbage"
} >d/MANIFEST.new
mv d/MANIFEST.new d/MANIFEST
$FWC compile three.xml --all -o d -v 2>err || {
	bad "--all three: exit $?"
	cat err
}
for n in h3/ruleset.nft h4/firewall.cmd h5/pf.conf; do
	grep -qxF "fwc: removed 'd/$n' (no longer in the policy)" err &&
	    ok || bad "-v does not report the removal of d/$n"
done
[ "$(grep -c "fwc: removed" err)" = 3 ] && ok || bad "-v reports other removals"
for n in h3/ruleset.nft h4/firewall.cmd h4/firewall.cmd.tmpQwe789 \
    h5/pf.conf h3 h4 MANIFEST.pending; do
	gone d/$n "--all six then three"
done
for n in gw/ruleset.nft h0/ruleset.nft h1/firewall.cmd h2/pf.conf \
    h5/notes.txt mine/ruleset.nft README lnk outside/ruleset.nft \
    outside/x/ruleset.nft; do
	case $n in outside/*) p=$n ;; *) p=d/$n ;; esac
	exists "$p" "--all six then three"
done
[ "$(cat outside/ruleset.nft)" = precious ] && ok || bad "a file outside DIR changed"
(cd d && sha256sum -c --quiet MANIFEST) && ok || bad "MANIFEST does not match"
[ "$(wc -l <d/MANIFEST)" = 4 ] && ok || bad "MANIFEST lists $(wc -l <d/MANIFEST) files, want 4"

# An interrupted run: MANIFEST already removed, MANIFEST.pending lists
# the files of both runs. Here the run stops with an error writing h1
# (a directory where the file should be), after gw and h0.
rm -rf d
$FWC compile six.xml --all -o d 2>/dev/null || bad "--all six"
rm d/h1/firewall.cmd
mkdir d/h1/firewall.cmd
if $FWC compile three.xml --all -o d 2>err; then
	bad "--all over a directory named like an output: exit 0"
else
	[ $? = 3 ] && ok || bad "--all interrupted: exit status"
fi
gone d/MANIFEST "interrupted run"
exists d/MANIFEST.pending "interrupted run"
for n in gw/ruleset.nft h0/ruleset.nft h1/firewall.cmd h2/pf.conf \
    h3/ruleset.nft h4/firewall.cmd h5/pf.conf; do
	grep -qx "$n" d/MANIFEST.pending && ok || bad "MANIFEST.pending lacks $n"
done
rmdir d/h1/firewall.cmd
$FWC compile one.xml --all -o d 2>err || {
	bad "--all one after an interrupted run: exit $?"
	cat err
}
for n in h1 h2 h3 h4 h5 MANIFEST.pending; do
	gone d/$n "--all six, three (interrupted), then one"
done
$FWC compile one.xml --all -o ref.d 2>/dev/null
diff -r d ref.d >/dev/null && ok || bad "--all after an interrupted run differs from a fresh one"

# A MANIFEST.pending not from fwc is held to the same rules.
printf '../outside/ruleset.nft\nlnk/ruleset.nft\n/%s/outside/ruleset.nft\n' \
    "$tmp" >d/MANIFEST.pending
ln -s ../outside d/lnk
$FWC compile one.xml --all -o d 2>/dev/null || bad "--all over a forged MANIFEST.pending"
exists outside/ruleset.nft "forged MANIFEST.pending"
rm d/lnk

# 3. fsync of the file before the rename and of its directory after.
if command -v strace >/dev/null 2>&1; then
	strace -f -qq -o trace -e trace=openat,open,fsync,rename,renameat,renameat2,close \
	    $FWC compile one.xml --gateway gw -t nft -o o/sync.nft 2>/dev/null
	strace -f -qq -o trace.all -e trace=openat,open,fsync,rename,renameat,renameat2,close \
	    $FWC compile three.xml --all -o d 2>/dev/null
	for t in trace:o/sync.nft trace.all:d/MANIFEST trace.all:d/gw/ruleset.nft; do
		if python3 - "${t%%:*}" "${t#*:}" <<'EOF'; then ok; else bad "fsync order for ${t#*:}"; fi
import re, sys
path = sys.argv[2]
dirn = path.rsplit("/", 1)[0]
fds = {}     # pid, fd -> path
synced = set()
state = "write"
for line in open(sys.argv[1]):
    m = re.match(r"(\d+)\s+(\w+)\((.*)\)\s+= (-?\d+)", line)
    if not m:
        continue
    pid, call, args, ret = m.group(1), m.group(2), m.group(3), int(m.group(4))
    if call in ("open", "openat") and ret >= 0:
        s = re.search(r'"([^"]*)"', args)
        fds[(pid, ret)] = s.group(1) if s else ""
    elif call == "fsync" and ret == 0:
        synced.add(fds.get((pid, int(args.split(",")[0])), ""))
    elif call.startswith("rename") and ret == 0:
        names = re.findall(r'"([^"]*)"', args)
        if names and names[-1] == path:
            tmpn = names[0]
            if tmpn not in synced:
                sys.exit("%s renamed before fsync" % tmpn)
            state = "renamed"
            synced = set()
    elif call == "close" and state == "renamed":
        pass
if state != "renamed":
    sys.exit("no rename to " + path)
if dirn not in synced:
    sys.exit("directory %s not fsynced after the rename" % dirn)
EOF
	done
else
	echo "outputs: strace missing, fsync order not checked"
fi

echo "outputs: $pass passed, $fail failed"
[ $fail = 0 ]
