// Pub/sub: replies and the subscribed mode byte for byte against redis-server (RESP2 and RESP3),
// messages across two servers (order, a 1 MB message, patterns), tenant walls, the slow
// subscriber's limit, keyspace notifications, and a lost bus connection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

using command = std::vector<std::string>;

// Sends the commands in one write and returns everything that came back until it went quiet.
std::string exchange(raw_connection& c, const std::vector<command>& commands,
                     std::chrono::milliseconds quiet = 400ms) {
  std::string bytes;
  for (const auto& cmd : commands) bytes += encode_command(cmd);
  c.send(bytes);
  return c.read_bytes(1 << 24, quiet);
}

// The same commands on a fresh connection to each server; `hello3` switches both to RESP3 first
// (its reply, which carries the connection id, is not compared).
void compare_sequence(int ours, int theirs, const std::vector<command>& commands, bool hello3) {
  raw_connection a(ours), b(theirs);
  if (hello3) {
    exchange(a, {{"HELLO", "3"}});
    exchange(b, {{"HELLO", "3"}});
  }
  const std::string got = exchange(a, commands), want = exchange(b, commands);
  std::string shown;
  for (const auto& c : commands) {
    for (const auto& w : c) shown += w + " ";
    shown += "| ";
  }
  CAPTURE(shown, hello3);
  CHECK(got == want);
}

std::string tenants_acl() {
  const std::string acl = temp_path("pubsub.acl");
  // narrow has explicit rules: Redis 7's channel rules apply (none given: no channel at all).
  shell("printf 'user default on nopass ~* +@all\\nuser alice on >a\\nuser bob on >b\\n"
        "user narrow on >n ~* +@all &news* &exact\\nuser closed on >c ~* +@all\\n' > " +
        acl);
  return acl;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Reads subscription messages from a hiredis client until `n` arrived or `deadline` passed.
std::vector<reply> read_messages(client& c, std::size_t n, clock_type::time_point deadline) {
  std::vector<reply> got;
  while (got.size() < n && clock_type::now() < deadline) got.push_back(c.next_reply());
  return got;
}

}  // namespace

TEST_CASE("pub/sub replies and the subscribed mode are Redis's, RESP2 and RESP3") {
  server_process server;
  redis_server_process redis;
  const std::vector<std::vector<command>> sequences = {
      {{"SSUBSCRIBE", "a", "b"}, {"SUBSCRIBE", "c"}, {"PSUBSCRIBE", "p*"}, {"GET", "x"},
       {"CLIENT", "GETNAME"}, {"PING"}, {"PING", "hi"}, {"SUNSUBSCRIBE", "b"}, {"SUNSUBSCRIBE", "a"},
       {"UNSUBSCRIBE"}, {"PUNSUBSCRIBE"}, {"GET", "x"}},
      {{"UNSUBSCRIBE"}, {"PUNSUBSCRIBE"}, {"SUNSUBSCRIBE"}, {"UNSUBSCRIBE", "a", "b"},
       {"PUNSUBSCRIBE", "x", "x"}},
      {{"SUBSCRIBE", "a", "a", "b"}, {"SUBSCRIBE", "b"}, {"UNSUBSCRIBE", "zz"},
       {"UNSUBSCRIBE", "a"}, {"SET", "k", "v"}, {"UNSUBSCRIBE", "b"}, {"SET", "k", "v"}},
      {{"MULTI"}, {"SUBSCRIBE", "a"}, {"EXEC"}, {"GET", "x"}, {"RESET"}, {"GET", "x"}},
      {{"SUBSCRIBE"}, {"PSUBSCRIBE"}, {"SSUBSCRIBE"}, {"PUBLISH", "a"}, {"SPUBLISH", "a"},
       {"PUBLISH", "nobody", "x"}, {"SPUBLISH", "nobody", "x"}},
      {{"PUBSUB", "CHANNELS"}, {"PUBSUB", "NUMSUB", "a", "b"}, {"PUBSUB", "NUMPAT"},
       {"PUBSUB", "SHARDCHANNELS", "*"}, {"PUBSUB", "SHARDNUMSUB"}, {"PUBSUB", "NUMSUB"},
       {"PUBSUB", "FOO"}, {"PUBSUB", "CHANNELS", "a", "b"}, {"PUBSUB", "NUMPAT", "x"},
       {"PUBSUB"}, {"PUBSUB", "HELP"}},
      {{"SUBSCRIBE", "one"}, {"PSUBSCRIBE", "o*"}, {"SSUBSCRIBE", "s1"},
       {"PUBSUB", "CHANNELS"}, {"PUBSUB", "NUMSUB", "one", "two"}, {"PUBSUB", "NUMPAT"},
       {"PUBSUB", "SHARDCHANNELS"}, {"PUBSUB", "SHARDNUMSUB", "s1"}},
      {{"EVAL", "return redis.call('publish','x','y')", "0"},
       {"EVAL", "return pcall(redis.call, 'subscribe', 'x')", "0"},
       {"EVAL", "redis.setresp(3); return pcall(redis.call, 'subscribe', 'x')", "0"}},
  };
  for (const bool resp3 : {false, true}) {
    for (const auto& seq : sequences) compare_sequence(server.port(), redis.port(), seq, resp3);
  }
}

