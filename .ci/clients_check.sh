#!/usr/bin/env bash
# Clients generated from the checked-in openapi/openapi.json and used against a
# running server, as an integrator would:
#   1. Redocly lint, the recommended rules with warnings as errors
#      (.ci/clients/redocly.yaml);
#   2. four generators: openapi-python-client (PyPI), openapi-typescript (+
#      openapi-fetch), @hey-api/openapi-ts and orval (npm); any warning a
#      generator prints about the spec fails the check;
#   3. the TypeScript scenarios (.ci/clients/scenarios/*.ts) and the generated
#      code type-checked strictly (`tsc --noEmit`, .ci/clients/tsconfig.json),
#      compiled, and each scenario run with node; the Python scenario checked
#      with mypy --strict (.ci/clients/mypy.ini) and run with the virtual
#      environment's python. Each registers, creates a contact with
#      an Idempotency-Key (and sees the replay), reads it, updates it with
#      If-Match from the ETag, reads problem+json errors (412, 422 with
#      errors[], 404) through their typed fields, lists with a cursor, searches,
#      reads the agenda, exports as JSON, CSV and vCard, and imports
#      examples/contacts.vcf as multipart/form-data.
# The tools are pinned (.ci/clients/package.json + package-lock.json,
# .ci/clients/requirements.txt) and installed under target/ci-clients from the
# registries only, again when a pin changes; nothing downloads a browser. The
# generated code goes to target/ci-clients/work, made anew each run.
#
# Usage: .ci/clients_check.sh
#   RAPPORT_BIN   the server binary (default: target/debug/rapport, built)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

for tool in curl node npm python3; do
  command -v "$tool" >/dev/null || { echo "clients-check: $tool is needed" >&2; exit 1; }
done

# No tool phones home or fetches a browser of its own.
export PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false DO_NOT_TRACK=1 \
  NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false \
  NO_COLOR=1 FORCE_COLOR=0

tools="$(mkdir -p "${CARGO_TARGET_DIR:-target}/ci-clients" && realpath "${CARGO_TARGET_DIR:-target}/ci-clients")"
spec="$repo/openapi/openapi.json"

# --- the tools, installed when their pins change
stamp() { cat "$repo/.ci/clients/$1" | sha256sum | cut -d' ' -f1; }
if [ "$(cat "$tools/npm.installed" 2>/dev/null)" != "$(stamp package-lock.json)" ]; then
  echo "clients-check: installing the npm tools into $tools"
  rm -rf "$tools/node_modules" "$tools/npm.installed"
  cp .ci/clients/package.json .ci/clients/package-lock.json "$tools/"
  # No install scripts: none of these needs one (esbuild's binary comes as an
  # npm package of its own), and one of them only reports analytics.
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  stamp package-lock.json > "$tools/npm.installed"
fi
cp .ci/clients/package.json "$tools/"
if [ "$(cat "$tools/venv.installed" 2>/dev/null)" != "$(stamp requirements.txt)" ]; then
  echo "clients-check: installing openapi-python-client and mypy into $tools/venv"
  rm -rf "$tools/venv" "$tools/venv.installed"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/clients/requirements.txt
  stamp requirements.txt > "$tools/venv.installed"
fi
bin="$tools/node_modules/.bin"

failures=()
fail() { failures+=("$1"); echo "clients-check: FAILED: $1"; }

# A generator's output, shown; a line that warns (or errs) about the spec fails.
generated() {
  local name="$1" log="$2" status="$3"
  sed 's/\x1b\[[0-9;]*m//g; s/^/  | /' "$log"
  if [ "$status" -ne 0 ]; then
    fail "$name exited with $status"
  elif grep -Eiq 'warn|⚠|unsupported|error|skipping|could not|cannot|invalid' "$log"; then
    fail "$name warned about the spec (the lines above)"
  fi
}

work="$tools/work"
rm -rf "$work"
mkdir -p "$work/gen"
cp .ci/clients/tsconfig.json "$work/"
cp -r .ci/clients/scenarios "$work/"
started=$SECONDS

