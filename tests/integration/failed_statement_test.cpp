// A statement PostgreSQL refuses (a CHECK constraint a DBA added) fails only its own command:
// merged SETs fail one by one, in order, and the client's later commands see their effects.
#include <catch2/catch.hpp>

#include <regex>

#include <string>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

void refuse_poison(const server_process& server) {
  const std::string out =
      shell("psql -XAtq '" + pg_uri() + "' -c \"ALTER TABLE " + server.schema() +
            ".cache ADD CONSTRAINT no_poison CHECK (value <> 'poison'::bytea)\" 2>&1");
  REQUIRE(out.empty());
}

}  // namespace

TEST_CASE(
    "a refused SET among merged SETs fails alone; its neighbours and later commands are right") {
  server_process server;
  refuse_poison(server);
  client c(server.port());
  const long long merged_before = info_field(c, "pgbackend", "merged_requests");
  REQUIRE(merged_before >= 0);  // the field exists

  // One write of many SETs: the connection merges the queued ones into few statements. Every
  // fifth is refused; key "dup" is written good then poison (the good write must land).
  constexpr int n = 400;
  std::vector<std::string> expected(n);
  for (int i = 0; i < n; ++i) {
    const bool poison = i % 5 == 3;
    const std::string key = "k" + std::to_string(i);
    c.append({"SET", key, poison ? "poison" : "v" + std::to_string(i)});
    if (!poison) expected[static_cast<std::size_t>(i)] = "v" + std::to_string(i);
    if (i == n / 2) {
      c.append({"SET", "dup", "good"});
      c.append({"SET", "dup", "poison"});
    }
  }
  int refused = 0;
  for (int i = 0; i < n; ++i) {
    const reply r = c.next_reply();
    INFO("SET k" << i << " -> " << r.render());
    if (i % 5 == 3) {
      REQUIRE(r.is_error());
      // On Citus the names are the shard's: "cache_102008", "no_poison_102008".
      CHECK(std::regex_search(r.str, std::regex("^ERR PostgreSQL: new row for relation "
                                                "\"cache(_[0-9]+)?\" violates check "
                                                "constraint \"no_poison(_[0-9]+)?\"")));
      ++refused;
    } else {
      REQUIRE(r.str == "OK");
    }
    if (i == n / 2) {
      CHECK(c.next_reply().str == "OK");
      CHECK(c.next_reply().is_error());
    }
  }
  // The merged path was taken (else this test would prove nothing about it).
  CHECK(info_field(c, "pgbackend", "merged_requests") - merged_before > n / 2);

  for (int i = 0; i < n; ++i) c.append({"GET", "k" + std::to_string(i)});
  c.append({"GET", "dup"});
  for (int i = 0; i < n; ++i) {
    const reply r = c.next_reply();
    INFO("GET k" << i << " -> " << r.render());
    if (expected[static_cast<std::size_t>(i)].empty())
      CHECK(r.is_nil());
    else
      CHECK(r.str == expected[static_cast<std::size_t>(i)]);
  }
  CHECK(c.next_reply().str == "good");
  CHECK(refused == n / 5);
}

TEST_CASE("MSET stays all or nothing when PostgreSQL refuses one of its values") {
  server_process server;
  refuse_poison(server);
  client c(server.port());
  const reply r = c.cmd({"MSET", "a", "1", "b", "poison", "c", "3"});
  CHECK(r.is_error());
  CHECK(c.cmd({"EXISTS", "a", "b", "c"}).integer == 0);
  CHECK(c.cmd({"MSET", "a", "1", "c", "3"}).str == "OK");
  CHECK(c.cmd({"MGET", "a", "c"}).render() == "[\"1\", \"3\"]");
}
