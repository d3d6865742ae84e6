// The SCAN cursor table: each tenant's share is bounded, and one tenant's flood keeps others'.
#include <catch2/catch.hpp>

#include <string>

#include "server/state/scan_cursors.hpp"

using fpc::server::scan_cursors;

TEST_CASE("a tenant's cursor flood forgets only its own oldest cursors") {
  scan_cursors table(100, 1024 * 1024);
  const auto bobs = table.save("bob", "bob-key");
  const auto alices_first = table.save("alice", "a0");
  const std::string big(100 * 1024, 'k');
  for (int i = 0; i < 20000; ++i) table.save("alice", big);
  CHECK(table.find("bob", bobs) == "bob-key");
  CHECK_FALSE(table.find("alice", alices_first).has_value());
  CHECK(table.bytes_of("alice") <= 1024 * 1024);
  CHECK(table.bytes_of("bob") == 7);
}

TEST_CASE("a cursor belongs to the tenant it was issued to") {
  scan_cursors table;
  const auto id = table.save("alice", "k");
  CHECK_FALSE(table.find("bob", id).has_value());
  CHECK(table.find("alice", id) == "k");
}

TEST_CASE("the newest cursor stays even when its key alone is past the byte bound") {
  scan_cursors table(10, 16);
  const auto id = table.save("alice", std::string(64, 'x'));
  CHECK(table.find("alice", id).has_value());
  const auto next = table.save("alice", "y");
  CHECK_FALSE(table.find("alice", id).has_value());
  CHECK(table.find("alice", next) == "y");
}
