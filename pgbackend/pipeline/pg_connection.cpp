// One PostgreSQL connection in libpq pipeline mode: connect, prepare, send, read, reconnect.
#include "pgbackend/pipeline/pg_connection.hpp"

#include "pgbackend/pipeline/batching.hpp"
#include "pgbackend/password_source.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace fpc::pg {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {
constexpr std::chrono::milliseconds min_backoff{100};
constexpr std::chrono::milliseconds max_backoff{1000};

// libpq messages end with a newline; Redis error lines must not contain one.
std::string one_line(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}
}  // namespace

pg_connection::pg_connection(asio::any_io_executor executor, connection_options options,
                             const statement_set& statements, std::string name)
    : executor_(executor),
      options_(std::move(options)),
      statements_(statements),
      name_(std::move(name)),
      socket_(executor),
      retry_timer_(executor),
      timeout_timer_(executor) {}

pg_connection::~pg_connection() {
  stop();
}

void pg_connection::start() {
  if (state_ != state::stopped) return;
  begin_connect();
  check_timeouts();
}

void pg_connection::stop() {
  set_state(state::stopped);
  retry_timer_.cancel();
  timeout_timer_.cancel();
  ++generation_;
  detach_socket();
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  auto sent = std::move(in_flight_);
  in_flight_.clear();
  track_in_flight();
  auto queued = std::move(waiting_);
  waiting_.clear();
  for (auto& s : sent) fail(s.request, "ERR server is shutting down");
  for (auto& r : queued) fail(r, "ERR server is shutting down");
}

void pg_connection::submit(pg_request&& request) {
  if (state_ == state::stopped) {
    fail(request, "ERR server is shutting down");
    return;
  }
  request.queued_at = clock::now();
  // EXEC submits BEGIN, its commands and COMMIT in one go: remember which requests belong to it,
  // so a lost connection fails them together and nothing runs outside the transaction.
  if (is_begin(request.stmt)) marking_transaction_ = true;
  request.in_transaction = marking_transaction_;
  if (request.stmt == statement::commit) marking_transaction_ = false;
  waiting_.push_back(std::move(request));
  if (state_ != state::ready) return;
  if (in_flight_.empty()) {
    // Idle connection: nothing to merge with, so send at once (the 1-client latency path).
    send_waiting();
    return;
  }
  // Busy: send once per turn of the event loop, so commands parsed from one read go out together.
  if (!send_scheduled_) {
    send_scheduled_ = true;
    asio::post(executor_, [this, gen = generation_] {
      if (gen != generation_) return;
      send_scheduled_ = false;
      send_waiting();
    });
  }
}

void pg_connection::fail(pg_request& request, std::string_view error) {
  if (request.on_done) request.on_done(pg_outcome{nullptr, error});
}

void pg_connection::attach_socket() {
  detach_socket();
  const int fd = PQsocket(conn_);
  if (fd < 0) return;
  boost::system::error_code ec;
  socket_.assign(fd, ec);
  if (ec) spdlog::warn("pg {}: cannot watch socket: {}", name_, ec.message());
}

void pg_connection::detach_socket() {
  // libpq owns the file descriptor: release it so Asio never closes it.
  if (socket_.is_open()) socket_.release();
}

void pg_connection::begin_connect() {
  set_state(state::connecting);
  // The conninfo may be a URI or key=value string (expand_dbname); fallback_application_name
  // labels our sessions in pg_stat_activity unless the user chose a name.
  // The password goes in as its own keyword, so it never sits in the conninfo (or in `ps`).
  std::optional<std::string> password;
  if (options_.password) password = options_.password->current();
  const char* keys[] = {"dbname", "fallback_application_name", password ? "password" : nullptr,
                        nullptr};
  const char* values[] = {options_.conninfo.c_str(), "fastpgcache",
                          password ? password->c_str() : nullptr, nullptr};
  conn_ = PQconnectStartParams(keys, values, 1);
  if (conn_ == nullptr) {
    reset("out of memory starting a connection");
    return;
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    reset(one_line(PQerrorMessage(conn_)));
    return;
  }
  continue_connect(PGRES_POLLING_WRITING);
}

