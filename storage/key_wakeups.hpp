// The storage seam's wake-up channel between servers on one database: a push through any server
// wakes the clients blocked on that list on every other.
#pragma once

#include <functional>
#include <string_view>

namespace fpc::storage {

class key_wakeups {
 public:
  using key_listener = std::function<void(std::string_view tenant, std::string_view key)>;
  virtual ~key_wakeups() = default;
  /// `on_key`: another server announced (tenant, key); `on_lost`: wake-ups may have been lost
  /// (the channel reconnected), so every blocked client should look again. Both are called on
  /// the channel's own thread.
  virtual void start(key_listener on_key, std::function<void()> on_lost) = 0;
  virtual void stop() = 0;
  /// A push committed on (tenant, key). Any thread; batched, never on the pushing statement.
  virtual void announce(std::string_view tenant, std::string_view key) = 0;
};

}  // namespace fpc::storage
