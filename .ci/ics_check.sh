#!/usr/bin/env bash
# The calendar feed through a real iCalendar parser: the `icalendar` package
# from PyPI (pinned, in a virtual environment under target/) reads the feed
# the running server writes for data made through the API (.ci/ics_check.py),
# and the server's log must never show the feed token that was in the URL.
#
# Usage: .ci/ics_check.sh
#   RAPPORT_BIN   the server binary (default: target/debug/rapport, built)
set -euo pipefail
cd "$(dirname "$0")/.."

ICALENDAR_VERSION=7.3.0
VENV="${CARGO_TARGET_DIR:-target}/pychecks"
if ! "$VENV/bin/python" -c "import icalendar, sys; sys.exit(icalendar.__version__ != '$ICALENDAR_VERSION')" 2>/dev/null; then
  echo "installing icalendar $ICALENDAR_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "icalendar==$ICALENDAR_VERSION"
fi

if [ -z "${RAPPORT_BIN:-}" ]; then
  cargo build --quiet --bin rapport
  RAPPORT_BIN="${CARGO_TARGET_DIR:-target}/debug/rapport"
fi

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Logged at info: every request writes its access-log line.
RAPPORT_BIND="127.0.0.1:$port" \
  RAPPORT_DATABASE_URL="sqlite://$work/ics.db?mode=rwc" \
  RAPPORT_JWT_SECRET="ics-check-secret-ics-check-secret-0123456789" \
  RAPPORT_AUTH_RATE_LIMIT=0 RAPPORT_LOGIN_RATE_LIMIT=0 RAPPORT_API_RATE_LIMIT=0 \
  RAPPORT_LOG="info" \
  "$RAPPORT_BIN" serve >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/health/ready" >/dev/null

if ! ICS_BASE_URL="$base" ICS_TOKEN_FILE="$work/feed-token" "$VENV/bin/python" .ci/ics_check.py; then
  echo "--- server log"; tail -n 50 "$work/server.log"
  exit 1
fi

# The feed was fetched with the token in its URL: the access log has the
# request, and not the token.
grep -q 'agenda.ics' "$work/server.log" || { echo "no access-log line for the feed"; exit 1; }
if grep -qF "$(cat "$work/feed-token")" "$work/server.log"; then
  echo "the feed token reached the server's log"
  exit 1
fi
echo "ics check: the feed token never reached the server's log"
