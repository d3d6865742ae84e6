// Integration fixture: a real fastpgcache process on a free port over the test PostgreSQL, plus
// hiredis and raw-socket clients.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <string>
#include <vector>

namespace fpc::test {

/// The PostgreSQL the tests use (FASTPGCACHE_TEST_PG, set by scripts/test.sh).
std::string pg_uri();

/// A loopback TCP port that was free a moment ago.
int free_port();

/// A schema name no other test uses, so tests never see each other's rows.
std::string unique_schema();

/// Runs fastpgcache to completion; returns its exit code and what it printed.
struct run_result {
  int exit_code;
  std::string output;
};
run_result run_fastpgcache(const std::vector<std::string>& args);

/// A server process; stopped (SIGTERM, then SIGKILL) when destroyed.
class server_process {
 public:
  /// Creates the schema (unless `init` is false) and starts the server with `extra` flags.
  explicit server_process(std::vector<std::string> extra = {}, bool init = true,
                          std::string schema = unique_schema());
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& schema() const { return schema_; }
  /// Sends SIGTERM and waits; returns the exit status.
  int stop();
  [[nodiscard]] std::string log() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string schema_;
  std::string log_path_;
};

/// A reference redis-server (Debian's) on a free port, without persistence; killed when destroyed.
class redis_server_process {
 public:
  redis_server_process();
  ~redis_server_process();
  redis_server_process(const redis_server_process&) = delete;
  redis_server_process& operator=(const redis_server_process&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int pid_ = -1;
  int port_ = 0;
};

/// A copy of a hiredis reply that outlives it.
struct reply {
  int type = 0;  // REDIS_REPLY_*
  std::string str;
  long long integer = 0;
  std::vector<reply> elements;

  [[nodiscard]] bool is_nil() const { return type == REDIS_REPLY_NIL; }
  [[nodiscard]] bool is_error() const { return type == REDIS_REPLY_ERROR; }
  /// A readable, comparable rendering, e.g. `[1, "a", nil]`.
  [[nodiscard]] std::string render() const;
};

class client {
 public:
  explicit client(int port);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends one command (binary-safe arguments) and waits for its reply.
  reply cmd(const std::vector<std::string>& args);
  /// Queues a command without waiting (pipelining); read replies with next_reply().
  void append(const std::vector<std::string>& args);
  /// Sends what append() queued without reading (a command that blocks, answered later).
  void flush();
  reply next_reply();

 private:
  redisContext* ctx_;
};

/// A plain TCP connection for byte-exact protocol tests.
class raw_connection {
 public:
  explicit raw_connection(int port);
  ~raw_connection();
  void send(const std::string& bytes);
  /// Reads until `n` bytes arrived, the peer closed, or the timeout passed.
  std::string read_bytes(std::size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True when the server closed the connection (read returns 0) within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_;
};

/// FastPgCache and a reference Redis side by side, with one client each (differential tests).
struct beside_redis {
  server_process server;
  redis_server_process redis;
  client ours{server.port()};
  client theirs{redis.port()};
};

/// What ASan keeps of freed memory (its quarantine, 256 MB by default) before reusing it: RSS
/// bounds add this in sanitizer builds, where a freed block is not handed out again at once.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr long long freed_memory_slack = 256ll * 1024 * 1024;
#else
inline constexpr long long freed_memory_slack = 0;
#endif

/// A fresh path under /tmp for a test's file, unique per process and call.
std::string temp_path(const std::string& stem);

/// An integer field of one INFO section (`field:value`), or -1 when the section lacks it.
long long info_field(client& c, const std::string& section, const std::string& field);

/// A command as RESP bytes (for raw_connection).
std::string encode_command(const std::vector<std::string>& args);

/// The `p` quantile of durations in microseconds, as "N ms" (for the figures tests print).
std::string percentile_ms(std::vector<long long> us, double p);

/// Runs a shell command and returns its standard output.
std::string shell(const std::string& command);

}  // namespace fpc::test
