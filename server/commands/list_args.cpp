// Arguments the list commands share, parsed with Redis 7.0's rules and error texts.
#include "server/commands/list_args.hpp"

#include <chrono>
#include <climits>
#include <cmath>
#include <string>

#include "resp/numbers.hpp"
#include "server/dispatch/key_waits.hpp"

namespace fpc::server::handlers {

bool parse_list_end(std::string_view arg, storage::list_end& end) {
  if (resp::iequals(arg, "left")) {
    end = storage::list_end::left;
    return true;
  }
  if (resp::iequals(arg, "right")) {
    end = storage::list_end::right;
    return true;
  }
  return false;
}

bool parse_pop_args(std::span<const std::string_view> args, std::size_t numkeys_at,
                    std::size_t limit, std::string_view first_end, std::string_view second_end,
                    pop_args& out, std::string& error) {
  long long numkeys = 0;
  if (!resp::parse_integer(args[numkeys_at], numkeys) || numkeys <= 0) {
    error = "ERR numkeys should be greater than 0";
    return false;
  }
  const std::size_t first_key = numkeys_at + 1;
  // The keys and a direction must fit in what follows numkeys.
  if (static_cast<unsigned long long>(numkeys) >= args.size() - first_key) {
    error = "ERR syntax error";
    return false;
  }
  const auto n = static_cast<std::size_t>(numkeys);
  out.keys.assign(args.begin() + static_cast<std::ptrdiff_t>(first_key),
                  args.begin() + static_cast<std::ptrdiff_t>(first_key + n));
  std::size_t i = first_key + n;
  out.second_end = resp::iequals(args[i], second_end);
  if (!out.second_end && !resp::iequals(args[i], first_end)) {
    error = "ERR syntax error";
    return false;
  }
  ++i;
  bool counted = false;
  while (i < args.size()) {
    if (!counted && resp::iequals(args[i], "count") && i + 1 < args.size()) {
      long long count = 0;
      if (!resp::parse_integer(args[i + 1], count) || count <= 0) {
        error = "ERR count should be greater than 0";
        return false;
      }
      if (static_cast<unsigned long long>(count) > limit) {
        error = "ERR the reply would have more than " + std::to_string(limit) +
                " members (max-collection-reply); pop with a smaller COUNT";
        return false;
      }
      out.count = count;
      counted = true;
      i += 2;
    } else {
      error = "ERR syntax error";
      return false;
    }
  }
  return true;
}

bool parse_timeout(std::string_view arg, std::int64_t& ms, std::string& error) {
  long double seconds = 0;
  if (!resp::parse_long_double(arg, seconds) || std::isnan(seconds)) {
    error = "ERR timeout is not a float or out of range";
    return false;
  }
  // Redis converts seconds * 1000 to a long long: infinities and values past its range come
  // out negative there, so they get its "negative" text too.
  const long double millis = std::ceil(seconds * 1000);
  if (seconds < 0 || std::isinf(seconds) || millis >= 9223372036854775807.0L) {
    error = "ERR timeout is negative";
    return false;
  }
  // Redis refuses a timeout whose deadline (now + it, in Unix milliseconds) would overflow.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (millis > static_cast<long double>(INT64_MAX - now_ms)) {
    error = "ERR timeout is out of range";
    return false;
  }
  ms = static_cast<std::int64_t>(millis);
  return true;
}

kv_callback waking(command_call& call, std::string_view key, kv_callback reply) {
  return [session = call.session.shared_from_this(), key = std::string(key),
          later = call.in_transaction(), reply = std::move(reply)](kv_result&& r) {
    if (r.ok() && (r.integer > 0 || r.value)) {
      if (later)
        session->wakes_after_commit.emplace_back(session->username(), key);
      else
        announce_key_ready(session->loop().shared, session->username(), key);
    }
    reply(std::move(r));
  };
}

void write_key_and_elements(resp::reply_writer& w, const kv_result& r) {
  if (!r.ok()) {
    w.error(r.error);
  } else if (!r.value) {
    w.null_array();
  } else {
    w.array(2);
    w.bulk(*r.value);
    w.array(r.values.size());
    for (const auto& v : r.values) w.bulk(*v);
  }
}

kv_callback key_and_elements_reply(command_call& call) {
  return [reply = call.defer()](kv_result&& r) {
    auto w = reply.writer();
    write_key_and_elements(w, r);
    reply.finish();
  };
}

}  // namespace fpc::server::handlers
