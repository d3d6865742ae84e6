// The wake-up channel between FastPgCache servers on one database: LISTEN/NOTIFY on a
// connection of its own, with announcements batched into one NOTIFY statement.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <libpq-fe.h>

#include "storage/key_wakeups.hpp"

namespace fpc::pg {

class password_source;

/// One thread, one PostgreSQL connection: it LISTENs on the table's wake channel, sends what
/// announce() gathered as one `SELECT pg_notify(...)` per batch (a transaction of its own, so
/// the commit-time lock NOTIFY takes never sits on a client's write), and hands what other
/// servers announced to the listener. A lost connection is reconnected with backoff, and the
/// listener is told that wake-ups may have been lost (every blocked client looks again).
class pg_wakeups final : public storage::key_wakeups {
 public:
  pg_wakeups(std::string conninfo, std::shared_ptr<password_source> password,
             const std::string& schema, const std::string& table);
  ~pg_wakeups() override;
  pg_wakeups(const pg_wakeups&) = delete;
  pg_wakeups& operator=(const pg_wakeups&) = delete;

  void start(key_listener on_key, std::function<void()> on_lost) override;
  void stop() override;
  void announce(std::string_view tenant, std::string_view key) override;

  /// The NOTIFY channel of a cache table (short: a hash of schema and table).
  [[nodiscard]] static std::string channel_for(const std::string& schema,
                                               const std::string& table);

 private:
  void run();
  bool connect();
  void send_batch(std::set<std::pair<std::string, std::string>> batch);
  void read_notifications();
  void disconnect(const std::string& why);

  const std::string conninfo_;
  std::shared_ptr<password_source> password_;
  const std::string channel_;
  const std::string origin_;  // this server's id in payloads: its own wake-ups are not read back
  key_listener on_key_;
  std::function<void()> on_lost_;

  std::mutex lock_;
  std::condition_variable pending_changed_;
  std::set<std::pair<std::string, std::string>> pending_;  // (tenant, key), under lock_
  bool stopping_ = false;                                  // under lock_
  int wake_pipe_[2] = {-1, -1};  // announce() writes a byte: the thread's poll() returns

  struct conn_closer {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, conn_closer> conn_;
  bool ever_connected_ = false;
  std::thread thread_;
};

}  // namespace fpc::pg
