#!/usr/bin/env bash
# Configures and builds one flavour: release (default), asan (AddressSanitizer + UBSan, debug), or
# server (release, the fastpgcache binary alone, no tests: the Docker image).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
targets=()
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DFPC_SANITIZE=ON) ;;
  server) args=(-DCMAKE_BUILD_TYPE=Release -DFPC_TESTS=OFF); targets=(--target fastpgcache) ;;
  *) echo "build.sh: unknown flavour $flavour" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)" "${targets[@]}"
