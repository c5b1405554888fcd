#!/bin/sh
# Runs fwc (or the program named by VG_PROG) under valgrind memcheck, for
# `make check-valgrind`: FWC=tools/valgrind-fwc.sh sh tests/cli.sh.
# Exit status is the program's, or 99 when memcheck found an error or a
# definite or indirect leak. Each run also writes its report to
# $VG_LOG_DIR/vg.PID.log; the make target fails when any report is not
# empty, which also catches errors in runs whose exit status a test
# ignores.
prog=${VG_PROG:-${VG_FWC:-build/fwc}}
logdir=${VG_LOG_DIR:-/tmp}
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-fds=no \
    --log-file="$logdir/vg.%p.log" "$prog" "$@"
