#!/usr/bin/env bash
# Builds the kiosk's Debian package (`cargo deb -p kiosk-host`), installs it with dpkg, checks
# what the installed package gives (the binary validating the configuration it installed and
# the example, the kiosk user and /var/lib/kiosk, the systemd unit, the service left
# disabled), then removes and purges it and checks the binary is gone.
#
# One line per check, PASS or FAIL; exits non-zero when any check fails. Needs root (or
# sudo) for dpkg. Details of every step go to target/check-deb.log.
#
# The package is installed on this machine for the duration of the check: run it on a CI or
# development machine, not on a kiosk (it refuses when a kiosk package is already installed).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages
# The face models the package carries (/usr/share/kiosk/face).
fetch_face_data
mkdir -p target
LOG="$PWD/target/check-deb.log"
: >"$LOG"
passed=0
failed=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2} (details in target/check-deb.log)"; failed=$((failed + 1)); }

# check NAME COMMAND...: runs the command (output to the log) and reports it.
check() {
    local name=$1
    shift
    echo "== $name: $*" >>"$LOG"
    if "$@" >>"$LOG" 2>&1; then pass "$name"; else fail "$name"; fi
}

# What this script creates on the machine and should take away again: the kiosk user and
# /var/lib/kiosk stay after a purge by design (archives), so they are removed here when they
# did not exist before.
had_user=0
getent passwd kiosk >/dev/null && had_user=1
had_state=0
[ -e /var/lib/kiosk ] && had_state=1
had_key=0
[ -e /etc/kiosk/db.key ] && had_key=1
cleanup() {
    if [ "$had_key" = 0 ] && [ -e /etc/kiosk/db.key ]; then
        $SUDO rm -f /etc/kiosk/db.key
        $SUDO rmdir /etc/kiosk 2>/dev/null || true
    fi
    if [ "$had_state" = 0 ] && [ -d /var/lib/kiosk ]; then $SUDO rm -rf /var/lib/kiosk; fi
    if [ "$had_user" = 0 ] && getent passwd kiosk >/dev/null; then
        $SUDO userdel kiosk >>"$LOG" 2>&1 || true
        getent group kiosk >/dev/null && { $SUDO groupdel kiosk >>"$LOG" 2>&1 || true; }
    fi
}

finish() {
    cleanup
    echo "check-deb: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}

# cargo-deb: installed once, then reused (CI caches ~/.cargo).
if ! cargo deb --version >/dev/null 2>&1; then
    echo "installing cargo-deb (once; a few minutes)"
    check "install cargo-deb" cargo install cargo-deb --locked
fi
if ! cargo deb --version >/dev/null 2>&1; then
    fail "cargo-deb available"
    finish
fi

if dpkg-query -W -f='${Status}' kiosk 2>/dev/null | grep -q "installed"; then
    fail "no kiosk package installed beforehand" "this machine has one; check-deb.sh installs and removes its own"
    finish
fi

OUT="$PWD/target/deb"
rm -rf "$OUT"
mkdir -p "$OUT"
variant=$(deb_variant)
build="cargo deb -p kiosk-host${variant:+ $variant}"
echo "== build: $build" >>"$LOG"
# build_deb (scripts/lib.sh): its own target directory, the calendar variant.
export CARGO_TARGET_DIR="$PWD/target/deb-build"
if build_deb "$OUT" >>"$LOG" 2>&1; then
    pass "build the package ($build)"
else
    fail "build the package ($build)"
    finish
fi
deb=$(ls "$OUT"/kiosk_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
    fail "package file in target/deb"
    finish
fi

contents=$(dpkg-deb -c "$deb")
fields=$(dpkg-deb -f "$deb")
conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null)
echo "== contents" >>"$LOG"
echo "$contents" >>"$LOG"
echo "$fields" >>"$LOG"
package_has() {
    local f
    for f in "$@"; do
        grep -q " \./$f\$" <<<"$contents" || { echo "missing: $f"; return 1; }
    done
}
check "package has /usr/bin/kiosk, the unit, the configuration and the example" \
    package_has usr/bin/kiosk lib/systemd/system/kiosk.service etc/kiosk/kiosk.toml \
    usr/share/doc/kiosk/kiosk.example.toml
check "package has the kiosk's screen: its unit, its script and its README" \
    package_has lib/systemd/system/kiosk-screen.service usr/share/kiosk/kiosk-screen \
    usr/share/doc/kiosk/README.screen
if [ -n "$variant" ]; then
    check "package has the calendar data" grep -q "./usr/share/kiosk/calendar/" <<<"$contents"
fi
# The packaged binary holds no simulator: no hw-sim symbol in the release build cargo-deb
# packed (the control: the development build, with the default `sim` feature, has them).
no_sim_symbols() {
    nm -C "$CARGO_TARGET_DIR/release/kiosk" >"$OUT/kiosk.nm" || return 1
    if grep -q "hw_sim::" "$OUT/kiosk.nm"; then
        grep -m 5 "hw_sim::" "$OUT/kiosk.nm"
        return 1
    fi
    # (Through a file: `nm | grep -q` fails under pipefail when grep stops reading early.)
    CARGO_TARGET_DIR="$PWD/target" cargo build -p kiosk-host --locked -q &&
        nm -C target/debug/kiosk >"$OUT/kiosk-dev.nm" &&
        grep -q "hw_sim::" "$OUT/kiosk-dev.nm"
}
check "the packaged kiosk has no hw-sim code (nm -C; the development build has)" no_sim_symbols
check "/etc/kiosk/kiosk.toml is a conffile" grep -qx "/etc/kiosk/kiosk.toml" <<<"$conffiles"
check "package has the face models (CC0) in /usr/share/kiosk/face" \
    package_has usr/share/kiosk/face/dlib_face_recognition_resnet_model_v1.dat \
    usr/share/kiosk/face/shape_predictor_5_face_landmarks.dat usr/share/kiosk/face/LICENSE
check "package depends on dlib (face verification)" grep -Eq "^Depends:.*\blibdlib" <<<"$fields"
check "package depends on pcscd" grep -Eq "^Depends:.*\bpcscd\b" <<<"$fields"
check "package depends on libssl (SQLCipher's libcrypto)" grep -Eq "^Depends:.*\blibssl3" <<<"$fields"
check "package depends on espeak-ng (the spoken prompts)" grep -Eq "^Depends:.*\bespeak-ng\b" <<<"$fields"
check "package recommends cage, xwayland and chromium (the kiosk's screen)" \
    grep -Eq "^Recommends:.*\bcage\b.*\bxwayland\b.*\bchromium\b" <<<"$fields"

echo "== install: dpkg -i $deb" >>"$LOG"
if $SUDO dpkg -i "$deb" >>"$LOG" 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -f -y -qq >>"$LOG" 2>&1 &&
        dpkg-query -W -f='${Status}' kiosk 2>/dev/null | grep -q "install ok installed"; }; then
    pass "install (dpkg -i)"
