// The in-memory keyspace's operations, following the contracts in server/keyspace.hpp.
#include "tests/fuzz/memory_keyspace.hpp"

#include <algorithm>
#include <climits>
#include <set>

#include "resp/numbers.hpp"

namespace fpc::test {

using server::kv_callback;
using server::kv_result;

memory_keyspace::row* memory_keyspace::live(const server::caller& c, std::string_view key) {
  ++now_ms_;
  const auto it = rows_.find(id{std::string(c.tenant), std::string(key)});
  if (it == rows_.end()) return nullptr;
  if (it->second.expires_ms >= 0 && it->second.expires_ms <= now_ms_) {
    rows_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void memory_keyspace::write(const server::caller& c, std::string_view key, std::string value,
                            std::int64_t expires_ms) {
  row& r = rows_[id{std::string(c.tenant), std::string(key)}];
  r.value = std::move(value);
  r.expires_ms = expires_ms;
  r.version = next_version_++;
}

std::int64_t memory_keyspace::when_ms(const server::expiry& e) const {
  using kind = server::expiry::kind;
  if (e.how == kind::relative_ms) return e.ms > INT64_MAX - now_ms_ ? INT64_MAX : now_ms_ + e.ms;
  if (e.how == kind::unix_ms) return e.ms;
  return -1;
}

void memory_keyspace::get(const server::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) r.value = x->value;
  cb(std::move(r));
}

void memory_keyspace::set(const server::caller& c, std::string_view key, std::string_view value,
                          const server::set_options& o, kv_callback cb) {
  kv_result r;
  row* old = live(c, key);
  std::string old_value = old ? old->value : std::string();
  const bool existed = old != nullptr;
  using cond = server::set_options::condition;
  const bool allowed = o.when == cond::always || (o.when == cond::if_absent) != existed;
  if (o.return_old && existed) r.value = old_value;
  if (allowed) {
    const std::int64_t expires = o.expires.how == server::expiry::kind::keep
                                     ? (old ? old->expires_ms : -1)
                                     : when_ms(o.expires);
    write(c, key, std::string(value), expires);
    r.integer = 1;
  }
  cb(std::move(r));
}

void memory_keyspace::del(const server::caller& c, std::span<const std::string_view> keys,
                          kv_callback cb) {
  kv_result r;
  for (const auto k : std::set<std::string_view>(keys.begin(), keys.end())) {
    if (live(c, k)) {
      rows_.erase(id{std::string(c.tenant), std::string(k)});
      ++r.integer;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::exists(const server::caller& c, std::span<const std::string_view> keys,
                             kv_callback cb) {
  kv_result r;
  for (const auto k : keys) r.integer += live(c, k) ? 1 : 0;
  cb(std::move(r));
}

void memory_keyspace::pttl(const server::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  r.integer = !x ? -2 : x->expires_ms < 0 ? -1 : x->expires_ms - now_ms_;
  cb(std::move(r));
}

void memory_keyspace::expire(const server::caller& c, std::string_view key,
                             const server::expiry& when, unsigned conditions, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  const std::int64_t t = when_ms(when);
  if (x) {
    const bool has = x->expires_ms >= 0;
    bool ok = true;
    if ((conditions & server::expire_nx) && has) ok = false;
    if ((conditions & server::expire_xx) && !has) ok = false;
    if ((conditions & server::expire_gt) && (!has || t <= x->expires_ms)) ok = false;
    if ((conditions & server::expire_lt) && has && t >= x->expires_ms) ok = false;
    if (ok) {
      if (t <= now_ms_)
        rows_.erase(id{std::string(c.tenant), std::string(key)});
      else {
        x->expires_ms = t;
        x->version = next_version_++;
      }
      r.integer = 1;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::persist(const server::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key); x && x->expires_ms >= 0) {
    x->expires_ms = -1;
    x->version = next_version_++;
    r.integer = 1;
  }
  cb(std::move(r));
}

void memory_keyspace::count_keys(const server::caller& c, kv_callback cb) {
  kv_result r;
  for (auto& [k, v] : rows_) {
    if (k.first == c.tenant && (v.expires_ms < 0 || v.expires_ms > now_ms_)) {
      ++r.integer;
      if (v.expires_ms >= 0) ++r.integer2;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::flush(const server::caller& c, kv_callback cb) {
  std::erase_if(rows_, [&](const auto& e) { return e.first.first == c.tenant; });
  cb({});
}

void memory_keyspace::mget(const server::caller& c, std::span<const std::string_view> keys,
                           kv_callback cb) {
  kv_result r;
  for (const auto k : keys) {
    row* x = live(c, k);
    r.values.push_back(x ? std::optional<std::string_view>(x->value) : std::nullopt);
  }
  cb(std::move(r));
}

void memory_keyspace::mset(const server::caller& c, std::span<const std::string_view> pairs,
                           kv_callback cb) {
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2)
    write(c, pairs[i], std::string(pairs[i + 1]), -1);
  cb({});
}

void memory_keyspace::msetnx(const server::caller& c, std::span<const std::string_view> pairs,
                             kv_callback cb) {
  kv_result r;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
    if (live(c, pairs[i])) {
      cb(std::move(r));
      return;
    }
  }
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2)
    write(c, pairs[i], std::string(pairs[i + 1]), -1);
  r.integer = 1;
  cb(std::move(r));
}

void memory_keyspace::getdel(const server::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  std::string kept;
  if (row* x = live(c, key)) {
    kept = x->value;
    r.value = kept;
    rows_.erase(id{std::string(c.tenant), std::string(key)});
  }
  cb(std::move(r));
}

void memory_keyspace::getex(const server::caller& c, std::string_view key,
                            const server::expiry& when, bool persist, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) {
    if (persist)
      x->expires_ms = -1;
    else if (when.how != server::expiry::kind::none)
      x->expires_ms = when_ms(when);
    r.value = x->value;
  }
  cb(std::move(r));
}

void memory_keyspace::append(const server::caller& c, std::string_view key, std::string_view suffix,
                             kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  std::string v = x ? x->value + std::string(suffix) : std::string(suffix);
  const std::int64_t e = x ? x->expires_ms : -1;
  r.integer = static_cast<std::int64_t>(v.size());
  write(c, key, std::move(v), e);
  cb(std::move(r));
}

void memory_keyspace::setrange(const server::caller& c, std::string_view key, std::int64_t offset,
                               std::string_view piece, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  std::string v = x ? x->value : std::string();
  if (!piece.empty()) {
    const auto at = static_cast<std::size_t>(offset);
    if (v.size() < at + piece.size()) v.resize(at + piece.size(), '\0');
    v.replace(at, piece.size(), piece);
    write(c, key, v, x ? x->expires_ms : -1);
  }
  r.integer = static_cast<std::int64_t>(v.size());
  cb(std::move(r));
}

void memory_keyspace::strlen(const server::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) r.integer = static_cast<std::int64_t>(x->value.size());
  cb(std::move(r));
}

void memory_keyspace::incr_by(const server::caller& c, std::string_view key, std::int64_t delta,
                              kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  long long v = 0;
  if (x && !resp::parse_integer(x->value, v)) {
    r.error = "ERR value is not an integer or out of range";
  } else if ((delta > 0 && v > LLONG_MAX - delta) || (delta < 0 && v < LLONG_MIN - delta)) {
    r.error = "ERR increment or decrement would overflow";
  } else {
    r.integer = v + delta;
    write(c, key, std::to_string(r.integer), x ? x->expires_ms : -1);
  }
  cb(std::move(r));
}

void memory_keyspace::key_range(const server::caller& c, std::string_view from,
                                std::optional<std::string_view> below, std::size_t limit,
                                kv_callback cb) {
  kv_result r;
  std::vector<std::string> keys;
  for (auto it = rows_.lower_bound(id{std::string(c.tenant), std::string(from)});
       it != rows_.end() && it->first.first == c.tenant; ++it) {
    if (below && it->first.second >= *below) break;
    if (it->second.expires_ms >= 0 && it->second.expires_ms <= now_ms_) continue;
    r.values.emplace_back(it->first.second);
    if (limit > 0 && r.values.size() >= limit) break;
  }
  cb(std::move(r));
}

void memory_keyspace::expire_time(const server::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  r.integer = !x ? -2 : x->expires_ms;
  cb(std::move(r));
}

void memory_keyspace::watch(const server::caller& c, std::span<const std::string_view> keys,
                            kv_callback cb) {
  kv_result r;
  for (const auto k : keys) {
    row* x = live(c, k);
    r.integers.push_back(x ? x->version : server::watched_keys::no_key);
  }
  cb(std::move(r));
}

void memory_keyspace::verify_watched(const server::caller& c,
                                     std::shared_ptr<const server::watched_keys> watched,
                                     kv_callback cb) {
  kv_result r;
  r.integer = 1;
  for (std::size_t i = 0; i < watched->keys.size(); ++i) {
    row* x = live(c, watched->keys[i]);
    if ((x ? x->version : server::watched_keys::no_key) != watched->versions[i]) r.integer = 0;
  }
  cb(std::move(r));
}

void memory_keyspace::read_modify_write(const server::caller& c, std::string_view key,
                                        server::modify_function modify, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  std::string next;
  const std::optional<std::string_view> current =
      x ? std::optional<std::string_view>(x->value) : std::nullopt;
  if (modify(current, next, r.error)) {
    write(c, key, next, x ? x->expires_ms : -1);
    r.value = next;
  }
  cb(std::move(r));
}

void memory_keyspace::rename(const server::caller& c, std::string_view from, std::string_view to,
                             bool nx, kv_callback cb) {
  kv_result r;
  row* x = live(c, from);
  if (!x) {
    cb(std::move(r));
    return;
  }
  if (nx && live(c, to)) {
    r.integer = 2;
    cb(std::move(r));
    return;
  }
  row moved = *x;
  rows_.erase(id{std::string(c.tenant), std::string(from)});
  write(c, to, moved.value, moved.expires_ms);
  r.integer = 1;
  cb(std::move(r));
}

void memory_keyspace::copy(const server::caller& c, std::string_view from, std::string_view to,
                           bool replace, kv_callback cb) {
  kv_result r;
  row* x = live(c, from);
  if (x && (replace || !live(c, to))) {
    row copied = *x;
    write(c, to, copied.value, copied.expires_ms);
    r.integer = 1;
  }
  cb(std::move(r));
}

void memory_keyspace::random_key(const server::caller& c, kv_callback cb) {
  kv_result r;
  for (auto& [k, v] : rows_) {
    if (k.first == c.tenant && (v.expires_ms < 0 || v.expires_ms > now_ms_)) {
      r.value = k.second;
      break;
    }
  }
  cb(std::move(r));
}

}  // namespace fpc::test