void pg_connection::continue_connect(PostgresPollingStatusType polling) {
  switch (polling) {
    case PGRES_POLLING_OK:
      on_connected();
      return;
    case PGRES_POLLING_FAILED: {
      std::string message = one_line(PQerrorMessage(conn_));
      // A rejected password: the secret may have rotated; ask for the new one now.
      if (options_.password && (message.find("password") != std::string::npos ||
                                message.find("authentication") != std::string::npos)) {
        options_.password->refresh_now();
      }
      reset(message);
      return;
    }
    default:
      break;
  }
  // The socket can change between attempts (several hosts, SSL fallback): watch it afresh.
  attach_socket();
  const auto wait = polling == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read
                                                     : asio::posix::stream_descriptor::wait_write;
  socket_.async_wait(wait, [this, gen = generation_](boost::system::error_code ec) {
    if (gen != generation_ || ec == asio::error::operation_aborted) return;
    continue_connect(PQconnectPoll(conn_));
  });
}

void pg_connection::on_connected() {
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    reset("cannot enter pipeline mode: " + one_line(PQerrorMessage(conn_)));
    return;
  }
  attach_socket();
  // Prepare every statement ahead of the queued requests; pipeline order guarantees the
  // PREPAREs run first.
  for (const auto& s : statements_.all()) {
    if (!s.prepared) continue;
    if (PQsendPrepare(conn_, s.name, s.sql.c_str(), static_cast<int>(s.param_types.size()),
                      s.param_types.data()) != 1 ||
        PQpipelineSync(conn_) != 1) {
      reset("cannot send PREPARE: " + one_line(PQerrorMessage(conn_)));
      return;
    }
    sent_request prep{pg_request{}, make_result_ptr(nullptr), {}, true};
    prep.request.queued_at = clock::now();
    const std::string stmt_name = s.name;
    prep.request.on_done = [name = name_, stmt_name](const pg_outcome& o) {
      if (!o.error.empty()) spdlog::error("pg {}: PREPARE {} failed: {}", name, stmt_name, o.error);
    };
    in_flight_.push_back(std::move(prep));
  }
  track_in_flight();
  if (ever_connected_) options_.counters->reconnects.fetch_add(1, std::memory_order_relaxed);
  ever_connected_ = true;
  recycling_ = false;
  connected_at_ = clock::now();
  if (options_.max_age.count() > 0) {
    const auto jitter = std::chrono::milliseconds(static_cast<long long>(
        static_cast<double>(options_.max_age.count()) * 0.2 *
        static_cast<double>(std::hash<std::string>{}(name_) % 1000) / 1000.0));
    age_limit_ = options_.max_age - jitter;
  }
  set_state(state::ready);
  backoff_ = min_backoff;
  spdlog::info("pg {}: connected", name_);
  send_waiting();
  arm_read();
}

void pg_connection::send_waiting() {
  // A connection due for replacement sends nothing new, but finishes a transaction it started.
  if (state_ != state::ready || (recycling_ && !transaction_open_)) return;
  bool sent_any = false;
  while (!waiting_.empty() && in_flight_.size() < options_.max_in_flight) {
    if (recycling_ && !transaction_open_) break;
    // A request with late parameters waits for every earlier answer (on_readable sends it then).
    if (waiting_.front().late_params && !in_flight_.empty()) break;
    in_flight_.push_back(sent_request{take_next(), make_result_ptr(nullptr), {}, false});
    track_in_flight();
    if (auto& late = in_flight_.back().request.late_params) late(in_flight_.back().request.params);
    if (is_begin(in_flight_.back().request.stmt)) transaction_open_ = true;
    if (in_flight_.back().request.stmt == statement::commit) transaction_open_ = false;
    const pg_request& r = in_flight_.back().request;
    const statement_text& st = statements_[r.stmt];
    const auto views = r.params.make_views();
    const int queued =
        st.prepared
            ? PQsendQueryPrepared(conn_, st.name, static_cast<int>(r.params.size()),
                                  views.values.data(), views.lengths.data(), views.formats.data(),
                                  1)
            : PQsendQueryParams(conn_, st.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1);
    if (queued != 1 || PQpipelineSync(conn_) != 1) {
      reset("cannot send: " + one_line(PQerrorMessage(conn_)));
      return;
    }
    sent_any = true;
    options_.counters->statements.fetch_add(1, std::memory_order_relaxed);
  }
  if (sent_any) flush();
}

