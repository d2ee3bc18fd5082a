#!/usr/bin/env bash
# Webhook signatures verified by an implementation not written here: the
# `standardwebhooks` package from PyPI (pinned, in the virtual environment
# under target/ the calendar check uses too) verifies what the running server
# delivers to a receiver on loopback (.ci/webhooks_check.py).
#
# Usage: .ci/webhooks_check.sh
#   RAPPORT_BIN   the server binary (default: target/debug/rapport, built)
set -euo pipefail
cd "$(dirname "$0")/.."

STANDARDWEBHOOKS_VERSION=1.0.0
VENV="${CARGO_TARGET_DIR:-target}/pychecks"
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('standardwebhooks') != '$STANDARDWEBHOOKS_VERSION')" 2>/dev/null; then
  echo "installing standardwebhooks $STANDARDWEBHOOKS_VERSION into $VENV"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
fi

if [ -z "${RAPPORT_BIN:-}" ]; then
  cargo build --quiet --bin rapport
  RAPPORT_BIN="${CARGO_TARGET_DIR:-target}/debug/rapport"
fi

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
RAPPORT_BIND="127.0.0.1:$port" \
  RAPPORT_DATABASE_URL="sqlite://$work/hooks.db?mode=rwc" \
  RAPPORT_JWT_SECRET="hooks-check-secret-hooks-check-secret-012345" \
  RAPPORT_AUTH_RATE_LIMIT=0 RAPPORT_LOGIN_RATE_LIMIT=0 RAPPORT_API_RATE_LIMIT=0 \
  RAPPORT_WEBHOOKS_ALLOW_HTTP=127.0.0.1 RAPPORT_WEBHOOKS_ALLOW_NETWORKS=127.0.0.0/8 \
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

if ! HOOKS_BASE_URL="$base" "$VENV/bin/python" .ci/webhooks_check.py; then
  echo "--- server log"; tail -n 50 "$work/server.log"
  exit 1
fi
