// The keys of scripts running past --lua-time-limit: other commands of their tenant on those keys
// answer -BUSY (they would only wait for the script's row locks), as Redis answers while a
// script runs long.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fpc::server {

class busy_keys {
 public:
  void hold(std::string_view tenant, const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const auto& k : keys) ++held_[{std::string(tenant), k}];
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  void release(std::string_view tenant, const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const auto& k : keys) {
      auto it = held_.find({std::string(tenant), k});
      if (it != held_.end() && --it->second == 0) held_.erase(it);
    }
    count_.fetch_sub(1, std::memory_order_relaxed);
  }
  /// Cheap test first: no busy script anywhere (the common case) takes no lock.
  [[nodiscard]] bool any() const { return count_.load(std::memory_order_relaxed) > 0; }
  [[nodiscard]] bool holds_any(std::string_view tenant, std::span<const std::string_view> keys) {
    std::lock_guard lock(mutex_);
    for (const auto k : keys) {
      if (held_.count({std::string(tenant), std::string(k)}) > 0) return true;
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, int> held_;
  std::atomic<int> count_{0};
};

}  // namespace fpc::server
