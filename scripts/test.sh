#!/usr/bin/env bash
# Runs the whole test suite: the CI gates (formatting, clippy, the toolchain), unit, property
# and transcript tests, every card operation against the in-process simulator, and the same
# suite through pcscd + vpcd + hw-sim.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
mkdir -p target
# How long each step took, printed at the end (target/phases.log).
: >target/phases.log
phase_start=$SECONDS
phase() {
    echo "phase $1: $((SECONDS - phase_start)) s" >>target/phases.log
    phase_start=$SECONDS
}
# Background builds (scripts/prebuild.sh), each in its own process group, stopped with the
# run if it ends before they do.
background=()
stop_background() {
    local pid
    for pid in "${background[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
}
trap 'stop_background; stop_pcscd_if_started' EXIT
ensure_toolchain
# cargo-deb and cargo-fuzz, when missing, are installed in the background while apt and the
# downloads below wait on the network.
setsid nice -n 15 bash scripts/prebuild.sh tools &
tools_pid=$!
background+=("$tools_pid")
ensure_packages
# Face verification's models and test photographs (target/face; cached after the first run).
fetch_face_data
ensure_pcscd
phase "packages, face data, pcscd"
# The gates: a failed gate fails the run, but the tests still run, so that one run shows
# everything. Each prints "gate pass NAME" or "gate fail NAME".
: >target/gates-output.log
gate() {
    local name=$1
    shift
    echo "== gate $name: $*"
    if "$@"; then
        echo "gate pass $name" | tee -a target/gates-output.log
    else
        echo "gate fail $name" | tee -a target/gates-output.log
    fi
}
# The active rustc is the declared rust-version (rust-toolchain.toml pins it): the build and
# tests below are the build at the declared version.
gate toolchain check_toolchain
gate fmt cargo fmt --all -- --check
gate clippy cargo clippy --workspace --all-targets --locked -- -D warnings
# The packaged kiosk's features (the .deb is built without default features).
gate clippy-packaged cargo clippy -p kiosk-host --no-default-features --all-targets --locked -- -D warnings
phase "gates"
cargo build --workspace --all-targets --locked
phase "build"
# The package and the fuzz targets are built in the background from here, at low priority:
# the tests below spend most of their time waiting on pcscd, kiosk processes and the browser.
wait "$tools_pid" || true
setsid nice -n 15 bash scripts/prebuild.sh builds &
builds_pid=$!
background+=("$builds_pid")
# One test binary per crate; in the `tests` crate's, the tests that share pcscd's vpcd ports
# take the rig's lock (tests/src/rig.rs). Cargo runs the binaries one after another.
set +e
cargo test --workspace --locked --no-fail-fast -- --test-threads=2 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
phase "cargo test"
# The screens in a real browser: playwright-core driving Chromium against kiosk serve --sim.
bash scripts/browser-test.sh 2>&1 | tee target/browser-test-output.log
browser_status=${PIPESTATUS[0]}
phase "browser tests"
# What the package check and the fuzzing need, built by now or finished here.
wait "$builds_pid"
echo "background builds: exit $? (target/prebuild-builds.log)"
phase "waiting for the background builds"
# The Debian package: built, installed, checked, removed (one PASS/FAIL line per check).
bash scripts/check-deb.sh 2>&1 | tee target/check-deb-output.log
deb_status=${PIPESTATUS[0]}
phase "package check"
# The JSON API fuzzed against its own OpenAPI document (schemathesis, a fixed seed).
bash scripts/schemathesis.sh 2>&1 | tee target/schemathesis-output.log
api_status=${PIPESTATUS[0]}
# The fleet: PostgreSQL + the agency + three simulated kiosks started, each kiosk answers,
# everything stopped (about 10 s once built).
FLEET_EXIT=1 bash scripts/fleet.sh 2>&1 | tee target/fleet-output.log
fleet_status=${PIPESTATUS[0]}
phase "schemathesis and fleet"
# The fuzz targets (tests/fuzz), a short run of each on the committed corpus.
bash scripts/fuzz.sh "${FUZZ_SECONDS:-15}" 2>&1 | tee target/fuzz-output.log
fuzz_status=${PIPESTATUS[0]}
phase "fuzzing"
set -e
cat target/phases.log
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
# And one line for the gates.
awk '$1 == "gate" { n++; if ($2 == "pass") p++; else failed = failed " " $3 }
     END { printf "gates: %d of %d passed%s\n", p, n, failed == "" ? "" : " (failed:" failed ")" }' \
    target/gates-output.log
if [ "$status" != 0 ]; then exit "$status"; fi
if [ "$browser_status" != 0 ]; then exit "$browser_status"; fi
if [ "$deb_status" != 0 ]; then exit "$deb_status"; fi
if [ "$api_status" != 0 ]; then exit "$api_status"; fi
if [ "$fleet_status" != 0 ]; then exit "$fleet_status"; fi
if [ "$fuzz_status" != 0 ]; then exit "$fuzz_status"; fi
if grep -q "^gate fail" target/gates-output.log; then exit 1; fi
