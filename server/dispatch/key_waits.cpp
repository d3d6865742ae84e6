// Blocked clients per loop, and the wake-ups of list keys across loops and servers.
#include "server/dispatch/key_waits.hpp"

#include <algorithm>

#include "server/dispatch/server_state.hpp"

namespace fpc::server {

std::string key_waits::queue_name(std::string_view tenant, std::string_view key) {
  std::string name;
  name.reserve(tenant.size() + 1 + key.size());
  name.append(tenant).push_back('\0');
  name.append(key);
  return name;
}

std::uint64_t key_waits::add(std::string_view tenant, const std::vector<std::string>& keys,
                             wake_function wake, bool front) {
  std::lock_guard guard(lock_);
  const std::uint64_t ticket = next_ticket_++;
  for (const auto& key : keys) {
    auto& queue = queues_[queue_name(tenant, key)];
    if (std::find(queue.begin(), queue.end(), ticket) != queue.end()) continue;  // key twice
    if (front)
      queue.push_front(ticket);
    else
      queue.push_back(ticket);
  }
  waiters_.emplace(ticket, waiter{std::string(tenant), keys, std::move(wake)});
  queued_.store(waiters_.size(), std::memory_order_release);
  return ticket;
}

void key_waits::remove(std::uint64_t ticket) {
  std::lock_guard guard(lock_);
  remove_locked(ticket);
}

void key_waits::remove_locked(std::uint64_t ticket) {
  const auto it = waiters_.find(ticket);
  if (it == waiters_.end()) return;
  for (const auto& key : it->second.keys) {
    const auto q = queues_.find(queue_name(it->second.tenant, key));
    if (q == queues_.end()) continue;
    q->second.erase(std::remove(q->second.begin(), q->second.end(), ticket), q->second.end());
    if (q->second.empty()) queues_.erase(q);
  }
  waiters_.erase(it);
  queued_.store(waiters_.size(), std::memory_order_release);
}

void key_waits::wake_first(std::string_view tenant, std::string_view key) {
  wake_function wake;
  {
    std::lock_guard guard(lock_);
    const auto q = queues_.find(queue_name(tenant, key));
    if (q == queues_.end() || q->second.empty()) return;
    const std::uint64_t ticket = q->second.front();
    wake = std::move(waiters_.at(ticket).wake);
    remove_locked(ticket);
  }
  wake();
}

void key_waits::wake_all() {
  std::vector<wake_function> all;
  {
    std::lock_guard guard(lock_);
    for (auto& [ticket, w] : waiters_) all.push_back(std::move(w.wake));
    waiters_.clear();
    queues_.clear();
    queued_.store(0, std::memory_order_release);
  }
  for (auto& wake : all) wake();
}

void wake_local_waiters(server_state& shared, std::string_view tenant, std::string_view key) {
  if (shared.waits.empty()) return;
  shared.waits.wake_first(tenant, key);
}

void announce_key_ready(server_state& shared, std::string_view tenant, std::string_view key) {
  wake_local_waiters(shared, tenant, key);
  if (shared.bus != nullptr) shared.bus->announce(tenant, key);
}

}  // namespace fpc::server
