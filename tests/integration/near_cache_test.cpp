// The near cache end to end: hits without PostgreSQL, exact expiry, read-your-writes under
// racing readers, invalidation across servers and from SQL (lag measured), WATCH/MULTI/scripts
// reading PostgreSQL, and a lost bus emptying the cache.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "pg_session.hpp"

using namespace fpc::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {
long long near_hits(client& c) { return info_field(c, "stats", "near_cache_hits"); }

// Waits until `c` answers GET `key` with `want`; the time it took, or -1 ms after `limit`.
std::chrono::microseconds until_value(client& c, const std::string& key, const std::string& want,
                                      std::chrono::milliseconds limit) {
  const auto start = steady::now();
  while (steady::now() - start < limit) {
    const reply r = c.cmd({"GET", key});
    if (r.type == REDIS_REPLY_STRING && r.str == want) {
      return std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start);
    }
    std::this_thread::sleep_for(200us);
  }
  return std::chrono::microseconds(-1);
}

// Caches `key` on the server behind `c` (its second GET is a near-cache hit).
void warm(client& c, const std::string& key) {
  const long long before = near_hits(c);
  for (int i = 0; i < 50 && near_hits(c) == before; ++i) {
    c.cmd({"GET", key});
    c.cmd({"GET", key});
  }
  REQUIRE(near_hits(c) > before);
}

}  // namespace

TEST_CASE("near cache: hits answer without PostgreSQL and expiry is exact") {
  server_process server;
  client c(server.port());
  REQUIRE(info_field(c, "stats", "near_cache_enabled") == 1);
  REQUIRE(c.cmd({"SET", "k", "v"}).str == "OK");
  warm(c, "k");
  const long long hits = near_hits(c);
  for (int i = 0; i < 200; ++i) REQUIRE(c.cmd({"GET", "k"}).str == "v");
  CHECK(near_hits(c) - hits == 200);
  CHECK(info_field(c, "stats", "keyspace_hits") >= 200);

  // The remaining TTL comes from PostgreSQL; a held copy dies with the key, never later.
  REQUIRE(c.cmd({"SET", "t", "x", "PX", "400"}).str == "OK");
  const auto set_at = steady::now();
  warm(c, "t");
  std::this_thread::sleep_until(set_at + 420ms);
  CHECK(c.cmd({"GET", "t"}).is_nil());
}

