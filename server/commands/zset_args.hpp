// Arguments the sorted set commands share, parsed with Redis 7.0's rules and error texts:
// scores, score and lexicographic bounds, and the options of the ZRANGE family.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/dispatch/command_call.hpp"

#include "storage/zset_store.hpp"

namespace fpc::server::handlers {

/// A score as ZADD takes it (strtod's syntax, inf included, no NaN, no spaces).
[[nodiscard]] bool parse_score(std::string_view arg, double& out);
/// A score bound: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
[[nodiscard]] bool parse_score_bound(std::string_view arg, double& out, bool& exclusive);
/// A lexicographic bound: `[a`, `(a`, `-`, `+`.
[[nodiscard]] bool parse_lex_bound(std::string_view arg, storage::lex_bound& out);

/// What one command of the ZRANGE family asks: the range, and whether scores come back.
struct zrange_request {
  storage::zrange_spec spec;
  bool with_scores = false;
};

/// The ZRANGE family's grammar, by command name (zrange, zrangebyscore, zrevrangebyscore,
/// zrangebylex, zrevrangebylex, zrevrange; zcount/zlexcount/zremrangeby* pass their own name).
/// False with Redis's error text.
[[nodiscard]] bool parse_zrange(std::string_view command, std::span<const std::string_view> args,
                                zrange_request& out, std::string& error);

/// ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD.
struct zcombine_args {
  storage::zset_operation operation = storage::zset_operation::zset_union;
  std::optional<std::string_view> destination;
  std::vector<std::string_view> keys;
  std::vector<double> weights;  // one per key, 1 unless WEIGHTS
  storage::zset_aggregate aggregate = storage::zset_aggregate::sum;
  bool with_scores = false;
  std::int64_t limit = 0;  // ZINTERCARD's LIMIT (0: none)
};
/// `name` is the command in lower case.
[[nodiscard]] bool parse_zcombine_args(const std::string& name,
                                       std::span<const std::string_view> args,
                                       zcombine_args& out, std::string& error);

/// [key, [[member, score] ...]] (ZMPOP, BZMPOP), or a null array when nothing was popped (or
/// the error).
void write_key_and_pairs(resp::reply_writer& w, const kv_result& r);
kv_callback key_and_pairs_reply(command_call& call);

}  // namespace fpc::server::handlers
