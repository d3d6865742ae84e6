#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan), replays the kept regression inputs, then
# fuzzes for FUZZ_SECONDS (default 20; `make fuzz` runs 600). New crashers land in
# tests/fuzz/regressions/<target>/ — commit them so every later run replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
out=build/fuzz
mkdir -p "$out"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. \
  tests/fuzz/parser_fuzz.cpp resp/parser.cpp resp/numbers.cpp -o "$out/parser_fuzz"
corpus="$out/corpus-parser"
mkdir -p "$corpus" tests/fuzz/regressions/parser  # git keeps no empty directory
cp -n tests/fuzz/corpus/parser/* "$corpus"/ 2>/dev/null || true
regressions=(tests/fuzz/regressions/parser/*)
if [ -e "${regressions[0]}" ]; then
  "$out/parser_fuzz" "${regressions[@]}"
fi
status=0
"$out/parser_fuzz" -max_total_time="$seconds" -max_len=4096 -artifact_prefix=tests/fuzz/regressions/parser/ \
  -print_final_stats=1 "$corpus" >"$out/parser_fuzz.log" 2>&1 || status=$?
grep -E "^stat::number_of_executed_units|^Done|ERROR|SUMMARY" "$out/parser_fuzz.log" || true
[ $status -eq 0 ] || { tail -40 "$out/parser_fuzz.log"; echo "fuzz: parser_fuzz failed; crasher kept in tests/fuzz/regressions/parser/"; }
exit $status
