// The in-memory keyspace's lists: a std::deque of elements per key row.
#include <algorithm>
#include <string>

#include "tests/fakes/memory_keyspace.hpp"

namespace fpc::test {

using storage::kv_callback;
using storage::kv_result;
using storage::list_end;

namespace {
kv_result wrong_type() {
  kv_result r;
  r.error = storage::wrong_type_error;
  return r;
}

// Redis's clamp of start..stop to [0, len): false when the range is empty.
bool clamp(std::int64_t len, std::int64_t& start, std::int64_t& stop) {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  return true;
}
}  // namespace

memory_keyspace::row* memory_keyspace::list_row(const storage::caller& c, std::string_view key,
                                                bool create, bool& wrong) {
  row* x = live(c, key);
  wrong = x != nullptr && !x->is_list;
  if (wrong) return nullptr;
  if (x == nullptr && create) {
    x = &rows_[id{std::string(c.tenant), std::string(key)}];
    *x = row{};
    x->is_list = true;
  }
  if (x != nullptr && create) x->version = next_version_++;
  return x;
}

void memory_keyspace::push(const storage::caller& c, std::string_view key, list_end end,
                           std::span<const std::string_view> elements, bool only_existing,
                           kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, !only_existing, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  for (auto e : elements) {
    if (end == list_end::left)
      x->items.emplace_front(e);
    else
      x->items.emplace_back(e);
  }
  x->version = next_version_++;
  r.integer = static_cast<std::int64_t>(x->items.size());
  cb(std::move(r));
}

void memory_keyspace::pop(const storage::caller& c, std::span<const std::string_view> keys,
                          list_end end, std::int64_t count, kv_callback cb) {
  for (auto key : keys) {
    bool wrong = false;
    row* x = list_row(c, key, false, wrong);
    if (wrong) return cb(wrong_type());
    if (x == nullptr) continue;
    std::vector<std::string> popped;
    while (count-- > 0 && !x->items.empty()) {
      if (end == list_end::left) {
        popped.push_back(std::move(x->items.front()));
        x->items.pop_front();
      } else {
        popped.push_back(std::move(x->items.back()));
        x->items.pop_back();
      }
    }
    x->version = next_version_++;
    const std::string k(key);
    if (x->items.empty()) rows_.erase(id{std::string(c.tenant), k});
    kv_result r;
    r.value = k;
    for (const auto& p : popped) r.values.emplace_back(p);
    return cb(std::move(r));
  }
  cb({});
}

void memory_keyspace::length(const storage::caller& c, std::string_view key, kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr) r.integer = static_cast<std::int64_t>(x->items.size());
  cb(std::move(r));
}

void memory_keyspace::range(const storage::caller& c, std::string_view key, std::int64_t start,
                            std::int64_t stop, std::size_t limit, kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x != nullptr && clamp(static_cast<std::int64_t>(x->items.size()), start, stop)) {
    for (auto i = start; i <= stop && r.values.size() <= limit; ++i) {
      r.values.emplace_back(x->items[static_cast<std::size_t>(i)]);
    }
  }
  cb(std::move(r));
}

void memory_keyspace::element_at(const storage::caller& c, std::string_view key,
                                 std::int64_t index, kv_callback cb) {
  range(c, key, index, index, 1, [cb = std::move(cb)](kv_result&& r) {
    if (r.ok() && !r.values.empty()) r.value = r.values.front();
    r.values.clear();
    cb(std::move(r));
  });
}

void memory_keyspace::set_at(const storage::caller& c, std::string_view key, std::int64_t index,
                             std::string_view element, kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  const auto len = x ? static_cast<std::int64_t>(x->items.size()) : 0;
  if (index < 0) index += len;
  if (x == nullptr)
    r.error = "ERR no such key";
  else if (index < 0 || index >= len)
    r.error = "ERR index out of range";
  else
    x->items[static_cast<std::size_t>(index)] = element;
  cb(std::move(r));
}

