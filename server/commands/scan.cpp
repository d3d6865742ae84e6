// KEYS and SCAN: ordered walks of the caller's keys, filtered with Redis's glob rules.
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <charconv>
#include <functional>
#include <memory>
#include <unordered_map>

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

// Character comparisons a loop may spend on one command's glob (about a millisecond); past it the
// matching (at worst pattern length x key bytes) moves to the worker thread.
constexpr std::size_t glob_budget_on_loop = 1 << 20;

// A score as Redis prints it in RESP2: %.17g, and inf / -inf.
std::string score_text(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.17g", d);
  return std::string(buf, static_cast<std::size_t>(n));
}

bool matches_everything(std::string_view pattern) {
  return pattern.find_first_not_of('*') == std::string_view::npos;
}

using write_matches = std::function<void(const std::vector<std::string_view>& matched)>;

// Calls `write` on the client's loop with the keys of `found` that match `pattern`: at once when
// that is cheap, else after the worker thread matched copies of them, so a 50 KB pattern over
// 100 KB keys never holds the loop's other clients.
void match_keys(server_state& shared,
                boost::asio::any_io_executor loop, const std::string& pattern,
                const std::vector<std::optional<std::string_view>>& found, write_matches write) {
  std::size_t key_bytes = 0;
  for (const auto& k : found) key_bytes += k->size();
  if (matches_everything(pattern) || pattern.size() * key_bytes <= glob_budget_on_loop) {
    std::vector<std::string_view> matched;
    for (const auto& k : found) {
      if (glob_match(pattern, *k)) matched.push_back(*k);
    }
    write(matched);
    return;
  }
  auto keys = std::make_shared<std::vector<std::string>>();
  keys->reserve(found.size());
  for (const auto& k : found) keys->emplace_back(*k);
  // `write` holds the client: it moves back to the loop with the result, so the client is never
  // released (possibly destroyed) on the worker thread.
  shared.worker.post([keys, pattern, loop, write = std::move(write)]() mutable {
    auto kept = std::make_shared<std::vector<std::string>>();
    for (auto& k : *keys) {
      if (glob_match(pattern, k)) kept->push_back(std::move(k));
    }
    boost::asio::post(loop, [kept, write = std::move(write)] {
      const std::vector<std::string_view> matched(kept->begin(), kept->end());
      write(matched);
    });
  });
}

// SCAN's and HSCAN/SSCAN's arguments: the cursor at args[cursor_at], then [MATCH pattern]
// [COUNT count] (and [TYPE name] when `type` is given: -1 any, -2 an unknown name, else the
// key_store type number). Answers the error itself and returns false on a bad one.
bool parse_scan_arguments(command_call& call, std::size_t cursor_at, std::uint64_t& cursor,
                          std::string& pattern, long long& count, std::int64_t* type) {
  const auto& args = call.args;
  const std::string_view c = args[cursor_at];
  const auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), cursor);
  if (ec != std::errc() || end != c.data() + c.size()) {
    call.out.error("ERR invalid cursor");
    return false;
  }
  pattern = "*";
  count = 10;
  for (std::size_t i = cursor_at + 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      call.out.error("ERR syntax error");
      return false;
    }
    if (resp::iequals(args[i], "MATCH")) {
      pattern.assign(args[i + 1]);
    } else if (resp::iequals(args[i], "COUNT")) {
      if (!resp::parse_integer(args[i + 1], count)) {
        call.out.error("ERR value is not an integer or out of range");
        return false;
      }
      if (count < 1) {
        call.out.error("ERR syntax error");
        return false;
      }
    } else if (type != nullptr && resp::iequals(args[i], "TYPE")) {
      static constexpr std::string_view names[] = {"string", "hash", "set", "list", "zset"};
      *type = -2;
      for (std::size_t t = 0; t < std::size(names); ++t) {
        if (resp::iequals(args[i + 1], names[t])) *type = static_cast<std::int64_t>(t);
      }
    } else {
      call.out.error("ERR syntax error");
      return false;
    }
  }
  return true;
}

// Where a walk resumes: the pattern's literal prefix, or just past the cursor's last position
// when that is later. Answers "invalid cursor" itself for an unknown cursor.
std::optional<std::string> resume_point(command_call& call, std::uint64_t cursor,
                                        const std::string& prefix) {
  std::string from = prefix;
  if (cursor != 0) {
    auto last = call.shared().cursors.find(call.session.username(), cursor);
    if (!last) {
      call.out.error("ERR invalid cursor");
      return std::nullopt;
    }
    last->push_back('\0');  // the smallest key (member) after the last one returned
    if (*last > from) from = std::move(*last);
  }
  return from;
}

}  // namespace

void keys(command_call& call) {
  std::string pattern(call.args[1]);
  const std::string from = literal_prefix(pattern);
  const auto below = prefix_end(from);
  call.store().keys().key_range(
      call.session.who(), from, below ? std::optional<std::string_view>(*below) : std::nullopt, 0,
      [reply = call.defer(), &shared = call.shared(), loop = call.session.executor(),
       pattern](kv_result&& r) {
        if (!r.ok()) {
          reply.writer().error(r.error);
          reply.finish();
          return;
        }
        match_keys(shared, loop, pattern, r.values,
                   [reply](const std::vector<std::string_view>& matched) {
                     auto w = reply.writer();
                     w.array(matched.size());
                     for (auto k : matched) w.bulk(k);
                     reply.finish();
                   });
      });
}

