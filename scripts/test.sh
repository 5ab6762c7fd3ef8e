#!/usr/bin/env bash
# Runs the whole test suite: unit, property and transcript tests, every card operation
# against the in-process simulator, and the same suite through pcscd + vpcd + hw-sim.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages
# Face verification's models and test photographs (target/face; cached after the first run).
fetch_face_data
ensure_pcscd
trap stop_pcscd_if_started EXIT
cargo build --workspace --all-targets --locked
# Test binaries that share pcscd's vpcd ports serialise themselves; cargo runs binaries
# one after another.
mkdir -p target
set +e
cargo test --workspace --locked -- --test-threads=2 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
# The screens in a real browser: playwright-core driving Chromium against kiosk serve --sim.
bash scripts/browser-test.sh 2>&1 | tee target/browser-test-output.log
browser_status=${PIPESTATUS[0]}
# The Debian package: built, installed, checked, removed (one PASS/FAIL line per check).
bash scripts/check-deb.sh 2>&1 | tee target/check-deb-output.log
deb_status=${PIPESTATUS[0]}
# The JSON API fuzzed against its own OpenAPI document (schemathesis, a fixed seed).
bash scripts/schemathesis.sh 2>&1 | tee target/schemathesis-output.log
api_status=${PIPESTATUS[0]}
# The fuzz targets (tests/fuzz), a short run of each on the committed corpus.
bash scripts/fuzz.sh "${FUZZ_SECONDS:-15}" 2>&1 | tee target/fuzz-output.log
fuzz_status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over every test binary, the browser tests, the
# package checks, the API operations schemathesis fuzzed and the fuzz targets.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     FILENAME ~ /check-deb/ && /^PASS / { p++; d++ }
     FILENAME ~ /check-deb/ && /^FAIL / { f++; d++ }
     FILENAME ~ /browser-test/ && NF == 3 && $2 == "pass" && $3 ~ /^[0-9]+$/ { p += $3; b += $3 }
     FILENAME ~ /browser-test/ && NF == 3 && $2 == "fail" && $3 ~ /^[0-9]+$/ { f += $3; b += $3 }
     FILENAME ~ /schemathesis/ && $1 == "schemathesis:" && $4 == "passed," { p += $2; f += $5; a += $2 + $5 }
     FILENAME ~ /fuzz-output/ && NF == 3 && $1 == "fuzz" && $2 == "pass" { p += $3; z += $3 }
     FILENAME ~ /fuzz-output/ && NF == 3 && $1 == "fuzz" && $2 == "fail" { f += $3; z += $3 }
     END { printf "\nworkspace: %d passed, %d failed (including %d browser tests, %d package checks, %d fuzzed API operations and %d fuzz targets)\n", p, f, b, d, a, z }' \
    target/test-output.log target/browser-test-output.log target/check-deb-output.log target/schemathesis-output.log target/fuzz-output.log
if [ "$status" != 0 ]; then exit "$status"; fi
if [ "$browser_status" != 0 ]; then exit "$browser_status"; fi
if [ "$deb_status" != 0 ]; then exit "$deb_status"; fi
if [ "$api_status" != 0 ]; then exit "$api_status"; fi
exit "$fuzz_status"
