// The bus between FastPgCache servers on one database: LISTEN/NOTIFY on a connection of its own,
// carrying list wake-ups and pub/sub messages, batched into one NOTIFY statement per round.
#pragma once

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "pgbackend/bus_payloads.hpp"
#include "storage/server_bus.hpp"

namespace fpc::pg {

class password_source;

/// One thread, one PostgreSQL connection: it LISTENs on the table's bus channel, sends what
/// announce() and publish() gathered as one `SELECT pg_notify(...)` per round (a transaction of
/// its own, so the commit-time lock NOTIFY takes never sits on a client's write), and hands what
/// other servers sent to the listeners. Messages too big for NOTIFY go through the UNLOGGED side
/// table `<table>_messages` (the notification carries the row id; rows are deleted after a
/// minute). A lost connection is reconnected with backoff, and the listeners are told that
/// wake-ups, messages and invalidations may have been lost; the first round after a reconnect
/// tells the other servers to drop their near caches (this server's invalidations may have been
/// lost with the connection).
class pg_bus final : public storage::server_bus {
 public:
  pg_bus(std::string conninfo, std::shared_ptr<password_source> password, const std::string& schema,
         const std::string& table);
  ~pg_bus() override;
  pg_bus(const pg_bus&) = delete;
  pg_bus& operator=(const pg_bus&) = delete;

  /// Starts the thread and waits (at most 10 s) for its first connection attempt: a server
  /// whose LISTEN is not up yet would miss what other servers publish to its first subscribers.
  void start(listeners to) override;
  void stop() override;
  void announce(std::string_view tenant, std::string_view key) override;
  void publish(storage::bus_message message) override;
  void invalidate(std::string_view tenant, std::string_view key) override;
  [[nodiscard]] std::uint64_t reconnects() const override { return reconnects_.load(); }
  [[nodiscard]] std::uint64_t dropped_messages() const override { return dropped_.load(); }
  [[nodiscard]] const storage::latency_histogram& delivery_lag() const override { return lag_; }

  /// The NOTIFY channel of a cache table (short: a hash of schema and table).
  [[nodiscard]] static std::string channel_for(const std::string& schema, const std::string& table);
  /// Messages queued for the other servers past this many bytes are dropped (and counted).
  static constexpr std::size_t max_queued_bytes = 64u << 20;

 private:
  void run();
  bool connect();
  void send_round();
  void read_notifications();
  void deliver(const bus_item& item);
  void delete_old_messages();
  void disconnect(const std::string& why);
  void wake_thread();
  /// Queues `item` once per round (by tenant and name, counted in `seen`); past `bound` distinct
  /// ones, one item of kind `overflow` stands for all the rest.
  void queue_once(std::set<std::pair<std::string, std::string>>& seen, std::size_t bound,
                  bus_item item, bus_item::kind overflow);

  const std::string conninfo_;
  std::shared_ptr<password_source> password_;
  const std::string channel_;
  const std::string messages_table_;  // "schema"."table_messages"
  const std::string origin_;  // this server's id in payloads: its own items are not read back
  std::uint64_t sequence_ = 0;
  listeners to_;

  std::mutex lock_;
  // Under lock_: what the next round sends, in order (wake-ups once per key).
  std::vector<bus_item> pending_;
  std::set<std::pair<std::string, std::string>> pending_wakes_;
  std::set<std::pair<std::string, std::string>> pending_invalidations_;
  std::size_t pending_bytes_ = 0;
  bool stopping_ = false;
  bool first_attempt_done_ = false;  // start() waits for it: see start()
  std::condition_variable first_attempt_;
  int wake_pipe_[2] = {-1, -1};  // announce()/publish() write a byte: the thread's poll() returns

  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> dropped_{0};
  // The lag: when the oldest item of the round being gathered was queued (under lock_), and per
  // round sent, its last payload's sequence and that time, until the payload comes back.
  std::chrono::steady_clock::time_point oldest_pending_at_{};
  std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> awaiting_echo_;
  storage::latency_histogram lag_;
  void note_echo(std::string_view payload);

  struct conn_closer {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, conn_closer> conn_;
  bool ever_connected_ = false;
  bool listening_ = false;  // LISTEN is up: what the others send reaches the listeners
  std::thread thread_;
};

}  // namespace fpc::pg
