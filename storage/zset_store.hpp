// The sorted set family of the storage seam: members with IEEE double scores, ordered by
// (score, member bytes), read by rank, score or lexicographic range.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "storage/types.hpp"

namespace fpc::storage {

/// ZADD's options as bits (the zadd function tests the same bits: never renumber them).
enum zadd_flag : unsigned {
  zadd_nx = 1,     ///< only add new members
  zadd_xx = 2,     ///< only update existing members
  zadd_gt = 4,     ///< update only to a greater score
  zadd_lt = 8,     ///< update only to a lesser score
  zadd_ch = 16,    ///< count changed members too
  zadd_incr = 32,  ///< ZINCRBY-like: one pair, answers the new score
};

/// A lexicographic bound: `[x` inclusive, `(x` exclusive, `-` and `+` the ends.
struct lex_bound {
  enum class kind { inclusive = 0, exclusive = 1, minus = 2, plus = 3 } how = kind::minus;
  std::string value;
};

/// Which members a ZRANGE-like command selects, in the order it lists them.
struct zrange_spec {
  enum class by { rank = 0, score = 1, lex = 2 } kind = by::rank;
  bool reverse = false;
  std::int64_t start = 0, stop = -1;  ///< ranks (by::rank), Redis's indexes
  double min = 0, max = 0;            ///< scores (by::score): min <= max even in reverse
  bool min_exclusive = false, max_exclusive = false;
  lex_bound lex_min, lex_max;  ///< by::lex: lex_min <= lex_max even in reverse
  std::int64_t offset = 0;     ///< LIMIT offset (by::score, by::lex)
  std::int64_t count = -1;     ///< LIMIT count, negative: all
};

/// ZINTER, ZUNION, ZDIFF (the zcombine function tests the same numbers).
enum class zset_operation { intersection = 0, zset_union = 1, difference = 2 };
/// AGGREGATE SUM, MIN, MAX.
enum class zset_aggregate { sum = 0, min = 1, max = 2 };

/// Every operation answers wrong_type_error when a key it reads holds another type. Scores come
/// back in kv_result::doubles, one per member in values.
class zset_store {
 public:
  virtual ~zset_store() = default;
  /// integer: members added (with zadd_ch, added or changed). With zadd_incr: doubles[0] the
  /// new score, none when a condition refused the update; error when the result is NaN.
  virtual void zadd(const caller& c, std::string_view key, unsigned flags,
                    std::span<const double> scores, std::span<const std::string_view> members,
                    kv_callback cb) = 0;
  /// integer: members removed; the key goes with its last member.
  virtual void zrem(const caller& c, std::string_view key,
                    std::span<const std::string_view> members, kv_callback cb) = 0;
  /// integer: the number of members.
  virtual void zcard(const caller& c, std::string_view key, kv_callback cb) = 0;
  /// integers: 1 per member present (its score in doubles at the same index), 0 absent.
  virtual void zscores(const caller& c, std::string_view key,
                       std::span<const std::string_view> members, kv_callback cb) = 0;
  /// integer: the member's rank (from the top with `reverse`), integer2: 1 when it is there.
  virtual void zrank(const caller& c, std::string_view key, std::string_view member,
                     bool reverse, kv_callback cb) = 0;
  /// values and doubles: the selected members and scores in order, at most `limit` + 1.
  virtual void zrange(const caller& c, std::string_view key, const zrange_spec& spec,
                      std::size_t limit, kv_callback cb) = 0;
  /// integer: how many members the range selects (ZCOUNT, ZLEXCOUNT).
  virtual void zcount(const caller& c, std::string_view key, const zrange_spec& spec,
                      kv_callback cb) = 0;
  /// integer: members removed (ZREMRANGEBYRANK/SCORE/LEX); the key goes with its last member.
  virtual void zremrange(const caller& c, std::string_view key, const zrange_spec& spec,
                         kv_callback cb) = 0;
  /// From the first of `keys` that holds a sorted set: value is that key (none: all absent),
  /// values/doubles up to `count` lowest (or `highest`) members and scores, removed.
  virtual void zpop(const caller& c, std::span<const std::string_view> keys, bool highest,
                    std::int64_t count, kv_callback cb) = 0;
  /// values/doubles: the result of `op` over `keys` (sorted sets, or sets whose members score 1)
  /// with `weights` (one per key) and `aggregate`, in (score, member) order, at most `limit` + 1.
  virtual void zcombine(const caller& c, zset_operation op, std::span<const std::string_view> keys,
                        std::span<const double> weights, zset_aggregate aggregate,
                        std::size_t limit, kv_callback cb) = 0;
  /// integer: the size of the result, stored at `destination` (replacing any type; an empty
  /// result deletes it).
  virtual void zcombine_into(const caller& c, zset_operation op, std::string_view destination,
                             std::span<const std::string_view> keys,
                             std::span<const double> weights, zset_aggregate aggregate,
                             kv_callback cb) = 0;
  /// integer: the size of the intersection, counting stops at `limit` (0: no limit).
  virtual void zintercard(const caller& c, std::span<const std::string_view> keys,
                          std::int64_t limit, kv_callback cb) = 0;
  /// integer: members of `source`'s range stored at `destination` (ZRANGESTORE).
  virtual void zrangestore(const caller& c, std::string_view destination,
                           std::string_view source, const zrange_spec& spec, kv_callback cb) = 0;
  /// values/doubles: `count` > 0 distinct random members (all when fewer), `count` < 0 that many
  /// with repeats.
  virtual void zrandmember(const caller& c, std::string_view key, std::int64_t count,
                           kv_callback cb) = 0;
  /// values/doubles: up to `limit` members from `from` on, in member byte order (ZSCAN).
  virtual void zscan_page(const caller& c, std::string_view key, std::string_view from,
                          std::size_t limit, kv_callback cb) = 0;
};

}  // namespace fpc::storage
