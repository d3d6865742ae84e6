#!/usr/bin/env bash
# Starts or stops a private PostgreSQL 15 cluster in a directory; runs it as an unprivileged user
# when invoked as root (PostgreSQL refuses to run as root).
#   pg-cluster.sh start DIR [PORT]   prints the libpq URI on stdout
#   pg-cluster.sh restart DIR        pg_ctl restart -m fast
#   pg-cluster.sh stop DIR
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg-cluster.sh start|stop DIR [PORT]}
dir=$(realpath -m "${2:?usage: pg-cluster.sh start|stop DIR [PORT]}")

run_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

if [ "$(id -u)" -eq 0 ]; then
  PG_OS_USER=${PG_OS_USER:-postgres}
  if ! id "$PG_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown "$PG_OS_USER" "$dir"
      if ! runuser -u "$PG_OS_USER" -- test -w "$dir"; then
        echo "pg-cluster: user $PG_OS_USER cannot reach $dir (a parent directory is not searchable)" >&2
        exit 1
      fi
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      run_as_owner "$PG_BIN/initdb" -D "$dir/data" -U fastpgcache --auth=trust -E UTF8 \
        --no-locale >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # One role must log in with a password (the credential-rotation tests); all others are trusted.
    hba="$dir/data/pg_hba.conf"
    if ! grep -q fpc_rotating "$hba"; then
      run_as_owner sed -i '1i host all fpc_rotating 127.0.0.1/32 scram-sha-256' "$hba"
      run_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" reload >/dev/null 2>&1 || true
    fi
    port=${3:-}
    if [ -z "$port" ] && [ -f "$dir/port" ]; then port=$(cat "$dir/port"); fi
    if [ -z "$port" ]; then port=$(free_port); fi
    run_as_owner sh -c "echo $port > '$dir/port'"
    if ! run_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      # Durability settings off: the cache table is UNLOGGED anyway, and this cluster is private.
      run_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
            -c shared_buffers=128MB" start >/dev/null \
        || { tail -20 "$dir/postgres.log" >&2; exit 1; }
    fi
    echo "postgresql://fastpgcache@127.0.0.1:$port/postgres"
    ;;
  restart)
    # A clean, fast restart (UNLOGGED tables keep their rows), reusing the start options.
    run_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 restart >/dev/null
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
      run_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: pg-cluster.sh start|restart|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