pg_request pg_connection::take_next() {
  pg_request first = std::move(waiting_.front());
  waiting_.pop_front();
  if (!mergeable(first.stmt) || waiting_.empty() || waiting_.front().stmt != first.stmt)
    return first;
  // A run of adjacent requests of one kind becomes one statement. Only adjacent ones: a run never
  // crosses another kind, so a client's SET then GET still reach PostgreSQL in that order.
  std::vector<pg_request> run;
  std::size_t bytes = first.params.byte_size();
  run.push_back(std::move(first));
  while (!waiting_.empty() && waiting_.front().stmt == run.front().stmt &&
         run.size() < options_.max_batch && bytes < options_.max_batch_bytes) {
    bytes += waiting_.front().params.byte_size();
    run.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  options_.counters->batches.fetch_add(1, std::memory_order_relaxed);
  options_.counters->merged_requests.fetch_add(run.size(), std::memory_order_relaxed);
  return merge_requests(std::move(run), member_failure::fails_alone);
}

void pg_connection::flush() {
  if (writing_ || conn_ == nullptr) return;
  const int r = PQflush(conn_);
  if (r < 0) {
    reset("cannot write: " + one_line(PQerrorMessage(conn_)));
    return;
  }
  if (r == 1) {
    writing_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                       [this, gen = generation_](boost::system::error_code ec) {
                         if (gen != generation_ || ec == asio::error::operation_aborted) return;
                         writing_ = false;
                         flush();
                       });
  }
}

void pg_connection::arm_read() {
  // Always read while connected: a server that closes an idle connection is noticed at once.
  if (reading_ || state_ != state::ready) return;
  reading_ = true;
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this, gen = generation_](boost::system::error_code ec) {
                       if (gen != generation_ || ec == asio::error::operation_aborted) return;
                       reading_ = false;
                       on_readable();
                     });
}

void pg_connection::on_readable() {
  if (PQconsumeInput(conn_) != 1) {
    reset(one_line(PQerrorMessage(conn_)));
    return;
  }
  const auto gen = generation_;
  int nulls_in_a_row = 0;
  while (PQisBusy(conn_) == 0) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      // A NULL ends each statement's results; two in a row means nothing more is ready.
      if (in_flight_.empty() || ++nulls_in_a_row >= 2) break;
      continue;
    }
    nulls_in_a_row = 0;
    handle_result(r);
    if (gen != generation_) return;  // a callback or an error reset the connection
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    reset(one_line(PQerrorMessage(conn_)));
    return;
  }
  if (recycling_ && in_flight_.empty() && !transaction_open_) {
    recycle();
    return;
  }
  send_waiting();  // answers made room in the pipeline
  arm_read();
}

void pg_connection::track_in_flight() {
  const std::size_t now = in_flight_.size();
  if (now == reported_in_flight_) return;
  auto& c = *options_.counters;
  c.in_flight.fetch_add(
      static_cast<std::int64_t>(now) - static_cast<std::int64_t>(reported_in_flight_),
      std::memory_order_relaxed);
  if (reported_in_flight_ == 0) c.connections_busy.fetch_add(1, std::memory_order_relaxed);
  if (now == 0) c.connections_busy.fetch_sub(1, std::memory_order_relaxed);
  reported_in_flight_ = now;
}

void pg_connection::set_state(enum state next) {
  if (state_ == state::ready && next != state::ready) {
    options_.counters->connections_ready.fetch_sub(1, std::memory_order_relaxed);
  } else if (state_ != state::ready && next == state::ready) {
    options_.counters->connections_ready.fetch_add(1, std::memory_order_relaxed);
  }
  state_ = next;
}

void pg_connection::recycle() {
  // Nothing is in flight, so no client sees an error: queued requests wait for the new connection.
  spdlog::info("pg {}: replacing the connection (--pg-max-conn-age)", name_);
  close_connection();
  recycling_ = false;
  backoff_ = min_backoff;
  begin_connect();
}

