// The request life cycle without a database: order, merging of adjacent runs, the in-flight
// bound, late parameters, connection loss (in-flight failed, transaction parts failed with it,
// the rest requeued), expiry, and EXEC's conflict flag.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "pgbackend/pipeline/request_queue.hpp"

namespace {

using fpc::pg::pg_outcome;
using fpc::pg::pg_request;
using fpc::pg::queue_limits;
using fpc::pg::request_queue;
using fpc::pg::statement;
using clock_type = std::chrono::steady_clock;

/// A request that records what it was completed with into `log` ("name:ok" or "name:error").
pg_request request(statement stmt, std::string name, std::vector<std::string>& log) {
  pg_request r;
  r.stmt = stmt;
  r.params.add_bytes("tenant");
  r.params.add_bytes("key-" + name);
  if (stmt == statement::set_plain) {
    r.params.add_bytes("value");
    r.params.add_null();
    r.params.add_null();
  }
  r.on_done = [&log, name](const pg_outcome& o) {
    log.push_back(name + (o.error.empty() ? ":ok" : ":" + std::string(o.error)));
  };
  return r;
}

void fail(pg_request& r, std::string_view error) {
  r.on_done(pg_outcome{nullptr, error});
}

}  // namespace

TEST_CASE("adjacent requests of one mergeable kind leave as one statement, in order") {
  std::vector<std::string> log;
  request_queue q(queue_limits{8, 512, 1 << 20});
  const auto now = clock_type::now();
  for (auto name : {"g1", "g2", "g3"}) q.push(request(statement::get, name, log), now);
  q.push(request(statement::set_plain, "s1", log), now);
  q.push(request(statement::get, "g4", log), now);
  q.push(request(statement::pttl, "p1", log), now);
  q.push(request(statement::pttl, "p2", log), now);

  std::vector<std::pair<statement, std::size_t>> sent;
  while (q.can_send(false)) {
    auto& s = q.send_next();
    sent.emplace_back(s.request.stmt, s.merged);
  }
  // A run never crosses another kind, and a lone request is sent as itself.
  REQUIRE(sent.size() == 5);
  CHECK(sent[0] == std::pair{statement::get_batch, std::size_t{3}});
  CHECK(sent[1] == std::pair{statement::set_plain, std::size_t{1}});
  CHECK(sent[2] == std::pair{statement::get, std::size_t{1}});
  CHECK(sent[3] == std::pair{statement::pttl, std::size_t{1}});  // not mergeable
  CHECK(sent[4] == std::pair{statement::pttl, std::size_t{1}});
  CHECK(q.in_flight() == 5);
  CHECK(q.waiting() == 0);

  // A merged statement's failure reaches each member, in order.
  auto first = q.pop_answered();
  fail(first.request, "ERR boom");
  CHECK(log == std::vector<std::string>{"g1:ERR boom", "g2:ERR boom", "g3:ERR boom"});
}

TEST_CASE("merging stops at the batch bound and sending at the in-flight bound") {
  std::vector<std::string> log;
  request_queue q(queue_limits{2, 2, 1 << 20});
  const auto now = clock_type::now();
  for (auto name : {"a", "b", "c", "d", "e"}) q.push(request(statement::get, name, log), now);
  REQUIRE(q.can_send(false));
  CHECK(q.send_next().merged == 2);
  REQUIRE(q.can_send(false));
  CHECK(q.send_next().merged == 2);
  CHECK_FALSE(q.can_send(false));  // two in flight
  q.pop_answered();
  REQUIRE(q.can_send(false));
  auto& last = q.send_next();
  CHECK(last.merged == 1);
  CHECK(last.request.stmt == statement::get);
}

TEST_CASE("a request with late parameters waits until every earlier answer is in") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(request(statement::get, "before", log), now);
  auto late = request(statement::watch_verify, "late", log);
  bool filled = false;
  late.late_params = [&filled](fpc::pg::param_pack&) { filled = true; };
  q.push(std::move(late), now);
  q.send_next();
  CHECK_FALSE(q.can_send(false));
  CHECK_FALSE(filled);
  q.pop_answered();
  REQUIRE(q.can_send(false));
  q.send_next();
  CHECK(filled);
}

TEST_CASE("a lost connection fails what was sent and the rest of its transaction; the rest waits") {
  std::vector<std::string> log;
  request_queue q(queue_limits{2, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(request(statement::begin, "begin", log), now);
  CHECK(q.marking_transaction());
  q.push(request(statement::set_full, "w1", log), now);
  q.push(request(statement::set_full, "w2", log), now);
  q.push(request(statement::commit, "commit", log), now);
  CHECK_FALSE(q.marking_transaction());
  q.push(request(statement::get, "after", log), now);
  q.send_next();
  q.send_next();
  CHECK(q.transaction_open());
  CHECK_FALSE(q.can_send(false));

  for (auto& r : q.take_lost()) fail(r, "lost");
  CHECK(log == std::vector<std::string>{"begin:lost", "w1:lost", "w2:lost", "commit:lost"});
  CHECK_FALSE(q.transaction_open());
  CHECK(q.idle());
  REQUIRE(q.waiting() == 1);  // requeued for the next connection
  REQUIRE(q.can_send(false));
  CHECK(q.send_next().request.stmt == statement::get);
}

TEST_CASE("a recycling connection sends only the rest of an open transaction") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(request(statement::begin, "begin", log), now);
  q.push(request(statement::commit, "commit", log), now);
  q.push(request(statement::get, "after", log), now);
  CHECK_FALSE(q.can_send(true));  // nothing open yet: wait for the new connection
  q.send_next();
  CHECK(q.can_send(true));  // the COMMIT of the open transaction still goes
  q.send_next();
  CHECK_FALSE(q.can_send(true));
  CHECK(q.can_send(false));
}

TEST_CASE("expired requests leave with their whole transaction; newer ones stay") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto old = clock_type::now() - std::chrono::seconds(10);
  const auto fresh = clock_type::now();
  q.push(request(statement::get, "old", log), old);
  q.push(request(statement::begin, "begin", log), old);
  q.push(request(statement::set_full, "w", log), fresh);  // queued later, but part of the BEGIN
  q.push(request(statement::commit, "commit", log), fresh);
  q.push(request(statement::get, "new", log), fresh);
  for (auto& r : q.take_expired(fresh - std::chrono::seconds(5))) fail(r, "late");
  CHECK(log == std::vector<std::string>{"old:late", "begin:late", "w:late", "commit:late"});
  CHECK(q.waiting() == 1);
  CHECK_FALSE(q.oldest_sent_before(fresh));
  q.send_next();
  CHECK(q.oldest_sent_before(fresh + std::chrono::seconds(1)));
}

