#!/usr/bin/env bash
# `make test-docker`: builds the image from this checkout and runs it as a user would, with host
# networking only: --init-schema, SET/GET/TTL through redis-cli, the health check turning healthy
# with and without a password, the non-root user, a clean `docker stop` that loses no
# acknowledged write; `docker-compose config` validates docker/compose.yaml. Installs docker.io
# and debootstrap when absent, starts its own dockerd (no bridge, no iptables) unless one
# answers, makes the Debian base images from the mirror this machine's apt uses when they are
# absent, and removes what it made (KEEP_DOCKER_BASE=1 keeps the base images for the next run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh docker.io debootstrap docker-compose
DOCKER=/usr/bin/docker  # Debian's client, the same version as its dockerd
IMAGE=fastpgcache:make-test-docker
tmp=$(mktemp -d /tmp/fpc-docker.XXXXXX)
chmod 755 "$tmp"
started_dockerd=""
made_base=()
containers=()

cleanup() {
  set +e
  for c in "${containers[@]}"; do $DOCKER rm -f "$c" >/dev/null 2>&1; done
  $DOCKER rmi -f "$IMAGE" >/dev/null 2>&1
  $DOCKER image prune -f >/dev/null 2>&1  # the build stage's intermediate layers
  if [ "${KEEP_DOCKER_BASE:-0}" != 1 ]; then
    for b in "${made_base[@]}"; do $DOCKER rmi -f "$b" >/dev/null 2>&1; done
  fi
  scripts/pg-cluster.sh stop "$tmp/pg"
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step() { echo "== test-docker: $* =="; }
fail() { echo "test-docker: FAILED: $*" >&2; exit 1; }

# A Docker engine: the machine's, or one of ours with host networking only.
if ! $DOCKER info >/dev/null 2>&1; then
  step "starting dockerd (--bridge=none --iptables=false)"
  state=${DOCKER_STATE_DIR:-/var/lib/fastpgcache-test-docker}
  mkdir -p "$state"
  export DOCKER_HOST="unix://$state/docker.sock"
  dockerd --bridge=none --iptables=false --ip6tables=false --data-root "$state/root" \
    --exec-root "$state/exec" -H "$DOCKER_HOST" --pidfile "$state/dockerd.pid" \
    >"$tmp/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 120); do $DOCKER info >/dev/null 2>&1 && break; sleep 0.5; done
  $DOCKER info >/dev/null 2>&1 || { cat "$tmp/dockerd.log" >&2; fail "dockerd did not start"; }
fi

# The Debian mirror apt on this machine is configured with (never a host written here).
apt_mirror() {
  local uri=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    uri=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources | grep -v -- '-security' |
      head -1)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /-security/ { for (i = 2; i <= NF; i++)
      if ($i ~ /^(https?|file):/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  echo "$uri"
}

if ! $DOCKER image inspect debian:bookworm >/dev/null 2>&1 ||
  ! $DOCKER image inspect debian:bookworm-slim >/dev/null 2>&1; then
  mirror=$(apt_mirror)
  [ -n "$mirror" ] || fail "no Debian mirror found in /etc/apt/sources.list{,.d}"
  step "making debian:bookworm from $mirror (debootstrap --variant=minbase)"
  debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -20 "$tmp/debootstrap.log" >&2; fail "debootstrap"; }
  rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"*
  tar -C "$tmp/rootfs" -c . | $DOCKER import - debian:bookworm >/dev/null
  $DOCKER tag debian:bookworm debian:bookworm-slim
  rm -rf "$tmp/rootfs"
  made_base=(debian:bookworm debian:bookworm-slim)
fi

step "docker build (from this checkout, build/ present: $([ -d build ] && echo yes || echo no))"
start=$(date +%s)
$DOCKER build --network host -q -f docker/Dockerfile -t "$IMAGE" . >"$tmp/build.log" 2>&1 ||
  { tail -40 "$tmp/build.log" >&2; fail "docker build"; }
size=$($DOCKER image inspect -f '{{.Size}}' "$IMAGE")
echo "image built in $(($(date +%s) - start)) s, $((size / 1024 / 1024)) MB"

pg=$(scripts/pg-cluster.sh start "$tmp/pg")
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

step "--init-schema in a container"
$DOCKER run --rm --network host "$IMAGE" --pg "$pg" --init-schema ||
  fail "--init-schema exited $?"

# run NAME ARGS...: a detached server container probed every second.
run() {
  local name=$1
  shift
  containers+=("$name")
  $DOCKER run -d --name "$name" --network host --health-interval 1s --health-retries 3 \
    --health-timeout 3s "$@" >/dev/null
}
wait_healthy() {
  local status=""
  for _ in $(seq 1 60); do
    status=$($DOCKER inspect -f '{{.State.Health.Status}}' "$1")
    [ "$status" = healthy ] && return 0
    sleep 0.5
  done
  $DOCKER logs "$1" >&2 || true
  fail "$1 is $status after 30 s"
}

step "a server on FASTPGCACHE_PORT, no password"
plain_port=$(free_port)
run fpc-docker-plain -e FASTPGCACHE_PG="$pg" -e FASTPGCACHE_PORT="$plain_port" \
  -e FASTPGCACHE_BIND=127.0.0.1 "$IMAGE"
wait_healthy fpc-docker-plain
[ "$(redis-cli -p "$plain_port" SET greeting hello EX 100)" = OK ] || fail "SET"
[ "$(redis-cli -p "$plain_port" GET greeting)" = hello ] || fail "GET"
ttl=$(redis-cli -p "$plain_port" TTL greeting)
[ "$ttl" -ge 99 ] && [ "$ttl" -le 100 ] || fail "TTL $ttl"
uid=$($DOCKER exec fpc-docker-plain id -u)
[ "$uid" = 10001 ] || fail "the server runs as uid $uid"
pid1=$(ps -o uid= -p "$($DOCKER inspect -f '{{.State.Pid}}' fpc-docker-plain)" | tr -d ' ')
[ "$pid1" = 10001 ] || fail "process 1 runs as uid $pid1"
echo "healthy; SET/GET/TTL through redis-cli; uid 10001"

step "a server with --requirepass and --port as flags"
auth_port=$(free_port)
run fpc-docker-auth "$IMAGE" --pg "$pg" --bind 127.0.0.1 --port "$auth_port" --requirepass s3cret
wait_healthy fpc-docker-auth
[ "$(redis-cli -p "$auth_port" --no-auth-warning -a s3cret SET k v)" = OK ] || fail "SET with AUTH"
redis-cli -p "$auth_port" GET k | grep -q NOAUTH || fail "GET without AUTH was served"
echo "healthy with a password"

step "docker stop during writes: exit 0, no acknowledged write lost"
/usr/bin/python3 - "$auth_port" "$tmp/acked" <<'PY' &
import sys, redis
r = redis.Redis(port=int(sys.argv[1]), password="s3cret", socket_timeout=10)
acked = []
try:
    for i in range(1_000_000):
        r.set(f"stop:{i}", i)
        acked.append(i)
except Exception:
    pass
open(sys.argv[2], "w").write("\n".join(map(str, acked)))
PY
writer=$!
sleep 2
$DOCKER stop -t 20 fpc-docker-auth >/dev/null
wait "$writer" || true
code=$($DOCKER inspect -f '{{.State.ExitCode}}' fpc-docker-auth)
[ "$code" = 0 ] || { $DOCKER logs fpc-docker-auth >&2; fail "docker stop: exit code $code"; }
acked=$(/usr/bin/python3 - "$pg" "$tmp/acked" <<'PY'
import subprocess, sys
acked = [line for line in open(sys.argv[2]).read().split("\n") if line]
stored = set(subprocess.run(
    ["psql", "-X", "-A", "-t", sys.argv[1], "-c",
     "SELECT convert_from(key, 'UTF8') FROM fastpgcache.cache WHERE tenant = 'default' AND "
     "key LIKE 'stop:%'"], capture_output=True, text=True, check=True).stdout.split())
lost = [i for i in acked if f"stop:{i}" not in stored]
if not acked or lost:
    sys.exit(f"{len(acked)} writes acknowledged, {len(lost)} of them not stored")
print(len(acked))
PY
) || fail "lost writes"
echo "exit 0 after $acked acknowledged SETs, all of them stored"

step "docker-compose config"
docker-compose -f docker/compose.yaml config -q || fail "docker/compose.yaml does not validate"

echo "test-docker: ok (image $((size / 1024 / 1024)) MB)"
