// Pub/sub inside one server: who is subscribed to which channel or pattern (per tenant), and the
// fan-out of a message to every local subscriber on its own loop. Messages from other servers
// arrive through the bus (storage/server_bus.hpp) and are fanned out the same way.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/server_bus.hpp"

namespace fpc::server {

class client_connection;

enum class subscription_kind { channel, pattern, shard_channel };

/// Shared by every loop, under one lock (subscribing and publishing only hold it to find the
/// subscribers; delivery is posted to each subscriber's loop). Channels are per tenant: alice's
/// `news` is not bob's, and a pattern only matches its own tenant's channels.
class pubsub_hub {
 public:
  /// False when the client was subscribed already.
  bool add(subscription_kind kind, const std::string& tenant, const std::string& name,
           client_connection& client);
  bool remove(subscription_kind kind, const std::string& tenant, const std::string& name,
              const client_connection& client);
  /// Delivers to this server's subscribers of the message's tenant; returns how many received
  /// it (a client subscribed to the channel and to a matching pattern counts twice, as Redis).
  std::size_t deliver(const storage::bus_message& message);
  /// PUBSUB CHANNELS / SHARDCHANNELS: the tenant's channels with a subscriber, optionally
  /// filtered by a glob pattern.
  [[nodiscard]] std::vector<std::string> channels(subscription_kind kind, const std::string& tenant,
                                                  std::optional<std::string_view> pattern) const;
  /// PUBSUB NUMSUB / SHARDNUMSUB for one channel.
  [[nodiscard]] std::size_t subscribers(subscription_kind kind, const std::string& tenant,
                                        const std::string& channel) const;
  /// PUBSUB NUMPAT: the tenant's distinct patterns.
  [[nodiscard]] std::size_t patterns(const std::string& tenant) const;
  /// INFO's pubsub_channels / pubsub_patterns (every tenant).
  [[nodiscard]] std::pair<std::size_t, std::size_t> totals() const;
  [[nodiscard]] std::size_t shard_channel_total() const;

 private:
  struct subscriber {
    std::uint64_t id;
    std::weak_ptr<client_connection> client;
    boost::asio::any_io_executor loop;
  };
  using tenant_name = std::pair<std::string, std::string>;
  std::map<tenant_name, std::vector<subscriber>>& table(subscription_kind kind);
  const std::map<tenant_name, std::vector<subscriber>>& table(subscription_kind kind) const {
    return const_cast<pubsub_hub*>(this)->table(kind);
  }

  mutable std::mutex mutex_;
  std::map<tenant_name, std::vector<subscriber>> channels_;
  std::map<tenant_name, std::vector<subscriber>> shard_channels_;
  std::map<tenant_name, std::vector<subscriber>> patterns_;  // (tenant, pattern)
  std::map<std::string, std::size_t> patterns_per_tenant_;
};

/// The message as a subscriber receives it: ["message", channel, payload], ["pmessage",
/// pattern, channel, payload] or ["smessage", channel, payload], a push in RESP3.
[[nodiscard]] std::string format_message(const storage::bus_message& message,
                                         const std::string* pattern, int protocol);

}  // namespace fpc::server
