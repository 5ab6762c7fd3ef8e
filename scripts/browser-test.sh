#!/usr/bin/env bash
# Browser tests: playwright-core driving Debian's Chromium (headless) against
# `kiosk serve --sim`, with axe-core accessibility scans of every screen reached.
# Builds nothing: expects the kiosk binary at $KIOSK_BIN (default target/debug/kiosk).
# Screenshots, axe results and kiosk logs go to target/screens/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=""
for p in chromium fonts-noto-core fonts-noto-cjk; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js 20 or later (playwright-core 1.65) comes with the machine; Debian's own nodejs is
# older, so it is only a fallback when there is no node at all.
if ! command -v node >/dev/null; then missing="$missing nodejs npm"; fi
if [ -n "$missing" ]; then
    echo "installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

export KIOSK_BIN="${KIOSK_BIN:-target/debug/kiosk}"
case "$KIOSK_BIN" in /*) bin=$KIOSK_BIN ;; *) bin=$root/$KIOSK_BIN ;; esac
if [ ! -x "$bin" ]; then
    echo "no kiosk binary at $bin: build it first (cargo build -p kiosk-host --bin kiosk) or set KIOSK_BIN" >&2
    exit 2
fi

# Exactly the versions of the lockfile; the npm cache is used first when it has them.
(cd tests/browser && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)

rm -rf target/screens
mkdir -p target/screens
set +e
# One line per test (spec reporter), files one after another (each starts its own kiosk and
# Chromium; the machine has 2 cores).
node --test --test-concurrency=1 --test-reporter=spec tests/browser/*.test.mjs
status=$?
set -e
node -e '
const fs = require("fs"), dir = process.argv[1];
let screens = 0, counts = {};
for (const f of fs.readdirSync(dir).filter((f) => /^axe-.*\.json$/.test(f))) {
  for (const r of JSON.parse(fs.readFileSync(dir + "/" + f))) {
    screens += 1;
    for (const v of r.violations) counts[v.impact] = (counts[v.impact] || 0) + 1;
  }
}
const parts = Object.entries(counts).map(([k, v]) => k + ": " + v);
console.log("axe summary: " + screens + " screens scanned; violations by impact: " + (parts.join(", ") || "none"));
' target/screens
echo "screenshots: target/screens/"
exit "$status"
