// Server commands: COMMAND (COUNT, INFO, DOCS) and INFO.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "server/scripting/function_libraries.hpp"
#include "server/scripting/lua_vm.hpp"
#include "server/scripting/running_scripts.hpp"
#include "server/scripting/script_cache.hpp"
#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/commands/command_docs.hpp"
#include "server/dispatch/acl.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/state/glob.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/key_specs.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/shared_counters.hpp"

namespace fpc::server::handlers {
namespace {

std::vector<std::string_view> flag_names(std::uint32_t flags) {
  std::vector<std::string_view> names;
  if (flags & flag_write) names.push_back("write");
  if (flags & flag_readonly) names.push_back("readonly");
  if (flags & flag_denyoom) names.push_back("denyoom");
  if (flags & flag_admin) names.push_back("admin");
  if (flags & flag_no_script) names.push_back("noscript");
  if (flags & flag_blocking) names.push_back("blocking");
  if (flags & flag_no_auth) names.push_back("no_auth");
  if (flags & flag_loading) names.push_back("loading");
  if (flags & flag_stale) names.push_back("stale");
  if (flags & flag_fast) names.push_back("fast");
  return names;
}

void write_key_specs(resp::reply_writer& w, const command_spec& c) {
  const auto& specs = key_specs_of(c.name);
  w.array(specs.size());
  for (const key_spec& k : specs) {
    w.map(k.notes.empty() ? 3 : 4);
    if (!k.notes.empty()) {
      w.bulk("notes");
      w.bulk(k.notes);
    }
    w.bulk("flags");
    std::vector<std::string_view> flags;
    for (std::size_t at = 0; at < k.flags.size();) {
      const std::size_t end = std::min(k.flags.find(' ', at), k.flags.size());
      flags.push_back(k.flags.substr(at, end - at));
      at = end + 1;
    }
    w.set(flags.size());
    for (auto f : flags) w.simple(f);
    w.bulk("begin_search");
    w.map(2);
    w.bulk("type");
    w.bulk("index");
    w.bulk("spec");
    w.map(1);
    w.bulk("index");
    w.integer(k.begin_index);
    w.bulk("find_keys");
    w.map(2);
    w.bulk("type");
    if (k.keynum) {
      w.bulk("keynum");
      w.bulk("spec");
      w.map(3);
      w.bulk("keynumidx");
      w.integer(0);
      w.bulk("firstkey");
      w.integer(1);
      w.bulk("keystep");
      w.integer(1);
      continue;
    }
    w.bulk("range");
    w.bulk("spec");
    w.map(3);
    w.bulk("lastkey");
    w.integer(k.last_key);
    w.bulk("keystep");
    w.integer(k.key_step);
    w.bulk("limit");
    w.integer(0);
  }
}

void write_info(resp::reply_writer& w, const command_spec& c) {
  w.array(10);
  w.bulk(c.name);
  w.integer(c.arity);
  const auto flags = flag_names(c.flags);
  w.set(flags.size());
  for (auto f : flags) w.simple(f);
  w.integer(c.first_key);
  w.integer(c.last_key);
  w.integer(c.key_step);
  const auto categories = category_names(c.categories);
  w.set(categories.size());
  for (auto name : categories) w.simple("@" + std::string(name));
  w.set(0);    // tips
  write_key_specs(w, c);
  w.array(c.subcommands.size());
  for (const auto& sub : c.subcommands) write_info(w, sub);
}

void write_doc_argument(resp::reply_writer& w, const doc_argument& a) {
  std::size_t fields = 2u + (a.token.empty() ? 0u : 1u) + (a.optional || a.multiple ? 1u : 0u) +
                       (a.children.empty() ? 0u : 1u);
  w.map(fields);
  w.bulk("name");
  w.bulk(a.name);
  w.bulk("type");
  w.bulk(a.type);
  if (!a.token.empty()) {
    w.bulk("token");
    w.bulk(a.token);
  }
  if (a.optional || a.multiple) {
    w.bulk("flags");
    w.set((a.optional ? 1u : 0u) + (a.multiple ? 1u : 0u));
    if (a.optional) w.simple("optional");
    if (a.multiple) w.simple("multiple");
  }
  if (!a.children.empty()) {
    w.bulk("arguments");
    w.array(a.children.size());
    for (const auto& child : a.children) write_doc_argument(w, child);
  }
}

void write_docs(resp::reply_writer& w, const command_spec& c) {
  const auto args = parse_synopsis(c.synopsis);
  w.map(3u + (args.empty() ? 0u : 1u) + (c.subcommands.empty() ? 0u : 1u));
  w.bulk("summary");
  w.bulk(c.summary);
  w.bulk("since");
  w.bulk(c.since);
  w.bulk("group");
  w.bulk(c.group);
  if (!args.empty()) {
    w.bulk("arguments");
    w.array(args.size());
    for (const auto& a : args) write_doc_argument(w, a);
  }
  if (!c.subcommands.empty()) {
    w.bulk("subcommands");
    w.map(c.subcommands.size());
    for (const auto& sub : c.subcommands) {
      w.bulk(sub.name);
      write_docs(w, sub);
    }
  }
}

bool wants(std::span<const std::string_view> sections, std::string_view name) {
  if (sections.empty()) return true;
  for (auto s : sections) {
    if (resp::iequals(s, name) || resp::iequals(s, "all") || resp::iequals(s, "everything") ||
        resp::iequals(s, "default")) {
      return true;
    }
  }
  return false;
}

void append_line(std::string& out, std::string_view key, const auto& value) {
  out.append(key);
  out.push_back(':');
  if constexpr (std::is_convertible_v<decltype(value), std::string_view>)
    out.append(value);
  else
    out.append(std::to_string(value));
  out.append("\r\n");
}

// One of the shared counters (the list /metrics renders too), as an INFO line.
void append_counter(std::string& out, const server_state& st, std::string_view name) {
  append_line(out, name, static_cast<long long>(counter_named(name).read(st)));
}

void info_server(std::string& out, const server_state& st) {
  append_line(out, "redis_version", std::string_view(FASTPGCACHE_REDIS_VERSION));
  append_line(out, "fastpgcache_version", std::string_view(FASTPGCACHE_VERSION));
  append_line(out, "redis_mode", std::string_view("standalone"));
  append_line(out, "os", std::string_view("Linux"));
  append_line(out, "multiplexing_api", std::string_view("epoll"));
  append_line(out, "process_id", static_cast<long long>(getpid()));
  append_line(out, "tcp_port", static_cast<long long>(st.bound_port));
  const auto up = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now() - st.started)
                      .count();
  append_line(out, "uptime_in_seconds", static_cast<long long>(up));
  append_line(out, "uptime_in_days", static_cast<long long>(up / 86400));
  append_line(out, "io_threads_active", static_cast<long long>(st.settings.effective_threads()));
  append_line(out, "storage", std::string_view("postgresql"));
}

// Tenants see their own figures only (`op`: an operator, who sees the whole server's).
void info_memory(std::string& out, server_state& st, const std::string& user, bool op) {
  if (op) {
    append_counter(out, st, "used_memory_rss");
    // The bound is on stored key+value bytes (the usage table), not on this process's memory.
    append_counter(out, st, "used_memory_stored");
  } else {
    append_line(out, "used_memory_stored", st.size.user_bytes(user));
  }
  append_line(out, "used_memory_stored_user", st.size.user_bytes(user));
  if (op) append_line(out, "used_memory_stored_peak", st.size.peak_bytes());
  if (op) {
    append_counter(out, st, "used_memory_clients");
    append_line(out, "maxmemory_clients", st.live.maxmemory_clients.load());
  }
  // Scripts: the tenant's own cache and libraries; the interpreters' heap to operators.
  const auto cached = op ? scripting::script_cache::instance().of_all()
                         : scripting::script_cache::instance().of_tenant(user);
  const auto libraries = scripting::function_libraries::instance().of(user);
  std::size_t functions = 0, function_bytes = 0;
  for (const auto& l : *libraries.libraries) {
    functions += l.functions.size();
    function_bytes += l.code.size();
  }
  if (op) {
    const auto heap = static_cast<long long>(scripting::lua_heap_bytes());
    append_line(out, "used_memory_lua", heap);
    append_line(out, "used_memory_vm_eval", heap);
    append_line(out, "used_memory_vm_total", heap);
  }
  append_line(out, "used_memory_scripts_eval", static_cast<long long>(cached.bytes));
  append_line(out, "number_of_cached_scripts", static_cast<long long>(cached.scripts));
  append_line(out, "number_of_functions", static_cast<long long>(functions));
  append_line(out, "number_of_libraries", static_cast<long long>(libraries.libraries->size()));
  append_line(out, "used_memory_functions", static_cast<long long>(function_bytes));
  append_line(out, "used_memory_scripts", static_cast<long long>(cached.bytes + function_bytes));
  append_counter(out, st, "maxmemory");
  append_line(out, "maxmemory_per_user", st.live.maxmemory_per_user.load());
  append_line(out, "maxmemory_policy", st.live.policy());
}

void info_stats(std::string& out, const server_state& st) {
  for (auto name : {"total_connections_received", "total_commands_processed",
                    "rejected_connections", "expired_keys", "exec_retries", "evicted_keys", "evicted_clients",
                    "eviction_rounds", "keyspace_hits", "keyspace_misses", "pubsub_channels",
                    "pubsub_patterns", "pubsubshard_channels", "published_messages",
                    "client_output_buffer_limit_disconnections", "pubsub_bus_reconnects",
                    "pubsub_bus_dropped_messages", "bus_lag_p50_us", "bus_lag_p99_us",
                    "bus_lag_max_us", "near_cache_enabled", "near_cache_hits",
                    "near_cache_misses", "near_cache_fills", "near_cache_fills_refused",
                    "near_cache_evictions", "near_cache_invalidations",
                    "near_cache_remote_invalidations", "near_cache_flushes", "near_cache_bytes",
                    "near_cache_keys", "tracking_total_keys", "tracking_total_items",
                    "tracking_total_prefixes"}) {
    append_counter(out, st, name);
  }
  append_line(out, "scripts_running",
              static_cast<long long>(scripting::running_scripts::instance().count()));
}

void info_tenant_stats(std::string& out, const server_state& st, const tenant_stats& mine,
                       const std::string& tenant) {
  append_line(out, "total_connections_received", mine.logins.load());
  append_line(out, "total_commands_processed", mine.commands_processed.load());
  append_line(out, "keyspace_hits", mine.keyspace_hits.load());
  append_line(out, "keyspace_misses", mine.keyspace_misses.load());
  // The tenant's own channels and patterns on this server (channels are per tenant).
  append_line(out, "pubsub_channels",
              static_cast<long long>(
                  st.pubsub.channels(subscription_kind::channel, tenant, std::nullopt).size()));
  append_line(out, "pubsub_patterns", static_cast<long long>(st.pubsub.patterns(tenant)));
  append_line(out, "pubsubshard_channels",
              static_cast<long long>(
                  st.pubsub.channels(subscription_kind::shard_channel, tenant, std::nullopt)
                      .size()));
}

void info_commandstats(std::string& out, const server_state& st, const tenant_stats* mine) {
  auto totals = st.stats.totals();
  const auto& table = command_table();
  for (std::size_t i = 0; i < totals.size(); ++i) {
    auto& t = totals[i];
    if (mine != nullptr) {  // a tenant: its own calls only
      t.calls = mine->per_command[i].calls.load(std::memory_order_relaxed);
      t.usec = mine->per_command[i].usec.load(std::memory_order_relaxed);
      t.failed = mine->per_command[i].failed.load(std::memory_order_relaxed);
    }
    if (t.calls == 0) continue;
    char per_call[32];
    std::snprintf(per_call, sizeof per_call, "%.2f",
                  static_cast<double>(t.usec) / static_cast<double>(t.calls));
    out += "cmdstat_" + std::string(table[i].name) + ":calls=" + std::to_string(t.calls) +
           ",usec=" + std::to_string(t.usec) + ",usec_per_call=" + per_call +
           ",rejected_calls=0,failed_calls=" + std::to_string(t.failed) + "\r\n";
  }
}

// A ratio with `decimals` places, 0 when nothing was counted.
std::string ratio(std::uint64_t sum, std::uint64_t count, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals,
                count ? static_cast<double>(sum) / static_cast<double>(count) : 0.0);
  return text;
}

