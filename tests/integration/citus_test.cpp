// On a Citus cluster only (make test-citus; hidden tag [.citus]): the tables are distributed by
// tenant and co-located, each tenant's rows of every type live on one shard, per-tenant
// statements are routed to one shard, and a worker restarted mid-run is survived.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;
using namespace std::chrono_literals;

namespace {

std::string psql(const std::string& sql) {
  std::string out = shell("psql -XAtq '" + pg_uri() + "' -c \"" + sql + "\"");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string citus_dir() {
  const char* dir = std::getenv("FASTPGCACHE_TEST_CITUS_DIR");
  return dir ? dir : "";
}

// Fills alice's and bob's keyspaces with one key of every type.
void write_every_type(client& c) {
  REQUIRE(c.cmd({"SET", "s", "v"}).str == "OK");
  REQUIRE(c.cmd({"HSET", "h", "f", "v"}).integer == 1);
  REQUIRE(c.cmd({"SADD", "set", "a", "b"}).integer == 2);
  REQUIRE(c.cmd({"RPUSH", "l", "a", "b", "c"}).integer == 3);
  REQUIRE(c.cmd({"ZADD", "z", "1", "a", "2", "b"}).integer == 2);
}

}  // namespace

TEST_CASE("Citus: every table is distributed by tenant, co-located, and a tenant's rows of every "
          "type sit on the one shard its name hashes to",
          "[.citus]") {
  const std::string acl = temp_path("users.acl");
  shell("printf 'user alice on >a\\nuser bob on >b\\n' > " + acl);
  server_process server({"--acl-file", acl});
  const std::string s = "\\\"" + server.schema() + "\\\"";
  const std::vector<std::string> tables{"cache",     "cache_usage", "cache_hash",
                                        "cache_set", "cache_list",  "cache_zset"};
  for (const std::string& table : tables) {
    INFO(table);
    CHECK(psql("SELECT partmethod::text || ':' || column_to_column_name(logicalrelid, partkey) FROM "
               "pg_dist_partition WHERE logicalrelid = '" + s + "." + table + "'::regclass") ==
          "h:tenant");
    CHECK(psql("SELECT colocationid = (SELECT colocationid FROM pg_dist_partition WHERE "
               "logicalrelid = '" + s + ".cache'::regclass) FROM pg_dist_partition WHERE "
               "logicalrelid = '" + s + "." + table + "'::regclass") == "t");
  }
  client alice(server.port()), bob(server.port());
  REQUIRE(alice.cmd({"AUTH", "alice", "a"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "b"}).str == "OK");
  write_every_type(alice);
  write_every_type(bob);
  for (const std::string tenant : {"alice", "bob"}) {
    for (const std::string& table : tables) {
      INFO(tenant << " in " << table);
      // The tenant's rows, counted on every shard placement: all on one, the one it hashes to.
      const std::string where = "tenant = ''" + tenant + "''";
      const std::string placements = psql(
          "SELECT string_agg(shardid::text, ',') FROM run_command_on_placements('" + s + "." +
          table + "', 'SELECT count(*) FROM %s WHERE " + where + "') WHERE result::int8 > 0");
      CHECK(placements == psql("SELECT get_shard_id_for_distribution_column('" + s + "." + table +
                               "', '" + tenant + "')"));
    }
  }
  // A per-tenant statement of the server's (FLUSHDB's) is routed to one shard.
  const std::string plan =
      psql("EXPLAIN DELETE FROM " + s + ".cache WHERE tenant = 'alice'");
  CHECK(plan.find("Task Count: 1") != std::string::npos);
  // And FLUSHDB through alice leaves bob's keys alone.
  CHECK(alice.cmd({"FLUSHDB"}).str == "OK");
  CHECK(alice.cmd({"DBSIZE"}).integer == 0);
  CHECK(bob.cmd({"DBSIZE"}).integer == 5);
}

TEST_CASE("Citus: expiry, eviction and the LRU clock work across shards", "[.citus]") {
  server_process server({"--maxmemory", "200kb", "--maxmemory-policy", "allkeys-lru"});
  client c(server.port());
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.cmd({"SET", "e" + std::to_string(i), "v", "PX", "100"}).str == "OK");
  }
  for (int i = 0; i < 400; ++i) {
    REQUIRE(c.cmd({"SET", "k" + std::to_string(i), std::string(1000, 'x')}).str == "OK");
  }
  long long evicted = 0, expired = 0;
  for (int i = 0; i < 50 && (evicted == 0 || expired < 20); ++i) {
    std::this_thread::sleep_for(100ms);
    evicted = info_field(c, "stats", "evicted_keys");
    expired = info_field(c, "stats", "expired_keys");
  }
  CHECK(expired == 20);
  CHECK(evicted > 0);
  CHECK(info_field(c, "memory", "used_memory_stored") <= 200 * 1024);
  CHECK(server.log().find("round failed") == std::string::npos);
}

