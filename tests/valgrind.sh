#!/bin/sh
# valgrind.sh - the test suite under valgrind memcheck: zero errors, zero leaks.
#
#   sh tests/valgrind.sh [UNIT_TEST_BINARY...]        (make check-valgrind)
#
# 1. Every unit-test binary (default: each executable $BUILD/tests/test_*, as
#    built by a normal `make`) runs under memcheck.
# 2. The command-line integration suites run with OMSLOG_BIN pointing at a
#    wrapper that starts omslog under memcheck: all of
#    tests/integration_security.py, and the part of tests/integration_cli.py
#    that does not measure time (CLI_SUBSET below; VALGRIND_CLI_ALL=1 runs all
#    of it, expect its timing tests to fail: valgrind is ~20x slower).
# Memcheck options: definite, indirect and possible leaks are errors; the only
# suppressions are libraries' one-time allocations, each justified in
# tests/valgrind.supp. Each omslog process writes its own log under
# $BUILD/valgrind/; any process whose ERROR SUMMARY is not 0 fails the run and
# its log is printed. The browser end-to-end tests (tmux) are not run here.
#
# Environment: BUILD (default build) holds omslog and the unit tests;
# VALGRIND (default valgrind); OMSLOG_TEST_TIME_SCALE (default 20) stretches
# the Python suites' deadlines. Prints "valgrind: N passed, N failed" last and
# exits 1 on any failure, 2 when valgrind is missing.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VALGRIND=${VALGRIND:-valgrind}
BIN=$BUILD/omslog
LOGDIR=$BUILD/valgrind

# integration_cli.py tests (names or name substrings, tests/harness.py; one that
# matches no test fails the run) that assert nothing about time:
# left out are test_parallel_pages_reuse_connections (elapsed < 3 s),
# test_stalled_body_times_out and test_rate_limit_honours_retry_after (wall
# clock bounds) and test_huge_trace_and_huge_count (a 10 MB trace takes
# minutes under memcheck; the same code paths run with small traces in
# test_decode and the security suite).
CLI_SUBSET="test_list_default test_list_all_walks test_list_jsonl_keeps test_list_level
test_list_app_and_search test_list_limit test_list_page_alone test_list_page_past
test_list_table test_list_csv test_list_json_is test_list_bad_arguments test_get_
test_wrong_token test_missing_token test_forbidden test_no_url test_config_file
test_token_file test_token_on_command_line test_help_and_version test_url_forms
test_server_errors test_intermittent test_malformed test_html_error test_truncated
test_connection_refused test_dns_failure test_tls_failure test_invalid_count
test_growing_log test_shrinking_log test_escape_sequences test_next_link
test_bad_request test_rate_limit_exhausted
test_log_changing_too_fast test_purge_at_the_bottom test_default_page_size_ask
test_duplicate_ids test_page_size"

if ! command -v "$VALGRIND" >/dev/null 2>&1; then
    echo "valgrind: $VALGRIND not found (Debian: apt-get install valgrind)"
    exit 2
fi
if [ ! -x "$BIN" ]; then
    echo "valgrind: $BIN missing: build first (make BUILD=...)"
    exit 2
fi

rm -rf "$LOGDIR"
mkdir -p "$LOGDIR" || exit 1
VG_OPTS="--error-exitcode=99 --leak-check=full \
--show-leak-kinds=definite,indirect,possible \
--errors-for-leak-kinds=definite,indirect,possible \
--suppressions=$ROOT/tests/valgrind.supp --num-callers=40"

# The wrapper the Python suites run as omslog. exec: the test sees omslog's
# own exit status and signals; 99 means memcheck found something.
WRAPPER=$LOGDIR/omslog
cat >"$WRAPPER" <<EOF
#!/bin/sh
exec $VALGRIND $VG_OPTS --log-file='$LOGDIR/omslog.%p.log' '$BIN' "\$@"
EOF
chmod +x "$WRAPPER"

passed=0
failed=0
failed_names=""
fail() {
    failed=$((failed + 1))
    failed_names="$failed_names $1"
    echo "=== FAILED: $1"
}

if [ $# -eq 0 ]; then
    for t in "$BUILD"/tests/test_*; do
        case $t in *.*) continue ;; esac
        [ -f "$t" ] && [ -x "$t" ] && set -- "$@" "$t"
    done
fi

for t in "$@"; do
    name=$(basename "$t")
    echo "=== $name (memcheck)"
    log=$LOGDIR/$name.log
    if $VALGRIND $VG_OPTS --log-file="$log" "$t"; then
        passed=$((passed + 1))
    else
        cat "$log"
        fail "$name"
    fi
done

scale=${OMSLOG_TEST_TIME_SCALE:-20}
run_suite() {
    name=$1
    shift
    echo "=== $name (omslog under memcheck)"
    if OMSLOG_BIN=$WRAPPER OMSLOG_UNDER_VALGRIND=1 OMSLOG_TEST_TIME_SCALE=$scale \
        python3 "$@"; then
        passed=$((passed + 1))
    else
        fail "$name"
    fi
}
run_suite integration_security.py tests/integration_security.py
if [ "${VALGRIND_CLI_ALL:-0}" = 1 ]; then
    run_suite integration_cli.py tests/integration_cli.py
else
    # shellcheck disable=SC2086 # one argument per name
    run_suite "integration_cli.py (subset)" tests/integration_cli.py $CLI_SUBSET
fi

# Every omslog process must have ended with "ERROR SUMMARY: 0 errors".
procs=0
bad=0
for log in "$LOGDIR"/omslog.*.log; do
    [ -f "$log" ] || continue
    procs=$((procs + 1))
    if ! grep -q "ERROR SUMMARY: 0 errors" "$log"; then
        bad=$((bad + 1))
        echo "=== memcheck report: $log"
        cat "$log"
    fi
done
echo "=== omslog processes checked: $procs, with errors or leaks: $bad"
if [ "$procs" -eq 0 ]; then
    fail "no-omslog-logs"
elif [ "$bad" -ne 0 ]; then
    fail "omslog-memcheck"
else
    passed=$((passed + 1))
fi

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
