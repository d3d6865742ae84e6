// RESP3 client-side caching (CLIENT TRACKING): the table of tracked keys and clients, and posting
// invalidation messages to the clients' own loops.
#include "server/dispatch/tracking.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "server/dispatch/client_connection.hpp"

namespace fpc::server {
namespace {

// BCAST with no PREFIX is kept as the prefix "" (as Redis shows it), which every key matches.
bool matches_a_prefix(const std::vector<std::string>& prefixes, std::string_view key) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [key](const std::string& p) { return key.starts_with(p); });
}

}  // namespace

void tracking_table::note_connected(const std::shared_ptr<client_connection>& client) {
  std::lock_guard guard(directory_mutex_);
  directory_[client->id()] = tracking_endpoint{client, client->loop().executor};
}

void tracking_table::note_gone(std::uint64_t id) {
  std::lock_guard guard(directory_mutex_);
  directory_.erase(id);
}

std::optional<tracking_endpoint> tracking_table::find_client(std::uint64_t id) const {
  std::lock_guard guard(directory_mutex_);
  auto it = directory_.find(id);
  if (it == directory_.end()) return std::nullopt;
  return it->second;
}

void tracking_table::enable(const std::shared_ptr<client_connection>& client,
                            std::string_view tenant, const tracking_options& options,
                            tracking_endpoint redirect_to) {
  const std::uint64_t id = client->id();
  std::lock_guard guard(mutex_);
  auto [it, inserted] = clients_.try_emplace(id);
  tracked_client& c = it->second;
  c.tenant.assign(tenant);
  c.options = options;
  c.self = tracking_endpoint{client, client->loop().executor};
  c.redirect_to = std::move(redirect_to);
  if (options.bcast) {
    auto& ids = bcast_by_tenant_[c.tenant];
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  update_active();
}

void tracking_table::disable(std::uint64_t id) {
  std::lock_guard guard(mutex_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  if (it->second.options.bcast) {
    auto b = bcast_by_tenant_.find(it->second.tenant);
    if (b != bcast_by_tenant_.end()) {
      std::erase(b->second, id);
      if (b->second.empty()) bcast_by_tenant_.erase(b);
    }
  }
  // Keys it read stay until written or pushed out by the bound (as in Redis): messages for an
  // id that no longer tracks are not sent.
  clients_.erase(it);
  update_active();
}

void tracking_table::update_active() {
  active_.store(!clients_.empty() || key_count_ > 0, std::memory_order_release);
}

void tracking_table::remember(std::string_view tenant, std::uint64_t id,
                              std::span<const std::string_view> keys) {
  if (keys.empty()) return;
  std::vector<delivery> out;
  {
    std::lock_guard guard(mutex_);
    tenant_keys& mine = keys_[std::string(tenant)];
    for (const auto key : keys) {
      auto [it, inserted] = mine.readers.try_emplace(std::string(key));
      if (inserted) {
        ++key_count_;
        mine.order.push_back(it->first);
      }
      auto& ids = it->second;
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(id);
        ++item_count_;
      }
    }
    // Forgotten keys still named in `order`: rebuilt before it outgrows the live keys by much.
    if (mine.order.size() > 2 * mine.readers.size() + 1024) {
      std::deque<std::string> live;
      for (const auto& name : mine.order) {
        if (mine.readers.contains(name)) live.push_back(name);
      }
      mine.order = std::move(live);
    }
    enforce_bound(out);
    update_active();
  }
  send(out);
}

void tracking_table::enforce_bound(std::vector<delivery>& out) {
  while (max_keys_ > 0 && key_count_ > max_keys_) {
    auto largest = std::max_element(keys_.begin(), keys_.end(), [](const auto& a, const auto& b) {
      return a.second.readers.size() < b.second.readers.size();
    });
    if (largest == keys_.end() || largest->second.readers.empty()) return;
    tenant_keys& victim = largest->second;
    while (!victim.order.empty()) {
      std::string name = std::move(victim.order.front());
      victim.order.pop_front();
      if (victim.readers.contains(name)) {
        take_readers(victim, largest->first, name, 0, out);
        break;
      }
    }
  }
}

void tracking_table::add_delivery(std::vector<delivery>& out, const tracked_client& c,
                                  std::optional<std::string> key) const {
  delivery d{c.self, std::nullopt, c.options.redirect, c.tenant, std::move(key)};
  if (c.options.redirect != 0) d.redirect_to = c.redirect_to;
  out.push_back(std::move(d));
}

void tracking_table::take_readers(tenant_keys& keys, const std::string& tenant,
                                  const std::string& key, std::uint64_t writer,
                                  std::vector<delivery>& out) {
  auto it = keys.readers.find(key);
  if (it == keys.readers.end()) return;
  const std::vector<std::uint64_t> ids = std::move(it->second);
  keys.readers.erase(it);
  --key_count_;
  item_count_ -= ids.size();
  for (const std::uint64_t id : ids) {
    auto c = clients_.find(id);
    if (c == clients_.end() || c->second.options.bcast || c->second.tenant != tenant) continue;
    if (c->second.options.noloop && id == writer) continue;
    add_delivery(out, c->second, key);
  }
}

void tracking_table::invalidate(std::string_view tenant, std::string_view key,
                                std::uint64_t writer) {
  if (!active()) return;
  std::vector<delivery> out;
  {
    std::lock_guard guard(mutex_);
    const std::string tenant_name(tenant);
    const std::string key_name(key);
    if (auto t = keys_.find(tenant_name); t != keys_.end()) {
      take_readers(t->second, tenant_name, key_name, writer, out);
    }
    if (auto b = bcast_by_tenant_.find(tenant_name); b != bcast_by_tenant_.end()) {
      for (const std::uint64_t id : b->second) {
        const tracked_client& c = clients_.at(id);
        if (c.options.noloop && id == writer) continue;
        if (matches_a_prefix(c.options.prefixes, key)) add_delivery(out, c, key_name);
      }
    }
    update_active();
  }
  send(out);
}

void tracking_table::invalidate_all(std::string_view tenant) {
  if (!active()) return;
  std::vector<delivery> out;
  {
    std::lock_guard guard(mutex_);
    for (auto t = keys_.begin(); t != keys_.end();) {
      if (!tenant.empty() && t->first != tenant) {
        ++t;
        continue;
      }
      key_count_ -= t->second.readers.size();
      for (const auto& [name, ids] : t->second.readers) item_count_ -= ids.size();
      t = keys_.erase(t);
    }
    // As Redis on FLUSHALL: every tracking client, NOLOOP or not, BCAST or not.
    for (const auto& [id, c] : clients_) {
      if (tenant.empty() || c.tenant == tenant) add_delivery(out, c, std::nullopt);
    }
    update_active();
  }
  send(out);
}

void tracking_table::set_max_keys(std::size_t max_keys) {
  std::vector<delivery> out;
  {
    std::lock_guard guard(mutex_);
    max_keys_ = max_keys;
    enforce_bound(out);
    update_active();
  }
  send(out);
}

tracking_table::totals tracking_table::count() const {
  std::lock_guard guard(mutex_);
  totals t{clients_.size(), key_count_, item_count_, 0};
  for (const auto& [id, c] : clients_) {
    if (c.options.bcast) t.prefixes += c.options.prefixes.size();
  }
  return t;
}

void tracking_table::send(std::vector<delivery>& deliveries) {
  for (auto& d : deliveries) {
    if (!d.redirect_to) {
      boost::asio::post(d.tracker.loop, [client = d.tracker.client, tenant = std::move(d.tenant),
                                         key = std::move(d.key)] {
        if (auto c = client.lock()) c->deliver_invalidation(tenant, key, false);
      });
      continue;
    }
    // The redirect target may be gone: then the tracker is told (RESP3), as Redis does.
    // A target logged in as another user since counts as gone: no key names cross tenants.
    boost::asio::post(d.redirect_to->loop, [target = d.redirect_to->client, tracker = d.tracker,
                                            id = d.redirect_id, tenant = std::move(d.tenant),
                                            key = std::move(d.key)] {
      if (auto c = target.lock(); c && !c->closing() && c->authenticated() &&
                                  c->username() == tenant) {
        c->deliver_invalidation(tenant, key, true);
        return;
      }
      boost::asio::post(tracker.loop, [client = tracker.client, id] {
        if (auto c = client.lock()) c->deliver_redirect_broken(id);
      });
    });
  }
}

}  // namespace fpc::server
