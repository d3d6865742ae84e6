// The in-memory keyspace's sets: a std::set of members per key row.
#include <string>

#include "tests/fakes/memory_keyspace.hpp"

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

void memory_keyspace::sadd(const storage::caller& c, std::string_view key,
                           std::span<const std::string_view> members, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, true, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  for (auto m : members) r.integer += x->members.emplace(m).second ? 1 : 0;
  cb(std::move(r));
}

void memory_keyspace::srem(const storage::caller& c, std::string_view key,
                           std::span<const std::string_view> members, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (auto m : members) r.integer += static_cast<std::int64_t>(x->members.erase(std::string(m)));
  if (x->members.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  cb(std::move(r));
}

void memory_keyspace::smembers(const storage::caller& c, std::string_view key, std::size_t limit,
                               kv_callback cb) {
  sscan_page(c, key, "", limit + 1, std::move(cb));
}

void memory_keyspace::smismember(const storage::caller& c, std::string_view key,
                                 std::span<const std::string_view> members, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  for (auto m : members) r.integers.push_back(x != nullptr && x->members.count(std::string(m)));
  cb(std::move(r));
}

void memory_keyspace::sismember(const storage::caller& c, std::string_view key,
                                std::string_view member, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  r.integer = x != nullptr && x->members.count(std::string(member)) ? 1 : 0;
  cb(std::move(r));
}

void memory_keyspace::scard(const storage::caller& c, std::string_view key, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) r.integer = static_cast<std::int64_t>(x->members.size());
  cb(std::move(r));
}

void memory_keyspace::spop(const storage::caller& c, std::string_view key, std::int64_t count,
                           kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  // The popped members must outlive the row: keep them in a buffer the callback sees.
  std::vector<std::string> popped;
  while (count-- > 0 && !x->members.empty()) popped.push_back(x->members.extract(x->members.begin()).value());
  if (x->members.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  for (const auto& m : popped) r.values.emplace_back(m);
  cb(std::move(r));
}

void memory_keyspace::srandmember(const storage::caller& c, std::string_view key,
                                  std::int64_t count, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr || x->members.empty()) return cb(std::move(r));
  for (auto it = x->members.begin(); it != x->members.end() && count != 0;) {
    r.values.emplace_back(*it);
    if (count > 0) {
      --count;
      ++it;
    } else {
      ++count;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::smove(const storage::caller& c, std::string_view from, std::string_view to,
                            std::string_view member, kv_callback cb) {
  bool wrong = false, wrong_to = false;
  row* src = set_row(c, from, false, wrong);
  kv_result r;
  if (src == nullptr && !wrong) return cb(std::move(r));
  set_row(c, to, false, wrong_to);
  if (wrong || wrong_to) return cb(wrong_type());
  if (src->members.erase(std::string(member)) == 0) return cb(std::move(r));
  if (from == to) {
    src->members.emplace(member);
  } else {
    if (src->members.empty()) rows_.erase(id{std::string(c.tenant), std::string(from)});
    set_row(c, to, true, wrong_to)->members.emplace(member);
  }
  r.integer = 1;
  cb(std::move(r));
}

std::optional<std::set<std::string>> memory_keyspace::combined(
    const storage::caller& c, storage::set_operation op, std::span<const std::string_view> keys) {
  std::vector<const std::set<std::string>*> sets;
  static const std::set<std::string> none;
  for (auto k : keys) {
    bool wrong = false;
    row* x = set_row(c, k, false, wrong);
    if (wrong) return std::nullopt;
    sets.push_back(x != nullptr ? &x->members : &none);
  }
  std::set<std::string> out = *sets[0];
  for (std::size_t i = 1; i < sets.size(); ++i) {
    std::set<std::string> next;
    for (const auto& m : op == storage::set_operation::set_union ? *sets[i] : out) {
      const bool in_other = sets[i]->count(m) != 0;
      if (op == storage::set_operation::set_union ||
          (op == storage::set_operation::intersection) == in_other) {
        next.insert(m);
      }
    }
    if (op == storage::set_operation::set_union) next.insert(out.begin(), out.end());
    out = std::move(next);
  }
  return out;
}

void memory_keyspace::combine(const storage::caller& c, storage::set_operation op,
                              std::span<const std::string_view> keys, std::size_t limit,
                              kv_callback cb) {
  auto result = combined(c, op, keys);
  if (!result) return cb(wrong_type());
  kv_result r;
  for (const auto& m : *result) {
    if (r.values.size() > limit) break;
    r.values.emplace_back(m);
  }
  cb(std::move(r));
}

void memory_keyspace::intersection_size(const storage::caller& c,
                                        std::span<const std::string_view> keys,
                                        std::int64_t limit, kv_callback cb) {
  auto result = combined(c, storage::set_operation::intersection, keys);
  if (!result) return cb(wrong_type());
  kv_result r;
  r.integer = static_cast<std::int64_t>(result->size());
  if (limit > 0 && r.integer > limit) r.integer = limit;
  cb(std::move(r));
}

void memory_keyspace::combine_into(const storage::caller& c, storage::set_operation op,
                                   std::string_view destination,
                                   std::span<const std::string_view> keys, kv_callback cb) {
  auto result = combined(c, op, keys);
  if (!result) return cb(wrong_type());
  rows_.erase(id{std::string(c.tenant), std::string(destination)});
  kv_result r;
  r.integer = static_cast<std::int64_t>(result->size());
  if (!result->empty()) {
    bool wrong = false;
    set_row(c, destination, true, wrong)->members = std::move(*result);
  }
  cb(std::move(r));
}

void memory_keyspace::sscan_page(const storage::caller& c, std::string_view key,
                                 std::string_view from, std::size_t limit, kv_callback cb) {
  bool wrong = false;
  row* x = set_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (auto it = x->members.lower_bound(std::string(from));
       it != x->members.end() && r.values.size() < limit; ++it) {
    r.values.emplace_back(*it);
  }
  cb(std::move(r));
}

}  // namespace fpc::test
