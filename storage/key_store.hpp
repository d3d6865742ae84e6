// The keyspace family of the storage seam: what every key has whatever its type (existence,
// expiry, names, counts).
#pragma once

#include "storage/types.hpp"

namespace fpc::storage {

/// What RENAME / RENAMENX did, as kv_result::integer. Shared with SQL (the rename statement's
/// result): never renumber.
enum class rename_outcome : std::int64_t { no_source = 0, renamed = 1, refused = 2 };

/// Callbacks run on the caller's event loop, in the order the same client issued the operations.
class key_store {
 public:
  virtual ~key_store() = default;
  /// integer: live keys deleted (each distinct key once).
  virtual void del(const caller& c, std::span<const std::string_view> keys, kv_callback cb) = 0;
  /// integer: live keys among `keys`, repeats counted again.
  virtual void exists(const caller& c, std::span<const std::string_view> keys, kv_callback cb) = 0;
  /// integer: -2 no such key, -1 no expiry, else milliseconds left.
  virtual void pttl(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: 1 when the expiry was set, or the key deleted because `when` is already past.
  virtual void expire(const caller& c, std::string_view key, const expiry& when,
                      unsigned conditions, kv_callback cb) = 0;
  /// integer: 1 when an expiry was removed.
  virtual void persist(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: -2 missing, -1 no expiry, else the expiry as unix milliseconds.
  virtual void expire_time(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: live keys of the tenant; integer2: those with an expiry; integers: their average
  /// remaining time to live in milliseconds (0 when none expires).
  virtual void count_keys(const caller& c, kv_callback cb) = 0;
  /// Deletes every key of the tenant (and only of the tenant).
  virtual void flush(const caller& c, kv_callback cb) = 0;
  /// values: live keys k with from <= k < below (no upper bound when `below` is empty), in
  /// byte order, at most `limit` of them (0: all); integers: the type of each (0 string, 1 hash,
  /// 2 set, 3 list, 4 sorted set).
  virtual void key_range(const caller& c, std::string_view from,
                         std::optional<std::string_view> below, std::size_t limit,
                         kv_callback cb) = 0;
  /// RENAME / RENAMENX for distinct keys. integer: a rename_outcome.
  virtual void rename(const caller& c, std::string_view from, std::string_view to, bool nx,
                      kv_callback cb) = 0;
  /// COPY for distinct keys. integer: 1 when copied.
  virtual void copy(const caller& c, std::string_view from, std::string_view to, bool replace,
                    kv_callback cb) = 0;
  /// value: a random live key, if any.
  /// value: the live key's type name ("string", "hash", "set", "list", "zset"), or nothing.
  virtual void key_type(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// OBJECT's facts about a live key (none: integer -1). integer: its type (as key_range);
  /// integer2: a string's length, or a collection's members counted up to 513; integers: the
  /// longest member (field or value) among those counted, 1 when they are all integers, the
  /// seconds since the key was last written or read; value: a string of up to 20 bytes.
  virtual void describe(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// MEMORY USAGE: integer, the bytes the key's rows take in PostgreSQL (a collection's member
  /// rows estimated from `samples` of them, 0: all), or -1 when there is no such key.
  virtual void memory_usage(const caller& c, std::string_view key, std::int64_t samples,
                            kv_callback cb) = 0;
  virtual void random_key(const caller& c, kv_callback cb) = 0;
};

}  // namespace fpc::storage
