// The maintenance family of the storage seam: what the background tasks ask of the store
// (expiry sweep, stored-size readings, eviction rounds, the LRU access clock).
#pragma once

#include "storage/types.hpp"

namespace fpc::storage {

/// Which sampled keys an eviction round deletes first. The values are shared with SQL (the
/// eviction statement's $5): never renumber them.
enum class eviction_order : int {
  least_recently_used = 0,
  random = 1,
  soonest_expiry = 2,
};

struct eviction_round {
  std::optional<std::string> user;  // only this user's keys; none: everyone's
  double sample_percent = 100;      // of the table's pages
  std::int64_t sample = 0, victims = 0;
  eviction_order order = eviction_order::least_recently_used;
  bool volatile_only = false;
};

class maintenance {
 public:
  virtual ~maintenance() = default;
  /// Deletes up to `limit` expired rows of every tenant; integer: rows deleted; values: tenant,
  /// key of each expired key deleted (keyspace notifications of class x).
  virtual void sweep_expired(std::int64_t limit, kv_callback cb) = 0;
  /// values: users; integers: for each user its stored key+value bytes, then its keys.
  virtual void read_usage(kv_callback cb) = 0;
  /// Folds the usage rows of ended backends into one row per user.
  virtual void compact_usage(kv_callback cb) = 0;
  /// integer: keys deleted.
  virtual void evict(const eviction_round& round, kv_callback cb) = 0;
  /// The LRU access clock: while on, GET hits are remembered and flushed in one statement that
  /// moves each key's clock at most once per `resolution_seconds` (0: off).
  virtual void set_access_clock(std::int64_t resolution_seconds) = 0;
  virtual void flush_accesses() = 0;
};

}  // namespace fpc::storage
