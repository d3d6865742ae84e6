// SCAN cursors: Redis clients treat a cursor as a number, but our position is the last key
// returned (keyset pagination). This table maps numbers to positions, shared by every loop so a
// pooled client may continue a scan on another connection.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fpc::server {

class scan_cursors {
 public:
  explicit scan_cursors(std::size_t capacity = 100000) : capacity_(capacity) {}

  /// A new cursor number for "continue after `last_key`" in `tenant`'s keyspace.
  std::uint64_t save(std::string_view tenant, std::string_view last_key);

  /// The position of a cursor; nothing when unknown (expired from the table or never issued).
  std::optional<std::string> find(std::string_view tenant, std::uint64_t cursor) const;

 private:
  struct position {
    std::string tenant;
    std::string last_key;
  };
  mutable std::mutex
      mutex_;  // SCAN is rare next to GET/SET: a lock here costs nothing that matters
  std::unordered_map<std::uint64_t, position> positions_;
  std::deque<std::uint64_t> order_;  // oldest first, for eviction
  std::uint64_t state_ = 0x9E3779B97F4A7C15ull;
  std::size_t capacity_;
};

}  // namespace fpc::server
