// The storage interface the command handlers call; pgbackend implements it over PostgreSQL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fpc::server {

/// Who is asking: the tenant scopes every row; client_id keeps one client's commands in order
/// (the backend pins a client to one connection).
struct caller {
  std::string_view tenant;
  std::uint64_t client_id;
};

/// When a key expires, as a SET or EXPIRE option. Times are milliseconds; the backend turns them
/// into timestamps with PostgreSQL's clock, which is the authority for expiry.
struct expiry {
  enum class kind { none, keep, relative_ms, unix_ms } how = kind::none;
  std::int64_t ms = 0;
};

/// EXPIRE's NX / XX / GT / LT, as bits that combine (XX GT is allowed, as in Redis).
enum expire_condition : unsigned {
  expire_always = 0,
  expire_nx = 1,  ///< only keys without an expiry
  expire_xx = 2,  ///< only keys with an expiry
  expire_gt = 4,  ///< only when later than the current expiry (none counts as infinite)
  expire_lt = 8,  ///< only when earlier than the current expiry
};

struct set_options {
  enum class condition { always, if_absent, if_present } when = condition::always;  // NX / XX
  expiry expires;
  bool return_old = false;  // SET ... GET
};

/// The outcome of one storage operation. Each operation documents which fields it fills.
struct kv_result {
  std::string error;  // non-empty: the operation failed; a Redis error text ("ERR ...")
  std::int64_t integer = 0;
  std::int64_t integer2 = 0;
  // Views the backend's result buffer: valid only while the callback runs (copy to keep it).
  // Saves a copy per GET on the hot path.
  std::optional<std::string_view> value;
  std::vector<std::optional<std::string_view>> values;  // MGET; same lifetime as `value`
  std::vector<std::int64_t> integers;                   // WATCH's versions
  bool conflict =
      false;  // EXEC's transaction lost to a concurrent one: running it again may succeed

  [[nodiscard]] bool ok() const { return error.empty(); }
};

using kv_callback = std::function<void(kv_result&&)>;

/// The keys a client WATCHes and the version of each when it was watched.
struct watched_keys {
  static constexpr std::int64_t no_key = -1;   ///< the key was absent (or expired)
  static constexpr std::int64_t unknown = -2;  ///< WATCH failed or is still running: EXEC aborts
  std::vector<std::string> keys;
  std::vector<std::int64_t> versions;  // one per key
};

/// INCRBYFLOAT and other read-modify-writes: from the current value (none when absent), the new
/// value, or false with `error` set to refuse (nothing is written then).
using modify_function = std::function<bool(std::optional<std::string_view> current,
                                           std::string& next, std::string& error)>;

/// Asynchronous, per-event-loop storage. Callbacks run on the caller's event loop, in the order
/// the same client issued the operations.
class keyspace {
 public:
  virtual ~keyspace() = default;
  /// value: the live value, or nothing.
  virtual void get(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: 1 when written; value: the old live value when options.return_old.
  virtual void set(const caller& c, std::string_view key, std::string_view value,
                   const set_options& options, kv_callback cb) = 0;
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
  /// integer: live keys of the tenant; integer2: those with an expiry.
  virtual void count_keys(const caller& c, kv_callback cb) = 0;
  /// Deletes every key of the tenant (and only of the tenant).
  virtual void flush(const caller& c, kv_callback cb) = 0;

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
  /// integer: the length after appending.
  virtual void append(const caller& c, std::string_view key, std::string_view suffix,
                      kv_callback cb) = 0;
  /// integer: the length after writing `piece` at `offset` (zero-padding as needed).
  virtual void setrange(const caller& c, std::string_view key, std::int64_t offset,
                        std::string_view piece, kv_callback cb) = 0;
  /// integer: the value's length, 0 when missing.
  virtual void strlen(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integer: the new value. Fails with Redis's error when the value is not an integer or the
  /// result would overflow.
  virtual void incr_by(const caller& c, std::string_view key, std::int64_t delta,
                       kv_callback cb) = 0;
  /// values: live keys k with from <= k < below (no upper bound when `below` is empty), in
  /// byte order, at most `limit` of them (0: all).
  virtual void key_range(const caller& c, std::string_view from,
                         std::optional<std::string_view> below, std::size_t limit,
                         kv_callback cb) = 0;
  /// MULTI/EXEC: every operation the caller submits between these runs as one transaction, with
  /// no other client's statement in between. The commit callback fails when it rolled back.
  /// With `locked_keys` (a write transaction whose keys are all known; the same to both calls)
  /// it locks those keys first and then runs READ COMMITTED: it cannot lose to a concurrent
  /// transaction (but for a deadlock). Without, it runs on one REPEATABLE READ snapshot (reads,
  /// or commands over the whole keyspace), where a write can lose: the commit then reports
  /// `conflict`, and running it again may succeed.
  virtual void begin_transaction(const caller& c, const std::vector<std::string>* locked_keys) = 0;
  virtual void commit_transaction(const caller& c, const std::vector<std::string>* locked_keys,
                                  kv_callback cb) = 0;
  /// integer: -2 missing, -1 no expiry, else the expiry as unix milliseconds.
  virtual void expire_time(const caller& c, std::string_view key, kv_callback cb) = 0;

  /// WATCH. integers: one version per key (watched_keys::no_key when absent).
  virtual void watch(const caller& c, std::span<const std::string_view> keys, kv_callback cb) = 0;
  /// EXEC: submitted right after begin_transaction, before the commands. integer: 1 when every
  /// watched key still has its version; 0 when one changed, and then the transaction rolls back.
  /// Reads `watched` once earlier operations (the WATCHes) have completed.
  virtual void verify_watched(const caller& c, std::shared_ptr<const watched_keys> watched,
                              kv_callback cb) = 0;
  /// Atomically replaces the value with what `modify` makes of it, keeping the expiry.
  /// value: the new value. The caller's later operations wait for it.
  virtual void read_modify_write(const caller& c, std::string_view key, modify_function modify,
                                 kv_callback cb) = 0;
  /// RENAME / RENAMENX for distinct keys. integer: 0 no source, 1 renamed, 2 refused (nx).
  virtual void rename(const caller& c, std::string_view from, std::string_view to, bool nx,
                      kv_callback cb) = 0;
  /// COPY for distinct keys. integer: 1 when copied.
  virtual void copy(const caller& c, std::string_view from, std::string_view to, bool replace,
                    kv_callback cb) = 0;
  /// value: a random live key, if any.
  virtual void random_key(const caller& c, kv_callback cb) = 0;
};

}  // namespace fpc::server
