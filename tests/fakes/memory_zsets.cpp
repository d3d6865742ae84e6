// The in-memory keyspace's sorted sets: a std::map of member to score per key row, ordered on
// demand (simple, not fast).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "tests/fakes/memory_keyspace.hpp"

namespace fpc::test {

using storage::kv_callback;
using storage::kv_result;
using storage::lex_bound;
using storage::zrange_spec;

namespace {
kv_result wrong_type() {
  kv_result r;
  r.error = storage::wrong_type_error;
  return r;
}

bool above_min(const std::string& m, const lex_bound& b) {
  switch (b.how) {
    case lex_bound::kind::minus: return true;
    case lex_bound::kind::plus: return false;
    case lex_bound::kind::inclusive: return m >= b.value;
    default: return m > b.value;
  }
}

bool below_max(const std::string& m, const lex_bound& b) {
  switch (b.how) {
    case lex_bound::kind::plus: return true;
    case lex_bound::kind::minus: return false;
    case lex_bound::kind::inclusive: return m <= b.value;
    default: return m < b.value;
  }
}
}  // namespace

memory_keyspace::row* memory_keyspace::zset_row(const storage::caller& c, std::string_view key,
                                                bool create, bool& wrong) {
  row* x = live(c, key);
  wrong = x != nullptr && !x->is_zset;
  if (wrong) return nullptr;
  if (x == nullptr && create) {
    x = &rows_[id{std::string(c.tenant), std::string(key)}];
    *x = row{};
    x->is_zset = true;
  }
  return x;
}

std::vector<std::pair<double, std::string>> memory_keyspace::ordered(const row& x) {
  std::vector<std::pair<double, std::string>> out;
  for (const auto& [m, s] : x.scores) out.emplace_back(s, m);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<double, std::string>> memory_keyspace::select(const row& x,
                                                                    const zrange_spec& spec) {
  auto all = ordered(x);
  if (spec.reverse) std::reverse(all.begin(), all.end());
  std::vector<std::pair<double, std::string>> out;
  if (spec.kind == zrange_spec::by::rank) {
    const auto len = static_cast<std::int64_t>(all.size());
    std::int64_t s = spec.start < 0 ? len + spec.start : spec.start;
    std::int64_t e = spec.stop < 0 ? len + spec.stop : spec.stop;
    if (s < 0) s = 0;
    if (s > e || s >= len) return out;
    if (e >= len) e = len - 1;
    for (auto i = s; i <= e; ++i) out.push_back(all[static_cast<std::size_t>(i)]);
    return out;
  }
  std::int64_t skip = spec.offset;
  for (const auto& [score, m] : all) {
    bool in = false;
    if (spec.kind == zrange_spec::by::score) {
      in = (spec.min_exclusive ? score > spec.min : score >= spec.min) &&
           (spec.max_exclusive ? score < spec.max : score <= spec.max);
    } else {
      in = above_min(m, spec.lex_min) && below_max(m, spec.lex_max);
    }
    if (!in) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    if (spec.count >= 0 && static_cast<std::int64_t>(out.size()) >= spec.count) break;
    out.emplace_back(score, m);
  }
  return out;
}

void memory_keyspace::zadd(const storage::caller& c, std::string_view key, unsigned flags,
                           std::span<const double> scores,
                           std::span<const std::string_view> members, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, (flags & storage::zadd_xx) == 0, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  std::int64_t added = 0, changed = 0;
  std::optional<double> result;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string m(members[i]);
    const auto it = x->scores.find(m);
    if (it != x->scores.end()) {
      if (flags & storage::zadd_nx) continue;
      const double next = (flags & storage::zadd_incr) ? it->second + scores[i] : scores[i];
      if (std::isnan(next)) {
        r.error = "ERR resulting score is not a number (NaN)";
        return cb(std::move(r));
      }
      if (((flags & storage::zadd_gt) && next <= it->second) ||
          ((flags & storage::zadd_lt) && next >= it->second)) {
        continue;
      }
      result = next;
      if (next != it->second) {
        it->second = next;
        ++changed;
      }
    } else {
      if (flags & storage::zadd_xx) continue;
      x->scores.emplace(m, scores[i]);
      result = scores[i];
      ++added;
    }
  }
  if (x->scores.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  r.integer = (flags & storage::zadd_ch) ? added + changed : added;
  if (result) r.doubles.push_back(*result);
  cb(std::move(r));
}

void memory_keyspace::zrem(const storage::caller& c, std::string_view key,
                           std::span<const std::string_view> members, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (auto m : members) r.integer += static_cast<std::int64_t>(x->scores.erase(std::string(m)));
  if (x->scores.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  cb(std::move(r));
}

void memory_keyspace::zcard(const storage::caller& c, std::string_view key, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) r.integer = static_cast<std::int64_t>(x->scores.size());
  cb(std::move(r));
}

void memory_keyspace::zscores(const storage::caller& c, std::string_view key,
                              std::span<const std::string_view> members, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  for (auto m : members) {
    const auto it = x ? x->scores.find(std::string(m)) : decltype(x->scores.end()){};
    const bool found = x != nullptr && it != x->scores.end();
    r.integers.push_back(found ? 1 : 0);
    r.doubles.push_back(found ? it->second : 0);
  }
  cb(std::move(r));
}

void memory_keyspace::zrank(const storage::caller& c, std::string_view key,
                            std::string_view member, bool reverse, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  auto all = ordered(*x);
  if (reverse) std::reverse(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].second == member) {
      r.integer = static_cast<std::int64_t>(i);
      r.integer2 = 1;
    }
  }
  cb(std::move(r));
}