else
    fail "install (dpkg -i)"
    $SUDO dpkg --purge kiosk >>"$LOG" 2>&1
    finish
fi

check "installed kiosk validates /etc/kiosk/kiosk.toml" /usr/bin/kiosk config validate /etc/kiosk/kiosk.toml
check "installed kiosk validates /usr/share/doc/kiosk/kiosk.example.toml" \
    /usr/bin/kiosk config validate /usr/share/doc/kiosk/kiosk.example.toml
face_compare() {
    local out
    out=$(/usr/bin/kiosk face compare --config /dev/null --json target/face/photos/obama.jpg target/face/photos/obama3.jpg) &&
        grep -q '"same_person":true' <<<"$out"
}
check "installed kiosk compares two faces with the packaged models" face_compare
check "installed kiosk has the service command the unit runs" /usr/bin/kiosk serve --help
sim_refused() {
    local out status
    out=$(/usr/bin/kiosk serve --sim --listen 127.0.0.1:1 2>&1)
    status=$?
    echo "$out"
    [ "$status" = 2 ] && grep -q "built without the simulated hardware" <<<"$out"
}
check "installed kiosk refuses --sim and says how to get it (exit 2)" sim_refused
check "system user kiosk exists" getent passwd kiosk
check "/var/lib/kiosk belongs to kiosk" bash -c '[ "$(stat -c %U /var/lib/kiosk)" = kiosk ]'
check "/etc/kiosk/db.key made at install, readable by the kiosk user only" \
    bash -c '[ "$(stat -c %a:%U /etc/kiosk/db.key)" = 600:kiosk ] && [ "$(wc -c </etc/kiosk/db.key)" = 65 ]'
check "/etc/kiosk/kiosk.toml readable by the kiosk group only" \
    bash -c '[ "$(stat -c %a:%G /etc/kiosk/kiosk.toml)" = 640:kiosk ]'
check "kiosk.service installed, not enabled" \
    bash -c '[ -f /lib/systemd/system/kiosk.service ] && ! ls /etc/systemd/system/*.wants/kiosk.service >/dev/null 2>&1'
check "kiosk-screen.service installed, not enabled; its user exists with the display's groups" \
    bash -c '[ -f /lib/systemd/system/kiosk-screen.service ] && ! ls /etc/systemd/system/*.wants/kiosk-screen.service >/dev/null 2>&1 && id -nG kiosk-screen | grep -qw video'
screen_command() {
    local out
    out=$(/usr/share/kiosk/kiosk-screen --print) || return 1
    echo "$out"
    for flag in "cage -d -- chromium" --kiosk --disable-pinch --overscroll-history-navigation=0 \
        --autoplay-policy=no-user-gesture-required "http://127.0.0.1:8080/"; do
        grep -qF -- "$flag" <<<"$out" || { echo "missing: $flag"; return 1; }
    done
}
check "kiosk-screen runs cage + chromium --kiosk with pinch-zoom off, on the kiosk's address" screen_command
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify kiosk-screen.service" systemd-analyze verify /lib/systemd/system/kiosk-screen.service
    check "systemd-analyze verify kiosk.service" systemd-analyze verify /lib/systemd/system/kiosk.service
else
    echo "(systemd-analyze not installed: unit not verified)"
fi

check "remove (dpkg -r kiosk)" $SUDO dpkg -r kiosk
check "/usr/bin/kiosk gone after removal" bash -c '! [ -e /usr/bin/kiosk ]'
check "configuration kept after removal" test -f /etc/kiosk/kiosk.toml
check "purge (dpkg -P kiosk)" $SUDO dpkg -P kiosk
check "/etc/kiosk/kiosk.toml gone after purge" bash -c '! [ -e /etc/kiosk/kiosk.toml ]'
check "database key kept after purge (the database it opens is kept)" test -f /etc/kiosk/db.key
check "data in /var/lib/kiosk kept after purge" test -d /var/lib/kiosk
check "package no longer known to dpkg" bash -c '! dpkg-query -W -f="\${Status}" kiosk 2>/dev/null | grep -q installed'

finish