TEST_CASE("messages reach subscribers as redis-server sends them: message, pmessage, smessage") {
  server_process server;
  redis_server_process redis;
  for (const bool resp3 : {false, true}) {
    std::map<int, std::string> received;
    std::map<int, std::string> publish_replies;
    for (const int port : {server.port(), redis.port()}) {
      raw_connection sub(port), pub(port);
      if (resp3) exchange(sub, {{"HELLO", "3"}});
      exchange(sub, {{"SUBSCRIBE", "news", "bin"},
                     // Disjoint patterns: Redis's order among patterns matching one message is
                     // its dict's (random per process).
                     {"PSUBSCRIBE", "n*", "b[i]n"},
                     {"SSUBSCRIBE", "shard"}});
      publish_replies[port] = exchange(pub, {{"PUBLISH", "news", "hello"},
                                             {"PUBLISH", "bin", std::string("\0\r\n\xff", 4)},
                                             {"PUBLISH", "nothing", "x"},
                                             {"PUBLISH", "other", "y"},
                                             {"SPUBLISH", "shard", "s"},
                                             {"SPUBLISH", "news", "not for channel subscribers"}});
      std::string got = sub.read_bytes(1 << 20, 400ms);
      // RESP3 lets a subscriber run ordinary commands between the messages.
      if (resp3) got += exchange(sub, {{"SET", "k", "v"}, {"GET", "k"}, {"PING"}});
      received[port] = got;
    }
    CAPTURE(resp3);
    CHECK(publish_replies[server.port()] == publish_replies[redis.port()]);
    CHECK(received[server.port()] == received[redis.port()]);
  }
}

