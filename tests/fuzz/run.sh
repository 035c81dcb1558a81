#!/bin/sh
# tests/fuzz/run.sh — build the libFuzzer targets and run each one, bounded.
#
# Usage: sh tests/fuzz/run.sh [TARGET...]
#   TARGET is a name such as url or decode_page (tests/fuzz/fuzz_TARGET.c);
#   without one, every tests/fuzz/fuzz_*.c is built and run in turn.
# Environment:
#   FUZZ_SECONDS  time per target in seconds (default 30)
#   FUZZ_RUNS     executions per target; when set, the run is bounded by this
#                 count instead (and by FUZZ_SECONDS too only if that is set)
#   FUZZ_TIMEOUT  seconds one input may take before it counts as a hang (10)
#   FUZZ_FLAGS    extra libFuzzer flags, e.g. "-max_len=65536"
#   FUZZ_CC       the compiler (default clang)
#   FUZZ_BUILD    where binaries, logs and crash inputs go (default build/fuzz)
#
# Each target is linked from its own file plus only the library sources its
# "fuzz-sources:" comment names and the pkg-config packages of "fuzz-pkgs:", so
# a half-written module elsewhere in src/ cannot break the build ("fuzz-dict:"
# names a libFuzzer dictionary). The seed
# corpus is copied to a scratch directory, so the inputs libFuzzer adds never
# land in tests/fuzz/corpus/. A crash, sanitizer report, broken invariant,
# hang or memory blow-up fails the run: the input is saved under
# $FUZZ_BUILD/crashes/TARGET/ and its path is printed. Exit status: 0 when
# every target ran clean, 1 when any failed, 2 when the tools are missing.
# The last line reads "fuzz: N passed, N failed".

set -u

cd "$(dirname "$0")/../.." || exit 2

CC=${FUZZ_CC:-clang}
BUILD=${FUZZ_BUILD:-build/fuzz}
TIMEOUT=${FUZZ_TIMEOUT:-10}
FLAGS=${FUZZ_FLAGS:-}
# Bounded either way: by count when FUZZ_RUNS is given, by time otherwise.
if [ -n "${FUZZ_RUNS:-}" ]; then
    LIMIT="-runs=$FUZZ_RUNS"
    [ -n "${FUZZ_SECONDS:-}" ] && LIMIT="$LIMIT -max_total_time=$FUZZ_SECONDS"
else
    LIMIT="-max_total_time=${FUZZ_SECONDS:-30}"
fi
# Big enough for any seed, small enough that one slow input is not a hang.
RSS_LIMIT_MB=2048
# Inputs this short are also printed in hex, ready for a regression test.
HEX_DUMP_MAX=128

CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
-fno-omit-frame-pointer -std=c11 -Wall -Wextra -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -Iinclude"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/omslog-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT TERM

# --- the toolchain -----------------------------------------------------------

have_libfuzzer() {
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        > "$SCRATCH/probe.c"
    "$CC" -fsanitize=fuzzer,address,undefined "$SCRATCH/probe.c" -o "$SCRATCH/probe" \
        >/dev/null 2>&1
}

# Debian packages clang and, separately, its libFuzzer runtime: in
# libclang-rt-N-dev since LLVM 14 (Debian 12), in libclang-common-N-dev before.
runtime_package() {
    ver=$("$CC" --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' |
          head -n 1)
    [ -n "$ver" ] || { echo clang; return; }
    if apt-cache show "libclang-rt-$ver-dev" >/dev/null 2>&1; then
        echo "clang-$ver libclang-rt-$ver-dev"
    else
        echo "clang-$ver libclang-common-$ver-dev"
    fi
}

ensure_toolchain() {
    have_libfuzzer && return 0
    if command -v "$CC" >/dev/null 2>&1; then
        pkgs=$(runtime_package)
    else
        pkgs="clang libclang-rt-dev"
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "fuzz: $CC cannot link libFuzzer; installing $pkgs" >&2
        # A machine with stale package lists needs one update first.
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y $pkgs >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y $pkgs >/dev/null 2>&1; }
        have_libfuzzer && return 0
    fi
    echo "fuzz: $CC cannot link -fsanitize=fuzzer; install: apt-get install -y $pkgs" >&2
    exit 2
}

