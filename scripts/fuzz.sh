#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan), replays the kept regression inputs, then
# fuzzes each for FUZZ_SECONDS (default 20; `make fuzz` runs 600). New crashers land in
# tests/fuzz/regressions/<target>/ — commit them so every later run replays them.
#   parser:   the RESP request parser alone.
#   dispatch: whole commands through the real session and every handler, over an in-memory
#             keyspace (tests/fuzz/memory_keyspace.cpp), no PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
out=build/fuzz
mkdir -p "$out/obj"
common=(-std=c++20 -O1 -g -fno-sanitize-recover=all -I. $(pkg-config --cflags libpq spdlog)
        -DFASTPGCACHE_VERSION='"fuzz"' -DFASTPGCACHE_REDIS_VERSION='"7.2.0"')

# Compiles one source to an object. clang 14 cannot compile coroutines with UBSan ("Cannot
# represent a difference across sections"), so files with coroutines get ASan only.
compile() {
  local src=$1 obj="$out/obj/$(echo "$1" | tr / _).o" sanitizers=address,undefined
  grep -q co_await "$src" && sanitizers=address
  if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find . -name '*.hpp' -newer "$obj" -not -path './build/*' -print -quit)" ]; then
    clang++ "${common[@]}" -fsanitize=fuzzer-no-link,$sanitizers -c "$src" -o "$obj"
  fi
  echo "$obj"
}

build() {  # build <target> <sources...>
  local target=$1
  shift
  local objs=()
  for src in "$@"; do objs+=("$(compile "$src")"); done
  clang++ -fsanitize=fuzzer,address,undefined "${objs[@]}" $(pkg-config --libs spdlog) -lssl -lcrypto -o "$out/$target"
}

build parser_fuzz tests/fuzz/parser_fuzz.cpp resp/parser.cpp resp/numbers.cpp
build dispatch_fuzz tests/fuzz/dispatch_fuzz.cpp tests/fuzz/memory_keyspace.cpp \
  server/client_session.cpp server/command_table.cpp server/command_docs.cpp server/commands_connection.cpp \
  server/commands_strings.cpp server/commands_keys.cpp server/commands_rename.cpp server/replies.cpp server/commands_client.cpp \
  server/commands_config.cpp server/commands_scan.cpp server/commands_server.cpp server/commands_transactions.cpp \
  server/expiry_args.cpp server/glob.cpp server/scan_cursors.cpp server/command_stats.cpp server/metrics.cpp \
  server/slow_log.cpp resp/parser.cpp resp/numbers.cpp resp/writer.cpp auth/user_table.cpp config/settings.cpp

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
