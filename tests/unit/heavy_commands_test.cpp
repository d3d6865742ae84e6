// The heavy-command rule: which commands go to the loop's side connection (the table is
// installed by main.cpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/dispatch/command_table.hpp"
#include "server/dispatch/heavy_commands.hpp"

using namespace fpc::server;

namespace {
bool heavy(std::vector<std::string_view> args, std::size_t recent_reply_bytes = 0) {
  const command_spec* spec = find_command(args[0]);
  REQUIRE(spec != nullptr);
  return is_heavy_command(*spec, args, recent_reply_bytes, 1000);
}
}  // namespace

TEST_CASE("heavy: whole-keyspace walks, storing set algebra, big arguments and big readers") {
  CHECK(heavy({"keys", "*"}));
  CHECK(heavy({"flushdb"}));
  CHECK(heavy({"sunionstore", "d", "a", "b"}));
  CHECK(heavy({"sintercard", "2", "a", "b"}));
  CHECK_FALSE(heavy({"sinter", "a", "b"}));
  CHECK(heavy({"sinter", "a", "b"}, 5000));  // a client whose replies were big
  CHECK_FALSE(heavy({"hgetall", "h"}));
  CHECK_FALSE(heavy({"sadd", "s", "m"}));
  const std::string big(2000, 'x');
  CHECK(heavy({"sadd", "s", big}));
  CHECK(heavy({"setrange", "k", "5000", "x"}));
  CHECK_FALSE(heavy({"setrange", "k", "5", "x"}));
}
