// A client as the command layer sees it: who it is, its connection state, MULTI, and the queue of
// reply slots. The network layer (net/client_session) derives from it and adds the socket.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <set>
#include <unordered_set>
#include <vector>

#include "server/dispatch/pubsub.hpp"
#include "server/dispatch/reply_slot.hpp"
#include "server/dispatch/server_state.hpp"
#include "server/dispatch/tracking.hpp"
#include "server/state/storage_names.hpp"
#include "storage/keyspace.hpp"

namespace fpc::server {

struct command_spec;
class client_connection;

/// What belongs to one event loop and is shared by its clients.
struct loop_context {
  storage::keyspace& store;
  server_state& shared;
  unsigned index;
  boost::asio::any_io_executor executor;  // CLIENT LIST/KILL reach other loops' clients through it
  std::unordered_set<client_connection*> sessions = {};  // live clients of this loop
};

/// A command queued by MULTI: its arguments (copied) and its entry in the command table.
struct queued_command {
  const command_spec* spec;
  std::vector<std::string> args;
};

class client_connection : public std::enable_shared_from_this<client_connection> {
 public:
  client_connection(loop_context& loop, std::uint64_t id);
  virtual ~client_connection();
  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;

  // Identity and login.
  [[nodiscard]] std::uint64_t id() const { return id_; }
  [[nodiscard]] caller who() const { return caller{tenant_, id_, heavy_lane_}; }
  [[nodiscard]] bool authenticated() const { return authenticated_; }
  void login(std::string_view username);
  /// RESET: the `default` user again, logged in only if it needs no password.
  void logout();
  [[nodiscard]] const std::string& username() const { return tenant_; }
  /// The user's compiled ACL rules.
  [[nodiscard]] const acl_user& acl() const { return *acl_; }
  /// The statistics INFO shows this client's tenant (the unauthenticated block before login).
  [[nodiscard]] tenant_stats& stats() const { return *stats_; }
  /// Logged in as a user allowed every @admin command: sees and acts on the whole server.
  [[nodiscard]] bool is_operator() const { return authenticated_ && acl_->is_operator(); }
  [[nodiscard]] loop_context& loop() { return loop_; }

  // What the transport knows (addresses, descriptor, buffers), for CLIENT LIST and logs.
  [[nodiscard]] virtual std::string peer_address() const = 0;
  [[nodiscard]] virtual std::string local_address() const = 0;
  [[nodiscard]] virtual int socket_fd() = 0;
  [[nodiscard]] virtual std::size_t read_buffer_bytes() const = 0;
  [[nodiscard]] virtual boost::asio::any_io_executor executor() = 0;
  /// CLIENT KILL: closes the connection now; replies still owed are dropped, as in Redis.
  virtual void kill() = 0;
  /// Graceful shutdown or --timeout: read no more commands, send every reply owed, then close.
  virtual void stop_reading() = 0;

  // Connection state commands read and change.
  int protocol = 2;
  std::string name;
  std::string lib_name;
  std::string lib_version;
  std::string_view last_command = "NULL";  // CLIENT LIST's cmd=
  bool reply_off = false;                  // CLIENT REPLY OFF
  bool skip_next_reply = false;            // CLIENT REPLY SKIP
  bool no_evict = false;                   // CLIENT NO-EVICT (recorded; shown in flags)
  unsigned failed_auths = 0;               // consecutive wrong passwords on this connection
  std::chrono::steady_clock::time_point next_wrongpass_reply{};

  // MULTI state: commands are queued (copied) until EXEC or DISCARD.
  bool in_multi = false;
  bool multi_failed = false;  // a queued command was refused: EXEC answers EXECABORT
  std::vector<queued_command> queued;
  std::size_t queued_bytes = 0;  // arguments of `queued` and keys of `watched` (--max-multi-bytes)
  /// Ends MULTI's state and gives its memory back (EXEC, DISCARD, RESET, an overflow).
  void drop_queue() {
    std::vector<queued_command>().swap(queued);
    queued_bytes = 0;
  }
  std::shared_ptr<watched_keys> watched;  // WATCH; cleared by EXEC, DISCARD, UNWATCH, RESET

