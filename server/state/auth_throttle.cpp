// Failed-AUTH slowdown per address and per user.
#include "server/state/auth_throttle.hpp"

#include <algorithm>

namespace fpc::server {
namespace {

constexpr auto first_delay = std::chrono::milliseconds(100);
constexpr auto max_delay = std::chrono::milliseconds(2000);
constexpr auto forget_after = std::chrono::seconds(60);

}  // namespace

auth_throttle::clock::time_point auth_throttle::bump(entry& e, clock::time_point now) {
  if (now - e.last > forget_after) e.failures = 0;
  ++e.failures;
  e.last = now;
  const unsigned doublings = std::min(e.failures - 1, 5u);
  const auto delay = std::min<clock::duration>(first_delay * (1u << doublings), max_delay);
  e.not_before = std::max(e.not_before, now) + delay;
  return e.not_before;
}

void auth_throttle::bound_addresses(clock::time_point now) {
  if (by_address_.size() < max_addresses) return;
  std::erase_if(by_address_, [&](const auto& kv) { return now - kv.second.last > forget_after; });
  if (by_address_.size() >= max_addresses) by_address_.clear();
}

auth_throttle::clock::time_point auth_throttle::on_failure(std::string_view user,
                                                           std::string_view address,
                                                           bool known_user) {
  const auto now = clock::now();
  std::lock_guard lock(mutex_);
  bound_addresses(now);
  const auto by_address = bump(by_address_[std::string(address)], now);
  const auto by_user = bump(by_user_[known_user ? std::string(user) : std::string()], now);
  return std::max(by_address, by_user);
}

void auth_throttle::on_success(std::string_view user) {
  std::lock_guard lock(mutex_);
  by_user_.erase(std::string(user));
}

}  // namespace fpc::server
