// The request life cycle: merging runs, ordering, transactions cut short, expiry.
#include "pgbackend/pipeline/request_queue.hpp"

#include <utility>

#include "pgbackend/pipeline/batching.hpp"

namespace fpc::pg {

std::optional<pg_request> request_queue::push(pg_request&& request,
                                              std::chrono::steady_clock::time_point now) {
  request.queued_at = now;
  // A transaction is one client's until it ends: a script submits its statements one at a time,
  // so what other clients (and the server's own tasks) submit meanwhile waits here, outside it.
  if (marking_transaction_ && request.owner != transaction_owner_) {
    parked_.push_back(std::move(request));
    return std::nullopt;
  }
  // EXEC and scripts submit BEGIN, their statements and COMMIT (or ROLLBACK): remember which
  // requests belong to the transaction, so a lost connection fails them together and nothing
  // runs outside it.
  if (is_begin(request.stmt)) {
    marking_transaction_ = true;
    transaction_owner_ = request.owner;
    transaction_broken_ = false;
  }
  request.in_transaction = marking_transaction_;
  const bool ends = ends_transaction(request.stmt);
  if (ends) marking_transaction_ = false;
  std::optional<pg_request> refused;
  if (transaction_broken_ && request.in_transaction) {
    // The start of this transaction was lost or expired: the rest must not run without it.
    refused = std::move(request);
  } else {
    waiting_.push_back(std::move(request));
  }
  if (ends) {
    transaction_broken_ = false;
    release_parked(now);
  }
  return refused;
}

void request_queue::release_parked(std::chrono::steady_clock::time_point now) {
  std::deque<pg_request> parked;
  parked.swap(parked_);
  // In their order; one that opens a transaction parks the others again behind it.
  while (!parked.empty()) {
    (void)push(std::move(parked.front()), now);
    parked.pop_front();
  }
}

bool request_queue::can_send(bool recycling) const {
  if (waiting_.empty() || in_flight_.size() >= limits_.max_in_flight) return false;
  // A connection due for replacement sends nothing new, but finishes a transaction it started.
  if (recycling && !transaction_open_) return false;
  // A request with late parameters waits for every earlier answer.
  return !(waiting_.front().late_params && !in_flight_.empty());
}

pg_request request_queue::take_run(std::size_t& merged) {
  pg_request first = std::move(waiting_.front());
  waiting_.pop_front();
  merged = 1;
  if (!mergeable(first.stmt) || waiting_.empty() || waiting_.front().stmt != first.stmt) {
    return first;
  }
  // A run of adjacent requests of one kind becomes one statement. Only adjacent ones: a run never
  // crosses another kind, so a client's SET then GET still reach PostgreSQL in that order.
  std::vector<pg_request> run;
  std::size_t bytes = first.params.byte_size();
  run.push_back(std::move(first));
  while (!waiting_.empty() && waiting_.front().stmt == run.front().stmt &&
         run.size() < limits_.max_batch && bytes < limits_.max_batch_bytes) {
    bytes += waiting_.front().params.byte_size();
    run.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  merged = run.size();
  return merge_requests(std::move(run), member_failure::fails_alone);
}

sent_request& request_queue::send_next() {
  std::size_t merged = 1;
  in_flight_.push_back(sent_request{take_run(merged), make_result_ptr(nullptr), {}});
  sent_request& sent = in_flight_.back();
  sent.merged = merged;
  if (sent.request.late_params) sent.request.late_params(sent.request.params);
  if (is_begin(sent.request.stmt)) transaction_open_ = true;
  if (ends_transaction(sent.request.stmt)) transaction_open_ = false;
  return sent;
}

void request_queue::push_internal(pg_request&& request) {
  in_flight_.push_back(sent_request{std::move(request), make_result_ptr(nullptr), {}});
}

sent_request request_queue::pop_answered() {
  sent_request done = std::move(in_flight_.front());
  in_flight_.pop_front();
  return done;
}

bool request_queue::take_conflict(const sent_request& done) {
  if (!ends_transaction(done.request.stmt)) return false;
  return std::exchange(transaction_conflict_, false);
}

void request_queue::take_rest_of_transaction(std::vector<pg_request>& out) {
  while (!waiting_.empty() && waiting_.front().in_transaction) {
    const bool ends = ends_transaction(waiting_.front().stmt);
    out.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    if (ends) return;
  }
  // Its end is not submitted yet (a script still running): what it submits next fails too.
  if (marking_transaction_) transaction_broken_ = true;
}

std::vector<pg_request> request_queue::take_lost() {
  std::vector<pg_request> lost;
  for (auto& sent : in_flight_) lost.push_back(std::move(sent.request));
  in_flight_.clear();
  // A transaction cut in half is rolled back by PostgreSQL: its unsent rest must not run alone.
  if (transaction_open_) take_rest_of_transaction(lost);
  transaction_open_ = false;
  transaction_conflict_ = false;
  return lost;
}

std::vector<pg_request> request_queue::take_expired(
    std::chrono::steady_clock::time_point deadline) {
  std::vector<pg_request> expired;
  while (!waiting_.empty() && waiting_.front().queued_at < deadline) {
    const bool begin = is_begin(waiting_.front().stmt);
    expired.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    // A transaction never starts without its BEGIN: its other requests fail with it.
    if (begin) take_rest_of_transaction(expired);
  }
  return expired;
}

bool request_queue::oldest_sent_before(std::chrono::steady_clock::time_point deadline) const {
  return !in_flight_.empty() && in_flight_.front().request.queued_at < deadline;
}

std::vector<pg_request> request_queue::take_all() {
  std::vector<pg_request> all;
  for (auto& sent : in_flight_) all.push_back(std::move(sent.request));
  in_flight_.clear();
  for (auto& r : waiting_) all.push_back(std::move(r));
  waiting_.clear();
  for (auto& r : parked_) all.push_back(std::move(r));
  parked_.clear();
  transaction_broken_ = false;
  transaction_open_ = false;
  transaction_conflict_ = false;
  marking_transaction_ = false;
  return all;
}

}  // namespace fpc::pg
