#!/bin/sh
# The whole suite: each unit-test binary given as an argument, then the Python
# suites (mock server self-test, CLI integration, browser end-to-end in tmux).
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
for py in tests/test_mock_oms.py tests/integration_cli.py tests/e2e_browser.py; do
    [ -f "$py" ] && run "$(basename "$py")" python3 "$py"
done
[ -n "$failed_names" ] && echo "failed suites:$failed_names"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
