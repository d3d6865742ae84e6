// The cache from SQL: the schema's functions read and write the keys RESP clients see (values,
// TTLs, types, WATCH, accounting), the library's cache_* names, row-level security for tenant
// roles, and invalidation inside the transaction that changes the data.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "pg_session.hpp"

using namespace fpc::test;

namespace {

// Ask `schema`.fn(args) and return its first value.
std::string call(pg_session& pg, const std::string& schema, const std::string& expr) {
  const sql_result r = pg.exec("SELECT " + schema + "." + expr);
  INFO(expr << ": " << r.error);
  REQUIRE(r.ok());
  return r.value();
}

// PostgreSQL's hex text of a bytea ("\\x00ff").
std::string bytea_text(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex = "\\x";
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

}  // namespace

TEST_CASE("SQL writes are what RESP clients read, and RESP writes what SQL reads") {
  server_process server;
  const std::string s = server.schema();
  client c(server.port());
  pg_session pg;

  // SQL set -> RESP GET; the tenant of a client without AUTH is "default".
  CHECK(call(pg, s, "set('default', 'greeting', 'hello')") == "t");
  CHECK(c.cmd({"GET", "greeting"}).str == "hello");
  // RESP SET -> SQL get.
  CHECK(c.cmd({"SET", "from-resp", "world"}).str == "OK");
  CHECK(call(pg, s, "get('default', 'from-resp')") == "world");
  CHECK(pg.exec("SELECT " + s + ".get('default', 'missing')").is_null());

  // Binary values both ways (every byte value).
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  CHECK(c.cmd({"SET", "bin", all_bytes}).str == "OK");
  const std::string hex = bytea_text(all_bytes);
  CHECK(call(pg, s, "get('default', 'bin'::bytea)") == hex);
  CHECK(call(pg, s, "set('default', '\\x00ff'::bytea, " + sql_literal(hex) + "::bytea)") == "t");
  CHECK(c.cmd({"GET", std::string("\0\xff", 2)}).str == all_bytes);

  // JSON values are their text.
  CHECK(call(pg, s, "set('default', 'doc', '{\"b\": [1, 2], \"a\": null}'::jsonb)") == "t");
  const std::string doc = c.cmd({"GET", "doc"}).str;
  CHECK(doc == "{\"a\": null, \"b\": [1, 2]}");
  CHECK(c.cmd({"SET", "doc2", "{\"n\":1}"}).str == "OK");
  CHECK(call(pg, s, "get_jsonb('default', 'doc2') ->> 'n'") == "1");

  // TTLs agree within a second, either way, in seconds or as an interval.
  CHECK(call(pg, s, "set('default', 'ttl1', 'v', 100)") == "t");
  const long long resp_ttl = c.cmd({"TTL", "ttl1"}).integer;
  CHECK((resp_ttl >= 99 && resp_ttl <= 100));
  CHECK(call(pg, s, "set('default', 'ttl2', 'v', interval '2 hours')") == "t");
  const long long resp_pttl = c.cmd({"PTTL", "ttl2"}).integer;
  CHECK((resp_pttl > 7199000 && resp_pttl <= 7200000));
  CHECK(c.cmd({"SET", "ttl3", "v", "EX", "50"}).str == "OK");
  const long long sql_ttl = std::stoll(call(pg, s, "ttl('default', 'ttl3')"));
  CHECK((sql_ttl >= 49 && sql_ttl <= 50));
  CHECK(call(pg, s, "ttl('default', 'greeting')") == "-1");
  CHECK(call(pg, s, "ttl('default', 'missing')") == "-2");
  CHECK(call(pg, s, "persist('default', 'ttl3')") == "t");
  CHECK(c.cmd({"TTL", "ttl3"}).integer == -1);
  CHECK(call(pg, s, "expire('default', 'ttl3', 30)") == "t");
  CHECK(c.cmd({"TTL", "ttl3"}).integer == 30);
  // A short TTL ends for both sides.
  CHECK(call(pg, s, "set('default', 'short', 'v', 0.2)") == "t");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.cmd({"GET", "short"}).is_nil());
  CHECK(pg.exec("SELECT " + s + ".get('default', 'short')").is_null());
  CHECK(c.cmd({"SET", "short2", "v", "PX", "150"}).str == "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(pg.exec("SELECT " + s + ".get('default', 'short2')").is_null());
  CHECK(call(pg, s, "\"exists\"('default', 'short2', 'greeting', 'greeting')") == "2");

  // NX / XX.
  CHECK(call(pg, s, "set('default', 'greeting', 'other', p_mode => 'NX')") == "f");
  CHECK(call(pg, s, "set('default', 'absent', 'other', p_mode => 'XX')") == "f");
  CHECK(call(pg, s, "set('default', 'short', 'again', p_mode => 'NX')") == "t");
  CHECK(c.cmd({"GET", "greeting"}).str == "hello");
  CHECK(c.cmd({"GET", "absent"}).is_nil());
  CHECK(!pg.exec("SELECT " + s + ".set('default', 'x', 'y', p_mode => 'YY')").ok());

  // Counters, mget/mset, del, keys.
  CHECK(c.cmd({"SET", "n", "41"}).str == "OK");
  CHECK(call(pg, s, "incrby('default', 'n')") == "42");
  CHECK(c.cmd({"INCRBY", "n", "8"}).integer == 50);
  CHECK(pg.exec("SELECT " + s + ".incrby('default', 'greeting')").error ==
        "ERR value is not an integer or out of range");
  CHECK(c.cmd({"SET", "big", "9223372036854775807"}).str == "OK");
  CHECK(pg.exec("SELECT " + s + ".incrby('default', 'big')").error ==
        "ERR increment or decrement would overflow");
  CHECK(call(pg, s, "mset('default', ARRAY['m1', 'm2', 'm1'], ARRAY['a', 'b', 'c'])") == "");
  CHECK(c.cmd({"MGET", "m1", "m2"}).render() == "[\"c\", \"b\"]");
  CHECK(call(pg, s, "mget('default', 'm2', 'nope', 'm1')") == "{b,NULL,c}");
  CHECK(call(pg, s, "del('default', 'm1', 'm2', 'nope')") == "2");
  CHECK(c.cmd({"EXISTS", "m1", "m2"}).integer == 0);
  CHECK(c.cmd({"SET", "key:a", "1"}).str == "OK");
  CHECK(c.cmd({"SET", "key:b", "1"}).str == "OK");
  CHECK(c.cmd({"SET", "kez", "1"}).str == "OK");
  CHECK(call(pg, s, "keys('default', 'key:[ab]')") == "key:a");
  CHECK(pg.exec("SELECT " + s + ".keys('default', 'key:*')").rows.size() == 2);
  CHECK(pg.exec("SELECT * FROM " + s + ".scan('default', NULL, 3)").rows.size() == 3);
  // The glob matches as KEYS does, over any bytes.
  for (const std::string k : {"a*b", "a\\b", "[x]", "abc", "a-c", "b", "\x01\xfe", "^z"}) {
    CHECK(c.cmd({"SET", k, "1"}).str == "OK");
  }
  for (const std::string pattern :
       {"*", "a*", "a?c", "[a-c]*", "[^a]*", "[c-a]?c", "a\\*b", "\\[x\\]", "[\\]]*",
        "*[\x01-\x02]*", "[]x", "[^]*", "a[-]c", "?", "\\", "a\\\\b", "*\\", "[a"}) {
    CAPTURE(pattern);
    std::vector<std::string> resp;
    for (const auto& e : c.cmd({"KEYS", pattern}).elements) resp.push_back(e.str);
    std::sort(resp.begin(), resp.end());
    std::vector<std::string> sql;
    for (const auto& row :
         pg.exec("SELECT k FROM " + s + ".keys('default', $1::bytea) AS k", {bytea_text(pattern)},
                 true)
             .rows) {
      sql.push_back(*row[0]);
    }
    CHECK(sql == resp);
  }

  // Types: another type is WRONGTYPE for get; DEL and SET replace any type (members too).
  CHECK(c.cmd({"HSET", "h", "f", "v"}).integer == 1);
  CHECK(pg.exec("SELECT " + s + ".get('default', 'h')").error ==
        "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(call(pg, s, "set('default', 'h', 'now a string')") == "t");
  CHECK(c.cmd({"TYPE", "h"}).str == "string");
  CHECK(c.cmd({"HSET", "h", "f", "v"}).is_error());
  CHECK(c.cmd({"RPUSH", "l", "a", "b"}).integer == 2);
  CHECK(call(pg, s, "del('default', 'l')") == "1");
  CHECK(c.cmd({"LLEN", "l"}).integer == 0);
  CHECK(c.cmd({"RPUSH", "l", "c"}).integer == 1);
  CHECK(c.cmd({"LRANGE", "l", "0", "-1"}).render() == "[\"c\"]");

  // The size accounting counts SQL's keys: DBSIZE equals the live keys.
  const long long keys = std::stoll(
      pg.exec("SELECT count(*) FROM " + s + ".cache WHERE tenant = 'default' AND (expires_at IS "
              "NULL OR expires_at > now())")
          .value());
  CHECK(c.cmd({"DBSIZE"}).integer == keys);
  CHECK(call(pg, s, "set('default', 'one-more', 'v')") == "t");
  CHECK(c.cmd({"DBSIZE"}).integer == keys + 1);

  // The library's names, over the same rows.
  CHECK(call(pg, s, "cache_set('default', 'lib', 'from the library', 60)") == "t");
  CHECK(c.cmd({"GET", "lib"}).str == "from the library");
  CHECK(call(pg, s, "cache_get('default', 'greeting')") == "hello");
  const int lib_ttl = std::stoi(call(pg, s, "cache_ttl('default', 'lib')"));
  CHECK((lib_ttl >= 59 && lib_ttl <= 60));
  CHECK(call(pg, s, "cache_exists('default', 'lib')") == "t");
  CHECK(call(pg, s, "cache_delete('default', 'lib')") == "t");
  CHECK(call(pg, s, "cache_delete('default', 'lib')") == "f");
  CHECK(call(pg, s, "cache_exists('default', 'lib')") == "f");
  CHECK(call(pg, s, "cache_set('default', 'gone-soon', 'v', 1)") == "t");
  pg.exec("UPDATE " + s + ".cache SET expires_at = now() - interval '1 s' WHERE key = "
          "'gone-soon'");
  CHECK(std::stoi(call(pg, s, "cache_cleanup()")) >= 1);
}

TEST_CASE("a write from SQL aborts a RESP transaction watching the key, and SQL transactions "
          "roll back with the data") {
  server_process server;
  const std::string s = server.schema();
  client c(server.port());
  pg_session pg;
  CHECK(c.cmd({"SET", "w", "1"}).str == "OK");
  CHECK(c.cmd({"WATCH", "w"}).str == "OK");
  CHECK(call(pg, s, "set('default', 'w', '2')") == "t");
  CHECK(c.cmd({"MULTI"}).str == "OK");
  CHECK(c.cmd({"SET", "w", "3"}).str == "QUEUED");
  CHECK(c.cmd({"EXEC"}).is_nil());
  CHECK(c.cmd({"GET", "w"}).str == "2");

  // Rolled back: the key is as it was; committed: changed for RESP readers (once the near
  // cache hears of it: milliseconds, see near_cache_test).
  CHECK(pg.exec("BEGIN; SELECT " + s + ".del('default', 'w'); SELECT " + s +
                ".set('default', 'new', 'x'); ROLLBACK")
            .ok());
  CHECK(c.cmd({"GET", "w"}).str == "2");
  CHECK(c.cmd({"EXISTS", "new"}).integer == 0);
  CHECK(pg.exec("BEGIN; SELECT " + s + ".del('default', 'w'); COMMIT").ok());
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = c.cmd({"GET", "w"}).is_nil();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
}

TEST_CASE("a PostgreSQL role that is a tenant sees and changes only its own rows") {
  // The RESP user named as the role is the same tenant.
  const std::string s = unique_schema();
  const std::string alice = s + "_alice", bob = s + "_bob", outsider = s + "_nobody";
  const std::string acl = temp_path("sql.acl");
  shell("printf 'user default on nopass\\nuser " + alice + " on >a\\n' > " + acl);
  server_process server({"--acl-file", acl}, true, s);
  pg_session admin;
  REQUIRE(admin
              .exec("CREATE ROLE " + alice + " LOGIN; CREATE ROLE " + bob + " LOGIN; CREATE ROLE " +
                    outsider + " LOGIN; GRANT USAGE ON SCHEMA " + s + " TO " + alice + ", " + bob +
                    ", " + outsider + "; GRANT SELECT, INSERT, UPDATE, DELETE ON " + s +
                    ".cache TO " + alice + ", " + bob)
              .ok());
  CHECK(call(admin, s, "set(" + sql_literal(alice) + ", 'secret', 'alice-value')") == "t");
  CHECK(call(admin, s, "set(" + sql_literal(bob) + ", 'secret', 'bob-value')") == "t");
  {
    pg_session as_alice(alice);
    CHECK(call(as_alice, s, "my_get('secret')") == "alice-value");
    // Another tenant's rows are invisible, and cannot be written, even directly.
    CHECK(as_alice.exec("SELECT " + s + ".get(" + sql_literal(bob) + ", 'secret')").is_null());
    CHECK(as_alice.exec("SELECT count(*) FROM " + s + ".cache").value() == "1");
    CHECK(as_alice.exec("SELECT " + s + ".set(" + sql_literal(bob) + ", 'secret', 'evil')")
              .error.find("row-level security") != std::string::npos);
    CHECK(as_alice.exec("UPDATE " + s + ".cache SET value = 'evil'").ok());
    CHECK(as_alice.exec("DELETE FROM " + s + ".cache WHERE tenant = " + sql_literal(bob)).ok());
    CHECK(as_alice.exec("INSERT INTO " + s + ".cache (tenant, key, value) VALUES (" +
                        sql_literal(bob) + ", 'planted', 'x')")
              .error.find("row-level security") != std::string::npos);
    // Its own keys it can use fully.
    CHECK(call(as_alice, s, "my_set('mine', 'v', 30)") == "t");
    CHECK(call(as_alice, s, "my_incrby('count', 5)") == "5");
    CHECK(call(as_alice, s, "my_ttl('mine')") == "30");
    CHECK(call(as_alice, s, "my_exists('mine', 'count', 'nope')") == "2");
    CHECK(as_alice.exec("SELECT " + s + ".my_keys()").rows.size() == 3);
    CHECK(call(as_alice, s, "my_del('count')") == "1");
  }
  {
    // Without grants on the table a role can call the functions but they fail.
    pg_session as_outsider(outsider);
    CHECK(as_outsider.exec("SELECT " + s + ".get(" + sql_literal(bob) + ", 'secret')").error ==
          "permission denied for table cache");
    CHECK(as_outsider.exec("SELECT " + s + ".my_set('x', 'y')").error ==
          "permission denied for table cache");
    CHECK(as_outsider.exec("SELECT count(*) FROM " + s + ".cache").error ==
          "permission denied for table cache");
  }
  // Bob's key is untouched; Alice's writes are Alice's (RESP tenants are the same names).
  CHECK(call(admin, s, "get(" + sql_literal(bob) + ", 'secret')") == "bob-value");
  CHECK(admin.exec("SELECT count(*) FROM " + s + ".cache WHERE key = 'planted'").value() == "0");
  CHECK(call(admin, s, "get(" + sql_literal(alice) + ", 'secret')") == "evil");
  CHECK(call(admin, s, "get(" + sql_literal(alice) + ", 'mine')") == "v");
  client resp_alice(server.port());
  REQUIRE(resp_alice.cmd({"AUTH", alice, "a"}).str == "OK");
  CHECK(resp_alice.cmd({"GET", "mine"}).str == "v");
  CHECK(resp_alice.cmd({"DBSIZE"}).integer == 2);
  admin.exec("DROP OWNED BY " + alice + ", " + bob + ", " + outsider + "; DROP ROLE " + alice +
             ", " + bob + ", " + outsider);
}

namespace {

struct race_outcome {
  long long updates = 0, reads = 0, refills = 0, stale = 0;
  double seconds = 0;
};

// A writer bumps products.version (1, 2, ...) and invalidates product:42 either inside its
// transaction or right after COMMIT; 8 RESP readers GET product:42 and, on a miss, re-fill it
// from the table in one statement that locks the row FOR SHARE (so a re-fill waits for a
// writer holding the row and then reads its new version). A read is stale when it returns a
// version older than one whose COMMIT had already returned before the GET was sent. The
// control run stops early once it has seen `stop_after_stale` stale reads.
race_outcome run_invalidation_race(const server_process& server, bool invalidate_in_transaction,
                                   long long updates, long long stop_after_stale) {
  const std::string s = server.schema();
  const std::string del = "SELECT " + s + ".del('default', 'product:42')";
  pg_session writer;
  REQUIRE(writer.exec("UPDATE " + s + ".products SET version = 0 WHERE id = 42; " + del).ok());
  std::atomic<long long> committed{0}, stale{0}, reads{0}, refills{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::vector<std::string> errors(8);
  for (int r = 0; r < 8; ++r) {
    readers.emplace_back([&, r] {
      try {
        client c(server.port());
        pg_session pg;
        // The lock is taken in a subquery, before set() runs: locking the row first and the
        // cache key second is the writer's order too (in one flat SELECT the target list would
        // write the key before the row lock is taken, and deadlock with the writer).
        const std::string refill = "SELECT " + s + ".set('default', 'product:42', version::text) "
                                   "FROM (SELECT version FROM " + s + ".products WHERE id = 42 "
                                   "FOR SHARE) AS row";
        while (!done.load()) {
          // Readers that do some work between reads (about 1,000 reads/s each), as an app's;
          // readers flat out would only starve the writer of these 2 cores.
          std::this_thread::sleep_for(std::chrono::microseconds(1000));
          const long long floor = committed.load();
          const reply got = c.cmd({"GET", "product:42"});
          ++reads;
          if (got.is_nil()) {
            const sql_result filled = pg.exec(refill);
            if (!filled.ok()) throw std::runtime_error(filled.error);
            ++refills;
          } else if (got.type != REDIS_REPLY_STRING) {
            throw std::runtime_error("GET answered " + got.render());
          } else if (std::stoll(got.str) < floor) {
            ++stale;
          }
        }
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
        done = true;
      }
    });
  }
  const std::string update = "UPDATE " + s + ".products SET version = version + 1 WHERE id = 42";
  const auto start = std::chrono::steady_clock::now();
  long long i = 0;
  std::string writer_error;
  for (; i < updates && !done.load(); ++i) {
    const sql_result r = writer.exec(invalidate_in_transaction
                                         ? "BEGIN; " + update + "; " + del + "; COMMIT"
                                         : "BEGIN; " + update + "; COMMIT");
    if (!r.ok()) {
      writer_error = r.error;
      break;
    }
    committed = i + 1;
    if (!invalidate_in_transaction) {
      const sql_result invalidated = writer.exec(del);
      if (!invalidated.ok()) {
        writer_error = invalidated.error;
        break;
      }
    }
    if (stale.load() >= stop_after_stale) {
      ++i;
      break;
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(writer_error.empty());
  for (const auto& e : errors) CHECK(e == "");
  race_outcome out;
  out.updates = i;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.reads = reads.load();
  out.refills = refills.load();
  out.stale = stale.load();
  return out;
}

}  // namespace

TEST_CASE("invalidating inside the writer's transaction leaves no stale read; after COMMIT it "
          "does") {
  // Without the near cache: with it, a write made in SQL reaches GET within the invalidation
  // lag instead of at once (near_cache_test measures that lag).
  server_process server({"--near-cache-size", "0"});
  const std::string s = server.schema();
  pg_session pg;
  REQUIRE(pg.exec("CREATE TABLE " + s + ".products (id int PRIMARY KEY, version int8 NOT NULL); "
                  "INSERT INTO " + s + ".products VALUES (42, 0)")
              .ok());

  // A rolled-back transaction changes neither the row nor the cache.
  client c(server.port());
  CHECK(c.cmd({"SET", "product:42", "0"}).str == "OK");
  CHECK(pg.exec("BEGIN; UPDATE " + s + ".products SET version = 99 WHERE id = 42; SELECT " + s +
                ".del('default', 'product:42'); ROLLBACK")
            .ok());
  CHECK(c.cmd({"GET", "product:42"}).str == "0");
  CHECK(pg.exec("SELECT version FROM " + s + ".products").value() == "0");

  const race_outcome inside = run_invalidation_race(server, true, 10000, 1);
  WARN("invalidation inside the transaction: " << inside.updates << " updates in "
       << inside.seconds << " s, " << inside.reads << " RESP reads, " << inside.refills
       << " re-fills, " << inside.stale << " stale reads");
  CHECK(inside.updates == 10000);
  CHECK(inside.stale == 0);
  CHECK(inside.refills > 100);  // the readers really raced the writer

  const race_outcome after = run_invalidation_race(server, false, 10000, 20);
  WARN("control, invalidation after COMMIT: " << after.updates << " updates in " << after.seconds
       << " s, " << after.reads << " RESP reads, " << after.refills << " re-fills, "
       << after.stale << " stale reads");
  CHECK(after.stale > 0);  // the race the in-transaction invalidation closes is real
}
