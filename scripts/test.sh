#!/usr/bin/env bash
# Runs the whole test suite: unit, property and transcript tests, every card operation
# against the in-process simulator, and the same suite through pcscd + vpcd + hw-sim.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages
ensure_pcscd
trap stop_pcscd_if_started EXIT
cargo build --workspace --all-targets --locked
# Test binaries that share pcscd's vpcd ports serialise themselves; cargo runs binaries
# one after another.
cargo test --workspace --locked -- --test-threads=2