TEST_CASE("channels are per tenant: names, patterns, PUBSUB and counts never cross tenants") {
  const std::string acl = tenants_acl();
  server_process a({"--acl-file", acl});
  server_process b({"--acl-file", acl}, false, a.schema());
  client alice_sub(a.port()), alice_pub_b(b.port()), bob(b.port()), bob_here(a.port());
  alice_sub.cmd({"AUTH", "alice", "a"});
  alice_pub_b.cmd({"AUTH", "alice", "a"});
  bob.cmd({"AUTH", "bob", "b"});
  bob_here.cmd({"AUTH", "bob", "b"});
  alice_sub.append({"SUBSCRIBE", "news"});
  alice_sub.append({"PSUBSCRIBE", "*"});
  alice_sub.flush();
  CHECK(alice_sub.next_reply().render() == "[\"subscribe\", \"news\", 1]");
  CHECK(alice_sub.next_reply().render() == "[\"psubscribe\", \"*\", 2]");
  // Bob on the same server: his `news` has no subscriber, and he sees none of alice's.
  CHECK(bob_here.cmd({"PUBLISH", "news", "from bob"}).integer == 0);
  CHECK(bob_here.cmd({"PUBSUB", "CHANNELS"}).render() == "[]");
  CHECK(bob_here.cmd({"PUBSUB", "NUMSUB", "news"}).render() == "[\"news\", 0]");
  CHECK(bob_here.cmd({"PUBSUB", "NUMPAT"}).integer == 0);
  CHECK(bob.cmd({"PUBLISH", "news", "from bob on b"}).integer == 0);
  // Alice through the other server reaches her own subscriber (the channel and her pattern).
  CHECK(alice_pub_b.cmd({"PUBLISH", "news", "from alice"}).integer == 0);  // none on b
  const auto got = read_messages(alice_sub, 2, clock_type::now() + 10s);
  REQUIRE(got.size() == 2);
  CHECK(got[0].render() == "[\"message\", \"news\", \"from alice\"]");
  CHECK(got[1].render() == "[\"pmessage\", \"*\", \"news\", \"from alice\"]");
  // Nothing of bob's arrived before or after: the next thing on the connection is PING's answer.
  alice_sub.append({"PING"});
  alice_sub.flush();
  CHECK(alice_sub.next_reply().render() == "[\"pong\", \"\"]");
  // A RESP2 subscriber cannot change identity (AUTH is refused in the subscribed mode).
  alice_sub.append({"AUTH", "bob", "b"});
  alice_sub.flush();
  CHECK(alice_sub.next_reply().str.find("Can't execute 'auth'") != std::string::npos);
}

TEST_CASE("ACL channel rules (&pattern) hold as in Redis 7, within the tenant's own channels") {
  server_process server({"--acl-file", tenants_acl()});
  client narrow(server.port()), closed(server.port()), root(server.port());
  narrow.cmd({"AUTH", "narrow", "n"});
  closed.cmd({"AUTH", "closed", "c"});
  const std::string denied =
      "NOPERM this user has no permissions to access one of the channels used as arguments";
  CHECK(narrow.cmd({"PUBLISH", "news:1", "x"}).integer == 0);
  CHECK(narrow.cmd({"PUBLISH", "sports", "x"}).str == denied);
  CHECK(narrow.cmd({"SPUBLISH", "exact", "x"}).integer == 0);
  CHECK(closed.cmd({"PUBLISH", "anything", "x"}).str == denied);
  // A pattern must be one of the rules literally; a channel must match one.
  CHECK(narrow.cmd({"PSUBSCRIBE", "news*"}).render() == "[\"psubscribe\", \"news*\", 1]");
  CHECK(narrow.cmd({"PSUBSCRIBE", "n*"}).str == denied);
  CHECK(narrow.cmd({"SUBSCRIBE", "news:2", "sports"}).str == denied);  // all or nothing
  CHECK(narrow.cmd({"PUNSUBSCRIBE"}).render() == "[\"punsubscribe\", \"news*\", 0]");
  CHECK(root.cmd({"ACL", "DRYRUN", "narrow", "PUBLISH", "sports", "x"}).str ==
        "This user has no permissions to access the 'sports' channel");
  CHECK(root.cmd({"ACL", "DRYRUN", "narrow", "PUBLISH", "news:9", "x"}).str == "OK");
}

