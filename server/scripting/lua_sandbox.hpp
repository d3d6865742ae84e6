// The environment Redis gives scripts, built into a fresh Lua state: the libraries, the redis
// table, read-only globals, and pcall/xpcall that let redis.call wait for PostgreSQL.
#pragma once

#include "server/scripting/lua.hpp"

namespace fpc::server::scripting {

/// The value a script's coroutine yields when it waits for a command's reply (as opposed to a
/// pause the instruction hook makes, or the script's own coroutine.yield).
void* call_yield_marker();

/// Opens base, table, string, math, cjson, bit, cmsgpack and struct; installs redis.* (lua_redis_lib.hpp); removes
/// what Redis removes (io, os, print, loadfile, dofile, require, ...); makes the globals and the
/// library tables read-only (writes raise "Attempt to modify a readonly table", reading a
/// missing global raises "Script attempted to access nonexistent global variable").
void install_sandbox(lua_State* L);

}  // namespace fpc::server::scripting
