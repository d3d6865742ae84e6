// The in-memory keyspace's operations, following the contracts in storage/.
#include "tests/fakes/memory_keyspace.hpp"

#include <algorithm>
#include <climits>
#include <set>

#include "resp/numbers.hpp"

namespace fpc::test {

using storage::kv_callback;
using storage::kv_result;

memory_keyspace::row* memory_keyspace::live(const storage::caller& c, std::string_view key) {
  ++now_ms_;
  const auto it = rows_.find(id{std::string(c.tenant), std::string(key)});
  if (it == rows_.end()) return nullptr;
  if (it->second.expires_ms >= 0 && it->second.expires_ms <= now_ms_) {
    rows_.erase(it);
    return nullptr;
  }
  return &it->second;
}

memory_keyspace::row* memory_keyspace::typed_row(const storage::caller& c, std::string_view key,
                                                 bool hash, bool create, bool& wrong) {
  row* x = live(c, key);
  wrong = x != nullptr && !(hash ? x->is_hash : x->is_set);
  if (wrong) return nullptr;
  if (x == nullptr && create) {
    x = &rows_[id{std::string(c.tenant), std::string(key)}];
    *x = row{};
    (hash ? x->is_hash : x->is_set) = true;
  }
  if (x != nullptr && create) x->version = next_version_++;
  return x;
}

void memory_keyspace::write(const storage::caller& c, std::string_view key, std::string value,
                            std::int64_t expires_ms) {
  row& r = rows_[id{std::string(c.tenant), std::string(key)}];
  r.is_hash = false;
  r.fields.clear();
  r.is_set = false;
  r.members.clear();
  r.is_list = false;
  r.items.clear();
  r.is_zset = false;
  r.scores.clear();
  r.value = std::move(value);
  r.expires_ms = expires_ms;
  r.version = next_version_++;
}

std::int64_t memory_keyspace::when_ms(const storage::expiry& e) const {
  using kind = storage::expiry::kind;
  if (e.how == kind::relative_ms) return e.ms > INT64_MAX - now_ms_ ? INT64_MAX : now_ms_ + e.ms;
  if (e.how == kind::unix_ms) return e.ms;
  return -1;
}

void memory_keyspace::get(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) {
    if (x->is_hash || x->is_set || x->is_list || x->is_zset)
      r.error = storage::wrong_type_error;
    else
      r.value = x->value;
  }
  // integer stays 0 (expires now): the near cache never keeps this fake's values, whose clock is
  // virtual.
  cb(std::move(r));
}

void memory_keyspace::set(const storage::caller& c, std::string_view key, std::string_view value,
                          const storage::set_options& o, kv_callback cb) {
  kv_result r;
  row* old = live(c, key);
  std::string old_value = old ? old->value : std::string();
  const bool existed = old != nullptr;
  using cond = storage::set_options::condition;
  const bool allowed = o.when == cond::always || (o.when == cond::if_absent) != existed;
  if (o.return_old && existed) r.value = old_value;
  if (allowed) {
    const std::int64_t expires = o.expires.how == storage::expiry::kind::keep
                                     ? (old ? old->expires_ms : -1)
                                     : when_ms(o.expires);
    write(c, key, std::string(value), expires);
    r.integer = 1;
  }
  cb(std::move(r));
}

