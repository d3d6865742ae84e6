// The key-spec table: Redis 7.0's per-command key specifications (its command reference's data).
#include "server/commands/key_specs.hpp"

#include <map>

namespace fpc::server {

const std::vector<key_spec>& key_specs_of(std::string_view command) {
  static const std::vector<key_spec> none;
  // One key at argument 1, or keys from argument 1 to the last (`-1`), `step` apart.
  auto one = [](std::string_view flags) {
    return std::vector<key_spec>{{flags, 1, 0, 1}};
  };
  auto all = [](std::string_view flags, int step = 1) {
    return std::vector<key_spec>{{flags, 1, -1, step}};
  };
  static const std::map<std::string_view, std::vector<key_spec>> table = {
      {"append", one("RW insert")},
      {"sunionstore", {{"OW update", 1, 0, 1}, {"RO access", 2, -1, 1}}},
      {"sunion", all("RO access")},
      {"sscan", one("RO access")},
      {"srem", one("RW delete")},
      {"srandmember", one("RO access")},
      {"spop", one("RW access delete")},
      {"smove", {{"RW access delete", 1, 0, 1}, {"RW insert", 2, 0, 1}}},
      {"smismember", one("RO access")},
      {"smembers", one("RO access")},
      {"sismember", one("RO")},
      {"sinterstore", {{"RW update", 1, 0, 1}, {"RO access", 2, -1, 1}}},
      {"sinter", all("RO access")},
      {"sdiffstore", {{"OW update", 1, 0, 1}, {"RO access", 2, -1, 1}}},
      {"sdiff", all("RO access")},
      {"scard", one("RO")},
      {"sadd", one("RW insert")},
      {"hscan", one("RO access")},
      {"hrandfield", one("RO access")},
      {"hincrbyfloat", one("RW access update")},
      {"copy", {{"RO access", 1, 0, 1}, {"OW update", 2, 0, 1}}},
      {"decr", one("RW access update")},
      {"decrby", one("RW access update")},
      {"del", all("RM delete")},
      {"exists", all("RO")},
      {"expire", one("RW update")},
      {"expireat", one("RW update")},
      {"expiretime", one("RO access")},
      {"get", one("RO access")},
      {"getdel", one("RW access delete")},
      {"getex", {{"RW access update", 1, 0, 1, "RW and UPDATE because it changes the TTL"}}},
      {"getrange", one("RO access")},
      {"getset", one("RW access update")},
      {"hdel", one("RW delete")},
      {"hexists", one("RO")},
      {"hget", one("RO access")},
      {"hgetall", one("RO access")},
      {"hincrby", one("RW access update")},
      {"hkeys", one("RO access")},
      {"hlen", one("RO")},
      {"hmget", one("RO access")},
      {"hmset", one("RW update")},
      {"hset", one("RW update")},
      {"hsetnx", one("RW insert")},
      {"hstrlen", one("RO")},
      {"hvals", one("RO access")},
      {"incr", one("RW access update")},
      {"incrby", one("RW access update")},
      {"incrbyfloat", one("RW access update")},
      {"mget", all("RO access")},
      {"mset", all("OW update", 2)},
      {"msetnx", all("OW insert", 2)},
      {"persist", one("RW update")},
      {"pexpire", one("RW update")},
      {"pexpireat", one("RW update")},
      {"pexpiretime", one("RO access")},
      {"psetex", one("OW update")},
      {"pttl", one("RO access")},
      {"rename", {{"RW access delete", 1, 0, 1}, {"OW update", 2, 0, 1}}},
      {"renamenx", {{"RW access delete", 1, 0, 1}, {"OW insert", 2, 0, 1}}},
      {"set",
       {{"RW access update variable_flags", 1, 0, 1,
         "RW and ACCESS due to the optional `GET` argument"}}},
      {"setex", one("OW update")},
      {"setnx", one("OW insert")},
      {"setrange", one("RW update")},
      {"strlen", one("RO")},
      {"substr", one("RO access")},
      {"touch", all("RO")},
      {"ttl", one("RO access")},
      {"type", one("RO")},
      {"unlink", all("RM delete")},
      {"watch", all("RO")},
  };
  const auto it = table.find(command);
  return it == table.end() ? none : it->second;
}

}  // namespace fpc::server
