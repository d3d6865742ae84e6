// One PostgreSQL connection in libpq pipeline mode, driven by an Asio event loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "pgbackend/pipeline/pg_request.hpp"
#include "pgbackend/pipeline/request_queue.hpp"
#include "storage/backend_counters.hpp"

namespace fpc::pg {

using storage::backend_counters;

class password_source;

struct connection_options {
  backend_counters* counters = nullptr;       // required
  std::shared_ptr<password_source> password;  // optional: rotating credentials
  // Replace a connection after this long (0: never), so rotated credentials take over
  // gradually; each connection adds up to 20% jitter so they do not all reconnect at once.
  std::chrono::milliseconds max_age{0};
  std::string conninfo;
  std::chrono::milliseconds timeout{5000};  // a request waits at most this long
  // PostgreSQL's statement_timeout for our sessions (0: leave the server's): a statement never
  // runs on after its command was answered with a timeout.
  std::chrono::milliseconds statement_timeout{0};
  // Statements sent but not answered. Small on purpose: while they run, new requests queue up
  // and leave as one merged statement, so batches grow with load and never wait on a timer.
  std::size_t max_in_flight = 4;
  std::size_t max_batch = 512;                    // requests merged into one statement
  std::size_t max_batch_bytes = 4 * 1024 * 1024;  // stop merging past this many parameter bytes
};

/// Sends queued statements without waiting for earlier answers (pipeline mode, one Sync per
/// statement so a failure stays with its statement and each reply follows its commit), reads
/// results as the socket becomes readable, and completes requests in FIFO order. Reconnects
/// with backoff; requests queued while disconnected wait up to the timeout.
class pg_connection {
 public:
  pg_connection(boost::asio::any_io_executor executor, connection_options options,
                const statement_set& statements, std::string name);
  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  void start();
  void stop();
  void submit(pg_request&& request);
  /// True between a submitted BEGIN and its COMMIT (EXEC's statements are being submitted).
  [[nodiscard]] bool submitting_transaction() const { return queue_.marking_transaction(); }
  /// The same, for a transaction `owner` opened (others' requests are parked meanwhile).
  [[nodiscard]] bool submitting_transaction_of(std::uint64_t owner) const {
    return queue_.marking_transaction() && queue_.transaction_owner() == owner;
  }

  [[nodiscard]] bool ready() const { return state_ == state::ready; }
  [[nodiscard]] std::size_t in_flight() const { return queue_.in_flight(); }
  [[nodiscard]] std::size_t waiting() const { return queue_.waiting(); }

 private:
  enum class state {
    stopped,     ///< not started, or stopped for good
    backoff,     ///< waiting before the next connection attempt
    connecting,  ///< PQconnectPoll in progress
    ready,       ///< pipeline mode, statements prepared (or being prepared ahead of requests)
  };

  /// Brings the in-flight and busy gauges up to date after in_flight_ changed.
  void track_in_flight();
  std::size_t reported_in_flight_ = 0;

  void begin_connect();
  void continue_connect(PostgresPollingStatusType polling);
  void on_connected();
  void send_waiting();
  void flush();
  void arm_read();
  void on_readable();
  void handle_result(PGresult* raw);
  void reset(const std::string& reason);
  void schedule_reconnect();
  void attach_socket();
  void detach_socket();
  void check_timeouts();
  void recycle();
  void close_connection();          // the teardown reset() and recycle() share
  /// Sends a statement that is not a client's (session set-up, ending an orphaned backend)
  /// ahead of the queued requests; its failure is logged, never a client's.
  bool send_internal(const char* sql, const std::vector<std::string>& params,
                     std::string_view what);
  /// A reset with statements still running: ask PostgreSQL to cancel them now (from a helper
  /// thread: PQcancel blocks), and remember the backend so the next connection ends it for good
  /// before anything else runs — nothing answered with an error can commit after what follows.
  void cancel_running();
  void set_state(enum state next);  // the one place state_ changes, so the ready gauge stays true
  void fail(pg_request& request, std::string_view error);
  void complete(sent_request&& done);
  bool send_scheduled_ = false;
  bool ever_connected_ = false;
  bool recycling_ = false;  // past max age: send nothing more, reconnect once answers are in
  std::chrono::steady_clock::time_point connected_at_{};
  std::chrono::milliseconds age_limit_{0};

  boost::asio::any_io_executor executor_;
  connection_options options_;
  const statement_set& statements_;
  std::string name_;

  struct conn_closer {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, conn_closer> conn_;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer timeout_timer_;
  state state_ = state::stopped;
  bool reading_ = false;
  bool writing_ = false;
  std::chrono::milliseconds backoff_{100};
  std::uint64_t generation_ = 0;  // bumps on reset: stale socket handlers see a new number
  int orphaned_backend_ = 0;      // pid of a backend left running by a reset (0: none)

  request_queue queue_;
};

}  // namespace fpc::pg
