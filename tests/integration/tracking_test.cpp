// RESP3 client-side caching (CLIENT TRACKING) end to end: replies and invalidation messages byte
// for byte against redis-server, invalidations across servers (lag measured), on expiry and
// after a lost bus, tenant walls, the table's bound, and cleanup on disconnect.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"
#include "tests/integration/pg_session.hpp"

using namespace fpc::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

using command = std::vector<std::string>;

// Sends one command and returns everything that came back within `quiet`.
std::string roundtrip(raw_connection& c, const command& cmd,
                     std::chrono::milliseconds quiet = 150ms) {
  c.send(encode_command(cmd));
  return c.read_bytes(1 << 24, quiet);
}

// Reads until `wanted` arrived (true) or the time is up.
bool wait_for(raw_connection& c, std::string& seen, const std::string& wanted,
              std::chrono::milliseconds limit) {
  const auto deadline = steady::now() + limit;
  while (seen.find(wanted) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (left.count() <= 0) return false;
    seen += c.read_bytes(1, left);
  }
  return true;
}

std::string push_for(const std::string& key) {
  return ">2\r\n$10\r\ninvalidate\r\n*1\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
}
const std::string flush_push = ">2\r\n$10\r\ninvalidate\r\n_\r\n";

long long client_id(raw_connection& c) {
  const std::string r = roundtrip(c, {"CLIENT", "ID"});
  return std::stoll(r.substr(1));
}

// The same steps on a connection to each server, each step's bytes compared. `$T` in a step
// stands for the id of a second connection (the REDIRECT target) of the same server; CLIENT
// INFO's volatile fields are not compared.
void compare_steps(int ours, int theirs, const std::vector<command>& steps) {
  raw_connection a(ours), b(theirs), ta(ours), tb(theirs);
  const std::string ida = std::to_string(client_id(ta)), idb = std::to_string(client_id(tb));
  roundtrip(a, {"FLUSHALL"});
  roundtrip(b, {"FLUSHALL"});
  const std::regex volatile_fields("id=\\d+ addr=\\S+ laddr=\\S+ fd=\\d+ .*(flags=\\S+) .*(resp=\\d).*");
  auto normalize = [&](std::string s, const std::string& id) {
    s = std::regex_replace(s, volatile_fields, "$1 $2");
    // CLIENT INFO's length header counts fields we do not compare.
    if ((s.rfind("$", 0) == 0 || s.rfind("=", 0) == 0) && s.find("flags=") != std::string::npos)
      s = s.substr(s.find('\n') + 1);
    for (std::size_t at; (at = s.find(":" + id + "\r\n")) != std::string::npos;)
      s.replace(at + 1, id.size(), "T");
    return s;
  };
  for (command step : steps) {
    command for_b = step;
    for (auto& w : step) if (w == "$T") w = ida;
    for (auto& w : for_b) if (w == "$T") w = idb;
    const std::string got = normalize(roundtrip(a, step), ida);
    const std::string want = normalize(roundtrip(b, for_b), idb);
    if (step[0] == "HELLO") continue;  // carries the connection id and the server's details
    std::string shown;
    for (const auto& w : for_b) shown += w + " ";
    CAPTURE(shown);
    CHECK(got == want);
  }
}


}  // namespace

