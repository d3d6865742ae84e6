// The near cache: sharded LRU entries, per-key and per-tenant write marks and invalidation epochs.
#include "server/state/near_cache.hpp"

#include <functional>
#include <map>

namespace fpc::server {
namespace {
constexpr std::size_t shard_count = 16;

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string full_key_of(std::string_view tenant, std::string_view key) {
  std::string full;
  full.reserve(tenant.size() + 1 + key.size());
  full.append(tenant).push_back('\0');
  full.append(key);
  return full;
}

// The same in a buffer of the calling thread, for lookups (a hit allocates nothing).
std::string_view scratch_key_of(std::string_view tenant, std::string_view key) {
  thread_local std::string full;
  full.assign(tenant).push_back('\0');
  full.append(key);
  return full;
}
}  // namespace

struct near_cache::shard {
  struct tenant_state {
    std::uint64_t epoch = 0;
    int writers = 0;
  };
  struct entry {
    std::string full_key;  // tenant '\0' key
    std::string value;
    std::optional<clock::time_point> expires_at;
    std::uint64_t tenant_epoch;
    std::uint64_t cache_epoch;
    const tenant_state* tenant;  // in `tenants`, whose nodes live as long as the shard
    [[nodiscard]] std::size_t cost() const {
      return full_key.size() + value.size() + entry_overhead;
    }
  };
  /// Kept only while the key has a fill or a write in flight.
  struct key_state {
    std::uint64_t epoch = 0;  // bumped by every invalidation: voids the fills opened before
    int writers = 0;
    int fills = 0;
  };

  std::mutex lock;
  std::list<entry> lru;  // most recently used first
  std::unordered_map<std::string_view, std::list<entry>::iterator> index;  // views full_key
  std::unordered_map<std::string, key_state, string_hash, std::equal_to<>> keys;
  std::map<std::string, tenant_state, std::less<>> tenants;
  std::size_t bytes = 0;
  std::size_t capacity = 0;
  std::uint64_t cache_epoch = 0;

