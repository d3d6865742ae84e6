// Differential tests of sorted sets against a real redis-server, reply by reply: ZADD's options,
// score parsing and formatting, rank, score and lexicographic ranges (REV, LIMIT, WITHSCORES),
// removals, pops, WRONGTYPE, RESP3, and a seeded random sequence among the other types.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "tests/integration/differential.hpp"

using namespace fpc::test;
using namespace std::string_literals;

namespace {

const std::vector<command> zset_sequence = {
    {"FLUSHALL"},
    {"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"},
    {"zadd", "z", "1.5", "a", "2", "bb"},
    {"zadd", "z", "NX", "10", "a", "11", "f"},
    {"zadd", "z", "XX", "20", "a", "21", "g"},
    {"zadd", "z", "XX", "CH", "20", "a", "22", "b"},
    {"zadd", "z", "GT", "CH", "1", "a", "30", "c"},
    {"zadd", "z", "LT", "CH", "1", "a", "30", "d"},
    {"zadd", "z", "INCR", "5", "a"},
    {"zadd", "z", "INCR", "NX", "5", "a"},
    {"zadd", "z", "INCR", "GT", "-100", "a"},
    {"zadd", "z", "NX", "XX", "1", "a"},
    {"zadd", "z", "GT", "LT", "1", "a"},
    {"zadd", "z", "GT", "NX", "1", "a"},
    {"zadd", "z", "INCR", "1", "a", "2", "b"},
    {"zadd", "z", "1"},
    {"zadd", "z", "x", "a"},
    {"zadd", "z", "nan", "a"},
    {"zadd", "z", "inf", "inf1", "-inf", "ninf", "+inf", "pinf"},
    {"zadd", "nokey", "XX", "1", "a"},
    {"exists", "nokey"},
    {"zincrby", "z", "2.5", "e"},
    {"zincrby", "z", "x", "e"},
    {"zincrby", "z", "1", "new"},
    {"zincrby", "z", "inf", "inf1"},
    {"zincrby", "z", "-inf", "inf1"},
    {"zscore", "z", "inf1"},
    {"zrange", "z", "0", "-1", "WITHSCORES"},
    {"zcard", "z"},
    {"zcard", "nokey"},
    {"zscore", "z", "a"},
    {"zscore", "z", "nope"},
    {"zscore", "nokey", "a"},
    {"zmscore", "z", "a", "nope", "e"},
    {"zmscore", "nokey", "a", "b"},
    {"zrank", "z", "a"},
    {"zrank", "z", "e"},
    {"zrevrank", "z", "e"},
    {"zrank", "z", "nope"},
    {"zrange", "z", "0", "2"},
    {"zrange", "z", "-2", "-1", "WITHSCORES"},
    {"zrange", "z", "5", "1"},
    {"zrange", "z", "0", "-1", "REV"},
    {"zrange", "z", "0", "-1", "REV", "WITHSCORES"},
    {"zrange", "z", "2", "30", "BYSCORE"},
    {"zrange", "z", "(2", "30", "BYSCORE", "WITHSCORES"},
    {"zrange", "z", "30", "(2", "BYSCORE", "REV"},
    {"zrange", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"},
    {"zrange", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"},
    {"zrange", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"},
    {"zrange", "z", "0", "-1", "LIMIT", "1", "2"},
    {"zrange", "z", "[a", "[c", "BYLEX", "WITHSCORES"},
    {"zrange", "z", "0", "-1", "FOO"},
    {"zrangebyscore", "z", "-inf", "+inf"},
    {"zrangebyscore", "z", "(1", "(30", "WITHSCORES", "LIMIT", "0", "3"},
    {"zrangebyscore", "z", "1", "x"},
    {"zrangebyscore", "z", "1"},
    {"zrevrangebyscore", "z", "+inf", "-inf", "WITHSCORES"},
    {"zrevrangebyscore", "z", "20", "2", "LIMIT", "1", "1"},
    {"zrevrange", "z", "0", "1", "WITHSCORES"},
    {"zrevrange", "z", "0", "1", "LIMIT", "0", "1"},
    {"zcount", "z", "-inf", "+inf"},
    {"zcount", "z", "(2", "20"},
    {"zcount", "z", "x", "1"},
    {"zcount", "nokey", "0", "1"},
    {"del", "lz"},
    {"zadd", "lz", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f"},
    {"zrangebylex", "lz", "-", "+"},
    {"zrangebylex", "lz", "[b", "(e"},
    {"zrangebylex", "lz", "(b", "[e", "LIMIT", "1", "2"},
    {"zrevrangebylex", "lz", "+", "-"},
    {"zrevrangebylex", "lz", "[e", "(b"},
    {"zrangebylex", "lz", "b", "c"},
    {"zrangebylex", "lz", "+", "-"},
    {"zrangebylex", "lz", "-", "-"},
    {"zlexcount", "lz", "-", "+"},
    {"zlexcount", "lz", "[c", "+"},
    {"zlexcount", "lz", "x", "y"},
    {"zremrangebylex", "lz", "[a", "[b"},
    {"zrange", "lz", "0", "-1"},
    {"zremrangebyrank", "lz", "0", "0"},
    {"zremrangebyrank", "lz", "-1", "-1"},
    {"zrange", "lz", "0", "-1"},
    {"zremrangebyscore", "z", "-inf", "(3"},
    {"zrange", "z", "0", "-1", "WITHSCORES"},
    {"zremrangebyscore", "z", "x", "1"},
    {"zrem", "z", "c", "d", "nope"},
    {"zrem", "nokey", "a"},
    {"zpopmin", "z"},
    {"zpopmax", "z"},
    {"zpopmin", "z", "2"},
    {"zpopmax", "z", "0"},
    {"zpopmin", "z", "-1"},
    {"zpopmin", "nokey"},
    {"zpopmin", "nokey", "3"},
    {"zpopmax", "z", "100"},
    {"exists", "z"},
    {"set", "str", "v"},
    {"zadd", "str", "1", "a"},
    {"zrange", "str", "0", "-1"},
    {"zscore", "str", "a"},
    {"zpopmin", "str"},
    {"zcard", "str"},
    {"zrank", "str", "a"},
    {"zcount", "str", "0", "1"},
    {"zrem", "str", "a"},
    {"type", "lz"},
    {"object", "encoding", "lz"},
    {"bzpopmin", "nokey", "str", "0"},
    {"bzpopmin", "lz", "0"},
    {"bzpopmax", "nokey", "0.01"},
    {"zadd", "big", "3.0000000000000004", "x", "0.1", "y", "1e300", "z"},
    {"zrange", "big", "0", "-1", "WITHSCORES"},
    {"zscore", "big", "y"},
    // Bounds Redis refuses or treats specially.
    {"ZADD", "b", "1", "a", "2", "b", "3", "c"},
    {"ZRANGEBYSCORE", "b", "(1", "+inf"},
    {"ZRANGEBYSCORE", "b", "((1", "+inf"},
    {"ZRANGEBYSCORE", "b", "-inf", "(inf"},
    {"ZRANGEBYSCORE", "b", "nan", "1"},
    {"ZRANGEBYSCORE", "b", "1e0", "0x10"},
    {"ZRANGEBYSCORE", "b", " 1", "3"},
    {"ZRANGEBYLEX", "b", "a", "[c"},
    {"ZRANGEBYLEX", "b", "[", "+"},
    {"ZRANGEBYLEX", "b", "(", "+"},
    {"ZRANGE", "b", "0", "-1", "REV", "REV"},
    {"ZRANGE", "b", "0", "-1", "BYSCORE", "BYLEX"},
    {"ZRANGE", "b", "0", "-1", "LIMIT", "0", "-1"},
    {"ZRANGE", "b", "0", "-1", "LIMIT", "0"},
    {"ZRANGE", "b", "(1", "3", "BYSCORE", "LIMIT", "x", "1"},
    {"ZRANGEBYLEX", "b", "-", "+", "WITHSCORES"},
    {"ZREVRANGE", "b", "0", "-1", "LIMIT", "0", "1"},
    {"ZREVRANGE", "b", "0", "-1", "BYSCORE"},
    {"ZCOUNT", "b", "1", "3", "extra"},
    {"ZADD", "b", "1e400", "huge"},
    {"ZADD", "b", "-0", "negzero"},
    {"ZSCORE", "b", "negzero"},
    {"ZADD", "b", "0x10", "hex"},
    {"ZADD", "b", "1.", "dot"},
    {"ZADD", "b", ".5", "half"},
    {"ZRANGE", "b", "0", "-1", "WITHSCORES"},
    {"ZADD", "b", "\x00", "nul"},
    {"ZADD", "bin", "1", "a\0b"s, "1", ""},
    {"ZRANGE", "bin", "0", "-1"},
    {"ZSCORE", "bin", "a\0b"s},
    {"BZPOPMIN", "b", "-1"},
    {"BZPOPMAX", "b", "x"},
    {"BZPOPMAX", "nokey", "b", "0"},
    {"BZPOPMIN", "b", "0"},
    // ZMPOP, set algebra, ZRANGESTORE, ZRANDMEMBER, ZSCAN.
    {"FLUSHALL"},
    {"ZADD", "z1", "1", "a", "2", "b", "3", "c"},
    {"ZADD", "z2", "5", "b", "6", "d", "-1", "a"},
    {"SADD", "s", "a", "x"},
    {"SET", "str", "v"},
    {"ZMPOP", "2", "nokey", "z1", "MIN", "COUNT", "2"},
    {"ZMPOP", "1", "z1", "MAX"},
    {"ZMPOP", "1", "z1", "MAX"},
    {"ZMPOP", "0", "z1", "MAX"},
    {"ZMPOP", "1", "z1", "UP"},
    {"ZMPOP", "1", "z1", "MIN", "COUNT", "0"},
    {"ZMPOP", "2", "z1", "MIN"},
    {"ZMPOP", "1", "str", "MIN"},
    {"ZADD", "z1", "1", "a", "2", "b", "3", "c"},
    {"ZUNION", "2", "z1", "z2", "WITHSCORES"},
    {"ZUNION", "3", "z1", "z2", "s", "WEIGHTS", "1", "2", "3", "AGGREGATE", "MAX", "WITHSCORES"},
    {"ZUNION", "2", "z1", "z2", "AGGREGATE", "MIN"},
    {"ZINTER", "2", "z1", "z2", "WITHSCORES"},
    {"ZINTER", "2", "z1", "s", "WEIGHTS", "2", "-1", "WITHSCORES"},
    {"ZINTER", "2", "z1", "nokey"},
    {"ZDIFF", "2", "z1", "z2", "WITHSCORES"},
    {"ZDIFF", "1", "z1"},
    {"ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1"},
    {"ZUNION", "0", "z1"},
    {"ZUNION", "3", "z1"},
    {"ZUNION", "x", "z1"},
    {"ZUNION", "2", "z1", "z2", "WEIGHTS", "1"},
    {"ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "x"},
    {"ZUNION", "2", "z1", "z2", "AGGREGATE", "AVG"},
    {"ZUNION", "2", "z1", "str"},
    {"ZUNIONSTORE", "dst", "2", "z1", "z2"},
    {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
    {"ZINTERSTORE", "dst", "2", "z1", "z2", "WEIGHTS", "2", "3"},
    {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
    {"ZDIFFSTORE", "dst", "2", "z1", "z2"},
    {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
    {"ZINTERSTORE", "dst", "2", "z1", "nokey"},
    {"EXISTS", "dst"},
    {"ZUNIONSTORE", "str", "1", "z1"},
    {"TYPE", "str"},
    {"ZUNIONSTORE", "z1", "2", "z1", "z2"},
    {"ZRANGE", "z1", "0", "-1", "WITHSCORES"},
    {"ZUNIONSTORE", "dst", "1", "z1", "WITHSCORES"},
    {"ZINTERCARD", "2", "z1", "z2"},
    {"ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"},
    {"ZINTERCARD", "2", "z1", "z2", "LIMIT", "-1"},
    {"ZINTERCARD", "0", "z1"},
    {"ZINTERCARD", "3", "z1", "z2"},
    {"ZINTERCARD", "1", "str"},
    {"ZRANGESTORE", "dst", "z1", "0", "1"},
    {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
    {"ZRANGESTORE", "dst", "z1", "(1", "+inf", "BYSCORE", "REV", "LIMIT", "0", "2"},
    {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
    {"ZRANGESTORE", "dst", "nokey", "0", "-1"},
    {"EXISTS", "dst"},
    {"ZRANGESTORE", "dst", "str", "0", "-1"},
    {"ZRANGESTORE", "dst", "z1", "0", "-1", "WITHSCORES"},
    {"ZADD", "one", "7", "only"},
    {"ZRANDMEMBER", "one"},
    {"ZRANDMEMBER", "one", "3"},
    {"ZRANDMEMBER", "one", "-2", "WITHSCORES"},
    {"ZRANDMEMBER", "one", "0"},
    {"ZRANDMEMBER", "nokey"},
    {"ZRANDMEMBER", "nokey", "2"},
    {"ZRANDMEMBER", "one", "x"},
    {"ZRANDMEMBER", "one", "1", "FOO"},
    {"ZRANDMEMBER", "s"},
    {"ZSCAN", "one", "0"},
    {"ZSCAN", "z2", "0", "MATCH", "b*"},
    {"ZSCAN", "nokey", "0"},
    {"ZSCAN", "s", "0"},
    {"BZMPOP", "0", "1", "one", "MAX"},
    {"BZMPOP", "0.01", "1", "one", "MAX"},
    {"BZMPOP", "-1", "1", "one", "MAX"},
    {"BZMPOP", "0", "1", "z2", "MIN", "COUNT", "5"},
};

}  // namespace

TEST_CASE("sorted sets give Redis's replies, errors and edge cases") {
  beside_redis pair;
  const std::string diffs = compare_each(pair.ours, pair.theirs, zset_sequence);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("sorted set replies in RESP3 are Redis's (doubles, pairs, null)") {
  beside_redis pair;
  const std::vector<command> resp3 = {
      {"HELLO", "3"},
      {"FLUSHALL"},
      {"ZADD", "z", "1", "a", "2.5", "b", "inf", "c"},
      {"ZSCORE", "z", "b"},
      {"ZSCORE", "z", "c"},
      {"ZSCORE", "z", "nope"},
      {"ZMSCORE", "z", "a", "nope"},
      {"ZINCRBY", "z", "0.5", "a"},
      {"ZADD", "z", "INCR", "1", "a"},
      {"ZADD", "z", "INCR", "NX", "1", "a"},
      {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
      {"ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"},
      {"ZREVRANGE", "z", "0", "-1", "WITHSCORES"},
      {"ZRANGE", "z", "0", "-1"},
      {"ZPOPMIN", "z"},
      {"ZPOPMIN", "z", "1"},
      {"ZPOPMAX", "nokey"},
      {"ZPOPMAX", "nokey", "2"},
      {"BZPOPMAX", "z", "0"},
      {"BZPOPMIN", "nokey", "0.01"},
      {"ZRANK", "nokey", "a"},
      {"ZADD", "z", "1", "a", "2", "b"},
      {"ZMPOP", "1", "z", "MIN"},
      {"ZUNION", "1", "z", "WITHSCORES"},
      {"ZRANDMEMBER", "z", "1", "WITHSCORES"},
      {"ZSCAN", "z", "0"},
      {"BZMPOP", "0", "1", "z", "MAX"},
      {"ZMPOP", "1", "nokey", "MIN"},
  };
  const std::string diffs = compare_each(pair.ours, pair.theirs, resp3);
  CHECK(diffs.empty());
  if (!diffs.empty()) WARN(diffs);
}

TEST_CASE("seeded random sorted set commands, pipelined, among other types, give Redis's replies") {
  beside_redis pair;
  const std::vector<std::string> keys{"k0", "k1", "k2"};
  const std::vector<std::string> members{"a", "b", "c", "d", "", "x\0y"s};
  const std::vector<std::string> scores{"0", "1", "-1", "2.5", "1e3", "-inf", "+inf", "3", "x"};
  const std::vector<std::string> bounds{"-inf", "+inf", "0", "(0", "1", "(1", "2.5", "(3", "x"};
  const std::vector<std::string> ranks{"0", "1", "-1", "2", "-3", "10", "x"};
  const random_run run =
      compare_random(pair.ours, pair.theirs, 150, [&](std::mt19937& rng) -> command {
        auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
        const std::string k = pick(keys), m = pick(members), m2 = pick(members);
        switch (rng() % 25) {
          case 0:
            return {"ZADD", k, pick(scores), m, pick(scores), m2};
          case 1:
            return {"ZADD", k, rng() % 2 ? "GT" : "LT", "CH", pick(scores), m};
          case 2:
            return {"ZADD", k, rng() % 2 ? "NX" : "XX", pick(scores), m};
          case 3:
            return {"ZINCRBY", k, pick(scores), m};
          case 4:
            return {"ZREM", k, m, m2};
          case 5:
            return {"ZSCORE", k, m};
          case 6:
            return {"ZMSCORE", k, m, m2};
          case 7:
            return {rng() % 2 ? "ZRANK" : "ZREVRANK", k, m};
          case 8:
            return {"ZRANGE", k, pick(ranks), pick(ranks), "WITHSCORES"};
          case 9:
            return {"ZRANGE", k, pick(bounds), pick(bounds), "BYSCORE", "REV"};
          case 10:
            return {"ZRANGEBYSCORE", k, pick(bounds), pick(bounds), "LIMIT", "1", "2"};
          case 11:
            return {"ZREVRANGEBYSCORE", k, pick(bounds), pick(bounds), "WITHSCORES"};
          case 12:
            return {"ZCOUNT", k, pick(bounds), pick(bounds)};
          case 13:
            return {"ZCARD", k};
          case 14:
            return {"ZREMRANGEBYSCORE", k, pick(bounds), pick(bounds)};
          case 15:
            return {"ZREMRANGEBYRANK", k, pick(ranks), pick(ranks)};
          case 16:
            return {rng() % 2 ? "ZPOPMIN" : "ZPOPMAX", k, pick(ranks)};
          case 17:
            return {"SADD", k, m};
          case 18:
            return {"TYPE", k};
          case 19:
            return {"DEL", k};
          case 20:
            return {"ZREVRANGE", k, pick(ranks), pick(ranks)};
          case 21:
            return {rng() % 2 ? "ZUNIONSTORE" : "ZINTERSTORE",
                    pick(keys),
                    "2",
                    k,
                    pick(keys),
                    "WEIGHTS",
                    "2",
                    "1"};
          case 22:
            return {"ZDIFF", "2", k, pick(keys), "WITHSCORES"};
          case 23:
            return {"ZMPOP", "2", k, pick(keys), rng() % 2 ? "MIN" : "MAX"};
          default:
            return {"ZRANGE", k, "0", "-1", "WITHSCORES"};
        }
      });
  CAPTURE(run.seed);  // replay with FPC_DIFF_SEED=<seed>
  CHECK(run.diff.empty());
  if (!run.diff.empty()) WARN(run.diff);
  WARN(run.commands << " random sorted set commands compared");
}

TEST_CASE("seeded random lexicographic ranges over equal scores give Redis's replies") {
  beside_redis pair;
  std::mt19937 rng(std::random_device{}());
  const std::vector<std::string> lex{"-", "+", "[a", "(a", "[c", "(d", "[bb", "(", "[", "b"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::vector<command> batch = {{"FLUSHALL"},
                                {"ZADD", "l", "0", "a", "0", "b", "0", "bb", "0", "c", "0", "d"}};
  for (int i = 0; i < 300; ++i) {
    switch (rng() % 4) {
      case 0:
        batch.push_back({"ZRANGEBYLEX", "l", pick(lex), pick(lex)});
        break;
      case 1:
        batch.push_back({"ZREVRANGEBYLEX", "l", pick(lex), pick(lex), "LIMIT", "0", "2"});
        break;
      case 2:
        batch.push_back({"ZLEXCOUNT", "l", pick(lex), pick(lex)});
        break;
      default:
        batch.push_back({"ZRANGE", "l", pick(lex), pick(lex), "BYLEX"});
        break;
    }
  }
  const std::string diff = compare(pair.ours, pair.theirs, batch);
  CHECK(diff.empty());
  if (!diff.empty()) WARN(diff);
}
