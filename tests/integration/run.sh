#!/bin/sh
# Runs every tests/integration/NNN_*.sh; 77 means skipped and is reported
# loudly, never counted as passed.
set -u
pass=0
fail=0
skip=0
for t in tests/integration/[0-9][0-9][0-9]_*.sh; do
	sh "$t"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)); echo "SKIPPED $t" ;;
	*) fail=$((fail + 1)); echo "FAILED $t" ;;
	esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
