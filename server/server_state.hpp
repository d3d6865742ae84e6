// State shared by every event loop: settings, users, counters (immutable or atomic, no locks).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "auth/user_table.hpp"
#include "pgbackend/pg_connection.hpp"
#include "server/command_stats.hpp"
#include "server/scan_cursors.hpp"
#include "config/settings.hpp"

namespace fpc::server {

struct server_counters {
  std::atomic<std::uint64_t> connections_received{0};
  std::atomic<std::uint64_t> connected_clients{0};
  std::atomic<std::uint64_t> rejected_connections{0};
  std::atomic<std::uint64_t> commands_processed{0};
  std::atomic<std::uint64_t> keyspace_hits{0};
  std::atomic<std::uint64_t> keyspace_misses{0};
  std::atomic<std::uint64_t> expired_keys{0};
  std::atomic<std::uint64_t> next_client_id{1};
};

struct server_state {
  server_state(const config::settings& s, auth::user_table u)
      : settings(s), users(std::move(u)), started(std::chrono::steady_clock::now()) {}

  const config::settings& settings;
  const auth::user_table users;
  const std::chrono::steady_clock::time_point started;
  std::uint16_t bound_port = 0;
  server_counters counters;
  pg::backend_counters backend;
  scan_cursors cursors;
  command_stats stats{settings.effective_threads()};
};

}  // namespace fpc::server
