// KEYS and SCAN: ordered walks of the caller's keys, filtered with Redis's glob rules.
#include <charconv>

#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/state/glob.hpp"
#include "server/commands/handlers.hpp"

namespace fpc::server::handlers {
namespace {

// The literal start of a pattern ("user:*" -> "user:"), and the first key past every key with
// that prefix (none when the prefix is empty or all 0xff): KEYS and SCAN read only that range.
std::string literal_prefix(std::string_view pattern) {
  std::string prefix;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*' || c == '?' || c == '[') break;
    if (c == '\\' && i + 1 < pattern.size()) {
      prefix.push_back(pattern[++i]);
    } else {
      prefix.push_back(c);
    }
  }
  return prefix;
}

std::optional<std::string> prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

}  // namespace

void keys(command_call& call) {
  std::string pattern(call.args[1]);
  const std::string from = literal_prefix(pattern);
  const auto below = prefix_end(from);
  call.store().keys().key_range(call.session.who(), from,
                         below ? std::optional<std::string_view>(*below) : std::nullopt, 0,
                         [reply = call.defer(), pattern](kv_result&& r) {
                           auto w = reply.writer();
                           if (!r.ok()) {
                             w.error(r.error);
                           } else {
                             std::vector<std::string_view> matched;
                             for (const auto& k : r.values) {
                               if (glob_match(pattern, *k)) matched.push_back(*k);
                             }
                             w.array(matched.size());
                             for (auto k : matched) w.bulk(k);
                           }
                           reply.finish();
                         });
}

void scan(command_call& call) {
  const auto& args = call.args;
  std::uint64_t cursor = 0;
  const auto [end, ec] = std::from_chars(args[1].data(), args[1].data() + args[1].size(), cursor);
  if (ec != std::errc() || end != args[1].data() + args[1].size()) {
    call.out.error("ERR invalid cursor");
    return;
  }
  std::string pattern = "*";
  long long count = 10;
  bool strings_only_type = true;  // TYPE string matches everything; any other type nothing
  for (std::size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      call.out.error("ERR syntax error");
      return;
    }
    if (resp::iequals(args[i], "MATCH")) {
      pattern.assign(args[i + 1]);
    } else if (resp::iequals(args[i], "COUNT")) {
      if (!resp::parse_integer(args[i + 1], count)) {
        call.out.error("ERR value is not an integer or out of range");
        return;
      }
      if (count < 1) {
        call.out.error("ERR syntax error");
        return;
      }
    } else if (resp::iequals(args[i], "TYPE")) {
      strings_only_type = resp::iequals(args[i + 1], "string");
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  const std::string prefix = literal_prefix(pattern);
  std::string from = prefix;
  if (cursor != 0) {
    auto last = call.shared().cursors.find(call.session.username(), cursor);
    if (!last) {
      call.out.error("ERR invalid cursor");
      return;
    }
    last->push_back('\0');  // the smallest key after the last one returned
    if (*last > from) from = std::move(*last);
  }
  const auto below = prefix_end(prefix);
  const auto limit = static_cast<std::size_t>(std::min<long long>(count, 100000));
  auto& cursors = call.shared().cursors;
  std::string tenant = call.session.username();
  call.store().keys().key_range(
      call.session.who(), from, below ? std::optional<std::string_view>(*below) : std::nullopt,
      limit,
      [reply = call.defer(), pattern, limit, strings_only_type, &cursors, tenant](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
          reply.finish();
          return;
        }
        // A short page means the walk is over; otherwise continue after the last key read.
        const std::uint64_t next =
            r.values.size() < limit ? 0 : cursors.save(tenant, *r.values.back());
        std::vector<std::string_view> matched;
        for (const auto& k : r.values) {
          if (strings_only_type && glob_match(pattern, *k)) matched.push_back(*k);
        }
        w.array(2);
        w.bulk(std::to_string(next));
        w.array(matched.size());
        for (auto k : matched) w.bulk(k);
        reply.finish();
      });
}

}  // namespace fpc::server::handlers