void info_pgbackend(std::string& out, const server_state& st) {
  const auto& b = st.backend;
  const unsigned threads = st.settings.effective_threads();
  append_line(out, "pool_size",
              std::max<std::size_t>(1, st.settings.pool_size / threads) * threads);
  append_line(out, "pipeline_depth", st.settings.pg_pipeline_depth);
  for (auto name :
       {"statements", "merged_statements", "merged_requests", "statement_errors", "reconnects",
        "connections_ready", "connections_busy", "statements_in_flight"}) {
    append_counter(out, st, name);
  }
  // Send to answer, PostgreSQL's work included.
  append_line(out, "avg_round_trip_us", ratio(b.round_trip_us.load(), b.round_trips.load(), 1));
  append_line(out, "avg_merged_batch", ratio(b.merged_requests.load(), b.batches.load(), 2));
}

std::string info_text(command_call& call, std::span<const std::string_view> sections) {
  server_state& st = call.shared();
  const bool op = call.session.is_operator();
  const tenant_stats& mine = call.session.stats();
  std::string out;
  auto section = [&](std::string_view title) {
    if (!out.empty()) out.append("\r\n");
    out.append("# ").append(title).append("\r\n");
  };
  if (wants(sections, "server")) {
    section("Server");
    info_server(out, st);
  }
  if (wants(sections, "clients")) {
    section("Clients");
    if (op) {
      append_counter(out, st, "connected_clients");
    } else {
      append_line(out, "connected_clients", mine.connected_clients.load());
    }
    append_line(out, "maxclients", st.live.maxclients.load());
    if (op) append_counter(out, st, "tracking_clients");
    // Across tenants: an operator's figure only (a tenant's own count is not kept).
    if (op)
      append_counter(out, st, "blocked_clients");
    else
      append_line(out, "blocked_clients", 0);
  }
  if (wants(sections, "memory")) {
    section("Memory");
    info_memory(out, st, call.session.username(), op);
  }
  if (wants(sections, "persistence")) {
    section("Persistence");
    append_line(out, "loading", 0);
    append_line(out, "storage_unlogged", 1);
    append_line(out, "aof_enabled", 0);
  }
  if (wants(sections, "replication")) {
    // One database, no replicas: what a primary without replicas says, for tools that ask.
    section("Replication");
    append_line(out, "role", "master");
    append_line(out, "connected_slaves", 0);
    append_line(out, "master_failover_state", "no-failover");
    append_line(out, "master_replid", std::string(40, '0'));
    append_line(out, "master_replid2", std::string(40, '0'));
    append_line(out, "master_repl_offset", 0);
    append_line(out, "second_repl_offset", -1);
    append_line(out, "repl_backlog_active", 0);
    append_line(out, "repl_backlog_size", 1048576);
    append_line(out, "repl_backlog_first_byte_offset", 0);
    append_line(out, "repl_backlog_histlen", 0);
  }
  if (wants(sections, "stats")) {
    section("Stats");
    if (op) {
      info_stats(out, st);
    } else {
      info_tenant_stats(out, st, mine, call.session.username());
    }
  }
  if (wants(sections, "cluster")) {
    section("Cluster");
    append_line(out, "cluster_enabled", 0);
  }
  // Like Redis, a plain INFO leaves commandstats out; "all", "everything" or its name bring it.
  const bool commandstats = std::any_of(sections.begin(), sections.end(), [](std::string_view s) {
    return resp::iequals(s, "commandstats") || resp::iequals(s, "all") ||
           resp::iequals(s, "everything");
  });
  if (commandstats) {
    section("Commandstats");
    info_commandstats(out, st, op ? nullptr : &mine);
  }
  if (op && wants(sections, "pgbackend")) {  // the whole server's PostgreSQL traffic
    section("Pgbackend");
    info_pgbackend(out, st);
  }
  return out;
}
}  // namespace

