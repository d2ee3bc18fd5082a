#!/usr/bin/env bash
# The README runs verbatim: every ```sh block of README.md, in order, as one
# bash session (`set -Eeuo pipefail`) in a fresh temporary directory, against
# a fresh server on a fresh SQLite file. Any failing command fails the check.
#
# Blocks CI cannot run (builds, the test suite, benchmarks) carry the line
# `<!-- readme-check: skip -->` right before them and are listed as skipped;
# nothing is left out silently. The server listens on a free loopback port, and
# the README's one `API=http://127.0.0.1:8080/api/v1` line is rewritten to it
# (.ci/readme_check.py); the webhook walk-through's receiver still takes port
# 9000. The server gets what the README tells a reader to set for the webhook
# walk-through (RAPPORT_WEBHOOKS_ALLOW_HTTP, RAPPORT_WEBHOOKS_ALLOW_NETWORKS)
# and otherwise its defaults. The example files under examples/ are copied into
# the directory, where the README expects them from a clone's root. The blocks
# run twice (see below).
#
# Usage: .ci/readme_check.sh
#   RAPPORT_BIN   the server binary (default: target/debug/rapport, built)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

for tool in curl jq python3; do
  command -v "$tool" >/dev/null || { echo "readme-check: $tool is needed" >&2; exit 1; }
done

if [ -z "${RAPPORT_BIN:-}" ]; then
  cargo build --quiet --bin rapport
  RAPPORT_BIN="${CARGO_TARGET_DIR:-target}/debug/rapport"
fi
RAPPORT_BIN="$(realpath "$RAPPORT_BIN")"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
python3 .ci/readme_check.py README.md "$base/api/v1" > "$work/readme.sh"

RAPPORT_BIND="127.0.0.1:$port" \
  RAPPORT_DATABASE_URL="sqlite://$work/readme.db?mode=rwc" \
  RAPPORT_WEBHOOKS_ALLOW_HTTP=127.0.0.1 RAPPORT_WEBHOOKS_ALLOW_NETWORKS=127.0.0.0/8 \
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

# Twice: on the fresh server, then again on the same server from another fresh
# directory, as a reader who runs the README a second time (the account exists
# by then, so the examples must log in instead of registering).
for pass in first second; do
  echo "readme-check: $pass pass"
  mkdir -p "$work/$pass/examples"
  cp examples/Connections.csv examples/contacts.vcf "$work/$pass/examples/"
  if ! (cd "$work/$pass" && bash "$work/readme.sh"); then
    echo "readme-check: the $pass pass failed"
    echo "--- server log"; tail -n 30 "$work/server.log"
    exit 1
  fi
done
echo "readme-check: passed (every block, twice)"
