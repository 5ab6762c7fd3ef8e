# A throwaway PostgreSQL cluster for tests and demos (sourced, not run).
#
#   . scripts/pg.sh
#   pg_start DIR PORT      # a new cluster in DIR (made, owned by postgres when run as root),
#                          # listening on 127.0.0.1:PORT and on a socket in DIR; user `kiosk`,
#                          # trust authentication; sets PG_URL for it (database `postgres`)
#   pg_createdb NAME       # a database in the last cluster started; sets PG_URL to it
#   pg_stop DIR            # stops the cluster by its data directory (never by process name)
#
# PostgreSQL refuses to run as root: as root, the cluster is made and run as the `postgres`
# user (Debian's postgresql package creates it). Needs `postgresql` (scripts/lib.sh PACKAGES).

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

_pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local dir="$1" port="$2"
    if [ ! -x "$PG_BIN/initdb" ]; then
        echo "PostgreSQL 15 is not installed ($PG_BIN/initdb is missing): apt-get install postgresql" >&2
        return 1
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    _pg_as "$PG_BIN/initdb" -D "$dir/data" -A trust -U kiosk --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    _pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -w -l "$dir/postgres.log" \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null || {
        cat "$dir/postgres.log" >&2
        return 1
    }
    # the postmaster's PID, saved beside its data (pg_ctl keeps it in postmaster.pid too)
    head -1 "$dir/data/postmaster.pid" >"$dir/postgres.pid"
    PG_DIR="$dir"
    PG_PORT="$port"
    PG_URL="host=$dir port=$port user=kiosk dbname=postgres"
    export PG_DIR PG_PORT PG_URL
}

pg_createdb() {
    "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U kiosk "$1"
    PG_URL="host=$PG_DIR port=$PG_PORT user=kiosk dbname=$1"
    export PG_URL
}

pg_stop() {
    local dir="$1"
    if [ -f "$dir/data/postmaster.pid" ]; then
        _pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
}
