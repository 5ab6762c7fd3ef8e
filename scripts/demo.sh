#!/usr/bin/env bash
# Runs the kiosk's technician commands on simulated hardware through the real PC/SC stack:
# pcscd + the vpcd driver, with hw-sim attaching a simulated card (slot 0) and PSAM (slot 1);
# then the ID card module on a pseudo-terminal and the card-making photo pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages
ensure_pcscd
cargo build --release --locked --bin kiosk --bin hw-sim
# The binaries where cargo put them (CARGO_TARGET_DIR when set).
BIN="${CARGO_TARGET_DIR:-./target}/release"
CARD="${1:-hw-sim/cards/v3-uyghur.toml}"
$BIN/hw-sim vpcd --card "$CARD" --psam </dev/null &
SIM=$!
cleanup() { kill "$SIM" 2>/dev/null || true; stop_pcscd_if_started; }
trap cleanup EXIT
K=$BIN/kiosk
for _ in $(seq 1 50); do
    if $K readers 2>/dev/null | grep -q "social security card"; then break; fi
    sleep 0.2
done
run() { echo; echo "\$ $*"; "$@" || echo "(exit $?)"; }
runin() { local input="$1"; shift; echo; echo "\$ printf '${input//$'\n'/\\n}' | $*"; printf '%s' "$input" | "$@" || echo "(exit $?)"; }
run $K readers
run $K card info
run $K card info --json
run $K card status --json
runin $'000000\n' $K card verify
runin $'123456\n' $K card verify
runin $'111111\n' $K card activate
runin $'704915\n' $K card activate
run $K card block-app
run $K card status
run $K card unblock-app
runin $'802613\n' $K card reset-pin
run $K card status --json

# The resident ID card module on a pseudo-terminal, and the photo pipeline.
PERSON="${CARD/cards/people}"
$BIN/hw-sim idcard --person "$PERSON" </dev/null >target/demo-idcard.out 2>&1 &
IDSIM=$!
trap 'kill "$IDSIM" 2>/dev/null || true; cleanup' EXIT
PORT=""
for _ in $(seq 1 50); do
    PORT="$(head -n1 target/demo-idcard.out 2>/dev/null | grep -o '/dev/pts/[0-9]*' || true)"
    if [ -n "$PORT" ]; then break; fi
    sleep 0.1
done
run $K idcard read --port "$PORT"
run $K idcard read --port "$PORT" --json
run $BIN/hw-sim camera --scene good -o target/demo-frame.png
run $K photo make target/demo-frame.png -o target/demo-photo.jpg
run $BIN/hw-sim camera --scene cluttered -o target/demo-cluttered.png
run $K photo check target/demo-cluttered.png

# The business side: the demo registry matching the simulated cards, the service guide, the
# audit chain and the statistics (the kiosk screens come with `kiosk serve`).
# The database is encrypted (SQLCipher); its key file is made once, mode 600, like a real
# kiosk's /etc/kiosk/db.key.
DB=target/demo-kiosk.db
DBKEY="$PWD/target/demo-db.key"
rm -f "$DB" "$DB-wal" "$DB-shm"
[ -e "$DBKEY" ] || run $K config dbkey -o "$DBKEY"
run $K demo seed --db "$DB" --key-file "$DBKEY"
run $K guide --lang zh-CN
run $K audit verify --db "$DB" --key-file "$DBKEY"
run $K stats --from "$(date +%Y-%m-01)" --to "$(date +%Y-%m-%d)" --db "$DB" --key-file "$DBKEY"
echo
if [ "${DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
# Demo staff accounts for the staff pages (/staff/login), made the way a technician makes
# real ones: `kiosk config staff USER --role ROLE`, the password on standard input.
CONF=target/demo-kiosk.toml
printf '[storage]\nkey_file = "%s"\n\n' "$DBKEY" > "$CONF"
for account in "supervisor demo-supervisor supervisor technician" \
               "archivist demo-archivist archive" \
               "desk demo-front-desk front_desk"; do
    set -- $account
    user=$1 password=$2
    shift 2
    roles=()
    for r in "$@"; do roles+=(--role "$r"); done
    printf '%s\n' "$password" | $K config staff "$user" "${roles[@]}" >> "$CONF"
    echo "staff account (demo only): $user / $password ($*)"
done
run $K config validate "$CONF"
# The kiosk itself, on simulated hardware with the demo registry: open the address it prints
# in a browser (Ctrl-C stops it). /sim is the hardware panel; the simulated devices can also
# be driven through /api/sim/* (see README.md).
run $BIN/kiosk serve --sim --config "$CONF" --listen "${KIOSK_LISTEN:-127.0.0.1:8080}"