void memory_keyspace::zrange(const storage::caller& c, std::string_view key,
                             const zrange_spec& spec, std::size_t limit, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  std::vector<std::pair<double, std::string>> picked;
  if (x != nullptr) picked = select(*x, spec);
  if (picked.size() > limit + 1) picked.resize(limit + 1);
  kv_result r;
  for (const auto& [score, m] : picked) {
    r.values.emplace_back(m);
    r.doubles.push_back(score);
  }
  cb(std::move(r));  // the views point into `picked`, alive until here
}

void memory_keyspace::zcount(const storage::caller& c, std::string_view key,
                             const zrange_spec& spec, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) r.integer = static_cast<std::int64_t>(select(*x, spec).size());
  cb(std::move(r));
}

void memory_keyspace::zremrange(const storage::caller& c, std::string_view key,
                                const zrange_spec& spec, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (const auto& [score, m] : select(*x, spec)) r.integer += static_cast<std::int64_t>(x->scores.erase(m));
  if (x->scores.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  cb(std::move(r));
}

void memory_keyspace::zpop(const storage::caller& c, std::span<const std::string_view> keys,
                           bool highest, std::int64_t count, kv_callback cb) {
  for (auto key : keys) {
    bool wrong = false;
    row* x = zset_row(c, key, false, wrong);
    if (wrong) return cb(wrong_type());
    if (x == nullptr) continue;
    auto all = ordered(*x);
    if (highest) std::reverse(all.begin(), all.end());
    if (count < static_cast<std::int64_t>(all.size())) all.resize(static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
    for (const auto& [score, m] : all) x->scores.erase(m);
    const std::string k(key);
    if (x->scores.empty()) rows_.erase(id{std::string(c.tenant), k});
    kv_result r;
    r.value = k;
    for (const auto& [score, m] : all) {
      r.values.emplace_back(m);
      r.doubles.push_back(score);
    }
    return cb(std::move(r));
  }
  cb({});
}

}  // namespace fpc::test

namespace fpc::test {

namespace {
using storage::zset_aggregate;
using storage::zset_operation;

double aggregated(zset_aggregate how, double a, double b) {
  double r = how == zset_aggregate::sum ? a + b
             : how == zset_aggregate::min ? std::min(a, b)
                                          : std::max(a, b);
  return std::isnan(r) ? 0 : r;
}
}  // namespace

void memory_keyspace::zcombine(const storage::caller& c, zset_operation op,
                               std::span<const std::string_view> keys,
                               std::span<const double> weights, zset_aggregate aggregate,
                               std::size_t limit, kv_callback cb) {
  auto result = zcombined(c, op, keys, weights, aggregate);
  if (!result) return cb(wrong_type());
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [m, s] : *result) order.emplace_back(s, m);
  std::sort(order.begin(), order.end());
  if (order.size() > limit + 1) order.resize(limit + 1);
  kv_result r;
  for (const auto& [s, m] : order) {
    r.values.emplace_back(m);
    r.doubles.push_back(s);
  }
  cb(std::move(r));
}

std::optional<std::map<std::string, double>> memory_keyspace::zcombined(
    const storage::caller& c, zset_operation op, std::span<const std::string_view> keys,
    std::span<const double> weights, zset_aggregate aggregate) {
  std::vector<std::map<std::string, double>> inputs;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::map<std::string, double> in;
    if (row* x = live(c, keys[i])) {
      if (x->is_zset) {
        for (const auto& [m, s] : x->scores) in[m] = s * weights[i];
      } else if (x->is_set) {
        for (const auto& m : x->members) in[m] = weights[i];
      } else {
        return std::nullopt;
      }
    }
    for (auto& [m, s] : in) {
      if (std::isnan(s)) s = 0;
    }
    inputs.push_back(std::move(in));
  }
  std::map<std::string, double> out;
  if (inputs.empty()) return out;
  if (op == zset_operation::difference) {
    for (const auto& [m, s] : inputs[0]) {
      bool elsewhere = false;
      for (std::size_t i = 1; i < inputs.size(); ++i) elsewhere = elsewhere || inputs[i].count(m);
      if (!elsewhere) out[m] = s;
    }
    return out;
  }
  std::map<std::string, int> seen;
  for (const auto& in : inputs) {
    for (const auto& [m, s] : in) {
      const auto it = out.find(m);
      out[m] = it == out.end() ? s : aggregated(aggregate, it->second, s);
      ++seen[m];
    }
  }
  if (op == zset_operation::intersection) {
    for (auto it = out.begin(); it != out.end();) {
      it = seen[it->first] == static_cast<int>(inputs.size()) ? std::next(it) : out.erase(it);
    }
  }
  return out;
}

