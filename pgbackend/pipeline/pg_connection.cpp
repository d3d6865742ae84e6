// One PostgreSQL connection in libpq pipeline mode: connect, prepare, send, read, reconnect.
#include "pgbackend/pipeline/pg_connection.hpp"

#include "pgbackend/password_source.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
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
      timeout_timer_(executor),
      queue_(queue_limits{options_.max_in_flight, options_.max_batch, options_.max_batch_bytes}) {}

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
  conn_.reset();
  auto all = queue_.take_all();
  track_in_flight();
  for (auto& r : all) fail(r, "ERR server is shutting down");
}

void pg_connection::submit(pg_request&& request) {
  if (state_ == state::stopped) {
    fail(request, "ERR server is shutting down");
    return;
  }
  if (auto refused = queue_.push(std::move(request), clock::now())) {
    fail(*refused, "ERR the PostgreSQL transaction was cut short (connection lost or timed out)");
    return;
  }
  if (state_ != state::ready) return;
  if (queue_.idle()) {
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
  const int fd = PQsocket(conn_.get());
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
  conn_.reset(PQconnectStartParams(keys, values, 1));
  if (conn_ == nullptr) {
    reset("out of memory starting a connection");
    return;
  }
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    reset(one_line(PQerrorMessage(conn_.get())));
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
      std::string message = one_line(PQerrorMessage(conn_.get()));
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
    continue_connect(PQconnectPoll(conn_.get()));
  });
}

void pg_connection::on_connected() {
  if (PQsetnonblocking(conn_.get(), 1) != 0 || PQenterPipelineMode(conn_.get()) != 1) {
    reset("cannot enter pipeline mode: " + one_line(PQerrorMessage(conn_.get())));
    return;
  }
  attach_socket();
  // Before anything of a client's: end the backend a reset left running (and wait for it, up to
  // half the request deadline), so its statements cannot commit after the ones queued here.
  if (orphaned_backend_ != 0) {
    const auto wait_ms = std::max<long long>(options_.timeout.count() / 2, 1);
    const bool waits = PQserverVersion(conn_.get()) >= 140000;
    if (!send_internal(waits ? "SELECT pg_terminate_backend($1::int, $2::bigint)"
                             : "SELECT pg_terminate_backend($1::int)",
                       waits ? std::vector<std::string>{std::to_string(orphaned_backend_),
                                                        std::to_string(wait_ms)}
                             : std::vector<std::string>{std::to_string(orphaned_backend_)},
                       "ending the backend the reset left running")) {
      return;
    }
    orphaned_backend_ = 0;
  }
  if (options_.statement_timeout.count() > 0 &&
      !send_internal("SELECT set_config('statement_timeout', $1, false)",
                     {std::to_string(options_.statement_timeout.count())},
                     "setting statement_timeout")) {
    return;
  }
  // PostgreSQL 14+: a backend whose client is gone stops within a second, not at its next write.
  if (PQserverVersion(conn_.get()) >= 140000 &&
      !send_internal("SELECT set_config('client_connection_check_interval', '1000', false)", {},
                     "setting client_connection_check_interval")) {
    return;
  }
  // Prepare every statement ahead of the queued requests; pipeline order guarantees the
  // PREPAREs run first.
  for (const auto& s : statements_.all()) {
    if (!s.prepared) continue;
    if (PQsendPrepare(conn_.get(), s.name, s.sql.c_str(), static_cast<int>(s.param_types.size()),
                      s.param_types.data()) != 1 ||
        PQpipelineSync(conn_.get()) != 1) {
      reset("cannot send PREPARE: " + one_line(PQerrorMessage(conn_.get())));
      return;
    }
    pg_request prepare;
    prepare.queued_at = clock::now();  // a PREPARE times out like any statement
    const std::string stmt_name = s.name;
    prepare.on_done = [name = name_, stmt_name](const pg_outcome& o) {
      if (!o.error.empty()) spdlog::error("pg {}: PREPARE {} failed: {}", name, stmt_name, o.error);
    };
    queue_.push_internal(std::move(prepare));
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

bool pg_connection::send_internal(const char* sql, const std::vector<std::string>& params,
                                  std::string_view what) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  if (PQsendQueryParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0) != 1 ||
      PQpipelineSync(conn_.get()) != 1) {
    reset(std::string(what) + ": " + one_line(PQerrorMessage(conn_.get())));
    return false;
  }
  pg_request internal;
  internal.queued_at = clock::now();
  internal.on_done = [name = name_, what = std::string(what)](const pg_outcome& o) {
    if (!o.error.empty()) spdlog::warn("pg {}: {} failed: {}", name, what, o.error);
  };
  queue_.push_internal(std::move(internal));
  return true;
}

void pg_connection::cancel_running() {
  if (conn_ == nullptr || state_ != state::ready || queue_.idle()) return;
  orphaned_backend_ = PQbackendPID(conn_.get());
  PGcancel* cancel = PQgetCancel(conn_.get());
  if (cancel == nullptr) return;
  std::thread([cancel, name = name_, pid = orphaned_backend_] {
    char error[256] = {};
    if (PQcancel(cancel, error, sizeof error) != 1) {
      spdlog::warn("pg {}: cancel request for backend {} failed: {}", name, pid, error);
    }
    PQfreeCancel(cancel);
  }).detach();
}

