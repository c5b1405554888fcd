#!/bin/sh
# Runs fwc (or the program named by VG_PROG) under valgrind memcheck, for
# `make check-valgrind`: FWC=tools/valgrind-fwc.sh sh tests/cli.sh.
# Exit status is the program's, or 99 when memcheck found an error or a
# definite or indirect leak. Each run also writes its report to
# $VG_LOG_DIR/vg.PID.log; the make target fails when any report is not
# empty, which also catches errors in runs whose exit status a test
# ignores.
#
# VG_REPEATS=native: a `compile`, `check` or `list` that repeats an
# earlier run of the same check-valgrind runs without valgrind. It is a
# repeat when the arguments are the same except for the value of -o and
# the -I directories, every file named by an argument has the same
# bytes, the environment variables FWC_*, LC_* and LANG are the same
# (FWC_PHASES=1 takes another path), and a run without valgrind (made first, a few milliseconds)
# gives the same exit status and the same bytes on stdout, on stderr and
# in the output file: the program is deterministic, so that run took the
# path already checked (the same policy compiled by the golden, pf,
# netsh and parsers suites, say). Otherwise the run is repeated under
# valgrind (and marked as seen in $VG_SEEN, default $VG_LOG_DIR/seen);
# its report decides. Each repeat leaves an empty
# $VG_LOG_DIR/vg.PID.repeat. Never for other commands (apply, status,
# confirm, verify, diff, query read the kernel, git or stdin), for "-"
# arguments, or when the output exists and is not a regular file.
prog=${VG_PROG:-${VG_FWC:-build/fwc}}
logdir=${VG_LOG_DIR:-/tmp}

# key ARGS...: prints the arguments that identify a repeat; fails when
# the run may not be repeated natively.
key() {
	case ${1:-} in compile | check | list) ;; *) return 1 ;; esac
	env | grep -E '^(FWC_|LC_|LANG=)' | sort
	prev=
	for a in "$@"; do
		if [ "$prev" = -o ]; then
			[ -e "$a" ] && [ ! -f "$a" ] && return 1
			echo "-o"
		elif [ "$prev" = -I ]; then
			:
		elif [ "$a" = - ]; then
			return 1
		elif [ "$a" = -I ]; then
			echo "-I"
		elif [ -f "$a" ]; then
			echo "$a $(sha256sum <"$a")"
		else
			echo "$a"
		fi
		prev=$a
	done
}

if [ "${VG_REPEATS:-}" = native ] && k=$(key "$@"); then
	out=
	prev=
	for a in "$@"; do
		[ "$prev" = -o ] && out=$a
		prev=$a
	done
	seen=${VG_SEEN:-$logdir/seen}
	mkdir -p "$seen"
	t=$(mktemp -d "${TMPDIR:-/tmp}/vgfwc.XXXXXX") || exit 3
	"$prog" "$@" >"$t/stdout" 2>"$t/stderr"
	rc=$?
	k=$({
		printf '%s\n' "$k" "$rc"
		sha256sum <"$t/stdout"
		sha256sum <"$t/stderr"
		[ -n "$out" ] && [ -f "$out" ] && sha256sum <"$out"
	} | sha256sum | cut -c1-32)
	if [ -e "$seen/$k" ]; then
		cat "$t/stdout"
		cat "$t/stderr" >&2
		rm -rf "$t"
		: >"$logdir/vg.$$.repeat"
		exit $rc
	fi
	rm -rf "$t"
	: >"$seen/$k"
fi
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-fds=no \
    --log-file="$logdir/vg.%p.log" "$prog" "$@"