void memory_keyspace::zcombine_into(const storage::caller& c, zset_operation op,
                                    std::string_view destination,
                                    std::span<const std::string_view> keys,
                                    std::span<const double> weights, zset_aggregate aggregate,
                                    kv_callback cb) {
  auto result = zcombined(c, op, keys, weights, aggregate);
  if (!result) return cb(wrong_type());
  rows_.erase(id{std::string(c.tenant), std::string(destination)});
  kv_result r;
  r.integer = static_cast<std::int64_t>(result->size());
  if (!result->empty()) {
    row& x = rows_[id{std::string(c.tenant), std::string(destination)}];
    x = row{};
    x.is_zset = true;
    x.scores = std::move(*result);
  }
  cb(std::move(r));
}

void memory_keyspace::zintercard(const storage::caller& c, std::span<const std::string_view> keys,
                                 std::int64_t limit, kv_callback cb) {
  const std::vector<double> ones(keys.size(), 1.0);
  auto result = zcombined(c, zset_operation::intersection, keys, ones, zset_aggregate::sum);
  if (!result) return cb(wrong_type());
  kv_result r;
  r.integer = static_cast<std::int64_t>(result->size());
  if (limit > 0) r.integer = std::min(r.integer, limit);
  cb(std::move(r));
}

void memory_keyspace::zrangestore(const storage::caller& c, std::string_view destination,
                                  std::string_view source, const zrange_spec& spec,
                                  kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, source, false, wrong);
  if (wrong) return cb(wrong_type());
  std::vector<std::pair<double, std::string>> picked;
  if (x != nullptr) picked = select(*x, spec);
  rows_.erase(id{std::string(c.tenant), std::string(destination)});
  kv_result r;
  r.integer = static_cast<std::int64_t>(picked.size());
  if (!picked.empty()) {
    row& d = rows_[id{std::string(c.tenant), std::string(destination)}];
    d = row{};
    d.is_zset = true;
    for (const auto& [s, m] : picked) d.scores[m] = s;
  }
  cb(std::move(r));
}

void memory_keyspace::zrandmember(const storage::caller& c, std::string_view key,
                                  std::int64_t count, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  std::vector<std::pair<std::string, double>> all(x->scores.begin(), x->scores.end());
  const auto n = static_cast<std::int64_t>(all.size());
  static std::vector<std::pair<std::string, double>> picked;  // outlives the views below
  picked.clear();
  if (count >= 0) {
    for (std::int64_t i = 0; i < std::min(count, n); ++i) picked.push_back(all[static_cast<std::size_t>(i)]);
  } else {
    for (std::int64_t i = 0; i < -count; ++i) picked.push_back(all[static_cast<std::size_t>(i % n)]);
  }
  for (const auto& [m, s] : picked) {
    r.values.emplace_back(m);
    r.doubles.push_back(s);
  }
  cb(std::move(r));
}

void memory_keyspace::zscan_page(const storage::caller& c, std::string_view key,
                                 std::string_view from, std::size_t limit, kv_callback cb) {
  bool wrong = false;
  row* x = zset_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (auto it = x->scores.lower_bound(std::string(from));
       it != x->scores.end() && r.values.size() < limit; ++it) {
    r.values.emplace_back(it->first);
    r.doubles.push_back(it->second);
  }
  cb(std::move(r));
}

}  // namespace fpc::test
