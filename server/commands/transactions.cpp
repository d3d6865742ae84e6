// MULTI, EXEC, DISCARD: queued commands run as one PostgreSQL transaction on the client's
// connection.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/dispatch/retry_pause.hpp"
#include "server/commands/handlers.hpp"

namespace fpc::server::handlers {
namespace {
void leave_multi(client_connection& s) {
  s.in_multi = false;
  s.multi_failed = false;
  s.drop_queue();
  s.watched.reset();
}
}  // namespace

void watch(command_call& call) {
  client_connection& s = call.session;
  if (s.in_multi) {
    call.out.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  if (!s.watched) s.watched = std::make_shared<watched_keys>();
  const std::size_t first = s.watched->keys.size();
  const auto keys = call.args.subspan(1);
  // The watched keys are bounded like a MULTI queue (a WATCH past the bound is refused whole).
  std::size_t bytes = 0;
  for (const auto& k : s.watched->keys) bytes += k.size() + sizeof(std::string);
  for (const auto k : keys) bytes += k.size() + sizeof(std::string);
  if (bytes > call.shared().settings.max_multi_bytes) {
    call.out.error("ERR WATCH keys exceed --max-multi-bytes");
    return;
  }
  for (const auto key : keys) {
    s.watched->keys.emplace_back(key);
    s.watched->versions.push_back(watched_keys::unknown);
  }
  // The versions arrive later; EXEC's check reads them only after this answer is in (the backend
  // keeps a client's operations in order), and a failed WATCH leaves `unknown`, so EXEC aborts.
  auto reply = call.defer();
  call.store().transactions().watch(s.who(), keys, [reply, watched = s.watched, first](kv_result&& r) {
    if (r.ok()) {
      for (std::size_t i = 0; i < r.integers.size(); ++i)
        watched->versions[first + i] = r.integers[i];
      reply.writer().ok();
    } else {
      reply.writer().error(r.error);
    }
    reply.finish();
  });
}

void unwatch(command_call& call) {
  call.session.watched.reset();
  call.out.ok();
}

void multi(command_call& call) {
  if (call.session.in_multi) {
    call.out.error("ERR MULTI calls can not be nested");
    return;
  }
  call.session.in_multi = true;
  call.out.ok();
}

void discard(command_call& call) {
  if (!call.session.in_multi) {
    call.out.error("ERR DISCARD without MULTI");
    return;
  }
  leave_multi(call.session);
  call.out.ok();
}

namespace {

// Redis's EXEC never fails because another client ran at the same time. A write transaction over
// known keys locks them first, so it cannot lose (but for a rare deadlock); one on a REPEATABLE
// READ snapshot can (a serialization failure). Either is run again, from BEGIN, a bounded number
// of times (retry_pause.hpp).
constexpr int max_exec_attempts = max_transaction_attempts;

using queued_commands = std::vector<queued_command>;

// Commands over the whole keyspace: a transaction with one of them needs one snapshot of it.
bool spans_keyspace(const command_spec& spec) {
  for (std::string_view name : {"dbsize", "flushall", "flushdb", "keys", "randomkey", "scan"}) {
    if (spec.name == name) return true;
  }
  return false;
}

// The keys a write transaction will touch, when every one is known from the command table's
// key positions (Redis's first/last/step); nullptr for a read-only transaction or one with a
// command over the whole keyspace: those run on one snapshot instead.
std::shared_ptr<const std::vector<std::string>> keys_to_lock(const queued_commands& commands) {
  auto keys = std::make_shared<std::vector<std::string>>();
  bool writes = false;
  for (const auto& command : commands) {
    const command_spec* spec = command.spec;
    if (spec == nullptr || spans_keyspace(*spec)) return nullptr;
    // A script (EVAL*, FCALL*) writes unless it is a *_RO one; the others say so in their flags.
    writes = writes || ((spec->flags & flag_script) ? !(spec->flags & flag_readonly)
                                                    : (spec->flags & flag_write) != 0);
    const std::vector<std::string_view> args(command.args.begin(), command.args.end());
    for (const auto key : command_keys(*spec, args)) keys->emplace_back(key);
  }
  if (!writes) return nullptr;
  return keys;
}

void run_transaction(command_call::deferred reply, std::shared_ptr<const queued_commands> commands,
                     std::shared_ptr<const watched_keys> watched,
                     std::shared_ptr<const std::vector<std::string>> locked_keys, int attempt);

// The COMMIT, last: its answer completes EXEC's reply, or starts a fresh attempt after losing to
// a concurrent transaction.
void submit_commit(command_call::deferred reply, std::shared_ptr<exec_group> group,
                   std::shared_ptr<const queued_commands> commands,
                   std::shared_ptr<const watched_keys> watched,
                   std::shared_ptr<const std::vector<std::string>> locked_keys, int attempt) {
  client_connection& s = reply.session();
  s.loop().store.transactions().commit_transaction(
      s.who(), locked_keys.get(),
      [reply, group, commands, watched, locked_keys, attempt](kv_result&& r) {
        // Lists pushed inside the transaction wake their waiters only once it is committed.
        reply.session().transaction_over(r.ok());
        if (!r.ok() && r.conflict && attempt < max_exec_attempts) {
          // Nothing of it happened; this group is dropped unanswered and a fresh attempt answers
          // EXEC. The first retry goes at once; later ones after a random pause that grows with
          // each attempt, so rivals that keep colliding spread out instead of colliding again.
          reply.session().count_exec_retry();
          retry_after_pause(reply.session().loop().executor, attempt,
                            [reply, commands, watched, locked_keys, attempt] {
                              run_transaction(reply, commands, watched, locked_keys, attempt + 1);
                            });
          return;
        }
        if (!r.ok()) group->commit_error = r.error;
        if (!r.ok() && attempt > 1) {
          spdlog::warn("client {}: EXEC failed after {} attempts ({})", reply.session().id(),
                       attempt, r.conflict ? "still losing to concurrent transactions" : r.error);
        }
        // The commit comes last: this completes EXEC's reply (and keeps `group` alive until then).
        client_connection& session = reply.session();
        session.exec_part_done(*group);
        session.resume_dispatch();
      });
}

bool has_script(const queued_commands& commands) {
  return std::any_of(commands.begin(), commands.end(), [](const queued_command& c) {
    return c.spec != nullptr && (c.spec->flags & flag_script);
  });
}

void execute_queued(client_connection& s, exec_group& group, const queued_command& command) {
  group.children.emplace_back();
  reply_slot& child = group.children.back();
  child.protocol = s.protocol;
  child.group = &group;
  const std::vector<std::string_view> args(command.args.begin(), command.args.end());
  s.execute(args, command.spec, child);
}

// One attempt: BEGIN, the WATCH check, the commands, COMMIT, all submitted in one go so they sit
// together on the client's connection. Each command writes its reply into its own child slot;
// the group answers EXEC once the commands and the COMMIT are done. A transaction with a script
// runs its commands one after another instead: a script submits its statements as it goes, and
// the next command's must come after them.
void run_transaction(command_call::deferred reply, std::shared_ptr<const queued_commands> commands,
                     std::shared_ptr<const watched_keys> watched,
                     std::shared_ptr<const std::vector<std::string>> locked_keys, int attempt) {
  client_connection& s = reply.session();
  auto group = std::make_shared<exec_group>();
  group->parent = reply.slot();
  group->remaining = commands->size() + 1 + (watched ? 1 : 0);
  s.loop().store.transactions().begin_transaction(s.who(), locked_keys.get());
  if (watched) {
    s.loop().store.transactions().verify_watched(s.who(), watched, [reply, group](kv_result&& r) {
      if (r.ok() && r.integer == 0) group->watched_key_changed = true;
      reply.session().exec_part_done(*group);
    });
  }
  if (!has_script(*commands)) {
    for (const auto& command : *commands) execute_queued(s, *group, command);
    submit_commit(reply, group, commands, watched, locked_keys, attempt);
    return;
  }
  struct stepper {
    std::size_t next = 0;
    bool stepping = false;
    bool committed = false;
    std::shared_ptr<exec_group> group;  // kept alive while its commands run
  };
  auto state = std::make_shared<stepper>();
  // The group holds this stepper (on_part_done) and the stepper the group, until the COMMIT
  // takes the group over.
  auto step = [reply, g = group.get(), state, commands, watched, locked_keys, attempt] {
    if (state->stepping || state->committed) return;
    state->stepping = true;
    client_connection& session = reply.session();
    while (state->next < commands->size()) {
      if (state->next > 0 && !g->children.back().ready) break;
      execute_queued(session, *g, (*commands)[state->next++]);
    }
    state->stepping = false;
    if (state->next == commands->size() && (commands->empty() || g->children.back().ready)) {
      // From here the COMMIT's callback keeps the group; later calls of this stepper do nothing.
      state->committed = true;
      submit_commit(reply, std::move(state->group), commands, watched, locked_keys, attempt);
    }
  };
  state->group = group;
  group->on_part_done = step;
  step();
}

}  // namespace

void exec(command_call& call) {
  client_connection& s = call.session;
  if (!s.in_multi) {
    call.out.error("ERR EXEC without MULTI");
    return;
  }
  if (s.multi_failed) {
    leave_multi(s);
    call.out.error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  auto commands = std::make_shared<const queued_commands>(std::move(s.queued));
  s.queued_bytes = 0;
  std::shared_ptr<const watched_keys> watched = std::move(s.watched);
  leave_multi(s);
  // Nothing after EXEC reaches PostgreSQL before its transaction is over: a retry then still
  // runs before the client's later commands, as their order requires.
  s.hold_dispatch();
  auto locked_keys = keys_to_lock(*commands);
  run_transaction(call.defer(), std::move(commands), std::move(watched), std::move(locked_keys), 1);
}

}  // namespace fpc::server::handlers
