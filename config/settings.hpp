// The server's settings: one immutable struct, filled from flags, FASTPGCACHE_* variables and
// --config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace fpc::config {

struct settings {
  // Network
  std::string bind = "127.0.0.1";
  std::uint16_t port = 6379;
  unsigned threads = 0;  // 0: one per core
  std::size_t maxclients = 10000;
  std::size_t proto_max_bulk_len = 512ull * 1024 * 1024;
  std::size_t max_pending_per_client = 1024;  // commands in flight before reading pauses
  std::size_t max_multi_bytes = 64 * 1024 * 1024;  // queued MULTI commands + WATCH keys, per client
  std::size_t max_pending_reply_bytes =
      64ull * 1024 * 1024;  // unsent reply bytes before reading pauses
  // Commands this big (arguments, SETRANGE's end, a client's recent replies) run on each loop's
  // side connection, so they never queue in front of other clients' statements.
  std::size_t heavy_statement_bytes = 1024 * 1024;
  // Members one reply of a whole collection (HGETALL, HKEYS, HVALS) may carry; a bigger one is
  // refused with an error pointing at HSCAN, so one command cannot hold a loop and gigabytes.
  std::size_t max_collection_reply = 1000000;
  // Argument bytes of a client's commands still in flight before reading from it pauses.
  std::size_t max_pending_query_bytes = 64ull * 1024 * 1024;
  // Redis's client-query-buffer-limit: a client whose unparsed input passes this is closed.
  std::size_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  // Redis 7's maxmemory-clients: all clients' buffers together (0: no bound); past it the
  // biggest clients are closed first.
  std::uint64_t maxmemory_clients = 0;
  // Redis's client-output-buffer-limit for pub/sub clients: a subscriber whose unsent messages
  // pass the hard limit, or stay past the soft limit for the soft seconds, is disconnected.
  std::uint64_t pubsub_buffer_hard_limit = 32ull * 1024 * 1024;
  // 32 MB: a few hundred thousand small hot values, a small part of a sidecar's memory.
  std::uint64_t near_cache_size = 32ull * 1024 * 1024;
  std::uint64_t tracking_table_max_keys = 1000000;  // Redis's default
  std::uint64_t pubsub_buffer_soft_limit = 8ull * 1024 * 1024;
  unsigned pubsub_buffer_soft_seconds = 60;
  // Redis's notify-keyspace-events: which keyspace notifications are published ("": none).
  std::string notify_keyspace_events;

  // Scripting (EVAL, FCALL)
  // Redis's lua-time-limit: past it a script is "busy" (same-tenant callers of its keys get
  // -BUSY, SCRIPT KILL / FUNCTION KILL may stop it).
  std::uint64_t lua_time_limit_ms = 5000;
  // Past this a script is stopped with an error and rolled back (Redis never stops one; here a
  // script holding a transaction open delays the other clients of its PostgreSQL connection).
  std::uint64_t lua_max_time_ms = 30000;
  // Lua heap of one tenant's interpreter on one loop (its running scripts and cached functions).
  std::size_t lua_memory_limit = 64 * 1024 * 1024;
  // Script bodies one tenant may keep in the script cache (EVAL / SCRIPT LOAD); oldest dropped.
  std::size_t max_script_cache_bytes = 16 * 1024 * 1024;

  // PostgreSQL
  std::string pg;  // libpq URI or conninfo; empty: libpq's PG* variables
  std::size_t pool_size = 4;
  std::string schema = "fastpgcache";
  std::string table = "cache";
  double pg_timeout_seconds = 5.0;
  double pg_statement_timeout_seconds = 0;  // 0: the same as pg_timeout_seconds
  std::size_t pg_pipeline_depth = 4;
  std::string pg_password_file;     // rotating credentials: read at each new connection
  std::string pg_password_command;  // rotating credentials: its stdout is the password
  unsigned pg_password_refresh_seconds = 300;
  unsigned pg_max_conn_age_seconds = 0;  // replace connections this old (0: never)  // statements
                                         // in flight per connection (see pg_connection.hpp)

  double shutdown_timeout_seconds = 10.0;
  std::uint16_t metrics_port = 0;  // 0: no metrics endpoint
  std::string metrics_bind = "127.0.0.1";
  std::string metrics_token;  // when set, /metrics needs `Authorization: Bearer <token>`
  unsigned idle_timeout_seconds = 0;  // --timeout: close clients idle this long (0: never)
  bool protected_mode = true;         // without a password, refuse clients not on loopback
  std::uint16_t tls_port = 0;         // 0: no TLS listener
  std::string tls_cert_file;          // PEM certificate chain for the TLS listener
  std::string tls_key_file;           // PEM private key

  // Authentication
  std::string requirepass;
  std::string acl_file;

  // Expiry
  double expire_sweep_interval_seconds = 1.0;
  std::size_t expire_sweep_batch = 1000;

  // Size bound and eviction (CONFIG SET can change them while serving)
  std::uint64_t maxmemory = 0;           // stored key+value bytes in total (0: no limit)
  std::uint64_t maxmemory_per_user = 0;  // stored key+value bytes per user (0: no limit)
  std::string maxmemory_policy = "noeviction";
  std::size_t maxmemory_eviction_batch = 500;  // keys deleted per eviction statement
  unsigned lru_clock_resolution_seconds =
      5;  // a read moves a key's access clock at most this often

  // Modes and logging
  bool init_schema = false;
  bool health_check = false;  // probe a running server and exit (--health-check)
  bool force = false;
  std::string log_level = "info";
  std::string log_format = "text";            // text or json
  long long slowlog_log_slower_than = 10000;  // microseconds; negative: off, 0: every command
  std::size_t slowlog_max_len = 128;

  [[nodiscard]] unsigned effective_threads() const;
  [[nodiscard]] std::string qualified_table() const;  // "schema"."table", quoted for SQL
};

struct parse_exit {
  int code;  // --help/--version print and exit 0; a bad option exits 2 with one clear line
};

/// Parses argv (and FASTPGCACHE_* variables, and the --config file). Either settings or an exit.
std::variant<settings, parse_exit> parse_command_line(int argc, char** argv);

/// Quotes an SQL identifier ("my""schema").
std::string quote_identifier(const std::string& name);

}  // namespace fpc::config
