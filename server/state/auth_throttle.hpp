// The slowdown of failed AUTH attempts, shared by every connection: per source address and per
// user, so guessing over many parallel connections costs as much time as over one.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fpc::server {

class auth_throttle {
 public:
  using clock = std::chrono::steady_clock;

  /// Records a failed AUTH of `user` from `address` (an IP, without port) and returns when its
  /// WRONGPASS may be answered: each failure waits 100 ms doubling to 2 s after the previous
  /// answer for that address and that user, so answers come one at a time. `known_user`: the
  /// name is in the user table (unknown names share one entry, so they cannot grow the table).
  [[nodiscard]] clock::time_point on_failure(std::string_view user, std::string_view address,
                                             bool known_user);
  /// A good password for `user`: its own count starts again (the address keeps its count).
  void on_success(std::string_view user);

  /// Addresses remembered at most; past it, entries idle for a minute go (then all, if need be).
  static constexpr std::size_t max_addresses = 65536;

 private:
  struct entry {
    unsigned failures = 0;
    clock::time_point not_before{};
    clock::time_point last{};
  };
  static clock::time_point bump(entry& e, clock::time_point now);
  void bound_addresses(clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, entry> by_address_;
  std::unordered_map<std::string, entry> by_user_;
};

}  // namespace fpc::server
