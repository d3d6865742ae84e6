// The server-wide counters and gauges, listed once: INFO prints them by name and /metrics renders
// the whole list, so a new counter is one row here.
#pragma once

#include <span>
#include <string_view>

#include "server/dispatch/server_state.hpp"

namespace fpc::server {

struct shared_counter {
  std::string_view info_name;  ///< its INFO field ("" : /metrics only)
  std::string_view metric;     ///< its Prometheus name
  std::string_view type;       ///< "counter" or "gauge"
  std::string_view help;
  double (*read)(const server_state&);
};

[[nodiscard]] std::span<const shared_counter> shared_counters();

/// The counter INFO calls `info_name`; a programming error (throws) when there is none.
[[nodiscard]] const shared_counter& counter_named(std::string_view info_name);

}  // namespace fpc::server
