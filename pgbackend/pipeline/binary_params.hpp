// Packs prepared-statement parameters in PostgreSQL's binary wire format into one buffer.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fpc::pg {

/// Up to eight binary parameters stored back to back in one string: one allocation per request.
class param_pack {
 public:
  static constexpr std::size_t max_params = 20;  // a sorted set range takes 17

  void add_bytes(std::string_view bytes);  ///< bytea or text
  void add_int8(std::int64_t v);
  void add_bool(bool v);
  void add_float8(double v);
  void add_null();
  void add_bytea_array(std::span<const std::string_view> items);  ///< bytea[] (one dimension)
  void add_float8_array(std::span<const double> items);  ///< float8[] (one dimension)

  /// A one-dimensional array built element by element: begin, then exactly `n` items, then end.
  void begin_array(std::int32_t element_oid, std::size_t n, bool may_have_nulls);
  void array_item(std::string_view bytes);
  void array_int8(std::int64_t v);
  void array_null();
  void end_array();

  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] std::size_t byte_size() const { return storage_.size(); }
  /// Reads parameter `i` back (the batcher merges requests from their packed parameters).
  [[nodiscard]] bool is_null(std::size_t i) const { return length_[i] < 0; }
  [[nodiscard]] std::string_view bytes(std::size_t i) const {
    return is_null(i) ? std::string_view{}
                      : std::string_view(storage_.data() + offset_[i],
                                         static_cast<std::size_t>(length_[i]));
  }

  /// Pointers for PQsendQueryPrepared; valid while the pack is neither changed nor moved.
  struct views {
    std::array<const char*, max_params> values{};
    std::array<int, max_params> lengths{};
    std::array<int, max_params> formats{};
  };
  [[nodiscard]] views make_views() const;

 private:
  void begin_param();
  void end_param();
  void put_int32(std::int32_t v);

  std::string storage_;
  std::array<std::size_t, max_params> offset_{};
  std::array<int, max_params> length_{};  // -1: NULL
  std::size_t count_ = 0;
};

/// Decoders for binary result columns.
[[nodiscard]] std::int64_t decode_int8(const char* p);
[[nodiscard]] double decode_float8(const char* p);
/// The elements of a one-dimensional binary array (as add_bytea_array packs it); NULLs skipped.
[[nodiscard]] std::vector<std::string_view> decode_array_items(std::string_view packed);

}  // namespace fpc::pg
