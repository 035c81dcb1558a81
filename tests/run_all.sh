#!/bin/sh
# The whole suite: each unit-test binary given as an argument, then the Python
# suites (the harness self-test: the mock server and the runner, then every
# tests/integration_*.py and tests/e2e_*.py: the CLI and the browser in tmux
# against the mock server; each ends with "N passed, N failed", tests/harness.py).
# Prints "suites: N passed, N failed" last; exits 1 when any suite failed.
# OMSLOG_BIN must name the omslog binary under test.
set -u
passed=0
failed=0
failed_names=""
run() {
    name=$1
    shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        echo "=== FAILED: $name"
    fi
}
for t in "$@"; do
    run "$(basename "$t")" "$t"
done
for py in tests/test_mock_oms.py tests/integration_*.py tests/e2e_*.py; do
    [ -f "$py" ] && run "$(basename "$py")" python3 "$py"
done
[ -n "$failed_names" ] && echo "failed suites:$failed_names"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
