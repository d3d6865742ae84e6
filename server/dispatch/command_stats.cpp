// Per-command statistics: recording on the loop that ran the command, summing on read.
#include "server/dispatch/command_stats.hpp"

#include <algorithm>

#include "server/dispatch/command_table.hpp"

namespace fpc::server {

command_stats::command_stats(unsigned loops) {
  for (unsigned i = 0; i < loops; ++i) {
    per_loop_.push_back(std::make_unique<command_counters[]>(command_table().size()));
  }
}

void command_stats::record(unsigned loop, std::size_t index,
                           std::chrono::steady_clock::duration took, bool failed) {
  if (loop >= per_loop_.size() || index >= command_table().size())
    return;  // a subcommand's own spec
  command_counters& c = per_loop_[loop][index];
  const auto us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  c.calls.fetch_add(1, std::memory_order_relaxed);
  c.usec.fetch_add(us, std::memory_order_relaxed);
  if (failed) c.failed.fetch_add(1, std::memory_order_relaxed);
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(latency_bounds_us.begin(), latency_bounds_us.end(), us) -
      latency_bounds_us.begin());
  c.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
}

std::vector<command_totals> command_stats::totals() const {
  std::vector<command_totals> out(command_table().size());
  for (const auto& loop : per_loop_) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i].calls += loop[i].calls.load(std::memory_order_relaxed);
      out[i].usec += loop[i].usec.load(std::memory_order_relaxed);
      out[i].failed += loop[i].failed.load(std::memory_order_relaxed);
      for (std::size_t b = 0; b < out[i].buckets.size(); ++b) {
        out[i].buckets[b] += loop[i].buckets[b].load(std::memory_order_relaxed);
      }
    }
  }
  return out;
}

}  // namespace fpc::server
