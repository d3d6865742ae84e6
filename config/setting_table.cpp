// The table of every option (see setting_table.hpp); --help lists them in this order.
#include "config/setting_table.hpp"

#include <cctype>

namespace fpc::config {
namespace {

using check = setting_check;
using s = settings;

const std::vector<setting>& table() {
  static const std::vector<setting> all = {
      {.name = "bind", .field = &s::bind, .help = "Address to listen on"},
      {.name = "port",
       .field = &s::port,
       .help = "TCP port for RESP clients",
       .check = check::range,
       .min = 1,
       .max = 65535},
      {.name = "threads", .field = &s::threads, .help = "Event loop threads (0: one per core)"},
      {.name = "maxclients",
       .field = &s::maxclients,
       .help = "Maximum simultaneous clients",
       .check = check::positive,
       .reloadable = true},
      {.name = "proto-max-bulk-len",
       .field = &s::proto_max_bulk_len,
       .help = "Largest bulk string a client may send",
       .check = check::range,
       .min = 1,
       .max = 1099511627776.0},
      {.name = "max-pending-per-client",
       .field = &s::max_pending_per_client,
       .help = "Pipelined commands in flight per client before the server stops reading from it",
       .check = check::positive},
      {.name = "max-multi-bytes",
       .field = &s::max_multi_bytes,
       .help = "Bytes of commands one client's MULTI may queue, and of keys it may WATCH; past "
               "them the transaction is discarded (EXEC answers EXECABORT)",
       .byte_units = true},
      {.name = "max-pending-reply-bytes",
       .field = &s::max_pending_reply_bytes,
       .help = "Reply bytes a client has not read yet before the server stops reading from it "
               "(bounds the memory a client that pipelines without reading can cost)",
       .byte_units = true},
      {.name = "max-collection-reply",
       .field = &s::max_collection_reply,
       .help = "Members (fields of a hash) one HGETALL, HKEYS or HVALS may answer; a bigger "
               "collection is refused with an error (read it with HSCAN)",
       .check = check::positive},
      {.name = "max-pending-query-bytes",
       .field = &s::max_pending_query_bytes,
       .help = "Argument bytes of one client's commands still in flight before the server stops "
               "reading from it (bounds what a client pipelining large SETs can hold)",
       .check = check::positive,
       .byte_units = true},
      {.name = "client-query-buffer-limit",
       .field = &s::client_query_buffer_limit,
       .help = "A client whose unparsed input (one command still arriving) passes this is closed, "
               "as in Redis",
       .check = check::range,
       .min = 1024 * 1024,
       .max = 1099511627776.0,
       .byte_units = true},
      {.name = "maxmemory-clients",
       .field = &s::maxmemory_clients,
       .help = "Memory of all client buffers together (input, replies, MULTI queues, commands in "
               "flight; 0: no bound); past it the biggest clients are closed first (CLIENT "
               "NO-EVICT exempts one)",
       .byte_units = true,
       .reloadable = true},
      {.name = "near-cache-size",
       .field = &s::near_cache_size,
       .help = "Bytes of hot string values each server keeps in memory and serves GET from without "
               "PostgreSQL, kept coherent by invalidations between servers (0: off). Every server "
               "on a database must have it on for the others' copies to be invalidated",
       .byte_units = true},
      {.name = "tracking-table-max-keys",
       .field = &s::tracking_table_max_keys,
       .help = "Keys CLIENT TRACKING remembers for the clients that read them (Redis's "
               "tracking-table-max-keys; 0: no bound); past it the tenant with the most loses its "
               "oldest, and their readers are told to drop them",
       .check = check::range,
       .min = 0,
       .max = 1e9},
      {.name = "pubsub-buffer-hard-limit",
       .field = &s::pubsub_buffer_hard_limit,
       .help = "Unsent pub/sub messages a subscriber may hold before it is disconnected (Redis's "
               "client-output-buffer-limit pubsub hard limit; 0: none)",
       .byte_units = true,
       .reloadable = true},
      {.name = "pubsub-buffer-soft-limit",
       .field = &s::pubsub_buffer_soft_limit,
       .help = "Unsent pub/sub messages a subscriber may hold for --pubsub-buffer-soft-seconds "
               "before it is disconnected (0: none)",
       .byte_units = true,
       .reloadable = true},
      {.name = "pubsub-buffer-soft-seconds",
       .field = &s::pubsub_buffer_soft_seconds,
       .help = "How long a subscriber may stay past --pubsub-buffer-soft-limit",
       .reloadable = true},
      {.name = "notify-keyspace-events",
       .field = &s::notify_keyspace_events,
       .help = "Keyspace notifications to publish, in Redis's letters (K E g $ l s h z x e t d "
               "m n A; empty: none)",
       .reloadable = true},
      {.name = "heavy-statement-bytes",
       .field = &s::heavy_statement_bytes,
       .help = "Commands this big (argument bytes, SETRANGE's end offset, or a client's recent "
               "reply size), and KEYS/FLUSHDB/FLUSHALL, run on each loop's extra PostgreSQL "
               "connection once the client's earlier commands are answered, never in front of "
               "other clients' statements",
       .check = check::positive,
       .byte_units = true},
      {.name = "lua-time-limit",
       .field = &s::lua_time_limit_ms,
       .help = "Milliseconds after which a running script is busy: other callers of its keys "
               "(same tenant) get -BUSY and SCRIPT KILL / FUNCTION KILL may stop it",
       .check = check::positive},
      {.name = "lua-max-time",
       .field = &s::lua_max_time_ms,
       .help = "Milliseconds after which a running script is stopped with an error and its "
               "writes rolled back",
       .check = check::positive},
      {.name = "lua-memory-limit",
       .field = &s::lua_memory_limit,
       .help = "Lua heap of one tenant's interpreter on one thread (running scripts and cached "
               "functions); an allocation past it fails the script with 'not enough memory'",
       .check = check::positive,
       .byte_units = true},
      {.name = "max-script-cache-bytes",
       .field = &s::max_script_cache_bytes,
       .help = "Script bodies one tenant may keep cached (EVAL, SCRIPT LOAD); past it the least "
               "recently used are dropped (EVALSHA then answers NOSCRIPT)",
       .check = check::positive,
       .byte_units = true},
      {.name = "pg",
       .field = &s::pg,
       .help = "PostgreSQL URI or conninfo (empty: libpq's PG* variables and ~/.pgpass)",
       .secret = true},
      {.name = "pool-size",
       .field = &s::pool_size,
       .help = "PostgreSQL connections in total (split over the threads)",
       .check = check::positive},
      {.name = "schema", .field = &s::schema, .help = "PostgreSQL schema holding the cache table"},
      {.name = "table", .field = &s::table, .help = "Name of the cache table"},
      {.name = "pg-timeout",
       .field = &s::pg_timeout_seconds,
       .help = "Seconds a command may wait for PostgreSQL before it fails",
       .check = check::positive},
      {.name = "pg-statement-timeout",
       .field = &s::pg_statement_timeout_seconds,
       .help = "Seconds one statement may run in PostgreSQL (its statement_timeout); 0: the same "
               "as --pg-timeout",
       .check = check::non_negative},
      {.name = "pg-pipeline-depth",
       .field = &s::pg_pipeline_depth,
       .help = "Statements in flight per PostgreSQL connection; requests arriving meanwhile are "
               "merged",
       .check = check::range,
       .min = 1,
       .max = 4096},
      {.name = "shutdown-timeout",
       .field = &s::shutdown_timeout_seconds,
       .help = "On SIGTERM/SIGINT: seconds to finish in-flight commands and flush replies before "
               "exiting",
       .check = check::non_negative},
      {.name = "tls-port",
       .field = &s::tls_port,
       .help = "TCP port for TLS clients (0: none), with --tls-cert-file and --tls-key-file"},
      {.name = "tls-cert-file",
       .field = &s::tls_cert_file,
       .help = "PEM certificate (chain) the TLS listener presents",
       .check = check::existing_file},
      {.name = "tls-key-file",
       .field = &s::tls_key_file,
       .help = "PEM private key of that certificate",
       .check = check::existing_file},
      {.name = "metrics-port",
       .field = &s::metrics_port,
       .help = "Port for Prometheus /metrics and /healthz over HTTP (0: off)"},
      {.name = "metrics-bind",
       .field = &s::metrics_bind,
       .help = "Address for the metrics endpoint (operators only: loopback by default)"},
      {.name = "metrics-token",
       .field = &s::metrics_token,
       .help = "Bearer token /metrics requires (Authorization: Bearer ...); empty: none",
       .secret = true},
      {.name = "timeout",
       .field = &s::idle_timeout_seconds,
       .help = "Close a client after this many idle seconds (0: never), as Redis's timeout",
       .reloadable = true},
      {.name = "protected-mode",
       .field = &s::protected_mode,
       .help = "yes/no: without a password for 'default', accept only loopback clients"},
      {.name = "pg-password-file",
       .field = &s::pg_password_file,
       .help =
           "File holding the PostgreSQL password, read at each new connection (rotated secrets)"},
      {.name = "pg-password-command",
       .field = &s::pg_password_command,
       .help =
           "Command printing the PostgreSQL password or token; rerun every --pg-password-refresh "
           "and when PostgreSQL rejects a login",
       .secret = true},
      {.name = "pg-password-refresh",
       .field = &s::pg_password_refresh_seconds,
       .help = "Seconds between runs of --pg-password-command",
       .check = check::positive},
      {.name = "pg-max-conn-age",
       .field = &s::pg_max_conn_age_seconds,
       .help = "Replace each PostgreSQL connection after this many seconds (0: never), so new "
               "credentials take over gradually"},
      {.name = "requirepass",
       .field = &s::requirepass,
       .help = "Password of the 'default' user",
       .secret = true},
      {.name = "acl-file",
       .field = &s::acl_file,
       .help = "Users in Redis ACL file syntax",
       .check = check::existing_file},
      {.name = "expire-sweep-interval",
       .field = &s::expire_sweep_interval_seconds,
       .help = "Seconds between sweeps that delete expired rows",
       .check = check::positive},
      {.name = "expire-sweep-batch",
       .field = &s::expire_sweep_batch,
       .help = "Expired rows deleted per statement",
       .check = check::positive},
      {.name = "log-level",
       .field = &s::log_level,
       .help = "trace, debug, info, warn, error, critical or off",
       .check = check::one_of,
       .choices = {"trace", "debug", "info", "warn", "error", "critical", "off"},
       .reloadable = true},
      {.name = "log-format",
       .field = &s::log_format,
       .help = "text, or json (one object per line, for log shippers)",
       .check = check::one_of,
       .choices = {"text", "json"}},
      {.name = "slowlog-log-slower-than",
       .field = &s::slowlog_log_slower_than,
       .help =
           "SLOWLOG records commands slower than this many microseconds (negative: none, 0: all)",
       .reloadable = true},
      {.name = "slowlog-max-len",
       .field = &s::slowlog_max_len,
       .help = "Entries SLOWLOG keeps",
       .reloadable = true},
      {.name = "maxmemory",
       .field = &s::maxmemory,
       .help =
           "Bound on stored key+value bytes over all users (0: none); units as Redis: 100mb, 2gb",
       .byte_units = true,
       .reloadable = true},
      {.name = "maxmemory-per-user",
       .field = &s::maxmemory_per_user,
       .help = "Bound on stored key+value bytes per user (0: none)",
       .byte_units = true,
       .reloadable = true},
      {.name = "maxmemory-policy",
       .field = &s::maxmemory_policy,
       .help = "At the bound: noeviction (writes fail with OOM), allkeys-lru, volatile-lru, "
               "allkeys-random, volatile-random or volatile-ttl",
       .check = check::one_of,
       .choices = {"noeviction", "allkeys-lru", "volatile-lru", "allkeys-random", "volatile-random",
                   "volatile-ttl"},
       .reloadable = true},
      {.name = "maxmemory-eviction-batch",
       .field = &s::maxmemory_eviction_batch,
       .help = "Keys deleted per eviction statement",
       .check = check::positive},
      {.name = "lru-clock-resolution",
       .field = &s::lru_clock_resolution_seconds,
       .help = "Seconds: under an LRU policy a read moves a key's access time at most this often",
       .check = check::positive},
      {.name = "init-schema",
       .field = &s::init_schema,
       .help = "Create the schema and table, then exit",
       .flag = true},
      {.name = "force",
       .field = &s::force,
       .help = "With --init-schema: drop and recreate the table",
       .flag = true},
      {.name = "health-check",
       .field = &s::health_check,
       .help = "Exit 0 when the server these settings describe answers PING (container probes; "
               "alone, it probes process 1's settings when that is fastpgcache)",
       .flag = true},
  };
  return all;
}

}  // namespace

std::span<const setting> setting_table() {
  return table();
}

const setting* find_setting(std::string_view name) {
  for (const auto& entry : table()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::string env_name(std::string_view name) {
  std::string out = "FASTPGCACHE_";
  for (char c : name) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return out;
}

}  // namespace fpc::config
