// RESP3 client-side caching (CLIENT TRACKING): which clients may hold which keys, and the
// invalidation messages a write sends them, on this server and (through the bus) every other.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fpc::server {

class client_connection;

/// One client's CLIENT TRACKING options (Redis's flags of the same names).
struct tracking_options {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  std::uint64_t redirect = 0;         ///< client id the messages go to; 0: the client itself
  std::vector<std::string> prefixes;  ///< BCAST: keys starting with one of these ("": every key)
};

/// CLIENT CACHING yes|no: applies to the next command (or the next MULTI ... EXEC).
enum class caching_choice { unset, yes, no };

/// Where a tracking client's messages go (the client itself, or its REDIRECT target).
struct tracking_endpoint {
  std::weak_ptr<client_connection> client;
  boost::asio::any_io_executor loop;
};

/// Shared by every loop, under one lock held only to look up and change the tables; messages are
/// posted to each receiver's own loop after it is released.
///
/// Default mode remembers, per (tenant, key), the ids of the clients that read it; a write of the
/// key sends each of them one `invalidate` message and forgets the key (until they read it
/// again). BCAST clients are told of every write of their tenant's keys that match a prefix.
/// Keys are per tenant like everything else: a write never reaches another tenant's clients.
/// The remembered keys are bounded (`max_keys`, Redis's tracking-table-max-keys); past it the
/// tenant remembering the most loses its oldest keys, and their readers are told to drop them,
/// so one tenant's reads cannot push out another's.
class tracking_table {
 public:
  explicit tracking_table(std::size_t max_keys) : max_keys_(max_keys) {}

  /// Every connected client, so CLIENT TRACKING REDIRECT can find its target by id (the target
  /// may be logged in as another user: messages for it are then dropped on its own loop).
  void note_connected(const std::shared_ptr<client_connection>& client);
  void note_gone(std::uint64_t id);
  [[nodiscard]] std::optional<tracking_endpoint> find_client(std::uint64_t id) const;

  /// Turns tracking on (or changes its options) for `client`, logged in as `tenant`.
  void enable(const std::shared_ptr<client_connection>& client, std::string_view tenant,
              const tracking_options& options, tracking_endpoint redirect_to);
  /// Turns it off (CLIENT TRACKING off, RESET, a new login, disconnect).
  void disable(std::uint64_t id);
  /// Whether any client tracks here, or any key is remembered: writes may skip the table if not.
  [[nodiscard]] bool active() const { return active_.load(std::memory_order_acquire); }

  /// A client in default mode read these keys (called before its read is sent, so a write that
  /// commits meanwhile still reaches it).
  void remember(std::string_view tenant, std::uint64_t id, std::span<const std::string_view> keys);
  /// A write of the key committed; `writer` is the client that made it (NOLOOP), 0 when it came
  /// from another server, SQL or the expiry sweep.
  void invalidate(std::string_view tenant, std::string_view key, std::uint64_t writer);
  /// Every key of the tenant (empty: of every tenant) may have changed: FLUSHDB, eviction, the
  /// bus coming back after it may have lost messages. Every tracking client of the tenant gets a
  /// null `invalidate` (flush everything), as Redis does on FLUSHALL.
  void invalidate_all(std::string_view tenant);

  void set_max_keys(std::size_t max_keys);
  struct totals {
    std::size_t clients = 0;
    std::size_t keys = 0;
    std::size_t items = 0;     ///< (key, client) pairs
    std::size_t prefixes = 0;  ///< BCAST prefixes
  };
  [[nodiscard]] totals count() const;

 private:
  struct tracked_client {
    std::string tenant;
    tracking_options options;
    tracking_endpoint self;
    tracking_endpoint redirect_to;
  };
  struct tenant_keys {
    std::unordered_map<std::string, std::vector<std::uint64_t>> readers;
    std::deque<std::string> order;  // insertion order, for the bound (may name forgotten keys)
  };
  /// One message to send once the lock is released.
  struct delivery {
    tracking_endpoint tracker;
    std::optional<tracking_endpoint> redirect_to;  // set when the tracker redirects
    std::uint64_t redirect_id = 0;
    std::string tenant;              // the receiver must still be logged in as it
    std::optional<std::string> key;  // none: flush everything
  };

  void add_delivery(std::vector<delivery>& out, const tracked_client& c,
                    std::optional<std::string> key) const;
  /// Forgets the key and queues its readers' messages (not `writer`'s when it asked NOLOOP).
  void take_readers(tenant_keys& keys, const std::string& tenant, const std::string& key,
                    std::uint64_t writer, std::vector<delivery>& out);
  void enforce_bound(std::vector<delivery>& out);
  void update_active();
  static void send(std::vector<delivery>& deliveries);

  mutable std::mutex directory_mutex_;
  std::unordered_map<std::uint64_t, tracking_endpoint> directory_;
  mutable std::mutex mutex_;
  std::size_t max_keys_;
  std::size_t key_count_ = 0;
  std::size_t item_count_ = 0;
  std::atomic<bool> active_{false};
  std::unordered_map<std::uint64_t, tracked_client> clients_;
  std::unordered_map<std::string, std::vector<std::uint64_t>> bcast_by_tenant_;
  std::unordered_map<std::string, tenant_keys> keys_;
};

}  // namespace fpc::server
