// MULTI, EXEC, DISCARD: queued commands run as one PostgreSQL transaction on the client's connection.
#include <memory>

#include "server/client_session.hpp"
#include "server/handlers.hpp"

namespace fpc::server::handlers {
namespace {
void leave_multi(client_session& s) {
  s.in_multi = false;
  s.multi_failed = false;
  s.queued.clear();
  s.watched.reset();
}
}  // namespace

void watch(command_call& call) {
  client_session& s = call.session;
  if (s.in_multi) {
    call.out.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  if (!s.watched) s.watched = std::make_shared<watched_keys>();
  const std::size_t first = s.watched->keys.size();
  const auto keys = call.args.subspan(1);
  for (const auto key : keys) {
    s.watched->keys.emplace_back(key);
    s.watched->versions.push_back(watched_keys::unknown);
  }
  // The versions arrive later; EXEC's check reads them only after this answer is in (the backend
  // keeps a client's operations in order), and a failed WATCH leaves `unknown`, so EXEC aborts.
  auto reply = call.defer();
  call.store().watch(s.who(), keys, [reply, watched = s.watched, first](kv_result&& r) {
    if (r.ok()) {
      for (std::size_t i = 0; i < r.integers.size(); ++i) watched->versions[first + i] = r.integers[i];
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

void exec(command_call& call) {
  client_session& s = call.session;
  if (!s.in_multi) {
    call.out.error("ERR EXEC without MULTI");
    return;
  }
  if (s.multi_failed) {
    leave_multi(s);
    call.out.error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  auto commands = std::move(s.queued);
  std::shared_ptr<const watched_keys> watched = std::move(s.watched);
  leave_multi(s);

  // Each command writes its reply into its own child slot; the group answers EXEC once the
  // commands and the COMMIT are done. The statements are submitted here, all in one go, so they
  // sit between BEGIN and COMMIT on the client's connection with nothing else in between.
  auto reply = call.defer();
  auto group = std::make_shared<exec_group>();
  group->parent = reply.slot();
  group->remaining = commands.size() + 1 + (watched ? 1 : 0);
  call.store().begin_transaction(s.who());
  if (watched) {
    call.store().verify_watched(s.who(), watched, [reply, group](kv_result&& r) {
      if (r.ok() && r.integer == 0) group->watched_key_changed = true;
      reply.session().exec_part_done(*group);
    });
  }
  for (const auto& command : commands) {
    group->children.emplace_back();
    reply_slot& child = group->children.back();
    child.protocol = s.protocol;
    child.group = group.get();
    const std::vector<std::string_view> args(command.begin(), command.end());
    s.execute(args, child);
  }
  call.store().commit_transaction(s.who(), [reply, group](kv_result&& r) {
    if (!r.ok()) group->commit_error = r.error;
    // The commit comes last: this completes EXEC's reply (and keeps `group` alive until then).
    reply.session().exec_part_done(*group);
  });
}

}  // namespace fpc::server::handlers