TEST_CASE("near cache: a client reads its own writes while other clients race to fill") {
  server_process server;
  client writer(server.port());
  REQUIRE(writer.cmd({"SET", "k", "0"}).str == "OK");
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      client c(server.port());
      // Paced a little: readers flat out on one key can trip this VM's lost socket wake-ups
      // (see the 2026-12-07 note), which show here as -ERR after --pg-timeout, not as staleness.
      while (!done.load()) {
        c.cmd({"GET", "k"});
        std::this_thread::sleep_for(100us);
      }
    });
  }
  std::vector<std::string> wrong, failed;
  for (int i = 1; i <= 400; ++i) {
    // Pipelined: the GET is dispatched while the SET is still in flight.
    writer.append({"SET", "k", std::to_string(i)});
    writer.append({"GET", "k"});
    const reply set = writer.next_reply();
    const reply pipelined = writer.next_reply();
    const reply after = writer.cmd({"GET", "k"});
    for (const reply* r : {&pipelined, &after}) {
      // A value other than the one just written is a coherence failure; an error reply (the
      // write itself failed, or PostgreSQL did not answer) is reported apart.
      auto& into = set.is_error() || r->is_error() ? failed : wrong;
      if (r->str != std::to_string(i)) {
        into.push_back("SET " + set.render() + " then GET " + r->render() + " for " +
                       std::to_string(i));
      }
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  for (const auto& w : wrong) WARN("stale: " << w);
  for (const auto& f : failed) WARN("error: " << f);
  CHECK(wrong.empty());
  // A command that failed (PostgreSQL unanswered, connection reset: resilience_test's ground) says
  // nothing about coherence, but most of the 400 rounds must have run for this test to mean much.
  CHECK(failed.size() < 10);
  CHECK(near_hits(writer) > 0);  // the readers really were served from the near cache
}

TEST_CASE("near cache: a write through one server invalidates the other's copy") {
  server_process a;
  server_process b({}, false, a.schema());
  client ca(a.port());
  client cb(b.port());
  REQUIRE(info_field(cb, "stats", "near_cache_enabled") == 1);
  std::vector<long long> lag_us;
  int never = 0;
  for (int i = 1; i <= 150; ++i) {
    const std::string old_value = std::to_string(i - 1);
    REQUIRE(ca.cmd({"SET", "k", old_value}).str == "OK");
    REQUIRE(until_value(cb, "k", old_value, 5000ms).count() >= 0);
    cb.cmd({"GET", "k"});  // held by B now
    REQUIRE(ca.cmd({"SET", "k", std::to_string(i)}).str == "OK");
    const auto took = until_value(cb, "k", std::to_string(i), 5000ms);
    if (took.count() < 0) {
      ++never;
    } else {
      lag_us.push_back(took.count());
    }
  }
  REQUIRE_FALSE(lag_us.empty());
  WARN("near cache invalidation lag across servers (SET acknowledged on A -> B serves it): p50 "
       << percentile_ms(lag_us, 0.5) << ", p99 " << percentile_ms(lag_us, 0.99) << ", max "
       << percentile_ms(lag_us, 1.0) << " over " << lag_us.size() << " writes");
  CHECK(never == 0);
  CHECK(info_field(cb, "stats", "near_cache_remote_invalidations") >= 150);
}

TEST_CASE("near cache: writes through the SQL API invalidate too; raw DML does not") {
  server_process server;
  client c(server.port());
  pg_session pg;
  const std::string s = server.schema();
  REQUIRE(c.cmd({"SET", "k", "resp"}).str == "OK");
  warm(c, "k");
  REQUIRE(pg.exec("SELECT " + s + ".set('default', 'k', 'sql')").ok());
  const auto took = until_value(c, "k", "sql", 5000ms);
  CHECK(took.count() >= 0);
  WARN("a write through the SQL API reached GET after " << static_cast<double>(took.count()) / 1000.0 << " ms");

  // A raw UPDATE bypasses the API (documented): the held copy stays until something else
  // invalidates it, but EXEC, scripts and a WATCHing client read PostgreSQL itself.
  warm(c, "k");
  REQUIRE(pg.exec("UPDATE " + s + ".cache SET value = 'raw' WHERE key = 'k'").ok());
  CHECK(c.cmd({"GET", "k"}).str == "sql");
  REQUIRE(c.cmd({"MULTI"}).str == "OK");
  REQUIRE(c.cmd({"GET", "k"}).str == "QUEUED");
  const reply exec = c.cmd({"EXEC"});
  REQUIRE(exec.elements.size() == 1);
  CHECK(exec.elements[0].str == "raw");
  CHECK(c.cmd({"EVAL", "return redis.call('GET', KEYS[1])", "1", "k"}).str == "raw");
  REQUIRE(c.cmd({"WATCH", "k"}).str == "OK");
  CHECK(c.cmd({"GET", "k"}).str == "raw");
  REQUIRE(c.cmd({"UNWATCH"}).str == "OK");
  // EVAL may write any key of the tenant: the tenant's copies are dropped with it.
  CHECK(c.cmd({"GET", "k"}).str == "raw");
}

TEST_CASE("near cache: a lost bus connection empties the cache before it serves again") {
  server_process server;
  client c(server.port());
  pg_session pg;
  const std::string s = server.schema();
  REQUIRE(c.cmd({"SET", "k", "before"}).str == "OK");
  warm(c, "k");
  const long long reconnects = info_field(c, "stats", "pubsub_bus_reconnects");
  // A change no invalidation announces, made while the bus is down.
  REQUIRE(pg.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                  "application_name = 'fastpgcache-bus'; "
                  "UPDATE " + s + ".cache SET value = 'after' WHERE key = 'k'").ok());
  const auto start = steady::now();
  while (info_field(c, "stats", "pubsub_bus_reconnects") == reconnects &&
         steady::now() - start < 10s) {
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(info_field(c, "stats", "pubsub_bus_reconnects") > reconnects);
  CHECK(c.cmd({"GET", "k"}).str == "after");
  CHECK(info_field(c, "stats", "near_cache_flushes") >= 2);
}
