// Per-command counters and latency histograms: one table per event loop (a single writer, so
// relaxed atomics cost nothing), summed when INFO or the metrics endpoint reads them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace fpc::server {

struct command_spec;

/// Latency bucket upper bounds in microseconds (Prometheus `le`), then +Inf.
inline constexpr std::array<std::uint64_t, 12> latency_bounds_us = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 500000, 1000000};

struct command_counters {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> usec{0};
  std::atomic<std::uint64_t> failed{0};  // replies that were errors
  std::array<std::atomic<std::uint64_t>, latency_bounds_us.size() + 1> buckets{};
};

/// Totals for one command over every loop.
struct command_totals {
  std::uint64_t calls = 0, usec = 0, failed = 0;
  std::array<std::uint64_t, latency_bounds_us.size() + 1> buckets{};
};

class command_stats {
 public:
  /// One table per loop, each with a row per top-level command.
  explicit command_stats(unsigned loops);

  /// Called by loop `loop` when a command's reply is complete.
  /// `index`: the command's place in command_table().
  void record(unsigned loop, std::size_t index, std::chrono::steady_clock::duration took,
              bool failed);

  /// Sums over the loops, indexed like command_table().
  [[nodiscard]] std::vector<command_totals> totals() const;

 private:
  std::vector<std::unique_ptr<command_counters[]>> per_loop_;
};

}  // namespace fpc::server
