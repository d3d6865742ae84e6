// SLOWLOG: the most recent commands that took longer than --slowlog-log-slower-than, per user.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fpc::server {

/// A command's arguments as SLOWLOG shows them (Redis's limits: 32 arguments, 128 bytes each),
/// packed into one string so capturing them costs one allocation at most.
class slow_args {
 public:
  static constexpr std::size_t max_args = 32;
  static constexpr std::size_t max_arg_bytes = 128;
  void capture(std::span<const std::string_view> args);
  [[nodiscard]] std::vector<std::string> unpack() const;
  [[nodiscard]] bool empty() const { return packed_.empty(); }

 private:
  std::string packed_;  // each argument: 4-byte length, then its (shortened) text
};

struct slow_entry {
  std::uint64_t id = 0;
  std::int64_t unix_seconds = 0;
  std::int64_t micros = 0;
  std::vector<std::string> args;
  std::string client_addr;
  std::string client_name;
  std::string user;  // entries are shown only to their own user: they hold key names
};

/// Shared by every loop; slow commands are rare, so a mutex is cheap enough.
class slow_log {
 public:
  void record(slow_entry&& e, std::size_t max_len);
  /// The newest first, at most `count` (negative: all), of `user`'s entries.
  [[nodiscard]] std::vector<slow_entry> newest(std::string_view user, long long count) const;
  [[nodiscard]] std::size_t size(std::string_view user) const;
  void reset(std::string_view user);
  void trim(std::size_t max_len);

 private:
  mutable std::mutex mutex_;
  std::deque<slow_entry> entries_;  // the newest at the front
  std::uint64_t next_id_ = 0;
};

}  // namespace fpc::server
