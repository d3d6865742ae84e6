// The in-memory keyspace's hashes: a std::map of fields per key row.
#include "tests/fakes/memory_keyspace.hpp"

#include <string>

namespace fpc::test {

using storage::kv_callback;
using storage::kv_result;

namespace {
kv_result wrong_type() {
  kv_result r;
  r.error = storage::wrong_type_error;
  return r;
}
}  // namespace

void memory_keyspace::hset(const storage::caller& c, std::string_view key,
                           std::span<const std::string_view> pairs, bool only_new,
                           kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, true, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
    const std::string field(pairs[i]);
    const bool fresh = x->fields.count(field) == 0;
    if (fresh) ++r.integer;
    if (fresh || !only_new) x->fields[field] = std::string(pairs[i + 1]);
  }
  cb(std::move(r));
}

void memory_keyspace::hget(const storage::caller& c, std::string_view key, std::string_view field,
                           kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) {
    if (auto it = x->fields.find(std::string(field)); it != x->fields.end()) r.value = it->second;
  }
  cb(std::move(r));
}

void memory_keyspace::hmget(const storage::caller& c, std::string_view key,
                            std::span<const std::string_view> fields, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  for (auto f : fields) {
    std::optional<std::string_view> v;
    if (x != nullptr) {
      if (auto it = x->fields.find(std::string(f)); it != x->fields.end()) v = it->second;
    }
    r.values.push_back(v);
  }
  cb(std::move(r));
}

void memory_keyspace::hgetall(const storage::caller& c, std::string_view key, std::size_t limit,
                              kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) {
    for (const auto& [f, v] : x->fields) {
      if (r.values.size() / 2 > limit) break;
      r.values.emplace_back(f);
      r.values.emplace_back(v);
    }
  }
  cb(std::move(r));
}

void memory_keyspace::hlen(const storage::caller& c, std::string_view key, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) r.integer = static_cast<std::int64_t>(x->fields.size());
  cb(std::move(r));
}

void memory_keyspace::hexists(const storage::caller& c, std::string_view key,
                              std::string_view field, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) r.integer = static_cast<std::int64_t>(x->fields.count(std::string(field)));
  cb(std::move(r));
}

void memory_keyspace::hstrlen(const storage::caller& c, std::string_view key,
                              std::string_view field, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) {
    if (auto it = x->fields.find(std::string(field)); it != x->fields.end()) {
      r.integer = static_cast<std::int64_t>(it->second.size());
    }
  }
  cb(std::move(r));
}

void memory_keyspace::hdel(const storage::caller& c, std::string_view key,
                           std::span<const std::string_view> fields, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) {
    for (auto f : fields) r.integer += static_cast<std::int64_t>(x->fields.erase(std::string(f)));
    if (x->fields.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  }
  cb(std::move(r));
}

void memory_keyspace::hincrby(const storage::caller& c, std::string_view key,
                              std::string_view field, std::int64_t delta, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, true, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  std::string& v = x->fields[std::string(field)];
  long long old = 0;
  try {
    std::size_t used = 0;
    old = v.empty() ? 0 : std::stoll(v, &used);
    if (!v.empty() && used != v.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    r.error = "ERR hash value is not an integer";
    return cb(std::move(r));
  }
  long long next = 0;
  if (__builtin_add_overflow(old, delta, &next)) {
    r.error = "ERR increment or decrement would overflow";
    return cb(std::move(r));
  }
  v = std::to_string(next);
  r.integer = next;
  cb(std::move(r));
}

void memory_keyspace::hmodify(const storage::caller& c, std::string_view key,
                              std::string_view field, storage::modify_function modify,
                              kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  std::optional<std::string_view> current;
  if (x != nullptr) {
    if (auto it = x->fields.find(std::string(field)); it != x->fields.end()) current = it->second;
  }
  kv_result r;
  std::string next;
  if (!modify(current, next, r.error)) return cb(std::move(r));
  x = hash_row(c, key, true, wrong);
  x->fields[std::string(field)] = next;
  r.value = x->fields[std::string(field)];
  cb(std::move(r));
}

void memory_keyspace::hrandfield(const storage::caller& c, std::string_view key,
                                 std::int64_t count, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr || x->fields.empty()) return cb(std::move(r));
  // Not random: the first fields (distinct) or the first field repeated; enough for a fake.
  for (auto it = x->fields.begin(); it != x->fields.end() && count != 0;) {
    r.values.emplace_back(it->first);
    r.values.emplace_back(it->second);
    if (count > 0) {
      --count;
      ++it;
    } else {
      ++count;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::hscan_page(const storage::caller& c, std::string_view key,
                                 std::string_view from, std::size_t limit, kv_callback cb) {
  bool wrong = false;
  row* x = hash_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (auto it = x->fields.lower_bound(std::string(from));
       it != x->fields.end() && r.values.size() < 2 * limit; ++it) {
    r.values.emplace_back(it->first);
    r.values.emplace_back(it->second);
  }
  cb(std::move(r));
}

}  // namespace fpc::test
