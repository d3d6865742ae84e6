// KEYS and SCAN: Redis's glob, completeness under concurrent writes, and tenant isolation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {
std::vector<std::string> sorted_strings(const reply& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.str);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("KEYS matches what Redis matches (order aside)") {
  beside_redis pair;
  auto& ours = pair.ours;
  auto& theirs = pair.theirs;
  const std::vector<std::string> names{"user:1", "user:10",  "user:2", "users", "a[b", "a*b",
                                       "axb",    "h\xffllo", "hello",  "hallo", "",    "k\\x"};
  for (const auto& n : names) {
    REQUIRE(ours.cmd({"SET", n, "v"}).str == "OK");
    REQUIRE(theirs.cmd({"SET", n, "v"}).str == "OK");
  }
  for (const std::string pattern :
       {"*", "user:*", "user:?", "a\\*b", "a[*]b", "a[^*]b", "h[a-e]llo", "h?llo", "*llo", "k\\\\x",
        "nomatch*", "[", "user:1*"}) {
    CAPTURE(pattern);
    CHECK(sorted_strings(ours.cmd({"KEYS", pattern})) ==
          sorted_strings(theirs.cmd({"KEYS", pattern})));
  }
}

TEST_CASE("a full SCAN returns every key that existed throughout, while others write") {
  server_process server;
  client c(server.port());
  for (int i = 0; i < 1000; ++i)
    REQUIRE(c.cmd({"SET", "stable:" + std::to_string(i), "v"}).str == "OK");
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    client w(server.port());
    for (int i = 0; !stop; ++i) {
      w.cmd({"SET", "churn:" + std::to_string(i % 300), "v"});
      w.cmd({"DEL", "churn:" + std::to_string((i * 7) % 300)});
    }
  });
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    const reply r = c.cmd({"SCAN", cursor, "COUNT", "37"});
    REQUIRE(r.elements.size() == 2);
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) seen.insert(k.str);
    REQUIRE(++calls < 1000);  // it ends
  } while (cursor != "0");
  stop = true;
  writer.join();
  for (int i = 0; i < 1000; ++i) REQUIRE(seen.count("stable:" + std::to_string(i)) == 1);
  // MATCH and TYPE filter; errors as in Redis.
  const reply m = c.cmd({"SCAN", "0", "MATCH", "stable:99*", "COUNT", "100000"});
  CHECK(m.elements[0].str == "0");
  CHECK(m.elements[1].elements.size() == 11);
  CHECK(c.cmd({"SCAN", "0", "TYPE", "hash"}).elements[1].elements.empty());
  CHECK(c.cmd({"SCAN", "abc"}).str == "ERR invalid cursor");
  CHECK(c.cmd({"SCAN", "0", "COUNT", "0"}).str == "ERR syntax error");
  CHECK(c.cmd({"SCAN", "0", "BOGUS", "1"}).str == "ERR syntax error");
  // redis-cli's --scan walks the same cursors.
  const std::string cli =
      "redis-cli -p " + std::to_string(server.port()) + " --scan --pattern 'stable:1*' | wc -l";
  CHECK(shell(cli) == "111\n");
}

TEST_CASE("KEYS and SCAN never show another user's keys, and cursors are per user") {
  const std::string acl = "/tmp/fpc-scan-acl-" + std::to_string(::getpid());
  std::ofstream(acl) << "user alice on >a\nuser bob on >b\n";
  server_process server({"--acl-file", acl});
  client alice(server.port());
  client bob(server.port());
  REQUIRE(alice.cmd({"AUTH", "alice", "a"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "b"}).str == "OK");
  for (int i = 0; i < 30; ++i)
    REQUIRE(alice.cmd({"SET", "k" + std::to_string(i), "v"}).str == "OK");
  REQUIRE(bob.cmd({"SET", "mine", "v"}).str == "OK");
  CHECK(sorted_strings(bob.cmd({"KEYS", "*"})) == std::vector<std::string>{"mine"});
  const reply page = alice.cmd({"SCAN", "0", "COUNT", "5"});
  REQUIRE(page.elements[0].str != "0");
  // Bob cannot continue Alice's scan.
  CHECK(bob.cmd({"SCAN", page.elements[0].str}).str == "ERR invalid cursor");
  const reply all = bob.cmd({"SCAN", "0", "COUNT", "1000"});
  CHECK(sorted_strings(all.elements[1]) == std::vector<std::string>{"mine"});
  std::remove(acl.c_str());
}