  tenant_state& tenant(std::string_view name) {
    auto it = tenants.find(name);
    if (it == tenants.end()) it = tenants.emplace(std::string(name), tenant_state{}).first;
    return it->second;
  }
  key_state& key(std::string_view full) {
    auto it = keys.find(full);
    if (it == keys.end()) it = keys.emplace(std::string(full), key_state{}).first;
    return it->second;
  }
  void forget_if_idle(std::string_view full) {
    auto it = keys.find(full);
    if (it != keys.end() && it->second.writers == 0 && it->second.fills == 0) keys.erase(it);
  }
  bool erase(std::string_view full) {
    auto it = index.find(full);
    if (it == index.end()) return false;
    bytes -= it->second->cost();
    auto node = it->second;
    index.erase(it);
    lru.erase(node);
    return true;
  }
  bool live(const entry& e, clock::time_point now) {
    if (e.cache_epoch != cache_epoch) return false;
    if (e.tenant->writers > 0 || e.tenant->epoch != e.tenant_epoch) return false;
    return !e.expires_at || now < *e.expires_at;
  }
  void clear() {
    index.clear();
    lru.clear();
    bytes = 0;
    ++cache_epoch;
  }
};

near_cache::near_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {
  if (max_bytes_ == 0) return;
  for (std::size_t i = 0; i < shard_count; ++i) {
    shards_.push_back(std::make_unique<shard>());
    shards_.back()->capacity = max_bytes_ / shard_count;
  }
}

near_cache::~near_cache() = default;

near_cache::shard& near_cache::shard_for(std::string_view full_key) {
  return *shards_[std::hash<std::string_view>{}(full_key) % shards_.size()];
}

void near_cache::set_enabled(bool enabled) {
  if (!on()) return;
  // Emptied on both edges: what was held may have been written while no invalidation could
  // arrive, and a fill opened before going down must not land after coming back.
  clear();
  enabled_.store(enabled, std::memory_order_release);
}

std::optional<std::string> near_cache::find(std::string_view tenant, std::string_view key,
                                            clock::time_point now) {
  std::optional<std::string> copy;
  serve(tenant, key, now, [&](std::string_view value) { copy.emplace(value); });
  return copy;
}

bool near_cache::serve(std::string_view tenant, std::string_view key, clock::time_point now,
                       const std::function<void(std::string_view)>& use) {
  if (!on() || !enabled_.load(std::memory_order_acquire)) return false;
  const std::string_view full = scratch_key_of(tenant, key);
  shard& s = shard_for(full);
  std::lock_guard guard(s.lock);
  auto it = s.index.find(full);
  if (it == s.index.end()) {
    counters_.misses.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const bool being_written = [&] {
    if (s.keys.empty()) return false;  // no write or fill in flight in this shard
    auto k = s.keys.find(full);
    return k != s.keys.end() && k->second.writers > 0;
  }();
  if (being_written || !s.live(*it->second, now)) {
    s.erase(full);
    counters_.misses.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  counters_.hits.fetch_add(1, std::memory_order_relaxed);
  use(it->second->value);
  return true;
}

near_cache::fill_ticket near_cache::begin_fill(std::string_view tenant, std::string_view key) {
  if (!on() || !enabled_.load(std::memory_order_acquire)) return {};
  const std::string full = full_key_of(tenant, key);
  shard& s = shard_for(full);
  std::lock_guard guard(s.lock);
  const shard::tenant_state& t = s.tenant(tenant);
  if (t.writers > 0) return {};
  shard::key_state& k = s.key(full);
  if (k.writers > 0) {
    s.forget_if_idle(full);
    return {};
  }
  ++k.fills;
  return fill_ticket{k.epoch, t.epoch, s.cache_epoch, true};
}

void near_cache::finish_fill(std::string_view tenant, std::string_view key,
                             const fill_ticket& ticket, std::optional<std::string_view> value,
                             std::optional<clock::time_point> expires_at) {
  if (!ticket.open) return;
  const std::string full = full_key_of(tenant, key);
  shard& s = shard_for(full);
  std::lock_guard guard(s.lock);
  auto k = s.keys.find(std::string_view(full));
  if (k == s.keys.end()) return;  // cleared meanwhile
  --k->second.fills;
  const shard::tenant_state& t = s.tenant(tenant);
  const bool current = k->second.epoch == ticket.key_epoch && k->second.writers == 0 &&
                       t.epoch == ticket.tenant_epoch && t.writers == 0 &&
                       s.cache_epoch == ticket.cache_epoch &&
                       enabled_.load(std::memory_order_acquire);
  s.forget_if_idle(full);
  if (!value) return;  // a miss in PostgreSQL: nothing to hold (misses are not cached)
  if (!current) {
    counters_.fills_refused.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // One value must not push out most of a shard (checked before copying it).
  const std::size_t cost = full.size() + value->size() + entry_overhead;
  if (cost > s.capacity / 8) return;
  shard::entry fresh{full, std::string(*value), expires_at, ticket.tenant_epoch,
                     ticket.cache_epoch, &t};
  s.erase(full);
  s.lru.push_front(std::move(fresh));
  s.index.emplace(std::string_view(s.lru.front().full_key), s.lru.begin());
  s.bytes += cost;
  counters_.fills.fetch_add(1, std::memory_order_relaxed);
  while (s.bytes > s.capacity && !s.lru.empty()) {
    s.erase(std::string_view(s.lru.back().full_key));
    counters_.evictions.fetch_add(1, std::memory_order_relaxed);
  }
}

void near_cache::begin_write(std::string_view tenant, std::string_view key) {
  if (!on()) return;
  const std::string full = full_key_of(tenant, key);
  shard& s = shard_for(full);
  std::lock_guard guard(s.lock);
  shard::key_state& k = s.key(full);
  ++k.writers;
  ++k.epoch;
  if (s.erase(full)) counters_.invalidations.fetch_add(1, std::memory_order_relaxed);
}

void near_cache::end_write(std::string_view tenant, std::string_view key) {
  if (!on()) return;
  const std::string full = full_key_of(tenant, key);
  shard& s = shard_for(full);
  std::lock_guard guard(s.lock);
  shard::key_state& k = s.key(full);
  if (k.writers > 0) --k.writers;
  ++k.epoch;
  s.erase(full);
  s.forget_if_idle(full);
}

void near_cache::bump_tenant(std::string_view tenant, int writers_delta) {
  if (!on()) return;
  for (auto& s : shards_) {
    std::lock_guard guard(s->lock);
    shard::tenant_state& t = s->tenant(tenant);
    t.writers += writers_delta;
    if (t.writers < 0) t.writers = 0;
    ++t.epoch;  // entries filled before are dead (dropped lazily, or by the LRU)
  }
}

void near_cache::begin_tenant_write(std::string_view tenant) { bump_tenant(tenant, +1); }

void near_cache::end_tenant_write(std::string_view tenant) { bump_tenant(tenant, -1); }

void near_cache::drop_tenant(std::string_view tenant) {
  if (!on()) return;
  counters_.flushes.fetch_add(1, std::memory_order_relaxed);
  bump_tenant(tenant, 0);
}

void near_cache::invalidate_key(std::string_view tenant, std::string_view key) {
  const std::string full = full_key_of(tenant, key);
  shard& s = shard_for(full);
  std::lock_guard guard(s.lock);
  auto k = s.keys.find(std::string_view(full));
  if (k != s.keys.end()) ++k->second.epoch;
  if (s.erase(full)) counters_.invalidations.fetch_add(1, std::memory_order_relaxed);
}

void near_cache::invalidate_remote(std::string_view tenant, std::string_view key) {
  if (!on()) return;
  counters_.remote_invalidations.fetch_add(1, std::memory_order_relaxed);
  if (tenant.empty()) {
    clear();
  } else if (key.empty()) {
    drop_tenant(tenant);
  } else {
    invalidate_key(tenant, key);
  }
}

void near_cache::clear() {
  if (!on()) return;
  counters_.flushes.fetch_add(1, std::memory_order_relaxed);
  for (auto& s : shards_) {
    std::lock_guard guard(s->lock);
    s->clear();
  }
}

std::size_t near_cache::bytes() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard guard(s->lock);
    total += s->bytes;
  }
  return total;
}

std::size_t near_cache::entries() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard guard(s->lock);
    total += s->lru.size();
  }
  return total;
}

}  // namespace fpc::server
