// The hash family of the storage seam: fields of one key, read and written one by one.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "storage/types.hpp"

namespace fpc::storage {

/// Every operation answers wrong_type_error when the key holds another type.
class hash_store {
 public:
  virtual ~hash_store() = default;
  /// integer: fields added. `pairs` is field, value, field, value...; with `only_new` (HSETNX)
  /// one pair, written only when the field is absent.
  virtual void hset(const caller& c, std::string_view key, std::span<const std::string_view> pairs,
                    bool only_new, kv_callback cb) = 0;
  /// value: the field's value, or nothing.
  virtual void hget(const caller& c, std::string_view key, std::string_view field,
                    kv_callback cb) = 0;
  /// values: one per field, in order.
  virtual void hmget(const caller& c, std::string_view key,
                     std::span<const std::string_view> fields, kv_callback cb) = 0;
  /// values: field, value, field, value... in field byte order; at most `limit` + 1 fields (the
  /// caller refuses a hash bigger than `limit`).
  virtual void hgetall(const caller& c, std::string_view key, std::size_t limit,
                       kv_callback cb) = 0;
  /// integer: the number of fields.
  virtual void hlen(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: 1 when the field exists.
  virtual void hexists(const caller& c, std::string_view key, std::string_view field,
                       kv_callback cb) = 0;
  /// integer: the length of the field's value (0 when absent).
  virtual void hstrlen(const caller& c, std::string_view key, std::string_view field,
                       kv_callback cb) = 0;
  /// integer: fields removed; the key goes with its last field.
  virtual void hdel(const caller& c, std::string_view key,
                    std::span<const std::string_view> fields, kv_callback cb) = 0;
  /// integer: the field's new value.
  virtual void hincrby(const caller& c, std::string_view key, std::string_view field,
                       std::int64_t delta, kv_callback cb) = 0;
  /// value: what `modify` made of the field's value (HINCRBYFLOAT), stored atomically.
  virtual void hmodify(const caller& c, std::string_view key, std::string_view field,
                       modify_function modify, kv_callback cb) = 0;
  /// values: field, value, ... of `count` > 0 distinct random fields (all when fewer), or of
  /// -`count` with repeats.
  virtual void hrandfield(const caller& c, std::string_view key, std::int64_t count,
                          kv_callback cb) = 0;
  /// values: field, value, ... of up to `limit` fields from `from` on, in byte order (HSCAN).
  virtual void hscan_page(const caller& c, std::string_view key, std::string_view from,
                          std::size_t limit, kv_callback cb) = 0;
};

}  // namespace fpc::storage
