#!/bin/sh
# run_unit.sh [RUNNER...] -- TEST_BINARY...
# Runs every cmocka binary (optionally under RUNNER, e.g. valgrind), prints each
# binary's own cmocka output, then one closing line: "unit: N passed, N failed".
runner=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do runner="$runner $1"; shift; done
[ "${1:-}" = "--" ] && shift
passed=0
failed=0
for t in "$@"; do
    start=$(date +%s)
    out=$($runner "./$t" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    echo "$t: took $(( $(date +%s) - start )) s"
    n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    passed=$((passed + ${n:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        echo "$t: exited with status $rc" >&2
        failed=$((failed + 1))
    fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
