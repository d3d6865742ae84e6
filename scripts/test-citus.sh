#!/usr/bin/env bash
# `make test-citus`: FastPgCache on a local Citus cluster (a coordinator and two workers on
# 127.0.0.1). Installs Citus from the source archive the test machines carry (Citus is not in
# Debian's archive; CITUS_SOURCE_DIR, default ../shared/citus), builds the release flavour,
# starts the cluster, and runs the integration suite against the coordinator (the tables
# distributed by tenant, as --init-schema makes them there), then the Citus-only tests: one
# shard per tenant, a worker restarted mid-run. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

citus_source=${CITUS_SOURCE_DIR:-$(realpath -m ../shared/citus)}
if [ ! -f "$citus_source/install.sh" ]; then
  echo "test-citus: no Citus source at $citus_source (set CITUS_SOURCE_DIR)" >&2
  exit 1
fi
scripts/install-deps.sh
# Before any PostgreSQL starts: the build packages may upgrade Debian's PostgreSQL 15.
bash "$citus_source/install.sh"
npm ci --prefix tests/clients/node --no-audit --no-fund --silent
scripts/build.sh release

tmp=$(mktemp -d /tmp/fpc-citus.XXXXXX)
chmod 755 "$tmp"
cleanup() {
  scripts/citus-cluster.sh stop "$tmp/citus"
  rm -rf "$tmp"
}
trap cleanup EXIT
FASTPGCACHE_TEST_PG=$(scripts/citus-cluster.sh start "$tmp/citus")
export FASTPGCACHE_TEST_PG
export FASTPGCACHE_TEST_PG_DIR="$tmp/citus/coord"     # the fault tests restart the coordinator
export FASTPGCACHE_TEST_CITUS_DIR="$tmp/citus"        # the Citus tests restart a worker
export FASTPGCACHE_TEST_SLOW_BACKEND=1  # the differential tests keep TTLs longer than a run
echo "test Citus coordinator: $FASTPGCACHE_TEST_PG"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

start=$(date +%s)
echo "== integration suite on Citus =="
build/release/tests/integration_tests
echo "== Citus only =="
build/release/tests/integration_tests "[citus]"
echo "test-citus: $(( $(date +%s) - start )) s of tests"
