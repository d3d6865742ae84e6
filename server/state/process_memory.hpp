// The process's own memory use, for INFO and /metrics.
#pragma once

#include <cstddef>

namespace fpc::server {

/// The process's resident memory (from /proc/self/statm).
[[nodiscard]] std::size_t resident_memory_bytes();

}  // namespace fpc::server
