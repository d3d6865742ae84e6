// CONFIG GET / SET and SLOWLOG. CONFIG SET changes only what can change while serving; the rest
// answers Redis's "can't set immutable config", and nothing pretends to have been changed.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/state/glob.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"

namespace fpc::server::handlers {
namespace {

// Redis's memtoull: a count with an optional unit (k=1000, kb=1024, m, mb, g, gb).
std::optional<std::uint64_t> parse_memory(std::string_view text) {
  static const std::pair<std::string_view, std::uint64_t> units[] = {
      {"kb", 1024}, {"mb", 1024ull * 1024}, {"gb", 1024ull * 1024 * 1024},
      {"k", 1000},  {"m", 1000000},         {"g", 1000000000},
      {"b", 1}};
  std::uint64_t mul = 1;
  for (const auto& [suffix, factor] : units) {
    if (text.size() > suffix.size() &&
        resp::iequals(text.substr(text.size() - suffix.size()), suffix)) {
      mul = factor;
      text.remove_suffix(suffix.size());
      break;
    }
  }
  long long n = 0;
  if (!resp::parse_integer(text, n) || n < 0) return std::nullopt;
  if (static_cast<std::uint64_t>(n) > UINT64_MAX / mul) return std::nullopt;
  return static_cast<std::uint64_t>(n) * mul;
}

std::optional<long long> parse_long(std::string_view text) {
  long long n = 0;
  if (!resp::parse_integer(text, n)) return std::nullopt;
  return n;
}

const std::set<std::string_view> policies = {"noeviction",     "allkeys-lru",     "volatile-lru",
                                             "allkeys-random", "volatile-random", "volatile-ttl"};

// Redis's loglevel names next to spdlog's.
const std::map<std::string_view, spdlog::level::level_enum> log_levels = {
    {"debug", spdlog::level::debug},
    {"verbose", spdlog::level::info},
    {"notice", spdlog::level::info},
    {"warning", spdlog::level::warn},
    {"nothing", spdlog::level::off}};

struct parameter {
  std::string name;
  std::function<std::string(server_state&)> get;
  // Checks `value`; returns an error reason, or nothing and a function that applies it.
  std::function<std::optional<std::string>(server_state&, std::string_view, std::function<void()>&)>
      set;
};

// A setter for a value that cannot change, accepting the value it already has (tools like
// `CONFIG SET save ""` then work).
auto fixed(std::string current) {
  return [current](server_state&, std::string_view v,
                   std::function<void()>& apply) -> std::optional<std::string> {
    if (v == current) {
      apply = [] {};
      return std::nullopt;
    }
    return "can't set immutable config";
  };
}

// A setter for an integer parameter: parsed, checked against [min, max] (`range` names them in
// the error), then `apply(value)`.
template <typename Apply>
auto integer_setter(long long min, long long max, std::string range, Apply apply) {
  return [=](server_state& s, std::string_view v,
             std::function<void()>& out) -> std::optional<std::string> {
    const auto n = parse_long(v);
    if (!n) return "argument couldn't be parsed into an integer";
    if (*n < min || *n > max) return "argument must be between " + range + " inclusive";
    out = [&s, apply, value = *n] { apply(s, value); };
    return std::nullopt;
  };
}

// A setter for a byte count in Redis's units, then `apply(bytes)`.
template <typename Apply>
auto memory_setter(Apply apply) {
  return [=](server_state& s, std::string_view v,
             std::function<void()>& out) -> std::optional<std::string> {
    const auto n = parse_memory(v);
    if (!n) return "argument must be a memory value";
    out = [&s, apply, bytes = *n] { apply(s, bytes); };
    return std::nullopt;
  };
}

const std::vector<parameter>& parameters() {
  static const std::vector<parameter> table = {
      {"appendonly", [](server_state&) { return std::string("no"); }, fixed("no")},
      {"bind", [](server_state& s) { return s.settings.bind; }, nullptr},
      {"databases", [](server_state&) { return std::string("1"); }, nullptr},
      {"loglevel",
       [](server_state&) {
         const auto level = spdlog::get_level();
         for (const auto& [name, l] : log_levels) {
           if (l == level && name != "verbose") return std::string(name);
         }
         return std::string(spdlog::level::to_string_view(level).data());
       },
       [](server_state&, std::string_view v,
          std::function<void()>& apply) -> std::optional<std::string> {
         const auto it = log_levels.find(v);
         if (it == log_levels.end())
           return "argument(s) must be one of the following: debug, verbose, notice, warning, "
                  "nothing";
         apply = [level = it->second] { spdlog::set_level(level); };
         return std::nullopt;
       }},
      {"maxclients", [](server_state& s) { return std::to_string(s.live.maxclients.load()); },
       integer_setter(
           1, LLONG_MAX, "1 and 4294967295",
           [](server_state& s, long long n) { s.live.maxclients = static_cast<std::size_t>(n); })},
      {"maxmemory", [](server_state& s) { return std::to_string(s.live.maxmemory.load()); },
       memory_setter([](server_state& s, std::uint64_t n) { s.live.maxmemory = n; })},
      {"maxmemory-clients",
       [](server_state& s) { return std::to_string(s.live.maxmemory_clients.load()); },
       memory_setter([](server_state& s, std::uint64_t n) { s.live.maxmemory_clients = n; })},
      {"client-output-buffer-limit",
       [](server_state& s) {
         // Only the pubsub class is enforced as Redis does; normal clients stop being read past
         // --max-pending-reply-bytes instead of being closed, and there are no replicas.
         return "normal 0 0 0 slave 268435456 67108864 60 pubsub " +
                std::to_string(s.live.pubsub_hard_limit.load()) + " " +
                std::to_string(s.live.pubsub_soft_limit.load()) + " " +
                std::to_string(s.live.pubsub_soft_seconds.load());
       },
       [](server_state& s, std::string_view v,
          std::function<void()>& apply) -> std::optional<std::string> {
         std::vector<std::string> words;
         for (std::size_t i = 0; i < v.size();) {
           const auto end = std::min(v.find(' ', i), v.size());
           if (end > i) words.emplace_back(v.substr(i, end - i));
           i = end + 1;
         }
         if (words.empty() || words.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
         std::vector<std::function<void()>> steps;
         for (std::size_t i = 0; i < words.size(); i += 4) {
           const std::string kind = resp::to_lower(words[i]);
           const auto hard = parse_memory(words[i + 1]);
           const auto soft = parse_memory(words[i + 2]);
           const auto seconds = parse_long(words[i + 3]);
           if (kind != "normal" && kind != "slave" && kind != "replica" && kind != "pubsub")
             return "Invalid client class specified in buffer limit configuration.";
           if (!hard || !soft || !seconds || *seconds < 0)
             return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
           if (kind != "pubsub") continue;  // accepted, as there is nothing of theirs to bound
           steps.push_back([&s, h = *hard, so = *soft, sec = *seconds] {
             s.live.pubsub_hard_limit = h;
             s.live.pubsub_soft_limit = so;
             s.live.pubsub_soft_seconds = static_cast<unsigned>(sec);
           });
         }
         apply = [steps] {
           for (const auto& step : steps) step();
         };
         return std::nullopt;
       }},
      {"notify-keyspace-events",
       [](server_state& s) { return keyspace_events_text(s.live.keyspace_events.load()); },
       [](server_state& s, std::string_view v,
          std::function<void()>& apply) -> std::optional<std::string> {
         const auto classes = parse_keyspace_events(v);
         if (!classes) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
         apply = [&s, c = *classes] { s.live.keyspace_events = c; };
         return std::nullopt;
       }},
      {"client-query-buffer-limit",
       [](server_state& s) { return std::to_string(s.settings.client_query_buffer_limit); },
       nullptr},
      {"maxmemory-per-user",
       [](server_state& s) { return std::to_string(s.live.maxmemory_per_user.load()); },
       memory_setter([](server_state& s, std::uint64_t n) { s.live.maxmemory_per_user = n; })},
      {"maxmemory-policy", [](server_state& s) { return s.live.policy(); },
       [](server_state& s, std::string_view v,
          std::function<void()>& apply) -> std::optional<std::string> {
         const std::string lower = resp::to_lower(v);
         if (!policies.contains(lower))
           return "argument(s) must be one of the following: " +
                  std::string(
                      "noeviction, allkeys-lru, volatile-lru, allkeys-random, "
                      "volatile-random, volatile-ttl");
         apply = [&s, lower] {
           std::lock_guard guard(s.live.policy_lock);
           s.live.maxmemory_policy = lower;
           s.live.refuse_writes_when_full = lower == "noeviction";
         };
         return std::nullopt;
       }},
      {"port", [](server_state& s) { return std::to_string(s.bound_port); }, nullptr},
      {"protected-mode",
       [](server_state& s) { return std::string(s.settings.protected_mode ? "yes" : "no"); },
       nullptr},
      {"proto-max-bulk-len",
       [](server_state& s) { return std::to_string(s.settings.proto_max_bulk_len); }, nullptr},
      {"save", [](server_state&) { return std::string(); }, fixed("")},
      {"slowlog-log-slower-than",
       [](server_state& s) { return std::to_string(s.live.slowlog_log_slower_than.load()); },
       integer_setter(LLONG_MIN, LLONG_MAX, "",
                      [](server_state& s, long long n) { s.live.slowlog_log_slower_than = n; })},
      {"slowlog-max-len",
       [](server_state& s) { return std::to_string(s.live.slowlog_max_len.load()); },
       integer_setter(0, LLONG_MAX, "0 and 9223372036854775807",
                      [](server_state& s, long long n) {
                        s.live.slowlog_max_len = static_cast<std::size_t>(n);
                        s.slowlog.trim(static_cast<std::size_t>(n));
                      })},
      {"timeout",
       [](server_state& s) { return std::to_string(s.live.idle_timeout_seconds.load()); },
       integer_setter(0, INT32_MAX, "0 and 2147483647",
                      [](server_state& s, long long n) {
                        s.live.idle_timeout_seconds = static_cast<unsigned>(n);
                      })},
  };
  // Redis's encoding parameters, under their names and older aliases: shown and accepted, they
  // only change OBJECT ENCODING's answer (encoding_tunables.hpp).
  static const std::vector<parameter> with_encodings = [] {
    std::vector<parameter> all = table;
    encoding_tunables defaults;
    for (const auto& e : defaults.all()) {
      const std::string canonical(e.name);
      const std::string range = std::to_string(e.min) + " and " + std::to_string(e.max);
      for (std::string_view name : {e.name, e.alias}) {
        if (name.empty()) continue;
        all.push_back({std::string(name),
                       [canonical](server_state& s) {
                         return std::to_string(s.live.encodings.get(canonical));
                       },
                       integer_setter(e.min, e.max, range, [canonical](server_state& s, long long n) {
                         s.live.encodings.find(canonical)->value = n;
                       })});
      }
    }
    return all;
  }();
  return with_encodings;
}

void config_get(command_call& call) {
  // Secrets (requirepass, the PostgreSQL URI and password) are not parameters: never shown.
  std::vector<const parameter*> found;
  for (const auto& p : parameters()) {
    for (auto pattern : call.args.subspan(2)) {
      if (glob_match(pattern, p.name, true)) {
        found.push_back(&p);
        break;
      }
    }
  }
  call.out.map(found.size());
  for (const auto* p : found) {
    call.out.bulk(p->name);
    call.out.bulk(p->get(call.shared()));
  }
}

// All or nothing, as Redis 7: every pair is checked before any is applied.
void config_set(command_call& call) {
  if (call.args.size() % 2 != 0) {
    call.out.error(arity_error("config|set"));
    return;
  }
  std::vector<std::function<void()>> changes;
  std::set<std::string> seen;
  for (std::size_t i = 2; i + 1 < call.args.size(); i += 2) {
    const std::string name = resp::to_lower(call.args[i]);
    const parameter* p = nullptr;
    for (const auto& candidate : parameters()) {
      if (candidate.name == name) p = &candidate;
    }
    if (p == nullptr) {
      call.out.error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                     std::string(call.args[i]) + "'");
      return;
    }
    auto fail = [&](const std::string& why) {
      call.out.error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " +
                     why);
    };
    if (!seen.insert(name).second) return fail("duplicate parameter");
    if (!p->set) return fail("can't set immutable config");
    std::function<void()> apply;
    if (auto why = p->set(call.shared(), call.args[i + 1], apply)) return fail(*why);
    changes.push_back(std::move(apply));
  }
  for (auto& apply : changes) apply();
  spdlog::info("CONFIG SET by user '{}': {} parameter(s) changed", call.session.username(),
               changes.size());
  call.out.ok();
}

}  // namespace