void scan(command_call& call) {
  std::uint64_t cursor = 0;
  std::string pattern;
  long long count = 0;
  std::int64_t wanted_type = -1;
  if (!parse_scan_arguments(call, 1, cursor, pattern, count, &wanted_type)) return;
  const std::string prefix = literal_prefix(pattern);
  const auto resumed = resume_point(call, cursor, prefix);
  if (!resumed) return;
  const std::string& from = *resumed;
  const auto below = prefix_end(prefix);
  const auto limit = static_cast<std::size_t>(std::min<long long>(count, 100000));
  std::string tenant = call.session.username();
  call.store().keys().key_range(
      call.session.who(), from, below ? std::optional<std::string_view>(*below) : std::nullopt,
      limit,
      [reply = call.defer(), &shared = call.shared(), loop = call.session.executor(), pattern,
       limit, wanted_type, tenant](kv_result&& r) {
        if (!r.ok()) {
          reply.writer().error(r.error);
          reply.finish();
          return;
        }
        // A short page means the walk is over; otherwise continue after the last key read.
        const std::uint64_t next =
            r.values.size() < limit ? 0 : shared.cursors.save(tenant, *r.values.back());
        auto write = [reply, next](const std::vector<std::string_view>& matched) {
          auto w = reply.writer();
          w.array(2);
          w.bulk(std::to_string(next));
          w.array(matched.size());
          for (auto k : matched) w.bulk(k);
          reply.finish();
        };
        if (wanted_type != -1) {  // Redis filters a page after reading it: a page may come empty
          std::size_t kept = 0;
          for (std::size_t i = 0; i < r.values.size(); ++i) {
            if (i < r.integers.size() && r.integers[i] == wanted_type) r.values[kept++] = r.values[i];
          }
          r.values.resize(kept);
        }
        match_keys(shared, loop, pattern, r.values, write);
      });
}

// HSCAN / SSCAN key cursor [MATCH pattern] [COUNT count]: pages of members in byte order. A
// page holds at least 128 members, so a small hash or set comes whole in one call with cursor 0,
// as Redis answers for its compact encodings.
void member_scan(command_call& call) {
  const auto& args = call.args;
  // A sorted set's page comes as (member, score) pairs, like a hash's (field, value).
  const bool zset = resp::iequals(args[0], "zscan");
  const bool hash = zset || resp::iequals(args[0], "hscan");
  std::uint64_t cursor = 0;
  std::string pattern;
  long long count = 0;
  if (!parse_scan_arguments(call, 2, cursor, pattern, count, nullptr)) return;
  const auto resumed = resume_point(call, cursor, literal_prefix(pattern));
  if (!resumed) return;
  const std::string& from = *resumed;
  const auto page = static_cast<std::size_t>(std::clamp<long long>(count, 128, 100000));
  auto done = [reply = call.defer(), &shared = call.shared(), loop = call.session.executor(),
               pattern, page, hash, tenant = call.session.username()](kv_result&& r) {
    if (!r.ok()) {
      reply.writer().error(r.error);
      reply.finish();
      return;
    }
    const std::size_t step = hash ? 2 : 1;
    // One more than a page was asked for: a full page with more after it gets a cursor.
    const bool more = r.values.size() > page * step;
    if (more) r.values.resize(page * step);
    const std::uint64_t next = more ? shared.cursors.save(tenant, *r.values[r.values.size() - step]) : 0;
    if (!hash) {
      match_keys(shared, loop, pattern, r.values,
                 [reply, next](const std::vector<std::string_view>& matched) {
                   auto w = reply.writer();
                   w.array(2);
                   w.bulk(std::to_string(next));
                   w.array(matched.size());
                   for (auto m : matched) w.bulk(m);
                   reply.finish();
                 });
      return;
    }
    // A hash: match the fields, then answer each matched field with its value.
    auto values = std::make_shared<std::unordered_map<std::string, std::string>>();
    std::vector<std::optional<std::string_view>> fields;
    for (std::size_t i = 0; i < r.values.size(); i += 2) {
      fields.push_back(r.values[i]);
      if (!matches_everything(pattern)) values->emplace(*r.values[i], *r.values[i + 1]);
    }
    auto pairs = std::make_shared<std::vector<std::string>>();
    if (matches_everything(pattern)) {
      for (const auto& v : r.values) pairs->emplace_back(*v);
    }
    match_keys(shared, loop, pattern, fields,
               [reply, next, values, pairs](const std::vector<std::string_view>& matched) {
                 auto w = reply.writer();
                 w.array(2);
                 w.bulk(std::to_string(next));
                 if (!pairs->empty() || values->empty()) {
                   w.array(pairs->size());
                   for (const auto& p : *pairs) w.bulk(p);
                 } else {
                   w.array(matched.size() * 2);
                   for (auto f : matched) {
                     w.bulk(f);
                     w.bulk(values->at(std::string(f)));
                   }
                 }
                 reply.finish();
               });
  };
  if (zset) {
    // Scores as Redis prints them (%.17g, inf), interleaved with the members.
    call.store().zsets().zscan_page(
        call.session.who(), args[1], from, page + 1, [done = std::move(done)](kv_result&& r) {
          if (!r.ok()) return done(std::move(r));
          std::vector<std::string> owned;
          owned.reserve(r.values.size() * 2);
          for (std::size_t i = 0; i < r.values.size(); ++i) {
            owned.emplace_back(*r.values[i]);
            owned.push_back(score_text(r.doubles[i]));
          }
          kv_result pairs;
          for (const auto& text : owned) pairs.values.emplace_back(text);
          done(std::move(pairs));  // copies what it keeps while `owned` is alive
        });
  } else if (hash) {
    call.store().hashes().hscan_page(call.session.who(), args[1], from, page + 1, std::move(done));
  } else {
    call.store().sets().sscan_page(call.session.who(), args[1], from, page + 1, std::move(done));
  }
}

}  // namespace fpc::server::handlers
