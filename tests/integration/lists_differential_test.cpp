// Differential tests of lists against a real redis-server, reply by reply: every list command,
// its edge cases (negative and out-of-range indexes, counts, LPOS's options), WRONGTYPE, RESP3,
// and a seeded random sequence over lists and the other types.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "tests/integration/differential.hpp"

using namespace fpc::test;
using namespace std::string_literals;

namespace {

const std::vector<command> list_sequence = {
    {"FLUSHALL"},
    {"rpush", "l", "a", "b", "c", "a", "b"},
    {"lpush", "l", "x", "y", "z"},
    {"lrange", "l", "0", "-1"},
    {"lrange", "l", "-3", "-1"},
    {"lrange", "l", "-100", "100"},
    {"lrange", "l", "5", "2"},
    {"lrange", "l", "100", "200"},
    {"llen", "l"},
    {"lindex", "l", "0"},
    {"lindex", "l", "-1"},
    {"lindex", "l", "7"},
    {"lindex", "l", "8"},
    {"lindex", "l", "-9"},
    {"lindex", "l", "-8"},
    {"lpos", "l", "a"},
    {"lpos", "l", "a", "RANK", "2"},
    {"lpos", "l", "a", "RANK", "-1"},
    {"lpos", "l", "a", "RANK", "-2", "COUNT", "0"},
    {"lpos", "l", "a", "COUNT", "0"},
    {"lpos", "l", "a", "COUNT", "1", "MAXLEN", "4"},
    {"lpos", "l", "a", "RANK", "-9223372036854775808"},
    {"lpos", "l", "a", "RANK", "0"},
    {"lpos", "l", "nothing"},
    {"lpos", "l", "nothing", "COUNT", "3"},
    {"lpos", "nokey", "a"},
    {"lpos", "nokey", "a", "COUNT", "3"},
    {"lset", "l", "0", "first"},
    {"lset", "l", "-1", "last"},
    {"lset", "l", "8", "x"},
    {"lset", "nokey", "0", "x"},
    {"lrange", "l", "0", "-1"},
    {"linsert", "l", "before", "a", "NEW"},
    {"linsert", "l", "after", "a", "NEW2"},
    {"linsert", "l", "after", "zzz", "NEW2"},
    {"linsert", "nokey", "after", "a", "b"},
    {"linsert", "l", "middle", "a", "b"},
    {"lrange", "l", "0", "-1"},
    {"lrem", "l", "1", "a"},
    {"lrem", "l", "-1", "b"},
    {"lrem", "l", "0", "NEW"},
    {"lrange", "l", "0", "-1"},
    {"ltrim", "l", "1", "-2"},
    {"lrange", "l", "0", "-1"},
    {"ltrim", "l", "100", "200"},
    {"exists", "l"},
    {"rpush", "l2", "1", "2", "3", "4", "5"},
    {"lpop", "l2"},
    {"rpop", "l2"},
    {"lpop", "l2", "0"},
    {"lpop", "l2", "2"},
    {"rpop", "l2", "5"},
    {"exists", "l2"},
    {"lpop", "l2"},
    {"lpop", "l2", "3"},
    {"rpop", "nokey", "1"},
    {"rpush", "s1", "a", "b", "c"},
    {"rpush", "s2", "x"},
    {"lmove", "s1", "s2", "left", "right"},
    {"lrange", "s2", "0", "-1"},
    {"lmove", "s1", "s1", "left", "right"},
    {"lrange", "s1", "0", "-1"},
    {"lmove", "s1", "s1", "right", "left"},
    {"lrange", "s1", "0", "-1"},
    {"rpoplpush", "s1", "s2"},
    {"lrange", "s1", "0", "-1"},
    {"lrange", "s2", "0", "-1"},
    {"lmove", "nokey", "s2", "left", "left"},
    {"set", "str", "v"},
    {"lmove", "s1", "str", "left", "left"},
    {"lmove", "str", "s1", "left", "left"},
    {"lpush", "str", "x"},
    {"rpushx", "str", "x"},
    {"lpushx", "nokey", "x"},
    {"lpushx", "s2", "y"},
    {"lrange", "s2", "0", "-1"},
    {"llen", "str"},
    {"lrange", "str", "0", "1"},
    {"lindex", "str", "0"},
    {"lpop", "str"},
    {"lmpop", "2", "nokey", "s2", "right", "COUNT", "2"},
    {"lmpop", "2", "nokey", "str", "left"},
    {"lmpop", "2", "nokey", "s2", "left", "COUNT", "10"},
    {"lmpop", "1", "nokey", "left"},
    {"exists", "s2"},
    {"rpush", "t", "a", "b", "c", "d", "e", "f", "g"},
    {"ltrim", "t", "-3", "-1"},
    {"lrange", "t", "0", "-1"},
    {"ltrim", "t", "0", "0"},
    {"lrange", "t", "0", "-1"},
    {"ltrim", "t", "1", "0"},
    {"exists", "t"},
    {"rpush", "dup", "a", "a", "a", "a", "a"},
    {"lrem", "dup", "-2", "a"},
    {"lrange", "dup", "0", "-1"},
    {"lrem", "dup", "0", "a"},
    {"exists", "dup"},
    {"type", "s1"},
    {"rpush", "big", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"},
    {"linsert", "big", "before", "9", "x"},
    {"linsert", "big", "after", "2", "y"},
    {"lrange", "big", "0", "-1"},
    {"lrem", "big", "1", "5"},
    {"linsert", "big", "before", "6", "z"},
    {"linsert", "big", "after", "4", "w"},
    {"lrange", "big", "0", "-1"},
    {"lindex", "big", "-2"},
    {"lset", "big", "-3", "Q"},
    {"lrange", "big", "0", "-1"},
    {"lpos", "big", "8"},
    {"lpos", "big", "8", "RANK", "-1"},
    {"object", "encoding", "big"},
    {"expire", "big", "100"},
    {"rename", "big", "big2"},
    {"lrange", "big2", "0", "-1"},
    {"copy", "big2", "big3"},
    {"lrange", "big3", "0", "-1"},
    {"llen", "big3"},
    {"ttl", "big3"},
    // Arguments Redis refuses, and its texts.
    {"RPUSH", "e", "a", "b", "c"},
    {"LPOP", "e", "-1"},
    {"LPOP", "e", "x"},
    {"LPOP", "e", "1", "2"},
    {"LRANGE", "e", "0", "x"},
    {"LINDEX", "e", "1.5"},
    {"LSET", "e", "x", "v"},
    {"LREM", "e", "x", "a"},
    {"LTRIM", "e", "a", "1"},
    {"LPOS", "e", "a", "RANK"},
    {"LPOS", "e", "a", "FOO", "1"},
    {"LPOS", "e", "a", "RANK", "x"},
    {"LPOS", "e", "a", "COUNT", "-1"},
    {"LPOS", "e", "a", "MAXLEN", "-1"},
    {"LPOS", "e", "a", "RANK", "1", "RANK", "2"},
    {"LMOVE", "e", "f", "UP", "LEFT"},
    {"LMOVE", "e", "f", "LEFT", "DOWN"},
    {"LMPOP", "0", "e", "LEFT"},
    {"LMPOP", "-1", "e", "LEFT"},
    {"LMPOP", "x", "e", "LEFT"},
    {"LMPOP", "3", "e", "LEFT"},
    {"LMPOP", "2", "e", "LEFT"},
    {"LMPOP", "1", "e", "MIDDLE"},
    {"LMPOP", "1", "e", "LEFT", "COUNT"},
    {"LMPOP", "1", "e", "LEFT", "COUNT", "0"},
    {"LMPOP", "1", "e", "LEFT", "COUNT", "-2"},
    {"LMPOP", "1", "e", "LEFT", "COUNT", "1", "COUNT", "1"},
    {"LMPOP", "1", "e", "LEFT", "FOO"},
    {"LMPOP", "1", "e"},
    {"LPUSH", "e"},
    {"LINSERT", "e", "BEFORE", "a"},
    {"BLPOP", "e", "-1"},
    {"BLPOP", "e", "abc"},
    {"BLPOP", "e", "inf"},
    {"BRPOP", "e", "nan"},
    {"BLMOVE", "e", "f", "LEFT", "UP", "0"},
    {"BLMPOP", "0", "0", "e", "LEFT"},
    {"BLMPOP", "-1", "1", "e", "LEFT"},
    {"BLPOP", "e", "0"},
    {"BRPOP", "nokey", "e", "0"},
    {"BRPOPLPUSH", "e", "f", "0"},
    {"BLMOVE", "f", "e", "RIGHT", "RIGHT", "0"},
    {"BLMPOP", "0", "2", "nokey", "e", "RIGHT", "COUNT", "5"},
    {"EXISTS", "e", "f"},
    // Binary elements, and an empty one.
    {"RPUSH", "bin", "a\0b"s, "", "\xff"},
    {"LRANGE", "bin", "0", "-1"},
    {"LPOS", "bin", ""},
    {"LREM", "bin", "0", "a\0b"s},
    {"LINDEX", "bin", "0"},
};

// List commands on keys of other types, and the other types' commands on a list.
const std::vector<command> list_wrong_type_sequence = {
    {"FLUSHALL"},
    {"SET", "str", "v"},
    {"HSET", "hash", "f", "v"},
    {"SADD", "set", "m"},
    {"RPUSH", "list", "a", "b"},
    {"LPUSH", "str", "x"},
    {"RPUSH", "hash", "x"},
    {"LPUSHX", "set", "x"},
    {"RPUSHX", "str", "x"},
    {"LPOP", "hash"},
    {"RPOP", "set", "2"},
    {"LLEN", "str"},
    {"LRANGE", "hash", "0", "-1"},
    {"LINDEX", "set", "0"},
    {"LSET", "str", "0", "x"},
    {"LINSERT", "hash", "BEFORE", "a", "b"},
    {"LREM", "set", "0", "m"},
    {"LTRIM", "str", "0", "1"},
    {"LPOS", "hash", "f"},
    {"LMOVE", "str", "list", "LEFT", "LEFT"},
    {"LMOVE", "list", "str", "LEFT", "LEFT"},
    {"LMOVE", "nokey", "str", "LEFT", "LEFT"},
    {"RPOPLPUSH", "list", "set"},
    {"LMPOP", "3", "nokey", "hash", "list", "LEFT"},
    {"LMPOP", "2", "list", "hash", "LEFT"},
    {"BLPOP", "nokey", "str", "0"},
    {"GET", "list"},
    {"HGET", "list", "f"},
    {"SADD", "list", "m"},
    {"SCARD", "list"},
    {"APPEND", "list", "x"},
    {"INCR", "list"},
    {"TYPE", "list"},
    {"OBJECT", "ENCODING", "list"},
    {"SCAN", "0", "TYPE", "list", "COUNT", "100"},
    {"SET", "list", "now a string"},
    {"LLEN", "list"},
    {"GET", "list"},
    {"RPUSH", "l2", "x"},
    {"EXPIRE", "l2", "100"},
    {"TTL", "l2"},
    {"RENAME", "l2", "l3"},
    {"LRANGE", "l3", "0", "-1"},
    {"TTL", "l3"},
    {"DEL", "l3"},
    {"LLEN", "l3"},
    {"DBSIZE"},
};

}  // namespace

TEST_CASE("lists give Redis's replies, errors and edge cases") {
  beside_redis pair;
  const std::string diffs = compare_each(pair.ours, pair.theirs, list_sequence);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("list commands answer WRONGTYPE on other types and the others on lists, as Redis") {
  beside_redis pair;
  const std::string diffs = compare_each(pair.ours, pair.theirs, list_wrong_type_sequence);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("list replies in RESP3 are Redis's (null arrays, empty arrays, LMPOP's pair)") {
  beside_redis pair;
  const std::vector<command> resp3 = {
      {"HELLO", "3"},
      {"FLUSHALL"},
      {"LPOP", "nokey"},
      {"LPOP", "nokey", "2"},
      {"RPUSH", "l", "a", "b"},
      {"LPOP", "l", "0"},
      {"LPOS", "nokey", "a"},
      {"LPOS", "nokey", "a", "COUNT", "0"},
      {"LPOS", "l", "b", "COUNT", "0"},
      {"LMPOP", "1", "nokey", "LEFT"},
      {"LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "5"},
      {"BLPOP", "nokey", "0.01"},
      {"LINDEX", "l", "5"},
  };
  const std::string diffs = compare_each(pair.ours, pair.theirs, resp3);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("seeded random list commands, pipelined, among other types, give Redis's replies") {
  beside_redis pair;
  const std::vector<std::string> keys{"k0", "k1", "k2", "k3"};
  const std::vector<std::string> elements{"a", "b", "c", "", "1", "x\0y"s};
  const std::vector<std::string> indexes{"0", "1", "-1", "2", "-3", "5", "-100", "100", "x"};
  const std::vector<std::string> ends{"LEFT", "RIGHT"};
  const random_run run =
      compare_random(pair.ours, pair.theirs, 150, [&](std::mt19937& rng) -> command {
        auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
        const std::string k = pick(keys), e = pick(elements), e2 = pick(elements);
        switch (rng() % 24) {
          case 0:
            return {"LPUSH", k, e, e2};
          case 1:
            return {"RPUSH", k, e, e2, pick(elements)};
          case 2:
            return {"LPOP", k};
          case 3:
            return {"RPOP", k, pick(indexes)};
          case 4:
            return {"LRANGE", k, pick(indexes), pick(indexes)};
          case 5:
            return {"LINDEX", k, pick(indexes)};
          case 6:
            return {"LSET", k, pick(indexes), e};
          case 7:
            return {"LINSERT", k, rng() % 2 ? "BEFORE" : "AFTER", e, e2};
          case 8:
            return {"LREM", k, pick(indexes), e};
          case 9:
            return {"LTRIM", k, pick(indexes), pick(indexes)};
          case 10:
            return {"LPOS", k, e, "RANK", pick(indexes), "COUNT", "0"};
          case 11:
            return {"LMOVE", k, pick(keys), pick(ends), pick(ends)};
          case 12:
            return {"RPOPLPUSH", k, pick(keys)};
          case 13:
            return {"LMPOP", "2", k, pick(keys), pick(ends), "COUNT", "2"};
          case 14:
            return {"LLEN", k};
          case 15:
            return {"LPUSHX", k, e};
          case 16:
            return {"RPUSHX", k, e};
          case 17:
            return {"SADD", k, e};
          case 18:
            return {"SET", k, e};
          case 19:
            return {"TYPE", k};
          case 20:
            return {"DEL", k};
          case 21:
            return {"LPOS", k, e};
          case 22:
            return {"BLMPOP", "0.01", "2", k, pick(keys), pick(ends)};
          default:
            return {"LRANGE", k, "0", "-1"};
        }
      });
  CAPTURE(run.seed);  // replay with FPC_DIFF_SEED=<seed>
  CHECK(run.diff.empty());
  if (!run.diff.empty()) WARN(run.diff);
  WARN(run.commands << " random list commands compared");
}
