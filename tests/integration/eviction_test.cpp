// The size bound: exact stored-byte tracking, -OOM under noeviction, and eviction keeping the
// stored size under --maxmemory / --maxmemory-per-user under write-heavy load.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

// What PostgreSQL itself says the user's rows hold.
long long stored_in_table(const server_process& server, const std::string& user) {
  return std::atoll(shell("psql '" + pg_uri() +
                          "' -Atc \"SELECT coalesce(sum(octet_length(key) + "
                          "octet_length(value)), 0) FROM \\\"" +
                          server.schema() + "\\\".cache WHERE tenant = '" + user + "'\"")
                        .c_str());
}

// The server refreshes its usage snapshot every second without a bound (100 ms with one).
void wait_for_refresh() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
}

// Four clients (authenticated in turn as `users`, if any) pipelining 1 KB SETs as fast as they
// can, ~8 MB in all, while a watcher polls PostgreSQL's own count (`peak_sql` over the usage
// table the triggers keep: not the server's view, which lags its writes). Returns the largest
// value seen; counts error replies into `errors`.
long long write_burst_peak(const server_process& server,
                           const std::vector<std::pair<std::string, std::string>>& users,
                           const std::string& peak_sql, std::atomic<int>& errors) {
  std::atomic<bool> stop{false};
  std::atomic<long long> peak{0};
  std::thread watcher([&] {
    const std::string query = "psql -XAtq '" + pg_uri() + "' -c '" + peak_sql + "'";
    while (!stop) {
      const long long now = std::atoll(shell(query).c_str());
      if (now > peak) peak = now;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      client c(server.port());
      if (!users.empty()) {
        const auto& [user, password] = users[static_cast<std::size_t>(t) % users.size()];
        errors += c.cmd({"AUTH", user, password}).str != "OK";
      }
      for (int batch = 0; batch < 40; ++batch) {  // 4 x 40 x 50 x ~1 KB = ~8 MB written
        for (int i = 0; i < 50; ++i) {
          c.append({"SET", "w" + std::to_string(t) + ":" + std::to_string(batch * 50 + i),
                    std::string(1000, 'v')});
        }
        for (int i = 0; i < 50; ++i) errors += c.next_reply().str != "OK";
      }
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  watcher.join();
  return peak.load();
}

}  // namespace

TEST_CASE("stored bytes per user are tracked exactly through every kind of write") {
  server_process server({"--expire-sweep-interval", "0.2"});
  client c(server.port());
  c.cmd({"SET", "a", "12345"});
  c.cmd({"SET", "a", "1"});           // overwrite shrinks
  c.cmd({"APPEND", "a", "2345678"});  // grows in place
  c.cmd({"MSET", "b", "xx", "c", "yyy", "d", "z"});
  c.cmd({"DEL", "d"});
  c.cmd({"RENAME", "c", "renamed"});
  c.cmd({"COPY", "b", "copied"});
  c.cmd({"INCRBYFLOAT", "f", "1.5"});
  c.cmd({"SETRANGE", "a", "20", "tail"});
  c.cmd({"SET", "gone", "soon", "PX", "50"});  // expired, then swept
  for (int i = 0; i < 100; ++i)
    c.cmd({"SET", "k" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v')});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  wait_for_refresh();
  const long long expected = stored_in_table(server, "default");
  CHECK(expected > 5000);
  CHECK(info_field(c, "memory", "used_memory_stored_user") == expected);
  c.cmd({"FLUSHDB"});
  wait_for_refresh();
  CHECK(info_field(c, "memory", "used_memory_stored_user") == 0);
}

TEST_CASE(
    "noeviction: writes past the bound get -OOM, reads and deletes still work, others unaffected") {
  const std::string acl = temp_path("users.acl");
  shell("printf 'user alice on >a\\nuser bob on >b\\n' > " + acl);
  server_process server({"--acl-file", acl, "--maxmemory-per-user", "20000"});
  client alice(server.port());
  client bob(server.port());
  REQUIRE(alice.cmd({"AUTH", "alice", "a"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "b"}).str == "OK");
  // Writes go through until the bound, then the first one past it is refused (the server checks
  // a fresh reading of the usage before refusing, so none is refused early).
  int accepted = 0;
  std::string refused;
  for (int i = 0; i < 30 && refused.empty(); ++i) {
    const reply r = alice.cmd({"SET", "k" + std::to_string(i), std::string(1000, 'x')});
    if (r.str == "OK")
      ++accepted;
    else
      refused = r.str;
  }
  CHECK(refused == "OOM command not allowed when used memory > 'maxmemory-per-user'.");
  CHECK(accepted >= 19);  // 20,000 bytes hold 19 keys of 1,002 bytes
  CHECK(stored_in_table(server, "alice") <= 20000 + 1002);
  CHECK(alice.cmd({"SET", "one-more", "x"}).str == refused);
  CHECK(alice.cmd({"GET", "k1"}).str == std::string(1000, 'x'));
  // Inside MULTI the refusal comes at queue time and aborts EXEC, as in Redis.
  alice.cmd({"MULTI"});
  CHECK(alice.cmd({"SET", "q", "1"}).str.rfind("OOM", 0) == 0);
  CHECK(alice.cmd({"EXEC"}).str.rfind("EXECABORT", 0) == 0);
  CHECK(bob.cmd({"SET", "mine", "fine"}).str == "OK");  // bob's bytes are his own
  std::vector<std::string> del{"DEL"};
  for (int i = 0; i < 30; ++i) del.push_back("k" + std::to_string(i));
  CHECK(alice.cmd(del).integer == accepted);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(alice.cmd({"SET", "one-more", "x"}).str == "OK");
  CHECK(stored_in_table(server, "alice") < 20000);
}

TEST_CASE("eviction keeps the stored size under --maxmemory under write-heavy load") {
  const long long limit = 1024 * 1024;
  server_process server({"--maxmemory", "1mb", "--maxmemory-policy", "allkeys-random"});
  std::atomic<int> errors{0};
  const long long peak = write_burst_peak(
      server, {}, "SELECT coalesce(sum(bytes), 0) FROM \"" + server.schema() + "\".cache_usage",
      errors);
  client c(server.port());
  long long settled = 0;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    settled = info_field(c, "memory", "used_memory_stored");
    if (settled <= limit) break;
  }
  CHECK(errors.load() == 0);
  CHECK(settled <= limit);
  CHECK(stored_in_table(server, "default") <= limit);
  CHECK(info_field(c, "stats", "evicted_keys") > 1000);
  // Writers wait at the bound while eviction makes room: the size passes it by about the writes
  // already on their way when the server's estimate reached it (4 clients x 50 x 1 KB at most).
  CHECK(peak < limit + 4 * 50 * 1100);
  std::printf("eviction under load: limit %lld bytes, peak %lld (%.2fx), settled %lld\n", limit,
              peak, static_cast<double>(peak) / static_cast<double>(limit), settled);
}

TEST_CASE("eviction keeps each user under --maxmemory-per-user under write-heavy load") {
  const long long limit = 512 * 1024;
  const std::string acl = temp_path("users.acl");
  shell("printf 'user alice on >a\\nuser bob on >b\\n' > " + acl);
  server_process server(
      {"--acl-file", acl, "--maxmemory-per-user", "512kb", "--maxmemory-policy", "allkeys-lru"});
  std::atomic<int> errors{0};
  const long long peak =
      write_burst_peak(server, {{"alice", "a"}, {"bob", "b"}},
                       "SELECT coalesce(max(b), 0) FROM (SELECT sum(bytes) AS b FROM \"" +
                           server.schema() + "\".cache_usage GROUP BY tenant) AS u",
                       errors);
  CHECK(errors.load() == 0);
  CHECK(peak < limit + 2 * 50 * 1100);  // two clients per user
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(stored_in_table(server, "alice") <= limit);
  CHECK(stored_in_table(server, "bob") <= limit);
  CHECK(stored_in_table(server, "alice") > limit / 2);  // each kept about its own share
  CHECK(stored_in_table(server, "bob") > limit / 2);
  std::printf("per-user eviction under load: limit %lld bytes each, peak %lld (%.2fx)\n", limit,
              peak, static_cast<double>(peak) / static_cast<double>(limit));
}

TEST_CASE("allkeys-lru keeps the keys that are being read") {
  server_process server(
      {"--maxmemory", "500kb", "--maxmemory-policy", "allkeys-lru", "--lru-clock-resolution", "1"});
  client c(server.port());
  for (int i = 0; i < 50; ++i) c.cmd({"SET", "hot" + std::to_string(i), std::string(1000, 'h')});
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    client r(server.port());
    std::vector<std::string> mget{"MGET"};
    for (int i = 0; i < 50; ++i) mget.push_back("hot" + std::to_string(i));
    while (!stop) {
      r.cmd(mget);
      for (int i = 0; i < 50; i += 5) r.cmd({"GET", "hot" + std::to_string(i)});
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  // ~1.2 MB of keys written once and never read, at a pace that turns the cache over in ~2.7 s
  // (the access clock lags a read by at most its resolution + 0.25 s).
  for (int i = 0; i < 1200; ++i) {
    c.cmd({"SET", "cold" + std::to_string(i), std::string(1000, 'c')});
    if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  stop = true;
  reader.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<std::string> exists{"EXISTS"};
  for (int i = 0; i < 50; ++i) exists.push_back("hot" + std::to_string(i));
  const long long hot_left = c.cmd(exists).integer;
  std::vector<std::string> old_cold{"EXISTS"};
  for (int i = 0; i < 300; ++i) old_cold.push_back("cold" + std::to_string(i));
  const long long old_cold_left = c.cmd(old_cold).integer;
  std::printf("allkeys-lru: %lld of 50 hot keys kept, %lld of the 300 oldest cold keys kept\n",
              hot_left, old_cold_left);
  CHECK(hot_left >= 45);
  CHECK(old_cold_left <= 30);
}

TEST_CASE("volatile-ttl evicts keys with a TTL, soonest first, and never persistent ones") {
  server_process server({"--maxmemory-per-user", "60kb", "--maxmemory-policy", "volatile-ttl"});
  client c(server.port());
  for (int i = 0; i < 20; ++i) c.cmd({"SET", "keep" + std::to_string(i), std::string(1000, 'p')});
  for (int i = 0; i < 100; ++i) {
    c.cmd({"SET", "t" + std::to_string(i), std::string(1000, 't'), "EX", std::to_string(1000 + i)});
  }
  long long stored = 0;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // at least one refresh first
    stored = info_field(c, "memory", "used_memory_stored_user");
    if (stored > 0 && stored <= 60 * 1024) break;
  }
  CHECK(stored <= 60 * 1024);
  CHECK(stored > 20 * 1000);
  std::vector<std::string> persistent{"EXISTS"};
  for (int i = 0; i < 20; ++i) persistent.push_back("keep" + std::to_string(i));
  CHECK(c.cmd(persistent).integer == 20);
  INFO(shell(
      "psql '" + pg_uri() +
      "' -Atc \"SELECT string_agg(convert_from(key, 'UTF8'), ' ' ORDER BY expires_at) FROM \\\"" +
      server.schema() + "\\\".cache WHERE expires_at IS NOT NULL\""));
  CHECK(c.cmd({"EXISTS", "t99"}).integer == 1);  // the latest expiry stays
  CHECK(c.cmd({"EXISTS", "t0"}).integer == 0);   // the soonest went first
}

TEST_CASE("a volatile policy with nothing left to evict answers -OOM, as Redis does") {
  server_process server({"--maxmemory-per-user", "10kb", "--maxmemory-policy", "volatile-lru"});
  client c(server.port());
  // Persistent keys only: nothing a volatile policy may take.
  std::string refused;
  for (int i = 0; i < 200 && refused.empty(); ++i) {
    const reply r = c.cmd({"SET", "p" + std::to_string(i), std::string(1000, 'p')});
    if (r.is_error())
      refused = r.str;
    else
      REQUIRE(r.str == "OK");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(refused == "OOM command not allowed when used memory > 'maxmemory-per-user'.");
  CHECK(c.cmd({"GET", "p0"}).str == std::string(1000, 'p'));  // reads still work
  std::vector<std::string> del{"DEL"};
  for (int i = 0; i < 200; ++i) del.push_back("p" + std::to_string(i));
  CHECK(c.cmd(del).integer > 10);
  // Room again once a reading of the usage shows it (the bound task reads every 100 ms).
  std::string after;
  for (int i = 0; i < 50; ++i) {
    after = c.cmd({"SET", "again", "x"}).str;
    if (after == "OK") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(after == "OK");
}
