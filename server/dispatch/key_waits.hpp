// Clients blocked on list keys (BLPOP and friends), one registry per server: who waits for which
// key, in the order they blocked, and the wake-ups that pushes on this server or another send.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fpc::server {

struct server_state;

/// The server's blocked clients, from every loop (under a lock: blocking is not the hot path).
/// Fairness: per key, the first blocked is the first woken, whatever its loop; a waiter woken
/// for nothing (another took the element) goes back to the front of its queues. A wake
/// function is called outside the lock and must only post to its waiter's own loop.
class key_waits {
 public:
  using wake_function = std::function<void()>;

  /// Registers a waiter for `keys` of `tenant`; the returned ticket removes it.
  std::uint64_t add(std::string_view tenant, const std::vector<std::string>& keys,
                    wake_function wake, bool front);
  /// Forgets a waiter (answered, timed out, unblocked, disconnected). Unknown tickets are fine.
  void remove(std::uint64_t ticket);
  /// Wakes the first waiter of (tenant, key): it leaves every queue, then its function runs.
  void wake_first(std::string_view tenant, std::string_view key);
  /// Wakes every waiter (wake-ups from other servers may have been lost meanwhile).
  void wake_all();
  /// No waiter is queued (read without the lock: a push checks it first).
  [[nodiscard]] bool empty() const { return queued_.load(std::memory_order_acquire) == 0; }

 private:
  struct waiter {
    std::string tenant;
    std::vector<std::string> keys;
    wake_function wake;
  };
  static std::string queue_name(std::string_view tenant, std::string_view key);
  void remove_locked(std::uint64_t ticket);
  mutable std::mutex lock_;
  std::unordered_map<std::uint64_t, waiter> waiters_;
  std::unordered_map<std::string, std::deque<std::uint64_t>> queues_;  // tenant '\0' key
  std::uint64_t next_ticket_ = 1;
  std::atomic<std::size_t> queued_{0};  // waiters_.size(), for empty()
};

/// A list at (tenant, key) may have elements now (a push committed): wakes its first waiter on
/// this server and tells the other servers on the database.
void announce_key_ready(server_state& shared, std::string_view tenant, std::string_view key);
/// The same, from another server (or a waiter passing the element's company on): this server
/// only.
void wake_local_waiters(server_state& shared, std::string_view tenant, std::string_view key);

}  // namespace fpc::server
