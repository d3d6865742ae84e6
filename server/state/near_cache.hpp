// The in-process near cache of hot string values, kept coherent by write marks and invalidations.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fpc::server {

/// Counters INFO shows (near_cache_* fields); any thread.
struct near_cache_counters {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> fills_refused{0};  ///< a write or invalidation overtook the read
  std::atomic<std::uint64_t> evictions{0};
  std::atomic<std::uint64_t> invalidations{0};           ///< keys dropped by writes (any server)
  std::atomic<std::uint64_t> remote_invalidations{0};    ///< of those, announced by other servers
  std::atomic<std::uint64_t> flushes{0};                 ///< whole-cache or whole-tenant drops
};

/// A bounded LRU of (tenant, key) -> string value with its expiry, shared by every event loop
/// (sharded, one lock per shard).
///
/// Coherence rests on three rules, so a read never returns a value older than a write this
/// server has acknowledged:
/// - a write marks its keys (`begin_write`) before it is sent and unmarks them when its
///   transaction is over (`end_write`); a marked key is neither served nor filled;
/// - a read that missed opens a fill (`begin_fill`) before it is sent; every invalidation of the
///   key (or its tenant, or the cache) meanwhile voids the fill, so a value read before a write
///   committed is never stored after it;
/// - writes through other servers arrive as `invalidate` calls from the bus; while the bus is
///   down the cache serves nothing (`set_enabled(false)`), and it is emptied when it comes back.
class near_cache {
 public:
  using clock = std::chrono::steady_clock;
  /// What a fill remembers from when its read was sent.
  struct fill_ticket {
    std::uint64_t key_epoch = 0;
    std::uint64_t tenant_epoch = 0;
    std::uint64_t cache_epoch = 0;
    bool open = false;  ///< false: this read must not fill (a write is in flight, or cache off)
  };

  /// `max_bytes` 0: the cache is off (every call is a cheap no-op).
  explicit near_cache(std::size_t max_bytes);
  ~near_cache();
  near_cache(const near_cache&) = delete;
  near_cache& operator=(const near_cache&) = delete;

  [[nodiscard]] bool on() const { return max_bytes_ > 0; }
  [[nodiscard]] std::size_t max_bytes() const { return max_bytes_; }
  /// Off while the invalidation stream from the other servers is down.
  void set_enabled(bool enabled);

  /// Calls `use` with the value (under the shard's lock: copy it, keep no view) if it is held,
  /// not expired and not being written; whether it did.
  bool serve(std::string_view tenant, std::string_view key, clock::time_point now,
             const std::function<void(std::string_view)>& use);
  /// The same, as a copy.
  [[nodiscard]] std::optional<std::string> find(std::string_view tenant, std::string_view key,
                                                clock::time_point now);
  /// Opens a fill for a read about to be sent.
  [[nodiscard]] fill_ticket begin_fill(std::string_view tenant, std::string_view key);
  /// The read's answer: stores it unless something invalidated the key meanwhile.
  /// `expires_at`: nothing for a value without expiry.
  void finish_fill(std::string_view tenant, std::string_view key, const fill_ticket& ticket,
                   std::optional<std::string_view> value,
                   std::optional<clock::time_point> expires_at);

  /// A write to these keys is about to be sent / its transaction is over (committed or not).
  void begin_write(std::string_view tenant, std::string_view key);
  void end_write(std::string_view tenant, std::string_view key);
  /// The same for a write that may touch any key of the tenant (FLUSHDB, scripts).
  void begin_tenant_write(std::string_view tenant);
  void end_tenant_write(std::string_view tenant);

  /// Another server wrote these (key empty: the whole tenant; tenant empty: everything).
  void invalidate_remote(std::string_view tenant, std::string_view key);
  /// Drops everything (the bus reconnected, eviction ran with no single tenant).
  void clear();
  /// Drops a tenant's entries (eviction took some of its keys).
  void drop_tenant(std::string_view tenant);

  [[nodiscard]] std::size_t bytes() const;
  [[nodiscard]] std::size_t entries() const;
  [[nodiscard]] near_cache_counters& counters() { return counters_; }
  [[nodiscard]] const near_cache_counters& counters() const { return counters_; }
  [[nodiscard]] bool enabled() const { return on() && enabled_.load(std::memory_order_acquire); }
  /// Bytes an entry costs beyond its key and value: the list node, the index node and bucket, the
  /// heap blocks of the key and value strings (measured: RSS grows ~550 B per 100-byte value held,
  /// allocator slack and client buffers included).
  static constexpr std::size_t entry_overhead = 256;

 private:
  struct shard;
  shard& shard_for(std::string_view full_key);
  void invalidate_key(std::string_view tenant, std::string_view key);
  void bump_tenant(std::string_view tenant, int writers_delta);

  const std::size_t max_bytes_;
  std::atomic<bool> enabled_{true};
  std::vector<std::unique_ptr<shard>> shards_;
  near_cache_counters counters_;
};

}  // namespace fpc::server
