// Client connection: pipelined parsing and dispatch, in-order replies, backpressure.
#include "server/net/client_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include <sys/socket.h>

#include "resp/writer.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/dispatch/heavy_commands.hpp"

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
    : client_connection(loop, id),
      socket_(std::move(socket)),
      tls_(tls ? std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls)
               : nullptr),
      parser_(resp::parser_limits{loop.shared.settings.proto_max_bulk_len, 1024 * 1024, 64 * 1024}),
      writer_wake_(socket_.get_executor()),
      reader_wake_(socket_.get_executor()) {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
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

void client_session::stop_reading() {
  // The reader notices at its next read; the writer, once done, bounds how long that may take.
  close_after_flush_ = true;
  reader_wake_.cancel();
  wake_writer();
}

asio::awaitable<void> client_session::run() {
  auto self = std::static_pointer_cast<client_session>(shared_from_this());
  loop_.sessions.insert(this);
  loop_.shared.tracking.note_connected(self);
  if (refused_by_protected_mode()) {
    std::string refusal;
    resp::reply_writer(refusal, 2).error(protected_mode_error);
    push_ready_reply(std::move(refusal));
    close_after_flush_ = true;
  }
  if (tls_ && !co_await handshake()) {
    boost::system::error_code ec;
    socket_.close(ec);
    loop_.sessions.erase(this);
    loop_.shared.tracking.note_gone(id_);
    co_return;
  }
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->writer(); }, asio::detached);
  co_await reader();
  on_disconnect();  // a blocked BLPOP ends without taking anything
  if (!close_after_flush_) {
    // The peer is gone or the read failed: nothing more will be written.
    peer_gone_ = true;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  }
  wake_writer();
  loop_.sessions.erase(this);
  loop_.shared.tracking.note_gone(id_);
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

asio::awaitable<void> client_session::wait_for_room(std::uint64_t bytes) {
  size_state& size = loop_.shared.size;
  const bool evicting = !loop_.shared.live.refuse_writes_when_full.load(std::memory_order_relaxed);
  // A refresh that started before this wait may miss the writes answered just before it.
  const std::uint64_t started_before = size.refreshes_started();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  asio::steady_timer pause(socket_.get_executor());
  while (at_size_bound(bytes) && std::chrono::steady_clock::now() < deadline) {
    if (!evicting && size.refreshed_since(started_before)) break;  // out_of_memory() decides
    if (evicting && size.eviction_stuck()) break;              // out_of_memory() refuses
    size.request_refresh();
    pause.expires_after(std::chrono::milliseconds(1));
    co_await pause.async_wait(use_tuple);
    if (peer_gone_ || close_after_flush_) co_return;
  }
  last_active_ = std::chrono::steady_clock::now();  // waiting is not idleness (--timeout)
  note_write(bytes);
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

bool client_session::over_pending_limits() const {
  // The last test counts replies still on their way from PostgreSQL at this client's typical
  // reply size: a client pipelining large GETs gets only a few in flight.
  const std::size_t max_reply_bytes = loop_.shared.settings.max_pending_reply_bytes;
  return pending_ >= loop_.shared.settings.max_pending_per_client ||
         reply_bytes_ >= max_reply_bytes ||
         in_flight_arg_bytes_ >= loop_.shared.settings.max_pending_query_bytes ||
         (pending_ > 0 && pending_ * reply_size_estimate_ >= max_reply_bytes);
}

asio::awaitable<bool> client_session::wait_for_wake() {
  reader_wake_.expires_at(asio::steady_timer::time_point::max());
  co_await reader_wake_.async_wait(use_tuple);
  co_return !peer_gone_ && !close_after_flush_;
}

asio::awaitable<bool> client_session::wait_for_wake_or_hangup() {
  using namespace asio::experimental::awaitable_operators;
  reader_wake_.expires_at(asio::steady_timer::time_point::max());
  const auto woke = co_await (reader_wake_.async_wait(use_tuple) ||
                              socket_.async_wait(asio::socket_base::wait_read, use_tuple));
  if (woke.index() == 0) co_return !peer_gone_ && !close_after_flush_;
  // Readable: the peer hung up, or sent more commands (they wait for the blocked one).
  char byte = 0;
  const auto n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    peer_gone_ = true;
    on_disconnect();
    co_return false;
  }
  co_return co_await wait_for_wake();
}

asio::awaitable<bool> client_session::wait_for_answers() {
  while (unanswered_ > 0) {
    waiting_for_answers_ = true;
    const bool go_on = co_await wait_for_wake();
    waiting_for_answers_ = false;
    if (!go_on) co_return false;
  }
  co_return true;
}

