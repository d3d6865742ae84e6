// The string family of the storage seam: values read and written whole or in part.
#pragma once

#include "storage/types.hpp"

namespace fpc::storage {

/// Callbacks run on the caller's event loop, in the order the same client issued the operations.
class string_store {
 public:
  virtual ~string_store() = default;
  /// value: the live value, or nothing; integer: with a value, its remaining time to live in
  /// milliseconds (rounded down), -1 when it has none.
  virtual void get(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// A GET answered without the backend (from the near cache): counts as an access for the
  /// backend's LRU eviction.
  virtual void note_read(const caller& /*c*/, std::string_view /*key*/) {}
  /// integer: 1 when written; value: the old live value when options.return_old.
  virtual void set(const caller& c, std::string_view key, std::string_view value,
                   const set_options& options, kv_callback cb) = 0;
  /// values: one per key, in order.
  virtual void mget(const caller& c, std::span<const std::string_view> keys, kv_callback cb) = 0;
  /// Sets every pair in one statement (the last of repeated keys wins); no expiry.
  virtual void mset(const caller& c, std::span<const std::string_view> pairs, kv_callback cb) = 0;
  /// integer: 1 when no key existed and all were set, else 0 and nothing changed.
  virtual void msetnx(const caller& c, std::span<const std::string_view> pairs, kv_callback cb) = 0;
  /// value: the live value deleted, if any.
  virtual void getdel(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// value: the live value; its expiry becomes `when` (kind::none: unchanged; persist: removed).
  virtual void getex(const caller& c, std::string_view key, const expiry& when, bool persist,
                     kv_callback cb) = 0;
  /// integer: the length after appending; the error string_too_long_error, changing nothing,
  /// when that length would pass `max_length`.
  virtual void append(const caller& c, std::string_view key, std::string_view suffix,
                      std::size_t max_length, kv_callback cb) = 0;
  /// integer: the length after writing `piece` at `offset` (zero-padding as needed).
  virtual void setrange(const caller& c, std::string_view key, std::int64_t offset,
                        std::string_view piece, kv_callback cb) = 0;
  /// integer: the value's length, 0 when missing.
  virtual void strlen(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: the new value. Fails with Redis's error when the value is not an integer or the
  /// result would overflow.
  virtual void incr_by(const caller& c, std::string_view key, std::int64_t delta,
                       kv_callback cb) = 0;
  /// Atomically replaces the value with what `modify` makes of it, keeping the expiry.
  /// value: the new value. The caller's later operations wait for it.
  virtual void read_modify_write(const caller& c, std::string_view key, modify_function modify,
                                 kv_callback cb) = 0;
};

}  // namespace fpc::storage
