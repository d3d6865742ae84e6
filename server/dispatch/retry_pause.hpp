// The pause before running a transaction again (EXEC, a script) after it lost to a concurrent one.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <random>

namespace fpc::server {

/// How many times EXEC and scripts run a transaction that keeps losing before giving up: one of
/// the competitors always commits, so each retry has fewer rivals.
inline constexpr int max_transaction_attempts = 50;

/// Runs `again` for attempt `attempt + 1`: at once after the first loss; later after a random
/// pause that grows with each attempt, so rivals that keep colliding spread out.
inline void retry_after_pause(const boost::asio::any_io_executor& executor, int attempt,
                              std::function<void()> again) {
  if (attempt == 1) return again();
  thread_local std::minstd_rand jitter{std::random_device{}()};
  const auto ceiling = std::min<long>(50'000, 100L << std::min(attempt, 9));
  auto pause = std::make_shared<boost::asio::steady_timer>(executor);
  pause->expires_after(
      std::chrono::microseconds(std::uniform_int_distribution<long>(0, ceiling)(jitter)));
  pause->async_wait([pause, again = std::move(again)](const boost::system::error_code&) {
    again();
  });
}

}  // namespace fpc::server
