// SCAN cursors: Redis clients treat a cursor as a number, but our position is the last key
// returned (keyset pagination). This table maps numbers to positions, shared by every loop so a
// pooled client may continue a scan on another connection; each tenant has its own bounded share.
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
  /// Per tenant: at most `cursors_per_tenant` positions and `bytes_per_tenant` bytes of keys; past
  /// either, that tenant's own oldest cursors are forgotten (SCAN with them: invalid cursor), and
  /// no other tenant's.
  explicit scan_cursors(std::size_t cursors_per_tenant = 10000,
                        std::size_t bytes_per_tenant = 16 * 1024 * 1024)
      : cursors_per_tenant_(cursors_per_tenant), bytes_per_tenant_(bytes_per_tenant) {}

  /// A new cursor number for "continue after `last_key`" in `tenant`'s keyspace.
  std::uint64_t save(std::string_view tenant, std::string_view last_key);

  /// The position of a cursor; nothing when unknown (forgotten, or never issued to `tenant`).
  std::optional<std::string> find(std::string_view tenant, std::uint64_t cursor) const;

  /// Bytes of keys held for `tenant` (for tests and INFO).
  [[nodiscard]] std::size_t bytes_of(std::string_view tenant) const;

 private:
  struct tenant_cursors {
    std::unordered_map<std::uint64_t, std::string> last_keys;
    std::deque<std::uint64_t> order;  // oldest first, for forgetting
    std::size_t bytes = 0;
  };
  std::uint64_t fresh_id(const tenant_cursors& mine);

  // SCAN is rare next to GET/SET: a lock here costs nothing that matters.
  mutable std::mutex mutex_;
  // Tenants are the ACL file's users (SCAN needs a login), so this map is bounded by it.
  std::unordered_map<std::string, tenant_cursors> tenants_;
  std::uint64_t state_ = 0x9E3779B97F4A7C15ull;
  std::size_t cursors_per_tenant_;
  std::size_t bytes_per_tenant_;
};

}  // namespace fpc::server
