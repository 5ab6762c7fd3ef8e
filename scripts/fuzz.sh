#!/usr/bin/env bash
# Runs every cargo-fuzz target of tests/fuzz for SECONDS each (default 30) on a copy of the
# committed corpus (the repository stays clean), one after another, single job. Builds the
# targets once first. Fails when any target finds a crash (the input is kept in
# target/fuzz-artifacts/<target>/). Prints one summary line per target, then "fuzz pass N" and
# "fuzz fail N" for scripts/test.sh's closing line.
#
#   scripts/fuzz.sh [SECONDS]             all targets
#   FUZZ_TARGETS="qr_line ecard_codes" scripts/fuzz.sh 600
#
# cargo-fuzz needs nightly-only compiler flags; on the stable toolchain RUSTC_BOOTSTRAP=1
# allows them. No sanitizer (`-s none`): the targets' code is safe Rust, built with debug
# assertions and overflow checks, so a panic or an overflow is the crash.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
seconds="${1:-30}"
export RUSTC_BOOTSTRAP=1
fuzz_dir=tests/fuzz
target_dir=$(fuzz_target_dir)
artifacts="$PWD/target/fuzz-artifacts"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
build_fuzz_targets
echo "fuzz targets built in $(($(date +%s) - start)) s"

dict_for() {
    case "$1" in
        apdu_codec | card_records | sscard_answers) echo apdu.dict ;;
        ga467_decoder) echo ga467.dict ;;
        ecard_codes | qr_line) echo ecard.dict ;;
        config_toml) echo config_toml.dict ;;
        api_bodies) echo api_bodies.dict ;;
    esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets="${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir "$fuzz_dir")}"
pass=0
fail=0
summary=""
for t in $targets; do
    corpus="$work/$t"
    mkdir -p "$corpus" "$artifacts/$t"
    if [ -d "$fuzz_dir/corpus/$t" ]; then
        cp -r "$fuzz_dir/corpus/$t/." "$corpus/"
    fi
    before=$(find "$corpus" -type f | wc -l)
    args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/$t/"
        -timeout=20 -rss_limit_mb=2048)
    dict=$(dict_for "$t")
    if [ -n "$dict" ]; then args+=(-dict="$fuzz_dir/dict/$dict"); fi
    log="$work/$t.log"
    began=$(date +%s)
    set +e
    cargo fuzz run --fuzz-dir "$fuzz_dir" -s none --target-dir "$target_dir" "$t" "$corpus" \
        -- "${args[@]}" >"$log" 2>&1
    status=$?
    set -e
    took=$(($(date +%s) - began))
    execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log" | tail -1)
    after=$(find "$corpus" -type f | wc -l)
    if [ "$status" = 0 ]; then
        result=ok
        pass=$((pass + 1))
    else
        result="CRASH (exit $status; input in $artifacts/$t/)"
        fail=$((fail + 1))
        echo "--- $t: the end of libFuzzer's output ---"
        tail -40 "$log"
    fi
    line="fuzz $t: ${execs:-0} executions in $took s, corpus $before -> $after inputs, $result"
    echo "$line"
    summary="$summary$line"$'\n'
done
echo
echo "fuzzing summary ($seconds s per target):"
printf '%s' "$summary"
echo "fuzz pass $pass"
echo "fuzz fail $fail"
[ "$fail" = 0 ]
