// Packs prepared-statement parameters in PostgreSQL's binary wire format into one buffer.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fpc::pg {

/// Up to eight binary parameters stored back to back in one string: one allocation per request.
class param_pack {
 public:
  static constexpr std::size_t max_params = 8;

  void add_bytes(std::string_view bytes);  ///< bytea or text
  void add_int8(std::int64_t v);
  void add_bool(bool v);
  void add_null();
  void add_bytea_array(std::span<const std::string_view> items);  ///< bytea[] (one dimension)

  [[nodiscard]] std::size_t size() const { return count_; }

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

}  // namespace fpc::pg