void pg_connection::handle_result(PGresult* raw) {
  result_ptr res = make_result_ptr(raw);
  if (in_flight_.empty()) {
    spdlog::warn("pg {}: result with no request waiting ({})", name_,
                 PQresStatus(PQresultStatus(raw)));
    return;
  }
  sent_request& front = in_flight_.front();
  switch (PQresultStatus(raw)) {
    case PGRES_PIPELINE_SYNC: {
      // The Sync closes the statement's implicit transaction: its effect is committed now.
      sent_request done = std::move(front);
      in_flight_.pop_front();
      track_in_flight();
      options_.counters->round_trips.fetch_add(1, std::memory_order_relaxed);
      options_.counters->round_trip_us.fetch_add(
          static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - done.sent_at)
                  .count()),
          std::memory_order_relaxed);
      complete(std::move(done));
      break;
    }
    case PGRES_FATAL_ERROR:
    case PGRES_NONFATAL_ERROR:
    case PGRES_BAD_RESPONSE: {
      const char* primary = PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
      front.error = "ERR PostgreSQL: " + one_line(primary ? primary : PQresultErrorMessage(raw));
      options_.counters->errors.fetch_add(1, std::memory_order_relaxed);
      if (front.request.in_transaction) {
        const char* sqlstate = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
        const std::string_view code = sqlstate ? sqlstate : "";
        if (code == "40001" || code == "40P01") transaction_conflict_ = true;
      }
      break;
    }
    case PGRES_PIPELINE_ABORTED:
      front.error = "ERR PostgreSQL aborted the statement";
      break;
    default:
      front.result = std::move(res);
      break;
  }
}

void pg_connection::complete(sent_request&& done) {
  bool conflict = false;
  if (done.request.stmt == statement::commit)
    conflict = std::exchange(transaction_conflict_, false);
  if (!done.request.on_done) return;
  if (!done.error.empty()) {
    done.request.on_done(pg_outcome{nullptr, done.error});
  } else if (!done.result) {
    done.request.on_done(pg_outcome{nullptr, "ERR PostgreSQL returned no result"});
  } else {
    done.request.on_done(pg_outcome{done.result.get(), {}, 0, 0, conflict});
  }
}

void pg_connection::close_connection() {
  ++generation_;  // handlers still pending for the old socket see a stale number and return
  reading_ = writing_ = send_scheduled_ = false;
  detach_socket();
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

void pg_connection::reset(const std::string& reason) {
  spdlog::warn("pg {}: {}; reconnecting", name_, reason);
  close_connection();
  set_state(state::backoff);
  // What was sent may or may not have run: fail it rather than risk running a write twice.
  auto sent = std::move(in_flight_);
  in_flight_.clear();
  track_in_flight();
  const std::string error = "ERR PostgreSQL connection lost: " + reason;
  // A transaction cut in half is rolled back by PostgreSQL: its unsent rest must not run alone.
  std::vector<pg_request> rest_of_transaction;
  if (transaction_open_) {
    while (!waiting_.empty() && waiting_.front().in_transaction) {
      const bool commit = waiting_.front().stmt == statement::commit;
      rest_of_transaction.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
      if (commit) break;
    }
    transaction_open_ = false;
    transaction_conflict_ = false;
  }
  for (auto& s : sent) fail(s.request, error);
  for (auto& r : rest_of_transaction) fail(r, error);
  schedule_reconnect();
}

void pg_connection::schedule_reconnect() {
  if (state_ == state::stopped) return;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, max_backoff);
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || state_ != state::backoff) return;
    begin_connect();
  });
}

void pg_connection::check_timeouts() {
  if (state_ == state::stopped) return;
  const auto now = clock::now();
  const auto deadline = now - options_.timeout;
  while (!waiting_.empty() && waiting_.front().queued_at < deadline) {
    pg_request r = std::move(waiting_.front());
    waiting_.pop_front();
    const std::string_view error =
        state_ == state::ready
            ? "ERR PostgreSQL did not answer in time (--pg-timeout)"
            : "ERR PostgreSQL unavailable (--pg-timeout passed while reconnecting)";
    // A transaction never starts without its BEGIN: its other requests fail with it.
    const bool begin = is_begin(r.stmt);
    fail(r, error);
    while (begin && !waiting_.empty() && waiting_.front().in_transaction) {
      pg_request part = std::move(waiting_.front());
      waiting_.pop_front();
      const bool commit = part.stmt == statement::commit;
      fail(part, error);
      if (commit) break;
    }
  }
  if (state_ == state::ready && !in_flight_.empty() &&
      in_flight_.front().request.queued_at < deadline) {
    reset("no answer within --pg-timeout");
  }
  if (state_ == state::ready && !recycling_ && age_limit_.count() > 0 &&
      now - connected_at_ > age_limit_) {
    recycling_ = true;
    if (in_flight_.empty() && !transaction_open_) recycle();
  }
  const auto period = std::clamp(options_.timeout / 10, std::chrono::milliseconds(20),
                                 std::chrono::milliseconds(500));
  timeout_timer_.expires_after(period);
  timeout_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) check_timeouts();
  });
}

}  // namespace fpc::pg