namespace {

std::vector<std::string_view> split_flags(std::string_view flags) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < flags.size();) {
    const std::size_t end = std::min(flags.find(' ', at), flags.size());
    out.push_back(flags.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// The key-spec flags of argument `index` of `c` run with `argc` arguments.
std::string_view flags_of_key(const command_spec& c, std::span<const std::string_view> args,
                              std::size_t index) {
  const std::size_t argc = args.size();
  if (c.flags & flag_script) return "RW access update";  // Redis assumes the worst for scripts
  if (c.name == "set") {  // SET's variable flags: it reads the old value only with GET
    for (std::size_t i = 3; i < argc; ++i) {
      if (resp::iequals(args[i], "GET")) return "RW access update";
    }
    return "OW update";
  }
  for (const key_spec& k : key_specs_of(c.name)) {
    const long long begin = k.begin_index;
    const long long end = k.last_key < 0 ? static_cast<long long>(argc) + k.last_key
                                         : begin + k.last_key;
    const auto i = static_cast<long long>(index);
    if (k.keynum) {
      if (i > begin) return k.flags;  // the keys after the count
      continue;
    }
    if (i >= begin && i <= end && (i - begin) % std::max(k.key_step, 1) == 0) return k.flags;
  }
  return (c.flags & flag_write) ? "RW" : "RO";
}

// COMMAND GETKEYS / GETKEYSANDFLAGS command arg...: the keys the command would touch.
void command_getkeys(command_call& call, bool with_flags) {
  const auto args = call.args.subspan(2);
  const command_spec* c = find_command(args[0]);
  if (c != nullptr && !c->subcommands.empty() && args.size() > 1) {
    if (const command_spec* s = find_subcommand(*c, args[1])) c = s;
  }
  if (c == nullptr) {
    call.out.error("ERR Invalid command specified");
    return;
  }
  if (!c->arity_ok(args.size())) {
    call.out.error("ERR Invalid number of arguments specified for command");
    return;
  }
  const auto keys = command_keys(*c, args);
  if (keys.empty()) {
    call.out.error("ERR The command has no key arguments");
    return;
  }
  call.out.array(keys.size());
  for (const auto& key : keys) {
    if (!with_flags) {
      call.out.bulk(key);
      continue;
    }
    std::size_t index = 0;  // the key's position in args: keys are views into them
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i].data() == key.data()) index = i;
    }
    call.out.array(2);
    call.out.bulk(key);
    const auto flags = split_flags(flags_of_key(*c, args, index));
    call.out.set(flags.size());
    for (auto f : flags) call.out.simple(f);
  }
}

}  // namespace

