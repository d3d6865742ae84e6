// One client connection: a reader coroutine that parses and dispatches pipelined commands, and a
// writer coroutine that sends replies in order as soon as the oldest one is complete.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "resp/parser.hpp"
#include "server/dispatch/client_connection.hpp"

namespace fpc::server {

class client_session final : public client_connection {
 public:
  /// With `tls` the connection is TLS: the handshake comes first (bounded), then RESP inside it.
  client_session(boost::asio::ip::tcp::socket socket, loop_context& loop, std::uint64_t id,
                 boost::asio::ssl::context* tls = nullptr);

  /// Runs the client until it disconnects, quits or breaks the protocol.
  boost::asio::awaitable<void> run();

  [[nodiscard]] std::string peer_address() const override;
  [[nodiscard]] std::string local_address() const override;
  [[nodiscard]] int socket_fd() override { return static_cast<int>(socket_.native_handle()); }
  [[nodiscard]] std::size_t read_buffer_bytes() const override { return read_buffer_.size(); }
  [[nodiscard]] boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  void kill() override;

  void stop_reading() override;

 private:
  void wake_writer() override;
  void wake_reader() override { reader_wake_.cancel(); }

  boost::asio::awaitable<void> reader();
  boost::asio::awaitable<void> writer();
  boost::asio::awaitable<void> read_commands();
  /// Parses and dispatches what `read_buffer_[0, filled)` holds; returns the bytes consumed.
  /// Waits (backpressure, the size bound, a held EXEC) without losing its place.
  boost::asio::awaitable<std::size_t> dispatch_parsed(std::size_t filled);
  /// Keeps the unparsed tail at the front; grows for a large bulk, shrinks after one.
  void compact_read_buffer(std::size_t consumed, std::size_t& filled);
  [[nodiscard]] bool over_pending_limits() const;
  /// Reads some bytes from the client, through TLS when it is on; cancellable via stop_read_.
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_some(
      boost::asio::mutable_buffer into);
  [[nodiscard]] boost::asio::awaitable<bool> handshake();
  [[nodiscard]] bool refused_by_protected_mode() const;
  /// Holds a write at the size bound until eviction made room (or, under noeviction, until a
  /// fresh size says whether to refuse it); at most a second, so a stuck PostgreSQL cannot hold it.
  boost::asio::awaitable<void> wait_for_room(std::uint64_t bytes);
  /// Sleeps until wake_reader(); false when the client is gone or closing meanwhile.
  boost::asio::awaitable<bool> wait_for_wake();
  /// wait_for_wake for a client blocked in BLPOP and friends: also ends when the peer hangs up.
  boost::asio::awaitable<bool> wait_for_wake_or_hangup();
  /// Sleeps until every dispatched command is answered; false when the client is gone meanwhile.
  boost::asio::awaitable<bool> wait_for_answers();

  boost::asio::ip::tcp::socket socket_;
  // TLS over socket_ (which stays the place for addresses, options and closing).
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;

  resp::request_parser parser_;
  std::string read_buffer_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer reader_wake_;
  boost::asio::cancellation_signal stop_read_;  // ends the reader's pending read when closing
  boost::asio::steady_timer reader_done_{socket_.get_executor()};
  bool reader_exited_ = false;
  bool stop_draining_ = false;
  bool reader_waiting_for_drain_ = false;
  bool after_heavy_ = false;  // the last command dispatched was heavy: the next one waits for it
};

/// Redis's protected-mode refusal, with this server's options in place of Redis's config file.
inline constexpr std::string_view protected_mode_error =
    "DENIED Redis is running in protected mode because protected mode is enabled and no password "
    "is set for the default user. In this mode connections are only accepted from the loopback "
    "interface. If you want to connect from external computers, either set a password "
    "(--requirepass or --acl-file) or, if the network is trusted, start the server with "
    "--protected-mode no.";

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.
[[nodiscard]] bool is_loopback(const boost::asio::ip::address& a);

}  // namespace fpc::server
