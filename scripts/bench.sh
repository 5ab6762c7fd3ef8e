#!/usr/bin/env bash
# Every figure of BENCHMARKS.md in one run (not run by CI: it takes some 30 minutes on the
# 2-core machine). Installs what the comparisons need, starts pcscd with the vpcd driver,
# builds the release binaries and runs each bench binary; every table goes to standard
# output and to target/bench/<bench>.md.
#
#   scripts/bench.sh                 # everything
#   scripts/bench.sh archive http    # only the named benches
#   scripts/bench.sh face            # face verification: accuracy (data/face/pairs.tsv) and cost
#
# Benches: apdus card cardinfo business kiosk http audit photo idcard receipt archive face size
# agency.
# `agency`: the agency on a throwaway PostgreSQL with a registry of 1 000 000 persons,
# lookups, commits from 10, 50 and 200 simulated kiosks, and the same commit on a standalone
# kiosk as the ratio (agency-host/examples/agency_bench.rs; some 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# The peers and load generators: wrk (HTTP load), hyperfine (a second timer for the
# card-info comparison), ImageMagick (the photo comparison); opensc comes with PACKAGES.
PACKAGES="$PACKAGES wrk hyperfine imagemagick"
ensure_packages
fetch_face_data
ensure_pcscd
trap stop_pcscd_if_started EXIT

cargo build --release --locked -p kiosk-host --bin kiosk -p hw-sim --bin hw-sim \
    -p tests --bins
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET_DIR/release"
OUT="$TARGET_DIR/bench"
mkdir -p "$OUT"

ALL="apdus card cardinfo business kiosk http audit photo idcard receipt archive face size agency"
WANT="${*:-$ALL}"

run() {
    local name="$1"
    shift
    echo
    echo "### $name: $*"
    "$@" | tee "$OUT/$name.md"
}

# A second, independent timer for `kiosk card info` against opensc-tool: hyperfine, with
# the card in hw-sim's own vpcd bridge (a separate process) instead of cardinfo-bench's.
hyperfine_cardinfo() {
    local reader="Virtual PCD 00 00" apdus=()
    # The APDUs cardinfo-bench recorded from card-io (its second line).
    read -r -a apdus < <(sed -n 's/^APDUs (recorded from card-io): //p' "$OUT/cardinfo.md")
    if [ "${#apdus[@]}" = 0 ]; then
        echo "no APDU list in $OUT/cardinfo.md" >&2
        return 1
    fi
    local args=()
    for a in "${apdus[@]}"; do args+=(-s "$a"); done
    "$BIN/hw-sim" vpcd --card hw-sim/cards/v3-uyghur.toml --transport t1 </dev/null &
    local sim=$!
    # shellcheck disable=SC2064 # the simulator's pid now
    trap "kill $sim 2>/dev/null || true; stop_pcscd_if_started" EXIT
    # Until both commands read the card three times in a row: pcscd has seen it, and the
    # reader has settled (cardinfo-bench's own bridge on the same vpcd port has gone).
    local good=0
    for _ in $(seq 1 100); do
        if "$BIN/kiosk" card info --json --reader "$reader" >/dev/null 2>&1 &&
            opensc-tool -r "$reader" "${args[@]}" >/dev/null 2>&1; then
            good=$((good + 1))
            [ "$good" -ge 3 ] && break
        else
            good=0
        fi
        sleep 0.1
    done
    if [ "$good" -lt 3 ]; then
        echo "the card in hw-sim vpcd did not answer within 10 s" >&2
        return 1
    fi
    hyperfine -N --warmup 3 --runs 40 --export-markdown "$OUT/cardinfo-hyperfine.md" \
        "$BIN/kiosk card info --json --reader '$reader'" \
        "opensc-tool -r '$reader' $(printf "%q " "${args[@]}")"
    kill "$sim" 2>/dev/null || true
    wait "$sim" 2>/dev/null || true
    trap stop_pcscd_if_started EXIT
    cat "$OUT/cardinfo-hyperfine.md"
}

for b in $WANT; do
    case "$b" in
        apdus) run apdus "$BIN/card-bench" apdus ;;
        card) run card "$BIN/card-bench" ;;
        cardinfo)
            run cardinfo "$BIN/cardinfo-bench"
            hyperfine_cardinfo
            ;;
        business) run business "$BIN/business-bench" ;;
        kiosk) run kiosk "$BIN/kiosk-bench" ;;
        http) run http "$BIN/http-bench" ;;
        audit) run audit "$BIN/audit-load-bench" ;;
        photo) run photo "$BIN/photo_bench" ;;
        idcard) run idcard "$BIN/idcard_bench" ;;
        receipt) run receipt "$BIN/receipt_bench" ;;
        archive) run archive "$BIN/archive-bench" ;;
        face) run face "$BIN/face-bench" ;;
        agency)
            cargo build --release --locked -p agency-host --bins --examples
            run agency "$BIN/examples/agency_bench"
            ;;
        size)
            echo
            echo "### size: release binaries"
            for f in kiosk hw-sim; do
                stat -c %s "$BIN/$f" | awk -v f="$f" '{ printf "| `%s` | %.1f MiB |\n", f, $1 / 1048576 }'
            done | tee "$OUT/size.md"
            ;;
        *)
            echo "unknown bench $b (one of: $ALL)" >&2
            exit 2
            ;;
    esac
done
# No criterion benches in the workspace: every figure comes from the binaries above.
echo
echo "tables written to $OUT/"
