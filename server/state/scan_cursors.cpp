// SCAN cursor table: bounded, oldest positions evicted first.
#include "server/state/scan_cursors.hpp"

#include <chrono>

namespace fpc::server {

std::uint64_t scan_cursors::save(std::string_view tenant, std::string_view last_key) {
  std::lock_guard lock(mutex_);
  // Hard-to-guess numbers (splitmix64 over the clock): a cursor is no capability across tenants
  // anyway (find() checks the tenant), but guessable cursors would invite confusion.
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
  } while (id == 0 || positions_.count(id) > 0);
  positions_.emplace(id, position{std::string(tenant), std::string(last_key)});
  order_.push_back(id);
  while (order_.size() > capacity_) {
    positions_.erase(order_.front());
    order_.pop_front();
  }
  return id;
}

std::optional<std::string> scan_cursors::find(std::string_view tenant, std::uint64_t cursor) const {
  std::lock_guard lock(mutex_);
  auto it = positions_.find(cursor);
  if (it == positions_.end() || it->second.tenant != tenant) return std::nullopt;
  return it->second.last_key;
}

}  // namespace fpc::server
