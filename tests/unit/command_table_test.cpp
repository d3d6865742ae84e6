// Command table: lookup, arity, Redis's error texts, COMMAND DOCS synopsis parsing, expiry args.
#include <catch2/catch.hpp>

#include <climits>
#include <vector>

#include "server/net/client_session.hpp"
#include "server/commands/command_docs.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/commands/expiry_args.hpp"

using namespace fpc::server;

TEST_CASE("lookup is case-insensitive and arity follows Redis's convention") {
  const command_spec* get = find_command("GeT");
  REQUIRE(get != nullptr);
  CHECK(get->arity_ok(2));
  CHECK_FALSE(get->arity_ok(3));
  const command_spec* del = find_command("del");
  REQUIRE(del != nullptr);
  CHECK_FALSE(del->arity_ok(1));
  CHECK(del->arity_ok(5));
  CHECK(find_command("nosuch") == nullptr);
  REQUIRE(find_subcommand(*find_command("client"), "SETNAME") != nullptr);
}

TEST_CASE("the table is sorted and every command has docs") {
  const auto& table = command_table();
  for (std::size_t i = 1; i < table.size(); ++i) CHECK(table[i - 1].name < table[i].name);
  for (const auto& c : table) {
    CHECK_FALSE(c.summary.empty());
    CHECK(c.handler != nullptr);
  }
}

TEST_CASE("error texts") {
  std::vector<std::string_view> args{"foo", "a", "b"};
  CHECK(unknown_command_error(args) ==
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  CHECK(arity_error("get") == "ERR wrong number of arguments for 'get' command");
}

TEST_CASE("synopsis becomes COMMAND DOCS arguments") {
  auto args = parse_synopsis("key value [NX|XX] [GET] [EX seconds|KEEPTTL]");
  REQUIRE(args.size() == 5);
  CHECK(args[0].type == "key");
  CHECK(args[2].type == "oneof");
  CHECK(args[2].optional);
  REQUIRE(args[2].children.size() == 2);
  CHECK(args[2].children[0].token == "NX");
  CHECK(args[3].type == "pure-token");
  CHECK(args[4].children[0].token == "EX");
  CHECK(args[4].children[0].type == "integer");
  auto many = parse_synopsis("key [key ...]");
  REQUIRE(many.size() == 1);
  CHECK(many[0].multiple);
}

TEST_CASE("expiry arguments: Redis's validation and overflow rules") {
  expiry e;
  CHECK(parse_expiry("10", time_unit::seconds, false, true, "set", e) == std::nullopt);
  CHECK(e.how == expiry::kind::relative_ms);
  CHECK(e.ms == 10000);
  CHECK(*parse_expiry("0", time_unit::seconds, false, true, "set", e) ==
        "ERR invalid expire time in 'set' command");
  CHECK(*parse_expiry("x", time_unit::seconds, false, true, "set", e) ==
        "ERR value is not an integer or out of range");
  CHECK(*parse_expiry("9223372036854775807", time_unit::seconds, false, false, "expire", e) ==
        "ERR invalid expire time in 'expire' command");
  CHECK(parse_expiry("-5", time_unit::seconds, false, false, "expire", e) == std::nullopt);
  CHECK(e.ms == -5000);
  CHECK(parse_expiry("1700000000", time_unit::seconds, true, true, "set", e) == std::nullopt);
  CHECK(e.how == expiry::kind::unix_ms);
}

TEST_CASE("protected mode's loopback test") {
  using boost::asio::ip::make_address;
  CHECK(is_loopback(make_address("127.0.0.1")));
  CHECK(is_loopback(make_address("127.9.9.9")));
  CHECK(is_loopback(make_address("::1")));
  CHECK(is_loopback(make_address("::ffff:127.0.0.1")));
  CHECK_FALSE(is_loopback(make_address("10.0.0.1")));
  CHECK_FALSE(is_loopback(make_address("::ffff:192.168.1.1")));
  CHECK_FALSE(is_loopback(make_address("2001:db8::1")));
}
