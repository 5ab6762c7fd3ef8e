#!/usr/bin/env bash
# Fuzzes the kiosk's JSON API against its own OpenAPI document with schemathesis: starts
# `kiosk serve --sim` on a free loopback port, generates requests from
# /api/openapi.json (examples, coverage and fuzzing phases, a fixed seed, a bounded number of
# examples per operation) and fails on any 5xx, any answer that breaks its documented schema,
# status code or content type, and any request the document admits that the service refuses.
# /api/events (server-sent events: an endless answer) is left out; tests/tests/it/serve.rs
# covers it.
#
# Ends with one line for scripts/test.sh's summary:
#   schemathesis: P operations passed, F failed
#
# Environment: SCHEMATHESIS_EXAMPLES (default 60 per operation), SCHEMATHESIS_SEED (default
# 6523), KIOSK (the kiosk binary; default the release build if there is one, else the debug
# build), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-60}
SEED=${SCHEMATHESIS_SEED:-6523}
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target/schemathesis"
out=$(cd "$target/schemathesis" && pwd)

venv=$target/schemathesis-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$VERSION"; then
    echo "installing schemathesis $VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

kiosk=${KIOSK:-}
if [ -z "$kiosk" ]; then
    if [ -x "$target/release/kiosk" ]; then kiosk=$target/release/kiosk; else kiosk=$target/debug/kiosk; fi
fi
if [ ! -x "$kiosk" ]; then
    cargo build --locked -p kiosk-host --bin kiosk
fi

"$kiosk" serve --sim --listen 127.0.0.1:0 --root . >"$out/serve.out" 2>"$out/serve.err" &
kiosk_pid=$!
trap 'kill "$kiosk_pid" 2>/dev/null || true; wait "$kiosk_pid" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 600); do
    url=$(sed -n 's|.*serving on \(http://[^/ ]*\)/.*|\1|p' "$out/serve.out" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$kiosk_pid" 2>/dev/null || { cat "$out/serve.err" >&2; echo "kiosk serve --sim did not start" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "kiosk serve --sim printed no address in 60 s" >&2; exit 1; }
echo "schemathesis $VERSION against $url/api/openapi.json ($kiosk), seed $SEED, $EXAMPLES examples per operation"

set +e
# Run from the output directory: schemathesis keeps its replay data in ./.schemathesis.
schemathesis=$(cd "$venv/bin" && pwd)/schemathesis
(cd "$out" && "$schemathesis" run "$url/api/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,positive_data_acceptance \
    --exclude-path /api/events \
    --phases examples,coverage,fuzzing,stateful \
    --seed "$SEED" --max-examples "$EXAMPLES" \
    --generation-database none --workers 1 --request-timeout 20 \
    --no-color --output-truncate false \
    --report junit --report-junit-path "$out/junit.xml")
status=$?
set -e

# One line for the summary: operations (JUnit test cases) passed and failed.
python3 - "$out/junit.xml" "$status" <<'EOF'
import sys, xml.etree.ElementTree as ET
path, status = sys.argv[1], int(sys.argv[2])
try:
    cases = list(ET.parse(path).getroot().iter("testcase"))
except (OSError, ET.ParseError) as e:
    print(f"schemathesis: 0 operations passed, 1 failed (no report: {e})")
    sys.exit(0)
failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
if status != 0 and failed == 0:
    failed = 1
print(f"schemathesis: {len(cases) - failed} operations passed, {failed} failed")
EOF
exit "$status"
