#!/bin/sh
# curl_export.sh: baseline (b) of the export benchmark, what one writes in a
# shell: one curl per page over ?page=1..N, N from page 1's "count" and its
# number of results. One page body per output line.
#
#   sh bench/curl_export.sh LIST_URL TOKEN > pages.txt
set -eu
url=$1
auth="Authorization: Token $2"
first=$(curl -sSf -H "$auth" "$url?page=1")
printf '%s\n' "$first"
count=$(printf '%s' "$first" | sed -n 's/^{"count":\([0-9]*\).*/\1/p')
# The page size is the number of ids on page 1 (the server's default).
size=$(printf '%s' "$first" | grep -o '"id":' | wc -l)
[ "$size" -gt 0 ] || exit 0
pages=$(( (count + size - 1) / size ))
i=2
while [ "$i" -le "$pages" ]; do
    curl -sSf -H "$auth" "$url?page=$i"
    echo
    i=$((i + 1))
done
