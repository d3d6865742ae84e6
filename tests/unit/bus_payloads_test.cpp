// The bus's NOTIFY payloads: items round-trip (binary fields too), packing respects NOTIFY's
// limit and keeps the order, every payload is unique, and malformed text is skipped.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "pgbackend/bus_payloads.hpp"

using fpc::pg::bus_item;
using kind = bus_item::kind;

namespace {

std::vector<bus_item> round_trip(const std::vector<bus_item>& items, std::string& origin) {
  std::vector<std::string> texts;
  for (const auto& i : items) texts.push_back(fpc::pg::encode_item(i));
  std::uint64_t sequence = 0;
  std::vector<bus_item> out;
  for (const auto& payload : fpc::pg::pack_payloads("srv1", sequence, texts)) {
    CHECK(payload.size() <= fpc::pg::max_notify_payload);
    std::vector<bus_item> part;
    REQUIRE(fpc::pg::decode_payload(payload, origin, part));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace

TEST_CASE("bus items round-trip, binary and empty fields included") {
  const std::string binary("\0\r\n \xff.", 6);
  std::vector<bus_item> items = {
      bus_item(kind::wake, "alice", binary),
      bus_item(kind::message, "bob", "", ""),
      bus_item(kind::shard_message, "t", "ch", binary),
      bus_item(kind::look_again),
      bus_item(kind::message, "a", "b", std::string(100, 'x')),
  };
  bus_item stored(kind::stored);
  stored.stored_id = 123456789012;
  items.push_back(stored);
  std::string origin;
  const auto back = round_trip(items, origin);
  CHECK(origin == "srv1");
  REQUIRE(back.size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    CAPTURE(i);
    CHECK(back[i].what == items[i].what);
    CHECK(back[i].tenant == items[i].tenant);
    CHECK(back[i].name == items[i].name);
    CHECK(back[i].payload == items[i].payload);
    CHECK(back[i].stored_id == items[i].stored_id);
  }
}

TEST_CASE("packing splits at NOTIFY's limit, keeps the order and makes every payload unique") {
  std::vector<bus_item> items;
  for (int i = 0; i < 500; ++i) {
    items.emplace_back(kind::message, "t", "c", std::to_string(i) + std::string(200, 'p'));
  }
  std::vector<std::string> texts;
  for (const auto& i : items) texts.push_back(fpc::pg::encode_item(i));
  std::uint64_t sequence = 0;
  const auto payloads = fpc::pg::pack_payloads("o", sequence, texts);
  CHECK(payloads.size() > 10);
  std::vector<std::string> heads;
  std::string origin;
  int next = 0;
  for (const auto& p : payloads) {
    CHECK(p.size() <= fpc::pg::max_notify_payload);
    heads.push_back(p.substr(0, p.find(' ')));
    std::vector<bus_item> part;
    REQUIRE(fpc::pg::decode_payload(p, origin, part));
    for (const auto& m : part) CHECK(m.payload.starts_with(std::to_string(next++)));
  }
  CHECK(next == 500);
  std::sort(heads.begin(), heads.end());
  CHECK(std::adjacent_find(heads.begin(), heads.end()) == heads.end());
  // Another round goes on numbering: identical payloads in one transaction would be folded.
  const auto again = fpc::pg::pack_payloads("o", sequence, {texts[0]});
  CHECK(again[0].substr(0, again[0].find(' ')) != heads[0]);
}

TEST_CASE("malformed payloads and items are skipped, not trusted") {
  std::string origin;
  std::vector<bus_item> items;
  CHECK_FALSE(fpc::pg::decode_payload("no-space-at-all", origin, items));
  REQUIRE(fpc::pg::decode_payload("o.1 w.!!.AA== m.YQ== x.YQ==.YQ== M.12z * w.YQ==.Yg==", origin,
                                  items));
  REQUIRE(items.size() == 2);
  CHECK(items[0].what == kind::look_again);
  CHECK(items[1].what == kind::wake);
  CHECK(items[1].tenant == "a");
  CHECK(items[1].name == "b");
}

TEST_CASE("invalidations round-trip, and the SQL API's hand-made payload decodes the same way") {
  const bus_item key(kind::invalidate, "tenant", std::string("k\0\xff", 3));
  const bus_item tenant(kind::invalidate_all, "tenant");
  const bus_item everything(kind::invalidate_all);
  std::uint64_t sequence = 0;
  const auto payloads = fpc::pg::pack_payloads(
      "o", sequence,
      {fpc::pg::encode_item(key), fpc::pg::encode_item(tenant), fpc::pg::encode_item(everything)});
  REQUIRE(payloads.size() == 1);
  std::string origin;
  std::vector<bus_item> items;
  REQUIRE(fpc::pg::decode_payload(payloads[0], origin, items));
  REQUIRE(items.size() == 3);
  CHECK(items[0].what == kind::invalidate);
  CHECK(items[0].tenant == "tenant");
  CHECK(items[0].name == std::string("k\0\xff", 3));
  CHECK(items[1].what == kind::invalidate_all);
  CHECK(items[1].tenant == "tenant");
  CHECK(items[2].what == kind::invalidate_all);
  CHECK(items[2].tenant.empty());
  // What notify_written sends: "sql.0 i.<base64 tenant>.<base64 key>".
  REQUIRE(fpc::pg::decode_payload("sql.0 i.ZGVmYXVsdA==.aw==", origin, items));
  CHECK(origin == "sql");
  REQUIRE(items.size() == 1);
  CHECK(items[0].what == kind::invalidate);
  CHECK(items[0].tenant == "default");
  CHECK(items[0].name == "k");
}
