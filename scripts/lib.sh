# Shared helpers for scripts/*.sh (sourced, not run).

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian packages the kiosk and its tests need: PC/SC (pcscd, the vpcd virtual reader
# driver, pcsc-tools and opensc for independent clients), libudev for serial ports;
# dpkg-dev (dpkg-shlibdeps, for the package's library dependencies) and adduser (the
# package's postinst) for scripts/check-deb.sh; libssl-dev for SQLCipher (the database's
# encryption, built from rusqlite's bundled source against the system libcrypto);
# python3-venv for scripts/schemathesis.sh; g++ for libFuzzer (scripts/fuzz.sh); espeak-ng,
# which renders the spoken prompts (kiosk-service's voice test checks every one).
PACKAGES="libssl-dev python3-venv pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools opensc libudev-dev pkg-config procps dpkg-dev adduser chromium fonts-noto-core fonts-noto-cjk g++ espeak-ng"

ensure_packages() {
    local missing=""
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "installing:$missing"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
}

# Starts pcscd in the foreground mode the vpcd driver needs (socket activation leaves the
# vpcd ports closed). Sets STARTED_PCSCD=1 when this script started it.
STARTED_PCSCD=0
vpcd_port_open() {
    (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null
}
ensure_pcscd() {
    mkdir -p target
    for _ in $(seq 1 100); do
        if vpcd_port_open; then
            return 0
        fi
        # Not listening: start pcscd unless one is still starting (or shutting down).
        if ! pgrep -x pcscd >/dev/null; then
            $SUDO sh -c 'pcscd -f >target/pcscd.log 2>&1 &'
            STARTED_PCSCD=1
        fi
        sleep 0.1
    done
    echo "pcscd did not open the vpcd port 35963; see target/pcscd.log" >&2
    return 1
}

stop_pcscd_if_started() {
    if [ "$STARTED_PCSCD" = 1 ]; then
        $SUDO pkill -x pcscd || true
    fi
}