TEST_CASE("two servers: 1,000 messages from 4 publishers on A reach 10 subscribers on B in order") {
  server_process a;
  server_process b({}, false, a.schema());
  constexpr std::size_t publishers = 4, per_publisher = 250, subscribers = 10;
  std::vector<std::unique_ptr<client>> subs;
  for (std::size_t i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<client>(b.port()));
    // Half by channel, half by pattern.
    subs.back()->append(i % 2 == 0 ? command{"SUBSCRIBE", "feed"} : command{"PSUBSCRIBE", "fe*"});
    subs.back()->flush();
    REQUIRE(subs.back()->next_reply().type == REDIS_REPLY_ARRAY);
  }
  std::vector<std::thread> threads;
  std::atomic<long long> published_at_ns{0};
  for (std::size_t p = 0; p < publishers; ++p) {
    threads.emplace_back([&, p] {
      client pub(a.port());
      for (std::size_t i = 0; i < per_publisher; ++i) {
        pub.cmd({"PUBLISH", "feed", std::to_string(p) + ":" + std::to_string(i)});
      }
    });
  }
  for (auto& t : threads) t.join();
  published_at_ns = clock_type::now().time_since_epoch().count();
  for (std::size_t s = 0; s < subscribers; ++s) {
    const auto got = read_messages(*subs[s], publishers * per_publisher, clock_type::now() + 30s);
    REQUIRE(got.size() == publishers * per_publisher);
    std::vector<std::size_t> next(publishers, 0);
    for (const auto& m : got) {
      const std::string& payload = m.elements.back().str;
      const auto p = std::stoul(payload.substr(0, payload.find(':')));
      const auto i = std::stoul(payload.substr(payload.find(':') + 1));
      CAPTURE(s, payload);
      REQUIRE(i == next[p]);  // each publisher's messages in its order, none lost
      ++next[p];
    }
  }
  // One at a time: the latency of a message from A to a subscriber on B.
  std::vector<double> ms;
  client pub(a.port());
  for (int round = 0; round < 50; ++round) {
    const auto t0 = clock_type::now();
    pub.cmd({"PUBLISH", "feed", "ping" + std::to_string(round)});
    const auto m = subs[0]->next_reply();
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    REQUIRE(m.elements.back().str == "ping" + std::to_string(round));
    for (std::size_t s = 1; s < subscribers; ++s) subs[s]->next_reply();
  }
  WARN("PUBLISH on A -> message on B, 50 rounds: p50 " << percentile(ms, 0.5) << " ms, p99 "
                                                        << percentile(ms, 0.99) << " ms");
  // A 1 MB message goes through the side table.
  const std::string big(1 << 20, 'm');
  pub.cmd({"PUBLISH", "feed", big});
  for (auto& s : subs) CHECK(s->next_reply().elements.back().str == big);
  CHECK(shell("psql -X -A -t '" + pg_uri() + "' -c \"SELECT count(*) FROM " + a.schema() +
              ".cache_messages\"") == "1\n");
}

TEST_CASE("a subscriber that stops reading is disconnected at its limit; the others keep going") {
  server_process server({"--pubsub-buffer-hard-limit", "4mb", "--pubsub-buffer-soft-limit", "0"});
  client admin(server.port()), fast(server.port());
  raw_connection slow(server.port());
  slow.send(encode_command({"SUBSCRIBE", "firehose"}));
  fast.append({"SUBSCRIBE", "firehose"});
  fast.flush();
  REQUIRE(fast.next_reply().type == REDIS_REPLY_ARRAY);
  const std::string payload(64 * 1024, 'p');
  constexpr int messages = 600;  // 38 MB: far past the limit and the kernel's socket buffers
  std::atomic<int> fast_got{0};
  std::thread reader([&] {
    for (int i = 0; i < messages; ++i) {
      if (fast.next_reply().elements.size() != 3) break;
      ++fast_got;
    }
  });
  client pub(server.port());
  for (int i = 0; i < messages; ++i) pub.cmd({"PUBLISH", "firehose", payload});
  reader.join();
  CHECK(fast_got == messages);
  CHECK(info_field(admin, "stats", "client_output_buffer_limit_disconnections") == 1);
  CHECK(slow.closed_by_peer(10s));
  const long long rss = info_field(admin, "memory", "used_memory_rss");
  WARN("after 38 MB published to a subscriber that does not read: RSS " << rss / 1048576
                                                                        << " MB");
  CHECK(rss < 300ll * 1024 * 1024 + freed_memory_slack);
  CHECK(server.log().find("overcoming of output buffer limits") != std::string::npos);
}

