// Where a command's reply waits until every earlier reply has been sent, and EXEC's group of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/state/slow_log.hpp"

namespace fpc::server {

struct command_spec;
struct exec_group;

/// A write's keys marked in the near cache until its transaction is over (see near_cache).
struct near_write {
  std::string tenant;
  std::vector<std::string> keys;  // empty: any key of the tenant
  std::uint64_t writer = 0;       // the client (CLIENT TRACKING NOLOOP skips it)
  // A script's mark of its whole tenant: released without announcing anything, since each
  // command the script runs marks and announces its own keys.
  bool covered_by_its_commands = false;
};

struct reply_slot {
  std::string data;
  int protocol = 2;  // the protocol in force when the command arrived
  bool ready = false;
  bool heavy = false;         // sent on the side connection (caller::heavy)
  bool has_keys = false;      // the command names keys, so it reached PostgreSQL
  std::size_t arg_bytes = 0;  // the command's arguments, counted in flight until the reply is ready
  // What the size bound counted for it (note_write), for whom: uncounted once it is answered.
  std::uint64_t noted_write_bytes = 0;
  bool noted_per_user = false;
  std::string noted_tenant;
  exec_group* group = nullptr;  // set for a command run by EXEC: its reply joins EXEC's array
  // Set for a command a script runs (redis.call): called with the slot once its reply is
  // complete, instead of queueing it for the client.
  std::function<void(reply_slot&)> on_nested_reply;
  const command_spec* spec = nullptr;  // for per-command statistics (unknown commands: none)
  bool silent = false;                 // CLIENT REPLY OFF/SKIP: computed, never sent
  slow_args args;                      // captured while SLOWLOG is on, shown if the command is slow
  std::chrono::steady_clock::time_point started{};
  // A write's arguments, copied while keyspace notifications are on: its notices are found
  // from them and the reply once it is complete.
  std::vector<std::string> notice_args;
  std::string notice_tenant;  // the tenant the command ran as (an AUTH may follow before its reply)
  // A write's marks in the near cache, released (and announced to the other servers) with the
  // reply: its keys, or its whole tenant (keys empty).
  std::optional<near_write> near_marks;
};

/// The replies of one EXEC: the commands' own slots, gathered into EXEC's slot once the last one
/// and the COMMIT are done.
struct exec_group {
  reply_slot* parent = nullptr;
  std::deque<reply_slot> children;  // a deque: slots keep their addresses as they are added
  std::size_t remaining = 0;        // children not yet complete, plus the commit
  std::string commit_error;
  bool watched_key_changed = false;  // EXEC answers a null array
  // EXEC with a script runs its commands one after another: called when one is done and more
  // remain (the script's statements must all be submitted before the next command's).
  std::function<void()> on_part_done;
};

}  // namespace fpc::server