echo "== clients-check: redocly lint (recommended-strict)"
if ! "$bin/redocly" lint --config .ci/clients/redocly.yaml --format stylish "$spec" >"$work/redocly.log" 2>&1; then
  # The stylish format puts one problem on a line.
  grep -Ev '^\s*(║|╔|╚)' "$work/redocly.log" | sed 's/^/  | /'
  fail "redocly lint"
else
  grep -E 'valid|warning|error' "$work/redocly.log" | grep -Ev '║' | sed 's/^/  | /'
fi

echo "== clients-check: generating"
set +e
# Its formatter (ruff, from its own environment) is found on PATH.
PATH="$tools/venv/bin:$PATH" "$tools/venv/bin/openapi-python-client" generate --path "$spec" --meta none \
  --output-path "$work/gen/py/rapport_client" >"$work/opc.log" 2>&1
status=$?
set -e
generated "openapi-python-client" "$work/opc.log" "$status"

set +e
"$bin/openapi-typescript" "$spec" -o "$work/gen/openapi-typescript/schema.d.ts" >"$work/ot.log" 2>&1
generated "openapi-typescript" "$work/ot.log" $?
"$bin/openapi-ts" -i "$spec" -o "$work/gen/hey-api" >"$work/hey.log" 2>&1
generated "@hey-api/openapi-ts" "$work/hey.log" $?
RAPPORT_SPEC="$spec" ORVAL_OUTPUT="$work/gen/orval/rapport.ts" ORVAL_MUTATOR="$work/scenarios/orval-fetch.ts" \
  "$bin/orval" --config "$repo/.ci/clients/orval.config.ts" >"$work/orval.log" 2>&1
generated "orval" "$work/orval.log" $?
set -e
echo "clients-check: generated in $((SECONDS - started)) s"

echo "== clients-check: tsc --noEmit (strict) over the scenarios and the generated TypeScript"
if ! (cd "$work" && "$bin/tsc" -p tsconfig.json --strict --noEmit); then
  fail "tsc --noEmit"
fi
# Compiled anyway, so every scenario whose own code is sound still runs.
(cd "$work" && "$bin/tsc" -p tsconfig.json --noEmitOnError false >/dev/null) || true

# --- a fresh server
if [ -z "${RAPPORT_BIN:-}" ]; then
  cargo build --quiet --bin rapport
  RAPPORT_BIN="${CARGO_TARGET_DIR:-target}/debug/rapport"
fi
db="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
RAPPORT_BIND="127.0.0.1:$port" \
  RAPPORT_DATABASE_URL="sqlite://$db/clients.db?mode=rwc" \
  RAPPORT_JWT_SECRET="clients-check-secret-clients-check-secret-0123" \
  RAPPORT_AUTH_RATE_LIMIT=0 RAPPORT_LOGIN_RATE_LIMIT=0 RAPPORT_API_RATE_LIMIT=0 \
  RAPPORT_LOG="warn" \
  "$RAPPORT_BIN" serve >"$db/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$db"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/health/ready" >/dev/null

export RAPPORT_URL="$base" RAPPORT_EXAMPLES="$repo/examples"
for scenario in openapi-fetch hey-api orval; do
  echo "== clients-check: scenario with $scenario"
  if [ ! -f "$work/out/scenarios/$scenario.js" ]; then
    fail "$scenario: not compiled"
  elif ! timeout 120 node "$work/out/scenarios/$scenario.js"; then
    fail "$scenario scenario"
  fi
done
echo "== clients-check: mypy --strict over the Python scenario and the generated client"
if ! (cd "$work" && MYPYPATH="$work/gen/py" "$tools/venv/bin/mypy" --config-file "$repo/.ci/clients/mypy.ini" \
  --cache-dir "$tools/mypy-cache" "$work/scenarios/python_client.py"); then
  fail "mypy"
fi

echo "== clients-check: scenario with openapi-python-client"
if ! PYTHONPATH="$work/gen/py" timeout 120 "$tools/venv/bin/python" .ci/clients/scenarios/python_client.py; then
  fail "openapi-python-client scenario"
fi

if [ "${#failures[@]}" -gt 0 ]; then
  echo "--- server log"; tail -n 30 "$db/server.log"
  echo "clients-check: ${#failures[@]} failed:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "clients-check: passed in $((SECONDS - started)) s (redocly lint, 4 generators, 4 scenarios)"
