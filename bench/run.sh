#!/bin/sh
# bench/run.sh — every omslog benchmark in sequence; each prints its figures.
#
#   sh bench/run.sh path/to/omslog [path/to/libomslog.a]
#
# The library (for the decode benchmark) defaults to libomslog.a beside the
# binary, which is where `make` puts both. About 10 minutes; BENCH_QUICK=1 runs
# a smaller version of everything in about a minute (a smoke test, not figures
# to quote). Needs python3, gcc, jansson, curl, tmux and valgrind; a benchmark
# whose tools are missing says "skipped". Exit status 1 when a benchmark failed
# (an output mismatch, a timeout), not when a target is missed.
set -u

if [ $# -lt 1 ]; then
    echo "usage: sh bench/run.sh path/to/omslog [path/to/libomslog.a]" >&2
    exit 2
fi
omslog=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
lib=${2:-$(dirname "$omslog")/libomslog.a}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d "${TMPDIR:-/tmp}/omslog-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
rc=0
start=$(date +%s)

if [ ! -x "$omslog" ]; then
    echo "bench: $omslog is not an executable (build it first: make)" >&2
    exit 2
fi

echo "omslog benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')${BENCH_QUICK:+ (BENCH_QUICK: smoke run)}"
echo "binary: $omslog"
echo

python3 "$here/export.py" "$omslog" || rc=1
echo

if [ ! -f "$lib" ]; then
    echo "benchmark 2: skipped: $lib not found (pass the library as the second argument)"
elif ! python3 "$here/make_pages.py" "$work/pages"; then
    echo "benchmark 2: FAILED: could not generate the response bodies"
    rc=1
elif ! ${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE \
        -I"$root/include" "$here/decode_bench.c" "$lib" -ljansson -lm \
        -o "$work/decode_bench"; then
    echo "benchmark 2: FAILED: decode_bench did not build"
    rc=1
else
    "$work/decode_bench" ${BENCH_QUICK:+-q} "$work/pages/page10.json" \
        "$work/pages/page100.json" "$work/pages/page1000.json" \
        "$work/pages/trace10mb.json" || rc=1
fi
echo

python3 "$here/browser.py" "$omslog" || rc=1
echo

python3 "$here/tls_connections.py" "$omslog" || rc=1
echo

echo "all benchmarks: $(( $(date +%s) - start )) s"
exit $rc