TEST_CASE("Citus: a worker restarted mid-run: commands fail with an error, then recover",
          "[.citus]") {
  REQUIRE(!citus_dir().empty());  // set by scripts/test-citus.sh
  server_process server;
  client c(server.port());
  for (int i = 0; i < 200; ++i) {
    REQUIRE(c.cmd({"SET", "k" + std::to_string(i), std::to_string(i)}).str == "OK");
  }
  const std::string script = std::string(FASTPGCACHE_SOURCE_DIR) + "/scripts/citus-cluster.sh";
  // The worker that holds the tenant's shard (all of a tenant's keys are on one worker).
  const std::string port = psql(
      "SELECT nodeport FROM citus_shards WHERE shardid = get_shard_id_for_distribution_column('\\\"" +
      server.schema() + "\\\".cache', 'default')");
  std::string worker;
  for (const char* name : {"worker1", "worker2"}) {
    if (shell("cat " + citus_dir() + "/" + name + "/port").find(port) == 0) worker = name;
  }
  REQUIRE(!worker.empty());
  std::atomic<int> restarted{-1};
  std::thread restart([&] {
    std::this_thread::sleep_for(200ms);
    restarted = std::system((script + " restart-node " + citus_dir() + " " + worker).c_str());
  });
  // Through the restart: every reply is the value or a PostgreSQL error, never a wrong value.
  const auto start = std::chrono::steady_clock::now();
  int errors = 0, served = 0;
  while (std::chrono::steady_clock::now() - start < 4s) {
    const int i = served % 200;
    const reply r = c.cmd({"GET", "k" + std::to_string(i)});
    if (r.is_error()) {
      ++errors;
      CHECK(r.str.find("PostgreSQL") != std::string::npos);
    } else {
      CHECK(r.str == std::to_string(i));
    }
    ++served;
    std::this_thread::sleep_for(2ms);
  }
  restart.join();
  REQUIRE(restarted == 0);
  // After it: every key is served (UNLOGGED rows survive a clean restart), writes work.
  bool recovered = false;
  for (int attempt = 0; attempt < 300 && !recovered; ++attempt) {
    recovered = c.cmd({"SET", "after", "1"}).str == "OK";
    if (!recovered) std::this_thread::sleep_for(20ms);
  }
  REQUIRE(recovered);
  for (int i = 0; i < 200; ++i) CHECK(c.cmd({"GET", "k" + std::to_string(i)}).str == std::to_string(i));
  CHECK(errors > 0);  // the restart did reach the tenant's worker
  std::printf("%s restart: %d commands answered with an error, %d served\n", worker.c_str(),
              errors, served);
}

TEST_CASE("Citus: two servers on one coordinator: read-your-writes and WATCH across them",
          "[.citus]") {
  // Without near caches (whose copies another server's write invalidates within milliseconds,
  // not at once), a write through one server is what the next read through the other sees.
  server_process a({"--near-cache-size", "0"});
  server_process b({"--near-cache-size", "0"}, false, a.schema());
  client ca(a.port()), cb(b.port());
  for (int i = 0; i < 50; ++i) {
    const std::string v = std::to_string(i);
    REQUIRE(ca.cmd({"SET", "shared", v}).str == "OK");
    CHECK(cb.cmd({"GET", "shared"}).str == v);
    REQUIRE(cb.cmd({"HSET", "h", "f", v}).integer >= 0);
    CHECK(ca.cmd({"HGET", "h", "f"}).str == v);
  }
  REQUIRE(ca.cmd({"WATCH", "shared"}).str == "OK");
  REQUIRE(cb.cmd({"SET", "shared", "changed"}).str == "OK");
  REQUIRE(ca.cmd({"MULTI"}).str == "OK");
  REQUIRE(ca.cmd({"SET", "shared", "mine"}).str == "QUEUED");
  CHECK(ca.cmd({"EXEC"}).is_nil());
  CHECK(cb.cmd({"GET", "shared"}).str == "changed");
  REQUIRE(ca.cmd({"WATCH", "shared"}).str == "OK");
  REQUIRE(ca.cmd({"MULTI"}).str == "OK");
  REQUIRE(ca.cmd({"INCR", "counter"}).str == "QUEUED");
  REQUIRE(ca.cmd({"SET", "shared", "mine"}).str == "QUEUED");
  CHECK(ca.cmd({"EXEC"}).elements.size() == 2);
  CHECK(cb.cmd({"GET", "shared"}).str == "mine");
}
