#!/bin/sh
# bench/drf/measure.sh — the reference server's own cost per request, for doc/performance.md:
# the median time of one curl (5 runs after one warm-up) of page 1 and of the deepest page,
# and of filtered, ordered and keyset queries, on the 1,000,000-entry database with the
# `full` filter backends. Builds the database if it is missing (about 30 s), then starts
# the server, measures, and stops it.
#
#   sh bench/drf/measure.sh [N]        (N entries; 1000000 by default)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
n=${1:-1000000}
runs=5
sh "$here/server.sh" build "$n"
out=$(OMS_FILTERS=full sh "$here/server.sh" start "oms_$n")
trap 'sh "$here/server.sh" stop' EXIT
url=$(echo "$out" | sed -n 's/^URL //p')/api/v1/oms/logs/action_log/
token=$(echo "$out" | sed -n 's/^TOKEN //p')

median() {  # median QUERY: milliseconds of one request, the median of $runs after a warm-up
    curl -s -o /dev/null -H "Authorization: Token $token" "$url?$1"
    i=0
    while [ $i -lt $runs ]; do
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
            -H "Authorization: Token $token" "$url?$1"
        i=$((i + 1))
    done | sort -k2 -n | awk -v q="$1" '
        { code[NR] = $1; t[NR] = $2 }
        END { m = t[int((NR + 1) / 2)] * 1000
              printf "%8.1f ms  %s  %s\n", m, code[1], q }'
}

count() {
    curl -s -H "Authorization: Token $token" "$url?$1&page_size=1" \
        | sed -n 's/^{"count":\([0-9]*\).*/\1/p'
}

echo "reference DRF server, $n entries, OMS_FILTERS=full, gunicorn ${OMS_WORKERS:-4} workers"
echo "median of $runs curls (one request each, sequential), HTTP status, query"
for size in 10 100 1000; do
    last=$(( ($(count "") + size - 1) / size ))
    median "page_size=$size"
    median "page=$last&page_size=$size"
done
wms=level__gte=50\&app_name=wms
echo "matches of $wms: $(count "$wms")"
median "$wms"
median "$wms&page_size=100"
median "$wms&ordering=id"
median "$wms&page=last"
median "level=55"
median "id__lt=500000&page_size=100"
median "created_at__gte=2026-11-10T00:00:00Z&created_at__lt=2026-11-10T01:00:00Z"
median "search=deadlock"
