#!/usr/bin/env bash
# `make soak`: a long mixed workload (SOAK_SECONDS, default 600) against a release server over a
# private PostgreSQL; fails on any wrong reply, any error, or resident memory growing after warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release

tmp=$(mktemp -d /tmp/fpc-soak.XXXXXX)
chmod 755 "$tmp"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  scripts/pg-cluster.sh stop "$tmp/pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
pg=$(scripts/pg-cluster.sh start "$tmp/pg")
port=${SOAK_PORT:-16379}
build/release/fastpgcache --pg "$pg" --init-schema
build/release/fastpgcache --pg "$pg" --port "$port" --log-level warn &
server_pid=$!
sleep 1
/usr/bin/python3 tests/soak/soak.py --port "$port" --seconds "${SOAK_SECONDS:-600}" --clients "${SOAK_CLIENTS:-16}"