  [[nodiscard]] std::chrono::steady_clock::time_point created_at() const { return created_at_; }
  [[nodiscard]] std::size_t pending_replies() const { return pending_; }
  [[nodiscard]] bool has_pending_replies() const { return pending_ > 0; }
  /// Bytes of replies complete and not yet sent (CLIENT LIST omem).
  [[nodiscard]] std::size_t unsent_reply_bytes() const { return reply_bytes_; }
  /// Argument bytes of commands dispatched and not yet answered (CLIENT LIST argv-mem).
  [[nodiscard]] std::size_t in_flight_argument_bytes() const { return in_flight_arg_bytes_; }
  /// What this client holds: input buffer, unsent replies, MULTI queue and WATCH keys, commands
  /// in flight, subscriptions (CLIENT LIST tot-mem; the maxmemory-clients measure).
  [[nodiscard]] std::size_t memory_bytes() const {
    return read_buffer_bytes() + reply_bytes_ + queued_bytes + in_flight_arg_bytes_ +
           subscription_bytes_;
  }

  // Pub/sub (client_pubsub.cpp): this client's subscriptions, kept here and in the server's hub.
  /// Subscribes; false when it was subscribed already or the client holds too many (see
  /// max_subscriptions).
  bool subscribe(subscription_kind kind, const std::string& channel);
  /// Unsubscribes; false when it was not subscribed.
  bool unsubscribe(subscription_kind kind, const std::string& channel);
  /// The client's subscriptions of one kind, sorted.
  [[nodiscard]] const std::set<std::string>& subscriptions(subscription_kind kind) const;
  /// The count SUBSCRIBE/PSUBSCRIBE replies carry (channels + patterns), and SSUBSCRIBE's.
  [[nodiscard]] std::size_t subscription_count() const {
    return channels_.size() + patterns_.size();
  }
  [[nodiscard]] std::size_t shard_subscription_count() const { return shard_channels_.size(); }
  /// RESP2 clients with a subscription may only (un)subscribe, PING, QUIT and RESET.
  [[nodiscard]] bool in_subscribed_mode() const {
    return subscription_count() + shard_subscription_count() > 0;
  }
  /// Drops every subscription (RESET, a new tenant, disconnect).
  void leave_pubsub();
  /// A message for this client (on its loop): queued after the replies owed; past the pub/sub
  /// output limits (--pubsub-buffer-*) the client is disconnected, as Redis does.
  void deliver_message(const storage::bus_message& message, const std::string* pattern);
  /// More subscriptions than this on one connection are refused (each costs the hub memory).
  static constexpr std::size_t max_subscriptions = 100000;
  /// Queues an out-of-band message (pub/sub, invalidation) after the replies owed; past the
  /// pub/sub output limits (--pubsub-buffer-*) the client is disconnected, as Redis does.
  void queue_push(std::string data);

  // Client-side caching (client_tracking.cpp): CLIENT TRACKING's options, kept here and, while
  // on, in the server's tracking table.
  [[nodiscard]] const tracking_options& tracking() const { return tracking_; }
  /// CLIENT TRACKING on with these options (`redirect_to`: the REDIRECT target, found); off is
  /// stop_tracking().
  void set_tracking(const tracking_options& options, tracking_endpoint redirect_to);
  void stop_tracking();
  caching_choice tracking_caching = caching_choice::unset;  // CLIENT CACHING, for the next command
  bool tracking_redirect_broken = false;  // the REDIRECT target went away (flag R, TRACKINGINFO)
  /// On this client's loop: an invalidation for keys of `tenant` (key none: every key), sent
  /// as a RESP3 push, or for a RESP2 REDIRECT target subscribed to something as a message of
  /// `__redis__:invalidate`; dropped when the client is now another user.
  void deliver_invalidation(const std::string& tenant, const std::optional<std::string>& key,
                            bool redirected);
  /// The REDIRECT target is gone: RESP3 clients are told with a `tracking-redir-broken` push.
  void deliver_redirect_broken(std::uint64_t redirect_id);

