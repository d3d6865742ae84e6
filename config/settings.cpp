// Command-line, environment and config-file parsing with CLI11; every flag has a FASTPGCACHE_*
// twin.
#include "config/settings.hpp"

#include <CLI/CLI.hpp>

#include <cctype>
#include <iostream>
#include <thread>

namespace fpc::config {
namespace {

// "--expire-sweep-interval" -> "FASTPGCACHE_EXPIRE_SWEEP_INTERVAL"
std::string env_name(const std::string& flag) {
  std::string out = "FASTPGCACHE_";
  for (char c : flag) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return out;
}

template <typename T>
CLI::Option* add(CLI::App& app, const std::string& name, T& target, const std::string& help) {
  // The last occurrence wins, so scripts can override an earlier flag.
  return app.add_option("--" + name, target, help)
      ->envname(env_name(name))
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

}  // namespace

unsigned settings::effective_threads() const {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string settings::qualified_table() const {
  return quote_identifier(schema) + "." + quote_identifier(table);
}

std::variant<settings, parse_exit> parse_command_line(int argc, char** argv) {
  settings s;
  CLI::App app{
      "FastPgCache: a Redis-protocol cache server that keeps its data in PostgreSQL.\n"
      "Every option can also be set as FASTPGCACHE_<OPTION> or in the --config file.",
      "fastpgcache"};
  app.set_config("--config", "", "Read options from this file (TOML/INI: name = value)")
      ->envname("FASTPGCACHE_CONFIG");
  app.set_version_flag("--version", std::string("fastpgcache ") + FASTPGCACHE_VERSION);

  add(app, "bind", s.bind, "Address to listen on");
  add(app, "port", s.port, "TCP port for RESP clients")->check(CLI::Range(1, 65535));
  add(app, "threads", s.threads, "Event loop threads (0: one per core)");
  add(app, "maxclients", s.maxclients, "Maximum simultaneous clients")->check(CLI::PositiveNumber);
  add(app, "proto-max-bulk-len", s.proto_max_bulk_len, "Largest bulk string a client may send")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  add(app, "max-pending-per-client", s.max_pending_per_client,
      "Pipelined commands in flight per client before the server stops reading from it")
      ->check(CLI::PositiveNumber);
  add(app, "max-pending-reply-bytes", s.max_pending_reply_bytes,
      "Reply bytes a client has not read yet before the server stops reading from it "
      "(bounds the memory a client that pipelines without reading can cost)")
      ->transform(CLI::AsSizeValue(false));
  add(app, "pg", s.pg, "PostgreSQL URI or conninfo (empty: libpq's PG* variables and ~/.pgpass)");
  add(app, "pool-size", s.pool_size, "PostgreSQL connections in total (split over the threads)")
      ->check(CLI::PositiveNumber);
  add(app, "schema", s.schema, "PostgreSQL schema holding the cache table");
  add(app, "table", s.table, "Name of the cache table");
  add(app, "pg-timeout", s.pg_timeout_seconds,
      "Seconds a command may wait for PostgreSQL before it fails")
      ->check(CLI::PositiveNumber);
  add(app, "pg-pipeline-depth", s.pg_pipeline_depth,
      "Statements in flight per PostgreSQL connection; requests arriving meanwhile are merged")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
  add(app, "shutdown-timeout", s.shutdown_timeout_seconds,
      "On SIGTERM/SIGINT: seconds to finish in-flight commands and flush replies before exiting")
      ->check(CLI::NonNegativeNumber);
  add(app, "tls-port", s.tls_port,
      "TCP port for TLS clients (0: none), with --tls-cert-file and --tls-key-file");
  add(app, "tls-cert-file", s.tls_cert_file, "PEM certificate (chain) the TLS listener presents")
      ->check(CLI::ExistingFile);
  add(app, "tls-key-file", s.tls_key_file, "PEM private key of that certificate")
      ->check(CLI::ExistingFile);
  add(app, "metrics-port", s.metrics_port,
      "Port for Prometheus /metrics and /healthz over HTTP (0: off)");
  add(app, "metrics-bind", s.metrics_bind, "Address for the metrics endpoint");
  add(app, "timeout", s.idle_timeout_seconds,
      "Close a client after this many idle seconds (0: never), as Redis's timeout");
  app.add_option("--protected-mode", s.protected_mode,
                 "yes/no: without a password for 'default', accept only loopback clients")
      ->envname("FASTPGCACHE_PROTECTED_MODE")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add(app, "pg-password-file", s.pg_password_file,
      "File holding the PostgreSQL password, read at each new connection (rotated secrets)");
  add(app, "pg-password-command", s.pg_password_command,
      "Command printing the PostgreSQL password or token; rerun every --pg-password-refresh and "
      "when PostgreSQL rejects a login");
  add(app, "pg-password-refresh", s.pg_password_refresh_seconds,
      "Seconds between runs of --pg-password-command")
      ->check(CLI::PositiveNumber);
  add(app, "pg-max-conn-age", s.pg_max_conn_age_seconds,
      "Replace each PostgreSQL connection after this many seconds (0: never), so new credentials "
      "take over gradually");
  add(app, "requirepass", s.requirepass, "Password of the 'default' user");
  add(app, "acl-file", s.acl_file, "Users in Redis ACL file syntax")->check(CLI::ExistingFile);
  add(app, "expire-sweep-interval", s.expire_sweep_interval_seconds,
      "Seconds between sweeps that delete expired rows")
      ->check(CLI::PositiveNumber);
  add(app, "expire-sweep-batch", s.expire_sweep_batch, "Expired rows deleted per statement")
      ->check(CLI::PositiveNumber);
  add(app, "log-level", s.log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  add(app, "log-format", s.log_format, "text, or json (one object per line, for log shippers)")
      ->check(CLI::IsMember({"text", "json"}));
  add(app, "slowlog-log-slower-than", s.slowlog_log_slower_than,
      "SLOWLOG records commands slower than this many microseconds (negative: none, 0: all)");
  add(app, "slowlog-max-len", s.slowlog_max_len, "Entries SLOWLOG keeps");
  add(app, "maxmemory", s.maxmemory,
      "Bound on stored key+value bytes over all users (0: none); units as Redis: 100mb, 2gb")
      ->transform(CLI::AsSizeValue(false));
  add(app, "maxmemory-per-user", s.maxmemory_per_user,
      "Bound on stored key+value bytes per user (0: none)")
      ->transform(CLI::AsSizeValue(false));
  add(app, "maxmemory-policy", s.maxmemory_policy,
      "At the bound: noeviction (writes fail with OOM), allkeys-lru, volatile-lru, allkeys-random, "
      "volatile-random or volatile-ttl")
      ->check(CLI::IsMember({"noeviction", "allkeys-lru", "volatile-lru", "allkeys-random",
                             "volatile-random", "volatile-ttl"}));
  add(app, "maxmemory-eviction-batch", s.maxmemory_eviction_batch,
      "Keys deleted per eviction statement")
      ->check(CLI::PositiveNumber);
  add(app, "lru-clock-resolution", s.lru_clock_resolution_seconds,
      "Seconds: under an LRU policy a read moves a key's access time at most this often")
      ->check(CLI::PositiveNumber);
  app.add_flag("--init-schema", s.init_schema, "Create the schema and table, then exit")
      ->envname("FASTPGCACHE_INIT_SCHEMA");
  app.add_flag("--force", s.force, "With --init-schema: drop and recreate the table")
      ->envname("FASTPGCACHE_FORCE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return parse_exit{0};
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return parse_exit{0};
  } catch (const CLI::ParseError& e) {
    std::cerr << "fastpgcache: " << e.what() << " (see --help)\n";
    return parse_exit{2};
  }
  if (s.tls_port != 0 && (s.tls_cert_file.empty() || s.tls_key_file.empty())) {
    std::cerr << "fastpgcache: --tls-port needs --tls-cert-file and --tls-key-file\n";
    return parse_exit{2};
  }
  if (!s.pg_password_file.empty() && !s.pg_password_command.empty()) {
    std::cerr << "fastpgcache: give --pg-password-file or --pg-password-command, not both\n";
    return parse_exit{2};
  }
  if (s.force && !s.init_schema) {
    std::cerr << "fastpgcache: --force only makes sense with --init-schema\n";
    return parse_exit{2};
  }
  return s;
}

}  // namespace fpc::config
