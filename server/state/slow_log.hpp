// SLOWLOG: the most recent commands that took longer than --slowlog-log-slower-than, per user.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
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
  std::string user;  // entries are shown only to their own user (and operators): they hold keys
  std::uint64_t arrival = 0;  // across users, for the operator's merged view
};

/// Shared by every loop; slow commands are rare, so a mutex is cheap enough. One ring per user,
/// each holding up to slowlog-max-len entries with its own ids: one tenant's slow commands never
/// push out another's, and its ids do not count the others' commands. The users come from the
/// ACL file, so the number of rings is bounded.
class slow_log {
 public:
  /// Whose entries a call reads or clears: one user's, or (nullopt, for operators) everyone's.
  using scope = std::optional<std::string_view>;

  void record(slow_entry&& e, std::size_t max_len);
  /// The newest first, at most `count` (negative: all).
  [[nodiscard]] std::vector<slow_entry> newest(scope who, long long count) const;
  [[nodiscard]] std::size_t size(scope who) const;
  void reset(scope who);
  void trim(std::size_t max_len);

 private:
  struct ring {
    std::deque<slow_entry> entries;  // the newest at the front
    std::uint64_t next_id = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, ring, std::less<>> rings_;
  std::uint64_t arrivals_ = 0;  // orders entries of different users in an operator's view
};

}  // namespace fpc::server