void pg_connection::send_waiting() {
  if (state_ != state::ready) return;
  bool sent_any = false;
  while (queue_.can_send(recycling_)) {
    sent_request& sent = queue_.send_next();
    track_in_flight();
    if (sent.merged > 1) {
      options_.counters->batches.fetch_add(1, std::memory_order_relaxed);
      options_.counters->merged_requests.fetch_add(sent.merged, std::memory_order_relaxed);
    }
    const pg_request& r = sent.request;
    const statement_text& st = statements_[r.stmt];
    const auto views = r.params.make_views();
    const int queued =
        st.prepared ? PQsendQueryPrepared(conn_.get(), st.name, static_cast<int>(r.params.size()),
                                          views.values.data(), views.lengths.data(),
                                          views.formats.data(), 1)
                    : PQsendQueryParams(conn_.get(), st.sql.c_str(),
                                        static_cast<int>(r.params.size()),
                                        st.param_types.empty() ? nullptr : st.param_types.data(),
                                        views.values.data(), views.lengths.data(),
                                        views.formats.data(), 1);
    if (queued != 1 || PQpipelineSync(conn_.get()) != 1) {
      reset("cannot send: " + one_line(PQerrorMessage(conn_.get())));
      return;
    }
    sent_any = true;
    options_.counters->statements.fetch_add(1, std::memory_order_relaxed);
  }
  if (sent_any) flush();
}

void pg_connection::flush() {
  if (writing_ || conn_ == nullptr) return;
  const int r = PQflush(conn_.get());
  if (r < 0) {
    reset("cannot write: " + one_line(PQerrorMessage(conn_.get())));
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
  if (PQconsumeInput(conn_.get()) != 1) {
    reset(one_line(PQerrorMessage(conn_.get())));
    return;
  }
  const auto gen = generation_;
  int nulls_in_a_row = 0;
  while (PQisBusy(conn_.get()) == 0) {
    PGresult* r = PQgetResult(conn_.get());
    if (r == nullptr) {
      // A NULL ends each statement's results; two in a row means nothing more is ready.
      if (queue_.idle() || ++nulls_in_a_row >= 2) break;
      continue;
    }
    nulls_in_a_row = 0;
    handle_result(r);
    if (gen != generation_) return;  // a callback or an error reset the connection
  }
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    reset(one_line(PQerrorMessage(conn_.get())));
    return;
  }
  if (recycling_ && queue_.idle() && !queue_.transaction_open()) {
    recycle();
    return;
  }
  send_waiting();  // answers made room in the pipeline
  arm_read();
}

void pg_connection::track_in_flight() {
  const std::size_t now = queue_.in_flight();
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
  sent_request* oldest = queue_.oldest_sent();
  if (oldest == nullptr) {
    spdlog::warn("pg {}: result with no request waiting ({})", name_,
                 PQresStatus(PQresultStatus(raw)));
    return;
  }
  sent_request& front = *oldest;
  switch (PQresultStatus(raw)) {
    case PGRES_PIPELINE_SYNC: {
      // The Sync closes the statement's implicit transaction: its effect is committed now.
      sent_request done = queue_.pop_answered();
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
        if (code == "40001" || code == "40P01") queue_.note_conflict();
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
  const bool conflict = queue_.take_conflict(done);
  if (!done.request.on_done) return;
  if (!done.error.empty()) {
    // A ROLLBACK or COMMIT may itself come back as an error (aborted with the pipeline after a
    // statement lost to a concurrent transaction): the conflict still says "run it again".
    done.request.on_done(pg_outcome{nullptr, done.error, 0, 0, conflict});
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
  conn_.reset();
}

void pg_connection::reset(const std::string& reason) {
  spdlog::warn("pg {}: {}; reconnecting", name_, reason);
  cancel_running();
  close_connection();
  set_state(state::backoff);
  // What was sent may or may not have run: fail it rather than risk running a write twice; the
  // unsent rest of a transaction cut in half goes with it. The others wait for the new connection.
  auto lost = queue_.take_lost();
  track_in_flight();
  const std::string error = "ERR PostgreSQL connection lost: " + reason;
  for (auto& r : lost) fail(r, error);
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
  const std::string_view error =
      state_ == state::ready
          ? "ERR PostgreSQL did not answer in time (--pg-timeout)"
          : "ERR PostgreSQL unavailable (--pg-timeout passed while reconnecting)";
  for (auto& r : queue_.take_expired(deadline)) fail(r, error);
  if (state_ == state::ready && queue_.oldest_sent_before(deadline)) {
    reset("no answer within --pg-timeout");
  }
  if (state_ == state::ready && !recycling_ && age_limit_.count() > 0 &&
      now - connected_at_ > age_limit_) {
    recycling_ = true;
    if (queue_.idle() && !queue_.transaction_open()) recycle();
  }
  // Often enough that a request fails within 50 ms of its deadline.
  const auto period = std::clamp(options_.timeout / 20, std::chrono::milliseconds(5),
                                 std::chrono::milliseconds(50));
  timeout_timer_.expires_after(period);
  timeout_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) check_timeouts();
  });
}

}  // namespace fpc::pg
