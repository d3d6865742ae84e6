// ACL rules compiled against the command table: categories, tenants vs operators, key patterns.
#include <catch2/catch.hpp>

#include <array>
#include <string_view>

#include "auth/user_table.hpp"
#include "server/dispatch/acl.hpp"
#include "server/dispatch/command_table.hpp"

using fpc::auth::user_table;
using fpc::server::acl_book;
using fpc::server::acl_denial;
using fpc::server::find_command;

namespace {

template <std::size_t N>
acl_denial check(const acl_book& book, std::string_view user,
                 const std::array<std::string_view, N>& args) {
  return book.find(user)->check(*find_command(args[0]), args);
}

bool has_category(std::string_view command, std::string_view category) {
  return (find_command(command)->categories & fpc::server::category_bit(category)) != 0;
}

}  // namespace

TEST_CASE("commands carry Redis 7's ACL categories") {
  CHECK(has_category("get", "read"));
  CHECK(has_category("get", "string"));
  CHECK(has_category("get", "fast"));
  CHECK_FALSE(has_category("get", "write"));
  CHECK(has_category("del", "keyspace"));
  CHECK(has_category("del", "slow"));
  CHECK(has_category("flushall", "dangerous"));
  CHECK(has_category("keys", "dangerous"));
  const auto& set = *fpc::server::find_subcommand(*find_command("config"), "set");
  CHECK((set.categories & fpc::server::category_bit("admin")) != 0);
  CHECK((set.categories & fpc::server::category_bit("dangerous")) != 0);
}

TEST_CASE("a user line without rules is a tenant; +@all makes an operator") {
  user_table users;
  REQUIRE_FALSE(
      users.load_acl("user alice on >a\n"
                     "user root on >r ~* +@all\n"
                     "user ro on >x ~* -@all +@read\n"
                     "user cache on >c ~cache:* %R~public:* +@all -@admin -flushall\n"));
  const acl_book book(users);
  CHECK(book.find("default")->is_operator());  // no ACL line for default: Redis's default
  CHECK(book.find("root")->is_operator());
  CHECK_FALSE(book.find("alice")->is_operator());

  using arr3 = std::array<std::string_view, 3>;
  using arr4 = std::array<std::string_view, 4>;
  CHECK(check(book, "alice", arr4{"CONFIG", "SET", "maxmemory", "1"}).kind == acl_denial::command);
  CHECK_FALSE(check(book, "alice", arr3{"CONFIG", "GET", "maxmemory"}));
  CHECK_FALSE(check(book, "alice", arr3{"SLOWLOG", "GET", "1"}));
  CHECK_FALSE(check(book, "alice", arr3{"SET", "k", "v"}));
  CHECK_FALSE(check(book, "root", arr4{"config", "set", "maxmemory", "1"}));

  CHECK_FALSE(check(book, "ro", std::array<std::string_view, 2>{"get", "k"}));
  CHECK(check(book, "ro", arr3{"set", "k", "v"}).kind == acl_denial::command);

  CHECK_FALSE(check(book, "cache", arr3{"set", "cache:1", "v"}));
  CHECK(check(book, "cache", arr3{"set", "other", "v"}).kind == acl_denial::key);
  CHECK_FALSE(check(book, "cache", std::array<std::string_view, 2>{"get", "public:x"}));
  CHECK(check(book, "cache", arr3{"set", "public:x", "v"}).kind == acl_denial::key);
  const auto mixed = check(book, "cache", arr3{"mget", "cache:1", "secret"});
  CHECK(mixed.kind == acl_denial::key);
  CHECK(mixed.key_index == 2);
  CHECK(check(book, "cache", std::array<std::string_view, 1>{"flushall"}).kind ==
        acl_denial::command);
}

TEST_CASE("ACL rule errors: unknown categories at load, unknown commands at compile") {
  user_table users;
  CHECK(users.load_acl("user a on +@nosuch\n")->find("category") != std::string::npos);
  CHECK(users.load_acl("user a on (~x +get)\n")->find("selectors") != std::string::npos);
  REQUIRE_FALSE(users.load_acl("user a on +nosuchcommand\n"));
  CHECK_THROWS_WITH(acl_book(users), Catch::Contains("nosuchcommand"));
}
