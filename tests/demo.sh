#!/bin/sh
# make demo: start the bundled mock OMS server with a few thousand generated
# logs on a free loopback port, open omslog on it, stop the server on exit.
set -u
bin=$1
shift
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
python3 tests/mock_oms.py --port 0 --count 5000 --token demo-token \
    --port-file "$dir/port" >/dev/null 2>"$dir/server.log" &
pid=$!
i=0
while [ ! -s "$dir/port" ]; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "demo: the mock server did not start:" >&2
        cat "$dir/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
port=$(cat "$dir/port")
echo "demo: mock OMS server on http://127.0.0.1:$port (token demo-token)" >&2
OMSLOG_TOKEN=demo-token "$bin" --url "http://127.0.0.1:$port" "$@"
