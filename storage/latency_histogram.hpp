// A lock-free histogram of durations (log buckets, ~12% wide) for percentiles any thread reads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace fpc::storage {

class latency_histogram {
 public:
  void record(std::chrono::microseconds d) {
    const auto us = static_cast<double>(std::max<std::int64_t>(1, d.count()));
    auto at = static_cast<std::size_t>(std::log(us) / std::log(growth));
    if (at >= buckets) at = buckets - 1;
    counts_[at].fetch_add(1, std::memory_order_relaxed);
    total_.fetch_add(1, std::memory_order_relaxed);
    std::int64_t seen = max_us_.load(std::memory_order_relaxed);
    while (d.count() > seen && !max_us_.compare_exchange_weak(seen, d.count())) {
    }
  }
  /// The upper edge of the bucket holding the `p` quantile (0 with no samples), in µs.
  [[nodiscard]] double quantile_us(double p) const {
    const std::uint64_t n = total_.load(std::memory_order_relaxed);
    if (n == 0) return 0;
    const auto want = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(n)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
      seen += counts_[i].load(std::memory_order_relaxed);
      if (seen >= want && seen > 0) return std::pow(growth, static_cast<double>(i + 1));
    }
    return static_cast<double>(max_us_.load(std::memory_order_relaxed));
  }
  [[nodiscard]] double max_us() const {
    return static_cast<double>(max_us_.load(std::memory_order_relaxed));
  }
  [[nodiscard]] std::uint64_t samples() const { return total_.load(std::memory_order_relaxed); }

 private:
  static constexpr double growth = 1.125;
  static constexpr std::size_t buckets = 160;  // 1.125^160 µs ≈ 150 s
  std::array<std::atomic<std::uint64_t>, buckets> counts_{};
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::int64_t> max_us_{0};
};

}  // namespace fpc::storage
