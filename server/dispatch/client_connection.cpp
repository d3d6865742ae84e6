// Running a client's commands: MULTI queueing, validation (auth, arity, size bound), the handler,
// and completing reply slots in order (statistics, SLOWLOG, EXEC's gathered array).
#include "server/dispatch/client_connection.hpp"
#include "server/dispatch/near_marks.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "resp/writer.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/dispatch/notifications.hpp"

namespace fpc::server {

client_connection::client_connection(loop_context& loop, std::uint64_t id)
    : loop_(loop),
      id_(id),
      authenticated_(loop.shared.users.default_autologin()),
      acl_(loop.shared.acls.find("default")),
      stats_(authenticated_ ? &loop.shared.tenants.of("default")
                            : &loop.shared.tenants.unauthenticated()) {
  stats_->connected_clients.fetch_add(1, std::memory_order_relaxed);
  if (authenticated_) stats_->logins.fetch_add(1, std::memory_order_relaxed);
}

client_connection::~client_connection() {
  leave_pubsub();
  if (tracking_.on) loop_.shared.tracking.disable(id_);
  // Marks of writes never answered (the client went away mid-transaction): released, so their
  // keys become cacheable again; announced, since whether they committed is unknown.
  for (auto& slot : slots_) {
    if (slot.near_marks) end_near_write(loop_.shared, *slot.near_marks, true);
    note_write_answered(slot);  // committed or not, the next snapshot tells
  }
  for (const auto& marks : near_marks_after_commit) end_near_write(loop_.shared, marks, true);
  stats_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

void client_connection::switch_stats() {
  tenant_stats* next =
      authenticated_ ? &loop_.shared.tenants.of(tenant_) : &loop_.shared.tenants.unauthenticated();
  if (authenticated_) next->logins.fetch_add(1, std::memory_order_relaxed);
  if (next == stats_) return;
  stats_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
  next->connected_clients.fetch_add(1, std::memory_order_relaxed);
  stats_ = next;
}

void client_connection::logout() {
  leave_pubsub();
  stop_tracking();
  tenant_ = "default";
  authenticated_ = loop_.shared.users.default_autologin();
  acl_ = loop_.shared.acls.find("default");
  switch_stats();
}

void client_connection::login(std::string_view username) {
  // Subscriptions belong to the tenant that made them: a new identity starts with none.
  if (username != tenant_) {
    leave_pubsub();
    stop_tracking();  // its keys and messages belong to the tenant that turned it on
  }
  tenant_.assign(username);
  authenticated_ = true;
  acl_ = loop_.shared.acls.find(username);
  switch_stats();
}

namespace {

// What a queued command costs: its arguments and their bookkeeping.
std::size_t command_bytes(std::span<const std::string_view> args) {
  std::size_t bytes = sizeof(queued_command);
  for (auto a : args) bytes += a.size() + sizeof(std::string);
  return bytes;
}

}  // namespace

std::string client_connection::refusal(std::span<const std::string_view> args,
                                       const command_spec& spec) const {
  if (!authenticated_ && !(spec.flags & flag_no_auth)) return "NOAUTH Authentication required.";
  if (!spec.arity_ok(args.size())) return arity_error(spec.name);
  if (in_multi && (spec.flags & flag_no_multi))
    return "ERR Command not allowed inside a transaction";
  if (authenticated_) {
    if (const acl_denial denied = acl_->check(spec, args)) {
      return acl_user::noperm_error(permission_entry(spec, args), denied);
    }
  }
  if (auto oom = out_of_memory(spec); !oom.empty()) return std::string(oom);
  if (protocol == 2 && in_subscribed_mode()) {
    const std::string_view command = permission_entry(spec, args).name;
    constexpr std::string_view allowed[] = {"subscribe",   "psubscribe",   "ssubscribe",
                                            "unsubscribe", "punsubscribe", "sunsubscribe",
                                            "ping",        "quit",         "reset"};
    if (std::find(std::begin(allowed), std::end(allowed), command) == std::end(allowed)) {
      return "ERR Can't execute '" + std::string(command) +
             "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
             "context";
    }
  }
  return {};
}

void client_connection::resume_dispatch() {
  dispatch_held_ = false;
  wake_reader();
}

void client_connection::deliver_monitor_line(const std::string& line) {
  if (closing()) return;
  if (reply_bytes_ + line.size() > loop_.shared.settings.max_pending_reply_bytes) {
    spdlog::warn("closing MONITOR client {} ({}): it does not read what it is sent", id_,
                 peer_address());
    kill();
    return;
  }
  push_ready_reply(line);
  wake_writer();
}

void client_connection::push_ready_reply(std::string data) {
  slots_.emplace_back();
  slots_.back().data = std::move(data);
  slots_.back().ready = true;
  ++pending_;
  reply_bytes_ += slots_.back().data.size();
}

void client_connection::exec_part_done(exec_group& group) {
  if (--group.remaining > 0) {
    if (group.on_part_done) group.on_part_done();
    return;
  }
  reply_slot& parent = *group.parent;
  resp::reply_writer w(parent.data, parent.protocol);
  if (group.watched_key_changed) {
    w.null_array();
  } else if (!group.commit_error.empty()) {
    w.error(group.commit_error);
  } else {
    w.array(group.children.size());
    for (const auto& child : group.children) parent.data += child.data;
  }
  reply_ready(parent);
}

void client_connection::record_if_slow(reply_slot& slot,
                                       std::chrono::steady_clock::duration elapsed) {
  runtime_settings& live = loop_.shared.live;
  const long long threshold = live.slowlog_log_slower_than.load(std::memory_order_relaxed);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  if (threshold < 0 || micros < threshold || slot.args.empty()) return;
  slow_entry e;
  e.unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  e.micros = micros;
  e.args = slot.args.unpack();
  e.client_addr = peer_address();
  e.client_name = name;
  e.user = tenant_;
  loop_.shared.slowlog.record(std::move(e), live.slowlog_max_len.load(std::memory_order_relaxed));
}

void client_connection::reply_ready(reply_slot& slot) {
  note_write_answered(slot);
  if (slot.near_marks) {
    end_near_write(loop_.shared, *slot.near_marks, true);
    slot.near_marks.reset();
  }
  if (!slot.notice_args.empty()) {
    notify_keyspace(slot, slot.group != nullptr || static_cast<bool>(slot.on_nested_reply));
  }
  if (slot.silent) slot.data.clear();
  if (slot.spec != nullptr) {
    const bool failed = !slot.data.empty() && slot.data[0] == '-';
    const auto elapsed = std::chrono::steady_clock::now() - slot.started;
    const std::size_t index = command_index(*slot.spec);
    loop_.shared.stats.record(loop_.index, index, elapsed, failed);
    tenant_command_counters& mine = stats_->per_command[index];
    mine.calls.fetch_add(1, std::memory_order_relaxed);
    mine.usec.fetch_add(static_cast<std::uint64_t>(
                            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()),
                        std::memory_order_relaxed);
    if (failed) mine.failed.fetch_add(1, std::memory_order_relaxed);
    if (slot.heavy) {
      if (failed) {
        side_lane_suspect_ = true;
      } else if (slot.has_keys) {
        side_lane_suspect_ = false;
      }
    }
    record_if_slow(slot, elapsed);
    slot.spec = nullptr;
  }
  if (slot.group != nullptr) {
    slot.ready = true;  // EXEC's stepping through a queue with a script reads it
    exec_part_done(*slot.group);
    return;
  }
  if (slot.on_nested_reply) {
    // The script's own slot: the hook may run the script's next command into it.
    auto hook = std::move(slot.on_nested_reply);
    slot.on_nested_reply = nullptr;
    hook(slot);
    return;
  }
  slot.ready = true;
  in_flight_arg_bytes_ -= slot.arg_bytes;
  if (--unanswered_ == 0 && waiting_for_answers_) wake_reader();
  reply_bytes_ += slot.data.size();
  // Rises at once with a large reply, decays slowly: errs on the side of bounded memory.
  reply_size_estimate_ =
      std::max(slot.data.size(), reply_size_estimate_ - reply_size_estimate_ / 8);
  if (&slot == &slots_.front()) wake_writer();
}

void client_connection::dispatch(std::span<const std::string_view> args, const command_spec* spec) {
  slots_.emplace_back();
  reply_slot& slot = slots_.back();
  slot.protocol = protocol;
  ++pending_;
  ++unanswered_;
  for (auto a : args) slot.arg_bytes += a.size();
  if (write_bytes_to_note_ > 0) {
    slot.noted_write_bytes = std::exchange(write_bytes_to_note_, 0);
    slot.noted_per_user = write_noted_per_user_;
    slot.noted_tenant = tenant_;
  }
  slot.heavy = heavy_lane_;
  slot.has_keys = spec != nullptr && spec->first_key > 0;
  in_flight_arg_bytes_ += slot.arg_bytes;
  loop_.shared.counters.commands_processed.fetch_add(1, std::memory_order_relaxed);
  stats_->commands_processed.fetch_add(1, std::memory_order_relaxed);

  if (in_multi && (spec == nullptr || !(spec->flags & flag_no_queue))) {
    // Inside MULTI: check now (Redis refuses unknown commands and bad arity at once), run at
    // EXEC.
    resp::reply_writer w(slot.data, slot.protocol);
    // Redis refuses these at queue time too (the size bound's OOM included).
    if (spec == nullptr) {
      w.error(unknown_command_error(args));
      multi_failed = true;
    } else if (const std::string refused = refusal(args, *spec); !refused.empty()) {
      w.error(refused);
      multi_failed = true;
    } else if (std::size_t bytes = command_bytes(args);
               queued_bytes + bytes > loop_.shared.settings.max_multi_bytes) {
      // Freed now: the transaction can only be refused, so its memory need not wait for EXEC.
      drop_queue();
      w.error("ERR MULTI queue exceeds --max-multi-bytes; the transaction is discarded");
      multi_failed = true;
    } else {
      queued.push_back(queued_command{spec, {args.begin(), args.end()}});
      queued_bytes += bytes;
      w.simple("QUEUED");
    }
    reply_ready(slot);
    return;
  }
  execute(args, spec, slot);
}

bool client_connection::touches_busy_keys(std::span<const std::string_view> args,
                                          const command_spec& spec) {
  const auto keys = command_keys(spec, args);
  return !keys.empty() && loop_.shared.busy.holds_any(tenant_, keys);
}

void client_connection::execute_nested(std::span<const std::string_view> args,
                                       const command_spec& spec, reply_slot& slot, bool heavy) {
  const bool lane = std::exchange(heavy_lane_, heavy);
  execute(args, &spec, slot);
  heavy_lane_ = lane;
}

void client_connection::execute(std::span<const std::string_view> args, const command_spec* spec,
                                reply_slot& slot) {
  command_call call(*this, args, slot);
  slot.spec = spec;
  slot.started = std::chrono::steady_clock::now();
  const bool nested = slot.group != nullptr || static_cast<bool>(slot.on_nested_reply);
  if (!nested) {
    // CLIENT REPLY OFF / SKIP (the CLIENT REPLY command itself adjusts its own slot).
    slot.silent = reply_off || skip_next_reply;
    skip_next_reply = false;
  }
  if (spec != nullptr) last_command = spec->name;
  // SLOWLOG needs the arguments after they are gone from the read buffer; EXEC's commands are
  // measured as EXEC, as in Redis.
  if (!nested && loop_.shared.live.slowlog_log_slower_than.load(std::memory_order_relaxed) >= 0) {
    slot.args.capture(args);
  }
  if (spec == nullptr) {
    call.out.error(unknown_command_error(args));
  } else if (const std::string refused = refusal(args, *spec); !refused.empty()) {
    call.out.error(refused);
  } else if (!nested && loop_.shared.busy.any() && touches_busy_keys(args, *spec)) {
    call.out.error(
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
  } else {
    // As Redis: admin commands (MONITOR, CONFIG, DEBUG, …) are not shown to monitors.
    // (The subcommand's flags: CONFIG GET is admin while CONFIG itself is a container.)
    if (loop_.shared.monitoring.any() && !(permission_entry(*spec, args).flags & flag_admin)) {
      loop_.shared.monitoring.feed(*this, args);
    }
    track_reads(args, *spec, nested);
    if (auto marks = near_write_of(loop_.shared, *spec, args, tenant_, id_)) {
      // Marked before the statement is sent; released once its transaction is over: with the
      // reply, or for EXEC's and a script's commands when the transaction ends.
      begin_near_write(loop_.shared, *marks);
      if (nested) {
        near_marks_after_commit.push_back(std::move(*marks));
      } else {
        slot.near_marks = std::move(marks);
      }
    }
    if (spec->notices != nullptr &&
        loop_.shared.live.keyspace_events.load(std::memory_order_relaxed) != 0) {
      slot.notice_args.assign(args.begin(), args.end());
      slot.notice_tenant = tenant_;
    }
    spec->handler(call);
    note_command_ran(*spec, nested);
  }
  if (!call.is_deferred()) reply_ready(slot);
}

}  // namespace fpc::server

namespace fpc::server {

void client_connection::transaction_over(bool committed) {
  auto keys = std::exchange(wakes_after_commit, {});
  auto notices = std::exchange(notices_after_commit, {});
  for (const auto& marks : std::exchange(near_marks_after_commit, {})) {
    end_near_write(loop_.shared, marks, committed);
  }
  if (!committed) return;
  for (const auto& [tenant, key] : keys) announce_key_ready(loop_.shared, tenant, key);
  for (const auto& [tenant, n] : notices) {
    notify_keyspace_event(loop_.shared, tenant, n.event_class, n.event, n.key);
  }
}

void client_connection::notify_keyspace(reply_slot& slot, bool nested) {
  const auto args = std::exchange(slot.notice_args, {});
  if (slot.spec == nullptr || slot.spec->notices == nullptr) return;
  std::vector<keyspace_notice> found;
  slot.spec->notices(args, slot.data, found);
  for (auto& n : found) {
    if (nested) {
      notices_after_commit.emplace_back(slot.notice_tenant, std::move(n));
    } else {
      notify_keyspace_event(loop_.shared, slot.notice_tenant, n.event_class, n.event, n.key);
    }
  }
}

void client_connection::on_disconnect() {
  leave_pubsub();
  if (auto end = std::exchange(unblock, nullptr)) end("disconnected");
}

}  // namespace fpc::server