TEST_CASE("tracking: options, errors and messages match redis-server byte for byte") {
  beside_redis both;
  const int ours = both.server.port(), theirs = both.redis.port();
  SECTION("default mode, OPTIN, OPTOUT, NOLOOP and the errors") {
    compare_steps(
        ours, theirs,
        {{"HELLO", "3"}, {"CLIENT", "TRACKING", "on"}, {"GET", "a"}, {"SET", "a", "1"},
         {"GET", "a"}, {"SET", "a", "2"}, {"SET", "a", "3"}, {"CLIENT", "TRACKINGINFO"},
         {"CLIENT", "GETREDIR"}, {"CLIENT", "CACHING", "yes"},
         {"CLIENT", "TRACKING", "on", "PREFIX", "a"}, {"CLIENT", "TRACKING", "on", "BCAST"},
         {"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"}, {"CLIENT", "TRACKING", "on", "OPTIN"},
         {"CLIENT", "TRACKING", "off"}, {"CLIENT", "TRACKING", "on", "OPTIN"},
         {"CLIENT", "TRACKING", "on", "OPTOUT"}, {"CLIENT", "CACHING", "no"},
         {"GET", "o1"}, {"CLIENT", "CACHING", "yes"}, {"CLIENT", "TRACKINGINFO"}, {"GET", "o2"},
         {"GET", "o3"}, {"MSET", "o1", "1", "o2", "2", "o3", "3"},
         {"CLIENT", "CACHING", "yes"}, {"MULTI"}, {"GET", "o1"}, {"GET", "o3"}, {"EXEC"},
         {"GET", "o2"}, {"MSET", "o1", "1", "o2", "2", "o3", "3"},
         {"CLIENT", "TRACKING", "off"}, {"CLIENT", "TRACKING", "on", "OPTOUT"},
         {"CLIENT", "CACHING", "no"}, {"GET", "p1"}, {"GET", "p2"}, {"MSET", "p1", "1", "p2", "2"},
         {"CLIENT", "TRACKING", "on", "REDIRECT", "999999"},
         {"CLIENT", "TRACKING", "on", "REDIRECT", "x"}, {"CLIENT", "TRACKING", "maybe"},
         {"CLIENT", "TRACKING", "on", "FOO"}, {"CLIENT", "CACHING", "maybe"},
         {"CLIENT", "TRACKING", "off"}, {"CLIENT", "TRACKING", "on", "NOLOOP"}, {"GET", "b"},
         {"SET", "b", "2"}, {"HSET", "h", "f", "v"}, {"HGET", "h", "f"}, {"HDEL", "h", "f"},
         {"SADD", "s", "m"}, {"SMEMBERS", "s"}, {"CLIENT", "TRACKING", "off"},
         {"CLIENT", "TRACKING", "on"}, {"HSET", "h", "f", "v"}, {"HGET", "h", "f"},
         {"HDEL", "h", "f"}, {"LPUSH", "l", "x"}, {"LRANGE", "l", "0", "-1"}, {"RPOP", "l"},
         {"EVAL", "return redis.call('GET', KEYS[1])", "1", "e"},
         {"EVAL", "return redis.call('SET', KEYS[1], 'x')", "1", "e"}, {"GET", "f"},
         {"FLUSHDB"}, {"CLIENT", "TRACKINGINFO"}, {"CLIENT", "CACHING", "yes"}, {"RESET"},
         {"CLIENT", "TRACKINGINFO"}, {"CLIENT", "GETREDIR"}});
  }
  SECTION("BCAST, prefixes and their overlaps") {
    compare_steps(
        ours, theirs,
        {{"HELLO", "3"}, {"CLIENT", "TRACKING", "on", "BCAST", "OPTIN"},
         {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"},
         {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "job:"},
         {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:1"},
         {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "cart:"}, {"CLIENT", "TRACKINGINFO"},
         {"CLIENT", "INFO"}, {"SET", "user:7", "x"}, {"SET", "other", "x"}, {"SET", "cart:1", "x"},
         {"DEL", "cart:1"}, {"CLIENT", "TRACKING", "on", "OPTIN"}, {"CLIENT", "TRACKING", "off"},
         {"CLIENT", "TRACKING", "on", "BCAST"}, {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x"},
         {"SET", "anything", "1"}, {"CLIENT", "TRACKINGINFO"}, {"CLIENT", "TRACKING", "off"},
         {"CLIENT", "TRACKING", "on", "BCAST", "NOLOOP", "PREFIX", "n"}, {"SET", "n1", "x"}});
  }
  SECTION("REDIRECT in RESP2 through __redis__:invalidate, and a target that goes away") {
    raw_connection a(ours), b(theirs);
    auto ta = std::make_unique<raw_connection>(ours), tb = std::make_unique<raw_connection>(theirs);
    const std::string ida = std::to_string(client_id(*ta)), idb = std::to_string(client_id(*tb));
    auto both_steps = [&](const command& step) {
      command sa = step, sb = step;
      for (auto& w : sa) if (w == "$T") w = ida;
      for (auto& w : sb) if (w == "$T") w = idb;
      std::string got = roundtrip(a, sa), want = roundtrip(b, sb);
      if (step[0] == "HELLO") return;
      for (std::size_t at; (at = want.find(":" + idb + "\r\n")) != std::string::npos;)
        want.replace(at + 1, idb.size(), ida);
      CAPTURE(step[0]);
      CHECK(got == want);
    };
    CHECK(roundtrip(*ta, {"SUBSCRIBE", "__redis__:invalidate"}) ==
          roundtrip(*tb, {"SUBSCRIBE", "__redis__:invalidate"}));
    both_steps({"CLIENT", "TRACKING", "on", "REDIRECT", "$T"});
    both_steps({"GET", "r"});
    both_steps({"SET", "r", "1"});
    const std::string message_a = ta->read_bytes(1 << 20, 200ms);
    CHECK(message_a == tb->read_bytes(1 << 20, 200ms));
    CHECK(message_a.find("__redis__:invalidate\r\n*1\r\n$1\r\nr\r\n") != std::string::npos);
    both_steps({"GET", "r"});
    both_steps({"FLUSHALL"});
    const std::string flush_a = ta->read_bytes(1 << 20, 200ms);
    CHECK(flush_a == tb->read_bytes(1 << 20, 200ms));
    CHECK(flush_a.find("__redis__:invalidate\r\n$-1\r\n") != std::string::npos);
    // The target goes away: RESP2 hears nothing, RESP3 a tracking-redir-broken push.
    ta.reset();
    tb.reset();
    std::this_thread::sleep_for(200ms);
    both_steps({"GET", "r"});
    both_steps({"SET", "r", "2"});
    both_steps({"CLIENT", "TRACKINGINFO"});
    both_steps({"HELLO", "3"});
    both_steps({"GET", "r"});
    both_steps({"SET", "r", "3"});
    both_steps({"CLIENT", "TRACKINGINFO"});
  }
}

TEST_CASE("tracking: a write through another server invalidates within milliseconds") {
  server_process a;
  server_process b({}, false, a.schema());
  raw_connection reader(a.port()), writer(b.port());
  roundtrip(reader, {"HELLO", "3"});
  REQUIRE(roundtrip(reader, {"CLIENT", "TRACKING", "on"}) == "+OK\r\n");
  std::vector<long long> lag_us;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i % 10);
    reader.send(encode_command({"GET", key}));
    std::string seen;
    REQUIRE(wait_for(reader, seen, "\r\n", 2s));  // the GET's reply: the key is tracked
    const auto start = steady::now();
    writer.send(encode_command({"SET", key, std::to_string(i)}));
    REQUIRE(writer.read_bytes(5, 2s) == "+OK\r\n");
    std::string pushes;
    REQUIRE(wait_for(reader, pushes, push_for(key), 2s));
    lag_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start)
                         .count());
  }
  WARN("write on B (from its OK) to the invalidation on A: p50 " << percentile_ms(lag_us, 0.5)
                                                                  << ", p99 "
                                                                  << percentile_ms(lag_us, 0.99));
  // B measures the same stream itself: its invalidations' round trip through PostgreSQL.
  client info_b(b.port());
  const long long p50 = info_field(info_b, "stats", "bus_lag_p50_us");
  const long long p99 = info_field(info_b, "stats", "bus_lag_p99_us");
  WARN("B's own bus_lag_p50_us " << p50 << ", bus_lag_p99_us " << p99 << ", bus_lag_max_us "
                                 << info_field(info_b, "stats", "bus_lag_max_us"));
  CHECK(p50 > 0);
  CHECK(p99 >= p50);

  SECTION("BCAST across servers, and RESP2 REDIRECT on the other server") {
    raw_connection bcast(a.port()), target(a.port()), tracker(a.port());
    roundtrip(bcast, {"HELLO", "3"});
    REQUIRE(roundtrip(bcast, {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:"}) ==
            "+OK\r\n");
    const std::string target_id = std::to_string(client_id(target));
    roundtrip(target, {"SUBSCRIBE", "__redis__:invalidate"});
    REQUIRE(roundtrip(tracker, {"CLIENT", "TRACKING", "on", "REDIRECT", target_id}) == "+OK\r\n");
    roundtrip(tracker, {"GET", "plain"});
    REQUIRE(roundtrip(writer, {"MSET", "user:1", "x", "plain", "y", "nobody", "z"}) == "+OK\r\n");
    std::string seen, redirected;
    CHECK(wait_for(bcast, seen, push_for("user:1"), 2s));
    CHECK(seen.find("nobody") == std::string::npos);
    CHECK(wait_for(target, redirected,
                   "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$5\r\nplain\r\n",
                   2s));
  }
}

TEST_CASE("tracking: expiry invalidates; a lost bus flushes every tracking client") {
  server_process server({"--expire-sweep-interval", "0.1"});
  raw_connection c(server.port()), bc(server.port());
  roundtrip(c, {"HELLO", "3"});
  roundtrip(c, {"CLIENT", "TRACKING", "on"});
  const auto start = steady::now();
  std::string seen;
  c.send(encode_command({"SET", "short", "v", "PX", "500"}));
  REQUIRE(wait_for(c, seen, "+OK\r\n", 2s));
  c.send(encode_command({"GET", "short"}));
  REQUIRE(wait_for(c, seen, "$1\r\nv\r\n", 2s));
  CHECK(wait_for(c, seen, push_for("short"), 3s));
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  WARN("invalidation of a PX 500 key arrived " << after.count() << " ms after it was set");
  CHECK(after >= 450ms);

  roundtrip(bc, {"HELLO", "3"});
  roundtrip(bc, {"CLIENT", "TRACKING", "on", "BCAST"});
  roundtrip(c, {"GET", "k"});
  pg_session pg;
  client probe(server.port());
  const long long reconnects = info_field(probe, "stats", "pubsub_bus_reconnects");
  REQUIRE(pg.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                  "application_name = 'fastpgcache-bus'").ok());
  std::string c_seen, bc_seen;
  CHECK(wait_for(c, c_seen, flush_push, 10s));
  CHECK(wait_for(bc, bc_seen, flush_push, 2s));
  CHECK(info_field(probe, "stats", "pubsub_bus_reconnects") > reconnects);
}

