// The size bound's shared knowledge: snapshots of stored bytes, and what writes added since.
#include "server/state/size_bound.hpp"

#include <algorithm>

namespace fpc::server {

size_state::unrefreshed size_state::unrefreshed_now() {
  std::lock_guard guard(lock_);
  return {started_.fetch_add(1, std::memory_order_acq_rel) + 1, answered_bytes_,
          answered_by_user_};
}

void size_state::publish(std::shared_ptr<const usage_snapshot> s,
                         const unrefreshed& counted_before) {
  total_bytes_.store(s->total_bytes, std::memory_order_relaxed);
  unrefreshed_bytes_.fetch_sub(std::min(counted_before.total, unrefreshed_bytes()),
                               std::memory_order_relaxed);
  std::uint64_t peak = peak_bytes_.load(std::memory_order_relaxed);
  while (s->total_bytes > peak && !peak_bytes_.compare_exchange_weak(peak, s->total_bytes)) {
  }
  {
    std::lock_guard guard(lock_);
    snapshot_ = std::move(s);
    answered_bytes_ -= std::min(counted_before.total, answered_bytes_);
    auto subtract = [](std::unordered_map<std::string, std::uint64_t>& from,
                       const std::string& user, std::uint64_t bytes) {
      const auto it = from.find(user);
      if (it == from.end()) return;
      it->second -= std::min(bytes, it->second);
      if (it->second == 0) from.erase(it);
    };
    for (const auto& [user, bytes] : counted_before.by_user) {
      subtract(unrefreshed_by_user_, user, bytes);
      subtract(answered_by_user_, user, bytes);
    }
  }
  std::uint64_t newest = newest_published_.load(std::memory_order_relaxed);
  while (counted_before.started > newest &&
         !newest_published_.compare_exchange_weak(newest, counted_before.started,
                                                  std::memory_order_release)) {
  }
}

void size_state::note_write(std::string_view user, std::uint64_t bytes, bool per_user) {
  unrefreshed_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (!per_user) return;
  std::lock_guard guard(lock_);
  unrefreshed_by_user_[std::string(user)] += bytes;
}

void size_state::note_write_answered(std::string_view user, std::uint64_t bytes,
                                     bool per_user) {
  std::lock_guard guard(lock_);
  answered_bytes_ += bytes;
  if (per_user) answered_by_user_[std::string(user)] += bytes;
}

std::uint64_t size_state::estimated_user_bytes(std::string_view user) const {
  std::lock_guard guard(lock_);
  const std::string key(user);
  std::uint64_t bytes = 0;
  if (snapshot_) {
    const auto it = snapshot_->bytes_by_user.find(key);
    if (it != snapshot_->bytes_by_user.end()) bytes = it->second;
  }
  const auto pending = unrefreshed_by_user_.find(key);
  return bytes + (pending == unrefreshed_by_user_.end() ? 0 : pending->second);
}

void size_state::set_wake(std::function<void()> wake) {
  std::lock_guard guard(lock_);
  wake_ = std::move(wake);
}

void size_state::request_refresh() {
  if (refresh_requested_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard guard(lock_);
  if (wake_) wake_();
}

std::uint64_t size_state::user_bytes(std::string_view user) const {
  std::lock_guard guard(lock_);
  if (!snapshot_) return 0;
  const auto it = snapshot_->bytes_by_user.find(std::string(user));
  return it == snapshot_->bytes_by_user.end() ? 0 : it->second;
}

std::uint64_t size_state::keys(const std::string* user) const {
  std::lock_guard guard(lock_);
  if (!snapshot_) return 0;
  if (user == nullptr) return snapshot_->total_keys;
  const auto k = snapshot_->keys_by_user.find(*user);
  return k == snapshot_->keys_by_user.end() ? 0 : k->second;
}

std::uint64_t size_state::average_key_bytes(const std::string* user) const {
  std::lock_guard guard(lock_);
  if (!snapshot_) return 1;
  std::uint64_t bytes = snapshot_->total_bytes, keys = snapshot_->total_keys;
  if (user != nullptr) {
    const auto b = snapshot_->bytes_by_user.find(*user);
    const auto k = snapshot_->keys_by_user.find(*user);
    bytes = b == snapshot_->bytes_by_user.end() ? 0 : b->second;
    keys = k == snapshot_->keys_by_user.end() ? 0 : k->second;
  }
  return keys == 0 ? 1 : std::max<std::uint64_t>(1, bytes / keys);
}

std::vector<std::string> size_state::users() const {
  std::lock_guard guard(lock_);
  std::vector<std::string> out;
  if (snapshot_) {
    for (const auto& [user, bytes] : snapshot_->bytes_by_user) out.push_back(user);
  }
  return out;
}

}  // namespace fpc::server
