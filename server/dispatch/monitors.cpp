// MONITOR's feed: formatting as Redis does, delivery to each monitor on its own loop.
#include "server/dispatch/monitors.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "resp/numbers.hpp"
#include "server/dispatch/client_connection.hpp"

namespace fpc::server {
namespace {

void append_quoted(std::string& out, std::string_view arg) {
  out.push_back('"');
  for (const char ch : arg) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out.push_back(ch);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        }
    }
  }
  out.push_back('"');
}

}  // namespace

std::string monitor_line(double unix_seconds, std::string_view address,
                         std::span<const std::string_view> args) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%.6f", unix_seconds);
  std::string line = stamp;
  line += " [0 ";
  line += address;
  line += "]";
  const bool auth = !args.empty() && resp::iequals(args[0], "auth");
  const bool hello = !args.empty() && resp::iequals(args[0], "hello");
  bool redacting = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    line.push_back(' ');
    // HELLO's username and password follow its AUTH token; everything after AUTH is secret.
    if ((auth && i > 0) || redacting) {
      line += "\"(redacted)\"";
      continue;
    }
    append_quoted(line, args[i]);
    if (hello && i > 0 && resp::iequals(args[i], "auth")) redacting = true;
  }
  return line;
}

void monitors::add(const std::shared_ptr<client_connection>& client,
                   boost::asio::any_io_executor loop) {
  std::lock_guard lock(mutex_);
  watchers_.push_back(watcher{client, std::move(loop)});
  count_.store(watchers_.size(), std::memory_order_relaxed);
}

void monitors::feed(client_connection& from, std::span<const std::string_view> args) {
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  auto line = std::make_shared<const std::string>("+" + monitor_line(now, from.peer_address(), args) +
                                                  "\r\n");
  std::lock_guard lock(mutex_);
  std::erase_if(watchers_, [](const watcher& w) { return w.client.expired(); });
  count_.store(watchers_.size(), std::memory_order_relaxed);
  for (const auto& w : watchers_) {
    boost::asio::post(w.loop, [client = w.client, line] {
      auto monitor = client.lock();
      if (monitor) monitor->deliver_monitor_line(*line);
    });
  }
}

}  // namespace fpc::server
