#!/bin/sh
# bench/drf/server.sh — the reference Django REST Framework server of the benchmarks: the
# action-log API (page-number pagination, token auth, switchable filter backends) served by
# gunicorn from a private PostgreSQL cluster.
#
#   sh bench/drf/server.sh build [N]        database oms_N with N synthetic entries (1000000)
#   sh bench/drf/server.sh build-mock N     database oms_mock_N: the mock's first N entries
#   sh bench/drf/server.sh start [DB]       prints "URL <base>" and "TOKEN <key>" (DB: oms_1000000)
#   sh bench/drf/server.sh stop             stops gunicorn and PostgreSQL, waits for both
#   sh bench/drf/server.sh status
#   sh bench/drf/server.sh drop DB          deletes a database (to build it again)
#
# Environment: OMS_FILTERS none|exact|full|full-sort (default full), OMS_PAGE_SIZE_PARAM
# page_size|limit (default page_size), OMS_WORKERS (gunicorn sync workers, default 4),
# BENCH_DIR (default /var/tmp/omslog-drf: the cluster, its socket, logs and pid files),
# OMS_REQUEST_LOG (a file: one line per request with its database time, oms_drf/reqlog.py),
# OMS_SEARCH_FIELDS (SearchFilter's fields, default message,logger_name,app_name).
# Debian packages: python3-djangorestframework python3-django-filters python3-psycopg2
# gunicorn postgresql; run as root (PostgreSQL runs as the user postgres via runuser).
# The cluster is private: its own data directory, a unix socket in BENCH_DIR/run (no TCP;
# its log is there too),
# trust authentication on that socket, fsync off (a benchmark database, rebuilt at will).
# A database is built once and reused; `build` on an existing one does nothing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BENCH_DIR=${BENCH_DIR:-/var/tmp/omslog-drf}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PY=/usr/bin/python3
TOKEN=demo-token
data=$BENCH_DIR/pg
run=$BENCH_DIR/run

pg() { PGOPTIONS='-c client_min_messages=warning' runuser -u postgres -- "$@"; }

