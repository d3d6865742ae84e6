// Differential tests of the typed keyspace: hashes, sets and WRONGTYPE against a real
// redis-server, reply by reply (unordered replies compared as multisets).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "tests/integration/differential.hpp"

using namespace fpc::test;
using namespace std::string_literals;

namespace {

const std::vector<command> hash_sequence = {
    {"FLUSHALL"},
    {"HSET", "h", "f1", "v1", "f2", "v2"},
    {"HSET", "h", "f1", "v1b", "f3", "v3", "f3", "v3b"},
    {"HGET", "h", "f1"},
    {"HGET", "h", "f3"},
    {"HGET", "h", "nofield"},
    {"HGET", "nokey", "f"},
    {"HMGET", "h", "f1", "nofield", "f2"},
    {"HMGET", "nokey", "a", "b"},
    {"HGETALL", "h"},
    {"HGETALL", "nokey"},
    {"HKEYS", "h"},
    {"HVALS", "h"},
    {"HLEN", "h"},
    {"HLEN", "nokey"},
    {"HEXISTS", "h", "f1"},
    {"HEXISTS", "h", "zz"},
    {"HSTRLEN", "h", "f1"},
    {"HSTRLEN", "h", "zz"},
    {"HSETNX", "h", "f1", "x"},
    {"HSETNX", "h", "f9", "x"},
    {"HMSET", "h", "a", "1", "b", "2"},
    {"HMSET", "h", "a"},
    {"HSET", "h", "a"},
    {"HSET", "h"},
    {"HSET", "h", "a", "1", "b"},
    {"HINCRBY", "h", "a", "10"},
    {"HINCRBY", "h", "a", "-3"},
    {"HINCRBY", "h", "f1", "1"},
    {"HINCRBY", "h", "a", "x"},
    {"HINCRBY", "h", "a", "9223372036854775807"},
    {"HINCRBY", "h", "new", "5"},
    {"HINCRBYFLOAT", "h", "a", "0.5"},
    {"HINCRBYFLOAT", "h", "fl", "1.1"},
    {"HINCRBYFLOAT", "h", "fl", "2.2"},
    {"HINCRBYFLOAT", "h", "fl", "-3.3"},
    {"HINCRBYFLOAT", "h", "fl", "1e3"},
    {"HINCRBYFLOAT", "h", "f1", "1"},
    {"HINCRBYFLOAT", "h", "fl", "abc"},
    {"HINCRBYFLOAT", "h", "fl", "inf"},
    {"HINCRBYFLOAT", "nokey2", "x", "2.5"},
    {"HGET", "nokey2", "x"},
    {"DEL", "nokey2"},
    {"HDEL", "h", "f1", "f1", "zz"},
    {"HDEL", "nokey", "f"},
    {"HLEN", "h"},
    {"HDEL", "h", "f2", "f3", "f9", "a", "b", "new", "fl"},
    {"EXISTS", "h"},
    {"HRANDFIELD", "nokey"},
    {"HRANDFIELD", "nokey", "3"},
    {"HRANDFIELD", "nokey", "3", "WITHVALUES"},
    {"HSET", "one", "f", "v"},
    {"HRANDFIELD", "one"},
    {"HRANDFIELD", "one", "5"},
    {"HRANDFIELD", "one", "-3"},
    {"HRANDFIELD", "one", "-2", "WITHVALUES"},
    {"HRANDFIELD", "one", "0"},
    {"HRANDFIELD", "one", "x"},
    {"HRANDFIELD", "one", "1", "FOO"},
    {"HRANDFIELD", "one", "1", "WITHVALUES", "x"},
    {"HRANDFIELD", "one", "-9223372036854775808"},
    {"HRANDFIELD", "one", "-9223372036854775807", "WITHVALUES"},
    {"HSET", "two", "a", "1", "b", "2", "c", "3"},
    {"HRANDFIELD", "two", "10"},
    {"HRANDFIELD", "two", "3", "WITHVALUES"},
    {"HSCAN", "two", "0"},
    {"HSCAN", "two", "0", "MATCH", "a*"},
    {"HSCAN", "two", "0", "MATCH", "[bc]", "COUNT", "1"},
    {"HSCAN", "two", "0", "COUNT", "0"},
    {"HSCAN", "two", "x"},
    {"HSCAN", "two", "0", "FOO", "1"},
    {"HSCAN", "nokey", "0"},
    {"TYPE", "two"},
    {"EXPIRE", "two", "100"},
    {"TTL", "two"},
    {"PERSIST", "two"},
    {"TTL", "two"},
    {"RENAME", "two", "three"},
    {"HGETALL", "three"},
    {"COPY", "three", "four"},
    {"HGETALL", "four"},
    {"HSET", "four", "d", "4"},
    {"HLEN", "three"},
    {"DEL", "three", "four"},
    {"EXISTS", "three", "four"},
    {"HSET", "bin", "x\0y"s, "a\0b"s},
    {"HGET", "bin", "x\0y"s},
    {"HSTRLEN", "bin", "x\0y"s},
};

const std::vector<command> set_sequence = {
    {"FLUSHALL"},
    {"SADD", "s", "a", "b", "c", "a"},
    {"SADD", "s", "d"},
    {"SADD", "s"},
    {"SCARD", "s"},
    {"SCARD", "nokey"},
    {"SISMEMBER", "s", "a"},
    {"SISMEMBER", "s", "z"},
    {"SISMEMBER", "nokey", "z"},
    {"SMISMEMBER", "s", "a", "z", "b"},
    {"SMISMEMBER", "nokey", "a"},
    {"SMEMBERS", "s"},
    {"SMEMBERS", "nokey"},
    {"SREM", "s", "a", "z"},
    {"SREM", "nokey", "a"},
    {"SADD", "t", "c", "d", "e"},
    {"SINTER", "s", "t"},
    {"SINTER", "s", "nokey"},
    {"SINTER", "s", "s"},
    {"SUNION", "s", "t", "nokey"},
    {"SDIFF", "s", "t"},
    {"SDIFF", "s", "s"},
    {"SDIFF", "nokey", "s"},
    {"SDIFF", "t", "nokey"},
    {"SINTERCARD", "2", "s", "t"},
    {"SINTERCARD", "2", "s", "t", "LIMIT", "1"},
    {"SINTERCARD", "2", "s", "t", "LIMIT", "0"},
    {"SINTERCARD", "0", "s"},
    {"SINTERCARD", "x", "s"},
    {"SINTERCARD", "3", "s", "t"},
    {"SINTERCARD", "2", "s", "t", "LIMIT", "-1"},
    {"SINTERCARD", "2", "s", "t", "LIMIT"},
    {"SINTERCARD", "1", "s", "t"},
    {"SINTERSTORE", "dst", "s", "t"},
    {"SMEMBERS", "dst"},
    {"SUNIONSTORE", "dst", "s", "t"},
    {"SCARD", "dst"},
    {"SDIFFSTORE", "dst", "s", "s"},
    {"EXISTS", "dst"},
    {"SUNIONSTORE", "s", "s", "t"},
    {"SMEMBERS", "s"},
    {"SET", "str", "v"},
    {"SINTERSTORE", "str", "s", "t"},
    {"TYPE", "str"},
    {"SMOVE", "s", "t", "b"},
    {"SMOVE", "s", "t", "zz"},
    {"SMOVE", "nokey", "t", "b"},
    {"SMOVE", "s", "s", "c"},
    {"SMOVE", "s", "s", "zz"},
    {"SMOVE", "s", "fresh", "c"},
    {"SMEMBERS", "fresh"},
    {"SPOP", "nokey"},
    {"SPOP", "nokey", "3"},
    {"SPOP", "s", "-1"},
    {"SPOP", "s", "0"},
    {"SPOP", "s", "x"},
    {"SPOP", "s", "1", "2"},
    {"SRANDMEMBER", "nokey"},
    {"SRANDMEMBER", "nokey", "5"},
    {"SRANDMEMBER", "nokey", "-5"},
    {"SRANDMEMBER", "s", "0"},
    {"SRANDMEMBER", "s", "x"},
    {"SRANDMEMBER", "s", "1", "2"},
    {"SRANDMEMBER", "s", "-9223372036854775808"},
    {"SADD", "one", "only"},
    {"SRANDMEMBER", "one"},
    {"SRANDMEMBER", "one", "-3"},
    {"SRANDMEMBER", "one", "3"},
    {"SPOP", "one"},
    {"EXISTS", "one"},
    {"SADD", "two", "x", "y"},
    {"SPOP", "two", "5"},
    {"EXISTS", "two"},
    {"SADD", "one", "only", "o2", "p"},
    {"SSCAN", "one", "0"},
    {"SSCAN", "nokey", "0"},
    {"SSCAN", "one", "x"},
    {"SSCAN", "one", "0", "COUNT", "0"},
    {"SSCAN", "one", "0", "MATCH", "o*"},
    {"SSCAN", "one", "0", "MATCH", "z*"},
    {"SSCAN", "one", "0", "MATCH"},
    {"TYPE", "one"},
    {"SADD", "bin", "a\0b"s, ""},
    {"SISMEMBER", "bin", "a\0b"s},
    {"SISMEMBER", "bin", ""},
    {"SCARD", "bin"},
};

// Every command of one type against keys of the others.
const std::vector<command> wrong_type_sequence = {
    {"FLUSHALL"},
    {"SET", "str", "v"},
    {"HSET", "hash", "f", "v"},
    {"SADD", "set", "m"},
    {"HSET", "str", "f", "v"},
    {"HGET", "str", "f"},
    {"HMGET", "set", "f"},
    {"HGETALL", "set"},
    {"HLEN", "str"},
    {"HDEL", "set", "f"},
    {"HINCRBY", "str", "f", "1"},
    {"HINCRBYFLOAT", "set", "f", "1"},
    {"HSCAN", "str", "0"},
    {"HRANDFIELD", "set"},
    {"HSETNX", "set", "f", "v"},
    {"HEXISTS", "str", "f"},
    {"HSTRLEN", "set", "f"},
    {"SADD", "hash", "m"},
    {"SREM", "str", "m"},
    {"SMEMBERS", "hash"},
    {"SISMEMBER", "str", "m"},
    {"SMISMEMBER", "hash", "m"},
    {"SCARD", "str"},
    {"SPOP", "hash"},
    {"SRANDMEMBER", "str", "2"},
    {"SMOVE", "hash", "set", "m"},
    {"SMOVE", "set", "hash", "m"},
    {"SMOVE", "nokey", "hash", "m"},
    {"SINTER", "set", "hash"},
    {"SINTER", "nokey", "str"},
    {"SUNION", "set", "str"},
    {"SDIFF", "set", "hash"},
    {"SINTERCARD", "2", "set", "str"},
    {"SINTERSTORE", "dst", "set", "str"},
    {"SSCAN", "hash", "0"},
    {"GET", "hash"},
    {"GET", "set"},
    {"APPEND", "hash", "x"},
    {"STRLEN", "set"},
    {"INCR", "hash"},
    {"INCRBYFLOAT", "set", "1"},
    {"GETRANGE", "hash", "0", "1"},
    {"SETRANGE", "set", "0", "x"},
    {"GETSET", "hash", "v"},
    {"GETDEL", "set"},
    {"GETEX", "hash"},
    {"MGET", "str", "hash", "set"},
    {"TYPE", "str"},
    {"TYPE", "hash"},
    {"TYPE", "set"},
    {"TYPE", "nokey"},
    {"EXISTS", "str", "hash", "set"},
    {"DBSIZE"},
    {"SET", "hash", "now a string"},
    {"GET", "hash"},
    {"HGET", "hash", "f"},
    {"SET", "set", "x", "GET"},
    {"DEL", "str", "hash", "set"},
    {"DBSIZE"},
    // OBJECT ENCODING by Redis 7.0's rules, and SCAN's TYPE filter.
    {"SET", "i", "12345"},
    {"SET", "e", "hello"},
    {"SET", "z", "0123"},
    {"SET", "r", std::string(45, 'x')},
    {"HSET", "h", "f", "v"},
    {"HSET", "wide", "f", std::string(65, 'v')},
    {"SADD", "si", "1", "2", "-3"},
    {"SADD", "ss", "a", "1"},
    {"OBJECT", "ENCODING", "i"},
    {"OBJECT", "ENCODING", "e"},
    {"OBJECT", "ENCODING", "z"},
    {"OBJECT", "ENCODING", "r"},
    {"OBJECT", "ENCODING", "h"},
    {"OBJECT", "ENCODING", "wide"},
    {"OBJECT", "ENCODING", "si"},
    {"OBJECT", "ENCODING", "ss"},
    {"OBJECT", "ENCODING", "nokey"},
    {"OBJECT", "REFCOUNT", "h"},
    {"OBJECT", "FOO", "h"},
    {"OBJECT", "ENCODING"},
    {"OBJECT", "HELP"},
    {"SCAN", "0", "TYPE", "hash", "COUNT", "100"},
    {"SCAN", "0", "TYPE", "set", "COUNT", "100"},
    {"SCAN", "0", "TYPE", "string", "COUNT", "100"},
    {"SCAN", "0", "TYPE", "list", "COUNT", "100"},
    {"SCAN", "0", "TYPE", "nosuchtype", "COUNT", "100"},
};

}  // namespace

