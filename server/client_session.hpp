// One client connection: a reader coroutine that parses and dispatches pipelined commands, and a
// writer coroutine that sends replies in order as soon as the oldest one is complete.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "resp/parser.hpp"
#include "resp/writer.hpp"
#include "server/keyspace.hpp"
#include "server/server_state.hpp"
#include "server/slow_log.hpp"

namespace fpc::server {

struct command_spec;
class client_session;

struct exec_group;

/// The place a command's reply waits until every earlier reply has been sent.
struct reply_slot {
  std::string data;
  int protocol = 2;  // the protocol in force when the command arrived
  bool ready = false;
  exec_group* group = nullptr;  // set for a command run by EXEC: its reply joins EXEC's array
  const command_spec* spec = nullptr;  // for per-command statistics (unknown commands: none)
  bool silent = false;                 // CLIENT REPLY OFF/SKIP: computed, never sent
  slow_args args;                      // captured while SLOWLOG is on, shown if the command is slow
  std::chrono::steady_clock::time_point started{};
};

/// The replies of one EXEC: the commands' own slots, gathered into EXEC's slot once the last one
/// and the COMMIT are done.
struct exec_group {
  reply_slot* parent = nullptr;
  std::deque<reply_slot> children;  // a deque: slots keep their addresses as they are added
  std::size_t remaining = 0;        // children not yet complete, plus the commit
  std::string commit_error;
  bool watched_key_changed = false;  // EXEC answers a null array
};

/// What belongs to one event loop and is shared by its clients.
struct loop_context {
  keyspace& store;
  server_state& shared;
  unsigned index;
  boost::asio::any_io_executor executor;  // CLIENT LIST/KILL reach other loops' clients through it
  std::unordered_set<client_session*> sessions = {};  // live clients of this loop
};

class client_session : public std::enable_shared_from_this<client_session> {
 public:
  /// With `tls` the connection is TLS: the handshake comes first (bounded), then RESP inside it.
  client_session(boost::asio::ip::tcp::socket socket, loop_context& loop, std::uint64_t id,
                 boost::asio::ssl::context* tls = nullptr);

  /// Runs the client until it disconnects, quits or breaks the protocol.
  boost::asio::awaitable<void> run();

  // Connection state that commands read and change.
  [[nodiscard]] std::uint64_t id() const { return id_; }
  [[nodiscard]] caller who() const { return caller{tenant_, id_}; }
  [[nodiscard]] bool authenticated() const { return authenticated_; }
  void login(std::string_view username);
  /// RESET: the `default` user again, logged in only if it needs no password.
  void logout();
  [[nodiscard]] const std::string& username() const { return tenant_; }
  int protocol = 2;
  std::string name;
  std::string lib_name;
  std::string lib_version;
  [[nodiscard]] loop_context& loop() { return loop_; }
  [[nodiscard]] std::string peer_address() const;
  [[nodiscard]] std::string local_address() const;

  [[nodiscard]] std::chrono::steady_clock::time_point created_at() const { return created_at_; }
  [[nodiscard]] std::size_t pending_replies() const { return pending_; }
  [[nodiscard]] std::size_t read_buffer_bytes() const { return read_buffer_.size(); }
  [[nodiscard]] int socket_fd() { return static_cast<int>(socket_.native_handle()); }
  std::string_view last_command = "NULL";  // CLIENT LIST's cmd=
  bool reply_off = false;                  // CLIENT REPLY OFF
  bool skip_next_reply = false;            // CLIENT REPLY SKIP
  bool no_evict = false;                   // CLIENT NO-EVICT (recorded; shown in flags)

  /// CLIENT KILL: closes the connection now; replies still owed are dropped, as in Redis.
  void kill();

  /// Sends what is queued, then closes (QUIT, protocol errors).
  void close_after_reply() { close_after_flush_ = true; }
  /// Killed or closing: its coroutines may still be finishing, but it is no longer a client.
  [[nodiscard]] bool closing() const { return peer_gone_ || close_after_flush_; }

  /// Graceful shutdown: read no more commands, send every reply still owed, then close.
  void stop_reading();

  /// For --timeout: idle means no command read and no reply owed since `last_active()`.
  [[nodiscard]] std::chrono::steady_clock::time_point last_active() const { return last_active_; }
  [[nodiscard]] bool has_pending_replies() const { return pending_ > 0; }

  /// EXEC holds the reader until its transaction is over: nothing after it reaches PostgreSQL
  /// before, so a transaction run again after losing to a concurrent one keeps its place.
  void hold_dispatch() { dispatch_held_ = true; }
  void resume_dispatch();
  void count_exec_retry() {
    loop_.shared.counters.exec_retries.fetch_add(1, std::memory_order_relaxed);
  }
  /// Called when a reply is complete (deferred ones from their callback).
  void reply_ready(reply_slot& slot);

  /// One command of an EXEC, or its COMMIT, is done; the last one completes EXEC's reply.
  void exec_part_done(exec_group& group);

  /// Runs one command (lookup, auth, arity, handler) with its reply going to `slot`.
  void execute(std::span<const std::string_view> args, reply_slot& slot);

