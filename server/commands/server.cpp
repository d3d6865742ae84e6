// Server commands: COMMAND (COUNT, INFO, DOCS) and INFO.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/commands/command_docs.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/commands/glob.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/state/process_memory.hpp"

namespace fpc::server::handlers {
namespace {

std::vector<std::string_view> flag_names(std::uint32_t flags) {
  std::vector<std::string_view> names;
  if (flags & flag_write) names.push_back("write");
  if (flags & flag_readonly) names.push_back("readonly");
  if (flags & flag_denyoom) names.push_back("denyoom");
  if (flags & flag_admin) names.push_back("admin");
  if (flags & flag_no_auth) names.push_back("no_auth");
  if (flags & flag_loading) names.push_back("loading");
  if (flags & flag_stale) names.push_back("stale");
  if (flags & flag_fast) names.push_back("fast");
  return names;
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
  w.set(1);
  w.simple("@" + std::string(c.group == "generic" ? "keyspace" : c.group));
  w.set(0);    // tips
  w.array(0);  // key specs
  w.array(c.subcommands.size());
  for (const auto& sub : c.subcommands) write_info(w, sub);
}

void write_doc_argument(resp::reply_writer& w, const doc_argument& a) {
  std::size_t fields = 2 + (a.token.empty() ? 0 : 1) + (a.optional || a.multiple ? 1 : 0) +
                       (a.children.empty() ? 0 : 1);
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
    w.set((a.optional ? 1 : 0) + (a.multiple ? 1 : 0));
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
  w.map(3 + (args.empty() ? 0 : 1) + (c.subcommands.empty() ? 0 : 1));
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

std::string info_text(command_call& call, std::span<const std::string_view> sections) {
  const server_state& st = call.shared();
  const auto& counters = st.counters;
  std::string out;
  auto section = [&](std::string_view title) {
    if (!out.empty()) out.append("\r\n");
    out.append("# ").append(title).append("\r\n");
  };
  if (wants(sections, "server")) {
    section("Server");
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
  if (wants(sections, "clients")) {
    section("Clients");
    append_line(out, "connected_clients", counters.connected_clients.load());
    append_line(out, "maxclients", call.shared().live.maxclients.load());
    append_line(out, "blocked_clients", 0);
  }
  if (wants(sections, "memory")) {
    section("Memory");
    const auto rss = resident_memory_bytes();
    append_line(out, "used_memory_rss", rss);
    // The bound is on stored key+value bytes (the usage table), not on this process's memory.
    auto& live = call.shared().live;
    append_line(out, "used_memory_stored", st.size.total_bytes());
    append_line(out, "used_memory_stored_user", st.size.user_bytes(call.session.username()));
    append_line(out, "used_memory_stored_peak", st.size.peak_bytes());
    append_line(out, "maxmemory", live.maxmemory.load());
    append_line(out, "maxmemory_per_user", live.maxmemory_per_user.load());
    append_line(out, "maxmemory_policy", live.policy());
  }
  if (wants(sections, "persistence")) {
    section("Persistence");
    append_line(out, "loading", 0);
    append_line(out, "storage_unlogged", 1);
    append_line(out, "aof_enabled", 0);
  }
  if (wants(sections, "stats")) {
    section("Stats");
    append_line(out, "total_connections_received", counters.connections_received.load());
    append_line(out, "total_commands_processed", counters.commands_processed.load());
    append_line(out, "rejected_connections", counters.rejected_connections.load());
    append_line(out, "expired_keys", counters.expired_keys.load());
    append_line(out, "exec_retries", counters.exec_retries.load());
    append_line(out, "evicted_keys", st.size.evicted_keys.load());
    append_line(out, "eviction_rounds", st.size.eviction_rounds.load());
    append_line(out, "keyspace_hits", counters.keyspace_hits.load());
    append_line(out, "keyspace_misses", counters.keyspace_misses.load());
  }
  // Like Redis, a plain INFO leaves commandstats out; "all", "everything" or its name bring it.
  const bool commandstats = std::any_of(sections.begin(), sections.end(), [](std::string_view s) {
    return resp::iequals(s, "commandstats") || resp::iequals(s, "all") ||
           resp::iequals(s, "everything");
  });
  if (commandstats) {
    section("Commandstats");
    const auto totals = st.stats.totals();
    const auto& table = command_table();
    for (std::size_t i = 0; i < totals.size(); ++i) {
      const auto& t = totals[i];
      if (t.calls == 0) continue;
      char per_call[32];
      std::snprintf(per_call, sizeof per_call, "%.2f",
                    static_cast<double>(t.usec) / static_cast<double>(t.calls));
      out += "cmdstat_" + std::string(table[i].name) + ":calls=" + std::to_string(t.calls) +
             ",usec=" + std::to_string(t.usec) + ",usec_per_call=" + per_call +
             ",rejected_calls=0,failed_calls=" + std::to_string(t.failed) + "\r\n";
    }
  }
  if (wants(sections, "pgbackend")) {
    section("Pgbackend");
    const auto& b = st.backend;
    const unsigned threads = st.settings.effective_threads();
    append_line(out, "pool_size",
                std::max<std::size_t>(1, st.settings.pool_size / threads) * threads);
    append_line(out, "pipeline_depth", st.settings.pg_pipeline_depth);
    append_line(out, "statements", b.statements.load());
    append_line(out, "merged_statements", b.batches.load());
    append_line(out, "merged_requests", b.merged_requests.load());
    append_line(out, "statement_errors", b.errors.load());
    append_line(out, "reconnects", b.reconnects.load());
    append_line(out, "connections_ready", static_cast<long long>(b.connections_ready.load()));
    append_line(out, "connections_busy", static_cast<long long>(b.connections_busy.load()));
    append_line(out, "statements_in_flight", static_cast<long long>(b.in_flight.load()));
    const auto trips = b.round_trips.load();
    char avg[32];
    std::snprintf(
        avg, sizeof avg, "%.1f",
        trips ? static_cast<double>(b.round_trip_us.load()) / static_cast<double>(trips) : 0.0);
    append_line(out, "avg_round_trip_us",
                std::string_view(avg));  // send to answer, PostgreSQL's work included
    const auto merged = b.batches.load();
    std::snprintf(
        avg, sizeof avg, "%.2f",
        merged ? static_cast<double>(b.merged_requests.load()) / static_cast<double>(merged) : 0.0);
    append_line(out, "avg_merged_batch", std::string_view(avg));
  }
  return out;
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
                      ",expires=" + std::to_string(r.integer2) + ",avg_ttl=0\r\n");
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
