#!/usr/bin/env bash
# What scripts/test.sh builds in the background, at low priority, while other steps of the run
# leave the CPU idle (apt and downloads; the tests waiting on pcscd, kiosk processes and the
# browser). The later steps then find their builds fresh instead of building in the
# foreground. Nothing here is checked: check-deb.sh and fuzz.sh build again (a no-op when this
# succeeded) and report any failure themselves.
#
#   scripts/prebuild.sh tools    installs cargo-deb and cargo-fuzz when they are missing
#   scripts/prebuild.sh builds   the packaged kiosk (cargo deb, as check-deb.sh runs it) and
#                                the fuzz targets (as fuzz.sh builds them)
#
# Output goes to target/prebuild-<what>.log; the exit status is the last failing command's.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
what="${1:?usage: scripts/prebuild.sh tools|builds}"
mkdir -p target
exec >"target/prebuild-$what.log" 2>&1
status=0
run() {
    echo "== $* ($(date +%T))"
    "$@" || {
        status=$?
        echo "== failed ($status): $*"
    }
}
case "$what" in
    tools)
        cargo deb --version >/dev/null 2>&1 || run cargo install cargo-deb --locked
        cargo fuzz --version >/dev/null 2>&1 || run cargo install cargo-fuzz --locked
        ;;
    builds)
        # check-deb.sh's build (its output folder aside) and fuzz.sh's.
        run build_deb "$PWD/target/prebuild-deb"
        run build_fuzz_targets
        ;;
    *)
        echo "unknown: $what (tools or builds)"
        status=2
        ;;
esac
echo "== done ($(date +%T)), status $status"
exit "$status"