asio::awaitable<void> client_session::read_commands() {
  read_buffer_.resize(initial_buffer);
  std::size_t filled = 0;
  for (;;) {
    // Cancellable on its own (the writer's patience), so the socket stays open for writing.
    auto [ec, n] = co_await read_some(
        asio::buffer(read_buffer_.data() + filled, read_buffer_.size() - filled));
    if (ec || peer_gone_ || close_after_flush_) co_return;
    filled += n;
    last_active_ = std::chrono::steady_clock::now();
    const std::size_t consumed = co_await dispatch_parsed(filled);
    if (peer_gone_ || close_after_flush_) {
      wake_writer();
      co_return;
    }
    compact_read_buffer(consumed, filled);
    if (filled > loop_.shared.settings.client_query_buffer_limit) {
      spdlog::warn("closing client {} ({}): {} bytes of unparsed input, past "
                   "client-query-buffer-limit",
                   id_, peer_address(), filled);
      kill();
      co_return;
    }
  }
}

asio::awaitable<std::size_t> client_session::dispatch_parsed(std::size_t filled) {
  std::size_t start = 0;
  bool any = false;  // replies owed since the writer was last woken
  auto flush_replies = [&] {
    if (any) wake_writer();
    any = false;
  };
  while (!close_after_flush_) {
    if (over_pending_limits()) {
      // Backpressure: stop parsing (and so reading) until the writer catches up.
      flush_replies();
      reader_waiting_for_drain_ = true;
      const bool go_on = co_await wait_for_wake();
      reader_waiting_for_drain_ = false;
      if (!go_on) co_return start;
      continue;
    }
    // AUTH may have just changed this (an earlier command of the same read).
    parser_.set_authenticated(authenticated_);
    const auto result =
        parser_.parse(std::string_view(read_buffer_.data() + start, filled - start));
    if (result.status == resp::parse_status::need_more) break;
    if (result.status == resp::parse_status::error) {
      std::string error;
      resp::reply_writer(error, protocol).error("ERR " + parser_.error_message());
      push_ready_reply(std::move(error));
      close_after_flush_ = true;
      spdlog::debug("client {}: {}", id_, parser_.error_message());
      break;
    }
    if (result.status == resp::parse_status::complete) {
      const command_spec* spec = find_command(parser_.args()[0]);
      // A write at the size bound waits here, so it and everything after it keep their order.
      // (The parsed arguments point into read_buffer_, which stays untouched meanwhile.)
      if (const std::uint64_t bytes = bytes_it_may_store(spec, parser_.args()); bytes > 0) {
        if (at_size_bound(bytes)) {
          flush_replies();
          co_await wait_for_room(bytes);
          if (peer_gone_ || close_after_flush_) co_return start;
        } else {
          note_write(bytes);
        }
      }
      // A heavy command goes to the side connection only when nothing of this client is still
      // in flight, and the next command waits for it: the client's order holds across the two.
      const bool heavy =
          spec != nullptr && !in_multi &&
          (side_lane_suspect_ || is_heavy_command(*spec, parser_.args(), reply_size_estimate_,
                                                  loop_.shared.settings.heavy_statement_bytes));
      if ((heavy || after_heavy_) && unanswered_ > 0) {
        flush_replies();
        if (!co_await wait_for_answers()) co_return start;
      }
      heavy_lane_ = heavy;
      dispatch(parser_.args(), spec);
      heavy_lane_ = false;
      after_heavy_ = heavy;
      any = true;
      while (dispatch_held_) {
        wake_writer();
        any = false;
        // kill / stop_reading woke the writer; a blocked BLPOP also watches for a hang-up.
        const bool go_on = unblock ? co_await wait_for_wake_or_hangup() : co_await wait_for_wake();
        if (!go_on) co_return start;
      }
    }
    start += result.consumed;
  }
  if (any || close_after_flush_) wake_writer();
  co_return start;
}

void client_session::compact_read_buffer(std::size_t consumed, std::size_t& filled) {
  if (consumed > 0) {
    std::memmove(read_buffer_.data(), read_buffer_.data() + consumed, filled - consumed);
    filled -= consumed;
  }
  // Grow with what has arrived (at most doubling per read), never to a length a header only
  // declares: a client that announces a 512 MB bulk and sends nothing costs nothing.
  const std::size_t want = std::max(parser_.bytes_hint(), filled + 1);
  if (want > read_buffer_.size()) {
    read_buffer_.resize(std::min(want, read_buffer_.size() * 2));
  } else if (filled == 0 && read_buffer_.size() > shrink_above) {
    read_buffer_.resize(initial_buffer);
    read_buffer_.shrink_to_fit();
  }
}

asio::awaitable<void> client_session::writer() {
  auto self = std::static_pointer_cast<client_session>(shared_from_this());
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
        in_flight_arg_bytes_ <= limits.max_pending_query_bytes / 2 &&
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
