#!/usr/bin/env bash
# The load benchmark: the release server on SQLite and on PostgreSQL, with
# 10,000 and 100,000 contacts, driven by wrk (64 connections) on loopback.
# One markdown table per run on standard output; wrk's own reports on
# standard error.
#
#   bench/load.sh                      # all four runs, 10 s per scenario
#   bench/load.sh --duration 30        # extra arguments go to `bench load`
#   BENCH_BACKENDS=sqlite BENCH_SIZES=10000 bench/load.sh --only get-contact
#
# BENCH_POSTGRES is the PostgreSQL server (default
# postgres://postgres@127.0.0.1:5432); each run creates a fresh database on it
# and drops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

backends=${BENCH_BACKENDS:-sqlite postgres}
sizes=${BENCH_SIZES:-10000 100000}
postgres=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
target_dir=${CARGO_TARGET_DIR:-target}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing: installing it from the distribution's packages" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
fi

cargo build --release --features bench --bin bench --bin rapport --bin floor

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start" >&2
for backend in $backends; do
  for contacts in $sizes; do
    case $backend in
      sqlite) database=() ;;
      postgres) database=(--postgres "$postgres") ;;
      *) echo "unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
    esac
    "$target_dir/release/bench" load --contacts "$contacts" "${database[@]}" "$@"
  done
done
