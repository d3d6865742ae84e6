// Binary parameter packing in PostgreSQL's wire format.
#include <catch2/catch.hpp>

#include "pgbackend/pipeline/binary_params.hpp"

using fpc::pg::param_pack;

TEST_CASE("int8, bytes, null and bytea[] encodings") {
  param_pack p;
  p.add_int8(-2);
  p.add_bytes(std::string("a\0", 2));
  p.add_null();
  std::vector<std::string_view> items{"xy", ""};
  p.add_bytea_array(items);
  auto v = p.make_views();
  REQUIRE(p.size() == 4);
  CHECK(v.lengths[0] == 8);
  CHECK(fpc::pg::decode_int8(v.values[0]) == -2);
  CHECK(std::string(v.values[1], 2) == std::string("a\0", 2));
  CHECK(v.values[2] == nullptr);
  // 5 int32 header words, then (length, bytes) per element.
  CHECK(v.lengths[3] == 20 + 4 + 2 + 4);
  CHECK(v.formats[3] == 1);
}

TEST_CASE("a packed bytea[] reads back item by item (the batcher flattens SADD/HSET arrays)") {
  param_pack p;
  const std::vector<std::string_view> items{"a", "", std::string_view("x\0y", 3), "last"};
  p.add_bytea_array(items);
  const auto back = fpc::pg::decode_array_items(p.bytes(0));
  REQUIRE(back.size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) CHECK(back[i] == items[i]);
  param_pack empty;
  empty.add_bytea_array({});
  CHECK(fpc::pg::decode_array_items(empty.bytes(0)).empty());
  CHECK(fpc::pg::decode_array_items("").empty());
  CHECK(fpc::pg::decode_array_items("short").empty());
}