TEST_CASE("hashes give Redis's replies, errors and edge cases") {
  beside_redis pair;
  const std::string diffs = compare_each(pair.ours, pair.theirs, hash_sequence);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("sets give Redis's replies, errors and edge cases") {
  beside_redis pair;
  const std::string diffs = compare_each(pair.ours, pair.theirs, set_sequence);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("every command of one type answers WRONGTYPE on the others, as Redis") {
  beside_redis pair;
  const std::string diffs = compare_each(pair.ours, pair.theirs, wrong_type_sequence);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("seeded random hash, set and string commands, pipelined, give Redis's replies") {
  beside_redis pair;
  const char* fixed = std::getenv("FPC_DIFF_SEED");
  const unsigned seed =
      fixed ? static_cast<unsigned>(std::strtoul(fixed, nullptr, 10)) : std::random_device{}();
  CAPTURE(seed);  // replay with FPC_DIFF_SEED=<seed>
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  const std::vector<std::string> keys{"k0", "k1", "k2", "k3"};
  const std::vector<std::string> members{"a", "b", "c", "d", "", "1", "10", "x\0y"s};
  const std::vector<std::string> numbers{"0", "1", "-1", "7", "x", "1.5", "9223372036854775807"};
  std::string diff;
  int commands = 0;
  for (int round = 0; round < 120 && diff.empty(); ++round) {
    std::vector<command> batch;
    const int n = 1 + static_cast<int>(rng() % 25);
    for (int i = 0; i < n; ++i) {
      const std::string k = pick(keys), m = pick(members), m2 = pick(members);
      switch (rng() % 22) {
        case 0: batch.push_back({"HSET", k, m, pick(numbers), m2, pick(numbers)}); break;
        case 1: batch.push_back({"HGET", k, m}); break;
        case 2: batch.push_back({"HDEL", k, m, m2}); break;
        case 3: batch.push_back({"HINCRBY", k, m, pick(numbers)}); break;
        case 4: batch.push_back({"HGETALL", k}); break;
        case 5: batch.push_back({"HLEN", k}); break;
        case 6: batch.push_back({"HMGET", k, m, m2}); break;
        case 7: batch.push_back({"SADD", k, m, m2}); break;
        case 8: batch.push_back({"SREM", k, m}); break;
        case 9: batch.push_back({"SMEMBERS", k}); break;
        case 10: batch.push_back({"SISMEMBER", k, m}); break;
        case 11: batch.push_back({"SCARD", k}); break;
        case 12: batch.push_back({"SINTER", k, pick(keys)}); break;
        case 13: batch.push_back({"SUNIONSTORE", pick(keys), k, pick(keys)}); break;
        case 14: batch.push_back({"SDIFF", k, pick(keys), pick(keys)}); break;
        case 15: batch.push_back({"SMOVE", k, pick(keys), m}); break;
        case 16: batch.push_back({"SET", k, m}); break;
        case 17: batch.push_back({"TYPE", k}); break;
        case 18: batch.push_back({"DEL", k}); break;
        case 19: batch.push_back({"EXISTS", k, pick(keys)}); break;
        case 20: batch.push_back({"HSETNX", k, m, m2}); break;
        default: batch.push_back({"SINTERCARD", "2", k, pick(keys)}); break;
      }
    }
    commands += n;
    diff = compare(pair.ours, pair.theirs, batch);
  }
  CHECK(diff.empty());
  if (!diff.empty()) WARN(diff);
  WARN(commands << " random typed commands compared");
}
