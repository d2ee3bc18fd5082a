#!/usr/bin/env bash
# Contract test: schemathesis (from PyPI, in a virtual environment under
# target/) drives the running service with requests generated from the
# checked-in openapi/openapi.json, authenticated, with every check it has:
# no server errors, status codes, content types and headers as documented,
# response bodies matching their schemas, schema-valid requests accepted and
# schema-violating ones rejected. Any failure fails the run.
#
# Usage: .ci/schemathesis.sh [extra `st run` arguments]
#   RAPPORT_BIN         the server binary (default: target/debug/rapport, built)
#   SCHEMATHESIS_SEED   generation seed (default fixed, so CI is repeatable)
#   CONTRACT_POSTGRES_URL  a PostgreSQL server (postgres://user@host:port): the
#                       service runs on a fresh database there, dropped after;
#                       SQLite in a temp directory otherwise
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
VENV="${CARGO_TARGET_DIR:-target}/schemathesis-$VERSION"
if [ ! -x "$VENV/bin/st" ]; then
  echo "installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

if [ -z "${RAPPORT_BIN:-}" ]; then
  cargo build --quiet --bin rapport
  RAPPORT_BIN="${CARGO_TARGET_DIR:-target}/debug/rapport"
fi

work="$(mktemp -d)"
database_url="sqlite://$work/contract.db?mode=rwc"
if [ -n "${CONTRACT_POSTGRES_URL:-}" ]; then
  database="rapport_contract_$$"
  psql "$CONTRACT_POSTGRES_URL/postgres" -q -c "CREATE DATABASE $database"
  database_url="$CONTRACT_POSTGRES_URL/$database"
fi
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
RAPPORT_BIND="127.0.0.1:$port" \
  RAPPORT_DATABASE_URL="$database_url" \
  RAPPORT_JWT_SECRET="schemathesis-secret-schemathesis-secret-0123" \
  RAPPORT_AUTH_RATE_LIMIT=0 RAPPORT_LOGIN_RATE_LIMIT=0 RAPPORT_API_RATE_LIMIT=0 \
  RAPPORT_LOG="warn" \
  RAPPORT_WEBHOOKS_ALLOW_HTTP=127.0.0.1 RAPPORT_WEBHOOKS_ALLOW_NETWORKS=127.0.0.0/8 \
  "$RAPPORT_BIN" serve >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ -n "${database:-}" ]; then
    psql "$CONTRACT_POSTGRES_URL/postgres" -q -c "DROP DATABASE IF EXISTS $database" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/health/ready" >/dev/null

# An account with a little of everything, so list and search operations have
# data to return.
register='{"email":"contract@example.com","password":"contract-password-1","name":"Contract Tester"}'
token="$(curl -fsS -H 'Content-Type: application/json' -d "$register" "$base/api/v1/auth/register" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
post() {
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "$2" "$base/api/v1/$1"
}
post contacts '{"full_name":"Ada Lovelace","emails":["ada@example.com"],"interests":["mathematics"],"can_give":"analytical engines"}'
post contacts '{"full_name":"Grace Hopper","company":"Navy","interests":["compilers","mathematics"],"keep_in_touch_days":30}'
post goals '{"kind":"goal","title":"Learn about compilers","topics":["compilers"]}'
grace="$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/contacts?q=grace" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')"
post goals "{\"kind\":\"offer\",\"contact_id\":\"$grace\",\"title\":\"Teach compilers\",\"topics\":[\"compilers\"]}"
post events "{\"name\":\"Compiler night\",\"starts_at\":\"2026-01-15T18:00:00Z\",\"attendees\":[{\"contact_id\":\"$grace\",\"status\":\"going\"}]}"

# `DELETE /me` would end the session every later request depends on; the
# account tests cover it.
export CONTRACT_BASE_URL="$base" CONTRACT_TOKEN="$token"
export CONTRACT_EMAIL="contract@example.com" CONTRACT_PASSWORD="contract-password-1"
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH=".ci${PYTHONPATH:+:$PYTHONPATH}"
"$VENV/bin/st" run openapi/openapi.json \
  --url "$base" \
  --checks all \
  --exclude-name 'DELETE /api/v1/me' \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
  --seed "${SCHEMATHESIS_SEED:-20261122}" \
  --workers 1 \
  "$@"