void config(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "config", "CONFIG");
  if (sub == nullptr) return;
  if (sub->name == "config|get")
    config_get(call);
  else
    config_set(call);
}

void slowlog(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "slowlog", "SLOWLOG");
  if (sub == nullptr) return;
  slow_log& log = call.shared().slowlog;
  // An operator reads and clears every user's entries; a tenant, its own.
  const slow_log::scope user = call.session.is_operator()
                                   ? slow_log::scope{}
                                   : slow_log::scope{call.session.username()};
  if (sub->name == "slowlog|len") {
    call.out.integer(static_cast<long long>(log.size(user)));
  } else if (sub->name == "slowlog|reset") {
    log.reset(user);
    call.out.ok();
  } else {
    long long count = 10;
    if (call.args.size() == 3) {
      if (!resp::parse_integer(call.args[2], count) || count < -1) {
        call.out.error("ERR count should be greater than or equal to -1");
        return;
      }
    }
    const auto entries = log.newest(user, count);
    call.out.array(entries.size());
    for (const auto& e : entries) {
      call.out.array(6);
      call.out.integer(static_cast<long long>(e.id));
      call.out.integer(e.unix_seconds);
      call.out.integer(e.micros);
      call.out.array(e.args.size());
      for (const auto& a : e.args) call.out.bulk(a);
      call.out.bulk(e.client_addr);
      call.out.bulk(e.client_name);
    }
  }
}

}  // namespace fpc::server::handlers
