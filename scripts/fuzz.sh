#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan), replays the kept regression inputs, then
# fuzzes each for FUZZ_SECONDS (default 20; `make fuzz` runs 600). New crashers land in
# tests/fuzz/regressions/<target>/ — commit them so every later run replays them.
#   parser:   the RESP request parser alone.
#   dispatch: whole commands through the real dispatcher and every handler, over an in-memory
#             keyspace (tests/fakes/), no PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
out=build/fuzz
# CMake builds both targets (tests/fuzz/CMakeLists.txt) with clang, ASan + UBSan and coverage.
cmake -S . -B "$out" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFPC_FUZZ=ON \
  >/dev/null
cmake --build "$out" -j "$(nproc)" --target parser_fuzz dispatch_fuzz >/dev/null
out="$out/tests/fuzz"

status=0
run() {  # run <name> <max_len>
  local name=$1 max_len=$2 corpus="$out/corpus-$1"
  mkdir -p "$corpus" "tests/fuzz/regressions/$name"  # git keeps no empty directory
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  local regressions=(tests/fuzz/regressions/"$name"/*)
  if [ -e "${regressions[0]}" ]; then
    "$out/${name}_fuzz" "${regressions[@]}" || { echo "fuzz: a kept $name regression fails again"; status=1; return; }
  fi
  local s=0
  "$out/${name}_fuzz" -max_total_time="$seconds" -max_len="$max_len" -artifact_prefix="tests/fuzz/regressions/$name/" \
    -print_final_stats=1 "$corpus" >"$out/${name}_fuzz.log" 2>&1 || s=$?
  echo "-- $name:"
  grep -E "^stat::number_of_executed_units|^Done|ERROR|SUMMARY" "$out/${name}_fuzz.log" || true
  if [ $s -ne 0 ]; then
    tail -40 "$out/${name}_fuzz.log"
    echo "fuzz: ${name}_fuzz failed; crasher kept in tests/fuzz/regressions/$name/"
    status=1
  fi
}
run parser 4096
run dispatch 4096
exit $status
