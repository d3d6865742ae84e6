// The vocabulary of the storage seam: who asks, expiry options, and what an operation returns.
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

namespace fpc::storage {

/// Who is asking: the tenant scopes every row; client_id keeps one client's commands in order
/// (the backend pins a client to one connection).
struct caller {
  std::string_view tenant;
  std::uint64_t client_id;
  /// A statement that may run long (big values, whole-keyspace walks): the backend runs it apart
  /// from other clients' statements. The dispatcher sends it only when the client has nothing
  /// else in flight, so the client's own order holds.
  bool heavy = false;
};

/// When a key expires, as a SET or EXPIRE option. Times are milliseconds; the backend turns them
/// into timestamps with PostgreSQL's clock, which is the authority for expiry.
struct expiry {
  enum class kind { none, keep, relative_ms, unix_ms } how = kind::none;
  std::int64_t ms = 0;
};

/// EXPIRE's NX / XX / GT / LT, as bits that combine (XX GT is allowed, as in Redis). The expire
/// statement tests the same bits: never renumber them.
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
/// Redis's refusal of a string that would grow past proto-max-bulk-len (APPEND, SETRANGE).
inline constexpr std::string_view string_too_long_error =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/// A command of one type against a key of another.
inline constexpr std::string_view wrong_type_error =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

struct kv_result {
  std::string error;  // non-empty: the operation failed; a Redis error text ("ERR ...")
  std::int64_t integer = 0;
  std::int64_t integer2 = 0;
  // Views the backend's result buffer: valid only while the callback runs (copy to keep it).
  // Saves a copy per GET on the hot path.
  std::optional<std::string_view> value;
  std::vector<std::optional<std::string_view>> values;  // MGET; same lifetime as `value`
  std::vector<std::int64_t> integers;                   // WATCH's versions
  std::vector<double> doubles;                          // sorted set scores
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

}  // namespace fpc::storage
