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
