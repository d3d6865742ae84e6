#!/usr/bin/env bash
# `make test`: installs what is missing, builds release and ASan+UBSan flavours, starts a private
# PostgreSQL on a free port, runs every test against both builds, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The client libraries the client tests use, pinned by the committed lockfile.
npm ci --prefix tests/clients/node --no-audit --no-fund --silent
scripts/build.sh release
scripts/build.sh asan

tmp=$(mktemp -d /tmp/fpc-test.XXXXXX)
chmod 755 "$tmp"  # the unprivileged PostgreSQL user must reach the cluster directory
cleanup() {
  scripts/pg-cluster.sh stop "$tmp/pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
FASTPGCACHE_TEST_PG=$(scripts/pg-cluster.sh start "$tmp/pg")
export FASTPGCACHE_TEST_PG
export FASTPGCACHE_TEST_PG_DIR="$tmp/pg"  # the fault tests restart this cluster
echo "test PostgreSQL: $FASTPGCACHE_TEST_PG"

# The 10,000-connection test needs that many descriptors in the test and in the server.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "== release build =="
ctest --test-dir build/release --output-on-failure
echo "== fuzzing (short; make fuzz runs long) =="
FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz.sh
echo "== ASan + UBSan build =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure
