// The typed keyspace beyond single replies: WATCH and MULTI over members, expiry, tenants, the
// size accounting of member rows, randomness, HSCAN/SSCAN walks and the reply bound.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

std::string psql(const std::string& sql) {
  return shell("psql -XAtq '" + pg_uri() + "' -c \"" + sql + "\"");
}

std::set<std::string> strings_of(const reply& r) {
  std::set<std::string> out;
  for (const auto& e : r.elements) out.insert(e.str);
  return out;
}

}  // namespace

TEST_CASE("member tables are UNLOGGED, keyed by tenant, and dropped with their key") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"HSET", "h", "f", "v", "g", "w"}).integer == 2);
  REQUIRE(c.cmd({"SADD", "s", "a", "b"}).integer == 2);
  const std::string q = "\\\"" + server.schema() + "\\\"";
  CHECK(psql("SELECT string_agg(relname || ':' || relpersistence::text, ',' ORDER BY relname) FROM "
             "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '" +
             server.schema() + "' AND relname IN ('cache_hash', 'cache_set')") ==
        "cache_hash:u,cache_set:u\n");
  CHECK(psql("SELECT count(*) FROM " + q + ".cache_hash WHERE tenant = 'default'") == "2\n");
  CHECK(c.cmd({"DEL", "h", "s"}).integer == 2);
  CHECK(psql("SELECT count(*) FROM " + q + ".cache_hash") == "0\n");
  CHECK(psql("SELECT count(*) FROM " + q + ".cache_set") == "0\n");
  // A SET over a hash retypes the row: its fields go too.
  REQUIRE(c.cmd({"HSET", "h", "f", "v"}).integer == 1);
  REQUIRE(c.cmd({"SET", "h", "string now"}).str == "OK");
  CHECK(psql("SELECT count(*) FROM " + q + ".cache_hash") == "0\n");
  // Running --init-schema again over the populated schema keeps every member.
  REQUIRE(c.cmd({"SADD", "s", "x", "y", "z"}).integer == 3);
  const run_result again = run_fastpgcache(
      {"--pg", pg_uri(), "--schema", server.schema(), "--init-schema"});
  CHECK(again.exit_code == 0);
  CHECK(c.cmd({"SCARD", "s"}).integer == 3);
}

TEST_CASE("a hash or set expires whole, and a write after expiry starts it afresh") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"HSET", "h", "old", "1"}).integer == 1);
  REQUIRE(c.cmd({"SADD", "s", "old"}).integer == 1);
  REQUIRE(c.cmd({"PEXPIRE", "h", "150"}).integer == 1);
  REQUIRE(c.cmd({"PEXPIRE", "s", "150"}).integer == 1);
  CHECK(c.cmd({"HSET", "h", "more", "2"}).integer == 1);  // a member write keeps the TTL
  CHECK(c.cmd({"PTTL", "h"}).integer > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.cmd({"EXISTS", "h", "s"}).integer == 0);
  CHECK(c.cmd({"HGETALL", "h"}).elements.empty());
  CHECK(c.cmd({"SISMEMBER", "s", "old"}).integer == 0);
  CHECK(c.cmd({"HSET", "h", "new", "3"}).integer == 1);
  CHECK(c.cmd({"HLEN", "h"}).integer == 1);  // the expired fields are gone
  CHECK(c.cmd({"TTL", "h"}).integer == -1);
  CHECK(c.cmd({"SADD", "s", "new"}).integer == 1);
  CHECK(strings_of(c.cmd({"SMEMBERS", "s"})) == std::set<std::string>{"new"});
}

TEST_CASE("WATCH sees another client's member write, and not a write that changed nothing") {
  server_process server;
  client a(server.port()), b(server.port());
  REQUIRE(a.cmd({"HSET", "h", "f", "1"}).integer == 1);
  REQUIRE(a.cmd({"SADD", "s", "m"}).integer == 1);

  REQUIRE(a.cmd({"WATCH", "h"}).str == "OK");
  REQUIRE(b.cmd({"HSET", "h", "g", "2"}).integer == 1);
  REQUIRE(a.cmd({"MULTI"}).str == "OK");
  REQUIRE(a.cmd({"HGET", "h", "f"}).str == "QUEUED");
  CHECK(a.cmd({"EXEC"}).is_nil());

  REQUIRE(a.cmd({"WATCH", "s"}).str == "OK");
  REQUIRE(b.cmd({"SADD", "s", "m"}).integer == 0);  // already there: nothing changed
  REQUIRE(b.cmd({"SREM", "s", "absent"}).integer == 0);
  REQUIRE(b.cmd({"HSETNX", "h", "f", "x"}).integer == 0);
  REQUIRE(a.cmd({"MULTI"}).str == "OK");
  REQUIRE(a.cmd({"SADD", "s", "n"}).str == "QUEUED");
  REQUIRE(a.cmd({"SCARD", "s"}).str == "QUEUED");
  const reply done = a.cmd({"EXEC"});
  REQUIRE(done.elements.size() == 2);
  CHECK(done.elements[0].integer == 1);
  CHECK(done.elements[1].integer == 2);

  REQUIRE(a.cmd({"WATCH", "s"}).str == "OK");
  REQUIRE(b.cmd({"SREM", "s", "n"}).integer == 1);
  REQUIRE(a.cmd({"MULTI"}).str == "OK");
  REQUIRE(a.cmd({"SCARD", "s"}).str == "QUEUED");
  CHECK(a.cmd({"EXEC"}).is_nil());
}

TEST_CASE("MULTI/EXEC over hashes and sets is all or nothing") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"MULTI"}).str == "OK");
  c.cmd({"HSET", "h", "f", "1"});
  c.cmd({"SADD", "s", "a", "b"});
  c.cmd({"SMOVE", "s", "t", "a"});
  c.cmd({"SINTERSTORE", "u", "s", "t"});
  c.cmd({"SUNIONSTORE", "u", "s", "t"});
  c.cmd({"HINCRBYFLOAT", "h", "f", "0.5"});
  const reply r = c.cmd({"EXEC"});
  REQUIRE(r.elements.size() == 6);
  CHECK(r.elements[0].integer == 1);
  CHECK(r.elements[1].integer == 2);
  CHECK(r.elements[2].integer == 1);
  CHECK(r.elements[3].integer == 0);
  CHECK(r.elements[4].integer == 2);
  CHECK(r.elements[5].str == "1.5");
  CHECK(strings_of(c.cmd({"SMEMBERS", "u"})) == std::set<std::string>{"a", "b"});
}

TEST_CASE("tenants' hashes and sets with the same names never meet") {
  const std::string acl = temp_path("users.acl");
  std::ofstream(acl) << "user alice on >a ~* +@all\nuser bob on >b ~* +@all\n";
  server_process server({"--acl-file", acl});
  client alice(server.port()), bob(server.port());
  REQUIRE(alice.cmd({"AUTH", "alice", "a"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "b"}).str == "OK");
  REQUIRE(alice.cmd({"SADD", "s", "alice-only"}).integer == 1);
  REQUIRE(alice.cmd({"HSET", "h", "f", "alice"}).integer == 1);
  REQUIRE(bob.cmd({"SADD", "t", "bob-only"}).integer == 1);
  CHECK(bob.cmd({"SCARD", "s"}).integer == 0);
  CHECK(bob.cmd({"HGET", "h", "f"}).is_nil());
  CHECK(bob.cmd({"SUNION", "s", "t"}).elements.size() == 1);
  CHECK(bob.cmd({"SUNIONSTORE", "s", "s", "t"}).integer == 1);  // bob's own s
  CHECK(bob.cmd({"SMOVE", "h", "t", "f"}).integer == 0);        // alice's h is not there
  CHECK(strings_of(alice.cmd({"SMEMBERS", "s"})) == std::set<std::string>{"alice-only"});
  CHECK(alice.cmd({"SINTERCARD", "2", "s", "t"}).integer == 0);
  CHECK(bob.cmd({"HSCAN", "h", "0"}).elements.at(1).elements.empty());
  CHECK(bob.cmd({"TYPE", "h"}).str == "none");
  CHECK(alice.cmd({"TYPE", "h"}).str == "hash");
}

TEST_CASE("the stored size counts member bytes, and DEL gives them back") {
  server_process server;
  client c(server.port());
  const std::string big(10000, 'x');
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.cmd({"HSET", "h", "f" + std::to_string(i), big}).integer == 1);
    REQUIRE(c.cmd({"SADD", "s", big + std::to_string(i)}).integer == 1);
  }
  long long stored = 0;
  for (int i = 0; i < 40 && stored < 400000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stored = info_field(c, "memory", "used_memory_stored_user");
  }
  CHECK(stored >= 400000);
  CHECK(stored < 450000);
  REQUIRE(c.cmd({"DEL", "h", "s"}).integer == 2);
  for (int i = 0; i < 40 && stored > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stored = info_field(c, "memory", "used_memory_stored_user");
  }
  CHECK(stored == 0);
}

