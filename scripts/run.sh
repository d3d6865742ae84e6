#!/usr/bin/env bash
# `make run`: serves on 127.0.0.1:6379. Without --pg / FASTPGCACHE_PG it starts a private
# PostgreSQL under .run/, creates the schema, and stops that cluster again on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/fastpgcache

for arg in "$@"; do
  case "$arg" in --pg|--pg=*) exec "$bin" "$@" ;; esac
done
[ -n "${FASTPGCACHE_PG:-}" ] && exec "$bin" "$@"

uri=$(scripts/pg-cluster.sh start .run/pg)
trap 'scripts/pg-cluster.sh stop .run/pg' EXIT
"$bin" --pg "$uri" --init-schema
echo "PostgreSQL: $uri (private cluster in .run/pg; Ctrl-C stops both)"
"$bin" --pg "$uri" "$@" &
server=$!
trap 'kill -INT $server 2>/dev/null || true' INT TERM
wait $server || true
wait $server 2>/dev/null || true
