// State shared by every event loop: settings, users, counters (immutable or atomic, no locks).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>
#include <chrono>
#include <cstdint>

#include "server/state/encoding_tunables.hpp"
#include "auth/user_table.hpp"
#include "server/dispatch/acl.hpp"
#include "server/dispatch/command_table.hpp"
#include "storage/backend_counters.hpp"
#include "storage/server_bus.hpp"
#include "server/dispatch/command_stats.hpp"
#include "server/dispatch/key_waits.hpp"
#include "server/dispatch/monitors.hpp"
#include "server/dispatch/pubsub.hpp"
#include "server/dispatch/tracking.hpp"
#include "server/state/keyspace_events.hpp"
#include "server/dispatch/tenant_stats.hpp"
#include "server/state/busy_keys.hpp"
#include "server/state/auth_throttle.hpp"
#include "server/state/client_memory_book.hpp"
#include "server/state/cpu_worker.hpp"
#include "server/state/scan_cursors.hpp"
#include "server/state/eviction_policy.hpp"
#include "server/state/size_bound.hpp"
#include "server/state/slow_log.hpp"
#include "server/state/near_cache.hpp"
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
  std::atomic<std::uint64_t> exec_retries{
      0};  // EXEC transactions run again after losing to a concurrent one
  std::atomic<std::uint64_t> next_client_id{1};
  std::atomic<std::uint64_t> evicted_clients{0};              // closed by maxmemory-clients
  std::atomic<std::int64_t> blocked_clients{0};               // waiting in BLPOP and friends
  std::atomic<std::uint64_t> pubsub_limit_disconnections{0};  // past --pubsub-buffer-*
  std::atomic<std::uint64_t> published_messages{0};  // PUBLISH, SPUBLISH, keyspace events here
};

struct loop_context;

/// The settings CONFIG SET may change while serving; read by the loops without locks.
struct runtime_settings {
  explicit runtime_settings(const config::settings& s)
      : maxclients(s.maxclients),
        idle_timeout_seconds(s.idle_timeout_seconds),
        slowlog_log_slower_than(s.slowlog_log_slower_than),
        slowlog_max_len(s.slowlog_max_len),
        maxmemory(s.maxmemory),
        maxmemory_per_user(s.maxmemory_per_user),
        maxmemory_clients(s.maxmemory_clients),
        refuse_writes_when_full(s.maxmemory_policy == "noeviction"),
        pubsub_hard_limit(s.pubsub_buffer_hard_limit),
        pubsub_soft_limit(s.pubsub_buffer_soft_limit),
        pubsub_soft_seconds(s.pubsub_buffer_soft_seconds),
        keyspace_events(parse_keyspace_events(s.notify_keyspace_events).value_or(0)),
        maxmemory_policy(s.maxmemory_policy) {}
  std::atomic<std::size_t> maxclients;
  std::atomic<unsigned> idle_timeout_seconds;
  std::atomic<long long> slowlog_log_slower_than;  // microseconds; negative: off
  std::atomic<std::size_t> slowlog_max_len;
  std::atomic<std::uint64_t> maxmemory;
  std::atomic<std::uint64_t> maxmemory_per_user;
  std::atomic<std::uint64_t> maxmemory_clients;  // 0: no bound (client_eviction.hpp)
  std::atomic<bool> refuse_writes_when_full;     // the policy is noeviction
  std::atomic<std::uint64_t> pubsub_hard_limit;  // bytes; 0: none
  std::atomic<std::uint64_t> pubsub_soft_limit;
  std::atomic<unsigned> pubsub_soft_seconds;
  std::atomic<std::uint32_t> keyspace_events;  // notify-keyspace-events (keyspace_events.hpp)
  // Written by CONFIG SET and read by the eviction task only, both under this lock.
  std::mutex policy_lock;
  std::string maxmemory_policy;
  encoding_tunables encodings;
  [[nodiscard]] std::string policy() {
    std::lock_guard guard(policy_lock);
    return maxmemory_policy;
  }
};

struct server_state {
  server_state(const config::settings& s, auth::user_table u)
      : settings(s), users(std::move(u)), started(std::chrono::steady_clock::now()) {}

  const config::settings& settings;
  const auth::user_table users;
  const acl_book acls{users};  // needs the command table installed
  const std::chrono::steady_clock::time_point started;
  runtime_settings live{settings};
  slow_log slowlog;
  size_state size;
  std::uint16_t bound_port = 0;
  server_counters counters;
  storage::backend_counters backend;
  scan_cursors cursors;
  auth_throttle failed_auths;
  monitors monitoring;  // MONITOR clients
  busy_keys busy;       // keys of scripts past --lua-time-limit (-BUSY for their tenant)
  cpu_worker worker;    // glob matching too big for a loop (KEYS, SCAN MATCH)
  client_memory_book client_memory{settings.effective_threads()};
  command_stats stats{settings.effective_threads()};
  tenant_stats_book tenants{users, command_table().size()};
  std::vector<loop_context*> loops;  // set before serving; each is touched only on its own thread
  key_waits waits;                   // clients blocked on list keys, from every loop
  pubsub_hub pubsub;                 // this server's subscribers
  near_cache near{settings.near_cache_size};  // hot string values GET serves without PostgreSQL
  tracking_table tracking{settings.tracking_table_max_keys};  // CLIENT TRACKING's keys and clients
  // The bus to the other servers on the database (list wake-ups, pub/sub); none: one server.
  storage::server_bus* bus = nullptr;
};

}  // namespace fpc::server
