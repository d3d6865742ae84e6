#!/usr/bin/env bash
# Installs the Debian 12 packages FastPgCache builds and tests with, if any is missing.
set -euo pipefail

# Extra package names on the command line are installed too (make bench adds redis-server).
# `--server-only`: just what building the server needs (the Docker image's build stage).
build_packages=(build-essential cmake pkg-config libboost1.81-dev libpq-dev libspdlog-dev
  libcli11-dev libssl-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
if [ "${1:-}" = "--server-only" ]; then
  shift
  packages=("${build_packages[@]}" "$@")
else
  packages=("${build_packages[@]}" python3 catch2 libhiredis-dev postgresql-15 redis-tools
    redis-server python3-redis python3-celery clang libclang-rt-14-dev "$@")
  # Node.js runs the ioredis client test; this machine kind ships it, a bare Debian gets Debian's.
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# libboost1.81-dev replaces the default libboost-dev (1.74) if that is installed.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
