// What the storage backend reports about its connections and statements (INFO, /metrics).
#pragma once

#include <atomic>
#include <cstdint>

namespace fpc::storage {

/// Server-wide counters every connection adds to (relaxed atomics: INFO reads them).
struct backend_counters {
  std::atomic<std::uint64_t> statements{0};       ///< statements sent (one Sync each)
  std::atomic<std::uint64_t> batches{0};          ///< of which merged statements
  std::atomic<std::uint64_t> merged_requests{0};  ///< requests those carried
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::uint64_t> errors{0};            ///< statements that failed
  std::atomic<std::int64_t> connections_ready{0};  ///< connections in the ready state now
  std::atomic<std::int64_t> in_flight{0};          ///< statements sent and not yet answered, now
  std::atomic<std::int64_t> connections_busy{0};   ///< connections with statements in flight, now
  std::atomic<std::uint64_t> round_trips{0};       ///< statements answered
  std::atomic<std::uint64_t> round_trip_us{0};     ///< their send-to-answer time, summed
};
}  // namespace fpc::storage