  /// For --timeout: idle means no command read and no reply owed since `last_active()`.
  [[nodiscard]] std::chrono::steady_clock::time_point last_active() const { return last_active_; }

  /// Sends what is queued, then closes (QUIT, protocol errors).
  void close_after_reply() { close_after_flush_ = true; }
  /// Killed or closing: its coroutines may still be finishing, but it is no longer a client.
  [[nodiscard]] bool closing() const { return peer_gone_ || close_after_flush_; }

  /// Set while the client is blocked (BLPOP, ...): ends the wait with a null reply, or with
  /// `error` when it is not empty (CLIENT UNBLOCK, disconnect).
  std::function<void(std::string_view error)> unblock;
  /// Keys pushed inside MULTI or a script: their waiters are woken once the transaction commits.
  std::vector<std::pair<std::string, std::string>> wakes_after_commit;
  /// Keyspace notifications of writes inside MULTI or a script: published once it commits.
  std::vector<std::pair<std::string, keyspace_notice>> notices_after_commit;  // (tenant, notice)
  std::vector<near_write> near_marks_after_commit;  // near-cache marks of EXEC's/a script's writes
  /// The transaction committed (true) or rolled back: wakes or forgets wakes_after_commit and
  /// notices_after_commit.
  void transaction_over(bool committed);
  /// The peer is gone: a blocked wait ends, taking nothing from the list.
  void on_disconnect();

  /// EXEC holds the reader until its transaction is over: nothing after it reaches PostgreSQL
  /// before, so a transaction run again after losing to a concurrent one keeps its place.
  void hold_dispatch() { dispatch_held_ = true; }
  void resume_dispatch();
  /// Commands dispatched whose replies are not complete yet.
  [[nodiscard]] std::size_t unanswered() const { return unanswered_; }
  void count_exec_retry() {
    loop_.shared.counters.exec_retries.fetch_add(1, std::memory_order_relaxed);
  }

  /// Queues a slot for one parsed command (`spec`: its table entry, nullptr when unknown) and
  /// either queues it (inside MULTI) or runs it.
  void dispatch(std::span<const std::string_view> args, const command_spec* spec);
  /// Runs one command (auth, arity, size bound, handler) with its reply going to `slot`.
  void execute(std::span<const std::string_view> args, const command_spec* spec, reply_slot& slot);
  /// A command a script runs (its slot has on_nested_reply set), on the lane the script began on
  /// (`heavy`: the side connection), whatever the transport's current command is.
  void execute_nested(std::span<const std::string_view> args, const command_spec& spec,
                      reply_slot& slot, bool heavy);
  /// The lane this client's current command runs on (caller::heavy).
  [[nodiscard]] bool on_heavy_lane() const { return heavy_lane_; }
  /// MONITOR: a line of another client's command, queued after every reply owed; a monitor that
  /// does not read is closed once its unsent bytes pass --max-pending-reply-bytes.
  void deliver_monitor_line(const std::string& line);
  /// Called when a reply is complete (deferred ones from their callback).
  void reply_ready(reply_slot& slot);
  /// One command of an EXEC, or its COMMIT, is done; the last one completes EXEC's reply.
  void exec_part_done(exec_group& group);

 protected:
  /// The oldest reply became ready: the transport should send.
  virtual void wake_writer() = 0;
  /// dispatch is no longer held: the transport may read again.
  virtual void wake_reader() = 0;
  /// A reply made up here (protocol errors, refusals) that is ready at once.
  void push_ready_reply(std::string data);