free_port() {
    $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# The helpers' variables start with _: sh has no local variables, the callers' stay intact.
psql_db() {  # psql_db DB [args]: as postgres over the private socket
    _db=$1; shift
    pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$run" -p "$(cat "$run/pg.port")" -d "$_db" "$@"
}

pg_start() {
    mkdir -p "$BENCH_DIR"
    if [ ! -d "$data" ]; then
        mkdir -p "$data" "$run"
        chown postgres "$data" "$run"
        chmod 700 "$data" "$run"
        pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        return 0
    fi
    free_port >"$run/pg.port"
    pg "$PGBIN/pg_ctl" -D "$data" -l "$run/pg.log" -w -s start -o \
        "-p $(cat "$run/pg.port") -k $run -c listen_addresses='' -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c jit=off -c shared_buffers=256MB"
}

pg_stop() {
    if [ -d "$data" ] && pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        pg "$PGBIN/pg_ctl" -D "$data" -w -s -m fast stop
    fi
}

django() {  # django DB args...: Django's management commands against DB
    _db=$1; shift
    (cd "$here" && OMS_DB=$_db OMS_PGHOST=$run OMS_PGPORT=$(cat "$run/pg.port") \
        DJANGO_SETTINGS_MODULE=oms_drf.settings $PY -m django "$@")
}

db_exists() {
    [ "$(psql_db postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

prepare_db() {  # prepare_db DB: the database, Django's tables, the user and its token
    psql_db postgres -c "CREATE DATABASE $1"
    django "$1" migrate -v 0
    django "$1" shell -c "
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
Token.objects.create(user=User.objects.create_user('support'), key='$TOKEN')"
    psql_db "$1" -f "$here/schema.sql"
}

index_db() {
    psql_db "$1" -f "$here/indexes.sql"
}

cmd_build() {
    n=${1:-1000000}
    db=oms_$n
    pg_start
    if db_exists "$db"; then
        echo "build: $db exists ($(psql_db "$db" -tAc 'SELECT count(*) FROM action_log') entries)"
        return 0
    fi
    t0=$(date +%s)
    psql_db postgres -c "DROP DATABASE IF EXISTS ${db}_part"
    prepare_db "${db}_part"  # renamed when complete: a failed build leaves no half database
    psql_db "${db}_part" -v n="$n" -f "$here/generate.sql"
    index_db "${db}_part"
    psql_db postgres -c "ALTER DATABASE ${db}_part RENAME TO $db"
    echo "build: $db with $n entries in $(( $(date +%s) - t0 )) s"
}

cmd_build_mock() {
    n=${1:?usage: build-mock N}
    db=oms_mock_$n
    pg_start
    if db_exists "$db"; then
        echo "build-mock: $db exists"
        return 0
    fi
    psql_db postgres -c "DROP DATABASE IF EXISTS ${db}_part"
    prepare_db "${db}_part"
    $PY "$here/mock_rows.py" "$n" \
        | psql_db "${db}_part" -c "COPY action_log FROM STDIN WITH (FORMAT csv)"
    index_db "${db}_part"
    psql_db postgres -c "ALTER DATABASE ${db}_part RENAME TO $db"
    echo "build-mock: $db with $n entries of the mock (seed 1)"
}

web_running() {
    [ -f "$run/web.pid" ] && kill -0 "$(cat "$run/web.pid")" 2>/dev/null
}

cmd_start() {
    db=${1:-oms_1000000}
    pg_start
    if ! db_exists "$db"; then
        echo "start: no database $db (build it first)" >&2
        exit 1
    fi
    if web_running; then
        echo "start: already running; stop first" >&2
        exit 1
    fi
    port=$(free_port)
    (cd "$here" && OMS_DB=$db OMS_PGHOST=$run OMS_PGPORT=$(cat "$run/pg.port") \
        OMS_FILTERS=${OMS_FILTERS:-full} OMS_PAGE_SIZE_PARAM=${OMS_PAGE_SIZE_PARAM:-page_size} \
        $PY -m gunicorn --workers "${OMS_WORKERS:-4}" --bind "127.0.0.1:$port" \
        --pid "$run/web.pid" --error-logfile "$BENCH_DIR/web.log" --daemon oms_drf.wsgi)
    url=http://127.0.0.1:$port
    i=0
    until curl -s -o /dev/null "$url/api/v1/oms/logs/action_log/"; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "start: gunicorn did not answer; see $BENCH_DIR/web.log" >&2
            cmd_stop
            exit 1
        fi
        sleep 0.1
    done
    echo "$url" >"$run/web.url"
    echo "URL $url"
    echo "TOKEN $TOKEN"
    echo "FILTERS ${OMS_FILTERS:-full} DB $db WORKERS ${OMS_WORKERS:-4}" \
        "SEARCH_FIELDS ${OMS_SEARCH_FIELDS:-message,logger_name,app_name}"
}

cmd_stop() {
    if [ -f "$run/web.pid" ]; then
        pid=$(cat "$run/web.pid")
        kids=$(pgrep -P "$pid" 2>/dev/null || true)
        kill -TERM "$pid" 2>/dev/null || true
        for p in $pid $kids; do  # the master and each worker, by their ids
            i=0
            while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
                sleep 0.1
                i=$((i + 1))
            done
            kill -KILL "$p" 2>/dev/null || true
        done
        rm -f "$run/web.pid" "$run/web.url"
    fi
    pg_stop
}

cmd_status() {
    if web_running; then echo "web: $(cat "$run/web.url")"; else echo "web: stopped"; fi
    if [ -d "$data" ] && pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        echo "postgres: running on $run port $(cat "$run/pg.port")"
    else
        echo "postgres: stopped"
    fi
}

case ${1:-} in
    build) shift; cmd_build "$@" ;;
    build-mock) shift; cmd_build_mock "$@" ;;
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    drop) pg_start; psql_db postgres -c "DROP DATABASE IF EXISTS ${2:?usage: drop DB}" ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
