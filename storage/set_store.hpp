// The set family of the storage seam: members of one key, and set algebra over several.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "storage/types.hpp"

namespace fpc::storage {

/// SINTER, SUNION, SDIFF and their STORE and CARD forms.
enum class set_operation { intersection = 0, set_union = 1, difference = 2 };

/// Every operation answers wrong_type_error when a key it reads holds another type.
class set_store {
 public:
  virtual ~set_store() = default;
  /// integer: members added.
  virtual void sadd(const caller& c, std::string_view key,
                    std::span<const std::string_view> members, kv_callback cb) = 0;
  /// integer: members removed; the key goes with its last member.
  virtual void srem(const caller& c, std::string_view key,
                    std::span<const std::string_view> members, kv_callback cb) = 0;
  /// values: the members in byte order, at most `limit` + 1 (the caller refuses bigger sets).
  virtual void smembers(const caller& c, std::string_view key, std::size_t limit,
                        kv_callback cb) = 0;
  /// integers: 1 or 0 per member, in order.
  virtual void smismember(const caller& c, std::string_view key,
                          std::span<const std::string_view> members, kv_callback cb) = 0;
  /// integer: 1 when `member` belongs to the set (merged with adjacent SISMEMBERs).
  virtual void sismember(const caller& c, std::string_view key, std::string_view member,
                         kv_callback cb) = 0;
  /// integer: the number of members.
  virtual void scard(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// values: up to `count` members, removed at random; the key goes with its last member.
  virtual void spop(const caller& c, std::string_view key, std::int64_t count,
                    kv_callback cb) = 0;
  /// values: `count` > 0 distinct random members (all when fewer), `count` < 0 that many with
  /// repeats.
  virtual void srandmember(const caller& c, std::string_view key, std::int64_t count,
                           kv_callback cb) = 0;
  /// integer: 1 when `member` moved from `from` to `to`.
  virtual void smove(const caller& c, std::string_view from, std::string_view to,
                     std::string_view member, kv_callback cb) = 0;
  /// values: the result's members, at most `limit` + 1 of them.
  virtual void combine(const caller& c, set_operation op, std::span<const std::string_view> keys,
                       std::size_t limit, kv_callback cb) = 0;
  /// integer: the size of the intersection, counting stops at `limit` (0: no limit).
  virtual void intersection_size(const caller& c, std::span<const std::string_view> keys,
                                 std::int64_t limit, kv_callback cb) = 0;
  /// integer: the size of the result, stored at `destination` (replacing any type; an empty
  /// result deletes it).
  virtual void combine_into(const caller& c, set_operation op, std::string_view destination,
                            std::span<const std::string_view> keys, kv_callback cb) = 0;
  /// values: up to `limit` members from `from` on, in byte order (SSCAN).
  virtual void sscan_page(const caller& c, std::string_view key, std::string_view from,
                          std::size_t limit, kv_callback cb) = 0;
};

}  // namespace fpc::storage
