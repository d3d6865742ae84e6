// The life cycle of one connection's requests, without I/O: waiting -> sent -> done, failed, or
// requeued. pg_connection drives it from libpq; the unit tests drive it by hand.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "pgbackend/pipeline/pg_request.hpp"

namespace fpc::pg {

struct queue_limits {
  std::size_t max_in_flight = 4;                  // statements sent and not yet answered
  std::size_t max_batch = 512;                    // requests merged into one statement
  std::size_t max_batch_bytes = 4 * 1024 * 1024;  // stop merging past this many parameter bytes
};

/// A request on the wire, and what has come back for it so far.
struct sent_request {
  pg_request request;
  result_ptr result{nullptr, &PQclear};
  std::string error;
  std::chrono::steady_clock::time_point sent_at = std::chrono::steady_clock::now();
  std::size_t merged = 1;  // requests this statement carries
};

/// FIFO of requests with the rules that keep a client's order and EXEC's atomicity:
/// - only adjacent requests of one mergeable statement are merged (a run never crosses another
///   kind, so one client's SET then GET reach PostgreSQL in that order);
/// - a request with late parameters is sent only when nothing is in flight;
/// - BEGIN, what follows it and its COMMIT (or ROLLBACK) are one transaction: a lost connection or
///   a timeout fails the parts not yet done together, never runs them alone;
/// - a transaction belongs to the client that opened it (`pg_request::owner`): while it is being
///   submitted (a script's statements come one at a time), other owners' requests are parked and
///   join the queue, in their order, after its end. Parked requests do not expire.
class request_queue {
 public:
  explicit request_queue(queue_limits limits) : limits_(limits) {}

  /// Queues a request (stamping when it was queued and whether it belongs to a transaction), or
  /// parks it behind another owner's transaction. Returns it when it must fail instead: it belongs
  /// to a transaction whose start was lost with a connection or expired.
  std::optional<pg_request> push(pg_request&& request, std::chrono::steady_clock::time_point now);
  /// True between a pushed BEGIN and its COMMIT.
  [[nodiscard]] bool marking_transaction() const { return marking_transaction_; }
  [[nodiscard]] std::uint64_t transaction_owner() const { return transaction_owner_; }
  /// A sent BEGIN whose COMMIT is not sent yet.
  [[nodiscard]] bool transaction_open() const { return transaction_open_; }

  /// Whether the next waiting request may be sent now. `recycling`: the connection is due for
  /// replacement and sends nothing but the rest of an open transaction.
  [[nodiscard]] bool can_send(bool recycling) const;
  /// Moves the next request (or merged run) to the in-flight queue and returns it, late
  /// parameters filled in.
  sent_request& send_next();
  /// A statement the connection sent by itself (a PREPARE), answered in order like the others.
  void push_internal(pg_request&& request);

  [[nodiscard]] bool idle() const { return in_flight_.empty(); }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }
  [[nodiscard]] std::size_t waiting() const { return waiting_.size(); }
  /// Requests of other owners waiting for a transaction being submitted to end.
  [[nodiscard]] std::size_t parked() const { return parked_.size(); }
  [[nodiscard]] sent_request* oldest_sent() {
    return in_flight_.empty() ? nullptr : &in_flight_.front();
  }
  /// The oldest statement's answer is complete (its Sync arrived): it leaves the queue.
  sent_request pop_answered();
  /// Notes that a statement of the open transaction failed with a serialization failure or a
  /// deadlock; the COMMIT's outcome then says `conflict`.
  void note_conflict() { transaction_conflict_ = true; }
  /// The outcome of a completed COMMIT: whether the transaction lost to a concurrent one.
  bool take_conflict(const sent_request& done);

  /// The connection was lost: every request in flight (it may or may not have run), and the
  /// unsent rest of a transaction cut in half. Requests after them stay waiting (requeued).
  std::vector<pg_request> take_lost();
  /// Waiting requests queued before `deadline`, each with the rest of its transaction.
  std::vector<pg_request> take_expired(std::chrono::steady_clock::time_point deadline);
  /// Whether the oldest statement in flight was queued before `deadline`.
  [[nodiscard]] bool oldest_sent_before(std::chrono::steady_clock::time_point deadline) const;
  /// Everything, sent or not (shutting down).
  std::vector<pg_request> take_all();

 private:
  /// The next request, or the run of adjacent mergeable ones as one; `merged`: how many.
  pg_request take_run(std::size_t& merged);
  /// Moves the waiting requests of the transaction at the front (up to its COMMIT) into `out`.
  void take_rest_of_transaction(std::vector<pg_request>& out);
  /// A transaction's end was pushed: the parked requests join the queue.
  void release_parked(std::chrono::steady_clock::time_point now);

  queue_limits limits_;
  std::deque<pg_request> waiting_;
  std::deque<sent_request> in_flight_;
  bool marking_transaction_ = false;
  bool transaction_open_ = false;
  bool transaction_conflict_ = false;
  std::uint64_t transaction_owner_ = 0;  // the owner of the transaction being submitted
  bool transaction_broken_ = false;      // its start failed: its later requests fail at push
  std::deque<pg_request> parked_;
};

}  // namespace fpc::pg
