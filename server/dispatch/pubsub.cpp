// pubsub_hub: the subscriber tables and the fan-out to each subscriber's loop.
#include "server/dispatch/pubsub.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "resp/writer.hpp"
#include "server/dispatch/client_connection.hpp"
#include "server/state/glob.hpp"

namespace fpc::server {

std::map<pubsub_hub::tenant_name, std::vector<pubsub_hub::subscriber>>& pubsub_hub::table(
    subscription_kind kind) {
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

bool pubsub_hub::add(subscription_kind kind, const std::string& tenant, const std::string& name,
                     client_connection& client) {
  std::lock_guard guard(mutex_);
  auto& list = table(kind)[{tenant, name}];
  for (const auto& s : list) {
    if (s.id == client.id()) return false;
  }
  if (kind == subscription_kind::pattern && list.empty()) ++patterns_per_tenant_[tenant];
  list.push_back(subscriber{client.id(), client.weak_from_this(), client.executor()});
  return true;
}

bool pubsub_hub::remove(subscription_kind kind, const std::string& tenant, const std::string& name,
                        const client_connection& client) {
  std::lock_guard guard(mutex_);
  auto& map = table(kind);
  const auto it = map.find({tenant, name});
  if (it == map.end()) return false;
  auto& list = it->second;
  const auto before = list.size();
  std::erase_if(list, [&](const subscriber& s) { return s.id == client.id(); });
  const bool removed = list.size() != before;
  if (list.empty()) {
    map.erase(it);
    if (kind == subscription_kind::pattern && --patterns_per_tenant_[tenant] == 0) {
      patterns_per_tenant_.erase(tenant);
    }
  }
  return removed;
}

std::size_t pubsub_hub::deliver(const storage::bus_message& message) {
  struct target {
    subscriber to;
    std::shared_ptr<const std::string> pattern;
  };
  std::vector<target> targets;
  {
    std::lock_guard guard(mutex_);
    auto& exact = message.sharded ? shard_channels_ : channels_;
    if (const auto it = exact.find({message.tenant, message.channel}); it != exact.end()) {
      for (const auto& s : it->second) targets.push_back({s, nullptr});
    }
    if (!message.sharded && patterns_per_tenant_.contains(message.tenant)) {
      // The tenant's patterns are adjacent in the map: (tenant, "") is where they start.
      for (auto it = patterns_.lower_bound({message.tenant, ""});
           it != patterns_.end() && it->first.first == message.tenant; ++it) {
        if (!glob_match(it->first.second, message.channel)) continue;
        auto pattern = std::make_shared<const std::string>(it->first.second);
        for (const auto& s : it->second) targets.push_back({s, pattern});
      }
    }
  }
  if (targets.empty()) return 0;
  auto shared = std::make_shared<const storage::bus_message>(message);
  for (auto& t : targets) {
    boost::asio::post(t.to.loop,
                      [client = std::move(t.to.client), shared, pattern = std::move(t.pattern)] {
                        if (auto c = client.lock()) c->deliver_message(*shared, pattern.get());
                      });
  }
  return targets.size();
}

std::vector<std::string> pubsub_hub::channels(subscription_kind kind, const std::string& tenant,
                                              std::optional<std::string_view> pattern) const {
  std::lock_guard guard(mutex_);
  std::vector<std::string> out;
  auto& map = table(kind);
  for (auto it = map.lower_bound({tenant, ""}); it != map.end() && it->first.first == tenant;
       ++it) {
    if (!pattern || glob_match(*pattern, it->first.second)) out.push_back(it->first.second);
  }
  return out;
}

std::size_t pubsub_hub::subscribers(subscription_kind kind, const std::string& tenant,
                                    const std::string& channel) const {
  std::lock_guard guard(mutex_);
  auto& map = table(kind);
  const auto it = map.find({tenant, channel});
  return it == map.end() ? 0 : it->second.size();
}

std::size_t pubsub_hub::patterns(const std::string& tenant) const {
  std::lock_guard guard(mutex_);
  const auto it = patterns_per_tenant_.find(tenant);
  return it == patterns_per_tenant_.end() ? 0 : it->second;
}

std::pair<std::size_t, std::size_t> pubsub_hub::totals() const {
  std::lock_guard guard(mutex_);
  return {channels_.size(), patterns_.size()};
}

std::size_t pubsub_hub::shard_channel_total() const {
  std::lock_guard guard(mutex_);
  return shard_channels_.size();
}

std::string format_message(const storage::bus_message& message, const std::string* pattern,
                           int protocol) {
  std::string out;
  resp::reply_writer w(out, protocol);
  if (pattern != nullptr) {
    w.push(4);
    w.bulk("pmessage");
    w.bulk(*pattern);
  } else {
    w.push(3);
    w.bulk(message.sharded ? "smessage" : "message");
  }
  w.bulk(message.channel);
  w.bulk(message.payload);
  return out;
}

}  // namespace fpc::server
