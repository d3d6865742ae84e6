// The redis.* table of a script's environment, and the math.random Redis makes deterministic.
#pragma once

#include <cstddef>

#include "server/scripting/lua.hpp"

namespace fpc::server::scripting {

/// The functions that reach the running script (and through it the server): set by
/// script_run.cpp, which owns the run these act on.
struct script_entry_points {
  lua_CFunction call = nullptr;         ///< redis.call(name, args...): raises a command's error
  lua_CFunction pcall = nullptr;        ///< redis.pcall: returns it as {err=...}
  lua_CFunction log = nullptr;          ///< redis.log(level, ...)
  lua_CFunction setresp = nullptr;      ///< redis.setresp(2|3)
  lua_CFunction random = nullptr;       ///< math.random, seeded per script
  lua_CFunction randomseed = nullptr;   ///< math.randomseed
  lua_CFunction acl_check = nullptr;    ///< redis.acl_check_cmd(name, args...)
  lua_CFunction register_function = nullptr;  ///< redis.register_function (FUNCTION LOAD)
};
/// script_run.cpp fills this before any interpreter is made.
script_entry_points& entry_points();

/// Pushes a new `redis` table: the functions above, sha1hex, error_reply, status_reply, set_repl, replicate_commands, breakpoint, debug,
/// and the LOG_*, REPL_* and REDIS_VERSION* constants.
void push_redis_table(lua_State* L);

/// Redis's error_reply rule: the first word (after an optional '-') is the code; a one-word
/// message gets "ERR " in front.
void push_error_table(lua_State* L, const char* text, std::size_t length);

}  // namespace fpc::server::scripting