# --- building ---------------------------------------------------------------

# The value of a "tag: words" comment line in a target's source.
source_tag() {
    sed -n "s/^ \* $2: *//p" "$1" | head -n 1
}

build_target() {
    t=$1
    src=tests/fuzz/fuzz_$t.c
    srcs=$(source_tag "$src" fuzz-sources)
    pkgs=$(source_tag "$src" fuzz-pkgs)
    pcflags=
    pclibs=
    if [ -n "$pkgs" ]; then
        # shellcheck disable=SC2086
        if ! pkg-config --exists $pkgs; then
            echo "fuzz: fuzz_$t needs the development files of: $pkgs" >&2
            return 1
        fi
        # shellcheck disable=SC2086
        pcflags=$(pkg-config --cflags $pkgs)
        # shellcheck disable=SC2086
        pclibs=$(pkg-config --libs $pkgs)
    fi
    mkdir -p "$BUILD"
    # shellcheck disable=SC2086
    if ! "$CC" $CFLAGS $pcflags "$src" $srcs -o "$BUILD/fuzz_$t" $pclibs \
        >"$BUILD/fuzz_$t.build.log" 2>&1; then
        echo "fuzz: building fuzz_$t failed:" >&2
        cat "$BUILD/fuzz_$t.build.log" >&2
        return 1
    fi
}

# --- running ----------------------------------------------------------------

report_crash() {
    t=$1
    log=$2
    echo "FAIL fuzz_$t: see $log"
    # The first lines of the report: the sanitizer's or the invariant's.
    pattern='fuzz invariant failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)'
    pattern="$pattern|runtime error:|SUMMARY:|ALARM"
    grep -aE "$pattern" "$log" | head -n 5 | sed 's/^/    /'
    input=$(LC_ALL=C sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [ -n "$input" ] && [ -f "$input" ]; then
        echo "    crash input: $input"
        if [ "$(wc -c < "$input")" -le "$HEX_DUMP_MAX" ]; then
            od -An -tx1 -v "$input" | sed 's/^ */    hex: /'
        fi
        echo "    reproduce: $BUILD/fuzz_$t $input"
        echo "    minimise:  $BUILD/fuzz_$t -minimize_crash=1 -runs=100000 $input"
    fi
}

run_target() {
    t=$1
    corpus=$SCRATCH/corpus_$t
    crashes=$BUILD/crashes/$t
    log=$BUILD/fuzz_$t.log
    mkdir -p "$corpus" "$crashes"
    if [ -d "tests/fuzz/corpus/$t" ]; then
        cp -R "tests/fuzz/corpus/$t/." "$corpus/"
    fi
    dict=$(source_tag "tests/fuzz/fuzz_$t.c" fuzz-dict)
    [ -n "$dict" ] && dict="-dict=$dict"
    # shellcheck disable=SC2086
    "$BUILD/fuzz_$t" -artifact_prefix="$crashes/" -print_final_stats=1 \
        -timeout="$TIMEOUT" -rss_limit_mb="$RSS_LIMIT_MB" $LIMIT $dict $FLAGS \
        "$corpus" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [ "$rc" -ne 0 ]; then
        report_crash "$t" "$log"
        return 1
    fi
    echo "ok   fuzz_$t: ${execs:-?} executions (${secs:-?}/s), no finding"
}

# --- main ---------------------------------------------------------------------

if [ $# -gt 0 ]; then
    targets=$*
else
    targets=$(for f in tests/fuzz/fuzz_*.c; do
                  basename "$f" .c | sed 's/^fuzz_//'
              done)
fi
for t in $targets; do
    if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
        echo "fuzz: no target $t (tests/fuzz/fuzz_$t.c)" >&2
        exit 2
    fi
done

ensure_toolchain

passed=0
failed=0
for t in $targets; do
    if build_target "$t" && run_target "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