TEST_CASE("keyspace notifications are Redis's events, for the key's own tenant, from every server") {
  server_process server({"--expire-sweep-interval", "0.1"});
  redis_server_process redis;
  const std::vector<command> writes = {
      {"SET", "a", "1"}, {"SET", "a", "2", "EX", "100"}, {"SETNX", "a", "3"}, {"INCR", "n"},
      {"INCRBYFLOAT", "n", "1.5"}, {"APPEND", "a", "x"}, {"MSET", "b", "1", "c", "2"},
      {"DEL", "b", "c"}, {"DEL", "nothing"}, {"EXPIRE", "a", "100"}, {"PERSIST", "a"},
      {"EXPIRE", "a", "-1"}, {"RPUSH", "l", "a", "b", "c"}, {"LPOP", "l"}, {"LPOP", "nolist"},
      {"LSET", "l", "0", "z"}, {"LTRIM", "l", "0", "-1"}, {"LMOVE", "l", "l2", "LEFT", "RIGHT"},
      {"HSET", "h", "f", "v", "g", "w"}, {"HDEL", "h", "f"}, {"HDEL", "h", "f"},
      {"HINCRBY", "h", "i", "1"}, {"SADD", "s", "a", "b", "c"}, {"SREM", "s", "a"},
      {"SMOVE", "s", "s2", "b"}, {"ZADD", "z", "1", "a", "2", "b", "3", "c"},
      {"ZINCRBY", "z", "1", "a"}, {"ZREM", "z", "a"}, {"ZPOPMIN", "z"},
      {"ZREMRANGEBYSCORE", "z", "0", "2"}, {"SET", "r", "1"}, {"RENAME", "r", "r2"},
      {"GETDEL", "r2"}, {"SET", "t", "v", "PX", "50"}};
  std::map<int, std::vector<std::string>> events;
  for (const int port : {server.port(), redis.port()}) {
    client c(port), sub(port);
    c.cmd({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
    CHECK(c.cmd({"CONFIG", "GET", "notify-keyspace-events"}).render() ==
          "[\"notify-keyspace-events\", \"AKE\"]");
    sub.append({"PSUBSCRIBE", "__key*__:*"});
    sub.flush();
    sub.next_reply();
    for (const auto& w : writes) c.cmd(w);
    // "t" expires after 50 ms: the sweeper (every 100 ms here) deletes it and says "expired";
    // that is the last event.
    const auto deadline = clock_type::now() + 10s;
    while (clock_type::now() < deadline) {
      const reply m = sub.next_reply();
      REQUIRE(m.elements.size() == 4);
      events[port].push_back(m.elements[2].str + " " + m.elements[3].str);
      if (events[port].back() == "__keyevent@0__:expired t") break;
    }
  }
  // Redis also says "del" when a pop or removal empties a collection; FastPgCache does not (its
  // reply does not say whether the collection became empty): those lines are left out of the
  // comparison, and the README says so.
  std::vector<std::string> want;
  const auto& theirs = events[redis.port()];
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    const bool emptied_del =
        (theirs[i] == "__keyspace@0__:l del" || theirs[i] == "__keyspace@0__:s del" ||
         theirs[i] == "__keyspace@0__:z del" || theirs[i] == "__keyevent@0__:del l" ||
         theirs[i] == "__keyevent@0__:del s" || theirs[i] == "__keyevent@0__:del z");
    if (!emptied_del) want.push_back(theirs[i]);
  }
  CHECK(events[server.port()] == want);
}

TEST_CASE("keyspace notifications reach the key's tenant on another server, expired ones too") {
  const std::string acl = tenants_acl();
  server_process a({"--acl-file", acl, "--notify-keyspace-events", "Ex"});
  server_process b({"--acl-file", acl, "--notify-keyspace-events", "Ex", "--expire-sweep-interval",
                    "0.05"},
                   false, a.schema());
  client alice_sub(a.port()), bob_sub(a.port()), alice_b(b.port());
  alice_sub.cmd({"AUTH", "alice", "a"});
  bob_sub.cmd({"AUTH", "bob", "b"});
  alice_b.cmd({"AUTH", "alice", "a"});
  for (client* c : {&alice_sub, &bob_sub}) {
    c->append({"SUBSCRIBE", "__keyevent@0__:expired"});
    c->flush();
    c->next_reply();
  }
  const auto t0 = clock_type::now();
  alice_b.cmd({"SET", "session:1", "x", "PX", "100"});
  const reply m = alice_sub.next_reply();
  const auto late_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count() - 100;
  CHECK(m.render() == "[\"message\", \"__keyevent@0__:expired\", \"session:1\"]");
  WARN("expired event " << late_ms << " ms after the key's expiry (sweeper every 50 ms)");
  CHECK(late_ms < 5000);
  // A write's notices belong to the tenant it ran as, even when an AUTH pipelined after it
  // switches the connection before its reply is back.
  client switching(b.port());
  switching.cmd({"AUTH", "alice", "a"});
  switching.cmd({"CONFIG", "SET", "notify-keyspace-events", "KEA"});  // alice is a tenant: refused
  for (client* c : {&alice_sub, &bob_sub}) {
    c->append({"PSUBSCRIBE", "__keyspace@0__:*"});
    c->flush();
    c->next_reply();
  }
  client op(b.port());
  CHECK(op.cmd({"CONFIG", "SET", "notify-keyspace-events", "KEA"}).str == "OK");
  switching.append({"SET", "alice-secret", "v"});
  switching.append({"AUTH", "bob", "b"});
  switching.flush();
  CHECK(switching.next_reply().str == "OK");
  CHECK(switching.next_reply().str == "OK");
  const reply seen = alice_sub.next_reply();
  CHECK(seen.render() == "[\"pmessage\", \"__keyspace@0__:*\", \"__keyspace@0__:alice-secret\", \"set\"]");
  // Bob, subscribed to the same channel names, heard nothing of alice's keys.
  bob_sub.append({"PING"});
  bob_sub.flush();
  CHECK(bob_sub.next_reply().render() == "[\"pong\", \"\"]");
}

TEST_CASE("a lost bus connection reconnects, says messages may have been lost, and carries on") {
  server_process a;
  server_process b({}, false, a.schema());
  client sub(b.port()), pub(a.port()), admin(b.port());
  sub.append({"SUBSCRIBE", "after"});
  sub.flush();
  sub.next_reply();
  shell("psql -X -A -t '" + pg_uri() +
        "' -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name "
        "= 'fastpgcache-bus'\" >/dev/null");
  // Both buses reconnect (INFO counts it); then a message goes through again.
  client admin_a(a.port());
  const auto deadline = clock_type::now() + 20s;
  while (clock_type::now() < deadline &&
         (info_field(admin, "stats", "pubsub_bus_reconnects") < 1 ||
          info_field(admin_a, "stats", "pubsub_bus_reconnects") < 1)) {
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(info_field(admin, "stats", "pubsub_bus_reconnects") >= 1);
  REQUIRE(info_field(admin_a, "stats", "pubsub_bus_reconnects") >= 1);
  pub.cmd({"PUBLISH", "after", "final"});
  const bool through = sub.next_reply().elements.back().str == "final";
  CHECK(through);
  CHECK(b.log().find("pub/sub messages from other servers may have been lost") !=
        std::string::npos);
}