void memory_keyspace::del(const storage::caller& c, std::span<const std::string_view> keys,
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

void memory_keyspace::exists(const storage::caller& c, std::span<const std::string_view> keys,
                             kv_callback cb) {
  kv_result r;
  for (const auto k : keys) r.integer += live(c, k) ? 1 : 0;
  cb(std::move(r));
}

void memory_keyspace::pttl(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  r.integer = !x ? -2 : x->expires_ms < 0 ? -1 : x->expires_ms - now_ms_;
  cb(std::move(r));
}

void memory_keyspace::expire(const storage::caller& c, std::string_view key,
                             const storage::expiry& when, unsigned conditions, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  const std::int64_t t = when_ms(when);
  if (x) {
    const bool has = x->expires_ms >= 0;
    bool ok = true;
    if ((conditions & storage::expire_nx) && has) ok = false;
    if ((conditions & storage::expire_xx) && !has) ok = false;
    if ((conditions & storage::expire_gt) && (!has || t <= x->expires_ms)) ok = false;
    if ((conditions & storage::expire_lt) && has && t >= x->expires_ms) ok = false;
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

void memory_keyspace::persist(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key); x && x->expires_ms >= 0) {
    x->expires_ms = -1;
    x->version = next_version_++;
    r.integer = 1;
  }
  cb(std::move(r));
}

void memory_keyspace::count_keys(const storage::caller& c, kv_callback cb) {
  kv_result r;
  for (auto& [k, v] : rows_) {
    if (k.first == c.tenant && (v.expires_ms < 0 || v.expires_ms > now_ms_)) {
      ++r.integer;
      if (v.expires_ms >= 0) ++r.integer2;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::flush(const storage::caller& c, kv_callback cb) {
  std::erase_if(rows_, [&](const auto& e) { return e.first.first == c.tenant; });
  cb({});
}

void memory_keyspace::mget(const storage::caller& c, std::span<const std::string_view> keys,
                           kv_callback cb) {
  kv_result r;
  for (const auto k : keys) {
    row* x = live(c, k);
    r.values.push_back(x ? std::optional<std::string_view>(x->value) : std::nullopt);
  }
  cb(std::move(r));
}

void memory_keyspace::mset(const storage::caller& c, std::span<const std::string_view> pairs,
                           kv_callback cb) {
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2)
    write(c, pairs[i], std::string(pairs[i + 1]), -1);
  cb({});
}

void memory_keyspace::msetnx(const storage::caller& c, std::span<const std::string_view> pairs,
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

void memory_keyspace::getdel(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  std::string kept;
  if (row* x = live(c, key)) {
    kept = x->value;
    r.value = kept;
    rows_.erase(id{std::string(c.tenant), std::string(key)});
  }
  cb(std::move(r));
}

void memory_keyspace::getex(const storage::caller& c, std::string_view key,
                            const storage::expiry& when, bool persist, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) {
    if (persist)
      x->expires_ms = -1;
    else if (when.how != storage::expiry::kind::none)
      x->expires_ms = when_ms(when);
    r.value = x->value;
  }
  cb(std::move(r));
}

void memory_keyspace::append(const storage::caller& c, std::string_view key, std::string_view suffix,
                             std::size_t max_length, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  if (x && x->value.size() + suffix.size() > max_length) {
    r.error = storage::string_too_long_error;
    cb(std::move(r));
    return;
  }
  std::string v = x ? x->value + std::string(suffix) : std::string(suffix);
  const std::int64_t e = x ? x->expires_ms : -1;
  r.integer = static_cast<std::int64_t>(v.size());
  write(c, key, std::move(v), e);
  cb(std::move(r));
}

void memory_keyspace::setrange(const storage::caller& c, std::string_view key, std::int64_t offset,
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

void memory_keyspace::strlen(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) r.integer = static_cast<std::int64_t>(x->value.size());
  cb(std::move(r));
}

void memory_keyspace::incr_by(const storage::caller& c, std::string_view key, std::int64_t delta,
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

void memory_keyspace::key_range(const storage::caller& c, std::string_view from,
                                std::optional<std::string_view> below, std::size_t limit,
                                kv_callback cb) {
  kv_result r;
  std::vector<std::string> keys;
  for (auto it = rows_.lower_bound(id{std::string(c.tenant), std::string(from)});
       it != rows_.end() && it->first.first == c.tenant; ++it) {
    if (below && it->first.second >= *below) break;
    if (it->second.expires_ms >= 0 && it->second.expires_ms <= now_ms_) continue;
    r.values.emplace_back(it->first.second);
    r.integers.push_back(it->second.is_hash ? 1 : it->second.is_set ? 2 : it->second.is_list ? 3 : it->second.is_zset ? 4 : 0);
    if (limit > 0 && r.values.size() >= limit) break;
  }
  cb(std::move(r));
}

void memory_keyspace::expire_time(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  row* x = live(c, key);
  r.integer = !x ? -2 : x->expires_ms;
  cb(std::move(r));
}

void memory_keyspace::watch(const storage::caller& c, std::span<const std::string_view> keys,
                            kv_callback cb) {
  kv_result r;
  for (const auto k : keys) {
    row* x = live(c, k);
    r.integers.push_back(x ? x->version : storage::watched_keys::no_key);
  }
  cb(std::move(r));
}

void memory_keyspace::verify_watched(const storage::caller& c,
                                     std::shared_ptr<const storage::watched_keys> watched,
                                     kv_callback cb) {
  kv_result r;
  r.integer = 1;
  for (std::size_t i = 0; i < watched->keys.size(); ++i) {
    row* x = live(c, watched->keys[i]);
    if ((x ? x->version : storage::watched_keys::no_key) != watched->versions[i]) r.integer = 0;
  }
  cb(std::move(r));
}

void memory_keyspace::read_modify_write(const storage::caller& c, std::string_view key,
                                        storage::modify_function modify, kv_callback cb) {
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

void memory_keyspace::rename(const storage::caller& c, std::string_view from, std::string_view to,
                             bool nx, kv_callback cb) {
  kv_result r;
  row* x = live(c, from);
  if (!x) {
    cb(std::move(r));
    return;
  }
  if (nx && live(c, to)) {
    r.integer = static_cast<std::int64_t>(storage::rename_outcome::refused);
    cb(std::move(r));
    return;
  }
  row moved = *x;
  rows_.erase(id{std::string(c.tenant), std::string(from)});
  write(c, to, moved.value, moved.expires_ms);
  r.integer = static_cast<std::int64_t>(storage::rename_outcome::renamed);
  cb(std::move(r));
}

void memory_keyspace::copy(const storage::caller& c, std::string_view from, std::string_view to,
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

void memory_keyspace::random_key(const storage::caller& c, kv_callback cb) {
  kv_result r;
  for (auto& [k, v] : rows_) {
    if (k.first == c.tenant && (v.expires_ms < 0 || v.expires_ms > now_ms_)) {
      r.value = k.second;
      break;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::key_type(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  if (row* x = live(c, key)) r.value = x->is_hash  ? "hash"
                                      : x->is_set ? "set"
                                      : x->is_list ? "list"
                                      : x->is_zset ? "zset"
                                                   : "string";
  cb(std::move(r));
}

void memory_keyspace::sweep_expired(std::int64_t limit, kv_callback cb) {
  ++now_ms_;
  kv_result r;
  for (auto it = rows_.begin(); it != rows_.end() && r.integer < limit;) {
    if (it->second.expires_ms >= 0 && it->second.expires_ms <= now_ms_) {
      it = rows_.erase(it);
      ++r.integer;
    } else {
      ++it;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::read_usage(kv_callback cb) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> usage;  // bytes, keys
  for (const auto& [owner_key, stored] : rows_) {
    auto& u = usage[owner_key.first];
    u.first += static_cast<std::int64_t>(owner_key.second.size() + stored.value.size());
    ++u.second;
  }
  kv_result r;
  for (const auto& [user, u] : usage) {
    r.values.emplace_back(user);  // views into `usage`, alive while the callback runs
    r.integers.push_back(u.first);
    r.integers.push_back(u.second);
  }
  cb(std::move(r));
}

void memory_keyspace::evict(const storage::eviction_round&, kv_callback cb) {
  kv_result r;
  r.error = "ERR eviction is not supported by the in-memory keyspace";
  cb(std::move(r));
}

void memory_keyspace::describe(const storage::caller& c, std::string_view key, kv_callback cb) {
  kv_result r;
  r.integer = -1;
  row* x = live(c, key);
  if (x == nullptr) return cb(std::move(r));
  std::size_t longest = 0;
  bool integers = true;
  if (x->is_hash) {
    r.integer = 1;
    r.integer2 = static_cast<std::int64_t>(x->fields.size());
    for (const auto& [f, v] : x->fields) longest = std::max({longest, f.size(), v.size()});
  } else if (x->is_set) {
    r.integer = 2;
    r.integer2 = static_cast<std::int64_t>(x->members.size());
    for (const auto& m : x->members) {
      longest = std::max(longest, m.size());
      integers = integers && !m.empty() && m.find_first_not_of("-0123456789") == std::string::npos;
    }
  } else if (x->is_zset) {
    r.integer = 4;
    r.integer2 = static_cast<std::int64_t>(x->scores.size());
    for (const auto& [m, v] : x->scores) longest = std::max(longest, m.size());
  } else if (x->is_list) {
    r.integer = 3;
    r.integer2 = static_cast<std::int64_t>(x->items.size());
    for (const auto& m : x->items) longest = std::max(longest, m.size());
  } else {
    r.integer = 0;
    r.integer2 = static_cast<std::int64_t>(x->value.size());
    if (x->value.size() <= 20) r.value = x->value;
  }
  r.integers = {static_cast<std::int64_t>(longest), r.integer == 2 && integers ? 1 : 0, 0};
  cb(std::move(r));
}

void memory_keyspace::memory_usage(const storage::caller& c, std::string_view key, std::int64_t,
                                   kv_callback cb) {
  kv_result r;
  r.integer = -1;
  if (row* x = live(c, key)) {
    r.integer = static_cast<std::int64_t>(key.size() + x->value.size());
    for (const auto& [f, v] : x->fields) r.integer += static_cast<std::int64_t>(f.size() + v.size());
    for (const auto& m : x->members) r.integer += static_cast<std::int64_t>(m.size());
    for (const auto& m : x->items) r.integer += static_cast<std::int64_t>(m.size());
    for (const auto& [m, v] : x->scores) r.integer += static_cast<std::int64_t>(m.size() + 8);
  }
  cb(std::move(r));
}

}  // namespace fpc::test
