// MONITOR: the clients that receive every command the server runs, and the feeding of them.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fpc::server {

class client_connection;

/// Shared by every loop. MONITOR needs @admin (it shows every tenant's commands), so a tenant
/// never sees another's; a monitor that does not read is closed once its unsent lines pass
/// --max-pending-reply-bytes.
class monitors {
 public:
  void add(const std::shared_ptr<client_connection>& client, boost::asio::any_io_executor loop);
  /// Cheap enough for every command: true while some client is monitoring.
  [[nodiscard]] bool any() const { return count_.load(std::memory_order_relaxed) > 0; }
  /// Sends Redis's MONITOR line for `args`, run by `from`, to every monitor (on its own loop).
  void feed(client_connection& from, std::span<const std::string_view> args);

 private:
  struct watcher {
    std::weak_ptr<client_connection> client;
    boost::asio::any_io_executor loop;
  };
  std::mutex mutex_;
  std::vector<watcher> watchers_;
  std::atomic<std::size_t> count_{0};
};

/// Redis's MONITOR line, without the leading '+' and the CRLF: `1339518083.107412 [0 addr] "get"
/// "k"`, arguments quoted as sdscatrepr does; AUTH's and HELLO's secrets read "(redacted)".
[[nodiscard]] std::string monitor_line(double unix_seconds, std::string_view address,
                                       std::span<const std::string_view> args);

}  // namespace fpc::server
