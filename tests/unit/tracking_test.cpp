// The CLIENT TRACKING table without sockets: which clients a write reaches (tenants, NOLOOP,
// BCAST prefixes, clients that stopped tracking) and the bound taking from the biggest tenant.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "auth/user_table.hpp"
#include "config/settings.hpp"
#include "server/dispatch/server_state.hpp"
#include "tests/fakes/fake_connection.hpp"
#include "tests/fakes/memory_keyspace.hpp"

namespace {

using fpc::server::tracking_options;
using fpc::test::fake_connection;

fpc::auth::user_table two_tenants() {
  fpc::auth::user_table users;
  REQUIRE_FALSE(users.load_acl("user default on nopass ~* +@all\nuser alice on >a\nuser bob on >b\n"));
  return users;
}

struct world {
  world() : state(settings, two_tenants()) { state.loops.push_back(&loop); }
  boost::asio::io_context io;
  fpc::config::settings settings;
  fpc::server::server_state state;
  fpc::test::memory_keyspace store;
  fpc::server::loop_context loop{store, state, 0, io.get_executor()};
  std::uint64_t next_id = 1;

  std::shared_ptr<fake_connection> tracker(const std::string& tenant, tracking_options o = {}) {
    auto c = std::make_shared<fake_connection>(loop, next_id++);
    c->login(tenant);
    c->protocol = 3;
    o.on = true;
    c->set_tracking(o, {});
    return c;
  }
  /// The messages each client received since the last call.
  std::vector<std::string> messages(fake_connection& c) {
    io.restart();
    io.poll();
    return c.take_replies();
  }
};

std::string push_for(const std::string& key) {
  return ">2\r\n$10\r\ninvalidate\r\n*1\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
}

std::vector<std::string_view> views(const std::vector<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

}  // namespace

TEST_CASE("tracking: a write reaches the readers of its own tenant only, once") {
  world w;
  auto alice = w.tracker("alice"), bob = w.tracker("bob");
  const std::vector<std::string> keys{"k"};
  w.state.tracking.remember("alice", alice->id(), views(keys));
  w.state.tracking.remember("bob", bob->id(), views(keys));
  w.state.tracking.invalidate("alice", "k", 0);
  CHECK(w.messages(*alice) == std::vector<std::string>{push_for("k")});
  CHECK(w.messages(*bob).empty());
  // Forgotten until read again.
  w.state.tracking.invalidate("alice", "k", 0);
  CHECK(w.messages(*alice).empty());
  // A flush of bob's keyspace: a null invalidate for bob's clients only.
  w.state.tracking.invalidate_all("bob");
  CHECK(w.messages(*bob) == std::vector<std::string>{">2\r\n$10\r\ninvalidate\r\n_\r\n"});
  CHECK(w.messages(*alice).empty());
  CHECK(w.state.tracking.count().keys == 0);
}

TEST_CASE("tracking: NOLOOP, BCAST prefixes, and clients that stopped tracking") {
  world w;
  tracking_options bcast;
  bcast.bcast = true;
  bcast.noloop = true;
  bcast.prefixes = {"job:", "user:"};
  auto b = w.tracker("alice", bcast);
  tracking_options noloop;
  noloop.noloop = true;
  auto n = w.tracker("alice", noloop);
  const std::vector<std::string> keys{"user:1"};
  w.state.tracking.remember("alice", n->id(), views(keys));
  w.state.tracking.invalidate("alice", "user:1", n->id());  // n's own write: n hears nothing
  CHECK(w.messages(*n).empty());
  CHECK(w.messages(*b) == std::vector<std::string>{push_for("user:1")});
  w.state.tracking.invalidate("alice", "user:2", b->id());  // b's own write
  w.state.tracking.invalidate("alice", "cart:1", 0);        // no prefix matches
  CHECK(w.messages(*b).empty());
  CHECK(w.state.tracking.count().prefixes == 2);
  // Tracking off: no messages, though its keys stay remembered until written.
  w.state.tracking.remember("alice", n->id(), views(keys));
  n->stop_tracking();
  w.state.tracking.invalidate("alice", "user:1", 0);
  CHECK(w.messages(*n).empty());
  CHECK(w.state.tracking.count().clients == 1);
}

TEST_CASE("tracking: past the bound the tenant remembering the most loses its oldest keys") {
  world w;
  w.state.tracking.set_max_keys(6);
  auto alice = w.tracker("alice"), bob = w.tracker("bob");
  w.state.tracking.remember("bob", bob->id(), views({"b1", "b2"}));
  for (int i = 0; i < 7; ++i) {
    const std::vector<std::string> key{"a" + std::to_string(i)};
    w.state.tracking.remember("alice", alice->id(), views(key));
  }
  // 9 keys for 6 places: alice's three oldest go, and she is told.
  CHECK(w.messages(*alice) ==
        std::vector<std::string>{push_for("a0"), push_for("a1"), push_for("a2")});
  CHECK(w.messages(*bob).empty());
  CHECK(w.state.tracking.count().keys == 6);
  CHECK(w.state.tracking.count().items == 6);
}
