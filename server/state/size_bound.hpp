// What the size bound knows: stored bytes per user (refreshed from PostgreSQL's usage table),
// eviction counters, and the write admission check used by noeviction.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fpc::server {

struct usage_snapshot {
  std::uint64_t total_bytes = 0;
  std::uint64_t total_keys = 0;
  std::unordered_map<std::string, std::uint64_t> bytes_by_user;
  std::unordered_map<std::string, std::uint64_t> keys_by_user;
};

class size_state {
 public:
  /// What answered writes had added when a usage query started (see unrefreshed_bytes()).
  struct unrefreshed {
    std::uint64_t started = 0;  // the query's number in start order (1, 2, ...)
    std::uint64_t total = 0;
    std::unordered_map<std::string, std::uint64_t> by_user;
  };
  /// Called as a usage query starts.
  [[nodiscard]] unrefreshed unrefreshed_now();

  /// A new snapshot, read by a query that started at `counted_before`: those writes were
  /// answered (so committed) before it started and are in the snapshot now. Writes still in
  /// flight then stay counted on top of it, perhaps twice until the next snapshot: the bound
  /// acts early rather than late.
  void publish(std::shared_ptr<const usage_snapshot> s, const unrefreshed& counted_before);
  [[nodiscard]] std::uint64_t total_bytes() const {
    return total_bytes_.load(std::memory_order_relaxed);
  }

  /// Bytes this server's writes may have added since the last snapshot's query began. Lets the
  /// bound act between snapshots; an overwrite counts as growth, which only makes it act early.
  /// `per_user`: also per user (only while --maxmemory-per-user is set: it takes the lock).
  void note_write(std::string_view user, std::uint64_t bytes, bool per_user);
  /// The write noted with these bytes was answered: the next snapshot's query, started after
  /// this, sees it (or its failure), so it may stop counting it.
  void note_write_answered(std::string_view user, std::uint64_t bytes, bool per_user);
  /// The user's bytes at the last reading plus what this server's writes added since.
  [[nodiscard]] std::uint64_t estimated_user_bytes(std::string_view user) const;
  [[nodiscard]] std::uint64_t unrefreshed_bytes() const {
    return unrefreshed_bytes_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t estimated_total_bytes() const {
    return total_bytes() + unrefreshed_bytes();
  }
  /// Usage queries started so far; `refreshed_since(n)`: one started after the n-th has
  /// published its snapshot, so it saw every write answered before that start.
  [[nodiscard]] std::uint64_t refreshes_started() const {
    return started_.load(std::memory_order_acquire);
  }
  [[nodiscard]] bool refreshed_since(std::uint64_t started) const {
    return newest_published_.load(std::memory_order_acquire) > started;
  }

  /// The size task installs how to wake it; writers at the bound ask it for a refresh (and
  /// eviction) now instead of at its next tick. The wake runs at most once until taken.
  void set_wake(std::function<void()> wake);
  void request_refresh();
  [[nodiscard]] bool take_refresh_request() {
    return refresh_requested_.exchange(false, std::memory_order_acq_rel);
  }

  /// Set while eviction finds nothing to evict above the bound (volatile policies without TTL
  /// keys): writes then get -OOM, as in Redis.
  void set_eviction_stuck(bool stuck) { eviction_stuck_.store(stuck, std::memory_order_relaxed); }
  [[nodiscard]] bool eviction_stuck() const {
    return eviction_stuck_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t peak_bytes() const {
    return peak_bytes_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t user_bytes(std::string_view user) const;

  /// Keys of one user (or everyone).
  [[nodiscard]] std::uint64_t keys(const std::string* user) const;

  /// Average stored bytes per key of one user (or everyone): sizes an eviction round.
  [[nodiscard]] std::uint64_t average_key_bytes(const std::string* user) const;

  [[nodiscard]] std::vector<std::string> users() const;

  std::atomic<std::uint64_t> evicted_keys{0};
  std::atomic<std::uint64_t> eviction_rounds{0};

 private:
  std::atomic<std::uint64_t> total_bytes_{0};
  std::atomic<std::uint64_t> unrefreshed_bytes_{0};
  std::atomic<std::uint64_t> started_{0};
  std::atomic<std::uint64_t> newest_published_{0};  // the latest start number published
  std::atomic<bool> refresh_requested_{false};
  std::atomic<bool> eviction_stuck_{false};
  std::function<void()> wake_;                                          // guarded by lock_
  std::unordered_map<std::string, std::uint64_t> unrefreshed_by_user_;  // guarded by lock_
  // The answered part of the unrefreshed bytes: what a snapshot started now will contain.
  std::uint64_t answered_bytes_ = 0;                                 // guarded by lock_
  std::unordered_map<std::string, std::uint64_t> answered_by_user_;  // guarded by lock_
  std::atomic<std::uint64_t> peak_bytes_{0};
  mutable std::mutex lock_;
  std::shared_ptr<const usage_snapshot> snapshot_;
};

}  // namespace fpc::server
