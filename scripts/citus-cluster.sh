#!/usr/bin/env bash
# Starts or stops a local Citus cluster for tests: a coordinator and two workers, each a private
# PostgreSQL 15 (scripts/pg-cluster.sh) on 127.0.0.1 with citus preloaded. Citus must be
# installed (scripts/install-citus.sh).
#   citus-cluster.sh start DIR    prints the coordinator's libpq URI on stdout
#   citus-cluster.sh stop DIR
#   citus-cluster.sh restart-node DIR NAME    pg_ctl restart of coord, worker1 or worker2
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:?usage: citus-cluster.sh start|stop|restart-node DIR [NAME]}
dir=$(realpath -m "${2:?usage: citus-cluster.sh start|stop|restart-node DIR [NAME]}")
nodes=(coord worker1 worker2)

uri_of() { echo "postgresql://fastpgcache@127.0.0.1:$(cat "$dir/$1/port")/postgres"; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    chmod 755 "$dir"
    for node in "${nodes[@]}"; do
      first_start=0
      [ -f "$dir/$node/data/PG_VERSION" ] || first_start=1
      scripts/pg-cluster.sh start "$dir/$node" >/dev/null
      if [ "$first_start" = 1 ]; then
        # Citus must be preloaded; then 4 shards per table keep the many test schemas light.
        psql -X -q "$(uri_of "$node")" -v ON_ERROR_STOP=1 \
          -c "ALTER SYSTEM SET shared_preload_libraries = 'citus'" >/dev/null
        if [ "$node" != coord ]; then
          # The coordinator reaches the workers as whichever role a client used, with no
          # password to give: the password-only test role logs in to the workers by trust
          # (the first matching line wins), and only to the coordinator with its password.
          hba="$dir/$node/data/pg_hba.conf"
          if [ "$(id -u)" -eq 0 ]; then
            runuser -u "${PG_OS_USER:-postgres}" -- sed -i '1i host all fpc_rotating 127.0.0.1/32 trust' "$hba"
          else
            sed -i '1i host all fpc_rotating 127.0.0.1/32 trust' "$hba"
          fi
        fi
        scripts/pg-cluster.sh restart "$dir/$node"
        psql -X -q "$(uri_of "$node")" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS citus" \
          -c "ALTER SYSTEM SET citus.shard_count = 4" -c "SELECT pg_reload_conf()" >/dev/null
      fi
    done
    coord=$(uri_of coord)
    if [ "$(psql -X -Atq "$coord" -c "SELECT count(*) FROM pg_dist_node")" = 0 ]; then
      psql -X -q "$coord" -v ON_ERROR_STOP=1 \
        -c "SELECT citus_set_coordinator_host('127.0.0.1', $(cat "$dir/coord/port"))" \
        -c "SELECT citus_add_node('127.0.0.1', $(cat "$dir/worker1/port"))" \
        -c "SELECT citus_add_node('127.0.0.1', $(cat "$dir/worker2/port"))" >/dev/null
    fi
    echo "$coord"
    ;;
  stop)
    for node in "${nodes[@]}"; do scripts/pg-cluster.sh stop "$dir/$node"; done
    ;;
  restart-node)
    scripts/pg-cluster.sh restart "$dir/${3:?which node: coord, worker1 or worker2}"
    ;;
  *)
    echo "usage: citus-cluster.sh start|stop|restart-node DIR [NAME]" >&2
    exit 2
    ;;
esac