TEST_CASE("a conflict inside a transaction is reported by its COMMIT, once") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(request(statement::begin, "begin", log), now);
  q.push(request(statement::commit, "commit", log), now);
  q.send_next();
  q.send_next();
  q.note_conflict();
  auto begin = q.pop_answered();
  CHECK_FALSE(q.take_conflict(begin));
  auto commit = q.pop_answered();
  CHECK(q.take_conflict(commit));
  CHECK_FALSE(q.take_conflict(commit));
}

TEST_CASE("shutting down takes everything, sent or not") {
  std::vector<std::string> log;
  request_queue q(queue_limits{1, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(request(statement::pttl, "sent", log), now);
  q.push(request(statement::pttl, "waiting", log), now);
  q.send_next();
  for (auto& r : q.take_all()) fail(r, "stop");
  CHECK(log == std::vector<std::string>{"sent:stop", "waiting:stop"});
  CHECK(q.idle());
  CHECK(q.waiting() == 0);
}

namespace {
pg_request owned(statement stmt, std::string name, std::uint64_t owner,
                 std::vector<std::string>& log) {
  pg_request r = request(stmt, std::move(name), log);
  r.owner = owner;
  return r;
}

// The statements in the order they would be sent.
std::vector<statement> drain(request_queue& q) {
  std::vector<statement> sent;
  while (q.waiting() > 0) {
    sent.push_back(q.send_next().request.stmt);
    q.pop_answered();
  }
  return sent;
}
}  // namespace

TEST_CASE("while a script's transaction is open, other owners' requests wait outside it") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(owned(statement::begin_read_committed, "begin", 7, log), now);
  q.push(owned(statement::get, "script-get", 7, log), now);
  // Another client's GET and a server task's statement arrive between the script's calls.
  q.push(owned(statement::get, "other-get", 8, log), now);
  q.push(owned(statement::set_plain, "task", 0, log), now);
  CHECK(q.parked() == 2);
  q.push(owned(statement::set_full, "script-set", 7, log), now);
  q.push(owned(statement::rollback, "rollback", 7, log), now);
  CHECK(q.parked() == 0);
  CHECK_FALSE(q.marking_transaction());
  // The GETs of the script and of the other client are not merged across the transaction.
  CHECK(drain(q) == std::vector<statement>{statement::begin_read_committed, statement::get,
                                           statement::set_full, statement::rollback,
                                           statement::get, statement::set_plain});
}

TEST_CASE("a parked transaction opens after the one before it ends, others park again") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(owned(statement::begin, "a-begin", 1, log), now);
  q.push(owned(statement::begin, "b-begin", 2, log), now);  // parked with b's statements
  q.push(owned(statement::get, "b-get", 2, log), now);
  q.push(owned(statement::get, "c-get", 3, log), now);
  q.push(owned(statement::commit, "b-commit", 2, log), now);
  CHECK(q.parked() == 4);
  q.push(owned(statement::commit, "a-commit", 1, log), now);
  // b's transaction came out whole, and c's GET after it.
  CHECK(q.parked() == 0);
  CHECK(drain(q) == std::vector<statement>{statement::begin, statement::commit, statement::begin,
                                           statement::get, statement::commit, statement::get});
}

TEST_CASE("after a script's transaction is lost, its later statements fail until its end") {
  std::vector<std::string> log;
  request_queue q(queue_limits{4, 512, 1 << 20});
  const auto now = clock_type::now();
  q.push(owned(statement::begin_read_committed, "begin", 7, log), now);
  q.push(owned(statement::get, "g1", 7, log), now);
  q.send_next();
  q.send_next();
  for (auto& r : q.take_lost()) fail(r, "lost");
  CHECK(log == std::vector<std::string>{"begin:lost", "g1:lost"});
  // The script goes on: what it submits must not run outside its (gone) transaction.
  auto refused = q.push(owned(statement::set_full, "w", 7, log), now);
  REQUIRE(refused.has_value());
  CHECK(q.push(owned(statement::get, "other", 8, log), now).has_value() == false);  // parked
  CHECK(q.push(owned(statement::rollback, "rollback", 7, log), now).has_value());
  CHECK(q.parked() == 0);
  CHECK(drain(q) == std::vector<statement>{statement::get});
}
