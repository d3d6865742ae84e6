// Client connection: pipelined parsing and dispatch, in-order replies, backpressure.
#include "server/client_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <cstring>

#include "server/command_table.hpp"

namespace fpc::server {
namespace asio = boost::asio;
namespace {
constexpr std::size_t initial_buffer = 4096;
constexpr std::size_t shrink_above = 64 * 1024;
constexpr std::size_t max_gather = 64;  // replies per write
const auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

client_session::client_session(asio::ip::tcp::socket socket, loop_context& loop, std::uint64_t id,
                               asio::ssl::context* tls)
    : socket_(std::move(socket)),
      tls_(tls ? std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls)
               : nullptr),
      loop_(loop),
      id_(id),
      parser_(resp::parser_limits{loop.shared.settings.proto_max_bulk_len, 1024 * 1024, 64 * 1024}),
      writer_wake_(socket_.get_executor()),
      reader_wake_(socket_.get_executor()) {
  authenticated_ = loop.shared.users.default_autologin();
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

void client_session::logout() {
  tenant_ = "default";
  authenticated_ = loop_.shared.users.default_autologin();
}

void client_session::login(std::string_view username) {
  tenant_.assign(username);
  authenticated_ = true;
}

std::string client_session::peer_address() const {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string client_session::local_address() const {
  boost::system::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void client_session::kill() {
  peer_gone_ = true;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);  // the pending read ends with an error
  reader_wake_.cancel();
  wake_writer();
}

void client_session::resume_dispatch() {
  dispatch_held_ = false;
  reader_wake_.cancel();
}

void client_session::stop_reading() {
  // The reader notices at its next read; the writer, once done, bounds how long that may take.
  close_after_flush_ = true;
  reader_wake_.cancel();
  wake_writer();
}

asio::awaitable<void> client_session::run() {
  auto self = shared_from_this();
  loop_.sessions.insert(this);
  if (refused_by_protected_mode()) {
    slots_.emplace_back();
    resp::reply_writer(slots_.back().data, 2).error(protected_mode_error);
    slots_.back().ready = true;
    ++pending_;
    reply_bytes_ += slots_.back().data.size();
    close_after_flush_ = true;
  }
  if (tls_ && !co_await handshake()) {
    boost::system::error_code ec;
    socket_.close(ec);
    loop_.sessions.erase(this);
    co_return;
  }
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->writer(); }, asio::detached);
  co_await reader();
  if (!close_after_flush_) {
    // The peer is gone or the read failed: nothing more will be written.
    peer_gone_ = true;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  }
  wake_writer();
  loop_.sessions.erase(this);
}

asio::awaitable<bool> client_session::handshake() {
  // A client that connects and never completes the handshake is dropped after 10 s.
  asio::steady_timer limit(socket_.get_executor(), std::chrono::seconds(10));
  limit.async_wait([this](boost::system::error_code ec) {
    if (!ec) stop_read_.emit(asio::cancellation_type::terminal);
  });
  auto [ec] = co_await tls_->async_handshake(
      asio::ssl::stream_base::server, asio::bind_cancellation_slot(stop_read_.slot(), use_tuple));
  limit.cancel();
  if (ec) spdlog::debug("client {}: TLS handshake failed: {}", id_, ec.message());
  co_return !ec;
}

asio::awaitable<std::pair<boost::system::error_code, std::size_t>> client_session::read_some(
    asio::mutable_buffer into) {
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(
                            into, asio::bind_cancellation_slot(stop_read_.slot(), use_tuple))
                      : co_await socket_.async_read_some(
                            into, asio::bind_cancellation_slot(stop_read_.slot(), use_tuple));
  co_return std::pair{ec, n};
}

bool client_session::refused_by_protected_mode() const {
  if (!loop_.shared.settings.protected_mode || !loop_.shared.users.default_autologin())
    return false;
  boost::system::error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  return !ec && !is_loopback(peer.address());
}

void client_session::wake_writer() {
  writer_wake_.cancel();
}

void client_session::exec_part_done(exec_group& group) {
  if (--group.remaining > 0) return;
  reply_slot& parent = *group.parent;
  resp::reply_writer w(parent.data, parent.protocol);
  if (group.watched_key_changed) {
    w.null_array();
  } else if (!group.commit_error.empty()) {
    w.error(group.commit_error);
  } else {
    w.array(group.children.size());
    for (const auto& child : group.children) parent.data += child.data;
  }
  reply_ready(parent);
}

std::string_view client_session::out_of_memory(const command_spec& spec) const {
  // Under noeviction, or when eviction has nothing left to take; otherwise the reader waited
  // for eviction to make room (wait_for_room) before this command.
  if (!(spec.flags & flag_denyoom)) return {};
  runtime_settings& live = loop_.shared.live;
  if (!live.refuse_writes_when_full.load(std::memory_order_relaxed) &&
      !loop_.shared.size.eviction_stuck())
    return {};
  const std::uint64_t max_total = live.maxmemory.load(std::memory_order_relaxed);
  if (max_total > 0 && loop_.shared.size.total_bytes() > max_total) {
    return "OOM command not allowed when used memory > 'maxmemory'.";
  }
  const std::uint64_t max_user = live.maxmemory_per_user.load(std::memory_order_relaxed);
  if (max_user > 0 && loop_.shared.size.user_bytes(tenant_) > max_user) {
    return "OOM command not allowed when used memory > 'maxmemory-per-user'.";
  }
  return {};
}

std::uint64_t client_session::bytes_it_may_store(std::span<const std::string_view> args) const {
  runtime_settings& live = loop_.shared.live;
  if (!authenticated_ || (live.maxmemory.load(std::memory_order_relaxed) == 0 &&
                          live.maxmemory_per_user.load(std::memory_order_relaxed) == 0)) {
    return 0;
  }
  const command_spec* spec = find_command(args[0]);
  if (spec == nullptr || !(spec->flags & flag_denyoom)) return 0;
  std::uint64_t bytes = 0;
  for (auto arg : args.subspan(1)) bytes += arg.size();
  return std::max<std::uint64_t>(bytes, 1);
}

bool client_session::at_size_bound(std::uint64_t more_bytes) const {
  runtime_settings& live = loop_.shared.live;
  const size_state& size = loop_.shared.size;
  const std::uint64_t max_total = live.maxmemory.load(std::memory_order_relaxed);
  const std::uint64_t max_user = live.maxmemory_per_user.load(std::memory_order_relaxed);
  return (max_total > 0 && size.estimated_total_bytes() + more_bytes > max_total) ||
         (max_user > 0 && size.estimated_user_bytes(tenant_) + more_bytes > max_user);
}

asio::awaitable<void> client_session::wait_for_room(std::uint64_t bytes) {
  size_state& size = loop_.shared.size;
  const bool evicting = !loop_.shared.live.refuse_writes_when_full.load(std::memory_order_relaxed);
  const std::uint64_t first_refresh = size.refreshes();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  asio::steady_timer pause(socket_.get_executor());
  while (at_size_bound(bytes) && std::chrono::steady_clock::now() < deadline) {
    if (!evicting && size.refreshes() > first_refresh) break;  // out_of_memory() decides
    if (evicting && size.eviction_stuck()) break;              // out_of_memory() refuses
    size.request_refresh();
    pause.expires_after(std::chrono::milliseconds(1));
    co_await pause.async_wait(use_tuple);
    if (peer_gone_ || close_after_flush_) co_return;
  }
  last_active_ = std::chrono::steady_clock::now();  // waiting is not idleness (--timeout)
  note_write(bytes);
}

void client_session::note_write(std::uint64_t bytes) {
  const bool per_user = loop_.shared.live.maxmemory_per_user.load(std::memory_order_relaxed) > 0;
  loop_.shared.size.note_write(tenant_, bytes, per_user);
}

void client_session::record_if_slow(reply_slot& slot, std::chrono::steady_clock::duration elapsed) {
  runtime_settings& live = loop_.shared.live;
  const long long threshold = live.slowlog_log_slower_than.load(std::memory_order_relaxed);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  if (threshold < 0 || micros < threshold || slot.args.empty()) return;
  slow_entry e;
  e.unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  e.micros = micros;
  e.args = slot.args.unpack();
  e.client_addr = peer_address();
  e.client_name = name;
  e.user = tenant_;
  loop_.shared.slowlog.record(std::move(e), live.slowlog_max_len.load(std::memory_order_relaxed));
}

void client_session::reply_ready(reply_slot& slot) {
  if (slot.silent) slot.data.clear();
  if (slot.spec != nullptr) {
    const bool failed = !slot.data.empty() && slot.data[0] == '-';
    const auto elapsed = std::chrono::steady_clock::now() - slot.started;
    loop_.shared.stats.record(loop_.index, *slot.spec, elapsed, failed);
    record_if_slow(slot, elapsed);
    slot.spec = nullptr;
  }
  if (slot.group != nullptr) {
    exec_part_done(*slot.group);
    return;
  }
  slot.ready = true;
  reply_bytes_ += slot.data.size();
  // Rises at once with a large reply, decays slowly: errs on the side of bounded memory.
  reply_size_estimate_ =
      std::max(slot.data.size(), reply_size_estimate_ - reply_size_estimate_ / 8);
  if (&slot == &slots_.front()) wake_writer();
}

void client_session::dispatch(std::span<const std::string_view> args) {
  slots_.emplace_back();
  reply_slot& slot = slots_.back();
  slot.protocol = protocol;
  ++pending_;
  loop_.shared.counters.commands_processed.fetch_add(1, std::memory_order_relaxed);

  if (in_multi) {
    const command_spec* spec = find_command(args[0]);
    if (spec != nullptr && !(spec->flags & flag_no_queue)) {
      // Inside MULTI: check now (Redis refuses unknown commands and bad arity at once), run at
      // EXEC.
      resp::reply_writer w(slot.data, slot.protocol);
      if (!authenticated_) {
        w.error("NOAUTH Authentication required.");
        multi_failed = true;
      } else if (!spec->arity_ok(args.size())) {
        w.error(arity_error(spec->name));
        multi_failed = true;
      } else if (auto oom = out_of_memory(*spec); !oom.empty()) {
        w.error(oom);  // Redis refuses it at queue time too
        multi_failed = true;
      } else {
        queued.emplace_back(args.begin(), args.end());
        w.simple("QUEUED");
      }
      reply_ready(slot);
      return;
    }
    if (spec == nullptr) {
      resp::reply_writer(slot.data, slot.protocol).error(unknown_command_error(args));
      multi_failed = true;
      reply_ready(slot);
      return;
    }
  }
  execute(args, slot);
}

void client_session::execute(std::span<const std::string_view> args, reply_slot& slot) {
  command_call call(*this, args, slot);
  const command_spec* spec = find_command(args[0]);
  slot.spec = spec;
  slot.started = std::chrono::steady_clock::now();
  if (slot.group == nullptr) {
    // CLIENT REPLY OFF / SKIP (the CLIENT REPLY command itself adjusts its own slot).
    slot.silent = reply_off || skip_next_reply;
    skip_next_reply = false;
  }
  if (spec != nullptr) last_command = spec->name;
  // SLOWLOG needs the arguments after they are gone from the read buffer; EXEC's commands are
  // measured as EXEC, as in Redis.
  if (slot.group == nullptr &&
      loop_.shared.live.slowlog_log_slower_than.load(std::memory_order_relaxed) >= 0) {
    slot.args.capture(args);
  }
  if (spec == nullptr) {
    call.out.error(unknown_command_error(args));
  } else if (!authenticated_ && !(spec->flags & flag_no_auth)) {
    call.out.error("NOAUTH Authentication required.");
  } else if (!spec->arity_ok(args.size())) {
    call.out.error(arity_error(spec->name));
  } else if (auto oom = out_of_memory(*spec); !oom.empty()) {
    call.out.error(oom);
  } else {
    spec->handler(call);
  }
  if (!call.is_deferred()) reply_ready(slot);
}

asio::awaitable<void> client_session::reader() {
  co_await read_commands();
  if (close_after_flush_ && !peer_gone_) {
    // Drop the rest of the input until the client closes (or the writer's patience ends).
    char scratch[4096];
    while (!stop_draining_) {
      auto [ec, n] = co_await read_some(asio::buffer(scratch));
      if (ec) break;
    }
  }
  reader_exited_ = true;
  reader_done_.cancel();
}

asio::awaitable<void> client_session::read_commands() {
  const std::size_t max_pending = loop_.shared.settings.max_pending_per_client;
  const std::size_t max_reply_bytes = loop_.shared.settings.max_pending_reply_bytes;
  read_buffer_.resize(initial_buffer);
  std::size_t filled = 0;
  for (;;) {
    // Cancellable on its own (the writer's patience), so the socket stays open for writing.
    auto [ec, n] = co_await read_some(
        asio::buffer(read_buffer_.data() + filled, read_buffer_.size() - filled));
    if (ec || peer_gone_ || close_after_flush_) co_return;
    filled += n;
    last_active_ = std::chrono::steady_clock::now();

    std::size_t start = 0;
    bool any = false;
    while (!close_after_flush_) {
      if (pending_ >= max_pending || reply_bytes_ >= max_reply_bytes ||
          (pending_ > 0 && pending_ * reply_size_estimate_ >= max_reply_bytes)) {
        // The last test counts replies still on their way from PostgreSQL at this client's
        // typical reply size: a client pipelining large GETs gets only a few in flight.
        // Backpressure: stop parsing (and so reading) until the writer catches up.
        if (any) wake_writer();
        any = false;
        reader_waiting_for_drain_ = true;
        reader_wake_.expires_at(asio::steady_timer::time_point::max());
        co_await reader_wake_.async_wait(use_tuple);
        reader_waiting_for_drain_ = false;
        if (peer_gone_ || close_after_flush_) co_return;
        continue;
      }
      const auto result =
          parser_.parse(std::string_view(read_buffer_.data() + start, filled - start));
      if (result.status == resp::parse_status::need_more) break;
      if (result.status == resp::parse_status::error) {
        slots_.emplace_back();
        resp::reply_writer(slots_.back().data, protocol).error("ERR " + parser_.error_message());
        slots_.back().ready = true;
        ++pending_;
        reply_bytes_ += slots_.back().data.size();
        close_after_flush_ = true;
        spdlog::debug("client {}: {}", id_, parser_.error_message());
        break;
      }
      if (result.status == resp::parse_status::complete) {
        // A write at the size bound waits here, so it and everything after it keep their order.
        // (The parsed arguments point into read_buffer_, which stays untouched meanwhile.)
        if (const std::uint64_t bytes = bytes_it_may_store(parser_.args()); bytes > 0) {
          if (at_size_bound(bytes)) {
            if (any) wake_writer();
            any = false;
            co_await wait_for_room(bytes);
            if (peer_gone_ || close_after_flush_) co_return;
          } else {
            note_write(bytes);
          }
        }
        dispatch(parser_.args());
        any = true;
        if (dispatch_held_) {
          while (dispatch_held_ && !peer_gone_ && !close_after_flush_) {
            wake_writer();
            any = false;
            reader_wake_.expires_at(asio::steady_timer::time_point::max());
            co_await reader_wake_.async_wait(use_tuple);
          }
          if (peer_gone_ || close_after_flush_) co_return;  // kill / stop_reading woke the writer
        }
      }
      start += result.consumed;
    }
    if (any || close_after_flush_) wake_writer();
    if (close_after_flush_) co_return;

    // Keep the unparsed tail at the front; grow for a large bulk, shrink after one.
    if (start > 0) {
      std::memmove(read_buffer_.data(), read_buffer_.data() + start, filled - start);
      filled -= start;
    }
    std::size_t want = std::max(parser_.bytes_hint(), filled + 1);
    if (want > read_buffer_.size()) {
      read_buffer_.resize(std::max(want, read_buffer_.size() * 2));
    } else if (filled == 0 && read_buffer_.size() > shrink_above) {
      read_buffer_.resize(initial_buffer);
      read_buffer_.shrink_to_fit();
    }
  }
}

asio::awaitable<void> client_session::writer() {
  auto self = shared_from_this();
  std::vector<asio::const_buffer> gather;
  gather.reserve(max_gather);
  for (;;) {
    if (peer_gone_) break;
    gather.clear();
    for (auto& slot : slots_) {
      if (!slot.ready || gather.size() == max_gather) break;
      gather.emplace_back(asio::buffer(slot.data));
    }
    if (gather.empty()) {
      if (close_after_flush_ && pending_ == 0) break;
      writer_wake_.expires_at(asio::steady_timer::time_point::max());
      co_await writer_wake_.async_wait(use_tuple);
      continue;
    }
    auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, gather, use_tuple)
                        : co_await asio::async_write(socket_, gather, use_tuple);
    if (ec) {
      peer_gone_ = true;
      break;
    }
    for (std::size_t i = 0; i < gather.size(); ++i) slots_.pop_front();
    pending_ -= gather.size();
    reply_bytes_ -= std::min(reply_bytes_, n);
    const auto& limits = loop_.shared.settings;
    if (reader_waiting_for_drain_ && pending_ <= limits.max_pending_per_client / 2 &&
        reply_bytes_ <= limits.max_pending_reply_bytes / 2 &&
        pending_ * reply_size_estimate_ <= limits.max_pending_reply_bytes / 2) {
      reader_wake_.cancel();
    }
  }
  reader_wake_.cancel();
  boost::system::error_code ec;
  if (!peer_gone_) {
    // Closing with unread input makes the kernel reset the connection, which can destroy replies
    // still on their way to the client. So: end our side, and let the reader drop what the client
    // still sends (commands left unread by a shutdown or QUIT) until it closes, for a moment.
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    asio::steady_timer patience(socket_.get_executor(), std::chrono::milliseconds(500));
    patience.async_wait([this](boost::system::error_code e) {
      if (e) return;
      stop_draining_ = true;
      stop_read_.emit(asio::cancellation_type::terminal);
    });
    while (!reader_exited_) {
      reader_done_.expires_at(asio::steady_timer::time_point::max());
      co_await reader_done_.async_wait(use_tuple);
    }
    patience.cancel();
  }
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace fpc::server
