// The dispatcher without sockets or PostgreSQL: one lookup and one validation per command (auth,
// arity, unknown commands), MULTI queueing and EXEC, replies in order, over the in-memory store.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

#include "auth/user_table.hpp"
#include "config/settings.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/dispatch/server_state.hpp"
#include "tests/fakes/fake_connection.hpp"
#include "tests/fakes/memory_keyspace.hpp"

namespace {

using fpc::test::fake_connection;

struct world {
  explicit world(fpc::auth::user_table users = {}) : state(settings, std::move(users)) {
    state.loops.push_back(&loop);
  }
  boost::asio::io_context io;
  fpc::config::settings settings;
  fpc::server::server_state state;
  fpc::test::memory_keyspace store;
  fpc::server::loop_context loop{store, state, 0, io.get_executor()};

  /// Runs each command on a fresh client and returns the replies in order.
  std::vector<std::string> run(fake_connection& client,
                               const std::vector<std::vector<std::string_view>>& commands) {
    for (const auto& args : commands) client.run(args);
    io.restart();
    io.poll();
    REQUIRE(client.all_answered());
    return client.take_replies();
  }
};

}  // namespace

TEST_CASE("dispatch answers unknown commands and wrong arity with Redis's errors") {
  world w;
  auto client = std::make_shared<fake_connection>(w.loop, 1);
  const auto replies = w.run(
      *client,
      {{"NOSUCH", "a", "b"}, {"get"}, {"GET", "k", "extra"}, {"SeT", "k", "v"}, {"get", "k"}});
  REQUIRE(replies.size() == 5);
  CHECK(replies[0] == "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n");
  CHECK(replies[1] == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(replies[2] == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(replies[3] == "+OK\r\n");
  CHECK(replies[4] == "$1\r\nv\r\n");
}

TEST_CASE("dispatch refuses commands before AUTH when a password is set") {
  fpc::auth::user_table users;
  users.set_default_password("secret");
  world w(std::move(users));
  auto client = std::make_shared<fake_connection>(w.loop, 1);
  const auto replies = w.run(*client, {{"get", "k"}, {"ping"}});
  REQUIRE(replies.size() == 2);
  CHECK(replies[0] == "-NOAUTH Authentication required.\r\n");
  CHECK(replies[1] == "-NOAUTH Authentication required.\r\n");
}

TEST_CASE("MULTI queues checked commands and EXEC runs them in order") {
  world w;
  auto client = std::make_shared<fake_connection>(w.loop, 1);
  const auto replies =
      w.run(*client, {{"multi"}, {"set", "a", "1"}, {"incr", "a"}, {"get", "a"}, {"exec"}});
  REQUIRE(replies.size() == 5);
  CHECK(replies[0] == "+OK\r\n");
  CHECK(replies[1] == "+QUEUED\r\n");
  CHECK(replies[2] == "+QUEUED\r\n");
  CHECK(replies[3] == "+QUEUED\r\n");
  CHECK(replies[4] == "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
}

TEST_CASE("a refused command inside MULTI aborts EXEC") {
  world w;
  auto client = std::make_shared<fake_connection>(w.loop, 1);
  const auto replies = w.run(
      *client, {{"multi"}, {"set", "a"}, {"nosuch"}, {"set", "b", "1"}, {"exec"}, {"get", "b"}});
  REQUIRE(replies.size() == 6);
  CHECK(replies[1] == "-ERR wrong number of arguments for 'set' command\r\n");
  CHECK(replies[2].rfind("-ERR unknown command 'nosuch'", 0) == 0);
  CHECK(replies[3] == "+QUEUED\r\n");
  CHECK(replies[4] == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK(replies[5] == "$-1\r\n");  // nothing of the transaction ran
}

TEST_CASE("tenants see only their own keys through dispatch") {
  fpc::auth::user_table users;
  REQUIRE(!users.load_acl("user alice on >a\nuser bob on >b\n"));
  world w(std::move(users));
  auto alice = std::make_shared<fake_connection>(w.loop, 1);
  auto bob = std::make_shared<fake_connection>(w.loop, 2);
  w.run(*alice, {{"auth", "alice", "a"}, {"set", "k", "from-alice"}});
  const auto replies = w.run(*bob, {{"auth", "bob", "b"}, {"get", "k"}, {"dbsize"}});
  REQUIRE(replies.size() == 3);
  CHECK(replies[0] == "+OK\r\n");
  CHECK(replies[1] == "$-1\r\n");
  CHECK(replies[2] == ":0\r\n");
}

TEST_CASE("the command lookup is case-insensitive and finds every installed command") {
  for (const auto& spec : fpc::server::command_table()) {
    std::string upper(spec.name);
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(fpc::server::find_command(upper) == &spec);
    CHECK(fpc::server::command_index(spec) < fpc::server::command_table().size());
  }
  CHECK(fpc::server::find_command("") == nullptr);
  CHECK(fpc::server::find_command(std::string(100, 'g')) == nullptr);
  CHECK(fpc::server::find_command("ge") == nullptr);
}
