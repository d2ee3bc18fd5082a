#!/usr/bin/env bash
# The browser front end of examples/web, on another origin, in headless
# Chromium: the page is served from one loopback port (python3 -m http.server),
# the API from another with RAPPORT_CORS_ORIGINS set to the page's origin, and
# .ci/clients/web/drive.mjs (puppeteer-core, pinned in
# .ci/clients/web/package-lock.json, installed under target/ci-web) registers,
# adds a contact, sees it listed and on the agenda, sees a replayed create
# reported, pages through the contacts with "Load more" and by scrolling
# (infinite scroll over the cursor), opens a contact to read its brief and
# intersections (goals and offers set up through the API from the driver),
# confirms one and dismisses another (PATCH with If-Match), and saves a
# screenshot to target/web-check.png. Any console error, page error, failed
# request or error status in the page fails the check.
#
# Before the browser: examples/web/api.d.ts must equal what the pinned
# openapi-typescript generates from openapi/openapi.json, and the page's
# JavaScript must type-check against it (tsc --strict --checkJs).
#
# The browser is Debian's chromium, installed with apt-get when
# /usr/bin/chromium is missing; no tool downloads a browser of its own.
#
# Usage: .ci/web_check.sh
#   RAPPORT_BIN   the server binary (default: target/debug/rapport, built)
#   CHROMIUM      the browser (default: /usr/bin/chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

for tool in curl node npm python3; do
  command -v "$tool" >/dev/null || { echo "web-check: $tool is needed" >&2; exit 1; }
done
export PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "web-check: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM" --version 2>/dev/null  # (its Debian wrapper script complains on stderr)

target="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && realpath "${CARGO_TARGET_DIR:-target}")"
tools="$target/ci-web"
mkdir -p "$tools"
lock_sum="$(sha256sum < .ci/clients/web/package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$tools/npm.installed" 2>/dev/null)" != "$lock_sum" ]; then
  echo "web-check: installing puppeteer-core, openapi-typescript and typescript into $tools"
  rm -rf "$tools/node_modules" "$tools/npm.installed"
  cp .ci/clients/web/package.json .ci/clients/web/package-lock.json "$tools/"
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$tools/npm.installed"
fi
cp .ci/clients/web/drive.mjs "$tools/"

# The page's types: api.d.ts is generated from the checked-in spec by the
# pinned openapi-typescript and checked in; a spec change that was not
# regenerated fails here (regenerate with the command printed). Then the
# page's JavaScript is type-checked against it through JSDoc (// @ts-check,
# tsc --strict --allowJs --checkJs --noEmit, examples/web/tsconfig.json).
generated="$tools/api.d.ts"
"$tools/node_modules/.bin/openapi-typescript" openapi/openapi.json -o "$generated" >"$tools/openapi-typescript.log" 2>&1 || {
  cat "$tools/openapi-typescript.log"; echo "web-check: openapi-typescript failed"; exit 1; }
if grep -qiE 'warn|error' "$tools/openapi-typescript.log"; then
  cat "$tools/openapi-typescript.log"; echo "web-check: openapi-typescript warned"; exit 1
fi
if ! diff -u examples/web/api.d.ts "$generated" >"$tools/api.d.ts.diff"; then
  head -n 40 "$tools/api.d.ts.diff"
  echo "web-check: examples/web/api.d.ts is stale (openapi/openapi.json changed); regenerate it with"
  echo "  $tools/node_modules/.bin/openapi-typescript openapi/openapi.json -o examples/web/api.d.ts"
  exit 1
fi
echo "web-check: examples/web/api.d.ts matches openapi/openapi.json"
"$tools/node_modules/.bin/tsc" -p examples/web --noEmit --strict --allowJs --checkJs || {
  echo "web-check: examples/web does not type-check against api.d.ts"; exit 1; }
echo "web-check: examples/web type-checks (tsc --strict --checkJs)"

if [ -z "${RAPPORT_BIN:-}" ]; then
  cargo build --quiet --bin rapport
  RAPPORT_BIN="${CARGO_TARGET_DIR:-target}/debug/rapport"
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work="$(mktemp -d)"
api_port="$(free_port)"
web_port="$(free_port)"
while [ "$web_port" = "$api_port" ]; do web_port="$(free_port)"; done
api="http://127.0.0.1:$api_port"
web="http://127.0.0.1:$web_port"

RAPPORT_BIND="127.0.0.1:$api_port" \
  RAPPORT_DATABASE_URL="sqlite://$work/web.db?mode=rwc" \
  RAPPORT_JWT_SECRET="web-check-secret-web-check-secret-0123456789" \
  RAPPORT_CORS_ORIGINS="$web" \
  RAPPORT_LOG="warn" \
  "$RAPPORT_BIN" serve >"$work/server.log" 2>&1 &
server=$!
python3 -m http.server "$web_port" --bind 127.0.0.1 --directory examples/web >"$work/web.log" 2>&1 &
static=$!
cleanup() {
  kill "$server" "$static" 2>/dev/null || true
  wait "$server" "$static" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$api/health/ready" >/dev/null 2>&1 && curl -fsS "$web/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$api/health/ready" >/dev/null
curl -fsS "$web/" >/dev/null

# The CORS policy, seen before the browser relies on it: a preflight from the
# page's origin is allowed, and the headers the page reads are exposed.
preflight="$(curl -fsS -o /dev/null -D - -X OPTIONS "$api/api/v1/contacts" -H "Origin: $web" \
  -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: authorization, content-type, idempotency-key')"
grep -qi "^access-control-allow-origin: $web" <<<"$preflight" || {
  echo "web-check: the preflight from $web was not allowed:"; echo "$preflight"; exit 1; }

screenshot="$target/web-check.png"
rm -f "$screenshot"
echo "web-check: the page at $web, the API at $api"
if ! WEB_URL="$web/?api=$api" SCREENSHOT="$screenshot" CHROMIUM="$CHROMIUM" \
  timeout 180 node "$tools/drive.mjs"; then
  echo "--- server log"; tail -n 30 "$work/server.log"
  echo "--- static server log"; tail -n 30 "$work/web.log"
  exit 1
fi
[ -s "$screenshot" ] || { echo "web-check: no screenshot at $screenshot"; exit 1; }
echo "web-check: passed; screenshot in $screenshot"
