#!/usr/bin/env bash
# Static checks of the Docker files (make test-docker builds and runs the image): every script the Dockerfile runs exists
# and is the one `make test` runs, and the compose file names the Dockerfile and --init-schema.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
for script in $(grep -oE 'scripts/[a-z-]+\.sh' docker/Dockerfile | sort -u); do
  [ -x "$script" ] || { echo "docker/Dockerfile runs missing $script"; fail=1; }
  grep -q "$script" scripts/test.sh || { echo "$script is not exercised by make test"; fail=1; }
done
grep -q 'dockerfile: docker/Dockerfile' docker/compose.yaml || { echo "compose does not build docker/Dockerfile"; fail=1; }
grep -q -- '--init-schema' docker/compose.yaml || { echo "compose has no --init-schema step"; fail=1; }
grep -q '^USER ' docker/Dockerfile || { echo "the image runs as root"; fail=1; }
grep -q '^HEALTHCHECK .*--health-check' docker/Dockerfile || { echo "no --health-check HEALTHCHECK"; fail=1; }
grep -qx 'build/' .dockerignore || { echo ".dockerignore lets build/ into the image's context"; fail=1; }
[ $fail -eq 0 ] && echo "docker files: ok"
exit $fail
