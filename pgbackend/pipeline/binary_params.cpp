// PostgreSQL binary wire format for parameters (int8, bool, bytea, bytea[]) and int8 results.
#include "pgbackend/pipeline/binary_params.hpp"
#include "pgbackend/sql/oids.hpp"

#include <cstring>

#include <cassert>
#include <limits>
#include <stdexcept>

namespace fpc::pg {
namespace {
constexpr auto bytea_oid = static_cast<std::int32_t>(oid::bytea);
}

void param_pack::begin_param() {
  if (count_ == max_params) throw std::logic_error("param_pack: too many parameters");
  offset_[count_] = storage_.size();
}

void param_pack::end_param() {
  const std::size_t len = storage_.size() - offset_[count_];
  if (len > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::length_error("parameter larger than 2 GB");
  }
  length_[count_] = static_cast<int>(len);
  ++count_;
}

void param_pack::put_int32(std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
               static_cast<char>(u)};
  storage_.append(b, 4);
}

void param_pack::add_bytes(std::string_view bytes) {
  begin_param();
  storage_.append(bytes);
  end_param();
}

void param_pack::add_int8(std::int64_t v) {
  begin_param();
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) storage_.push_back(static_cast<char>(u >> shift));
  end_param();
}

void param_pack::add_float8(double v) {
  // float8's binary form is the IEEE 754 bits in network order, like an int8.
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  add_int8(static_cast<std::int64_t>(bits));
}

void param_pack::add_bool(bool v) {
  begin_param();
  storage_.push_back(v ? 1 : 0);
  end_param();
}

void param_pack::add_null() {
  begin_param();
  length_[count_] = -1;
  ++count_;
}

void param_pack::add_bytea_array(std::span<const std::string_view> items) {
  std::size_t total = 20;
  for (auto item : items) total += 4 + item.size();
  storage_.reserve(storage_.size() + total);
  begin_array(bytea_oid, items.size(), false);
  for (auto item : items) array_item(item);
  end_array();
}

void param_pack::add_float8_array(std::span<const double> items) {
  begin_array(701, items.size(), false);  // float8
  for (double v : items) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    char be[8];
    for (int i = 7; i >= 0; --i) {
      be[i] = static_cast<char>(bits & 0xff);
      bits >>= 8;
    }
    array_item(std::string_view(be, sizeof be));
  }
  end_array();
}

void param_pack::begin_array(std::int32_t element_oid, std::size_t n, bool may_have_nulls) {
  begin_param();
  put_int32(1);
  put_int32(may_have_nulls ? 1 : 0);
  put_int32(element_oid);
  put_int32(static_cast<std::int32_t>(n));
  put_int32(1);
}

void param_pack::array_item(std::string_view bytes) {
  put_int32(static_cast<std::int32_t>(bytes.size()));
  storage_.append(bytes);
}

void param_pack::array_int8(std::int64_t v) {
  put_int32(8);
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) storage_.push_back(static_cast<char>(u >> shift));
}

void param_pack::array_null() {
  put_int32(-1);
}

void param_pack::end_array() {
  end_param();
}

param_pack::views param_pack::make_views() const {
  views v;
  for (std::size_t i = 0; i < count_; ++i) {
    v.values[i] = length_[i] < 0 ? nullptr : storage_.data() + offset_[i];
    v.lengths[i] = length_[i] < 0 ? 0 : length_[i];
    v.formats[i] = 1;
  }
  return v;
}

std::int64_t decode_int8(const char* p) {
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<std::int64_t>(u);
}

double decode_float8(const char* p) {
  const auto bits = static_cast<std::uint64_t>(decode_int8(p));
  double v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

namespace {
std::int32_t read_int32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return static_cast<std::int32_t>(v);
}
}  // namespace

std::vector<std::string_view> decode_array_items(std::string_view packed) {
  std::vector<std::string_view> items;
  if (packed.size() < 12) return items;
  const auto dims = read_int32(packed, 0);
  if (dims <= 0) return items;
  std::size_t at = 12 + 8 * static_cast<std::size_t>(dims);
  while (at + 4 <= packed.size()) {
    const auto length = read_int32(packed, at);
    at += 4;
    if (length < 0) continue;
    const auto n = static_cast<std::size_t>(length);
    if (at + n > packed.size()) break;
    items.push_back(packed.substr(at, n));
    at += n;
  }
  return items;
}

}  // namespace fpc::pg
