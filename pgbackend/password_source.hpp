// The current PostgreSQL password for new connections: from a file (read at each connection
// attempt, so a rotated Kubernetes secret is picked up) or a command (run in the background every
// refresh interval, and at once after PostgreSQL rejects a login). The secret is never logged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace fpc::pg {

class password_source {
 public:
  /// Reads FILE at each call of current().
  static std::shared_ptr<password_source> from_file(std::string path);
  /// Runs CMD (via /bin/sh -c) now, then every `refresh`; throws if the first run fails.
  static std::shared_ptr<password_source> from_command(std::string command,
                                                       std::chrono::seconds refresh);

  ~password_source();
  password_source(const password_source&) = delete;
  password_source& operator=(const password_source&) = delete;

  /// The newest password; nothing if none could be obtained.
  [[nodiscard]] std::optional<std::string> current();

  /// PostgreSQL refused a password: fetch a new one soon (command mode; file mode re-reads anyway).
  void refresh_now();

 private:
  password_source() = default;
  void run_refresher();
  bool fetch();  // runs the command; true when it produced a password

  std::string path_;
  std::string command_;
  std::chrono::seconds refresh_{300};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::string secret_;
  bool have_secret_ = false;
  bool refresh_requested_ = false;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace fpc::pg