void memory_keyspace::insert_element(const storage::caller& c, std::string_view key, bool after,
                                     std::string_view pivot, std::string_view element,
                                     kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  auto it = std::find(x->items.begin(), x->items.end(), pivot);
  if (it == x->items.end()) {
    r.integer = -1;
    return cb(std::move(r));
  }
  x->items.insert(after ? it + 1 : it, std::string(element));
  r.integer = static_cast<std::int64_t>(x->items.size());
  cb(std::move(r));
}

void memory_keyspace::remove_elements(const storage::caller& c, std::string_view key,
                                      std::int64_t count, std::string_view element,
                                      kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  std::deque<std::string> kept;
  std::int64_t removed = 0;
  const std::int64_t most =
      count == 0 || count == INT64_MIN ? INT64_MAX : count < 0 ? -count : count;
  if (count >= 0) {
    for (auto& e : x->items) {
      if (e == element && removed < most)
        ++removed;
      else
        kept.push_back(std::move(e));
    }
  } else {
    for (auto it = x->items.rbegin(); it != x->items.rend(); ++it) {
      if (*it == element && removed < most)
        ++removed;
      else
        kept.push_front(std::move(*it));
    }
  }
  x->items = std::move(kept);
  if (x->items.empty()) rows_.erase(id{std::string(c.tenant), std::string(key)});
  r.integer = removed;
  cb(std::move(r));
}

void memory_keyspace::trim(const storage::caller& c, std::string_view key, std::int64_t start,
                           std::int64_t stop, kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  if (x == nullptr) return cb({});
  if (!clamp(static_cast<std::int64_t>(x->items.size()), start, stop)) {
    rows_.erase(id{std::string(c.tenant), std::string(key)});
    return cb({});
  }
  x->items.erase(x->items.begin() + stop + 1, x->items.end());
  x->items.erase(x->items.begin(), x->items.begin() + start);
  cb({});
}

void memory_keyspace::positions(const storage::caller& c, std::string_view key,
                                std::string_view element, std::int64_t rank, std::int64_t count,
                                std::int64_t maxlen, kv_callback cb) {
  bool wrong = false;
  row* x = list_row(c, key, false, wrong);
  if (wrong) return cb(wrong_type());
  kv_result r;
  if (x == nullptr) return cb(std::move(r));
  const auto len = static_cast<std::int64_t>(x->items.size());
  const std::int64_t skip = rank == INT64_MIN ? 0 : (rank < 0 ? -rank : rank) - 1;
  std::int64_t seen = 0;
  for (std::int64_t n = 0; n < len && (maxlen == 0 || n < maxlen); ++n) {
    const std::int64_t i = rank > 0 ? n : len - 1 - n;
    if (x->items[static_cast<std::size_t>(i)] != element) continue;
    if (seen++ < skip) continue;
    r.integers.push_back(i);
    if (count > 0 && static_cast<std::int64_t>(r.integers.size()) >= count) break;
  }
  cb(std::move(r));
}

void memory_keyspace::move_element(const storage::caller& c, std::string_view from,
                                   std::string_view to, list_end from_end, list_end to_end,
                                   kv_callback cb) {
  bool wrong = false;
  row* src = list_row(c, from, false, wrong);
  if (wrong) return cb(wrong_type());
  if (src == nullptr) return cb({});
  row* dst = live(c, to);
  if (dst != nullptr && !dst->is_list) return cb(wrong_type());
  std::string e;
  if (from_end == list_end::left) {
    e = std::move(src->items.front());
    src->items.pop_front();
  } else {
    e = std::move(src->items.back());
    src->items.pop_back();
  }
  if (src->items.empty()) rows_.erase(id{std::string(c.tenant), std::string(from)});
  const std::string_view element = e;
  push(c, to, to_end, {&element, 1}, false, [&](kv_result&&) {});
  kv_result r;
  r.value = element;
  cb(std::move(r));
}

}  // namespace fpc::test
