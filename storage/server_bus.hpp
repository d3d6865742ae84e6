// The storage seam's bus between the FastPgCache servers on one database: list wake-ups (a push
// through any server wakes the clients blocked on that list on every other), pub/sub messages and
// near-cache invalidations.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "storage/latency_histogram.hpp"

namespace fpc::storage {

/// A PUBLISH (or SPUBLISH, or a keyspace notification) on one tenant's channel.
struct bus_message {
  std::string tenant;
  std::string channel;
  std::string payload;
  bool sharded = false;  // SPUBLISH: only SSUBSCRIBE clients receive it
};

class server_bus {
 public:
  struct listeners {
    /// Another server announced a push on (tenant, key).
    std::function<void(std::string_view tenant, std::string_view key)> on_key;
    /// Another server published a message.
    std::function<void(const bus_message&)> on_message;
    /// The bus reconnected: wake-ups and messages may have been lost meanwhile (every blocked
    /// client should look again).
    std::function<void()> on_lost;
    /// Another server wrote (tenant, key); key empty: any key of the tenant; both empty: any key.
    std::function<void(std::string_view tenant, std::string_view key)> on_invalidate;
    /// The bus started (true) or stopped (false) hearing the other servers; while it does not,
    /// invalidations may be lost.
    std::function<void(bool listening)> on_listening;
  };
  virtual ~server_bus() = default;
  /// Starts the bus; the listeners are called on the bus's own thread.
  virtual void start(listeners to) = 0;
  virtual void stop() = 0;
  /// A push committed on (tenant, key). Any thread; batched, never on the pushing statement.
  virtual void announce(std::string_view tenant, std::string_view key) = 0;
  /// A write on (tenant, key) committed (key empty: any key of the tenant). Any thread; batched,
  /// deduplicated within a round, never on the writing statement.
  virtual void invalidate(std::string_view tenant, std::string_view key) = 0;
  /// Sends a message to the other servers. Any thread; batched, in the order of the calls.
  virtual void publish(bus_message message) = 0;
  /// Times the bus reconnected (INFO's pubsub_bus_reconnects), and messages it dropped because
  /// its queue was full (PostgreSQL slower than the publishers) or a stored body was gone.
  [[nodiscard]] virtual std::uint64_t reconnects() const = 0;
  [[nodiscard]] virtual std::uint64_t dropped_messages() const = 0;
  /// How long items waited from being queued until their notification came back through
  /// PostgreSQL to this server's own LISTEN (when the other servers receive it too): the lag of
  /// invalidations, wake-ups and messages between servers.
  [[nodiscard]] virtual const latency_histogram& delivery_lag() const = 0;
};

}  // namespace fpc::storage