TEST_CASE("SPOP, SRANDMEMBER and HRANDFIELD pick members at random, within Redis's rules") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"SADD", "s", "a", "b", "c", "d"}).integer == 4);
  REQUIRE(c.cmd({"HSET", "h", "a", "1", "b", "2", "c", "3"}).integer == 3);
  std::set<std::string> seen, fields;
  for (int i = 0; i < 200; ++i) {
    seen.insert(c.cmd({"SRANDMEMBER", "s"}).str);
    fields.insert(c.cmd({"HRANDFIELD", "h"}).str);
  }
  CHECK(seen == std::set<std::string>{"a", "b", "c", "d"});
  CHECK(fields == std::set<std::string>{"a", "b", "c"});
  const reply repeats = c.cmd({"SRANDMEMBER", "s", "-50"});
  CHECK(repeats.elements.size() == 50);
  CHECK(strings_of(repeats).size() <= 4);
  const reply distinct = c.cmd({"SRANDMEMBER", "s", "3"});
  CHECK(strings_of(distinct).size() == 3);
  const reply pairs = c.cmd({"HRANDFIELD", "h", "-7", "WITHVALUES"});
  REQUIRE(pairs.elements.size() == 14);
  for (std::size_t i = 0; i < pairs.elements.size(); i += 2) {
    CHECK(std::to_string(pairs.elements[i].str[0] - 'a' + 1) == pairs.elements[i + 1].str);
  }
  const reply popped = c.cmd({"SPOP", "s", "3"});
  CHECK(strings_of(popped).size() == 3);
  CHECK(c.cmd({"SCARD", "s"}).integer == 1);
  const std::string last = c.cmd({"SPOP", "s"}).str;
  CHECK(strings_of(popped).count(last) == 0);
  CHECK(c.cmd({"EXISTS", "s"}).integer == 0);
}

TEST_CASE("HSCAN and SSCAN walk a big hash and set whole with cursors; HGETALL is bounded") {
  server_process server({"--max-collection-reply", "1500"});
  client c(server.port());
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<std::string> hset{"HSET", "h"}, sadd{"SADD", "s"};
    for (int i = 0; i < 100; ++i) {
      const std::string n = std::to_string(batch * 100 + i);
      hset.push_back("f" + n);
      hset.push_back("v" + n);
      sadd.push_back("m" + n);
    }
    REQUIRE(c.cmd(hset).integer == 100);
    REQUIRE(c.cmd(sadd).integer == 100);
  }
  for (const std::string kind : {"HSCAN", "SSCAN"}) {
    std::set<std::string> got;
    std::string cursor = "0";
    int calls = 0;
    do {
      const reply page = c.cmd({kind, kind == "HSCAN" ? "h" : "s", cursor, "COUNT", "300"});
      REQUIRE(page.elements.size() == 2);
      cursor = page.elements[0].str;
      const auto& items = page.elements[1].elements;
      for (std::size_t i = 0; i < items.size(); i += (kind == "HSCAN" ? 2u : 1u)) {
        got.insert(items[i].str);
        if (kind == "HSCAN") CHECK(items[i + 1].str == "v" + items[i].str.substr(1));
      }
      ++calls;
    } while (cursor != "0" && calls < 100);
    CAPTURE(kind);
    CHECK(got.size() == 2000);
    CHECK(calls >= 7);
  }
  CHECK(c.cmd({"HGETALL", "h"}).str.find("max-collection-reply") != std::string::npos);
  CHECK(c.cmd({"SMEMBERS", "s"}).str.find("max-collection-reply") != std::string::npos);
  CHECK(c.cmd({"HLEN", "h"}).integer == 2000);
  const reply matched = c.cmd({"SSCAN", "s", "0", "MATCH", "m19*", "COUNT", "2000"});
  CHECK(matched.elements.at(1).elements.size() == 111);  // m19, m190..m199, m1900..m1999
}