TEST_CASE("tracking: tenants never see each other's keys") {
  const std::string acl = temp_path("tracking.acl");
  shell("printf 'user default on nopass ~* +@all\\nuser alice on >a\\nuser bob on >b\\n' > " +
        acl);
  server_process server({"--acl-file", acl});
  raw_connection alice(server.port()), bob(server.port()), alice_bcast(server.port());
  roundtrip(alice, {"HELLO", "3", "AUTH", "alice", "a"});
  roundtrip(alice_bcast, {"HELLO", "3", "AUTH", "alice", "a"});
  roundtrip(bob, {"HELLO", "3", "AUTH", "bob", "b"});
  REQUIRE(roundtrip(alice, {"CLIENT", "TRACKING", "on"}) == "+OK\r\n");
  REQUIRE(roundtrip(alice_bcast, {"CLIENT", "TRACKING", "on", "BCAST"}) == "+OK\r\n");
  roundtrip(alice, {"GET", "shared-name"});
  // bob writes a key of the same name in his own keyspace, and flushes his keyspace.
  CHECK(roundtrip(bob, {"SET", "shared-name", "bob's"}) == "+OK\r\n");
  CHECK(roundtrip(bob, {"FLUSHDB"}) == "+OK\r\n");
  CHECK(alice.read_bytes(1 << 20, 300ms).empty());
  CHECK(alice_bcast.read_bytes(1 << 20, 100ms).empty());
  // A REDIRECT to another tenant's connection delivers nothing there: alice hears it is broken.
  const std::string bob_id = std::to_string(client_id(bob));
  REQUIRE(roundtrip(alice, {"CLIENT", "TRACKING", "on", "REDIRECT", bob_id}) == "+OK\r\n");
  roundtrip(alice, {"GET", "secret-key"});
  std::string seen;
  alice.send(encode_command({"SET", "secret-key", "1"}));
  CHECK(wait_for(alice, seen, "tracking-redir-broken", 2s));
  CHECK(bob.read_bytes(1 << 20, 300ms).find("secret-key") == std::string::npos);
  // A new login ends tracking: the keys belonged to the tenant that turned it on.
  roundtrip(alice_bcast, {"AUTH", "bob", "b"});
  CHECK(roundtrip(alice_bcast, {"CLIENT", "GETREDIR"}) == ":-1\r\n");
}

