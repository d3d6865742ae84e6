// Sorted set arguments, parsed as Redis 7.0 parses them (zslParseRange, zslParseLexRange,
// zrangeGenericCommand's options).
#include "server/commands/zset_args.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "resp/numbers.hpp"

namespace fpc::server::handlers {

namespace {
constexpr std::string_view not_float = "ERR min or max is not a float";
constexpr std::string_view not_lex = "ERR min or max not valid string range item";
constexpr std::string_view not_integer = "ERR value is not an integer or out of range";
}  // namespace

bool parse_score(std::string_view arg, double& out) {
  if (arg.empty() || std::isspace(static_cast<unsigned char>(arg[0]))) return false;
  const std::string text(arg);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(out)) return false;
  // Redis refuses what strtod over- or underflows (1e400, 1e-400), but not a written "inf".
  if (errno == ERANGE && (std::isinf(out) || out == 0)) return false;
  // Redis's compact encoding stores -0 as 0: its replies show "0".
  if (out == 0) out = 0;
  return true;
}

bool parse_score_bound(std::string_view arg, double& out, bool& exclusive) {
  exclusive = !arg.empty() && arg[0] == '(';
  if (exclusive) arg.remove_prefix(1);
  const std::string text(arg);
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && !std::isnan(out);
}

bool parse_lex_bound(std::string_view arg, storage::lex_bound& out) {
  using kind = storage::lex_bound::kind;
  if (arg == "+") {
    out = {kind::plus, {}};
  } else if (arg == "-") {
    out = {kind::minus, {}};
  } else if (!arg.empty() && (arg[0] == '[' || arg[0] == '(')) {
    out = {arg[0] == '[' ? kind::inclusive : kind::exclusive, std::string(arg.substr(1))};
  } else {
    return false;
  }
  return true;
}

bool parse_zrange(std::string_view command, std::span<const std::string_view> args,
                  zrange_request& out, std::string& error) {
  using by = storage::zrange_spec::by;
  auto& spec = out.spec;
  const std::string name = resp::to_lower(command);
  // What the name fixes; ZRANGE leaves kind and direction to its options (Redis's AUTO).
  bool kind_open = false, direction_open = false;
  if (name == "zrange") {
    kind_open = direction_open = true;
  } else {
    if (name.find("byscore") != std::string::npos || name == "zcount") spec.kind = by::score;
    if (name.find("bylex") != std::string::npos || name == "zlexcount") spec.kind = by::lex;
    spec.reverse = name.starts_with("zrev");
  }
  const bool takes_options = name.starts_with("zrange") || name.starts_with("zrevrange");
  if (!takes_options && args.size() > 4) {
    error = "ERR syntax error";
    return false;
  }
  bool limited = false;
  for (std::size_t i = 4; takes_options && i < args.size(); ++i) {
    const auto opt = args[i];
    if (resp::iequals(opt, "withscores")) {
      out.with_scores = true;
    } else if (resp::iequals(opt, "limit") && i + 2 < args.size()) {
      long long offset = 0, count = 0;
      if (!resp::parse_integer(args[i + 1], offset) ||
          !resp::parse_integer(args[i + 2], count)) {
        error = not_integer;
        return false;
      }
      spec.offset = offset;
      spec.count = count;
      limited = count != -1;  // Redis's check: LIMIT x -1 passes with a rank range
      i += 2;
    } else if (direction_open && resp::iequals(opt, "rev")) {
      spec.reverse = true;
      direction_open = false;
    } else if (kind_open && resp::iequals(opt, "bylex")) {
      spec.kind = by::lex;
      kind_open = false;
    } else if (kind_open && resp::iequals(opt, "byscore")) {
      spec.kind = by::score;
      kind_open = false;
    } else {
      error = "ERR syntax error";
      return false;
    }
  }
  if (limited && spec.kind == by::rank) {
    error = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    return false;
  }
  if (out.with_scores && spec.kind == by::lex) {
    error = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    return false;
  }
  // ZREVRANGEBYSCORE, ZREVRANGEBYLEX and ZRANGE ... BYSCORE|BYLEX REV name max first.
  const bool swapped = spec.reverse && spec.kind != by::rank;
  const std::string_view low = swapped ? args[3] : args[2];
  const std::string_view high = swapped ? args[2] : args[3];
  if (spec.kind == by::rank) {
    long long start = 0, stop = 0;
    if (!resp::parse_integer(args[2], start) || !resp::parse_integer(args[3], stop)) {
      error = not_integer;
      return false;
    }
    spec.start = start;
    spec.stop = stop;
  } else if (spec.kind == by::score) {
    if (!parse_score_bound(low, spec.min, spec.min_exclusive) ||
        !parse_score_bound(high, spec.max, spec.max_exclusive)) {
      error = not_float;
      return false;
    }
  } else if (!parse_lex_bound(low, spec.lex_min) || !parse_lex_bound(high, spec.lex_max)) {
    error = not_lex;
    return false;
  }
  // A negative offset selects nothing, as in Redis.
  if (spec.offset < 0) spec.count = 0, spec.offset = 0;
  return true;
}

}  // namespace fpc::server::handlers
