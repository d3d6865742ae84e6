// What each event loop's clients hold in memory, published for maxmemory-clients and INFO.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

namespace fpc::server {

/// Each loop publishes its clients' total bytes and its biggest evictable client's bytes every
/// tick; any loop reads the sums. Lock-free: loops write only their own slots.
class client_memory_book {
 public:
  explicit client_memory_book(unsigned loops)
      : loops_(loops), totals_(new std::atomic<std::uint64_t>[loops]()),
        biggest_(new std::atomic<std::uint64_t>[loops]()) {}

  void publish(unsigned loop, std::uint64_t total, std::uint64_t biggest) {
    totals_[loop].store(total, std::memory_order_relaxed);
    biggest_[loop].store(biggest, std::memory_order_relaxed);
  }
  /// Every loop's clients together, as last published.
  [[nodiscard]] std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (unsigned i = 0; i < loops_; ++i) sum += totals_[i].load(std::memory_order_relaxed);
    return sum;
  }
  /// The biggest evictable client of any loop, as last published.
  [[nodiscard]] std::uint64_t biggest() const {
    std::uint64_t most = 0;
    for (unsigned i = 0; i < loops_; ++i) {
      most = std::max(most, biggest_[i].load(std::memory_order_relaxed));
    }
    return most;
  }

 private:
  unsigned loops_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> totals_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> biggest_;
};

}  // namespace fpc::server