  /// MULTI state: commands are queued (copied) until EXEC or DISCARD.
  unsigned failed_auths = 0;  // consecutive wrong passwords on this connection
  std::chrono::steady_clock::time_point next_wrongpass_reply{};
  [[nodiscard]] boost::asio::any_io_executor executor() { return socket_.get_executor(); }

  bool in_multi = false;
  bool multi_failed = false;  // a queued command was refused: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> queued;
  std::shared_ptr<watched_keys> watched;  // WATCH; cleared by EXEC, DISCARD, UNWATCH, RESET

 private:
  friend struct fuzz_access;  // tests/fuzz/dispatch_fuzz.cpp drives dispatch() without a socket

  boost::asio::awaitable<void> reader();
  boost::asio::awaitable<void> writer();
  boost::asio::awaitable<void> read_commands();
  /// Reads some bytes from the client, through TLS when it is on; cancellable via stop_read_.
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_some(
      boost::asio::mutable_buffer into);
  [[nodiscard]] boost::asio::awaitable<bool> handshake();
  void dispatch(std::span<const std::string_view> args);
  [[nodiscard]] bool refused_by_protected_mode() const;
  void wake_writer();
  void record_if_slow(reply_slot& slot, std::chrono::steady_clock::duration elapsed);
  /// The -OOM error when a write must be refused at the size bound (noeviction, or nothing
  /// left to evict), else empty.
  [[nodiscard]] std::string_view out_of_memory(const command_spec& spec) const;
  /// The bytes a command may add to the stored size (its arguments), 0 when it is not a write
  /// the size bound applies to.
  [[nodiscard]] std::uint64_t bytes_it_may_store(std::span<const std::string_view> args) const;
  [[nodiscard]] bool at_size_bound(std::uint64_t more_bytes) const;
  /// Holds a write at the size bound until eviction made room (or, under noeviction, until a
  /// fresh size says whether to refuse it); at most a second, so a stuck PostgreSQL cannot hold it.
  boost::asio::awaitable<void> wait_for_room(std::uint64_t bytes);
  /// Adds a write let through to the size estimates (see size_state::note_write).
  void note_write(std::uint64_t bytes);

  boost::asio::ip::tcp::socket socket_;
  // TLS over socket_ (which stays the place for addresses, options and closing).
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  loop_context& loop_;
  std::uint64_t id_;
  std::chrono::steady_clock::time_point last_active_ = std::chrono::steady_clock::now();
  const std::chrono::steady_clock::time_point created_at_ = std::chrono::steady_clock::now();
  std::string tenant_ = "default";
  bool authenticated_ = false;

  resp::request_parser parser_;
  std::string read_buffer_;
  std::deque<reply_slot> slots_;
  std::size_t pending_ = 0;              // slots not yet sent
  std::size_t reply_bytes_ = 0;          // bytes of complete replies not yet sent
  std::size_t reply_size_estimate_ = 0;  // this client's recent large reply size
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer reader_wake_;
  boost::asio::cancellation_signal stop_read_;  // ends the reader's pending read when closing
  boost::asio::steady_timer reader_done_{socket_.get_executor()};
  bool reader_exited_ = false;
  bool stop_draining_ = false;
  bool close_after_flush_ = false;
  bool peer_gone_ = false;
  bool reader_waiting_for_drain_ = false;
  bool dispatch_held_ = false;  // an EXEC is in flight (hold_dispatch)
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

/// A handler's view of one command: its arguments and its reply.
class command_call {
 public:
  command_call(client_session& s, std::span<const std::string_view> a, reply_slot& slot)
      : session(s), args(a), slot_(slot), out(slot.data, slot.protocol) {}

  client_session& session;
  std::span<const std::string_view> args;  // args[0] is the command name as sent

 private:
  reply_slot& slot_;

 public:
  /// The reply of a synchronous command goes here.
  resp::reply_writer out;

  /// Marks the reply as asynchronous: the handle completes it later, from a callback.
  class deferred {
   public:
    deferred(std::shared_ptr<client_session> s, reply_slot* slot)
        : session_(std::move(s)), slot_(slot) {}
    [[nodiscard]] resp::reply_writer writer() const { return {slot_->data, slot_->protocol}; }
    void finish() const { session_->reply_ready(*slot_); }
    [[nodiscard]] client_session& session() const { return *session_; }
    [[nodiscard]] reply_slot* slot() const { return slot_; }

   private:
    std::shared_ptr<client_session> session_;
    reply_slot* slot_;
  };
  [[nodiscard]] deferred defer() {
    deferred_ = true;
    return {session.shared_from_this(), &slot_};
  }
  [[nodiscard]] bool is_deferred() const { return deferred_; }
  /// CLIENT REPLY: whether this command's own reply is sent.
  void set_silent(bool silent) { slot_.silent = silent; }
  /// HELLO answers in the protocol it switches to.
  [[nodiscard]] resp::reply_writer writer_with_protocol(int protocol) {
    slot_.protocol = protocol;
    return {slot_.data, protocol};
  }
  [[nodiscard]] server_state& shared() { return session.loop().shared; }
  [[nodiscard]] keyspace& store() { return session.loop().store; }

 private:
  bool deferred_ = false;
};

}  // namespace fpc::server