  // The size bound (admission.cpp).
  /// The -OOM error when a write must be refused at the size bound (noeviction, or nothing
  /// left to evict), else empty.
  [[nodiscard]] std::string_view out_of_memory(const command_spec& spec) const;
  /// The bytes a command may add to the stored size (its arguments), 0 when it is not a write
  /// the size bound applies to.
  [[nodiscard]] std::uint64_t bytes_it_may_store(const command_spec* spec,
                                                 std::span<const std::string_view> args) const;
  [[nodiscard]] bool at_size_bound(std::uint64_t more_bytes) const;
  /// Adds a write let through to the size estimates (see size_state::note_write); the next
  /// dispatched command carries it until its reply (note_write_answered).
  void note_write(std::uint64_t bytes);
  void note_write_answered(reply_slot& slot);

  loop_context& loop_;
  const std::uint64_t id_;
  std::string tenant_ = "default";
  bool authenticated_ = false;
  const acl_user* acl_;
  tenant_stats* stats_;
  std::chrono::steady_clock::time_point last_active_ = std::chrono::steady_clock::now();
  const std::chrono::steady_clock::time_point created_at_ = std::chrono::steady_clock::now();
  std::deque<reply_slot> slots_;
  std::size_t pending_ = 0;              // slots not yet sent
  std::size_t reply_bytes_ = 0;          // bytes of complete replies not yet sent
  std::size_t reply_size_estimate_ = 0;  // this client's recent large reply size
  bool close_after_flush_ = false;
  bool peer_gone_ = false;
  bool dispatch_held_ = false;  // an EXEC is in flight (hold_dispatch)
  // Heavy commands (heavy_commands.hpp) run on the side connection: the transport sets this
  // around their dispatch, after waiting for unanswered() to reach 0 (and waits again before the
  // next command), so they take effect in the client's order although they go another way.
  bool heavy_lane_ = false;
  bool waiting_for_answers_ = false;  // the transport sleeps until unanswered_ is 0
  // A command on the side connection failed: its statement may still be running there (a reset
  // cancels it and the side connection's next session ends that backend before anything else).
  // So this client's commands stay on the side connection until one with keys succeeds there;
  // on the pinned connection they could commit before the failed statement's backend is gone.
  bool side_lane_suspect_ = false;
  std::size_t unanswered_ = 0;
  std::size_t in_flight_arg_bytes_ = 0;  // arguments of unanswered commands (reply_slot::arg_bytes)
  std::uint64_t write_bytes_to_note_ = 0;  // note_write's bytes, for the next dispatched slot
  bool write_noted_per_user_ = false;
  // Pub/sub: subscriptions (under pubsub_tenant_, the tenant they were made as), their bytes,
  // and since when the unsent messages have been past the soft limit.
  std::set<std::string> channels_, patterns_, shard_channels_;
  std::string pubsub_tenant_;
  std::size_t subscription_bytes_ = 0;
  std::chrono::steady_clock::time_point over_soft_limit_since_{};
  tracking_options tracking_;
  bool caching_consumed_ = false;  // the command CLIENT CACHING applied to has run

 private:
  /// Before a command runs: forgets a CLIENT CACHING choice already used, and in default
  /// tracking mode remembers the keys a read-only command reads.
  void track_reads(std::span<const std::string_view> args, const command_spec& spec, bool nested);
  /// After a command's handler: whether it used up a CLIENT CACHING choice.
  void note_command_ran(const command_spec& spec, bool nested);
  std::set<std::string>& subscriptions_of(subscription_kind kind);
  /// Moves this client's count in connected_clients to the block of its current identity.
  void switch_stats();
  void record_if_slow(reply_slot& slot, std::chrono::steady_clock::duration elapsed);
  /// Publishes (or, inside a transaction, keeps for its commit) a finished write's notices.
  void notify_keyspace(reply_slot& slot, bool nested);
  /// Whether the command names a key a script running past --lua-time-limit holds (-BUSY).
  [[nodiscard]] bool touches_busy_keys(std::span<const std::string_view> args,
                                       const command_spec& spec);
  /// The error refusing a command before it runs (NOAUTH, arity, NOPERM, OOM), else empty.
  [[nodiscard]] std::string refusal(std::span<const std::string_view> args,
                                    const command_spec& spec) const;
};

}  // namespace fpc::server
