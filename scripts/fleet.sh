#!/usr/bin/env bash
# The fleet, with one command: a throwaway PostgreSQL cluster, the agency on it (the demo
# registry loaded through `agency import data/demo/registry.jsonl`), and three simulated
# kiosks K1, K2, K3 (`kiosk serve --sim`, each with its own database and an `[agency]` in its
# kiosk.toml: key and CSR made by `kiosk provision agency-csr`, signed by `agency enrol`).
#
#   ./scripts/fleet.sh                 # kiosks on http://127.0.0.1:8081, :8082, :8083; Ctrl-C stops
#   FLEET_EXIT=1 ./scripts/fleet.sh    # start, check every kiosk answers, stop (CI)
#
# Everything lives in a temporary directory; on exit the agency and the kiosks are stopped by
# their saved PIDs and the cluster by its data directory, then the directory is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

cargo build -q -p agency-host --bin agency
cargo build -q -p kiosk-host --bin kiosk
BIN="$PWD/target/debug"
WORK="$(mktemp -d /tmp/fleet.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pg_stop "$WORK/pg"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start "$WORK/pg" "$(free_port)"
pg_createdb agency
AGENCY_PORT="$(free_port)"
cat >"$WORK/agency.toml" <<EOF
[agency]
listen = "127.0.0.1:$AGENCY_PORT"

[database]
url = "$PG_URL"

[storage]
key_file = "$WORK/data.key"

[tls]
ca_cert = "$WORK/tls/ca.crt"
ca_key = "$WORK/tls/ca.key"
cert = "$WORK/tls/server.crt"
key = "$WORK/tls/server.key"
EOF
agency() { "$BIN/agency" --config "$WORK/agency.toml" "$@"; }
agency keygen -o "$WORK/data.key" >/dev/null
agency ca init --dir "$WORK/tls" >/dev/null
agency import data/demo/registry.jsonl
# the binary itself in the background (not the function), so its saved PID is the server's
"$BIN/agency" --config "$WORK/agency.toml" serve >"$WORK/agency.out" 2>"$WORK/agency.log" &
PIDS+=($!)
for _ in $(seq 100); do
    grep -q "agency listening on" "$WORK/agency.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "agency listening on" "$WORK/agency.out" || {
    cat "$WORK/agency.log" >&2
    echo "fleet: the agency did not start" >&2
    exit 1
}

for i in 1 2 3; do
    id="K$i"
    dir="$WORK/$id"
    mkdir -p "$dir"
    "$BIN/kiosk" provision agency-csr --kiosk-id "$id" --out "$dir/agency" >/dev/null
    agency enrol --kiosk "$id" --csr "$dir/agency/kiosk.csr" --out "$dir/agency/kiosk.crt" >/dev/null
    cp "$WORK/tls/ca.crt" "$dir/agency/ca.crt"
    cat >"$dir/kiosk.toml" <<EOF
[kiosk]
id = "$id"

[storage]
database = "$dir/kiosk.db"
archive_dir = "$dir/archive"

[agency]
url = "https://127.0.0.1:$AGENCY_PORT"
ca_cert = "$dir/agency/ca.crt"
cert = "$dir/agency/kiosk.crt"
key = "$dir/agency/kiosk.key"
EOF
    "$BIN/kiosk" serve --sim --config "$dir/kiosk.toml" --listen "127.0.0.1:808$i" \
        >"$dir/kiosk.log" 2>&1 &
    PIDS+=($!)
done

ok=1
for i in 1 2 3; do
    up=0
    for _ in $(seq 150); do
        if curl -fs -o /dev/null "http://127.0.0.1:808$i/" 2>/dev/null; then
            up=1
            break
        fi
        sleep 0.2
    done
    if [ "$up" = 1 ]; then
        echo "kiosk K$i: http://127.0.0.1:808$i/ (agency https://127.0.0.1:$AGENCY_PORT)"
    else
        echo "fleet: kiosk K$i did not answer; its log:" >&2
        cat "$WORK/K$i/kiosk.log" >&2
        ok=0
    fi
done
[ "$ok" = 1 ] || exit 1
if [ "${FLEET_EXIT:-0}" = 1 ]; then
    echo "fleet: all three kiosks answer; stopping"
    exit 0
fi
echo "fleet: running; Ctrl-C stops it"
wait
