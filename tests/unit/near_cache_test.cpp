// The near cache's rules without a server: fills voided by writes and invalidations, tenants
// apart, expiry, the byte bound, and serving nothing while disabled.
#include <catch2/catch.hpp>

#include "server/state/near_cache.hpp"

using fpc::server::near_cache;
using namespace std::chrono_literals;

namespace {
void fill(near_cache& c, std::string_view tenant, std::string_view key, std::string_view value,
          std::optional<near_cache::clock::time_point> expires = std::nullopt) {
  const auto ticket = c.begin_fill(tenant, key);
  c.finish_fill(tenant, key, ticket, value, expires);
}
const auto now = near_cache::clock::now;
}  // namespace

TEST_CASE("near cache: a filled value is served to its own tenant only") {
  near_cache c(1 << 20);
  fill(c, "alice", "k", "v");
  CHECK(c.find("alice", "k", now()) == std::optional<std::string>("v"));
  CHECK_FALSE(c.find("bob", "k", now()));
  CHECK(c.counters().hits == 1);
  CHECK(c.counters().misses == 1);
}

TEST_CASE("near cache: a write that starts while a read is out voids the read's fill") {
  near_cache c(1 << 20);
  const auto ticket = c.begin_fill("t", "k");
  c.begin_write("t", "k");
  c.finish_fill("t", "k", ticket, "old", std::nullopt);  // read before the write committed
  CHECK_FALSE(c.find("t", "k", now()));
  // While the write is in flight nothing fills; once it is over, reads fill again.
  CHECK_FALSE(c.begin_fill("t", "k").open);
  c.end_write("t", "k");
  fill(c, "t", "k", "new");
  CHECK(c.find("t", "k", now()) == std::optional<std::string>("new"));
}

TEST_CASE("near cache: a write drops the held value until it is over") {
  near_cache c(1 << 20);
  fill(c, "t", "k", "v1");
  c.begin_write("t", "k");
  CHECK_FALSE(c.find("t", "k", now()));
  c.end_write("t", "k");
  CHECK_FALSE(c.find("t", "k", now()));
  CHECK(c.counters().invalidations == 1);
}

TEST_CASE("near cache: a write that ends while a read is out voids the read's fill") {
  near_cache c(1 << 20);
  c.begin_write("t", "k");
  const auto refused = c.begin_fill("t", "k");
  CHECK_FALSE(refused.open);
  c.end_write("t", "k");
  const auto ticket = c.begin_fill("t", "k");
  c.invalidate_remote("t", "k");  // another server's write arrives while this read is out
  c.finish_fill("t", "k", ticket, "maybe-old", std::nullopt);
  CHECK_FALSE(c.find("t", "k", now()));
  CHECK(c.counters().fills_refused == 1);
}

TEST_CASE("near cache: tenant-wide writes and invalidations spare other tenants") {
  near_cache c(1 << 20);
  fill(c, "a", "k1", "x");
  fill(c, "a", "k2", "y");
  fill(c, "b", "k1", "z");
  c.begin_tenant_write("a");
  CHECK_FALSE(c.find("a", "k1", now()));
  CHECK_FALSE(c.begin_fill("a", "k3").open);
  CHECK(c.find("b", "k1", now()) == std::optional<std::string>("z"));
  c.end_tenant_write("a");
  CHECK_FALSE(c.find("a", "k2", now()));
  fill(c, "a", "k2", "y2");
  CHECK(c.find("a", "k2", now()) == std::optional<std::string>("y2"));
  c.invalidate_remote("a", "");
  CHECK_FALSE(c.find("a", "k2", now()));
  CHECK(c.find("b", "k1", now()) == std::optional<std::string>("z"));
  c.invalidate_remote("", "");
  CHECK_FALSE(c.find("b", "k1", now()));
}

TEST_CASE("near cache: values expire at the deadline they carry") {
  near_cache c(1 << 20);
  const auto t0 = now();
  fill(c, "t", "k", "v", t0 + 50ms);
  CHECK(c.find("t", "k", t0 + 10ms));
  CHECK_FALSE(c.find("t", "k", t0 + 50ms));
  CHECK(c.entries() == 0);
}

TEST_CASE("near cache: the byte bound holds and the least recently used go first") {
  const std::size_t bound = 64 * 1024;
  near_cache c(bound);
  const std::string value(100, 'v');
  fill(c, "t", "hot", value);
  for (int i = 0; i < 5000; ++i) {
    fill(c, "t", "k" + std::to_string(i), value);
    if (i % 10 == 0) CHECK(c.find("t", "hot", now()));  // kept recent
  }
  CHECK(c.bytes() <= bound);
  CHECK(c.counters().evictions > 0);
  CHECK(c.find("t", "hot", now()));
  CHECK_FALSE(c.find("t", "k0", now()));
  // A value bigger than an eighth of a shard is not kept (it would push out most of it).
  fill(c, "t", "big", std::string(bound, 'b'));
  CHECK_FALSE(c.find("t", "big", now()));
}

TEST_CASE("near cache: disabled it serves and keeps nothing, and comes back empty") {
  near_cache c(1 << 20);
  fill(c, "t", "k", "v");
  const auto ticket = c.begin_fill("t", "other");
  c.set_enabled(false);
  CHECK_FALSE(c.find("t", "k", now()));
  CHECK_FALSE(c.begin_fill("t", "k").open);
  c.set_enabled(true);
  c.finish_fill("t", "other", ticket, "opened-before", std::nullopt);
  CHECK_FALSE(c.find("t", "other", now()));
  CHECK_FALSE(c.find("t", "k", now()));
  fill(c, "t", "k", "v2");
  CHECK(c.find("t", "k", now()) == std::optional<std::string>("v2"));
}

TEST_CASE("near cache: size 0 is off") {
  near_cache c(0);
  CHECK_FALSE(c.on());
  fill(c, "t", "k", "v");
  CHECK_FALSE(c.find("t", "k", now()));
  c.begin_write("t", "k");
  c.end_write("t", "k");
  c.clear();
}