TEST_CASE("pipelined HGETs and SISMEMBERs merge into shared statements, each answered its own") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"HSET", "h", "f1", "v1", "f2", "v2"}).integer == 2);
  REQUIRE(c.cmd({"SADD", "s", "a", "b"}).integer == 2);
  REQUIRE(c.cmd({"SET", "str", "x"}).str == "OK");
  const long long merged_before = info_field(c, "pgbackend", "merged_requests");
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    switch (i % 4) {
      case 0: c.append({"HGET", i % 8 == 0 ? "h" : "str", "f" + std::to_string(1 + i % 3)}); break;
      case 1: c.append({"HGET", "h", "f" + std::to_string(1 + i % 3)}); break;
      case 2: c.append({"SISMEMBER", i % 8 == 2 ? "s" : "nokey", "a"}); break;
      default: c.append({"SISMEMBER", "s", i % 3 == 0 ? "b" : "z"}); break;
    }
  }
  // Reorder into runs: many HGETs in a row, then many SISMEMBERs, so runs do form.
  for (int i = 0; i < n; ++i) {
    const reply r = c.next_reply();
    CAPTURE(i);
    switch (i % 4) {
      case 0:
        if (i % 8 == 0)
          CHECK(r.str == (i % 3 == 2 ? "" : "v" + std::to_string(1 + i % 3)));
        else
          CHECK(r.str.rfind("WRONGTYPE", 0) == 0);
        break;
      case 1:
        if (i % 3 == 2)
          CHECK(r.is_nil());
        else
          CHECK(r.str == "v" + std::to_string(1 + i % 3));
        break;
      case 2: CHECK(r.integer == (i % 8 == 2 ? 1 : 0)); break;
      default: CHECK(r.integer == (i % 3 == 0 ? 1 : 0)); break;
    }
  }
  std::vector<std::string> gets;
  for (int i = 0; i < 200; ++i) c.append({"HGET", "h", i % 2 ? "f1" : "nofield"});
  for (int i = 0; i < 200; ++i) {
    const reply r = c.next_reply();
    if (i % 2)
      CHECK(r.str == "v1");
    else
      CHECK(r.is_nil());
  }
  CHECK(info_field(c, "pgbackend", "merged_requests") - merged_before > 100);
}

TEST_CASE("pipelined SADDs and HSETs merge; a member that fails fails alone, WRONGTYPE too") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"SET", "str", "x"}).str == "OK");
  // A constraint a DBA added: members of 100 bytes or more are refused by PostgreSQL.
  const std::string q = "\\\"" + server.schema() + "\\\"";
  psql("ALTER TABLE " + q + ".cache_set ADD CONSTRAINT short_members CHECK (octet_length(member) "
       "< 100)");
  const long long merged_before = info_field(c, "pgbackend", "merged_requests");
  const int n = 300;
  for (int i = 0; i < n; ++i) {
    const std::string k = "s" + std::to_string(i % 7);
    if (i % 50 == 25)
      c.append({"SADD", k, std::string(200, 'x')});
    else if (i % 50 == 30)
      c.append({"SADD", "str", "m"});
    else
      c.append({"SADD", k, "m" + std::to_string(i % 11), "m" + std::to_string(i % 13)});
  }
  for (int i = 0; i < n; ++i) c.append({"HSET", i % 40 == 3 ? "str" : "h", "f" + std::to_string(i % 17), std::to_string(i)});
  int refused = 0, wrong = 0;
  for (int i = 0; i < n; ++i) {
    const reply r = c.next_reply();
    CAPTURE(i);
    if (i % 50 == 25) {
      CHECK(r.is_error());
      CHECK(r.str.find("short_members") != std::string::npos);
      ++refused;
    } else if (i % 50 == 30) {
      CHECK(r.str.rfind("WRONGTYPE", 0) == 0);
      ++wrong;
    } else {
      CHECK(r.type == REDIS_REPLY_INTEGER);
    }
  }
  long long added = 0;
  for (int i = 0; i < n; ++i) {
    const reply r = c.next_reply();
    if (i % 40 == 3)
      CHECK(r.str.rfind("WRONGTYPE", 0) == 0);
    else
      added += r.integer;
  }
  CHECK(refused == 6);
  CHECK(wrong == 6);
  CHECK(added == 17);  // each of the 17 fields was new once
  CHECK(c.cmd({"HLEN", "h"}).integer == 17);
  CHECK(c.cmd({"HGET", "h", "f16"}).str == "288");  // the last write of a field wins, in order
  // Every member the model says was added is there, and nothing else.
  for (int k = 0; k < 7; ++k) {
    std::set<std::string> expected;
    for (int i = k; i < n; i += 7) {
      if (i % 50 == 25 || i % 50 == 30) continue;
      expected.insert("m" + std::to_string(i % 11));
      expected.insert("m" + std::to_string(i % 13));
    }
    CHECK(strings_of(c.cmd({"SMEMBERS", "s" + std::to_string(k)})) == expected);
  }
  CHECK(info_field(c, "pgbackend", "merged_requests") - merged_before > 200);
}
