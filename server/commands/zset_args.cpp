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
  const bool store = name == "zrangestore";  // ZRANGESTORE: ZRANGE's options but WITHSCORES
  if (name == "zrange" || store) {
    kind_open = direction_open = true;
  } else {
    if (name.find("byscore") != std::string::npos || name == "zcount") spec.kind = by::score;
    if (name.find("bylex") != std::string::npos || name == "zlexcount") spec.kind = by::lex;
    spec.reverse = name.starts_with("zrev");
  }
  const bool takes_options =
      name.starts_with("zrange") || name.starts_with("zrevrange");  // zrangestore too
  if (!takes_options && args.size() > 4) {
    error = "ERR syntax error";
    return false;
  }
  bool limited = false;
  for (std::size_t i = 4; takes_options && i < args.size(); ++i) {
    const auto opt = args[i];
    if (!store && resp::iequals(opt, "withscores")) {
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

bool parse_zcombine_args(const std::string& name, std::span<const std::string_view> args,
                         zcombine_args& out, std::string& error) {
  using op = storage::zset_operation;
  const bool store = name.ends_with("store");
  const bool card = name == "zintercard";
  out.operation = name.starts_with("zinter") ? op::intersection
                  : name.starts_with("zdiff") ? op::difference
                                              : op::zset_union;
  const std::size_t numkeys_at = store ? 2 : 1;
  if (store) out.destination = args[1];
  long long numkeys = 0;
  if (!resp::parse_integer(args[numkeys_at], numkeys)) {
    error = not_integer;
    return false;
  }
  if (numkeys < 1) {
    error = "ERR at least 1 input key is needed for '" + name + "' command";
    return false;
  }
  if (static_cast<unsigned long long>(numkeys) > args.size() - numkeys_at - 1) {
    error = "ERR syntax error";
    return false;
  }
  const auto n = static_cast<std::size_t>(numkeys);
  out.keys.assign(args.begin() + static_cast<std::ptrdiff_t>(numkeys_at + 1),
                  args.begin() + static_cast<std::ptrdiff_t>(numkeys_at + 1 + n));
  out.weights.assign(n, 1.0);
  const bool diff = out.operation == op::difference;
  for (std::size_t j = numkeys_at + 1 + n; j < args.size();) {
    const std::size_t remaining = args.size() - j;
    if (!diff && !card && remaining >= n + 1 && resp::iequals(args[j], "weights")) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!parse_score(args[j + 1 + i], out.weights[i])) {
          error = "ERR weight value is not a float";
          return false;
        }
      }
      j += n + 1;
    } else if (!diff && !card && remaining >= 2 && resp::iequals(args[j], "aggregate")) {
      const auto how = args[j + 1];
      if (resp::iequals(how, "sum")) out.aggregate = storage::zset_aggregate::sum;
      else if (resp::iequals(how, "min")) out.aggregate = storage::zset_aggregate::min;
      else if (resp::iequals(how, "max")) out.aggregate = storage::zset_aggregate::max;
      else {
        error = "ERR syntax error";
        return false;
      }
      j += 2;
    } else if (!store && !card && resp::iequals(args[j], "withscores")) {
      out.with_scores = true;
      ++j;
    } else if (card && remaining >= 2 && resp::iequals(args[j], "limit")) {
      long long limit = 0;
      if (!resp::parse_integer(args[j + 1], limit) || limit < 0) {
        error = "ERR LIMIT can't be negative";
        return false;
      }
      out.limit = limit;
      j += 2;
    } else {
      error = "ERR syntax error";
      return false;
    }
  }
  return true;
}

void write_key_and_pairs(resp::reply_writer& w, const kv_result& r) {
  if (!r.ok()) {
    w.error(r.error);
  } else if (!r.value) {
    w.null_array();
  } else {
    w.array(2);
    w.bulk(*r.value);
    w.array(r.values.size());
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      w.array(2);
      w.bulk(*r.values[i]);
      w.floating(r.doubles[i]);
    }
  }
}

kv_callback key_and_pairs_reply(command_call& call) {
  return [reply = call.defer()](kv_result&& r) {
    auto w = reply.writer();
    write_key_and_pairs(w, r);
    reply.finish();
  };
}

}  // namespace fpc::server::handlers