TEST_CASE("tracking: the table is bounded, and the biggest tenant pays") {
  const std::string acl = temp_path("tracking_bound.acl");
  shell("printf 'user default on nopass ~* +@all\\nuser alice on >a\\nuser bob on >b\\n' > " +
        acl);
  server_process server({"--acl-file", acl, "--tracking-table-max-keys", "100"});
  raw_connection alice(server.port()), bob(server.port());
  roundtrip(alice, {"HELLO", "3", "AUTH", "alice", "a"});
  roundtrip(bob, {"HELLO", "3", "AUTH", "bob", "b"});
  roundtrip(alice, {"CLIENT", "TRACKING", "on"});
  roundtrip(bob, {"CLIENT", "TRACKING", "on"});
  // bob reads ten keys, and all ten answers (nulls) are in before alice starts.
  std::string bob_gets;
  for (int i = 0; i < 10; ++i) bob_gets += encode_command({"GET", "b" + std::to_string(i)});
  bob.send(bob_gets);
  std::string bob_answers;
  for (int answered = 0; answered < 10;) {
    std::string more = bob.read_bytes(1, 2s);
    REQUIRE(!more.empty());
    bob_answers += more;
    answered = 0;
    for (std::size_t at = 0; (at = bob_answers.find("_\r\n", at)) != std::string::npos; at += 3) {
      ++answered;
    }
  }
  std::string gets;
  for (int i = 0; i < 150; ++i) gets += encode_command({"GET", "a" + std::to_string(i)});
  alice.send(gets);
  const std::string alice_seen = alice.read_bytes(1 << 20, 1s);
  // alice's 60 oldest keys were pushed out (and she was told); none of bob's.
  CHECK(alice_seen.find(push_for("a0")) != std::string::npos);
  CHECK(alice_seen.find(push_for("a59")) != std::string::npos);
  CHECK(alice_seen.find(push_for("a60")) == std::string::npos);
  CHECK(bob.read_bytes(1 << 20, 200ms).empty());
  client admin(server.port());
  CHECK(info_field(admin, "stats", "tracking_total_keys") == 100);
}

TEST_CASE("tracking: a client that goes away leaves no registration behind") {
  server_process server;
  client admin(server.port());
  {
    raw_connection c(server.port());
    roundtrip(c, {"HELLO", "3"});
    roundtrip(c, {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p"});
    CHECK(info_field(admin, "stats", "tracking_total_prefixes") == 1);
    CHECK(info_field(admin, "clients", "tracking_clients") == 1);
  }
  const auto start = steady::now();
  while (info_field(admin, "clients", "tracking_clients") != 0 && steady::now() - start < 3s) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(info_field(admin, "clients", "tracking_clients") == 0);
  CHECK(info_field(admin, "stats", "tracking_total_prefixes") == 0);
}

TEST_CASE("tracking: node-redis v5's client-side cache stays coherent across two servers") {
  server_process a;
  server_process b({}, false, a.schema());
  const std::string out = shell("node " FASTPGCACHE_SOURCE_DIR
                                "/tests/clients/node/client_cache_check.js " +
                                std::to_string(a.port()) + " " + std::to_string(b.port()) + " 2>&1");
  CAPTURE(out);
  CHECK(out.find("node-redis client cache: ok") != std::string::npos);
}