void command(command_call& call) {
  const auto& table = command_table();
  if (call.args.size() == 1) {
    call.out.array(table.size());
    for (const auto& c : table) write_info(call.out, c);
    return;
  }
  const command_spec* sub = subcommand_or_error(call, "command", "COMMAND");
  if (sub == nullptr) return;
  const auto names = call.args.subspan(2);
  if (sub->name == "command|getkeys" || sub->name == "command|getkeysandflags") {
    command_getkeys(call, sub->name == "command|getkeysandflags");
    return;
  }
  if (sub->name == "command|count") {
    call.out.integer(static_cast<long long>(table.size()));
  } else if (sub->name == "command|info") {
    if (names.empty()) {
      call.out.array(table.size());
      for (const auto& c : table) write_info(call.out, c);
      return;
    }
    call.out.array(names.size());
    for (auto n : names) {
      if (const command_spec* c = find_command(n))
        write_info(call.out, *c);
      else
        call.out.null_array();
    }
  } else if (sub->name == "command|docs") {
    if (names.empty()) {
      call.out.map(table.size());
      for (const auto& c : table) {
        call.out.bulk(c.name);
        write_docs(call.out, c);
      }
      return;
    }
    std::vector<const command_spec*> found;
    for (auto n : names) {
      if (const command_spec* c = find_command(n)) found.push_back(c);
    }
    call.out.map(found.size());
    for (const auto* c : found) {
      call.out.bulk(c->name);
      write_docs(call.out, *c);
    }
  }
}

