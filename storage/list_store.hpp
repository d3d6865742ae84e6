// The list family of the storage seam: elements of one key, pushed and popped at either end.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "storage/types.hpp"

namespace fpc::storage {

/// LEFT is the head (index 0), RIGHT the tail.
enum class list_end { left = 0, right = 1 };

/// Every operation answers wrong_type_error when a key it reads holds another type. Indexes
/// follow Redis: negative ones count from the tail (-1 is the last element).
class list_store {
 public:
  virtual ~list_store() = default;
  /// integer: the length after the push; with `only_existing` (LPUSHX) 0 when the key is absent.
  virtual void push(const caller& c, std::string_view key, list_end end,
                    std::span<const std::string_view> elements, bool only_existing,
                    kv_callback cb) = 0;
  /// From the first of `keys` that holds a list: value is that key (none: every key was
  /// absent), values its up to `count` elements popped at `end`, in pop order. The key goes
  /// with its last element.
  virtual void pop(const caller& c, std::span<const std::string_view> keys, list_end end,
                   std::int64_t count, kv_callback cb) = 0;
  /// integer: the number of elements.
  virtual void length(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// values: the elements from `start` to `stop` inclusive, at most `limit` + 1 of them.
  virtual void range(const caller& c, std::string_view key, std::int64_t start,
                     std::int64_t stop, std::size_t limit, kv_callback cb) = 0;
  /// value: the element at `index`, none when out of range.
  virtual void element_at(const caller& c, std::string_view key, std::int64_t index,
                     kv_callback cb) = 0;
  /// Replaces the element at `index`; errors "ERR no such key" / "ERR index out of range".
  virtual void set_at(const caller& c, std::string_view key, std::int64_t index,
                   std::string_view element, kv_callback cb) = 0;
  /// integer: the length after inserting `element` before (or `after`) the first `pivot`; -1
  /// when there is no such pivot, 0 when the key is absent.
  virtual void insert_element(const caller& c, std::string_view key, bool after, std::string_view pivot,
                      std::string_view element, kv_callback cb) = 0;
  /// integer: elements equal to `element` removed, the first `count` from the head (negative:
  /// from the tail; 0: all).
  virtual void remove_elements(const caller& c, std::string_view key, std::int64_t count,
                      std::string_view element, kv_callback cb) = 0;
  /// Keeps the elements from `start` to `stop`; the key goes when none remain.
  virtual void trim(const caller& c, std::string_view key, std::int64_t start, std::int64_t stop,
                    kv_callback cb) = 0;
  /// integers: the indexes of the elements equal to `element`, as LPOS RANK/COUNT/MAXLEN
  /// (count 0: all; maxlen 0: the whole list), in the order found.
  virtual void positions(const caller& c, std::string_view key, std::string_view element,
                         std::int64_t rank, std::int64_t count, std::int64_t maxlen,
                         kv_callback cb) = 0;
  /// value: the element moved from `from`'s `from_end` to `to`'s `to_end`; none when `from` is
  /// absent.
  virtual void move_element(const caller& c, std::string_view from, std::string_view to,
                    list_end from_end, list_end to_end, kv_callback cb) = 0;
};

}  // namespace fpc::storage
