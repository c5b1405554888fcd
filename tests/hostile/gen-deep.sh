#!/bin/sh
# Writes a policy whose elements nest N levels deep (default 10000) on
# stdout: well formed, but far beyond the nesting limit (32).
set -eu
n=${1:-10000}
printf '<policy name="deep" version="1">\n'
i=0
while [ "$i" -lt "$n" ]; do printf '<boundary>'; i=$((i + 1)); done
i=0
while [ "$i" -lt "$n" ]; do printf '</boundary>'; i=$((i + 1)); done
printf '\n</policy>\n'
