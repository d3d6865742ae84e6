// A client's pub/sub side: its subscriptions (mirrored in the server's hub) and the delivery of
// messages under Redis's pub/sub output-buffer limits.
#include <spdlog/spdlog.h>

#include "server/dispatch/client_connection.hpp"

namespace fpc::server {
namespace {

// What one subscription costs the client and the hub beyond its name (set and hub entries).
constexpr std::size_t subscription_overhead = 160;

}  // namespace

std::set<std::string>& client_connection::subscriptions_of(subscription_kind kind) {
  switch (kind) {
    case subscription_kind::channel:
      return channels_;
    case subscription_kind::pattern:
      return patterns_;
    case subscription_kind::shard_channel:
      break;
  }
  return shard_channels_;
}

const std::set<std::string>& client_connection::subscriptions(subscription_kind kind) const {
  return const_cast<client_connection*>(this)->subscriptions_of(kind);
}

bool client_connection::subscribe(subscription_kind kind, const std::string& channel) {
  auto& mine = subscriptions_of(kind);
  if (mine.contains(channel)) return false;
  if (subscription_count() + shard_subscription_count() >= max_subscriptions) return false;
  if (!in_subscribed_mode()) pubsub_tenant_ = tenant_;
  mine.insert(channel);
  subscription_bytes_ += channel.size() + subscription_overhead;
  loop_.shared.pubsub.add(kind, pubsub_tenant_, channel, *this);
  return true;
}

bool client_connection::unsubscribe(subscription_kind kind, const std::string& channel) {
  auto& mine = subscriptions_of(kind);
  if (mine.erase(channel) == 0) return false;
  subscription_bytes_ -= std::min(subscription_bytes_, channel.size() + subscription_overhead);
  loop_.shared.pubsub.remove(kind, pubsub_tenant_, channel, *this);
  return true;
}

void client_connection::leave_pubsub() {
  if (!in_subscribed_mode()) return;
  for (auto kind :
       {subscription_kind::channel, subscription_kind::pattern, subscription_kind::shard_channel}) {
    auto& mine = subscriptions_of(kind);
    for (const auto& channel : mine) loop_.shared.pubsub.remove(kind, pubsub_tenant_, channel, *this);
    mine.clear();
  }
  subscription_bytes_ = 0;
}

void client_connection::deliver_message(const storage::bus_message& message,
                                        const std::string* pattern) {
  if (closing()) return;
  queue_push(format_message(message, pattern, protocol));
}

void client_connection::queue_push(std::string data) {
  if (closing()) return;
  // Each queued message is a slot of its own: its bookkeeping counts against the limits too.
  const std::uint64_t held = reply_bytes_ + data.size() + (pending_ + 1) * sizeof(reply_slot);
  auto& live = loop_.shared.live;
  const std::uint64_t hard = live.pubsub_hard_limit.load(std::memory_order_relaxed);
  const std::uint64_t soft = live.pubsub_soft_limit.load(std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  bool over = hard > 0 && held > hard;
  if (!over && soft > 0 && held > soft) {
    if (over_soft_limit_since_ == std::chrono::steady_clock::time_point{}) {
      over_soft_limit_since_ = now;
    } else if (now - over_soft_limit_since_ >=
               std::chrono::seconds(live.pubsub_soft_seconds.load(std::memory_order_relaxed))) {
      over = true;
    }
  } else if (held <= soft) {
    over_soft_limit_since_ = {};
  }
  if (over) {
    loop_.shared.counters.pubsub_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "closing client {} ({}) for overcoming of output buffer limits: it holds {} "
        "bytes of pub/sub or invalidation messages it does not read",
        id_, peer_address(), held);
    kill();
    return;
  }
  push_ready_reply(std::move(data));
  wake_writer();
}

}  // namespace fpc::server
