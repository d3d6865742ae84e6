// SCAN cursor table: bounded per tenant, each tenant's oldest positions forgotten first.
#include "server/state/scan_cursors.hpp"

#include <chrono>

namespace fpc::server {

std::uint64_t scan_cursors::fresh_id(const tenant_cursors& mine) {
  // Hard-to-guess numbers (splitmix64 over the clock): a cursor is no capability (each tenant's
  // table is its own), but guessable cursors would invite confusion.
  std::uint64_t id = 0;
  do {
    state_ +=
        0x9E3779B97F4A7C15ull ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    // 53 bits: JavaScript clients (node-redis) parse the cursor into a double, which holds
    // integers exactly only up to 2^53.
    id = (z ^ (z >> 31)) >> 11;
  } while (id == 0 || mine.last_keys.count(id) > 0);
  return id;
}

std::uint64_t scan_cursors::save(std::string_view tenant, std::string_view last_key) {
  std::lock_guard lock(mutex_);
  auto found = tenants_.find(std::string(tenant));
  if (found == tenants_.end()) found = tenants_.emplace(std::string(tenant), tenant_cursors{}).first;
  tenant_cursors& mine = found->second;
  const std::uint64_t id = fresh_id(mine);
  mine.last_keys.emplace(id, std::string(last_key));
  mine.order.push_back(id);
  mine.bytes += last_key.size();
  // The newest cursor always stays, even alone past the byte bound (a key is at most
  // proto-max-bulk-len): a SCAN over huge keys still makes progress.
  while (mine.order.size() > 1 &&
         (mine.order.size() > cursors_per_tenant_ || mine.bytes > bytes_per_tenant_)) {
    auto oldest = mine.last_keys.find(mine.order.front());
    mine.bytes -= oldest->second.size();
    mine.last_keys.erase(oldest);
    mine.order.pop_front();
  }
  return id;
}

std::optional<std::string> scan_cursors::find(std::string_view tenant, std::uint64_t cursor) const {
  std::lock_guard lock(mutex_);
  auto mine = tenants_.find(std::string(tenant));
  if (mine == tenants_.end()) return std::nullopt;
  auto it = mine->second.last_keys.find(cursor);
  if (it == mine->second.last_keys.end()) return std::nullopt;
  return it->second;
}

std::size_t scan_cursors::bytes_of(std::string_view tenant) const {
  std::lock_guard lock(mutex_);
  auto mine = tenants_.find(std::string(tenant));
  return mine == tenants_.end() ? 0 : mine->second.bytes;
}

}  // namespace fpc::server