// One database and no replicas: the reply of a primary without replicas.
void role(command_call& call) {
  call.out.array(3);
  call.out.bulk("master");
  call.out.integer(0);
  call.out.array(0);
}

void info(command_call& call) {
  const auto sections = call.args.subspan(1);
  std::string text = info_text(call, sections);
  if (!wants(sections, "keyspace")) {
    call.out.verbatim(text);
    return;
  }
  // The keyspace section is the caller's own keys only: it needs a query.
  auto reply = call.defer();
  call.store().keys().count_keys(
      call.session.who(), [reply, text = std::move(text)](kv_result&& r) mutable {
        if (!r.ok()) {
          reply.writer().error(r.error);
          reply.finish();
          return;
        }
        if (!text.empty()) text.append("\r\n");
        text.append("# Keyspace\r\n");
        if (r.integer > 0) {
          text.append("db0:keys=" + std::to_string(r.integer) +
                      ",expires=" + std::to_string(r.integer2) + ",avg_ttl=" +
                      std::to_string(r.integers.empty() ? 0 : r.integers[0]) + "\r\n");
        }
        reply.writer().verbatim(text);
        reply.finish();
      });
}

}  // namespace fpc::server::handlers

// TIME.
namespace fpc::server::handlers {

void time(command_call& call) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  call.out.array(2);
  call.out.bulk(std::to_string(us / 1'000'000));
  call.out.bulk(std::to_string(us % 1'000'000));
}

}  // namespace fpc::server::handlers
